//! End-to-end tests of [`open_input`] and [`open_reader`]; compressed fixtures are built here.

use std::io::{Read, Write};

use flate2::write::GzEncoder;
use proptest::prelude::*;
use zip::write::SimpleFileOptions;

use super::*;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

const FEED: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<products><product><name>Tilbehør</name></product></products>\n";

fn open_bytes(bytes: impl Into<Vec<u8>>) -> Result<FeedInput, FeedError> {
    open_reader(Box::new(Cursor::new(bytes.into())))
}

fn read_all(input: FeedInput) -> TestResult<String> {
    let mut text = String::new();
    let mut reader = input.reader;
    reader.read_to_string(&mut text)?;
    Ok(text)
}

fn gzip(bytes: &[u8]) -> TestResult<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

/// A ZIP with the given entries (a name ending in `/` is a directory). `streaming` writes it
/// without seeking, so sizes and CRCs are only in data descriptors after each entry.
fn zip(entries: &[(&str, &[u8])], streaming: bool) -> TestResult<Vec<u8>> {
    fn write_entries<W: Write + std::io::Seek>(
        zip: &mut zip::ZipWriter<W>,
        entries: &[(&str, &[u8])],
    ) -> TestResult {
        let options = SimpleFileOptions::default();
        for (name, bytes) in entries {
            if let Some(dir) = name.strip_suffix('/') {
                zip.add_directory(dir, options)?;
            } else {
                zip.start_file(*name, options)?;
                zip.write_all(bytes)?;
            }
        }
        Ok(())
    }
    if streaming {
        let mut zip = zip::ZipWriter::new_stream(Vec::new());
        write_entries(&mut zip, entries)?;
        Ok(zip.finish()?.into_inner())
    } else {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        write_entries(&mut zip, entries)?;
        Ok(zip.finish()?.into_inner())
    }
}

fn temp_file_with(bytes: &[u8]) -> TestResult<tempfile::NamedTempFile> {
    let mut file = tempfile::NamedTempFile::new()?;
    file.write_all(bytes)?;
    Ok(file)
}

#[test]
fn plain_text_passes_through() -> TestResult {
    let input = open_bytes(FEED)?;
    assert_eq!(input.head, FEED.as_bytes());
    assert_eq!(
        (input.compression, input.encoding),
        (Compression::None, "UTF-8")
    );
    assert!(input.notes.is_empty());
    assert_eq!(read_all(input)?, FEED);
    Ok(())
}

#[test]
fn the_head_is_16_kib_and_the_reader_starts_before_it() -> TestResult {
    let text = "id;titel\n".to_owned() + &"1;spiraliseringstilbehør\n".repeat(2000);
    let input = open_bytes(text.clone())?;
    assert!(input.head.len() <= HEAD_LEN && input.head.len() >= HEAD_LEN - 3);
    assert!(std::str::from_utf8(&input.head).is_ok());
    assert_eq!(read_all(input)?, text);
    Ok(())
}

#[test]
fn gzip_file_is_decompressed() -> TestResult {
    let file = temp_file_with(&gzip(FEED.as_bytes())?)?;
    let input = open_input(file.path())?;
    assert_eq!(input.compression, Compression::Gzip);
    assert_eq!(read_all(input)?, FEED);
    Ok(())
}

#[test]
fn multi_member_gzip_is_read_to_the_end() -> TestResult {
    let mut bytes = gzip(b"id,title\n1,first\n")?;
    bytes.extend(gzip(b"2,second\n")?);
    assert_eq!(
        read_all(open_bytes(bytes)?)?,
        "id,title\n1,first\n2,second\n"
    );
    Ok(())
}

#[test]
fn zip_in_a_file_and_from_a_stream() -> TestResult {
    let bytes = zip(
        &[
            ("feeds/", b""),
            ("__MACOSX/feeds/._feed.xml", b"junk"),
            ("feeds/feed.xml", FEED.as_bytes()),
        ],
        false,
    )?;
    let file = temp_file_with(&bytes)?;
    for input in [open_input(file.path())?, open_bytes(bytes)?] {
        assert_eq!(input.compression, Compression::Zip);
        assert!(input.notes.is_empty(), "{:?}", input.notes);
        assert_eq!(read_all(input)?, FEED);
    }
    Ok(())
}

#[test]
fn zip_entry_with_a_data_descriptor() -> TestResult {
    let bytes = zip(&[("feed.xml", FEED.as_bytes())], true)?;
    assert_ne!(
        bytes[6] & 0x08,
        0,
        "the fixture must set the data-descriptor flag"
    );
    assert_eq!(
        u32::from_le_bytes([bytes[18], bytes[19], bytes[20], bytes[21]]),
        0,
        "no size in the local header"
    );
    assert_eq!(read_all(open_bytes(bytes)?)?, FEED);
    Ok(())
}

#[test]
fn zip_with_several_files_reads_the_largest_with_a_note() -> TestResult {
    let bytes = zip(
        &[
            ("readme.txt", b"hello"),
            ("feed.xml", FEED.as_bytes()),
            ("small.csv", b"a,b\n"),
        ],
        false,
    )?;
    let input = open_bytes(bytes)?;
    assert_eq!(input.notes.len(), 1);
    assert!(
        input.notes[0].contains("3 files") && input.notes[0].contains("feed.xml"),
        "{:?}",
        input.notes
    );
    assert_eq!(read_all(input)?, FEED);
    Ok(())
}

#[test]
fn gzip_inside_zip() -> TestResult {
    let bytes = zip(&[("feed.xml.gz", &gzip(FEED.as_bytes())?)], false)?;
    let input = open_bytes(bytes)?;
    assert_eq!(input.compression, Compression::Zip);
    assert!(input.notes[0].contains("gzip"), "{:?}", input.notes);
    assert_eq!(read_all(input)?, FEED);
    Ok(())
}

#[test]
fn zips_that_hold_no_feed_are_refused() -> TestResult {
    let empty = zip(&[], false)?;
    let only_dirs = zip(&[("a/", b""), ("__MACOSX/._x", b"x")], false)?;
    let xlsx = zip(
        &[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<workbook/>"),
        ],
        false,
    )?;
    let mut truncated = zip(&[("feed.xml", FEED.as_bytes())], false)?;
    truncated.truncate(truncated.len() - 10);
    for (bytes, expected) in [
        (empty, "no file"),
        (only_dirs, "no file"),
        (xlsx, "Office"),
        (truncated, "cannot be opened"),
    ] {
        match open_bytes(bytes) {
            Err(FeedError::NotAFeed(message)) => assert!(message.contains(expected), "{message}"),
            other => panic!("expected NotAFeed({expected}), got {other:?}"),
        }
    }
    Ok(())
}

#[test]
fn utf8_bom_is_removed() -> TestResult {
    let input = open_bytes([b"\xEF\xBB\xBF".as_slice(), FEED.as_bytes()].concat())?;
    assert_eq!(input.head, FEED.as_bytes());
    assert_eq!(read_all(input)?, FEED);
    Ok(())
}

#[test]
fn utf16_le_with_bom_is_decoded() -> TestResult {
    let text = "id\ttitle\n1\tGrüße 🎉\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let input = open_bytes(bytes)?;
    assert_eq!(input.encoding, "UTF-16LE");
    assert_eq!(read_all(input)?, text);
    Ok(())
}

#[test]
fn real_latin1_under_an_iso_8859_1_declaration() -> TestResult {
    let bytes = b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<p>spiraliseringstilbeh\xF8r \xE6 \xE5</p>\n";
    let input = open_bytes(&bytes[..])?;
    assert_eq!(input.encoding, "windows-1252");
    assert!(input.notes.is_empty(), "{:?}", input.notes);
    assert!(read_all(input)?.contains("<p>spiraliseringstilbehør æ å</p>"));
    Ok(())
}

#[test]
fn a_lying_iso_8859_1_declaration_over_utf8_bytes() -> TestResult {
    let text =
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<p>spiraliseringstilbehør æ å €</p>\n";
    let input = open_bytes(text)?;
    assert_eq!(input.encoding, "UTF-8");
    assert!(
        input.notes[0].contains("declared ISO-8859-1 but the bytes are UTF-8"),
        "{:?}",
        input.notes
    );
    assert_eq!(read_all(input)?, text);
    Ok(())
}

#[test]
fn a_lying_declaration_whose_first_16_kib_are_ascii() -> TestResult {
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<a>{}</a><p>tilbehør</p>",
        "x".repeat(HEAD_LEN)
    );
    assert!(
        read_all(open_bytes(text.clone())?)? == text,
        "no mojibake after the head"
    );
    Ok(())
}

#[test]
fn latin1_bytes_without_a_declaration_are_repaired() -> TestResult {
    let input = open_bytes(&b"id;navn\n1;Tilbeh\xF8r til k\xF8kken\n2;Bl\xE5\n"[..])?;
    assert_eq!(input.encoding, "UTF-8");
    assert!(input.notes[0].starts_with("3 bytes"), "{:?}", input.notes);
    assert_eq!(read_all(input)?, "id;navn\n1;Tilbehør til køkken\n2;Blå\n");
    Ok(())
}

#[test]
fn empty_and_blank_inputs_are_empty() -> TestResult {
    for bytes in [
        &b""[..],
        b" \r\n\t\n",
        b"\xEF\xBB\xBF",
        b"\xFF\xFE",
        b"\xEF\xBB\xBF\n\n",
    ] {
        assert!(
            matches!(open_bytes(bytes), Err(FeedError::Empty)),
            "{bytes:?}"
        );
    }
    assert!(matches!(open_bytes(gzip(b"")?), Err(FeedError::Empty)));
    let file = temp_file_with(b"")?;
    assert!(matches!(open_input(file.path()), Err(FeedError::Empty)));
    Ok(())
}

#[test]
fn html_pages_are_refused_with_their_title() -> TestResult {
    let pages = [
        "\n<!DOCTYPE html>\n<html><head><title>404 Not\n  Found</title></head><body>nope</body></html>",
        "<HTML lang=\"en\"><body>Please log in</body></HTML>",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\"><html/>",
    ];
    for page in pages {
        match open_bytes(page) {
            Err(FeedError::NotAFeed(message)) => {
                assert!(message.starts_with("an HTML page"), "{message}")
            }
            other => panic!("expected an HTML error, got {other:?}"),
        }
    }
    let Err(FeedError::NotAFeed(message)) = open_bytes(pages[0]) else {
        unreachable!()
    };
    assert!(message.contains("titled \"404 Not Found\""), "{message}");
    assert!(open_bytes("<htmlfeed><item/></htmlfeed>").is_ok());
    Ok(())
}

#[test]
fn binary_junk_is_refused() -> TestResult {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0".to_vec();
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 1)
        .collect();
    for bytes in [png, noise, gzip(&[0u8; 100])?] {
        match open_bytes(bytes) {
            Err(FeedError::NotAFeed(message)) => {
                assert!(message.starts_with("binary data"), "{message}")
            }
            other => panic!("expected binary data, got {other:?}"),
        }
    }
    let xz = b"\xFD7zXZ\0\0\x04\xE6\xD6\xB4\x46".to_vec();
    assert!(matches!(open_bytes(xz), Err(FeedError::NotAFeed(m)) if m.contains("xz")));
    Ok(())
}

/// The error opening or reading `bytes` to the end; panics if both succeed.
fn error_of(bytes: &[u8]) -> FeedError {
    let input = match open_bytes(bytes) {
        Err(error) => return error,
        Ok(input) => input,
    };
    let mut reader = input.reader;
    match reader.read_to_end(&mut Vec::new()) {
        Err(e) => FeedError::from_read(e),
        Ok(n) => panic!("read {n} bytes to a silent end"),
    }
}

#[test]
fn truncated_gzip_is_an_error_wherever_it_is_cut() -> TestResult {
    let text = "id,title\n".to_owned() + &"42,a product title that compresses\n".repeat(3000);
    let bytes = gzip(text.as_bytes())?;
    for cut in 2..bytes.len() {
        let error = error_of(&bytes[..cut]);
        assert!(
            matches!(error, FeedError::Truncated(_)),
            "cut at {cut}: {error:?}"
        );
    }
    Ok(())
}

#[test]
fn corrupt_gzip_is_not_a_feed() -> TestResult {
    for text in [FEED.to_owned(), FEED.repeat(1000)] {
        let mut bytes = gzip(text.as_bytes())?;
        let len = bytes.len();
        bytes[len - 6] ^= 0xFF; // the CRC
        let error = error_of(&bytes);
        assert!(matches!(error, FeedError::NotAFeed(_)), "{error:?}");
    }
    Ok(())
}

#[test]
fn a_missing_file_names_its_path() -> TestResult {
    let error = open_input(Path::new("/nonexistent/feed.xml"))
        .err()
        .ok_or("opened")?;
    assert!(
        error.to_string().contains("/nonexistent/feed.xml"),
        "{error}"
    );
    Ok(())
}

fn read_to_end_without_panic(bytes: Vec<u8>) {
    if let Ok(input) = open_bytes(bytes) {
        let mut reader = input.reader;
        let mut text = Vec::new();
        if reader.read_to_end(&mut text).is_ok() {
            assert!(std::str::from_utf8(&text).is_ok());
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
        read_to_end_without_panic(bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_magic_never_panic(
        magic in prop::sample::select(vec![&b"\x1F\x8B"[..], b"\x1F\x8B\x08\0", b"PK\x03\x04", b"PK\x05\x06", b"\xFF\xFE", b"\xEF\xBB\xBF", b"<?xml encoding=\"latin1\"?>"]),
        tail in proptest::collection::vec(any::<u8>(), 0..2000),
    ) {
        read_to_end_without_panic([magic, &tail].concat());
    }

    #[test]
    fn damaged_gzip_and_zip_never_panic(
        text in "[a-zø,;\n]{0,300}",
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        use_zip in any::<bool>(),
    ) {
        let bytes = if use_zip { zip(&[("f.csv", text.as_bytes())], false) } else { gzip(text.as_bytes()) };
        let mut bytes = bytes.map_err(|e| TestCaseError::fail(e.to_string()))?;
        for (index, value) in flips {
            let at = index.index(bytes.len());
            bytes[at] = value;
        }
        read_to_end_without_panic(bytes);
    }

    #[test]
    fn utf8_text_comes_out_unchanged(text in "[^\u{0}-\u{1F}\u{7F}-\u{9F}]{1,400}") {
        if let Ok(input) = open_bytes(text.clone()) {
            let out = read_all(input).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(out, text.strip_prefix('\u{FEFF}').unwrap_or(&text));
        }
    }
}
