//! What one segment's grouping fills ([`GroupBuffers`]): its groups ([`SegmentGroup`]) and
//! their offers as linked lists through one array ([`Member`]), kept per thread from one search
//! to the next.

use std::cell::RefCell;
use tantivy::DocId;

/// A group within one segment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SegmentGroup {
    /// The group's ordinal in the snapshot's [`crate::group_table::GroupTable`].
    pub ordinal: u32,
    pub(crate) best: f64,
    pub(crate) min_price: i64,
    /// Index of the group's latest offer in the segment's [`Member`] list.
    pub(crate) head: u32,
}

impl SegmentGroup {
    pub fn new(ordinal: u32, rank: f64, price: i64, member: u32) -> SegmentGroup {
        SegmentGroup {
            ordinal,
            best: rank,
            min_price: price,
            head: member,
        }
    }

    /// Counts one more offer, whose member entry is `member`.
    pub fn add(&mut self, rank: f64, price: i64, member: u32) {
        self.best = self.best.max(rank);
        self.min_price = self.min_price.min(price);
        self.head = member;
    }

    pub fn head(&self) -> u32 {
        self.head
    }
}

/// One offer of a group; `next` is the group's previous offer ([`Member::END`] after its first).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member {
    pub(crate) doc: DocId,
    pub(crate) next: u32,
}

impl Member {
    pub(crate) const END: u32 = u32::MAX;

    pub fn last(doc: DocId) -> Member {
        Member {
            doc,
            next: Member::END,
        }
    }

    pub fn before(doc: DocId, next: u32) -> Member {
        Member { doc, next }
    }
}

/// What one segment's grouping fills: its groups and their offers. Each thread keeps a few
/// from one search to the next ([`GroupBuffers::take`]), so that a search does not grow two
/// lists from nothing (copying them as they double, and faulting in fresh pages) for every
/// segment.
#[derive(Default)]
pub(crate) struct GroupBuffers {
    pub groups: Vec<SegmentGroup>,
    pub members: Vec<Member>,
}

/// Buffers kept per thread: one per segment of a typical index.
const MAX_KEPT_BUFFERS: usize = 4;
/// Buffers that grew beyond this many groups (members: four times as many) are dropped rather
/// than kept: a buffer keeps at most 3.5 MB (24 B a group, 8 B a member), a thread four of
/// them, whatever searches it ran. A word in a tenth of a 1M-offer catalogue fits.
const MAX_KEPT_GROUPS: usize = 1 << 16;

thread_local! {
    static KEPT_BUFFERS: RefCell<Vec<GroupBuffers>> = const { RefCell::new(Vec::new()) };
}

impl GroupBuffers {
    /// Empty buffers: ones this thread kept, or new ones.
    pub fn take() -> GroupBuffers {
        let kept = KEPT_BUFFERS.try_with(|kept| kept.borrow_mut().pop());
        kept.ok().flatten().unwrap_or_default()
    }

    /// Empties the buffers and keeps them for this thread's next search, unless they grew too
    /// large or the thread keeps enough.
    pub fn give_back(mut self) {
        if self.groups.capacity() > MAX_KEPT_GROUPS || self.members.capacity() > 4 * MAX_KEPT_GROUPS
        {
            return;
        }
        self.groups.clear();
        self.members.clear();
        // `try_with`: a thread being torn down keeps nothing.
        let _ = KEPT_BUFFERS.try_with(|kept| {
            let mut kept = kept.borrow_mut();
            if kept.len() < MAX_KEPT_BUFFERS {
                kept.push(self);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_reuses_its_buffers_emptied() {
        let mut buffers = GroupBuffers::take();
        for ordinal in 0..1000 {
            buffers
                .groups
                .push(SegmentGroup::new(ordinal, 1.0, 100, ordinal));
            buffers.members.push(Member::last(ordinal));
        }
        let capacity = buffers.groups.capacity();
        buffers.give_back();
        let again = GroupBuffers::take();
        assert!(again.groups.is_empty() && again.members.is_empty());
        assert_eq!(again.groups.capacity(), capacity);
        assert!(
            GroupBuffers::take().groups.capacity() == 0,
            "only one was kept"
        );
    }

    #[test]
    fn buffers_grown_too_large_are_not_kept() {
        let mut buffers = GroupBuffers::take();
        buffers.members.reserve(4 * MAX_KEPT_GROUPS + 1);
        buffers.give_back();
        assert_eq!(GroupBuffers::take().members.capacity(), 0);
    }
}
