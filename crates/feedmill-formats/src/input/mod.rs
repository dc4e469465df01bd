//! Opening a feed: a file or stdin becomes a UTF-8 text stream, whatever its compression and
//! encoding, or a clear error when it is no feed at all.
//!
//! Three stages, each streaming in bounded memory:
//! 1. [`decompress`]: gzip (all members) and ZIP (its one file), recognised by magic bytes; one
//!    more layer inside is undone too (a `.gz` in a `.zip`).
//! 2. [`encoding`]: BOM, an XML declaration checked against the bytes, else UTF-8 with any
//!    non-UTF-8 byte read as windows-1252 (see [`transcode`]).
//! 3. Here: the first [`HEAD_LEN`] bytes of text are kept as [`FeedInput::head`] for format
//!    detection and checked: empty input, an HTML page and binary data are refused.
//!
//! Errors met while reading [`FeedInput::reader`] later (a truncated or corrupt gzip) are
//! `io::Error`s for [`FeedError::from_read`]; they are never a silent end of input.

mod content_hash;
mod decompress;
mod encoding;
mod read_ahead;
mod transcode;

pub use content_hash::{ContentHasher, content_hash};
pub use read_ahead::ReadAhead;

#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::{self, BufRead, Cursor, Read};
use std::path::Path;

use crate::error::FeedError;

/// The most bytes of decoded text kept in [`FeedInput::head`].
pub const HEAD_LEN: usize = 16 * 1024;

/// The compression the input came in (the outer one when there were two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zip,
}

/// An opened feed: UTF-8 text without BOM, ready for format detection and a syntax reader.
pub struct FeedInput {
    /// The first bytes of the decoded UTF-8 text (up to HEAD_LEN = 16 KiB, fewer for short
    /// inputs), for format detection; it ends on a character boundary, so it is valid UTF-8.
    /// `reader` starts at the beginning, including these bytes.
    pub head: Vec<u8>,
    pub reader: Box<dyn BufRead + Send>,
    pub compression: Compression,
    /// The encoding the text was decoded from ("UTF-8", "windows-1252", ...).
    pub encoding: &'static str,
    /// Human notes for stderr, e.g. "declared ISO-8859-1 but the bytes are UTF-8; read as UTF-8".
    pub notes: Vec<String>,
}

impl std::fmt::Debug for FeedInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedInput")
            .field("head", &String::from_utf8_lossy(&self.head))
            .field("compression", &self.compression)
            .field("encoding", &self.encoding)
            .field("notes", &self.notes)
            .finish_non_exhaustive()
    }
}

/// Opens a feed file; `path` "-" means stdin.
pub fn open_input(path: &Path) -> Result<FeedInput, FeedError> {
    if path.as_os_str() == "-" {
        return open_reader(Box::new(io::stdin()));
    }
    let file = File::open(path).map_err(|e| {
        FeedError::Io(io::Error::new(
            e.kind(),
            format!("cannot open {}: {e}", path.display()),
        ))
    })?;
    open_text(decompress::from_file(file)?)
}

/// Same, from any reader (stdin, an HTTP body stream already on disk, a test buffer). A ZIP from
/// a non-seekable reader is spooled to a temporary file first.
pub fn open_reader(reader: Box<dyn Read + Send>) -> Result<FeedInput, FeedError> {
    open_text(decompress::from_reader(reader)?)
}

/// Decodes the decompressed bytes and checks the head of the text.
fn open_text(bytes: decompress::Decompressed) -> Result<FeedInput, FeedError> {
    let (sniff, rest) = read_prefix(bytes.reader)?;
    let complete = sniff.len() < HEAD_LEN;
    let text = encoding::decode(sniff, rest, complete);
    let (head, rest) = read_prefix(text.reader)?;

    let mut notes = bytes.notes;
    notes.extend(text.notes);
    let repaired = text
        .repairs
        .as_ref()
        .map_or(0, |count| count.take_for_note());
    if repaired > 0 {
        let first = HEAD_LEN / 1024;
        notes.push(format!(
            "{repaired} bytes in the first {first} KiB are not valid UTF-8 (Latin-1?); read them as windows-1252"
        ));
    }
    check_text(&head, head.len() < HEAD_LEN)?;

    Ok(FeedInput {
        head: head[..utf8_prefix_len(&head)].to_vec(),
        reader: Box::new(Cursor::new(head).chain(rest)),
        compression: bytes.compression,
        encoding: text.encoding,
        notes,
    })
}

/// Reads up to [`HEAD_LEN`] bytes; returns them and the reader, which continues after them.
fn read_prefix<R: Read>(mut reader: R) -> Result<(Vec<u8>, R), FeedError> {
    let mut prefix = Vec::with_capacity(HEAD_LEN);
    (&mut reader)
        .take(HEAD_LEN as u64)
        .read_to_end(&mut prefix)
        .map_err(FeedError::from_read)?;
    Ok((prefix, reader))
}

/// The length of the longest prefix that is valid UTF-8 (the head may cut a character).
fn utf8_prefix_len(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.len(),
        Err(e) => e.valid_up_to(),
    }
}

/// Refuses text that is no feed: nothing but whitespace (when `complete`, the whole input),
/// an HTML page, or binary data.
fn check_text(head: &[u8], complete: bool) -> Result<(), FeedError> {
    let text = String::from_utf8_lossy(&head[..utf8_prefix_len(head)]);
    let blank = |c: char| c.is_whitespace() || c == '\u{FEFF}';
    if complete && text.chars().all(blank) {
        return Err(FeedError::Empty);
    }
    if let Some(what) = html_page(text.trim_start_matches(blank)) {
        return Err(FeedError::NotAFeed(what));
    }
    if let Some(what) = binary_data(&text) {
        return Err(FeedError::NotAFeed(what));
    }
    Ok(())
}

/// Describes the text if it starts as an HTML page (after an optional XML declaration).
fn html_page(text: &str) -> Option<String> {
    let mut start = text.as_bytes();
    if starts_with_ignore_case(start, b"<?xml") {
        let end = memchr::memmem::find(start, b"?>")?;
        start = start[end + 2..].trim_ascii_start();
    }
    let tag_ends = |rest: &[u8]| {
        rest.first()
            .is_none_or(|&b| b == b'>' || b.is_ascii_whitespace())
    };
    let html = [&b"<!doctype html"[..], b"<html"]
        .iter()
        .any(|tag| starts_with_ignore_case(start, tag) && tag_ends(&start[tag.len()..]));
    if !html {
        return None;
    }
    let why = "the server sent a web page, such as an error or login page, instead of the feed";
    Some(match page_title(text) {
        Some(title) => format!("an HTML page titled \"{title}\" ({why})"),
        None => format!("an HTML page ({why})"),
    })
}

/// The `<title>` of an HTML page, whitespace collapsed, at most 100 characters.
fn page_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let open = memchr::memmem::find(lower.as_bytes(), b"<title")?;
    let start = open + memchr::memchr(b'>', &lower.as_bytes()[open..])? + 1;
    let len = memchr::memmem::find(&lower.as_bytes()[start..], b"</title")?;
    let title = html.get(start..start + len)?;
    let title: String = title.split_whitespace().collect::<Vec<_>>().join(" ");
    (!title.is_empty()).then(|| title.chars().take(100).collect())
}

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// Describes the text if it looks like binary data: a NUL byte, or more than 1 in 32
/// characters that text does not contain (control characters, U+FFFD from undecodable input).
fn binary_data(text: &str) -> Option<String> {
    if text.contains('\0') {
        return Some("binary data (it contains NUL bytes), not a text feed".into());
    }
    let odd = |c: &char| matches!(c, '\u{1}'..='\u{8}' | '\u{E}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{FFFD}');
    let total = text.chars().count();
    let control = text.chars().filter(odd).count();
    (control * 32 > total).then(|| {
        format!("binary data ({control} of the first {total} characters are control characters), not a text feed")
    })
}
