//! Journal segments: the files `<number>.ndjson` the journal appends to, and their replay when
//! a store opens.

use super::super::click_insert::insert_click;
use super::super::writer::WriteHandle;
use crate::click::Click;
use crate::error::StoreResult;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use tracing::{info, warn};

/// Clicks read from a segment per transaction when a start replays it.
const REPLAY_CHUNK: usize = 10_000;

/// The segment being appended to.
pub(super) struct Segment {
    path: PathBuf,
    file: File,
    len: u64,
    /// A write failed part-way: the next one starts on a new line.
    torn: bool,
    buffer: Vec<u8>,
}

impl Segment {
    /// Creates segment `number` in `dir` and makes its name durable, so its synced lines are.
    pub(super) fn create(dir: &Path, number: u64) -> StoreResult<Segment> {
        let path = segment_path(dir, number);
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)?;
        File::open(dir)?.sync_all()?;
        Ok(Segment {
            path,
            file,
            len: 0,
            torn: false,
            buffer: Vec::new(),
        })
    }

    pub(super) fn len(&self) -> u64 {
        self.len
    }

    pub(super) fn into_path(self) -> PathBuf {
        self.path
    }

    /// Appends one line per click and syncs them.
    pub(super) fn append<'a>(
        &mut self,
        clicks: impl Iterator<Item = &'a Click>,
    ) -> StoreResult<()> {
        self.buffer.clear();
        if self.torn {
            self.buffer.push(b'\n');
        }
        for click in clicks {
            serde_json::to_writer(&mut self.buffer, click).map_err(std::io::Error::from)?;
            self.buffer.push(b'\n');
        }
        self.torn = true;
        self.file.write_all(&self.buffer)?;
        self.file.sync_data()?;
        self.torn = false;
        self.len += self.buffer.len() as u64;
        Ok(())
    }
}

fn segment_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("{number:016}.ndjson"))
}

/// Replays, oldest first, the segments an earlier process left in `dir`, deleting each once its
/// clicks are committed; returns the number the next segment takes.
pub(super) fn replay_segments(dir: &Path, writer: &WriteHandle) -> StoreResult<u64> {
    let mut numbers = segment_numbers(dir)?;
    numbers.sort_unstable();
    for &number in &numbers {
        replay_segment(&segment_path(dir, number), writer)?;
    }
    Ok(numbers.last().map_or(1, |last| last + 1))
}

/// The numbers of the segments in `dir`.
fn segment_numbers(dir: &Path) -> StoreResult<Vec<u64>> {
    let mut numbers = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let number = name
            .to_str()
            .and_then(|name| name.strip_suffix(".ndjson"))
            .and_then(|stem| stem.parse::<u64>().ok());
        numbers.extend(number);
    }
    Ok(numbers)
}

/// Inserts the clicks of a segment (skipping those already stored), then deletes it. A line
/// that does not parse (the last one, cut short by a crash, was never acknowledged) is named
/// in a warning.
fn replay_segment(path: &Path, writer: &WriteHandle) -> StoreResult<()> {
    let mut lines = BufReader::new(File::open(path)?).lines();
    let mut chunk = Vec::with_capacity(REPLAY_CHUNK);
    let (mut num_clicks, mut num_inserted) = (0u64, 0u64);
    let mut line_number = 0u64;
    loop {
        let line = lines.next().transpose()?;
        let done = line.is_none();
        if let Some(line) = line {
            line_number += 1;
            match serde_json::from_str::<Click>(&line) {
                Ok(click) => chunk.push(click),
                Err(_) if line.trim().is_empty() => {}
                Err(err) => warn!(
                    segment = %path.display(), line = line_number, error = %err,
                    "unreadable click journal line (a write cut short is never acknowledged)"
                ),
            }
        }
        if chunk.len() == REPLAY_CHUNK || (done && !chunk.is_empty()) {
            num_clicks += chunk.len() as u64;
            num_inserted += insert_new(writer, std::mem::take(&mut chunk))?;
        }
        if done {
            break;
        }
    }
    std::fs::remove_file(path)?;
    info!(
        segment = %path.display(), num_clicks, num_inserted,
        "replayed click journal segment"
    );
    Ok(())
}

/// Inserts `clicks` in one transaction, skipping ids already stored; returns how many were new.
fn insert_new(writer: &WriteHandle, clicks: Vec<Click>) -> StoreResult<u64> {
    writer.write(move |connection| {
        let mut num_inserted = 0;
        for click in &clicks {
            num_inserted += insert_click(connection, click, true)?;
        }
        Ok(num_inserted)
    })
}
