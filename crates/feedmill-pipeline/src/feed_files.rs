//! [`FeedFiles`]: how an ingest opens a feed file — plainly, or wrapped by the caller (the
//! CLI's progress bar on a terminal).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Opens the files an ingest reads.
pub trait FeedFiles: Sync {
    fn open(&self, path: &Path) -> io::Result<Box<dyn Read + Send>>;
}

/// Files as they are.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainFiles;

impl FeedFiles for PlainFiles {
    fn open(&self, path: &Path) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(File::open(path)?))
    }
}
