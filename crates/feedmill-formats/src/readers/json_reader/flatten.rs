//! Flattening one JSON record object into `(key, value)` fields, following the key conventions
//! of [`crate::record`]:
//! - nested objects → `parent/child` keys;
//! - arrays of scalars → the key repeated per element;
//! - arrays of `{key, value}` / `{name, value}` objects (Adtraction's `extraInfo`) → one field per
//!   pair, keyed by the pair's key (below the array's parent, if any);
//! - other arrays of objects → `parent/child` keys, repeated per element.
//!
//! Values keep their JSON text: strings unescaped and trimmed, numbers exactly as written (the
//! raw text is inspected, never parsed to `f64`), booleans `true`/`false`; `null` and empty
//! strings are skipped. The record is parsed once per nesting level from its [`RawValue`] text.
//!
//! An object that holds record arrays (a product holding its `variants` under `--record
//! variants`) is flattened by [`flatten_owner`]: its own fields as above, while the record arrays
//! and the arrays of objects that hold record arrays further down (a category's `products`) are
//! set aside, unflattened, for the reader to turn into records.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::record::{FieldNames, RawRecord};

/// The longest excerpt of a malformed record, in characters.
const EXCERPT_CHARS: usize = 160;
/// The deepest nesting of objects and arrays flattened; a deeper record is malformed. Raw values
/// are skipped by serde_json without its recursion limit, so the flattener keeps its own.
pub(super) const MAX_DEPTH: usize = 64;

/// Flattens the JSON object `raw` into the fields of `record`.
pub(super) fn flatten_record(
    raw: &str,
    record: &mut RawRecord,
    names: &mut FieldNames,
) -> Result<(), serde_json::Error> {
    let mut flattener = Flattener {
        names,
        record,
        key: String::new(),
        depth: 0,
        split: None,
    };
    flattener.object(raw)
}

/// What an owner object holds besides its own fields, in document order.
#[derive(Debug, Clone, Copy)]
pub(super) enum OwnedArray<'r> {
    /// An array under the record key: each element one record.
    Records(&'r RawValue),
    /// An array of objects some of which hold record arrays (products of a category).
    Owners(&'r RawValue),
}

/// Flattens the JSON object `raw` into `record`, setting aside into `arrays` the arrays named
/// `record_key` (at any depth) and the arrays whose elements hold such arrays.
pub(super) fn flatten_owner<'r>(
    raw: &'r str,
    record_key: &str,
    record: &mut RawRecord,
    names: &mut FieldNames,
    arrays: &mut Vec<OwnedArray<'r>>,
) -> Result<(), serde_json::Error> {
    let quoted_key = quoted(record_key);
    let mut flattener = Flattener {
        names,
        record,
        key: String::new(),
        depth: 0,
        split: Some(Split {
            record_key,
            quoted_key: &quoted_key,
            arrays,
        }),
    };
    flattener.object(raw)
}

/// `"key"` as it appears in JSON text, to tell cheaply whether a value may hold that key.
pub(super) fn quoted(key: &str) -> String {
    serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""))
}

/// The start of `raw` on one line, for malformed-record reports.
pub(super) fn excerpt(raw: &str) -> String {
    raw.chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The unescaped text of the JSON string `raw`, borrowed when it holds no escape.
pub(super) fn json_str(raw: &str) -> Result<Cow<'_, str>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(raw);
    CowStr.deserialize(&mut de)
}

/// The entries of a JSON object, in order, each value left as raw JSON.
pub(super) struct Entries<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> Entries<'a> {
    /// The first value under `key`.
    pub(super) fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntriesVisitor)
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Entries<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key_seed(CowStr)? {
            entries.push((key, map.next_value::<&'de RawValue>()?));
        }
        Ok(Entries(entries))
    }
}

/// Deserializes a string, borrowing it from the input when possible.
struct CowStr;

impl<'de> DeserializeSeed<'de> for CowStr {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for CowStr {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// Where an owner's record arrays go (see [`flatten_owner`]).
struct Split<'a, 'r> {
    record_key: &'a str,
    quoted_key: &'a str,
    arrays: &'a mut Vec<OwnedArray<'r>>,
}

/// Walks one record, `key` holding the path of the value being visited.
struct Flattener<'a, 'r> {
    names: &'a mut FieldNames,
    record: &'a mut RawRecord,
    key: String,
    /// Objects and arrays open around the value being visited.
    depth: usize,
    /// Set when flattening an owner object.
    split: Option<Split<'a, 'r>>,
}

impl<'r> Flattener<'_, 'r> {
    fn object(&mut self, raw: &'r str) -> Result<(), serde_json::Error> {
        let entries: Entries<'r> = serde_json::from_str(raw)?;
        self.entries(&entries)
    }

    /// Visits each entry under `key/entry`, except the arrays an owner sets aside.
    fn entries(&mut self, entries: &Entries<'r>) -> Result<(), serde_json::Error> {
        let len = self.key.len();
        for (name, value) in &entries.0 {
            if self.set_aside(name, value) {
                continue;
            }
            if len > 0 {
                self.key.push('/');
            }
            self.key.push_str(name);
            self.value(value.get())?;
            self.key.truncate(len);
        }
        Ok(())
    }

    /// When flattening an owner: keeps a record array, or an array holding record arrays, aside.
    fn set_aside(&mut self, name: &str, value: &'r RawValue) -> bool {
        let Some(split) = self.split.as_mut() else {
            return false;
        };
        let raw = value.get();
        if !raw.starts_with('[') {
            return false;
        }
        if name == split.record_key && (is_array_of_objects(raw) || is_empty_array(raw)) {
            split.arrays.push(OwnedArray::Records(value));
            return true;
        }
        if raw.contains(split.quoted_key) && holds_record_array(raw, split.record_key, self.depth) {
            split.arrays.push(OwnedArray::Owners(value));
            return true;
        }
        false
    }

    fn value(&mut self, raw: &'r str) -> Result<(), serde_json::Error> {
        match raw.as_bytes().first() {
            Some(b'{') => self.nested(raw, Self::object),
            Some(b'[') => self.nested(raw, Self::array),
            Some(b'"') => {
                let text = json_str(raw)?;
                self.push(text.trim());
                Ok(())
            }
            Some(b't') => {
                self.push("true");
                Ok(())
            }
            Some(b'f') => {
                self.push("false");
                Ok(())
            }
            Some(b'n') | None => Ok(()),
            Some(_) => {
                self.push(raw);
                Ok(())
            }
        }
    }

    /// Visits an object or array one level deeper, failing beyond [`MAX_DEPTH`].
    fn nested(
        &mut self,
        raw: &'r str,
        visit: fn(&mut Self, &'r str) -> Result<(), serde_json::Error>,
    ) -> Result<(), serde_json::Error> {
        if self.depth >= MAX_DEPTH {
            return Err(de::Error::custom(format!(
                "nested more than {MAX_DEPTH} levels deep"
            )));
        }
        self.depth += 1;
        let result = visit(self, raw);
        self.depth -= 1;
        result
    }

    /// Each element under the array's key, except `{key, value}` pairs.
    fn array(&mut self, raw: &'r str) -> Result<(), serde_json::Error> {
        let items: Vec<&'r RawValue> = serde_json::from_str(raw)?;
        for item in items {
            let item = item.get();
            if !item.starts_with('{') {
                self.value(item)?;
                continue;
            }
            let entries: Entries<'r> = serde_json::from_str(item)?;
            match pair(&entries)? {
                Some((name, value)) => self.pair(&name, value.get())?,
                None => self.entries(&entries)?,
            }
        }
        Ok(())
    }

    /// A `{key, value}` pair: the value keyed by `name` in place of the array's own name.
    fn pair(&mut self, name: &str, raw: &'r str) -> Result<(), serde_json::Error> {
        let array_key = std::mem::take(&mut self.key);
        if let Some(slash) = array_key.rfind('/') {
            self.key.push_str(&array_key[..=slash]);
        }
        self.key.push_str(name);
        let result = self.value(raw);
        self.key = array_key;
        result
    }

    /// Adds the field at the current key unless `value` is empty.
    fn push(&mut self, value: &str) {
        if value.is_empty() {
            return;
        }
        let id = self.names.intern(&self.key);
        self.record.push(id, value);
    }
}

/// Whether the JSON value `raw` holds, at any depth, an array under the key `record_key`.
/// Values that do not parse, or nest deeper than [`MAX_DEPTH`], hold none.
pub(super) fn holds_record_array(raw: &str, record_key: &str, depth: usize) -> bool {
    if depth >= MAX_DEPTH {
        return false;
    }
    let nested = |value: &RawValue| {
        let text = value.get();
        (text.starts_with('{') || text.starts_with('['))
            && holds_record_array(text, record_key, depth + 1)
    };
    if raw.starts_with('[') {
        let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(raw) else {
            return false;
        };
        return items.into_iter().any(nested);
    }
    let Ok(entries) = serde_json::from_str::<Entries<'_>>(raw) else {
        return false;
    };
    entries.0.iter().any(|(name, value)| {
        (name == record_key && is_array_of_objects(value.get())) || nested(value)
    })
}

/// `[]`, with any blanks inside: a record array without records (a product without variants).
fn is_empty_array(raw: &str) -> bool {
    raw.strip_prefix('[')
        .is_some_and(|rest| rest.trim_start().starts_with(']'))
}

/// Whether the JSON text `raw` is an array whose first element is an object: a record array.
/// An array of scalars under the record key (`"tags": ["a"]`) is a field like any other.
fn is_array_of_objects(raw: &str) -> bool {
    raw.strip_prefix('[')
        .is_some_and(|rest| rest.trim_start().starts_with('{'))
}

/// The name and value of an object that is exactly `{"key": "…", "value": …}` or
/// `{"name": "…", "value": …}` with a non-blank name.
fn pair<'a>(
    entries: &Entries<'a>,
) -> Result<Option<(Cow<'a, str>, &'a RawValue)>, serde_json::Error> {
    if entries.0.len() != 2 {
        return Ok(None);
    }
    let (Some(value), Some(name)) = (
        entries.get("value"),
        entries.get("key").or_else(|| entries.get("name")),
    ) else {
        return Ok(None);
    };
    if !name.get().starts_with('"') {
        return Ok(None);
    }
    let name = json_str(name.get())?;
    if name.trim().is_empty() {
        return Ok(None);
    }
    Ok(Some((trimmed(name), value)))
}

fn trimmed(text: Cow<'_, str>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) if s.trim().len() == s.len() => Cow::Owned(s),
        Cow::Owned(s) => Cow::Owned(s.trim().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields of the record object `json`, as `(key, value)` text pairs.
    fn flat(json: &str) -> Vec<(String, String)> {
        let mut names = FieldNames::new();
        let mut record = RawRecord::new(1);
        let result = flatten_record(json, &mut record, &mut names);
        assert!(result.is_ok(), "{result:?}");
        let text = |(id, value): (_, &str)| (names.name(id).to_owned(), value.to_owned());
        record.fields().map(text).collect()
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        let owned = |(k, v): &(&str, &str)| ((*k).to_owned(), (*v).to_owned());
        expected.iter().map(owned).collect()
    }

    #[test]
    fn numbers_keep_their_text() {
        let json = r#"{"a":34.30,"b":-0.0,"c":1E+3,"d":12345678901234567890123,"e":699}"#;
        let expected = [("a", "34.30"), ("b", "-0.0"), ("c", "1E+3")];
        let mut expected = pairs(&expected);
        expected.extend(pairs(&[("d", "12345678901234567890123"), ("e", "699")]));
        assert_eq!(flat(json), expected);
    }

    #[test]
    fn scalars_strings_and_skipped_values() {
        let json = r#"{"t":true,"f":false,"n":null,"e":"","s":"  x\ty ","u":"Gr\u00f6n \"q\""}"#;
        let expected = [
            ("t", "true"),
            ("f", "false"),
            ("s", "x\ty"),
            ("u", "Grön \"q\""),
        ];
        assert_eq!(flat(json), pairs(&expected));
    }

    #[test]
    fn nested_objects_join_keys() {
        let json = r#"{"id":"1","stock":{"qty":12,"where":{"city":"Malmö"}},"empty":{}}"#;
        let expected = [
            ("id", "1"),
            ("stock/qty", "12"),
            ("stock/where/city", "Malmö"),
        ];
        assert_eq!(flat(json), pairs(&expected));
    }

    #[test]
    fn arrays_repeat_their_key() {
        let json =
            r#"{"tags":["a","b",3,null,["c"]],"images":[{"url":"u1"},{"url":"u2","w":200}]}"#;
        let expected = [("tags", "a"), ("tags", "b"), ("tags", "3"), ("tags", "c")];
        let mut expected = pairs(&expected);
        expected.extend(pairs(&[
            ("images/url", "u1"),
            ("images/url", "u2"),
            ("images/w", "200"),
        ]));
        assert_eq!(flat(json), expected);
    }

    #[test]
    fn key_value_pairs_become_fields() {
        let json = r#"{"extraInfo":[{"key":"SIZE","value":"86 92"},{"key":"COLOUR","value":"Grön"},
            {"name":"weight","value":1.50},{"key":"EMPTY","value":""},{"key":" ","value":"blank"}],
            "details":{"attrs":[{"name":"fit","value":"slim"}]}}"#;
        let expected = [("SIZE", "86 92"), ("COLOUR", "Grön"), ("weight", "1.50")];
        let mut expected = pairs(&expected);
        expected.extend(pairs(&[
            ("extraInfo/key", " "),
            ("extraInfo/value", "blank"),
            ("details/fit", "slim"),
        ]));
        // A blank key is no pair: its object is flattened like any other (" " trimmed → skipped).
        expected.retain(|(k, _)| k != "extraInfo/key");
        assert_eq!(flat(json), expected);
    }

    #[test]
    fn objects_with_more_than_a_pair_are_flattened() {
        let json = r#"{"x":[{"key":"a","value":"1","unit":"cm"}]}"#;
        let expected = [("x/key", "a"), ("x/value", "1"), ("x/unit", "cm")];
        assert_eq!(flat(json), pairs(&expected));
    }

    #[test]
    fn excerpt_is_one_bounded_line() {
        let long = format!("{{\"a\":\n\"{}\"}}", "é".repeat(500));
        let short = excerpt(&long);
        assert_eq!(short.chars().count(), EXCERPT_CHARS);
        assert!(!short.contains('\n'));
    }
}
