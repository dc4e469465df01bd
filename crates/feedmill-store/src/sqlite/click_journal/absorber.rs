//! The absorber: journaled clicks gathered for up to [`ABSORB_GATHER`] (unless a reader waits)
//! and inserted into the database a batch a transaction, and the journal segments deleted once
//! their clicks are in.

use super::super::click_insert::insert_click;
use super::super::writer::WriteHandle;
use super::progress::{Progress, lock};
use crate::click::Click;
use crate::error::StoreError;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};
use tracing::{error, warn};

/// How long the absorber gathers journaled clicks before inserting them, unless a reader
/// waits: a batch of a second's clicks writes each page of the clicks table and its indexes
/// once, where a group of a few clicks rewrote (and synced) the same pages; a tenth of a
/// second measured slower (BENCHMARKS.md). The clicks are durable in the journal meanwhile.
pub(super) const ABSORB_GATHER: Duration = Duration::from_millis(1000);
/// A pause in the click-outs this long ends the gathering: under a light load each click
/// reaches the database (and other processes' reads) at once; under a heavy one there is no
/// such pause.
const IDLE_GAP: Duration = Duration::from_millis(20);
/// Most clicks inserted in one transaction, which holds the store's writer from other writes
/// (postbacks) for its time.
const ABSORB_BATCH: usize = 16_384;
/// Journaled groups waiting for the absorber (a second of click-outs at a few thousand a
/// second, in groups of a few); past this, the journal lanes wait for it.
pub(super) const QUEUE_CAPACITY: usize = 1024;
/// How long the absorber waits before trying a failed batch again, at first and at most, and
/// how often it tries (~15 s in all) before leaving the batch to the next start.
const RETRY_FIRST: Duration = Duration::from_millis(50);
const RETRY_MOST: Duration = Duration::from_secs(5);
const ABSORB_ATTEMPTS: u32 = 9;

/// What the journal thread hands the absorber, in journal order.
pub(super) enum Absorb {
    Clicks(Vec<Click>),
    /// Every click of this segment was sent before this message.
    Sealed(PathBuf),
    /// A reader waits ([`super::ClickJournal::settle`]): absorb what was gathered at once.
    Now,
}

pub(super) fn absorb_loop(queue: &Receiver<Absorb>, writer: &WriteHandle, progress: &Progress) {
    let mut sealed = Vec::new();
    // Once a batch could not be absorbed, no segment is deleted: the next start replays them.
    let mut keep_segments = false;
    while let Ok(first) = queue.recv() {
        let mut batch = Vec::new();
        // Takes in `message`; `true` when the batch is to be absorbed without gathering more.
        let mut take = |message: Absorb, batch: &mut Vec<Click>| match message {
            Absorb::Clicks(clicks) => {
                batch.extend(clicks);
                false
            }
            Absorb::Sealed(path) => {
                sealed.push(path);
                false
            }
            Absorb::Now => true,
        };
        let mut now = take(first, &mut batch);
        let gathered_by = Instant::now() + ABSORB_GATHER;
        while !now
            && batch.len() < ABSORB_BATCH
            && progress.num_settling.load(Ordering::Relaxed) == 0
        {
            let left = gathered_by.saturating_duration_since(Instant::now());
            match queue.recv_timeout(left.min(IDLE_GAP)) {
                Ok(message) => now = take(message, &mut batch),
                Err(_) => break,
            }
        }
        let num_clicks = batch.len() as u64;
        if !batch.is_empty() && !absorb_with_retries(writer, batch) {
            keep_segments = true;
            continue;
        }
        lock(&progress.counts).absorbed += num_clicks;
        progress.absorbed.notify_all();
        if keep_segments {
            sealed.clear();
        }
        for path in sealed.drain(..) {
            if let Err(err) = std::fs::remove_file(&path) {
                warn!(segment = %path.display(), error = %err, "could not delete an absorbed click journal segment");
            }
        }
    }
}

/// Inserts `batch`, trying again with growing pauses while the database refuses; `false` when
/// it could not (the clicks stay in the journal for the next start).
fn absorb_with_retries(writer: &WriteHandle, batch: Vec<Click>) -> bool {
    let batch = Arc::new(batch);
    let mut pause = RETRY_FIRST;
    for attempt in 1..=ABSORB_ATTEMPTS {
        let clicks = batch.clone();
        let inserted = writer.write(move |connection| {
            let mut repeated = Vec::new();
            for click in clicks.iter() {
                if insert_click(connection, click, true)? == 0 {
                    repeated.push(click.click_id.clone());
                }
            }
            Ok(repeated)
        });
        match inserted {
            Ok(repeated) => {
                for click_id in repeated {
                    warn!(
                        click_id = click_id.as_str(),
                        "a click id already stored was journaled again; the first click is kept"
                    );
                }
                return true;
            }
            Err(StoreError::WriterStopped) => break,
            Err(err) => {
                warn!(error = %err, num_clicks = batch.len(), attempt, "could not absorb journaled clicks");
                std::thread::sleep(pause);
                pause = (pause * 2).min(RETRY_MOST);
            }
        }
    }
    error!(
        num_clicks = batch.len(),
        "journaled clicks not absorbed; they stay in the journal until the next start"
    );
    false
}
