//! [`Values`]: one record's values sorted by the offer field they feed, so the rules of the
//! normalizer ask for a field's values by binary search instead of scanning the record.

use crate::clean_url::clean_url;
use crate::mapping::{Field, ResolvedMapping};
use crate::record::RawRecord;
use crate::text::clean_text;
use std::sync::Arc;

/// The record's values sorted by the field they feed, most preferred candidate first.
pub(super) struct Values<'a> {
    /// `(field, rank, key, value)`, sorted by field then rank.
    pub(super) mapped: Vec<(Field, u8, &'a str, &'a str)>,
    pub(super) unmapped: Vec<(&'a str, &'a str)>,
}

impl<'a> Values<'a> {
    pub(super) fn collect(
        record: &'a RawRecord,
        names: &'a [Arc<str>],
        mapping: &ResolvedMapping,
    ) -> Self {
        let mut mapped = Vec::with_capacity(24);
        let mut unmapped = Vec::new();
        for (id, value) in record.fields() {
            let name = names.get(id.0 as usize).map_or("", |n| n);
            match mapping.slot(id) {
                Some((field, rank)) => mapped.push((field, rank, name, value)),
                None => unmapped.push((name, value)),
            }
        }
        mapped.sort_by_key(|(field, rank, _, _)| (*field, *rank));
        Values { mapped, unmapped }
    }

    /// The values of `field`, most preferred first. `mapped` is sorted by field, so this is a
    /// binary search, not a scan; readers never hand over empty values.
    pub(super) fn all(&self, field: Field) -> impl Iterator<Item = &'a str> + '_ {
        let start = self.mapped.partition_point(|(f, _, _, _)| *f < field);
        let end = self.mapped.partition_point(|(f, _, _, _)| *f <= field);
        self.mapped[start..end].iter().map(|(_, _, _, v)| *v)
    }

    pub(super) fn first(&self, field: Field) -> Option<&'a str> {
        self.all(field).next()
    }

    /// The key and value of [`Values::first`].
    pub(super) fn first_entry(&self, field: Field) -> Option<(&'a str, &'a str)> {
        let at = self.mapped.partition_point(|(f, _, _, _)| *f < field);
        let (f, _, key, value) = self.mapped.get(at)?;
        (*f == field).then_some((*key, *value))
    }

    pub(super) fn first_text(&self, field: Field) -> Option<String> {
        self.all(field).find_map(clean_text)
    }

    pub(super) fn first_url(&self, field: Field) -> Option<String> {
        self.all(field).find_map(clean_url)
    }
}
