//! The click journal: click-outs acknowledged from an append-only file, then absorbed into the
//! database in large batches.
//!
//! A click-out is durable before its redirect. Committed to SQLite a group at a time, each
//! group wrote and synced every page it dirtied (the clicks table and its three indexes, each a
//! WAL frame), and now and then a checkpoint: several times the bytes of the clicks, and CPU the
//! click-out's own work needed. So [`ClickJournal::submit`] hands a click to the journal thread,
//! which appends every click waiting as one NDJSON line each (a [`Click`] as serde writes it),
//! syncs the file once (`sync_data`) and only then acknowledges them, handing the clicks on to
//! the absorber thread. The absorber gathers them for up to [`absorber::ABSORB_GATHER`],
//! inserts them through the store's writer in one transaction and deletes a journal segment
//! once every click in it is committed. Opening the store replays the segments a crash left behind; their
//! inserts skip click ids already stored (ids are random, so an id seen again is a click
//! replayed), so no acknowledged click is lost or counted twice.
//!
//! A click is visible to reads once absorbed. Reads and writes that depend on clicks call
//! [`ClickJournal::settle`] first: it asks for what was gathered to be absorbed at once and
//! waits until every click acknowledged before the call is in, so a postback right after its
//! click-out finds the click.
//!
//! The journal belongs to one process: the first to open the store takes an exclusive lock on
//! `<store>-clicks/lock`. A second opener (a CLI run beside `feedmill serve`) runs without a
//! journal, committing its clicks straight to the database, and reads the server's clicks
//! once they are absorbed (within [`absorber::ABSORB_GATHER`] and one transaction).

mod absorber;
mod progress;
mod segment;

use super::writer::WriteHandle;
use crate::click::Click;
use crate::error::{StoreError, StoreResult};
use crate::store::{ClickAck, ClickNotTaken};
use absorber::{Absorb, absorb_loop};
use progress::{Progress, Settling, lock};
use segment::{Segment, replay_segments};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tracing::{info, warn};

/// Click-outs waiting for the journal thread; past this, `submit` gives the click back.
const QUEUE_CAPACITY: usize = 4096;
/// Most clicks appended under one sync; bounds the wait of the last click of a burst.
const MAX_GROUP: usize = 512;
/// Journal threads, each with its own segment: with more than one, one gathers the next group
/// while another syncs. Two gave no more click-outs per second on the machine measured (its
/// disk syncs were not the limit; BENCHMARKS.md), so one.
const JOURNAL_LANES: usize = 1;
/// A segment this large is sealed and a new one begun; sealed segments are deleted once absorbed.
pub(crate) const SEGMENT_BYTES: u64 = 8 * 1024 * 1024;
/// The longest [`ClickJournal::settle`] waits before the read goes ahead without the rest.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the journal thread is asked to do.
#[expect(
    clippy::large_enum_variant,
    reason = "nearly every request is a click; boxing it would allocate once more per click-out"
)]
enum Journal {
    /// Journal `click`, then call `ack`.
    Click { click: Click, ack: ClickAck },
    /// A reader waits ([`ClickJournal::settle`]): hand on what was gathered now.
    HandOn,
}

/// See the module doc.
pub(crate) struct ClickJournal {
    requests: Option<SyncSender<Journal>>,
    journal_threads: Vec<JoinHandle<()>>,
    absorber_thread: Option<JoinHandle<()>>,
    progress: Arc<Progress>,
    /// Held for the store's life: the journal is this process's.
    _lock: File,
}

impl ClickJournal {
    /// The journal of the store at `store_path` (its segments in `<store>-clicks/`, a new one
    /// begun past `segment_bytes`): replays what an earlier process left, then starts the
    /// journal and absorber threads. `None` when another process holds the journal.
    pub(crate) fn open(
        store_path: &Path,
        writer: WriteHandle,
        segment_bytes: u64,
    ) -> StoreResult<Option<ClickJournal>> {
        let dir = journal_dir(store_path);
        std::fs::create_dir_all(&dir)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("lock"))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                info!(dir = %dir.display(), "click journal held by another process; clicks go straight to the store");
                return Ok(None);
            }
            Err(TryLockError::Error(err)) => return Err(err.into()),
        }
        let next = replay_segments(&dir, &writer)?;
        let progress = Arc::new(Progress::default());
        let (requests, queue) = sync_channel(QUEUE_CAPACITY);
        let (absorb, absorb_queue) = sync_channel(absorber::QUEUE_CAPACITY);
        let lane = Arc::new(Lane {
            queue: Mutex::new(queue),
            absorb,
            progress: progress.clone(),
            dir,
            next_segment: AtomicU64::new(next),
            segment_bytes,
        });
        let mut journal_threads = Vec::with_capacity(JOURNAL_LANES);
        for number in 0..JOURNAL_LANES {
            let segment =
                Segment::create(&lane.dir, lane.next_segment.fetch_add(1, Ordering::Relaxed))?;
            let lane = lane.clone();
            journal_threads.push(
                std::thread::Builder::new()
                    .name(format!("click-journal-{number}"))
                    .spawn(move || journal_loop(segment, &lane))?,
            );
        }
        drop(lane);
        let absorbing = progress.clone();
        let absorber_thread = std::thread::Builder::new()
            .name("click-absorber".into())
            .spawn(move || absorb_loop(&absorb_queue, &writer, &absorbing))?;
        Ok(Some(ClickJournal {
            requests: Some(requests),
            journal_threads,
            absorber_thread: Some(absorber_thread),
            progress,
            _lock: lock,
        }))
    }

    /// Hands `click` to the journal; `ack` is called once it is on disk. Never blocks: a full
    /// queue gives both back.
    pub(crate) fn submit(&self, click: Click, ack: ClickAck) -> Result<(), Box<ClickNotTaken>> {
        let Some(requests) = self.requests.as_ref() else {
            return Err(Box::new(ClickNotTaken { click, ack }));
        };
        match requests.try_send(Journal::Click { click, ack }) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(request) | TrySendError::Disconnected(request)) => match request
            {
                Journal::Click { click, ack } => Err(Box::new(ClickNotTaken { click, ack })),
                Journal::HandOn => Ok(()),
            },
        }
    }

    /// Waits until every click acknowledged before this call is in the database (at most
    /// [`SETTLE_TIMEOUT`]; past it, the caller goes ahead and a warning says so).
    pub(crate) fn settle(&self) {
        let deadline = Instant::now() + SETTLE_TIMEOUT;
        let _settling = Settling::count(&self.progress.num_settling);
        let mut counts = lock(&self.progress.counts);
        let target = counts.journaled;
        if counts.absorbed < target
            && let Some(requests) = &self.requests
        {
            // A full queue: the journal thread is busy, and sees `num_settling` after each group.
            let _ = requests.try_send(Journal::HandOn);
        }
        while counts.absorbed < target {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                warn!(
                    waiting = target - counts.absorbed,
                    "journaled clicks not absorbed in time; reading without them"
                );
                return;
            }
            counts = match self.progress.absorbed.wait_timeout(counts, left) {
                Ok((counts, _)) => counts,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

impl Drop for ClickJournal {
    /// Journals what was submitted, lets the absorber take it all in, then waits for both.
    fn drop(&mut self) {
        drop(self.requests.take());
        let threads = self
            .journal_threads
            .drain(..)
            .chain(self.absorber_thread.take());
        for thread in threads {
            if thread.join().is_err() {
                warn!("click journal thread panicked");
            }
        }
    }
}

fn journal_dir(store_path: &Path) -> PathBuf {
    let mut name = store_path.as_os_str().to_owned();
    name.push("-clicks");
    PathBuf::from(name)
}

/// One journal lane: takes the waiting clicks (the other lanes wait for the queue meanwhile),
/// appends and syncs them to its own segment, hands them to the absorber and acknowledges them.
/// While one lane syncs, another gathers the clicks that arrive and syncs them in turn, so a
/// click waits for at most the end of one sync before its own begins.
fn journal_loop(mut segment: Segment, lane: &Lane) {
    while let Some((group, hand_on)) = next_group(&lane.queue) {
        if journal_group(&mut segment, group, lane).is_err() {
            warn!("click absorber stopped; journaled clicks wait for the next start");
            return;
        }
        if (hand_on || lane.progress.num_settling.load(Ordering::Relaxed) > 0)
            && lane.absorb.send(Absorb::Now).is_err()
        {
            return;
        }
        if segment.len() >= lane.segment_bytes {
            segment = seal(segment, lane);
        }
    }
    // Closing: once the absorber has taken in the last clicks, the segment is not needed.
    let _ = lane.absorb.send(Absorb::Sealed(segment.into_path()));
}

/// What the journal lanes share.
struct Lane {
    queue: Mutex<Receiver<Journal>>,
    absorb: SyncSender<Absorb>,
    progress: Arc<Progress>,
    dir: PathBuf,
    /// The number the next segment takes, whichever lane begins it.
    next_segment: AtomicU64,
    segment_bytes: u64,
}

/// The clicks waiting (at least one, at most [`MAX_GROUP`]) and whether a reader asked for
/// them to be absorbed at once; `None` once the journal is closed.
fn next_group(queue: &Mutex<Receiver<Journal>>) -> Option<(Vec<(Click, ClickAck)>, bool)> {
    let queue = lock(queue);
    let (mut group, mut hand_on) = match queue.recv().ok()? {
        Journal::Click { click, ack } => (vec![(click, ack)], false),
        Journal::HandOn => return Some((Vec::new(), true)),
    };
    while group.len() < MAX_GROUP {
        match queue.try_recv() {
            Ok(Journal::Click { click, ack }) => group.push((click, ack)),
            Ok(Journal::HandOn) => hand_on = true,
            Err(_) => break,
        }
    }
    Some((group, hand_on))
}

/// Appends and syncs `group`, hands its clicks to the absorber, counts and acknowledges them
/// (in that order: a settle after an acknowledgement waits for these clicks, and its
/// [`Absorb::Now`] comes after them). `Err` when the absorber is gone.
fn journal_group(
    segment: &mut Segment,
    group: Vec<(Click, ClickAck)>,
    lane: &Lane,
) -> Result<(), ()> {
    if group.is_empty() {
        return Ok(());
    }
    if let Err(err) = segment.append(group.iter().map(|(click, _)| click)) {
        warn!(error = %err, num_clicks = group.len(), "failed to journal clicks");
        for (_, ack) in group {
            ack(Err(StoreError::Io(std::io::Error::other(err.to_string()))));
        }
        return Ok(());
    }
    let num_clicks = group.len() as u64;
    let (clicks, acks): (Vec<Click>, Vec<ClickAck>) = group.into_iter().unzip();
    let handed_on = lane.absorb.send(Absorb::Clicks(clicks));
    lock(&lane.progress.counts).journaled += num_clicks;
    for ack in acks {
        ack(Ok(()));
    }
    handed_on.map_err(|_| ())
}

/// Begins a new segment and tells the absorber the full one is sealed; if no new segment can
/// be made, the lane keeps appending to the full one.
fn seal(full: Segment, lane: &Lane) -> Segment {
    let number = lane.next_segment.fetch_add(1, Ordering::Relaxed);
    match Segment::create(&lane.dir, number) {
        Ok(next) => {
            let _ = lane.absorb.send(Absorb::Sealed(full.into_path()));
            next
        }
        Err(err) => {
            warn!(error = %err, "could not begin a new click journal segment; appending to the full one");
            full
        }
    }
}
