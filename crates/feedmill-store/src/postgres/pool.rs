//! The connections of a [`PostgresStore`](super::PostgresStore): a few worker threads, each
//! owning one blocking `postgres::Client`, taking jobs from one bounded queue.
//!
//! The blocking client runs a small tokio runtime of its own and must not be called from inside
//! an async task; callers of the store may be anywhere (a `spawn_blocking` thread, the CLI's main
//! thread, an async handler's `submit_click`), so the store never calls the client on the
//! caller's thread: it hands the work to a worker and waits on a plain channel. A worker whose
//! connection broke (a restarted server, a dropped link) reconnects before its next job; one
//! idle for a second checks its connection first, so the first write after a server restart
//! does not fail on a dead connection.

use super::connection::connect;
use crate::error::{StoreError, StoreResult};
use postgres::{Client, Config};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tracing::warn;

/// Jobs waiting for a worker; past this, callers block (a click submitted is given back).
const QUEUE_CAPACITY: usize = 1024;

/// How long a connection may sit idle before a job checks it first.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(1);
/// How long that check may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// A job: runs on a worker's client (`None` when the worker could not connect).
pub(super) type Job = Box<dyn FnOnce(Option<&mut Client>) + Send>;

/// The worker threads and their queue; dropping it lets the workers finish and stop.
pub(super) struct Pool {
    jobs: Option<SyncSender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    /// Starts `size` workers, each with a connection of its own made from `config` (the first
    /// connection is the caller's, already made and migrated).
    pub(super) fn start(config: &Config, first: Client, size: usize) -> StoreResult<Pool> {
        let (jobs, queue) = sync_channel::<Job>(QUEUE_CAPACITY);
        let queue = Arc::new(Mutex::new(queue));
        let mut workers = Vec::with_capacity(size);
        let mut first = Some(first);
        for n in 0..size.max(1) {
            let config = config.clone();
            let queue = queue.clone();
            let client = first.take();
            let worker = std::thread::Builder::new()
                .name(format!("store-postgres-{n}"))
                .spawn(move || work(&config, client, &queue))
                .map_err(|_| StoreError::WriterStopped)?;
            workers.push(worker);
        }
        Ok(Pool {
            jobs: Some(jobs),
            workers,
        })
    }

    /// Runs `work` on a worker's connection and waits for its result.
    pub(super) fn run<R, F>(&self, work: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Client) -> StoreResult<R> + Send + 'static,
    {
        let (reply, answer) = sync_channel(1);
        let job: Job = Box::new(move |client| {
            let result = match client {
                Some(client) => work(client),
                None => Err(StoreError::Postgres("no connection to the server".into())),
            };
            // The caller may have given up; nothing to tell it then.
            let _ = reply.send(result);
        });
        let jobs = self.jobs.as_ref().ok_or(StoreError::WriterStopped)?;
        jobs.send(job).map_err(|_| StoreError::WriterStopped)?;
        answer.recv().map_err(|_| StoreError::WriterStopped)?
    }

    /// Queues `job` without waiting; gives it back when the queue is full or stopped.
    pub(super) fn try_submit(&self, job: Job) -> Result<(), Job> {
        let Some(jobs) = self.jobs.as_ref() else {
            return Err(job);
        };
        jobs.try_send(job).map_err(|err| match err {
            TrySendError::Full(job) | TrySendError::Disconnected(job) => job,
        })
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        drop(self.jobs.take());
        for worker in self.workers.drain(..) {
            if worker.join().is_err() {
                warn!("postgres store worker panicked");
            }
        }
    }
}

fn work(config: &Config, mut client: Option<Client>, queue: &Mutex<Receiver<Job>>) {
    let mut last_used = Instant::now();
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        // A connection idle for a while may have been dropped by the server (a restart): one
        // empty query finds out before the job would fail on it.
        let stale = last_used.elapsed() >= CHECK_AFTER_IDLE
            && client
                .as_mut()
                .is_some_and(|client| client.is_valid(CHECK_TIMEOUT).is_err());
        if stale || client.as_ref().is_none_or(Client::is_closed) {
            client = match connect(config) {
                Ok(client) => Some(client),
                Err(err) => {
                    warn!(error = %err, "postgres store worker could not connect");
                    None
                }
            };
        }
        job(client.as_mut());
        last_used = Instant::now();
    }
}
