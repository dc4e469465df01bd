//! Streaming CSV reader: a header row of column names, then one record per row.
//!
//! Built on the `csv` crate, reading into one reused [`csv::ByteRecord`]; the header cells are
//! interned once, so a row costs only the allocation of its non-empty values. The delimiter is
//! sniffed from the header line when not given (`,` `;` tab `|`), and the quote character is
//! configurable because Adtraction quotes with `'`.
//!
//! Per row: cells are trimmed and empty ones skipped; rows shorter than the header are fine, and
//! empty cells beyond the header (a trailing delimiter, as PrestaShop writes) are ignored, but
//! non-empty cells beyond the header make the row [`ReadItem::Malformed`]. Rows with no
//! non-empty cell at all are not records and are skipped without a number. Invalid UTF-8 is
//! decoded lossily with an `invalid_utf8` warning on the record.

use std::io::{BufRead, Cursor, Read};

use crate::error::FeedError;
use crate::readers::RecordSink;
use crate::record::{FieldId, FieldNames, RawRecord, ReadItem};

/// The delimiters [`sniff_delimiter`] chooses from, in order of preference on a tie.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];
/// The most bytes read to find the header line for sniffing.
const MAX_HEAD: u64 = 1 << 20;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How to split a CSV feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// Field delimiter; None = sniff from the header line among `,` `;` tab `|` (count outside quotes).
    pub delimiter: Option<u8>,
    /// Quote character: b'"' normally, b'\'' for Adtraction's CSV.
    pub quote: u8,
}

impl Default for CsvOptions {
    fn default() -> CsvOptions {
        CsvOptions {
            delimiter: None,
            quote: b'"',
        }
    }
}

/// The delimiter of a CSV header line: the candidate (`,` `;` tab `|`) met most often outside
/// quotes before the end of the line; `,` when none occurs, the earlier candidate on a tie.
pub fn sniff_delimiter(header_line: &[u8], quote: u8) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for &byte in header_line {
        if byte == quote {
            quoted = !quoted;
        } else if !quoted && (byte == b'\n' || byte == b'\r') {
            break;
        } else if !quoted && let Some(i) = DELIMITERS.iter().position(|&d| d == byte) {
            counts[i] += 1;
        }
    }
    let mut best = 0;
    for (i, &count) in counts.iter().enumerate() {
        if count > counts[best] {
            best = i;
        }
    }
    DELIMITERS[best]
}

/// Reads a CSV feed with a header row, handing each data row to `sink` as a record keyed by the
/// trimmed header cells. Fails with [`FeedError::Empty`] on an input without any row, and with
/// [`FeedError::NotAFeed`] when the header row names no column.
pub fn read_csv<R: BufRead>(
    mut input: R,
    options: &CsvOptions,
    sink: &mut dyn RecordSink,
) -> Result<(), FeedError> {
    let head = read_head(&mut input)?;
    if head.is_empty() {
        return Err(FeedError::Empty);
    }
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| sniff_delimiter(&head, options.quote));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .quote(options.quote)
        .double_quote(true)
        .buffer_capacity(64 * 1024)
        .from_reader(Cursor::new(head).chain(input));
    let mut row = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut row)
        .map_err(|e| csv_error(e, 0))?
    {
        return Err(FeedError::Empty);
    }
    let mut names = FieldNames::new();
    let columns = header_ids(&row, &mut names)?;
    let mut number = 0u64;
    loop {
        match reader.read_byte_record(&mut row) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                if let Some(item) = row_item(&row, &columns, &names, &mut number) {
                    sink.accept(item, &names)?;
                }
            }
            Err(err) => {
                number += 1;
                let item = parse_error_item(err, number)?;
                sink.accept(item, &names)?;
            }
        }
    }
}

/// The first non-blank line of the input (at most [`MAX_HEAD`] bytes), without a leading BOM;
/// empty when the input holds nothing but blank lines. The bytes are consumed from `input`.
fn read_head<R: BufRead>(input: &mut R) -> Result<Vec<u8>, FeedError> {
    let mut head = Vec::new();
    loop {
        head.clear();
        let read = input
            .by_ref()
            .take(MAX_HEAD)
            .read_until(b'\n', &mut head)
            .map_err(FeedError::from_read)?;
        if read == 0 {
            return Ok(Vec::new());
        }
        if head.starts_with(UTF8_BOM) {
            head.drain(..UTF8_BOM.len());
        }
        if !head.trim_ascii().is_empty() {
            return Ok(head);
        }
    }
}

/// Interns the header cells: trimmed, a stray BOM removed, an empty cell named `column_N`.
fn header_ids(row: &csv::ByteRecord, names: &mut FieldNames) -> Result<Vec<FieldId>, FeedError> {
    if row.iter().all(|cell| cell.trim_ascii().is_empty()) {
        return Err(FeedError::NotAFeed(
            "the CSV header row names no column".into(),
        ));
    }
    let ids = row
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let text = String::from_utf8_lossy(cell);
            let name = text.trim_start_matches('\u{feff}').trim();
            if name.is_empty() {
                names.intern(&format!("column_{}", i + 1))
            } else {
                names.intern(name)
            }
        })
        .collect();
    Ok(ids)
}

/// Turns one data row into a record (or a malformed item); None for a row of empty cells.
fn row_item(
    row: &csv::ByteRecord,
    columns: &[FieldId],
    names: &FieldNames,
    number: &mut u64,
) -> Option<ReadItem> {
    let filled = row.iter().filter(|c| !c.trim_ascii().is_empty()).count();
    if filled == 0 {
        return None;
    }
    *number += 1;
    let mut record = RawRecord::new(*number);
    record.reserve(filled, row.as_slice().len());
    for (cell, &id) in row.iter().zip(columns) {
        push_cell(&mut record, id, cell, names);
    }
    let extra = row.iter().skip(columns.len());
    if extra.clone().any(|cell| !cell.trim_ascii().is_empty()) {
        let line = row.position().map_or(0, csv::Position::line);
        return Some(ReadItem::Malformed {
            number: *number,
            message: format!(
                "row at line {line} has {} cells but the header has {} columns",
                row.len(),
                columns.len()
            ),
            excerpt: record.excerpt(names),
        });
    }
    Some(ReadItem::Record(record))
}

/// Adds one cell to the record unless it is empty after trimming.
fn push_cell(record: &mut RawRecord, id: FieldId, cell: &[u8], names: &FieldNames) {
    let cell = cell.trim_ascii();
    if cell.is_empty() {
        return;
    }
    match std::str::from_utf8(cell) {
        Ok(text) => {
            let text = text.trim();
            if !text.is_empty() {
                record.push(id, text);
            }
        }
        Err(_) => {
            let text = String::from_utf8_lossy(cell);
            record.warn(
                "invalid_utf8",
                format!("invalid UTF-8 in column {:?}", names.name(id)),
            );
            let text = text.trim();
            if !text.is_empty() {
                record.push(id, text);
            }
        }
    }
}

/// A csv error on a data row: I/O errors fail the feed, anything else costs only the row.
fn parse_error_item(err: csv::Error, number: u64) -> Result<ReadItem, FeedError> {
    if err.is_io_error() {
        return Err(csv_error(err, number));
    }
    Ok(ReadItem::Malformed {
        number,
        message: err.to_string(),
        excerpt: String::new(),
    })
}

/// Maps a csv error to the feed error: I/O through [`FeedError::from_read`].
fn csv_error(err: csv::Error, record: u64) -> FeedError {
    let message = err.to_string();
    match err.into_kind() {
        csv::ErrorKind::Io(io) => FeedError::from_read(io),
        _ => FeedError::Csv { record, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::CollectedRecords;
    use proptest::prelude::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/fixtures/",
                $name
            ))
        };
    }

    fn read_with(input: &[u8], options: &CsvOptions) -> CollectedRecords {
        let mut sink = CollectedRecords::default();
        let result = read_csv(input, options, &mut sink);
        assert!(result.is_ok(), "read failed: {result:?}");
        sink
    }

    fn read(input: &[u8]) -> CollectedRecords {
        read_with(input, &CsvOptions::default())
    }

    fn records(sink: &CollectedRecords) -> Vec<&RawRecord> {
        sink.records()
    }

    fn value<'a>(sink: &'a CollectedRecords, index: usize, key: &str) -> Option<&'a str> {
        sink.value(index, key)
    }

    #[test]
    fn awin_columns_and_values() {
        let sink = read(fixture!("awin.csv"));
        assert_eq!(records(&sink).len(), 4);
        assert_eq!(sink.names.len(), 18);
        let numbers: Vec<u64> = records(&sink).iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4]);
        assert_eq!(
            value(&sink, 0, "product_name"),
            Some("ASICS GT-2160 Damen, weiss")
        );
        assert_eq!(value(&sink, 0, "display_price"), Some("EUR130.00"));
        assert_eq!(value(&sink, 0, "search_price"), Some("130.00"));
        assert_eq!(value(&sink, 0, "product_GTIN"), None);
        assert_eq!(value(&sink, 0, "ean"), Some("4550457535267"));
        let description = value(&sink, 0, "description");
        assert_eq!(
            description,
            Some(r#"Breites, atmungsaktives Mesh; "Pure Silver" Overlays."#)
        );
        let two_lines = value(&sink, 1, "description");
        assert_eq!(
            two_lines,
            Some("Ein Klassiker.\nZweite Zeile der Beschreibung.")
        );
        assert_eq!(value(&sink, 1, "Fashion:size"), Some("44.5"));
        assert_eq!(value(&sink, 2, "search_price"), None);
        assert_eq!(value(&sink, 2, "display_price"), None);
        assert_eq!(value(&sink, 2, "merchant_name"), Some("size?Official DE"));
        assert_eq!(value(&sink, 3, "description"), Some("Leder"));
        assert_eq!(value(&sink, 3, "Fashion:size"), Some("40 2/3"));
    }

    #[test]
    fn google_csv_with_bom_and_crlf() {
        let sink = read(fixture!("google.csv"));
        assert_eq!(records(&sink).len(), 3);
        assert_eq!(sink.names.name(FieldId(0)), "ID");
        assert_eq!(value(&sink, 0, "Price"), Some("55.00 EUR"));
        assert_eq!(value(&sink, 0, "Sale price"), None);
        let title = value(&sink, 1, "Item title");
        assert_eq!(title, Some("Pidžama od organskog pamuka, 1,5–3 godine"));
        assert_eq!(value(&sink, 1, "Sale price"), Some("27.90 EUR"));
        assert_eq!(
            value(&sink, 1, "Item subtitle"),
            Some("Žuta / 1,5–3 godine")
        );
        assert_eq!(value(&sink, 2, "Item title"), Some("Đečja deka Ćup"));
        assert!(records(&sink).iter().all(|r| r.warnings.is_empty()));
    }

    #[test]
    fn google_merchant_tsv() {
        let sink = read(fixture!("google-tsv.tsv"));
        assert_eq!(records(&sink).len(), 3);
        assert_eq!(value(&sink, 0, "title"), Some("Running shoe, blue"));
        assert_eq!(value(&sink, 1, "title"), Some(r#"Trail shoe "Pro""#));
        assert_eq!(value(&sink, 1, "gtin"), None);
        assert_eq!(value(&sink, 2, "price"), Some("4.5 €"));
    }

    #[test]
    fn adtraction_single_quotes() {
        let options = CsvOptions {
            delimiter: Some(b','),
            quote: b'\'',
        };
        let sink = read_with(fixture!("adtraction.csv"), &options);
        assert_eq!(records(&sink).len(), 3);
        assert_eq!(value(&sink, 0, "Name"), Some("Burton Custom, 158"));
        assert_eq!(value(&sink, 0, "Extras"), Some("{SIZE#86 92}{COLOUR#Grön}"));
        assert_eq!(value(&sink, 0, "Price"), Some("699"));
        assert_eq!(value(&sink, 1, "Name"), Some("Kid's jacket"));
        assert_eq!(value(&sink, 1, "OriginalPrice"), None);
        assert_eq!(value(&sink, 2, "Name"), Some("Women's beanie"));
        assert_eq!(value(&sink, 2, "Description"), Some("Mjuk, stickad mössa"));
        assert_eq!(value(&sink, 2, "Extras"), None);
    }

    #[test]
    fn prestashop_semicolons_without_quoting() {
        let sink = read(fixture!("prestashop-semicolon.csv"));
        assert_eq!(sink.items.len(), 3, "trailing `;` is not an extra cell");
        assert_eq!(records(&sink).len(), 3);
        let eans: Vec<_> = (0..3).map(|i| value(&sink, i, "EAN13")).collect();
        assert_eq!(eans, [Some("1234567890123"); 3]);
        assert_eq!(
            value(&sink, 0, "Tags (x,y,z...)"),
            Some("apple, ipod, nano")
        );
        assert_eq!(value(&sink, 2, "Name *"), Some(r#"Say "hi" speaker"#));
        assert_eq!(value(&sink, 2, "Price tax excluded"), Some("35,90"));
        assert_eq!(value(&sink, 2, "Acessories  (x,y,z...)"), Some("1,2"));
        assert_eq!(value(&sink, 2, "Manufacturer"), None);
    }

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c", b'"'), b',');
        assert_eq!(sniff_delimiter(b"a;b;c (x,y)", b'"'), b';');
        assert_eq!(sniff_delimiter(b"id\ttitle\tprice,net", b'"'), b'\t');
        assert_eq!(sniff_delimiter(b"a|b|c\r\nx,y,z,w,v", b'"'), b'|');
        assert_eq!(sniff_delimiter(b"\"a,b,c\";d;e", b'"'), b';');
        assert_eq!(sniff_delimiter(b"'a;b;c',d,e", b'\''), b',');
        assert_eq!(
            sniff_delimiter(b"a,b;c", b'"'),
            b',',
            "a tie prefers the comma"
        );
        assert_eq!(sniff_delimiter(b"single", b'"'), b',');
        assert_eq!(sniff_delimiter(b"", b'"'), b',');
        let sink = read(b"a|b|c\n1|2|3\n");
        assert_eq!(value(&sink, 0, "c"), Some("3"));
    }

    #[test]
    fn extra_cells_make_the_row_malformed() {
        let sink = read(b"a,b,c\n1,2,3\n4,5,6,7\n8,9\n10,11,12,,\n");
        assert_eq!(sink.items.len(), 4);
        let ReadItem::Malformed {
            number, message, ..
        } = &sink.items[1]
        else {
            panic!("expected a malformed row, got {:?}", sink.items[1]);
        };
        assert_eq!(*number, 2);
        assert!(
            message.contains("4 cells") && message.contains("3 columns"),
            "{message}"
        );
        let numbers: Vec<u64> = records(&sink).iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 3, 4]);
        assert_eq!(value(&sink, 1, "b"), Some("9"), "short rows are fine");
        assert_eq!(value(&sink, 1, "c"), None);
    }

    #[test]
    fn skips_empty_cells_and_blank_rows() {
        let sink = read(b"\n\n a , b ,\n 1 ,  , x\n\n,,\n2,\"\",y\n");
        assert_eq!(records(&sink).len(), 2);
        assert_eq!(sink.names.name(FieldId(0)), "a");
        assert_eq!(sink.names.name(FieldId(2)), "column_3");
        let first = records(&sink)[0];
        assert_eq!(first.num_fields(), 2);
        assert_eq!(first.value(&sink.names, "a"), Some("1"));
        assert_eq!(first.value(&sink.names, "column_3"), Some("x"));
        assert_eq!(records(&sink)[1].number, 2);
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily() {
        let sink = read(b"name,price\nK\xf8benhavn,10\n");
        let record = records(&sink)[0];
        assert_eq!(record.value(&sink.names, "name"), Some("K\u{fffd}benhavn"));
        assert_eq!(record.warnings.len(), 1);
        assert_eq!(record.warnings[0].kind, "invalid_utf8");
    }

    #[test]
    fn empty_and_headerless_inputs_fail() {
        let options = CsvOptions::default();
        let mut sink = CollectedRecords::default();
        for input in [&b""[..], b"\xEF\xBB\xBF", b"\n\r\n  \n"] {
            let result = read_csv(input, &options, &mut sink);
            assert!(
                matches!(result, Err(FeedError::Empty)),
                "{input:?}: {result:?}"
            );
        }
        let result = read_csv(&b",,\n1,2,3\n"[..], &options, &mut sink);
        assert!(matches!(result, Err(FeedError::NotAFeed(_))), "{result:?}");
        assert!(sink.items.is_empty());
        let header_only = read(b"a,b\n");
        assert!(header_only.items.is_empty());
    }

    #[test]
    fn sink_stop_ends_reading() {
        let mut calls = 0;
        let mut sink = |_: ReadItem, _: &FieldNames| -> Result<(), FeedError> {
            calls += 1;
            Err(FeedError::Stopped)
        };
        let result = read_csv(&b"a\n1\n2\n3\n"[..], &CsvOptions::default(), &mut sink);
        assert!(matches!(result, Err(FeedError::Stopped)));
        assert_eq!(calls, 1);
    }

    #[test]
    fn read_errors_fail_the_feed() {
        struct Cut;
        impl Read for Cut {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::UnexpectedEof.into())
            }
        }
        let input = std::io::BufReader::new(b"a,b\n1,2\n".chain(Cut));
        let mut sink = CollectedRecords::default();
        let result = read_csv(input, &CsvOptions::default(), &mut sink);
        assert!(matches!(result, Err(FeedError::Truncated(_))), "{result:?}");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..400)) {
            for quote in [b'"', b'\''] {
                let options = CsvOptions { delimiter: None, quote };
                let _ = read_csv(&input[..], &options, &mut CollectedRecords::default());
            }
        }

        #[test]
        fn csv_like_text_never_panics(input in "[ab1,;|\t\"' \r\n\u{feff}é]{0,300}") {
            let mut sink = CollectedRecords::default();
            if read_csv(input.as_bytes(), &CsvOptions::default(), &mut sink).is_ok() {
                for (i, record) in records(&sink).iter().enumerate() {
                    prop_assert!(record.number > i as u64);
                }
            }
        }
    }
}
