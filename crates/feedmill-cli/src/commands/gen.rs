//! `feedmill gen`: writes a deterministic synthetic feed (see the feedmill-gen crate) for
//! benchmarks and load tests, plain or gzip, to a file or stdout, and a one-line summary to
//! stderr. The same flags always give the same bytes.

use anyhow::Context;
use feedmill_gen::{DEFAULT_BAD_SHARE, GenConfig, GenFormat, GenStats, generate, generate_gzip};
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct GenArgs {
    /// Feed format: google-xml, awin-csv, adtraction-xml or partnerboost-json.
    #[arg(long)]
    pub format: GenFormat,
    /// Records to write, bad ones included.
    #[arg(long)]
    pub offers: u64,
    /// Seed of the generator: the same seed gives the same bytes.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Compress with gzip (fast level), as networks deliver large feeds.
    #[arg(long)]
    pub gzip: bool,
    /// Share of deliberately bad records (missing or negative price, no URL, placeholder GTIN).
    #[arg(long, default_value_t = DEFAULT_BAD_SHARE, value_parser = parse_share)]
    pub bad_share: f64,
    /// Where to write the feed; `-` or nothing means stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: GenArgs) -> anyhow::Result<ExitCode> {
    let cfg = GenConfig {
        format: args.format,
        offers: args.offers,
        seed: args.seed,
        bad_share: args.bad_share,
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

/// `--bad-share`: a number from 0 to 1.
fn parse_share(raw: &str) -> Result<f64, String> {
    let share: f64 = raw
        .parse()
        .map_err(|_| format!("{raw:?} is not a number"))?;
    if (0.0..=1.0).contains(&share) {
        Ok(share)
    } else {
        Err(format!("{share} is not between 0 and 1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_shares() {
        assert_eq!(parse_share("0.05"), Ok(0.05));
        assert!(parse_share("1.5").is_err());
        assert!(parse_share("lots").is_err());
    }

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
