//! What the journal lanes, the absorber and the readers share: how many clicks were
//! acknowledged and absorbed, and who waits.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Clicks acknowledged and clicks absorbed since the journal started.
#[derive(Default)]
pub(super) struct Progress {
    pub(super) counts: Mutex<Counts>,
    pub(super) absorbed: Condvar,
    /// Readers waiting in [`super::ClickJournal::settle`]: while there are any, nothing is gathered.
    pub(super) num_settling: AtomicUsize,
}

#[derive(Default, Clone, Copy)]
pub(super) struct Counts {
    pub(super) journaled: u64,
    pub(super) absorbed: u64,
}

/// One reader counted in [`Progress::num_settling`] while it lives.
pub(super) struct Settling<'a>(&'a AtomicUsize);

impl<'a> Settling<'a> {
    pub(super) fn count(num_settling: &'a AtomicUsize) -> Settling<'a> {
        num_settling.fetch_add(1, Ordering::Relaxed);
        Settling(num_settling)
    }
}

impl Drop for Settling<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
