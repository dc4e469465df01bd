//! The raw record: what a reader pulls out of a feed before any normalization.
//!
//! Readers know syntax (XML, CSV, JSON), not meaning. They hand over each record as an ordered
//! list of `(key, value)` pairs; the normalizer maps keys to offer fields. Keys are interned into
//! a [`FieldNames`] table owned by the reader, so a record carries small [`FieldId`]s instead of
//! repeating its column names, and the normalizer resolves a feed's mapping once per table.
//!
//! Key conventions, shared by every reader:
//! - CSV: the header cell, trimmed (a BOM is never part of it).
//! - XML: the element path below the record element joined with `/` (`g:shipping/g:price`), with
//!   the prefix as written, except that the Google namespace is always `g:`. Attributes are
//!   `path@name` (`price@currency`, `link@href`). An element with a `name` attribute
//!   (`<field name="stock">`) is keyed by that attribute's value (`stock`).
//! - JSON: object keys joined with `/` for nested objects; arrays of scalars repeat their key;
//!   arrays of `{key, value}` or `{name, value}` objects become one field per pair.
//!
//! Repeated keys are kept in order (`g:additional_image_link` twice). Values are text as the
//! feed wrote it: entities decoded, CDATA unwrapped, numbers in their original notation.

use std::collections::HashMap;
use std::sync::Arc;

/// Index of a key in its reader's [`FieldNames`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub u32);

/// The interned keys of one feed, in order of first appearance.
#[derive(Debug, Default, Clone)]
pub struct FieldNames {
    names: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, FieldId>,
}

impl FieldNames {
    pub fn new() -> FieldNames {
        FieldNames::default()
    }

    /// The id of `name`, adding it when it is new.
    pub fn intern(&mut self, name: &str) -> FieldId {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = FieldId(u32::try_from(self.names.len()).unwrap_or(u32::MAX));
        let name: Arc<str> = Arc::from(name);
        self.names.push(name.clone());
        self.ids.insert(name, id);
        id
    }

    pub fn get(&self, name: &str) -> Option<FieldId> {
        self.ids.get(name).copied()
    }

    pub fn name(&self, id: FieldId) -> &str {
        self.names.get(id.0 as usize).map_or("", |n| n)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// A cheap, immutable copy of the names as they are now, for the normalizer threads.
    pub fn snapshot(&self) -> Arc<[Arc<str>]> {
        self.names.iter().cloned().collect()
    }
}

/// A repaired problem inside a record that did not cost the record (an undefined entity, a
/// bare `&`), counted by `kind` in the run's stats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordWarning {
    pub kind: &'static str,
    pub detail: String,
}

/// One record of a feed, as read.
///
/// The values live back to back in one buffer, `fields` holding each one's key and span: a
/// record costs two allocations whatever its number of fields. Records are built on the reader
/// thread and dropped on a normalizer thread, where every freed allocation is a cross-thread
/// free; with one allocation per value, the allocator took about a tenth of all CPU.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRecord {
    /// 1-based number of the record in its feed, counting malformed ones too.
    pub number: u64,
    text: String,
    fields: Vec<(FieldId, usize, usize)>,
    pub warnings: Vec<RecordWarning>,
}

impl RawRecord {
    pub fn new(number: u64) -> RawRecord {
        RawRecord {
            number,
            text: String::new(),
            fields: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Room for `fields` values of `bytes` bytes in all, when the reader knows its feed's shape.
    pub fn reserve(&mut self, fields: usize, bytes: usize) {
        self.fields.reserve(fields);
        self.text.reserve(bytes);
    }

    /// Adds a value of key `id`.
    pub fn push(&mut self, id: FieldId, value: &str) {
        let start = self.text.len();
        self.text.push_str(value);
        self.fields.push((id, start, self.text.len()));
    }

    /// The values in the order they were read, with their keys.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = (FieldId, &str)> + Clone + '_ {
        self.fields.iter().map(|&(id, start, end)| {
            let value = self.text.get(start..end).unwrap_or_default();
            (id, value)
        })
    }

    pub fn num_fields(&self) -> usize {
        self.fields.len()
    }

    /// Bytes of all values together.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    pub fn warn(&mut self, kind: &'static str, detail: impl Into<String>) {
        self.warnings.push(RecordWarning {
            kind,
            detail: detail.into(),
        });
    }

    /// The first value of `name`, for tests and diagnostics (the normalizer uses ids).
    pub fn value<'a>(&'a self, names: &FieldNames, name: &str) -> Option<&'a str> {
        let id = names.get(name)?;
        self.fields()
            .find(|(field, _)| *field == id)
            .map(|(_, v)| v)
    }

    /// A one-line excerpt of the record for reject reports: its first few fields.
    pub fn excerpt(&self, names: &FieldNames) -> String {
        self.excerpt_with(|id| names.name(id))
    }

    /// [`RawRecord::excerpt`] with any way of naming the keys (the normalizer holds a snapshot).
    pub fn excerpt_with<'n>(&self, name_of: impl Fn(FieldId) -> &'n str) -> String {
        let mut out = String::new();
        for (id, value) in self.fields().take(6) {
            if !out.is_empty() {
                out.push_str(", ");
            }
            out.push_str(name_of(id));
            out.push('=');
            out.extend(value.chars().take(40));
        }
        out
    }
}

/// What a reader hands to its sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadItem {
    Record(RawRecord),
    /// A record the reader could not parse and skipped; reading goes on after it.
    Malformed {
        number: u64,
        message: String,
        excerpt: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_order_keys_and_bytes() {
        let mut names = FieldNames::new();
        let (title, image) = (names.intern("title"), names.intern("image"));
        let mut record = RawRecord::new(7);
        record.reserve(3, 16);
        record.push(title, "Grön jacka");
        record.push(image, "a.jpg");
        record.push(image, "b.jpg");
        let fields: Vec<(FieldId, &str)> = record.fields().collect();
        assert_eq!(
            fields,
            [(title, "Grön jacka"), (image, "a.jpg"), (image, "b.jpg")]
        );
        assert_eq!(record.num_fields(), 3);
        assert_eq!(record.text_len(), "Grön jackaa.jpgb.jpg".len());
        assert_eq!(record.value(&names, "image"), Some("a.jpg"));
        assert_eq!(record.value(&names, "price"), None);
        assert_eq!(
            record.excerpt(&names),
            "title=Grön jacka, image=a.jpg, image=b.jpg"
        );
    }
}
