//! The pipeline over real files and a real on-disk index in a temp dir.

mod history;
mod history_crash;
mod ingest;
mod matching;
mod refresh;
mod replay;

use feedmill_formats::FeedFormat;
use feedmill_formats::driver::FeedOptions;
use feedmill_index::IngestOptions;
use std::path::{Path, PathBuf};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SOURCE: &str = "shop";

/// A generic CSV feed of `num_offers` offers, ids `sku-0`…, written to `dir/name`.
fn write_feed(dir: &Path, name: &str, num_offers: usize) -> std::io::Result<PathBuf> {
    let mut csv = String::from("id,title,price,currency,link\n");
    for i in 0..num_offers {
        csv.push_str(&format!(
            "sku-{i},Trail shoe {i},{}.{:02},SEK,https://shop.example/p/{i}\n",
            100 + i,
            i % 100
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, csv)?;
    Ok(path)
}

fn request(paths: Vec<PathBuf>) -> crate::IngestRequest {
    crate::IngestRequest {
        paths,
        feed: FeedOptions {
            source: SOURCE.into(),
            format: Some(FeedFormat::Csv),
            ..FeedOptions::default()
        },
        guard: IngestOptions::default(),
        expected_records: None,
        content_hash: None,
    }
}
