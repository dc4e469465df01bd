//! [`SnapshotSlots`]: what the index keeps per snapshot (its group tables, its ranked
//! catalogues), for the two newest snapshots at most, and [`BuiltOnce`], a value built by the
//! first that asks for it.
//!
//! Two, because a reload warms the new snapshot (`snapshot_warmer.rs`) while searches still run
//! on the one before: each finds its own. A third snapshot takes the place of the oldest kept,
//! "oldest" by the reader's searcher generation (a counter every reload increments). A searcher
//! older than both kept snapshots — a search that outlived two reloads — gets a value of its
//! own, not kept: its answer is as exact, and what is kept stays two snapshots' worth.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Snapshots kept at once: the searched one and the one being warmed.
pub(crate) const KEPT_SNAPSHOTS: usize = 2;

/// One value per snapshot `K`, for the [`KEPT_SNAPSHOTS`] newest snapshots.
#[derive(Debug)]
pub(crate) struct SnapshotSlots<K, V> {
    kept: Mutex<Vec<Kept<K, V>>>,
}

#[derive(Debug)]
struct Kept<K, V> {
    key: K,
    /// The newest searcher generation that asked for this snapshot.
    generation: u64,
    value: Arc<V>,
}

impl<K, V> Default for SnapshotSlots<K, V> {
    fn default() -> Self {
        SnapshotSlots {
            kept: Mutex::new(Vec::with_capacity(KEPT_SNAPSHOTS)),
        }
    }
}

impl<K: PartialEq, V: Default> SnapshotSlots<K, V> {
    /// The value of snapshot `key`, seen by searcher `generation`: the kept one, or a new one,
    /// kept unless both kept snapshots are newer.
    pub fn get(&self, key: K, generation: u64) -> Arc<V> {
        let mut kept = self.lock();
        if let Some(found) = kept.iter_mut().find(|kept| kept.key == key) {
            found.generation = found.generation.max(generation);
            return Arc::clone(&found.value);
        }
        let value = Arc::new(V::default());
        let entry = Kept {
            key,
            generation,
            value: Arc::clone(&value),
        };
        if kept.len() < KEPT_SNAPSHOTS {
            kept.push(entry);
        } else if let Some(oldest) = kept
            .iter_mut()
            .min_by_key(|kept| kept.generation)
            .filter(|oldest| oldest.generation < generation)
        {
            *oldest = entry;
        }
        value
    }

    /// The kept value of snapshot `key`, without keeping one.
    #[cfg(test)]
    pub fn peek(&self, key: &K) -> Option<Arc<V>> {
        let kept = self.lock();
        let found = kept.iter().find(|kept| kept.key == *key)?;
        Some(Arc::clone(&found.value))
    }

    /// The value of the newest kept snapshot other than `key`: the one before it, when a
    /// reload warms `key`.
    pub fn newest_other(&self, key: &K) -> Option<Arc<V>> {
        let kept = self.lock();
        let newest = kept
            .iter()
            .filter(|kept| kept.key != *key)
            .max_by_key(|kept| kept.generation)?;
        Some(Arc::clone(&newest.value))
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Kept<K, V>>> {
        // Entries are replaced whole under the lock: a panic cannot leave one half-written.
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A value built once, by the first that asks; those asking meanwhile wait for it.
#[derive(Debug)]
pub(crate) struct BuiltOnce<T> {
    value: Mutex<Option<Arc<T>>>,
}

impl<T> Default for BuiltOnce<T> {
    fn default() -> Self {
        BuiltOnce {
            value: Mutex::new(None),
        }
    }
}

impl<T> BuiltOnce<T> {
    /// The value, if built.
    pub fn get(&self) -> Option<Arc<T>> {
        self.lock().clone()
    }

    /// The value, built by `build` (counted in `builds`) when it is not yet. A failed build
    /// leaves it unbuilt.
    pub fn get_or_build<E>(
        &self,
        builds: &AtomicU64,
        build: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        let mut value = self.lock();
        if let Some(built) = value.as_ref() {
            return Ok(Arc::clone(built));
        }
        let built = Arc::new(build()?);
        builds.fetch_add(1, Ordering::Relaxed);
        *value = Some(Arc::clone(&built));
        Ok(built)
    }

    fn lock(&self) -> MutexGuard<'_, Option<Arc<T>>> {
        // The value is set whole, after its build: a panic in a build leaves it unbuilt.
        self.value.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Slots = SnapshotSlots<&'static str, BuiltOnce<u32>>;

    fn build(slots: &Slots, key: &'static str, generation: u64, value: u32) -> Option<u32> {
        let builds = AtomicU64::new(0);
        let built = slots
            .get(key, generation)
            .get_or_build(&builds, || Ok::<_, ()>(value));
        built.ok().map(|value| *value)
    }

    #[test]
    fn the_two_newest_snapshots_are_kept() {
        let slots = Slots::default();
        assert_eq!(build(&slots, "a", 1, 10), Some(10));
        assert_eq!(build(&slots, "b", 2, 20), Some(20));
        assert_eq!(build(&slots, "a", 3, 11), Some(10), "kept, not rebuilt");
        assert_eq!(build(&slots, "c", 4, 30), Some(30));
        assert!(slots.peek(&"b").is_none(), "b was the oldest");
        assert!(slots.peek(&"a").is_some() && slots.peek(&"c").is_some());
        let newest = slots.newest_other(&"d").and_then(|value| value.get());
        assert_eq!(newest.map(|value| *value), Some(30));
        let before_c = slots.newest_other(&"c").and_then(|value| value.get());
        assert_eq!(before_c.map(|value| *value), Some(10));
    }

    #[test]
    fn a_searcher_older_than_both_kept_is_served_but_not_kept() {
        let slots = Slots::default();
        build(&slots, "b", 5, 20);
        build(&slots, "c", 6, 30);
        assert_eq!(build(&slots, "a", 4, 10), Some(10));
        assert!(slots.peek(&"a").is_none());
        assert!(slots.peek(&"b").is_some() && slots.peek(&"c").is_some());
    }

    #[test]
    fn a_failed_build_leaves_the_value_unbuilt() {
        let once = BuiltOnce::<u32>::default();
        let builds = AtomicU64::new(0);
        assert!(once.get_or_build(&builds, || Err("no")).is_err());
        assert!(once.get().is_none());
        let built = once.get_or_build(&builds, || Ok::<_, ()>(7));
        assert_eq!(built.ok().map(|value| *value), Some(7));
        assert_eq!(builds.load(Ordering::Relaxed), 1);
    }
}
