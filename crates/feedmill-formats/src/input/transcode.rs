//! Streaming readers that turn bytes into UTF-8, in bounded memory.
//!
//! - [`Utf8Repair`] passes valid UTF-8 through untouched and decodes each byte that is not part
//!   of valid UTF-8 as windows-1252, so stray Latin-1 bytes (`ø` = 0xF8) come out as the letters
//!   they were meant to be rather than as U+FFFD.
//! - [`Decode`] runs an `encoding_rs` decoder (UTF-16, a declared legacy encoding).
//!
//! Both implement [`BufRead`] themselves, handing out slices of their own buffers.

use std::io::{self, BufRead, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use encoding_rs::{CoderResult, Decoder, Encoding};

/// Input buffer size of both readers.
const BUF_LEN: usize = 64 * 1024;

/// windows-1252 bytes 0x80–0x9F as WHATWG and `encoding_rs` define them: the five unassigned
/// bytes map to the C1 control of the same number. 0xA0–0xFF are the same as Latin-1.
const WINDOWS_1252_80_9F: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

/// The character a single byte stands for in windows-1252.
pub(super) fn windows_1252(byte: u8) -> char {
    match byte {
        0x80..=0x9F => WINDOWS_1252_80_9F[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// How many bytes a [`Utf8Repair`] decoded as windows-1252, shared with the opener, which turns
/// the count seen in the head into a note; bytes repaired later are logged at end of input.
#[derive(Debug, Default)]
pub(super) struct RepairCount {
    total: AtomicU64,
    noted: AtomicU64,
    /// Set once the opener has turned the head's repairs into a note; an input that ends within
    /// its head (or is refused) is never logged twice.
    head_noted: AtomicBool,
}

impl RepairCount {
    /// The repairs so far, which the caller now reports; later ones are logged at the end.
    pub(super) fn take_for_note(&self) -> u64 {
        let total = self.total.load(Ordering::Relaxed);
        self.noted.store(total, Ordering::Relaxed);
        self.head_noted.store(true, Ordering::Relaxed);
        total
    }

    fn add_one(&self) {
        self.total.fetch_add(1, Ordering::Relaxed);
    }

    fn log_unnoted(&self) {
        if !self.head_noted.load(Ordering::Relaxed) {
            return;
        }
        let total = self.total.load(Ordering::Relaxed);
        if total > self.noted.swap(total, Ordering::Relaxed) {
            tracing::warn!(
                "{total} bytes of the input were not valid UTF-8; read them as windows-1252"
            );
        }
    }
}

/// A repaired character not yet handed out (at most 3 bytes in UTF-8).
#[derive(Debug, Default)]
struct Pending {
    bytes: [u8; 4],
    pos: usize,
    len: usize,
}

impl Pending {
    fn set(&mut self, c: char) {
        self.len = c.encode_utf8(&mut self.bytes).len();
        self.pos = 0;
    }

    fn as_slice(&self) -> &[u8] {
        self.bytes.get(self.pos..self.len).unwrap_or_default()
    }
}

/// UTF-8 with windows-1252 for the bytes that are not UTF-8; see the module doc.
pub(super) struct Utf8Repair<R> {
    inner: R,
    buf: Box<[u8]>,
    /// Unread input is `buf[start..end]`; `buf[start..valid_end]` is known to be valid UTF-8.
    start: usize,
    valid_end: usize,
    end: usize,
    eof: bool,
    pending: Pending,
    count: Arc<RepairCount>,
}

impl<R: Read> Utf8Repair<R> {
    pub(super) fn new(inner: R, count: Arc<RepairCount>) -> Utf8Repair<R> {
        Utf8Repair::with_capacity(inner, count, BUF_LEN)
    }

    /// `capacity` must hold one whole UTF-8 sequence (4 bytes); smaller values are raised to 4.
    fn with_capacity(inner: R, count: Arc<RepairCount>, capacity: usize) -> Utf8Repair<R> {
        Utf8Repair {
            inner,
            buf: vec![0; capacity.max(4)].into_boxed_slice(),
            start: 0,
            valid_end: 0,
            end: 0,
            eof: false,
            pending: Pending::default(),
            count,
        }
    }

    /// Moves the unread bytes (an incomplete sequence at most) to the front and reads more.
    fn refill(&mut self) -> io::Result<()> {
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        self.valid_end = 0;
        let n = read_retrying(&mut self.inner, &mut self.buf[self.end..])?;
        self.end += n;
        self.eof = n == 0;
        Ok(())
    }

    /// Classifies the unread bytes: a valid run, an incomplete sequence needing more input, or
    /// an invalid byte, which is decoded as windows-1252.
    fn advance(&mut self) -> io::Result<()> {
        // Every byte of the feed passes here once: simdutf8 checks 256 KiB chunks several times
        // faster than `std::str::from_utf8`, with the same answer.
        match simdutf8::compat::from_utf8(&self.buf[self.start..self.end]) {
            Ok(_) => self.valid_end = self.end,
            Err(e) if e.valid_up_to() > 0 => self.valid_end = self.start + e.valid_up_to(),
            Err(e) if e.error_len().is_none() && !self.eof => self.refill()?,
            Err(_) => {
                self.pending.set(windows_1252(self.buf[self.start]));
                self.start += 1;
                self.valid_end = self.start;
                self.count.add_one();
            }
        }
        Ok(())
    }
}

impl<R: Read> BufRead for Utf8Repair<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        loop {
            if !self.pending.as_slice().is_empty() {
                return Ok(self.pending.as_slice());
            }
            if self.valid_end > self.start {
                return Ok(&self.buf[self.start..self.valid_end]);
            }
            if self.start == self.end {
                if self.eof {
                    self.count.log_unnoted();
                    return Ok(&[]);
                }
                self.refill()?;
            } else {
                self.advance()?;
            }
        }
    }

    fn consume(&mut self, amt: usize) {
        let pending = self.pending.as_slice().len();
        if pending > 0 {
            self.pending.pos += amt.min(pending);
        } else {
            self.start = (self.start + amt).min(self.valid_end);
        }
    }
}

impl<R: Read> Read for Utf8Repair<R> {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        read_via_buf(self, dst)
    }
}

/// Decodes a legacy encoding or UTF-16 to UTF-8 with `encoding_rs` (malformed input → U+FFFD).
pub(super) struct Decode<R> {
    inner: R,
    decoder: Decoder,
    input: Box<[u8]>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    output: Box<[u8]>,
    out_start: usize,
    out_end: usize,
    done: bool,
}

impl<R: Read> Decode<R> {
    /// A decoder for `encoding`; any BOM must already be skipped.
    pub(super) fn new(inner: R, encoding: &'static Encoding) -> Decode<R> {
        Decode {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; BUF_LEN].into_boxed_slice(),
            in_start: 0,
            in_end: 0,
            eof: false,
            output: vec![0; BUF_LEN].into_boxed_slice(),
            out_start: 0,
            out_end: 0,
            done: false,
        }
    }

    /// Decodes the next piece of input into the (empty) output buffer, reading input as needed.
    fn decode_more(&mut self) -> io::Result<()> {
        if self.in_start == self.in_end && !self.eof {
            let n = read_retrying(&mut self.inner, &mut self.input)?;
            (self.in_start, self.in_end, self.eof) = (0, n, n == 0);
        }
        let input = &self.input[self.in_start..self.in_end];
        let (result, read, written, _) =
            self.decoder
                .decode_to_utf8(input, &mut self.output, self.eof);
        self.in_start += read;
        (self.out_start, self.out_end) = (0, written);
        self.done = self.eof && result == CoderResult::InputEmpty;
        Ok(())
    }
}

impl<R: Read> BufRead for Decode<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.out_start == self.out_end && !self.done {
            self.decode_more()?;
        }
        Ok(&self.output[self.out_start..self.out_end])
    }

    fn consume(&mut self, amt: usize) {
        self.out_start = (self.out_start + amt).min(self.out_end);
    }
}

impl<R: Read> Read for Decode<R> {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        read_via_buf(self, dst)
    }
}

fn read_via_buf(reader: &mut impl BufRead, dst: &mut [u8]) -> io::Result<usize> {
    let src = reader.fill_buf()?;
    let n = src.len().min(dst.len());
    dst[..n].copy_from_slice(&src[..n]);
    reader.consume(n);
    Ok(n)
}

/// One `read`, retried when interrupted.
fn read_retrying(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its bytes `step` at a time, as a slow pipe would.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// The text and repair count, or None if the output is not UTF-8.
    fn repair(bytes: &[u8], capacity: usize, step: usize) -> Option<(String, u64)> {
        let count = Arc::new(RepairCount::default());
        let inner = Trickle { bytes, step };
        let mut reader = Utf8Repair::with_capacity(inner, Arc::clone(&count), capacity);
        let mut out = String::new();
        reader.read_to_string(&mut out).ok()?;
        Some((out, count.take_for_note()))
    }

    #[test]
    fn windows_1252_table_matches_encoding_rs() {
        for byte in 0..=255u8 {
            let bytes = [byte];
            let (expected, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
            assert_eq!(windows_1252(byte).to_string(), expected, "byte {byte:#04x}");
        }
    }

    #[test]
    fn valid_utf8_passes_through() {
        let text = "Tilbehør – 45,00 € 日本 🎉\n".repeat(50);
        assert_eq!(
            repair(text.as_bytes(), BUF_LEN, usize::MAX),
            Some((text, 0))
        );
    }

    #[test]
    fn latin1_bytes_are_decoded_as_windows_1252() {
        let text = "spiraliseringstilbehør æå € \u{9D}".to_owned();
        let bytes = b"spiraliseringstilbeh\xF8r \xE6\xE5 \x80 \x9D";
        assert_eq!(repair(bytes, BUF_LEN, 7), Some((text, 5)));
    }

    #[test]
    fn truncated_sequence_at_the_end_is_repaired_byte_by_byte() {
        assert_eq!(
            repair(b"ab\xE2\x82", BUF_LEN, 1),
            Some(("abâ‚".to_owned(), 2))
        );
    }

    #[test]
    fn multibyte_char_split_across_chunk_boundaries() {
        // "ø" (2 bytes), "€" (3) and "🎉" (4) land on every possible boundary of a 4..9-byte buffer.
        let text = "xøx€xx🎉xøø€€🎉🎉x";
        for capacity in 4..10 {
            for step in 1..6 {
                let got = repair(text.as_bytes(), capacity, step);
                assert_eq!(
                    got,
                    Some((text.to_owned(), 0)),
                    "capacity {capacity}, step {step}"
                );
            }
        }
    }

    #[test]
    fn small_reads_and_buffered_reads_agree() -> io::Result<()> {
        let bytes = b"a\xF8b\xC3\xB8c\xE2\x82\xACd\xFF".repeat(20);
        let expected = repair(&bytes, BUF_LEN, usize::MAX).map(|(text, _)| text.into_bytes());
        let count = Arc::new(RepairCount::default());
        let mut reader = Utf8Repair::with_capacity(&bytes[..], count, 5);
        let mut out = Vec::new();
        let mut one = [0u8; 1];
        while reader.read(&mut one)? == 1 {
            out.push(one[0]);
        }
        assert_eq!(Some(out), expected);
        Ok(())
    }

    #[test]
    fn decode_utf16_in_small_pieces() -> io::Result<()> {
        let text = "Grüße, 日本 🎉\n".repeat(100);
        let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut out = String::new();
        let inner = Trickle {
            bytes: &bytes,
            step: 3,
        };
        Decode::new(inner, encoding_rs::UTF_16LE).read_to_string(&mut out)?;
        assert_eq!(out, text);
        Ok(())
    }

    #[test]
    fn decode_flushes_an_odd_trailing_byte_as_replacement() -> io::Result<()> {
        let mut out = String::new();
        Decode::new(&b"a\0b"[..], encoding_rs::UTF_16LE).read_to_string(&mut out)?;
        assert_eq!(out, "a\u{FFFD}");
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn repair_output_is_utf8_and_independent_of_chunking(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            capacity in 4usize..16,
            step in 1usize..8,
        ) {
            let whole = repair(&bytes, BUF_LEN, usize::MAX);
            proptest::prop_assert!(whole.is_some(), "output is UTF-8");
            proptest::prop_assert_eq!(repair(&bytes, capacity, step), whole.clone());
            if let Ok(text) = std::str::from_utf8(&bytes) {
                proptest::prop_assert_eq!(whole, Some((text.to_owned(), 0)));
            }
        }
    }
}
