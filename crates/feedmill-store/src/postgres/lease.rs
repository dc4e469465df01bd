//! [`RefreshLease`]: which of the processes sharing one Postgres store runs the refresh jobs.
//!
//! The lease is a session-level advisory lock (`pg_try_advisory_lock`) held on a connection of
//! its own. A thread polls every `poll` interval: a process without the lease tries to take
//! it, the holder checks that its connection (and so the lock) is still there. The server drops
//! a session's locks the moment the session ends, and a process that dies (even by `kill -9`)
//! ends its session as the kernel closes its socket, so another process takes over within one
//! poll interval. A holder whose connection broke (the server restarted) stops holding at its
//! next poll and competes again. [`RefreshLease::is_held`] reads a flag: safe anywhere,
//! including an async task.

use super::connection::{config_of, connect, password_from_env};
use crate::error::{StoreResult, describe_postgres};
use postgres::{Client, Config};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::Duration;
use tracing::{info, warn};

/// The class of the refresh lease's advisory lock (with the store's schema, as writes do).
const LEASE_LOCK: i32 = 0x666d_6c73;

/// See the module doc; dropping it releases the lease.
pub struct RefreshLease {
    held: Arc<AtomicBool>,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl RefreshLease {
    /// Starts competing for the lease of the store at `url` (the password as
    /// `PostgresStore::open` finds it), polling every `poll`.
    pub fn open(url: &str, poll: Duration) -> StoreResult<RefreshLease> {
        let (config, _) = config_of(url, password_from_env().as_deref())?;
        RefreshLease::start(config, poll)
    }

    pub(super) fn start(config: Config, poll: Duration) -> StoreResult<RefreshLease> {
        let held = Arc::new(AtomicBool::new(false));
        let flag = held.clone();
        let (stop, stopped) = channel::<()>();
        let thread = std::thread::Builder::new()
            .name("store-lease".into())
            .spawn(move || {
                let mut session: Option<Client> = None;
                loop {
                    let holds = poll_once(&config, &mut session, flag.load(Ordering::SeqCst));
                    if holds != flag.swap(holds, Ordering::SeqCst) {
                        info!(
                            held = holds,
                            "refresh lease {}",
                            if holds { "taken" } else { "lost" }
                        );
                    }
                    match stopped.recv_timeout(poll) {
                        Err(RecvTimeoutError::Timeout) => {}
                        _ => break,
                    }
                }
                flag.store(false, Ordering::SeqCst);
                // Dropping the session ends it, and the server releases the lock.
                drop(session);
            })
            .map_err(|_| crate::StoreError::WriterStopped)?;
        Ok(RefreshLease {
            held,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// True while this process holds the lease.
    pub fn is_held(&self) -> bool {
        self.held.load(Ordering::SeqCst)
    }
}

impl Drop for RefreshLease {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            warn!("refresh lease thread panicked");
        }
    }
}

/// One poll: whether this process holds the lease after it.
fn poll_once(config: &Config, session: &mut Option<Client>, held: bool) -> bool {
    if session.as_ref().is_none_or(Client::is_closed) {
        // A new session holds nothing, whatever the old one held.
        *session = match connect(config) {
            Ok(client) => Some(client),
            Err(err) => {
                warn!(error = %describe_postgres(&err), "refresh lease: no connection");
                return false;
            }
        };
        return try_take(session);
    }
    if held {
        let alive = session
            .as_mut()
            .is_some_and(|client| client.simple_query("SELECT 1").is_ok());
        if !alive {
            *session = None;
        }
        return alive;
    }
    try_take(session)
}

fn try_take(session: &mut Option<Client>) -> bool {
    let Some(client) = session.as_mut() else {
        return false;
    };
    match client.query_one(
        "SELECT pg_try_advisory_lock($1, hashtext(current_schema()))",
        &[&LEASE_LOCK],
    ) {
        Ok(row) => row.try_get::<_, bool>(0).unwrap_or(false),
        Err(err) => {
            warn!(error = %describe_postgres(&err), "refresh lease: could not ask for the lock");
            *session = None;
            false
        }
    }
}
