//! Feed-level errors: the input as a whole could not be read as a feed.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("failed to read input: {0}")]
    Io(#[from] io::Error),
    #[error("input is empty")]
    Empty,
    #[error("input is not a feed: {0}")]
    NotAFeed(String),
    #[error("input is truncated: {0}")]
    Truncated(String),
    #[error("invalid xml at byte {position}: {message}")]
    Xml { position: u64, message: String },
    #[error("invalid csv at record {record}: {message}")]
    Csv { record: u64, message: String },
    #[error("invalid json at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("feed reports an error: {0}")]
    Reported(String),
    #[error("{0}")]
    Usage(String),
    #[error("no record in the feed could be read: {0}")]
    NothingRead(String),
    /// The consumer of the offers failed (the index could not take them, the output closed).
    #[error("{0}")]
    Consumer(String),
    /// The consumer stopped listening; not a fault of the feed.
    #[error("reading stopped by the consumer")]
    Stopped,
}

impl FeedError {
    /// Maps an I/O error met while decompressing or decoding to the clearest feed error.
    pub fn from_read(err: io::Error) -> FeedError {
        match err.kind() {
            io::ErrorKind::UnexpectedEof => {
                FeedError::Truncated("the stream ended before its end marker".into())
            }
            io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
                FeedError::NotAFeed(format!("corrupt compressed data ({err})"))
            }
            _ => FeedError::Io(err),
        }
    }
}
