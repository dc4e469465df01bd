//! Chooses how the decompressed bytes become UTF-8, from their first bytes (the "sniff"):
//!
//! 1. A byte-order mark wins: UTF-8 (removed), UTF-16 LE / BE (decoded).
//! 2. No BOM but NUL bytes in every other position: UTF-16 without BOM.
//! 3. An XML declaration `<?xml … encoding="X"?>` is honoured through the `encoding_rs` labels,
//!    unless it lies: a single-byte legacy encoding (ISO-8859-1, windows-1252, …) declared over
//!    bytes that are valid UTF-8 with multi-byte sequences is read as UTF-8, with a note.
//! 4. Otherwise (CSV, JSON, XML declaring UTF-8) the text is UTF-8, and bytes that are not are
//!    decoded as windows-1252 by [`Utf8Repair`].

use std::io::{BufRead, Cursor, Read};
use std::sync::Arc;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use super::transcode::{Decode, RepairCount, Utf8Repair};

/// The decoded text stream and what was decided on the way.
pub(super) struct Text {
    pub reader: Box<dyn BufRead + Send>,
    pub encoding: &'static str,
    pub notes: Vec<String>,
    /// Set when reading through [`Utf8Repair`]; counts the bytes it decoded as windows-1252.
    pub repairs: Option<Arc<RepairCount>>,
}

/// Decodes `sniff` followed by `rest` (the sniff is the first bytes of the same stream).
/// `complete` tells that `rest` is known to be empty (the input ended within the sniff).
pub(super) fn decode(sniff: Vec<u8>, rest: Box<dyn Read + Send>, complete: bool) -> Text {
    let choice = choose(&sniff, complete);
    let mut bytes = Cursor::new(sniff);
    bytes.set_position(choice.bom_len as u64);
    let bytes = bytes.chain(rest);
    let (reader, repairs): (Box<dyn BufRead + Send>, _) = match choice.decoder {
        None => {
            let count = Arc::new(RepairCount::default());
            (
                Box::new(Utf8Repair::new(bytes, Arc::clone(&count))),
                Some(count),
            )
        }
        Some(encoding) => (Box::new(Decode::new(bytes, encoding)), None),
    };
    Text {
        reader,
        encoding: choice.encoding.name(),
        notes: choice.note.into_iter().collect(),
        repairs,
    }
}

/// How to read the text.
#[derive(Debug, PartialEq)]
struct Choice {
    /// The encoding reported to the caller.
    encoding: &'static Encoding,
    /// None: UTF-8 through [`Utf8Repair`]; Some: an `encoding_rs` decoder.
    decoder: Option<&'static Encoding>,
    bom_len: usize,
    note: Option<String>,
}

impl Choice {
    fn utf8() -> Choice {
        Choice {
            encoding: UTF_8,
            decoder: None,
            bom_len: 0,
            note: None,
        }
    }

    fn decoded(encoding: &'static Encoding) -> Choice {
        Choice {
            encoding,
            decoder: Some(encoding),
            bom_len: 0,
            note: None,
        }
    }

    fn with_note(self, note: String) -> Choice {
        Choice {
            note: Some(note),
            ..self
        }
    }
}

fn choose(sniff: &[u8], complete: bool) -> Choice {
    if let Some((encoding, bom_len)) = Encoding::for_bom(sniff) {
        let choice = if encoding == UTF_8 {
            Choice::utf8()
        } else {
            Choice::decoded(encoding)
        };
        return Choice { bom_len, ..choice };
    }
    if let Some(encoding) = utf16_without_bom(sniff) {
        let note = format!(
            "no byte-order mark, but the bytes look like {}",
            encoding.name()
        );
        return Choice::decoded(encoding).with_note(note);
    }
    match declared_encoding(sniff) {
        Some(label) => from_declaration(label, sniff, complete),
        None => Choice::utf8(),
    }
}

/// Honours an XML declaration's `encoding`, unless the bytes contradict it.
fn from_declaration(label: &str, sniff: &[u8], complete: bool) -> Choice {
    let Some(encoding) = Encoding::for_label(label.as_bytes()) else {
        let note =
            format!("the XML declaration names an unknown encoding \"{label}\"; read as UTF-8");
        return Choice::utf8().with_note(note);
    };
    if encoding == UTF_8 {
        return Choice::utf8();
    }
    if encoding == UTF_16LE || encoding == UTF_16BE || encoding == encoding_rs::REPLACEMENT {
        // A declaration we could read as ASCII is not in UTF-16; "replacement" labels name
        // encodings that encoding_rs refuses to decode.
        let note = format!("declared {label} but the bytes are not; read as UTF-8");
        return Choice::utf8().with_note(note);
    }
    if !encoding.is_single_byte() {
        return Choice::decoded(encoding);
    }
    match utf8_evidence(sniff, complete) {
        Evidence::MultiByte => {
            let note = format!("declared {label} but the bytes are UTF-8; read as UTF-8");
            Choice::utf8().with_note(note)
        }
        // Nothing to judge by yet: read UTF-8 with windows-1252 for the other bytes, which is
        // windows-1252 for real Latin-1 text and right for UTF-8 text under a lying declaration.
        Evidence::AsciiOnly if encoding == WINDOWS_1252 => Choice {
            encoding,
            ..Choice::utf8()
        },
        Evidence::AsciiOnly | Evidence::NotUtf8 => Choice::decoded(encoding),
    }
}

#[derive(Debug, PartialEq)]
enum Evidence {
    AsciiOnly,
    /// Valid UTF-8 with at least one multi-byte sequence.
    MultiByte,
    NotUtf8,
}

/// What the bytes say about UTF-8. A sequence cut by the end of the sniff counts as valid
/// unless the input ended there (`complete`).
fn utf8_evidence(bytes: &[u8], complete: bool) -> Evidence {
    let valid = match std::str::from_utf8(bytes) {
        Ok(text) => text.len(),
        Err(e) if e.error_len().is_none() && !complete => e.valid_up_to(),
        Err(_) => return Evidence::NotUtf8,
    };
    if bytes[..valid].is_ascii() {
        Evidence::AsciiOnly
    } else {
        Evidence::MultiByte
    }
}

/// The label in an XML declaration at the start, e.g. `ISO-8859-1`.
fn declared_encoding(bytes: &[u8]) -> Option<&str> {
    let decl = bytes.trim_ascii_start().strip_prefix(b"<?xml")?;
    if !decl.first()?.is_ascii_whitespace() {
        return None; // `<?xml-stylesheet …?>` and the like
    }
    let decl = &decl[..memchr::memmem::find(decl, b"?>")?];
    let after = &decl[memchr::memmem::find(decl, b"encoding")? + b"encoding".len()..];
    let value = after
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let (&quote, value) = value.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let label = &value[..memchr::memchr(quote, value)?];
    std::str::from_utf8(label).ok().map(str::trim)
}

/// UTF-16 without a BOM: in the first bytes, NULs at nearly every odd (LE) or even (BE)
/// position and almost none at the others, as ASCII text in UTF-16 has.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(1024) & !1];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let zeros = |offset: usize| {
        sample
            .iter()
            .skip(offset)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros(0), zeros(1));
    let most = |n: usize| n * 10 >= pairs * 9;
    let few = |n: usize| n * 10 <= pairs;
    if most(odd) && few(even) {
        Some(UTF_16LE)
    } else if most(even) && few(odd) {
        Some(UTF_16BE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_declared_label() {
        let decl = |s: &str| declared_encoding(s.as_bytes()).map(str::to_owned);
        assert_eq!(
            decl("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>").as_deref(),
            Some("ISO-8859-1")
        );
        assert_eq!(
            decl("\n <?xml version='1.0' encoding = 'utf-8' ?>").as_deref(),
            Some("utf-8")
        );
        assert_eq!(decl("<?xml version=\"1.0\"?><a encoding=\"x\"/>"), None);
        assert_eq!(decl("<?xml-stylesheet href=\"a\" encoding=\"x\"?>"), None);
        assert_eq!(decl("<?xml encoding=latin1?>"), None);
        assert_eq!(decl("<?xml encoding=\"latin1"), None);
        assert_eq!(decl("id,title\n"), None);
    }

    #[test]
    fn single_byte_declarations_against_the_bytes() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xF8</a>";
        assert_eq!(choose(latin1, true), Choice::decoded(WINDOWS_1252));

        let utf8 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>ø</a>";
        let choice = choose(utf8.as_bytes(), true);
        assert_eq!((choice.encoding, choice.decoder), (UTF_8, None));
        let note = choice.note.unwrap_or_default();
        assert!(
            note.contains("declared ISO-8859-1 but the bytes are UTF-8"),
            "{note}"
        );

        let ascii = b"<?xml version=\"1.0\" encoding=\"latin1\"?><a>x</a>";
        assert_eq!(
            choose(ascii, true),
            Choice {
                encoding: WINDOWS_1252,
                ..Choice::utf8()
            }
        );

        let latin2 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-2\"?><a>x</a>";
        assert_eq!(
            choose(latin2, true),
            Choice::decoded(encoding_rs::ISO_8859_2)
        );
    }

    #[test]
    fn a_sequence_cut_by_the_sniff_end_is_only_invalid_at_the_end_of_input() {
        assert_eq!(utf8_evidence("aø".as_bytes(), true), Evidence::MultiByte);
        assert_eq!(utf8_evidence(b"a\xC3\xB8\xC3", false), Evidence::MultiByte);
        assert_eq!(utf8_evidence(b"a\xC3\xB8\xC3", true), Evidence::NotUtf8);
        assert_eq!(utf8_evidence(b"a\xC3", false), Evidence::AsciiOnly);
    }

    #[test]
    fn boms_and_bomless_utf16() {
        assert_eq!(choose(b"\xEF\xBB\xBFid", true).bom_len, 3);
        assert_eq!(choose(b"\xFF\xFEi\0d\0", true).decoder, Some(UTF_16LE));
        assert_eq!(choose(b"\xFE\xFF\0i\0d", true).decoder, Some(UTF_16BE));
        assert_eq!(choose(b"<\0?\0x\0m\0l\0", true).decoder, Some(UTF_16LE));
        assert_eq!(choose(b"\0<\0?\0x\0m\0l", true).decoder, Some(UTF_16BE));
        assert_eq!(choose(b"\0\0\0\0\0\0", true).decoder, None);
    }

    #[test]
    fn odd_declarations_fall_back_to_utf8_with_a_note() {
        for label in ["klingon", "UTF-16", "iso-2022-kr"] {
            let decl = format!("<?xml version=\"1.0\" encoding=\"{label}\"?><a/>");
            let choice = choose(decl.as_bytes(), true);
            assert_eq!((choice.encoding, choice.decoder), (UTF_8, None), "{label}");
            assert!(choice.note.is_some(), "{label}");
        }
        let sjis = b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a/>";
        assert_eq!(choose(sjis, true).decoder, Some(encoding_rs::SHIFT_JIS));
    }
}
