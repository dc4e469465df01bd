//! The document layout: walking a JSON document with serde visitors to find the records array,
//! then streaming its elements to the sink one [`RawValue`] at a time.
//!
//! The walk visits values depth first. An array under the record key is a records array, its
//! elements streamed one at a time. Without a record key, the root array, else the first array
//! whose first element is an object, is the records array, and everything after it is skipped
//! unparsed ([`IgnoredAny`]). With a record key, every other array's elements are read one at a
//! time as raw text and handed to the owner rules of `owners`. A top-level `status` object with a non-zero `code` (PartnerBoost) fails the
//! feed with [`FeedError::Reported`].

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::ctx::Ctx;
use super::flatten::{Entries, json_str};
use crate::error::FeedError;

/// Reads a whole document, streaming the elements of its records array to the sink.
pub(super) fn read_document<R: BufRead>(
    input: R,
    record_key: Option<&str>,
    ctx: &mut Ctx<'_>,
) -> Result<(), FeedError> {
    let mut de = serde_json::Deserializer::from_reader(input);
    let seed = Search {
        ctx: &mut *ctx,
        record_key,
        depth: 0,
        at_key: false,
    };
    let result = seed.deserialize(&mut de).and_then(|()| de.end());
    if let Some(failure) = ctx.failure.take() {
        return Err(failure);
    }
    result.map_err(json_error)?;
    if ctx.found || ctx.saw_empty_array {
        return Ok(());
    }
    Err(FeedError::NotAFeed(match record_key {
        Some(key) => format!("the JSON document has no \"{key}\" array of records"),
        None => "the JSON document holds no array of records".into(),
    }))
}

/// Maps a JSON error of the document to the feed error.
fn json_error(err: serde_json::Error) -> FeedError {
    use serde_json::error::Category;
    let (line, column) = (err.line(), err.column());
    match err.classify() {
        Category::Io => FeedError::from_read(err.into()),
        Category::Eof => FeedError::Truncated(format!(
            "the JSON document ends early at line {line}, column {column}"
        )),
        Category::Syntax | Category::Data => {
            let text = err.to_string();
            let suffix = format!(" at line {line} column {column}");
            let message = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
            FeedError::Json {
                line,
                column,
                message,
            }
        }
    }
}

/// Walks the document looking for the records array, then streams its elements.
struct Search<'c, 's> {
    ctx: &'c mut Ctx<'s>,
    record_key: Option<&'c str>,
    depth: usize,
    /// This value sits under the record key.
    at_key: bool,
}

impl<'de> DeserializeSeed<'de> for Search<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'s> Search<'_, 's> {
    fn child(&mut self, at_key: bool) -> Search<'_, 's> {
        Search {
            ctx: &mut *self.ctx,
            record_key: self.record_key,
            depth: self.depth + 1,
            at_key,
        }
    }

    /// A scalar where the root should be: not a feed.
    fn scalar<E: de::Error>(self, kind: &str) -> Result<(), E> {
        if self.depth == 0 {
            let err = FeedError::NotAFeed(format!(
                "the JSON document is {kind}, not an array or object"
            ));
            return Err(self.ctx.fail(err));
        }
        Ok(())
    }

    /// Hands every remaining element of `seq` to the sink as a record.
    fn stream<'de, A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.ctx.found = true;
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            if let Err(err) = self.ctx.emit(raw.get()) {
                return Err(self.ctx.fail(err));
            }
        }
        Ok(())
    }

    /// Without a record key: the array is the records array when its first element is an object.
    fn probe<'de, A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some(first) = seq.next_element::<Box<RawValue>>()? else {
            self.ctx.saw_empty_array = true;
            return Ok(());
        };
        if !first.get().starts_with('{') {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        if let Err(err) = self.ctx.emit(first.get()) {
            return Err(self.ctx.fail(err));
        }
        self.stream(seq)
    }

    /// With a record key, an array not under it: each element may own record arrays (see
    /// `owners`). Elements that own none are records in the root array, and in an array once
    /// one of its elements owned records (a list of products, some without variants); elsewhere
    /// they are skipped.
    fn search_owners<'de, A: SeqAccess<'de>>(
        self,
        mut seq: A,
        record_key: &str,
    ) -> Result<(), A::Error> {
        let mut plain_is_record = self.depth == 0;
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            match self.ctx.emit_owner(raw.get(), record_key, plain_is_record) {
                Ok(owned) => plain_is_record |= owned,
                Err(err) => return Err(self.ctx.fail(err)),
            }
        }
        Ok(())
    }

    /// Checks a PartnerBoost `status` object: a non-zero integer `code` (number or string) fails
    /// the feed; any other `status` is not PartnerBoost's and is ignored.
    fn check_status<E: de::Error>(&mut self, raw: &RawValue) -> Result<(), E> {
        let Ok(entries) = serde_json::from_str::<Entries<'_>>(raw.get()) else {
            return Ok(());
        };
        let Some(code) = entries.get("code").and_then(|code| scalar_text(code.get())) else {
            return Ok(());
        };
        if !code.trim().parse::<i64>().is_ok_and(|c| c != 0) {
            return Ok(());
        }
        let msg = entries
            .get("msg")
            .and_then(|msg| scalar_text(msg.get()))
            .unwrap_or_default();
        let err = FeedError::Reported(format!("partnerboost error {code}: {msg}"));
        Err(self.ctx.fail(err))
    }
}

/// The text of a JSON string or number; None for other values.
fn scalar_text(raw: &str) -> Option<Cow<'_, str>> {
    match raw.as_bytes().first()? {
        b'"' => json_str(raw).ok(),
        b'-' | b'0'..=b'9' => Some(Cow::Borrowed(raw)),
        _ => None,
    }
}

impl<'de> Visitor<'de> for Search<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array or object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        match self.record_key {
            _ if self.at_key => self.stream(seq),
            Some(record_key) => self.search_owners(seq, record_key),
            None if self.ctx.found => {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(())
            }
            None if self.depth == 0 => self.stream(seq),
            None => self.probe(seq),
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if self.depth == 0 && key == "status" {
                let raw = map.next_value::<Box<RawValue>>()?;
                self.check_status(&raw)?;
            } else if self.ctx.found && self.record_key.is_none() {
                map.next_value::<IgnoredAny>()?;
            } else {
                let at_key = self.record_key == Some(key.as_ref());
                map.next_value_seed(self.child(at_key))?;
            }
        }
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        if self.at_key {
            // `"list": null` under the record key: a page without records.
            self.ctx.found = true;
        }
        self.scalar("null")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar("a boolean")
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar("a number")
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar("a number")
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar("a number")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar("a string")
    }
}
