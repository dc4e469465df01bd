//! [`Ctx`]: the JSON reader's state, shared by the visitors of one document (`document.rs`)
//! and the record owners (`owners.rs`): the field names, the sink, the record count, and why
//! reading stopped.

use super::flatten::{excerpt, flatten_record};
use crate::error::FeedError;
use crate::readers::RecordSink;
use crate::record::{FieldNames, RawRecord, ReadItem};

/// The reader's state, shared by the visitors of one document.
pub(super) struct Ctx<'s> {
    pub(super) names: FieldNames,
    pub(super) sink: &'s mut dyn RecordSink,
    /// Records handed over so far, malformed ones included.
    pub(super) number: u64,
    /// Why reading stopped, when the reason is not a JSON error (sink stop, feed-reported error).
    pub(super) failure: Option<FeedError>,
    /// A records array was found (without a record key, later arrays are skipped).
    pub(super) found: bool,
    /// An empty array was met while looking for the records array.
    pub(super) saw_empty_array: bool,
    /// The record key as JSON text (`"variants"`), to tell cheaply which objects may own
    /// records; empty without a record key.
    pub(super) quoted_record_key: String,
}

impl Ctx<'_> {
    /// Flattens one record element (raw JSON text) and hands it to the sink.
    pub(super) fn emit(&mut self, raw: &str) -> Result<(), FeedError> {
        self.number += 1;
        self.found = true;
        let item = if raw.starts_with('{') {
            let mut record = RawRecord::new(self.number);
            match flatten_record(raw, &mut record, &mut self.names) {
                Ok(()) => ReadItem::Record(record),
                Err(err) => malformed(self.number, format!("invalid record: {err}"), raw),
            }
        } else {
            let message = format!("record {} is {}, not an object", self.number, kind_of(raw));
            malformed(self.number, message, raw)
        };
        self.sink.accept(item, &self.names)
    }

    /// Keeps `err` as the reason to stop and returns the JSON error that unwinds the visitors.
    pub(super) fn fail<E: serde::de::Error>(&mut self, err: FeedError) -> E {
        let text = err.to_string();
        self.failure = Some(err);
        E::custom(text)
    }
}

pub(super) fn malformed(number: u64, message: String, raw: &str) -> ReadItem {
    ReadItem::Malformed {
        number,
        message,
        excerpt: excerpt(raw),
    }
}

/// "an array", "a string"… for the JSON value `raw`.
pub(super) fn kind_of(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}
