//! `feedmill gen`: writes a deterministic synthetic feed (see the feedmill-gen crate) for
//! benchmarks and load tests, plain or gzip, to a file or stdout, and a one-line summary to
//! stderr. The same flags always give the same bytes.

use crate::cli::GenArgs;
use anyhow::Context;
use feedmill_gen::{GenConfig, GenStats, PriceChanges, generate, generate_gzip};
use std::fs::File;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

pub fn run(args: GenArgs) -> anyhow::Result<ExitCode> {
    let cfg = GenConfig {
        format: args.format,
        offers: args.offers,
        seed: args.seed,
        bad_share: args.bad_share,
        price_changes: args.day.map(|day| PriceChanges {
            day,
            share: args.price_changes,
        }),
        blank_gtin_share: args.blank_gtins,
        blank_mpn_share: args.blank_mpns,
    };
    let started = Instant::now();
    let stats = match args.out.as_ref().filter(|path| path.as_os_str() != "-") {
        Some(path) => {
            let mut file = File::create(path)
                .with_context(|| format!("failed to create {}", path.display()))?;
            write_feed(&cfg, args.gzip, &mut file)
                .with_context(|| format!("failed to write {}", path.display()))?
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            let stats = write_feed(&cfg, args.gzip, &mut out).context("failed to write stdout")?;
            out.flush().context("failed to write stdout")?;
            stats
        }
    };
    eprintln!("{}", summary(&cfg, &stats, started.elapsed().as_secs_f64()));
    Ok(ExitCode::SUCCESS)
}

fn write_feed(cfg: &GenConfig, gzip: bool, out: &mut dyn Write) -> std::io::Result<GenStats> {
    if gzip {
        generate_gzip(cfg, out)
    } else {
        generate(cfg, out)
    }
}

/// `generated google-xml: 2000000 offers (20000 bad), 1311.2 MB, gzip 201.4 MB, 9.81 s`.
fn summary(cfg: &GenConfig, stats: &GenStats, seconds: f64) -> String {
    let megabytes = |bytes: u64| bytes as f64 / 1e6;
    let gzip = if stats.num_gzip_bytes > 0 {
        format!(", gzip {:.1} MB", megabytes(stats.num_gzip_bytes))
    } else {
        String::new()
    };
    format!(
        "generated {}: {} offers ({} bad), {} bytes ({:.1} MB){gzip}, {seconds:.2} s",
        cfg.format,
        stats.num_offers,
        stats.num_bad,
        stats.num_bytes,
        megabytes(stats.num_bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedmill_gen::GenFormat;

    #[test]
    fn summarizes_in_one_line() {
        let cfg = GenConfig::new(GenFormat::AwinCsv, 10, 42);
        let stats = GenStats {
            num_offers: 10,
            num_bad: 1,
            num_bytes: 5_000,
            num_gzip_bytes: 900,
            ..GenStats::default()
        };
        let line = summary(&cfg, &stats, 0.5);
        assert_eq!(
            line,
            "generated awin-csv: 10 offers (1 bad), 5000 bytes (0.0 MB), gzip 0.0 MB, 0.50 s"
        );
    }
}
