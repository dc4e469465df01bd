//! [`Row`]: one JSON object of a transaction report with each value kept as the JSON text the
//! network wrote (serde_json's `RawValue`), so the field readers (`super::fields`) read an
//! amount from its digits. Through `serde_json::Value` it would pass through an `f64`
//! (serde_json's `arbitrary_precision` is off): `9007199254740993.01` would become
//! `9007199254740992` and `0.30000000000000004` could not be told from `0.3`.

use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// One JSON object of a report (a row, or an object inside one) with each value as written.
#[derive(Debug, Default)]
pub(crate) struct Row(BTreeMap<String, Box<RawValue>>);

impl Row {
    /// `raw` as a row; anything but an object is refused ("is not an object but a string",
    /// for the caller to say what). A repeated key keeps its last value, as
    /// `serde_json::Value` does.
    pub(crate) fn parse(raw: &RawValue) -> Result<Row, String> {
        match Kind::of(raw) {
            Kind::Object => serde_json::from_str(raw.get())
                .map(Row)
                .map_err(|err| format!("is not an object of values: {err}")),
            other => Err(format!("is not an object but {}", other.name())),
        }
    }

    /// A report answer (a JSON array) as its rows' raw values, each read by [`Row::parse`]
    /// on its own, so one bad row is refused alone.
    pub(crate) fn list_of(answer: &[u8]) -> Result<Vec<Box<RawValue>>, serde_json::Error> {
        serde_json::from_slice(answer)
    }

    pub(super) fn get(&self, key: &str) -> Option<(Kind, &RawValue)> {
        let raw = self.0.get(key)?;
        Some((Kind::of(raw), raw))
    }

    /// An object field; absent or null is an empty row.
    pub(crate) fn object(&self, key: &str) -> Result<Row, String> {
        match self.get(key) {
            None | Some((Kind::Null, _)) => Ok(Row::default()),
            Some((_, raw)) => Row::parse(raw).map_err(|e| format!("{key} {e}")),
        }
    }

    /// An object field that must be there.
    pub(crate) fn required_object(&self, key: &str) -> Result<Row, String> {
        match self.get(key) {
            None | Some((Kind::Null, _)) => Err(format!("{key} is missing")),
            Some((_, raw)) => Row::parse(raw).map_err(|e| format!("{key} {e}")),
        }
    }

    /// An array field of objects; absent or null is empty.
    pub(crate) fn list(&self, key: &str) -> Result<Vec<Row>, String> {
        let items: Vec<Box<RawValue>> = match self.get(key) {
            None | Some((Kind::Null, _)) => return Ok(Vec::new()),
            Some((Kind::Array, raw)) => {
                serde_json::from_str(raw.get()).map_err(|err| format!("{key}: {err}"))?
            }
            Some((other, _)) => return Err(format!("{key} is not an array but {}", other.name())),
        };
        let item =
            |(i, raw): (usize, &RawValue)| Row::parse(raw).map_err(|e| format!("{key}[{i}] {e}"));
        items
            .iter()
            .map(AsRef::as_ref)
            .enumerate()
            .map(item)
            .collect()
    }

    /// An integer field, as a number or a string of digits; `None` when absent, null or not
    /// an integer.
    pub(crate) fn integer(&self, key: &str) -> Option<i64> {
        match self.get(key)? {
            (Kind::Number, raw) => raw.get().parse().ok(),
            (Kind::String, raw) => string_of(raw).ok()?.trim().parse().ok(),
            _ => None,
        }
    }
}

/// What a raw JSON value is, by its first character (the text is valid JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    pub(super) fn of(raw: &RawValue) -> Kind {
        match raw.get().trim_start().as_bytes().first() {
            Some(b'n') => Kind::Null,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'"') => Kind::String,
            Some(b'[') => Kind::Array,
            Some(b'{') => Kind::Object,
            _ => Kind::Number,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// A JSON string's content, escapes resolved.
pub(super) fn string_of(raw: &RawValue) -> Result<String, String> {
    serde_json::from_str(raw.get()).map_err(|err| format!("not a JSON string: {err}"))
}

#[cfg(test)]
impl Row {
    /// The row of an object written as JSON text.
    pub(crate) fn of_json(text: &str) -> Row {
        let raw: Box<RawValue> =
            serde_json::from_str(text).unwrap_or_else(|err| panic!("{err}: {text}"));
        Row::parse(&raw).unwrap_or_else(|err| panic!("{err}: {text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_and_lists_inside_a_row() {
        let row = Row::of_json(
            r#"{"click": {"epi": "a"}, "none": null, "text": "x",
                "items": [{"v": 1}, {"v": 2}], "mixed": [{"v": 1}, 2], "n": "42", "f": 4.5}"#,
        );
        assert!(row.object("click").is_ok_and(|c| c.get("epi").is_some()));
        assert!(row.object("none").is_ok_and(|c| c.0.is_empty()));
        assert!(row.object("absent").is_ok_and(|c| c.0.is_empty()));
        assert_eq!(
            row.object("text").err(),
            Some("text is not an object but a string".into())
        );
        assert_eq!(
            row.required_object("none").err(),
            Some("none is missing".into())
        );
        assert_eq!(row.list("items").map(|items| items.len()), Ok(2));
        assert_eq!(
            row.list("mixed").err(),
            Some("mixed[1] is not an object but a number".into())
        );
        assert_eq!(
            row.list("text").err(),
            Some("text is not an array but a string".into())
        );
        assert_eq!((row.integer("n"), row.integer("f")), (Some(42), None));
        let answer = Row::list_of(br#"[{"a": 1}, "not a row"]"#).unwrap_or_default();
        assert_eq!(answer.len(), 2);
        assert_eq!(
            Row::parse(&answer[1]).err(),
            Some("is not an object but a string".into())
        );
    }
}
