//! Group commit: one writer thread owns the write connection and commits many callers' writes
//! in one transaction.
//!
//! Callers hand a write to a bounded channel ([`QUEUE_CAPACITY`]) and block until it is
//! committed. The writer takes the first waiting write, then every other one already waiting
//! (at most [`MAX_GROUP`]), runs each in its own savepoint inside one `BEGIN IMMEDIATE`
//! transaction (a write that fails is rolled back alone and reports its own error), commits
//! once — with `synchronous=FULL`, one fsync of the WAL for the group — and only then answers
//! each caller. Alone, a write waits for one commit; under load one commit serves many.

use crate::error::{StoreError, StoreResult};
use rusqlite::Connection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tracing::warn;

/// Writes waiting for the writer; past this, callers block (back-pressure, bounded memory).
const QUEUE_CAPACITY: usize = 1024;
/// Most writes committed together; bounds the wait of the last write of a burst.
const MAX_GROUP: usize = 512;

/// A write's answer, sent once the group's commit has succeeded or failed.
type Answer = Box<dyn FnOnce(StoreResult<()>) + Send>;
/// A write: `run` does it on the writer's connection and returns how to answer its caller;
/// `refuse` answers instead when the group's transaction could not even begin.
struct Job {
    run: Box<dyn FnOnce(&Connection) -> Answer + Send>,
    refuse: Box<dyn FnOnce(StoreError) + Send>,
}

/// The handle callers write through; dropping it lets the writer finish and stop.
pub(crate) struct Writer {
    handle: Option<WriteHandle>,
    thread: Option<JoinHandle<()>>,
    stats: Arc<WriterCounters>,
}

/// How many writes the writer committed, in how many transactions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    pub num_writes: u64,
    pub num_commits: u64,
}

#[derive(Debug, Default)]
struct WriterCounters {
    num_writes: AtomicU64,
    num_commits: AtomicU64,
}

impl Writer {
    pub(crate) fn start(connection: Connection) -> StoreResult<Writer> {
        let (jobs, queue) = sync_channel(QUEUE_CAPACITY);
        let stats = Arc::new(WriterCounters::default());
        let counters = stats.clone();
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || write_loop(connection, queue, &counters))
            .map_err(|_| StoreError::WriterStopped)?;
        Ok(Writer {
            handle: Some(WriteHandle { jobs }),
            thread: Some(thread),
            stats,
        })
    }

    pub(crate) fn stats(&self) -> WriterStats {
        WriterStats {
            num_writes: self.stats.num_writes.load(Ordering::Relaxed),
            num_commits: self.stats.num_commits.load(Ordering::Relaxed),
        }
    }

    /// Runs `work` in the next group; returns its result once the group is committed.
    pub(crate) fn write<R, F>(&self, work: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
    {
        let handle = self.handle.as_ref().ok_or(StoreError::WriterStopped)?;
        handle.write(work)
    }

    /// Another way in for a thread of the store's own; the writer stops once every handle
    /// is dropped.
    pub(crate) fn handle(&self) -> StoreResult<WriteHandle> {
        self.handle.clone().ok_or(StoreError::WriterStopped)
    }

    /// Runs `work` on `item` in the next group without waiting: `done` gets its result once
    /// the group is committed (on the writer's thread). Never blocks: when the queue is full
    /// or the writer has stopped, `item` and `done` are given back.
    pub(crate) fn try_write_then<T, F>(&self, item: T, work: F, done: Done) -> Result<(), (T, Done)>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &T) -> StoreResult<()> + Send + 'static,
    {
        // Shared with the job, so a job the queue refuses gives its item back.
        let slot = Arc::new(Mutex::new(Some((item, done))));
        let taken = slot.clone();
        let refused = slot.clone();
        let job = Job {
            run: Box::new(move |connection| match take(&taken) {
                Some((item, done)) => {
                    let outcome = in_savepoint(connection, |connection| work(connection, &item));
                    Box::new(move |committed: StoreResult<()>| done(committed.and(outcome)))
                }
                None => Box::new(|_| {}),
            }),
            refuse: Box::new(move |failure| {
                if let Some((_, done)) = take(&refused) {
                    done(Err(failure));
                }
            }),
        };
        let Some(WriteHandle { jobs }) = self.handle.as_ref() else {
            return take(&slot).map_or(Ok(()), Err);
        };
        match jobs.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                take(&slot).map_or(Ok(()), Err)
            }
        }
    }
}

/// A sender of writes to the writer thread.
#[derive(Clone)]
pub(crate) struct WriteHandle {
    jobs: SyncSender<Job>,
}

impl WriteHandle {
    /// Runs `work` in the next group; returns its result once the group is committed.
    pub(crate) fn write<R, F>(&self, work: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
    {
        let (reply, answer) = sync_channel(1);
        let refusal = reply.clone();
        // The caller may have given up waiting; nothing to tell it then.
        let refuse = Box::new(move |failure: StoreError| {
            let _ = refusal.send(Err(failure));
        });
        let job = Job {
            run: Box::new(move |connection| {
                let outcome = in_savepoint(connection, work);
                Box::new(move |committed: StoreResult<()>| {
                    let _ = reply.send(committed.and(outcome));
                })
            }),
            refuse,
        };
        self.jobs.send(job).map_err(|_| StoreError::WriterStopped)?;
        answer.recv().map_err(|_| StoreError::WriterStopped)?
    }
}

/// A write's answer for [`Writer::try_write_then`].
pub(crate) type Done = Box<dyn FnOnce(StoreResult<()>) + Send>;

fn take<T>(slot: &Mutex<Option<T>>) -> Option<T> {
    slot.lock().map_or(None, |mut slot| slot.take())
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.handle.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            warn!("store writer panicked");
        }
    }
}

fn in_savepoint<R>(
    connection: &Connection,
    work: impl FnOnce(&Connection) -> StoreResult<R>,
) -> StoreResult<R> {
    // Cached statements: a group runs these once per write, parsing them once per connection.
    let run = |sql: &str| connection.prepare_cached(sql)?.execute([]);
    run("SAVEPOINT write")?;
    match work(connection) {
        Ok(result) => {
            run("RELEASE write")?;
            Ok(result)
        }
        Err(err) => {
            run("ROLLBACK TO write")?;
            run("RELEASE write")?;
            Err(err)
        }
    }
}

fn write_loop(connection: Connection, queue: Receiver<Job>, counters: &WriterCounters) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        commit_group(&connection, group, counters);
    }
}

/// Runs and commits `group`, then answers each write.
fn commit_group(connection: &Connection, group: Vec<Job>, counters: &WriterCounters) {
    if let Err(err) = connection.execute_batch("BEGIN IMMEDIATE") {
        warn!(error = %err, num_writes = group.len(), "store writer could not begin a transaction");
        for job in group {
            (job.refuse)(StoreError::Database(clone_error(&err)));
        }
        return;
    }
    let answers: Vec<Answer> = group.into_iter().map(|job| (job.run)(connection)).collect();
    let committed = connection.execute_batch("COMMIT");
    if committed.is_err() {
        let _ = connection.execute_batch("ROLLBACK");
    } else {
        // Counted before the answers, so a caller that was answered sees its write counted.
        counters
            .num_writes
            .fetch_add(answers.len() as u64, Ordering::Relaxed);
        counters.num_commits.fetch_add(1, Ordering::Relaxed);
    }
    for answer in answers {
        let result = match &committed {
            Ok(()) => Ok(()),
            Err(err) => Err(StoreError::Database(clone_error(err))),
        };
        answer(result);
    }
}

/// `rusqlite::Error` is not `Clone`; a group's commit error goes to every caller of it.
fn clone_error(err: &rusqlite::Error) -> rusqlite::Error {
    match err {
        rusqlite::Error::SqliteFailure(code, message) => {
            rusqlite::Error::SqliteFailure(*code, message.clone())
        }
        other => rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}
