//! [`Generation`]: what identifies the offers a search can see.

/// Identifies what a search can see: it changes whenever a commit changes the offers a search
/// finds, and stays when nothing changed. Answers computed on one generation are exact for as
/// long as it lasts, which is what [`SearchCache`](crate::SearchCache) relies on. A backend
/// chooses the number (a counter, a hash of its segments); only equality means anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Generation(pub u64);
