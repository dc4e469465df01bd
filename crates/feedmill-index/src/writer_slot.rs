//! The single `IndexWriter` of an index, opened on first use and lent to one ingest at a time.
//!
//! tantivy allows one writer per index directory and enforces it with a lock file; inside the
//! process this slot enforces it too: an ingest checks the writer out, and a second ingest (or a
//! `delete_source`) waits until it is checked back in.

use crate::error::IndexError;
use crate::source_catalog::SourceCatalog;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use tantivy::directory::error::LockError;
use tantivy::indexer::{IndexWriterOptions, LogMergePolicy};
use tantivy::{Index, IndexWriter, TantivyError};

/// How the writer is sized.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WriterSettings {
    pub memory_budget_per_thread: usize,
    pub num_indexing_threads: usize,
    pub num_merge_threads: usize,
}

const MIB: usize = 1024 * 1024;

impl WriterSettings {
    /// For the target machine, 2 cores and 24 GiB:
    /// - two indexing threads: tantivy's indexing (tokenizing, the term hash table, writing the
    ///   segment) is about half of an ingest's CPU, and one thread capped an ingest at the ~40k
    ///   offers/s one core indexes; with two, indexing also takes the time the feed parser and
    ///   normalizer leave a core idle (`examples/ingest_bench.rs` measured 1.9× the offers/s of
    ///   one thread). An ingest then writes two segments where it wrote one; the log merge
    ///   policy folds them as before;
    /// - 512 MiB per thread, 1 GiB in all (~4 % of RAM): a 1M-offer source still fits in two
    ///   segments, while the page cache keeps most of the RAM for searches;
    /// - one merge thread, so a merge never takes both cores from searches.
    pub const ON_DISK: WriterSettings = WriterSettings {
        memory_budget_per_thread: 512 * MIB,
        num_indexing_threads: 2,
        num_merge_threads: 1,
    };

    /// The in-RAM test double: small, since tests open many indexes at once.
    pub const IN_RAM: WriterSettings = WriterSettings {
        memory_budget_per_thread: 32 * MIB,
        num_indexing_threads: 1,
        num_merge_threads: 1,
    };
}

/// Above this share of deleted documents a segment is merged to purge them. Every ingest deletes
/// the whole previous copy of its source, so without purging the dead copies would pile up; 30 %
/// bounds the waste while not rewriting a segment for a handful of deletes.
const DEL_DOCS_RATIO_BEFORE_MERGE: f32 = 0.3;

/// The writer with the source metadata of its last commit.
pub(crate) struct WriterState {
    pub writer: IndexWriter,
    pub catalog: SourceCatalog,
}

enum Slot {
    Unopened,
    Idle(Box<WriterState>),
    CheckedOut,
}

pub(crate) struct WriterSlot {
    slot: Mutex<Slot>,
    checked_in: Condvar,
    settings: WriterSettings,
}

impl WriterSlot {
    pub fn new(settings: WriterSettings) -> WriterSlot {
        WriterSlot {
            slot: Mutex::new(Slot::Unopened),
            checked_in: Condvar::new(),
            settings,
        }
    }

    /// Takes the writer, opening it on first use; waits while another ingest holds it.
    pub fn check_out(&self, index: &Index, location: &str) -> Result<WriterState, IndexError> {
        let mut slot = self.lock();
        loop {
            match std::mem::replace(&mut *slot, Slot::CheckedOut) {
                Slot::Idle(state) => return Ok(*state),
                Slot::Unopened => {
                    return open_writer(index, location, self.settings).inspect_err(|_| {
                        *slot = Slot::Unopened;
                    });
                }
                Slot::CheckedOut => {
                    slot = self
                        .checked_in
                        .wait(slot)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
        }
    }

    /// Gives the writer back; `None` when it was lost (a failed rollback) and must be reopened.
    pub fn check_in(&self, state: Option<WriterState>) {
        let mut slot = self.lock();
        *slot = match state {
            Some(state) => Slot::Idle(Box::new(state)),
            None => Slot::Unopened,
        };
        self.checked_in.notify_one();
    }

    /// Closes an idle writer (finishing its merges), releasing the directory lock. The slot stays
    /// locked meanwhile, so no new writer races the old one for the lock.
    pub fn release(&self) {
        let mut slot = self.lock();
        match std::mem::replace(&mut *slot, Slot::Unopened) {
            Slot::Idle(state) => {
                if let Err(err) = state.writer.wait_merging_threads() {
                    tracing::warn!(error = %err, "index merges failed while closing the writer");
                }
            }
            other => *slot = other,
        }
    }

    /// The slot only holds the writer, which stays consistent if a holder panicked.
    fn lock(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn open_writer(
    index: &Index,
    location: &str,
    settings: WriterSettings,
) -> Result<WriterState, IndexError> {
    let options = IndexWriterOptions::builder()
        .memory_budget_per_thread(settings.memory_budget_per_thread)
        .num_worker_threads(settings.num_indexing_threads)
        .num_merge_threads(settings.num_merge_threads)
        .build();
    let writer = index
        .writer_with_options(options)
        .map_err(|err| match err {
            TantivyError::LockFailure(LockError::LockBusy, _) => IndexError::Locked {
                location: location.to_string(),
            },
            other => IndexError::Tantivy(other),
        })?;
    let mut merge_policy = LogMergePolicy::default();
    merge_policy.set_del_docs_ratio_before_merge(DEL_DOCS_RATIO_BEFORE_MERGE);
    writer.set_merge_policy(Box::new(merge_policy));
    let metas = index.load_metas()?;
    let catalog = SourceCatalog::from_payload(metas.payload.as_deref())?;
    Ok(WriterState { writer, catalog })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::OfferSchema;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn a_second_check_out_waits_for_the_first() -> Result<(), IndexError> {
        let index = Index::create_in_ram(OfferSchema::build().schema);
        let slot = Arc::new(WriterSlot::new(WriterSettings::IN_RAM));
        let first = slot.check_out(&index, "in-ram")?;
        let waiter = {
            let (slot, index) = (Arc::clone(&slot), index.clone());
            std::thread::spawn(move || slot.check_out(&index, "in-ram").is_ok())
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !waiter.is_finished(),
            "the writer is lent to one holder at a time"
        );
        slot.check_in(Some(first));
        assert!(waiter.join().unwrap_or(false));
        Ok(())
    }

    #[test]
    fn release_closes_an_idle_writer() -> Result<(), IndexError> {
        let index = Index::create_in_ram(OfferSchema::build().schema);
        let slot = WriterSlot::new(WriterSettings::IN_RAM);
        let state = slot.check_out(&index, "in-ram")?;
        slot.check_in(Some(state));
        slot.release();
        // The directory lock is free again: a writer outside the slot can open.
        assert!(
            index
                .writer_with_num_threads::<tantivy::TantivyDocument>(1, 15_000_000)
                .is_ok()
        );
        Ok(())
    }
}
