//! Records inside records: with a record key (`--record variants`), an object that holds arrays
//! under that key — a product holding its variants — is an *owner*. Each element of its record
//! arrays becomes one record that inherits the owner's fields (title, brand, images…) under the
//! keys the owner has them, unless the element has a value of that key itself: the variant's own
//! value wins. Owners nest (a category's products' variants inherit from the product, which
//! inherits from the category), and the elements of an array of owners that hold no record array
//! (a product without variants) are records themselves, with the same inheritance.
//!
//! Owners are read one at a time: the search in `document` hands over each element of an array
//! it walks as raw JSON text, so memory is bounded by the largest product, not the feed.

use serde_json::value::RawValue;

use super::ctx::{Ctx, kind_of, malformed};
use super::flatten::{MAX_DEPTH, OwnedArray, flatten_owner, flatten_record};
use crate::error::FeedError;
use crate::record::{FieldId, RawRecord, ReadItem};

impl Ctx<'_> {
    /// Reads one element of an array searched for record arrays: an owner's records are handed
    /// to the sink; an object holding no record array is a record itself when `plain_is_record`
    /// and skipped otherwise. True when the element was an owner.
    pub(super) fn emit_owner(
        &mut self,
        raw: &str,
        record_key: &str,
        plain_is_record: bool,
    ) -> Result<bool, FeedError> {
        self.owner(raw, record_key, None, plain_is_record, 0)
    }

    fn owner(
        &mut self,
        raw: &str,
        record_key: &str,
        parent: Option<&RawRecord>,
        plain_is_record: bool,
        depth: usize,
    ) -> Result<bool, FeedError> {
        if !raw.starts_with('{') || !raw.contains(self.quoted_record_key.as_str()) {
            if plain_is_record {
                self.emit_inheriting(raw, parent)?;
            }
            return Ok(false);
        }
        let mut own = RawRecord::new(0);
        let mut arrays = Vec::new();
        if let Err(err) = flatten_owner(raw, record_key, &mut own, &mut self.names, &mut arrays) {
            self.deliver_malformed(format!("invalid record: {err}"), raw)?;
            return Ok(plain_is_record);
        }
        if let Some(parent) = parent {
            inherit(&mut own, parent);
        }
        let mut held = false;
        for array in &arrays {
            held |= match array {
                OwnedArray::Records(records) => self.records_of(records, &own)?,
                OwnedArray::Owners(owners) => self.owners_of(owners, record_key, &own, depth)?,
            };
        }
        // An owner whose record arrays are all empty (`"variants": []`) is a record itself.
        let owns = !arrays.is_empty();
        if !held && (owns || plain_is_record) {
            self.number += 1;
            own.number = self.number;
            self.deliver(ReadItem::Record(own))?;
        }
        Ok(owns)
    }

    /// The elements of a record array, each a record inheriting `owner`'s fields. False when
    /// the array is empty.
    fn records_of(&mut self, array: &RawValue, owner: &RawRecord) -> Result<bool, FeedError> {
        let items = match serde_json::from_str::<Vec<&RawValue>>(array.get()) {
            Ok(items) => items,
            Err(err) => {
                self.deliver_malformed(format!("invalid record array: {err}"), array.get())?;
                return Ok(true);
            }
        };
        for item in &items {
            self.emit_inheriting(item.get(), Some(owner))?;
        }
        Ok(!items.is_empty())
    }

    /// The elements of an array of owners, each read as an owner below `owner`.
    fn owners_of(
        &mut self,
        array: &RawValue,
        record_key: &str,
        owner: &RawRecord,
        depth: usize,
    ) -> Result<bool, FeedError> {
        if depth >= MAX_DEPTH {
            let message = format!("records nested more than {MAX_DEPTH} levels deep");
            self.deliver_malformed(message, array.get())?;
            return Ok(true);
        }
        let items = match serde_json::from_str::<Vec<&RawValue>>(array.get()) {
            Ok(items) => items,
            Err(err) => {
                self.deliver_malformed(format!("invalid array: {err}"), array.get())?;
                return Ok(true);
            }
        };
        for item in &items {
            self.owner(item.get(), record_key, Some(owner), true, depth + 1)?;
        }
        Ok(!items.is_empty())
    }

    /// One record element: flattened, then given the fields of `parent` it lacks.
    fn emit_inheriting(&mut self, raw: &str, parent: Option<&RawRecord>) -> Result<(), FeedError> {
        let Some(parent) = parent else {
            return self.emit(raw);
        };
        if !raw.starts_with('{') {
            let message = format!(
                "record {} is {}, not an object",
                self.number + 1,
                kind_of(raw)
            );
            return self.deliver_malformed(message, raw);
        }
        let mut record = RawRecord::new(self.number + 1);
        if let Err(err) = flatten_record(raw, &mut record, &mut self.names) {
            return self.deliver_malformed(format!("invalid record: {err}"), raw);
        }
        self.number += 1;
        inherit(&mut record, parent);
        self.deliver(ReadItem::Record(record))
    }

    /// A malformed record, numbered next.
    fn deliver_malformed(&mut self, message: String, raw: &str) -> Result<(), FeedError> {
        self.number += 1;
        let item = malformed(self.number, message, raw);
        self.deliver(item)
    }

    fn deliver(&mut self, item: ReadItem) -> Result<(), FeedError> {
        self.found = true;
        self.sink.accept(item, &self.names)
    }
}

/// Adds to `record` the fields of `parent` under keys the record has no value of.
fn inherit(record: &mut RawRecord, parent: &RawRecord) {
    let mut own: Vec<FieldId> = record.fields().map(|(id, _)| id).collect();
    own.sort_unstable();
    for (id, value) in parent.fields() {
        if own.binary_search(&id).is_err() {
            record.push(id, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::error::FeedError;
    use crate::readers::CollectedRecords;
    use crate::readers::json_reader::{JsonLayout, read_json};
    use crate::record::{FieldNames, ReadItem};

    fn read(input: &str, key: &str) -> CollectedRecords {
        let layout = JsonLayout::Document {
            record_key: Some(key.to_string()),
        };
        let mut sink = CollectedRecords::default();
        let result = read_json(input.as_bytes(), &layout, &mut sink);
        assert!(result.is_ok(), "{result:?}");
        sink
    }

    #[test]
    fn every_record_array_is_read_and_inherits_its_owner() {
        let text = r#"{"products":[
            {"title":"A","brand":"X","image":"a.jpg","variants":[{"sku":"A1","price":"10"},
                {"sku":"A2","price":"12","image":"a2.jpg"}],"images":[{"url":"u1"}]},
            {"title":"B","variants":[{"sku":"B1","price":"5"}]}]}"#;
        let sink = read(text, "variants");
        let records = sink.records();
        assert_eq!(records.len(), 3);
        let numbers: Vec<u64> = records.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 2, 3]);
        assert_eq!(sink.value(0, "sku"), Some("A1"));
        assert_eq!(sink.value(0, "title"), Some("A"));
        assert_eq!(sink.value(0, "brand"), Some("X"));
        assert_eq!(sink.value(0, "image"), Some("a.jpg"));
        assert_eq!(
            sink.value(0, "images/url"),
            Some("u1"),
            "fields after the array too"
        );
        assert_eq!(
            sink.value(1, "image"),
            Some("a2.jpg"),
            "the variant's own value wins"
        );
        assert_eq!(
            records[1]
                .fields()
                .filter(|(id, _)| sink.names.name(*id) == "image")
                .count(),
            1
        );
        assert_eq!(sink.value(2, "sku"), Some("B1"));
        assert_eq!(sink.value(2, "title"), Some("B"));
        assert_eq!(
            sink.value(2, "brand"),
            None,
            "nothing leaks from another product"
        );
    }

    #[test]
    fn a_product_without_variants_is_a_record_itself() {
        let text = r#"[{"title":"P","variants":[]},{"title":"Q","variants":[{"price":"1"}]},
            {"title":"R","price":"3"}]"#;
        let sink = read(text, "variants");
        assert_eq!(sink.records().len(), 3);
        assert_eq!(sink.value(0, "title"), Some("P"));
        assert_eq!(sink.value(1, "title"), Some("Q"));
        assert_eq!(sink.value(1, "price"), Some("1"));
        assert_eq!(sink.value(2, "price"), Some("3"));
        let later = r#"{"list":[{"title":"Q","variants":[{"price":"1"}]},{"title":"R"}]}"#;
        assert_eq!(read(later, "variants").records().len(), 2);
        let empty_first = r#"{"list":[{"title":"E","variants":[ ]},{"title":"R"}]}"#;
        let sink = read(empty_first, "variants");
        assert_eq!(
            sink.records().len(),
            2,
            "an empty variants list still marks a product"
        );
        assert_eq!(sink.value(0, "title"), Some("E"));
    }

    #[test]
    fn owners_nest_and_other_arrays_are_not_records() {
        let text = r#"{"meta":{"pages":[{"p":1}]},"categories":[{"category":"Shoes",
            "products":[{"title":"S","variants":[{"size":"42","price":"50"}]},
            {"title":"T","price":"9"}]}]}"#;
        let sink = read(text, "variants");
        assert_eq!(sink.records().len(), 2);
        assert_eq!(sink.value(0, "size"), Some("42"));
        assert_eq!(sink.value(0, "title"), Some("S"));
        assert_eq!(sink.value(0, "category"), Some("Shoes"));
        assert_eq!(sink.value(1, "title"), Some("T"));
        assert_eq!(sink.value(1, "category"), Some("Shoes"));
        assert!(sink.names.get("p").is_none());
        assert!(sink.names.get("products/title").is_none());
    }

    #[test]
    fn scalars_under_the_record_key_are_a_field_not_records() {
        let sink = read(r#"[{"title":"A","list":["x","y"]},{"title":"B"}]"#, "list");
        assert_eq!(sink.items.len(), 2, "{:?}", sink.items);
        assert_eq!(sink.value(0, "list"), Some("x"));
        assert_eq!(sink.value(1, "title"), Some("B"));
    }

    #[test]
    fn a_bad_element_of_a_record_array_is_malformed_and_counted() {
        let sink = read(
            r#"[{"title":"A","variants":[{"price":"1"},5,{"price":"2"}]}]"#,
            "variants",
        );
        assert_eq!(sink.items.len(), 3);
        assert!(
            matches!(&sink.items[1], ReadItem::Malformed { number: 2, message, .. }
            if message.contains("a number"))
        );
        assert_eq!(sink.records()[1].number, 3);
    }

    #[test]
    fn a_sink_stop_ends_reading_inside_an_owner() {
        let layout = JsonLayout::Document {
            record_key: Some("variants".into()),
        };
        let text = br#"{"products":[{"variants":[{"a":1},{"a":2}]},{"variants":[{"a":3}]}]}"#;
        let mut calls = 0;
        let mut sink = |_: ReadItem, _: &FieldNames| -> Result<(), FeedError> {
            calls += 1;
            Err(FeedError::Stopped)
        };
        let result = read_json(&text[..], &layout, &mut sink);
        assert!(matches!(result, Err(FeedError::Stopped)), "{result:?}");
        assert_eq!(calls, 1);
    }
}
