//! Syntax readers: each turns a UTF-8 [`std::io::BufRead`] into [`ReadItem`]s pushed to a sink,
//! one record at a time, in constant memory whatever the feed size.
//!
//! Readers never allocate the whole feed and never fail the feed for one bad record: a record
//! they cannot parse is reported as [`ReadItem::Malformed`] and reading goes on. They fail the
//! feed (return `Err`) only when the input as a whole is not of their syntax or ends early.

use crate::error::FeedError;
use crate::format::Syntax;
use crate::record::{FieldNames, ReadItem};
use std::io::BufRead;

pub mod csv_reader;
pub mod json_reader;
pub mod xml_reader;

/// Reads `input` with the reader of `syntax`, handing every item to `sink`.
pub fn read_records<R: BufRead>(
    input: R,
    syntax: &Syntax,
    sink: &mut dyn RecordSink,
) -> Result<(), FeedError> {
    match syntax {
        Syntax::Xml { record_elements } => xml_reader::read_xml(
            input,
            &xml_reader::XmlOptions {
                record_elements: record_elements.clone(),
            },
            sink,
        ),
        Syntax::Csv { quote, delimiter } => csv_reader::read_csv(
            input,
            &csv_reader::CsvOptions {
                delimiter: *delimiter,
                quote: *quote,
            },
            sink,
        ),
        Syntax::Json { record_key } => json_reader::read_json(
            input,
            &json_reader::JsonLayout::Document {
                record_key: record_key.clone(),
            },
            sink,
        ),
        Syntax::Ndjson => json_reader::read_json(input, &json_reader::JsonLayout::Lines, sink),
    }
}

/// Receives every item a reader produces, with the reader's key table as it is at that moment.
/// Returning `Err(FeedError::Stopped)` tells the reader to stop at once.
pub trait RecordSink {
    fn accept(&mut self, item: ReadItem, names: &FieldNames) -> Result<(), FeedError>;
}

impl<F> RecordSink for F
where
    F: FnMut(ReadItem, &FieldNames) -> Result<(), FeedError>,
{
    fn accept(&mut self, item: ReadItem, names: &FieldNames) -> Result<(), FeedError> {
        self(item, names)
    }
}

/// Collects everything a reader produces; for tests and small inputs.
#[derive(Debug, Default)]
pub struct CollectedRecords {
    pub names: FieldNames,
    pub items: Vec<ReadItem>,
}

impl CollectedRecords {
    /// The records, without the malformed items.
    pub fn records(&self) -> Vec<&crate::record::RawRecord> {
        let mut out = Vec::new();
        for item in &self.items {
            if let ReadItem::Record(record) = item {
                out.push(record);
            }
        }
        out
    }

    /// The first value of `key` in the record at `index` of [`CollectedRecords::records`].
    pub fn value(&self, index: usize, key: &str) -> Option<&str> {
        self.records().get(index)?.value(&self.names, key)
    }
}

impl RecordSink for CollectedRecords {
    fn accept(&mut self, item: ReadItem, names: &FieldNames) -> Result<(), FeedError> {
        self.names = names.clone();
        self.items.push(item);
        Ok(())
    }
}
