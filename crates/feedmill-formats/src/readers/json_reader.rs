//! Streaming JSON reader: a document holding an array of record objects, or NDJSON.
//!
//! A document is walked with serde visitors over [`serde_json::Deserializer::from_reader`]
//! (child module `document`), so only one record is held at a time: each element of the records
//! array is taken as a [`RawValue`] and flattened into fields (child module `flatten`) before
//! the next is read. NDJSON is read line by line. Numbers keep the text the feed wrote
//! (`34.30`): values are never parsed as `f64`.
//!
//! Which arrays hold the records:
//! - without a record key: the root array; else the first array of objects met depth first
//!   (later arrays are skipped unread);
//! - with a record key (`--record variants`, PartnerBoost's `list`): every array under that key,
//!   at any depth, all of them. An object holding such arrays (a product holding its variants) is
//!   an *owner* (child module `owners`): each element of its arrays is one record, and inherits
//!   the owner's fields under the keys the owner has them (`title`, `brand`, `images/url`)
//!   unless it has a value of that key itself. An owner without any record (no or an empty
//!   `variants`) is a record itself, as is any object of the root array. So a product with six
//!   variants is six records, and `--map price=variants/price` then names each variant's
//!   `price` (the driver reads a `--map` path through the record array from its elements).
//!   Without `--record`, the same map keeps the product's first variant price and warns
//!   `dropped_price` for each other one.
//!
//! A PartnerBoost envelope reporting a non-zero `status.code` fails the feed with
//! [`FeedError::Reported`].

use std::io::BufRead;

use serde_json::value::RawValue;

use crate::error::FeedError;
use crate::readers::RecordSink;
use crate::record::FieldNames;

mod ctx;
mod document;
mod flatten;
mod owners;

use ctx::{Ctx, malformed};
use document::read_document;
use flatten::quoted;

/// Where the records of a JSON feed are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonLayout {
    /// A JSON document: a bare array of record objects, or an object holding the records in an
    /// array. `record_key` names the key of that array (any depth, e.g. "list" for PartnerBoost's
    /// {"status":..,"data":{"total":"9","list":[...]}}); None = the root array, or if the root is an
    /// object, the first array of objects met (depth first).
    Document { record_key: Option<String> },
    /// NDJSON: one object per line.
    Lines,
}

/// Reads a JSON feed laid out as `layout`, handing each record object to `sink`.
pub fn read_json<R: BufRead>(
    mut input: R,
    layout: &JsonLayout,
    sink: &mut dyn RecordSink,
) -> Result<(), FeedError> {
    if !skip_to_content(&mut input)? {
        return Err(FeedError::Empty);
    }
    let quoted_record_key = match layout {
        JsonLayout::Document {
            record_key: Some(key),
        } => quoted(key),
        _ => String::new(),
    };
    let mut ctx = Ctx {
        names: FieldNames::new(),
        sink,
        number: 0,
        failure: None,
        found: false,
        saw_empty_array: false,
        quoted_record_key,
    };
    match layout {
        JsonLayout::Lines => read_lines(input, &mut ctx),
        JsonLayout::Document { record_key } => {
            read_document(input, record_key.as_deref(), &mut ctx)
        }
    }
}

/// Skips a UTF-8 BOM and leading whitespace; false when nothing else is left.
fn skip_to_content<R: BufRead>(input: &mut R) -> Result<bool, FeedError> {
    let mut first = true;
    loop {
        let buf = input.fill_buf().map_err(FeedError::from_read)?;
        if buf.is_empty() {
            return Ok(false);
        }
        let bom = if first && buf.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        first = false;
        let blank = buf[bom..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        let done = bom + blank < buf.len();
        input.consume(bom + blank);
        if done {
            return Ok(true);
        }
    }
}

/// NDJSON: each non-blank line one record; a line that is not JSON is malformed.
fn read_lines<R: BufRead>(mut input: R, ctx: &mut Ctx<'_>) -> Result<(), FeedError> {
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        if input
            .read_until(b'\n', &mut buf)
            .map_err(FeedError::from_read)?
            == 0
        {
            return Ok(());
        }
        line_no += 1;
        let text = String::from_utf8_lossy(buf.trim_ascii());
        if text.is_empty() {
            continue;
        }
        match serde_json::from_str::<&RawValue>(&text) {
            Ok(raw) => ctx.emit(raw.get())?,
            Err(err) => {
                ctx.number += 1;
                let message = format!("line {line_no} is not valid JSON: {err}");
                ctx.sink
                    .accept(malformed(ctx.number, message, &text), &ctx.names)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::CollectedRecords;
    use crate::record::{RawRecord, ReadItem};
    use proptest::prelude::*;
    use std::io::Read;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/fixtures/",
                $name
            ))
        };
    }

    fn document(key: Option<&str>) -> JsonLayout {
        JsonLayout::Document {
            record_key: key.map(str::to_owned),
        }
    }

    fn try_read(input: &[u8], layout: &JsonLayout) -> (Result<(), FeedError>, CollectedRecords) {
        let mut sink = CollectedRecords::default();
        let result = read_json(input, layout, &mut sink);
        (result, sink)
    }

    fn read(input: &[u8], layout: &JsonLayout) -> CollectedRecords {
        let (result, sink) = try_read(input, layout);
        assert!(result.is_ok(), "read failed: {result:?}");
        sink
    }

    fn records(sink: &CollectedRecords) -> Vec<&RawRecord> {
        sink.records()
    }

    fn value<'a>(sink: &'a CollectedRecords, index: usize, key: &str) -> Option<&'a str> {
        sink.value(index, key)
    }

    #[test]
    fn adtraction_bare_array() {
        let sink = read(fixture!("adtraction.json"), &document(None));
        assert_eq!(records(&sink).len(), 3);
        assert_eq!(value(&sink, 0, "productPrice"), Some("699"));
        assert_eq!(value(&sink, 0, "oldPrice"), Some("899.00"));
        assert_eq!(value(&sink, 0, "programId"), Some("1234"));
        assert_eq!(value(&sink, 0, "SIZE"), Some("158"));
        assert_eq!(value(&sink, 0, "COLOUR"), Some("Grön"));
        assert_eq!(value(&sink, 0, "inStock"), Some("true"));
        let description = value(&sink, 0, "productDescription");
        assert_eq!(description, Some("Freestyle board.\n\nAll mountain."));
        assert_eq!(value(&sink, 1, "productPrice"), Some("349.50"));
        assert_eq!(value(&sink, 1, "oldPrice"), None);
        assert_eq!(value(&sink, 1, "ean"), None);
        assert_eq!(value(&sink, 1, "inStock"), Some("false"));
        assert_eq!(value(&sink, 2, "productPrice"), Some("1.99e2"));
        assert_eq!(value(&sink, 2, "SIZE"), Some("ONE"));
        let same = read(fixture!("adtraction.json"), &document(Some("list")));
        assert_eq!(
            same.items, sink.items,
            "a root array is the records array whatever the key"
        );
    }

    #[test]
    fn partnerboost_envelope() {
        for layout in [document(Some("list")), document(None)] {
            let sink = read(fixture!("partnerboost.json"), &layout);
            assert_eq!(records(&sink).len(), 3, "{layout:?}");
            assert_eq!(value(&sink, 0, "price"), Some("34.30"));
            assert_eq!(value(&sink, 0, "updated_at"), Some("1710122547"));
            assert_eq!(value(&sink, 0, "description"), Some("n/a"));
            assert_eq!(value(&sink, 0, "tracking_url_smart"), None);
            assert_eq!(value(&sink, 1, "tracking_url"), None);
            assert_eq!(value(&sink, 2, "name"), Some("Linen Scarf – Sand"));
            assert!(sink.names.get("total").is_none());
        }
    }

    #[test]
    fn partnerboost_reported_errors() {
        let (result, sink) = try_read(fixture!("partnerboost-error.json"), &document(Some("list")));
        let Err(FeedError::Reported(message)) = result else {
            panic!("expected a reported error, got {result:?}");
        };
        assert_eq!(message, "partnerboost error 1001: invalid token");
        assert!(sink.items.is_empty());
        let text =
            br#"{"data":{"list":[]},"status":{"code":"1002","msg":"call frequency too high"}}"#;
        for layout in [document(None), document(Some("list"))] {
            let (result, _) = try_read(text, &layout);
            assert!(matches!(result, Err(FeedError::Reported(m)) if m.contains("1002")));
        }
        let other_api = br#"{"status":{"code":"OK"},"items":[{"a":1}]}"#;
        assert_eq!(read(other_api, &document(None)).items.len(), 1);
        let ok = br#"{"status":{"code":"0","msg":"success"},"data":{"total":"0","list":[]}}"#;
        assert!(read(ok, &document(Some("list"))).items.is_empty());
        let null_list = br#"{"status":{"code":0,"msg":"success"},"data":{"list":null}}"#;
        assert!(read(null_list, &document(Some("list"))).items.is_empty());
    }

    #[test]
    fn documents_without_records_are_not_feeds() {
        let cases: [(&[u8], Option<&str>); 6] = [
            (b"{\"a\":1}", None),
            (b"{\"a\":[1,2],\"b\":[[{\"x\":1}]]}", None),
            (b"{\"data\":{\"items\":[{\"a\":1}]}}", Some("list")),
            (b"5", None),
            (b"\"text\"", None),
            (b"null", Some("list")),
        ];
        for (input, key) in cases {
            let (result, _) = try_read(input, &document(key));
            assert!(
                matches!(result, Err(FeedError::NotAFeed(_))),
                "{input:?}: {result:?}"
            );
        }
        assert!(read(b"[]", &document(None)).items.is_empty());
        assert!(read(b" {\"items\": []} ", &document(None)).items.is_empty());
    }

    #[test]
    fn first_array_of_objects_depth_first() {
        let text = br#"{"meta":{"tags":["x"],"pages":[{"p":1}]},"items":[{"a":1}]}"#;
        let sink = read(text, &document(None));
        assert_eq!(records(&sink).len(), 1);
        assert_eq!(value(&sink, 0, "p"), Some("1"));
        let sink = read(text, &document(Some("items")));
        assert_eq!(value(&sink, 0, "a"), Some("1"));
    }

    #[test]
    fn non_object_elements_are_malformed() {
        let sink = read(br#"[{"a":1}, 5, [1], {"a":2}]"#, &document(None));
        assert_eq!(sink.items.len(), 4);
        assert!(
            matches!(&sink.items[1], ReadItem::Malformed { number: 2, message, .. }
            if message.contains("a number"))
        );
        assert!(matches!(
            &sink.items[2],
            ReadItem::Malformed { number: 3, .. }
        ));
        assert_eq!(records(&sink)[1].number, 4);
    }

    #[test]
    fn truncated_and_invalid_documents_fail() {
        let (result, sink) = try_read(br#"[{"a":1},{"a":"#, &document(None));
        assert!(matches!(result, Err(FeedError::Truncated(_))), "{result:?}");
        assert_eq!(sink.items.len(), 1, "records before the cut are delivered");
        let (result, _) = try_read(b"[{\"a\":1}\n {\"a\":2}]", &document(None));
        let Err(FeedError::Json { line, column, .. }) = result else {
            panic!("expected a JSON error, got {result:?}");
        };
        assert_eq!((line, column), (2, 2));
        let (result, _) = try_read(b"[{\"a\":1}] x", &document(None));
        assert!(matches!(result, Err(FeedError::Json { .. })), "{result:?}");
        for empty in [&b""[..], b" \n\t", b"\xEF\xBB\xBF\n"] {
            let (result, _) = try_read(empty, &document(None));
            assert!(matches!(result, Err(FeedError::Empty)), "{result:?}");
            let (result, _) = try_read(empty, &JsonLayout::Lines);
            assert!(matches!(result, Err(FeedError::Empty)), "{result:?}");
        }
        let sink = read(b"\xEF\xBB\xBF[{\"a\":1}]", &document(None));
        assert_eq!(records(&sink).len(), 1);
    }

    #[test]
    fn records_stream_before_the_document_ends() {
        struct Cut;
        impl Read for Cut {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("connection reset"))
            }
        }
        let input = std::io::BufReader::new((&br#"{"list":[{"a":1},{"a":2},"#[..]).chain(Cut));
        let mut sink = CollectedRecords::default();
        let result = read_json(input, &document(Some("list")), &mut sink);
        assert!(matches!(result, Err(FeedError::Io(_))), "{result:?}");
        assert_eq!(records(&sink).len(), 2);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = |levels: usize| {
            let mut text = "{\"a\":".repeat(levels) + "1";
            text.push_str(&"}".repeat(levels));
            text
        };
        let ok = format!("[{}]", deep(60));
        let sink = read(ok.as_bytes(), &document(None));
        assert_eq!(value(&sink, 0, &vec!["a"; 60].join("/")), Some("1"));
        let too_deep = format!("[{},{{\"b\":2}}]", deep(5000));
        for (input, layout) in [
            (too_deep.as_str(), document(None)),
            (&deep(5000), JsonLayout::Lines),
        ] {
            let sink = read(input.as_bytes(), &layout);
            assert!(
                matches!(&sink.items[0], ReadItem::Malformed { number: 1, message, .. }
                if message.contains("levels deep")),
                "{:?}",
                sink.items[0]
            );
        }
        let (result, _) = try_read(deep(5000).as_bytes(), &document(None));
        assert!(matches!(result, Err(FeedError::Json { .. })), "{result:?}");
    }

    #[test]
    fn ndjson_lines() {
        let sink = read(fixture!("offers.ndjson"), &JsonLayout::Lines);
        assert_eq!(sink.items.len(), 5);
        assert!(
            matches!(&sink.items[1], ReadItem::Malformed { number: 2, message, excerpt }
            if message.contains("line 2") && excerpt.contains("A-2"))
        );
        assert_eq!(value(&sink, 0, "price"), Some("29.90"));
        assert_eq!(value(&sink, 0, "stock/qty"), Some("12"));
        let tag_id = sink.names.get("tags");
        let tags = records(&sink)[0]
            .fields()
            .filter(|(id, _)| Some(*id) == tag_id);
        assert_eq!(tags.count(), 2);
        assert_eq!(records(&sink)[1].number, 3);
        assert_eq!(value(&sink, 1, "in_stock"), Some("false"));
        let sink = read(b"\n{\"a\":1}\r\n\n  \n[2]\n{\"a\":3}", &JsonLayout::Lines);
        assert_eq!(sink.items.len(), 3);
        assert!(matches!(
            &sink.items[1],
            ReadItem::Malformed { number: 2, .. }
        ));
        assert_eq!(value(&sink, 1, "a"), Some("3"));
    }

    #[test]
    fn sink_stop_ends_reading() {
        let layouts = [document(None), document(Some("list")), JsonLayout::Lines];
        let inputs: [&[u8]; 3] = [
            b"[{\"a\":1},{\"a\":2}]",
            b"{\"list\":[{\"a\":1},{\"a\":2}]}",
            b"{\"a\":1}\n{\"a\":2}\n",
        ];
        for (layout, input) in layouts.iter().zip(inputs) {
            let mut calls = 0;
            let mut sink = |_: ReadItem, _: &FieldNames| -> Result<(), FeedError> {
                calls += 1;
                Err(FeedError::Stopped)
            };
            let result = read_json(input, layout, &mut sink);
            assert!(
                matches!(result, Err(FeedError::Stopped)),
                "{layout:?}: {result:?}"
            );
            assert_eq!(calls, 1);
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..300)) {
            for layout in [document(None), document(Some("list")), JsonLayout::Lines] {
                let _ = try_read(&input, &layout);
            }
        }

        #[test]
        fn json_like_text_never_panics(input in r#"[\[\]{}:,"\\ a1.e\-ntrulfs\n]{0,200}"#) {
            for layout in [document(None), document(Some("a")), JsonLayout::Lines] {
                let _ = try_read(input.as_bytes(), &layout);
            }
        }
    }
}
