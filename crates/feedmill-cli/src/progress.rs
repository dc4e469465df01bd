//! Progress bars on a terminal (indicatif), for downloads and ingests; hidden when stderr is not
//! a terminal, where the log lines say the same.

use feedmill_fetch::DownloadProgress;
use feedmill_pipeline::FeedFiles;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::sync::Mutex;

/// A bar of `total` bytes (a spinner when unknown), labelled `message`.
pub fn byte_bar(total: Option<u64>, message: &str) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(total, target);
    let template = match total {
        Some(_) => "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        None => "{msg} {spinner} {bytes} {bytes_per_sec}",
    };
    let style =
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar.set_message(message.to_string());
    bar
}

/// Feed files whose reading advances a progress bar (`feedmill ingest`).
pub struct IngestBars;

impl FeedFiles for IngestBars {
    fn open(&self, path: &Path) -> std::io::Result<Box<dyn Read + Send>> {
        let file = File::open(path)?;
        let len = file.metadata().map(|m| m.len()).ok();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bar = byte_bar(len, &format!("ingesting {name}"));
        Ok(Box::new(FinishOnDrop(bar.wrap_read(file))))
    }
}

/// Clears the bar when the reader is done with, so log lines after it stay readable.
struct FinishOnDrop(indicatif::ProgressBarIter<File>);

impl Read for FinishOnDrop {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Drop for FinishOnDrop {
    fn drop(&mut self) {
        self.0.progress.finish_and_clear();
    }
}

/// Draws each download of `feedmill fetch`, `refresh` and `serve` (one at a time).
#[derive(Default)]
pub struct DownloadBars {
    current: Mutex<Option<ProgressBar>>,
}

impl DownloadProgress for DownloadBars {
    fn started(&self, source: &str, total_bytes: Option<u64>) {
        if let Ok(mut current) = self.current.lock() {
            *current = Some(byte_bar(total_bytes, &format!("downloading {source}")));
        }
    }

    fn advanced(&self, _source: &str, num_bytes: u64) {
        if let Ok(current) = self.current.lock()
            && let Some(bar) = current.as_ref()
        {
            bar.inc(num_bytes);
        }
    }

    fn finished(&self, _source: &str) {
        if let Ok(mut current) = self.current.lock()
            && let Some(bar) = current.take()
        {
            bar.finish_and_clear();
        }
    }
}
