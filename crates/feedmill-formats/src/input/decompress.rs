//! Undoes gzip and ZIP compression, recognised by magic bytes, never by file name.
//!
//! gzip is decoded as a stream ([`MultiGzDecoder`], all members). A ZIP is read through its
//! central directory (entries whose sizes are only in a data descriptor are fine) and its single
//! file is extracted to an anonymous temporary file, which is deleted when the reader is dropped.
//! A ZIP that is not a regular file (stdin, a pipe) is spooled to another temporary file first.
//! After one layer the magic is checked once more, for a `.gz` inside a `.zip` and the like.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek};

use flate2::read::MultiGzDecoder;
use zip::ZipArchive;

use super::Compression;
use crate::error::FeedError;

/// Bytes read to recognise a format.
const MAGIC_LEN: u64 = 16;

/// Formats we recognise but do not read; named in the error.
const UNSUPPORTED: [(&[u8], &str); 6] = [
    (b"\xFD7zXZ\0", "xz-compressed data"),
    (b"\x28\xB5\x2F\xFD", "zstd-compressed data"),
    (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
    (b"Rar!\x1A\x07", "a RAR archive"),
    (
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        "an old Office document (xls/doc)",
    ),
    (b"%PDF-", "a PDF document"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Magic {
    Gzip,
    Zip,
}

impl Magic {
    fn of(prefix: &[u8]) -> Option<Magic> {
        if prefix.starts_with(b"\x1F\x8B") {
            Some(Magic::Gzip)
        } else if prefix.starts_with(b"PK\x03\x04") || prefix.starts_with(b"PK\x05\x06") {
            Some(Magic::Zip) // a local file header, or the end record of an empty archive
        } else {
            None
        }
    }

    fn compression(self) -> Compression {
        match self {
            Magic::Gzip => Compression::Gzip,
            Magic::Zip => Compression::Zip,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Magic::Gzip => "gzip",
            Magic::Zip => "ZIP",
        }
    }
}

/// The decompressed byte stream.
pub(super) struct Decompressed {
    pub reader: Box<dyn Read + Send>,
    pub compression: Compression,
    pub notes: Vec<String>,
}

/// Decompresses a file; a ZIP in a regular file is read in place, without spooling.
pub(super) fn from_file(mut file: File) -> Result<Decompressed, FeedError> {
    if file.metadata()?.is_file() {
        let mut prefix = Vec::new();
        (&mut file).take(MAGIC_LEN).read_to_end(&mut prefix)?;
        file.rewind()?;
        if Magic::of(&prefix) == Some(Magic::Zip) {
            let mut notes = Vec::new();
            let inner = unzip(BufReader::new(file), &mut notes)?;
            return inner_layer(Magic::Zip, inner, notes);
        }
    }
    from_reader(Box::new(file))
}

/// Decompresses any byte stream.
pub(super) fn from_reader(reader: Box<dyn Read + Send>) -> Result<Decompressed, FeedError> {
    let (magic, reader) = peek_magic(reader)?;
    let Some(outer) = magic else {
        return Ok(Decompressed {
            reader,
            compression: Compression::None,
            notes: Vec::new(),
        });
    };
    let mut notes = Vec::new();
    let inner = undo(outer, reader, &mut notes)?;
    inner_layer(outer, inner, notes)
}

/// Undoes a second layer if there is one (no third: a feed is not a matryoshka).
fn inner_layer(
    outer: Magic,
    reader: Box<dyn Read + Send>,
    mut notes: Vec<String>,
) -> Result<Decompressed, FeedError> {
    let (magic, mut reader) = peek_magic(reader)?;
    if let Some(inner) = magic {
        notes.push(format!(
            "the {} content is itself {}-compressed; decompressed it too",
            outer.name(),
            inner.name()
        ));
        reader = undo(inner, reader, &mut notes)?;
    }
    Ok(Decompressed {
        reader,
        compression: outer.compression(),
        notes,
    })
}

fn undo(
    magic: Magic,
    reader: Box<dyn Read + Send>,
    notes: &mut Vec<String>,
) -> Result<Box<dyn Read + Send>, FeedError> {
    match magic {
        Magic::Gzip => Ok(Box::new(MultiGzDecoder::new(reader))),
        Magic::Zip => unzip(BufReader::new(spool(reader)?), notes),
    }
}

/// Reads the first bytes and gives them back in front of the rest; rejects formats we know
/// but do not read.
fn peek_magic(
    mut reader: Box<dyn Read + Send>,
) -> Result<(Option<Magic>, Box<dyn Read + Send>), FeedError> {
    let mut prefix = Vec::new();
    (&mut reader)
        .take(MAGIC_LEN)
        .read_to_end(&mut prefix)
        .map_err(FeedError::from_read)?;
    if let Some(what) = unsupported(&prefix) {
        let hint = "only gzip and ZIP compression and text feeds are supported";
        return Err(FeedError::NotAFeed(format!("{what} ({hint})")));
    }
    let magic = Magic::of(&prefix);
    Ok((magic, Box::new(io::Cursor::new(prefix).chain(reader))))
}

fn unsupported(prefix: &[u8]) -> Option<&'static str> {
    let bzip2 = prefix.starts_with(b"BZh")
        && prefix
            .get(3)
            .is_some_and(|level| (b'1'..=b'9').contains(level))
        && prefix.get(4..10) == Some(&b"1AY&SY"[..]);
    if bzip2 {
        return Some("bzip2-compressed data");
    }
    let known = UNSUPPORTED
        .iter()
        .find(|(magic, _)| prefix.starts_with(magic));
    known.map(|(_, what)| *what)
}

/// Copies a stream to an anonymous temporary file, rewound, so the ZIP reader can seek.
fn spool(mut reader: impl Read) -> Result<File, FeedError> {
    let mut file = tempfile::tempfile()?;
    copy_all(&mut reader, &mut file)?;
    file.rewind()?;
    Ok(file)
}

fn copy_all(reader: &mut impl Read, file: &mut File) -> Result<(), FeedError> {
    let mut writer = BufWriter::with_capacity(64 * 1024, file);
    io::copy(reader, &mut writer).map_err(FeedError::from_read)?;
    writer
        .into_inner()
        .map_err(|e| FeedError::Io(e.into_error()))?;
    Ok(())
}

/// Extracts the feed file of a ZIP to a temporary file and returns it, rewound.
fn unzip<R: Read + Seek>(
    source: R,
    notes: &mut Vec<String>,
) -> Result<Box<dyn Read + Send>, FeedError> {
    let mut archive = ZipArchive::new(source)
        .map_err(|e| FeedError::NotAFeed(format!("a ZIP archive that cannot be opened ({e})")))?;
    let index = pick_entry(&archive, notes)?;
    let mut entry = archive
        .by_index(index)
        .map_err(|e| FeedError::NotAFeed(format!("a ZIP entry that cannot be read ({e})")))?;
    let mut file = tempfile::tempfile()?;
    copy_all(&mut entry, &mut file)?;
    file.rewind()?;
    Ok(Box::new(file))
}

/// The index of the file to read: the only file, or the largest one with a note. Directories
/// and macOS metadata are skipped; an Office document is refused.
fn pick_entry<R: Read + Seek>(
    archive: &ZipArchive<R>,
    notes: &mut Vec<String>,
) -> Result<usize, FeedError> {
    let mut best: Option<(usize, String, u64)> = None;
    let mut files = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_data(index)
            .map_err(|e| FeedError::NotAFeed(format!("a damaged ZIP directory ({e})")))?;
        let name = match entry.name() {
            Ok(name) => name.into_owned(),
            Err(_) => String::from_utf8_lossy(entry.name_raw()).into_owned(),
        };
        if name == "[Content_Types].xml" || (index == 0 && name == "mimetype") {
            let what = "an Office document (xlsx/docx/ods), not a feed; export it as CSV";
            return Err(FeedError::NotAFeed(what.into()));
        }
        if entry.is_dir() || is_metadata(&name) {
            continue;
        }
        files += 1;
        if best
            .as_ref()
            .is_none_or(|(_, _, size)| entry.size() > *size)
        {
            best = Some((index, name, entry.size()));
        }
    }
    let Some((index, name, size)) = best else {
        return Err(FeedError::NotAFeed(
            "a ZIP archive with no file in it".into(),
        ));
    };
    if files > 1 {
        notes.push(format!(
            "the ZIP archive holds {files} files; read the largest, {name} ({size} bytes)"
        ));
    }
    Ok(index)
}

/// Files that archivers add beside the real content.
fn is_metadata(name: &str) -> bool {
    let file_name = name.rsplit('/').next().unwrap_or(name);
    name.starts_with("__MACOSX/") || name.contains("/__MACOSX/") || file_name == ".DS_Store"
}
