//! The generator wrapper: feedmill-gen's synthetic feeds as the benchmarks read them — a gzip
//! file on disk ([`generate`], as `feedmill ingest` reads a download) or gzip bytes in memory
//! ([`gzip_in_memory`], for criterion's repeated runs).

use crate::measure::{BenchResult, StageClock, StageFigures};
use feedmill_formats::FeedFormat;
use feedmill_formats::driver::FeedOptions;
use feedmill_gen::{GenConfig, GenFormat, GenStats, generate_gzip};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The source every generated offer is read under.
pub const FEED_SOURCE: &str = "e2e";

/// A generated feed on disk.
pub struct Feed {
    pub path: PathBuf,
    pub format: GenFormat,
    pub stats: GenStats,
}

impl Feed {
    /// Offers a normalizer must keep: every record but the ones planted to be rejected.
    pub fn num_expected(&self) -> u64 {
        self.stats.num_offers - self.stats.num_rejected()
    }

    /// The format that reads it.
    pub fn feed_format(&self) -> FeedFormat {
        self.format.into()
    }

    /// How to read it: its format, under [`FEED_SOURCE`].
    pub fn options(&self) -> FeedOptions {
        FeedOptions {
            source: FEED_SOURCE.into(),
            format: Some(self.feed_format()),
            ..FeedOptions::default()
        }
    }
}

/// Generates the feed, gzip-compressed and synced, into `dir`; the figures of generating it.
pub fn generate(dir: &Path, config: &GenConfig) -> BenchResult<(Feed, StageFigures)> {
    let clock = StageClock::start();
    let path = dir.join(format!("{}-{}.gz", config.format, config.offers));
    let mut out = BufWriter::new(File::create(&path)?);
    let stats = generate_gzip(config, &mut out)?;
    out.into_inner()
        .map_err(|err| err.into_error())?
        .sync_all()?;
    let figures = clock.finish(stats.num_offers);
    let feed = Feed {
        path,
        format: config.format,
        stats,
    };
    Ok((feed, figures))
}

/// The feed of `config` as gzip bytes in memory.
pub fn gzip_in_memory(config: &GenConfig) -> BenchResult<Arc<[u8]>> {
    let mut gz = Vec::new();
    generate_gzip(config, &mut gz)?;
    Ok(Arc::from(gz))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_file_is_the_generated_bytes() -> BenchResult<()> {
        let dir = tempfile::tempdir()?;
        let config = GenConfig::new(GenFormat::AwinCsv, 300, 42);
        let (feed, figures) = generate(dir.path(), &config)?;
        assert_eq!(figures.num_items, 300);
        assert_eq!(feed.stats.num_offers, 300);
        assert!(feed.num_expected() < 300);
        assert_eq!(feed.options().format, Some(FeedFormat::AwinCsv));
        let in_memory = gzip_in_memory(&config)?;
        assert_eq!(std::fs::read(&feed.path)?, in_memory.to_vec());
        Ok(())
    }
}
