//! [`PipelineError`]: why an ingest or a refresh left its source as it was.

use feedmill_fetch::FetchError;
use feedmill_formats::FeedError;
use feedmill_index::IndexError;
use feedmill_search::SearchError;
use std::io;
use std::path::PathBuf;

/// What stopped an ingest. Every variant leaves the source's previous offers in place.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The feed's files could not be hashed (missing, unreadable).
    #[error("failed to read the feed: {error}")]
    Hash { error: io::Error },

    #[error("failed to open {}: {error}", path.display())]
    Open { path: PathBuf, error: io::Error },

    /// A file that is not a feed, or a feed that broke off (truncated gzip, every record bad).
    #[error("failed to read {} as a feed: {error}", path.display())]
    Feed { path: PathBuf, error: FeedError },

    /// The upstream announced more records than could be read: the download lost some.
    #[error(
        "the feed announced {expected} records but only {num_read} could be read; kept the previous offers"
    )]
    ShortFeed { expected: u64, num_read: u64 },

    /// The index refused the offers or the commit (the shrink guard among them).
    #[error(transparent)]
    Index(#[from] IndexError),

    /// A search backend other than the index refused the offers or the commit (the shrink
    /// guard among them), or could not be reached.
    #[error(transparent)]
    Backend(#[from] SearchError),

    #[error(transparent)]
    Fetch(#[from] FetchError),

    /// A sink beside the index failed; `sink` names it.
    #[error("{sink}: {message}")]
    Sink { sink: &'static str, message: String },

    /// The blocking task that ran the ingest ended without an answer (it panicked).
    #[error("the ingest task failed: {0}")]
    Task(String),
}

impl PipelineError {
    /// A mistake of the caller (an empty source name, say), as opposed to a failure of the
    /// feed or the index: the CLI exits 2 for it.
    pub fn is_user_error(&self) -> bool {
        match self {
            PipelineError::Index(err) => err.is_user_error(),
            PipelineError::Backend(err) => err.is_user_error(),
            _ => false,
        }
    }

    /// The index's shrink guard kept the previous offers.
    pub fn is_guard_trip(&self) -> bool {
        matches!(
            self,
            PipelineError::Index(IndexError::GuardTripped { .. })
                | PipelineError::Backend(SearchError::GuardTripped { .. })
        )
    }

    /// The message with every cause after it, `: `-separated (what `{:#}` of an
    /// `anyhow::Error` prints), for a report that outlives the error.
    pub fn full_message(&self) -> String {
        let mut message = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(err) = cause {
            message.push_str(": ");
            message.push_str(&err.to_string());
            cause = err.source();
        }
        message
    }
}
