//! A download in progress: bytes streamed to a hidden file in the source's cache directory,
//! hashed (by `feedmill_formats`' [`ContentHasher`], as an ingest hashes files) and counted as
//! they arrive, deleted on drop unless renamed into place.

use crate::error::FetchErrorKind;
use feedmill_formats::input::{ContentHasher, content_hash};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncWriteExt, BufWriter};

/// The start of each download is kept to sniff its type (gzip, ZIP, XML, JSON, CSV).
const HEAD_LEN: usize = 512;

/// A download in progress: written, hashed and counted as it streams.
pub(crate) struct TempFile {
    path: PathBuf,
    writer: BufWriter<tokio::fs::File>,
    hasher: ContentHasher,
    head: Vec<u8>,
    num_bytes: u64,
    persisted: bool,
}

/// A temp file whose bytes are all written and flushed.
pub(crate) struct FinishedFile {
    pub temp: TempFile,
    pub content_hash: String,
    pub num_bytes: u64,
    pub extension: &'static str,
}

impl TempFile {
    pub(crate) async fn create(path: PathBuf) -> Result<TempFile, FetchErrorKind> {
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| FetchErrorKind::io("create", &path, e))?;
        Ok(TempFile {
            path,
            writer: BufWriter::new(file),
            hasher: ContentHasher::new(),
            head: Vec::with_capacity(HEAD_LEN),
            num_bytes: 0,
            persisted: false,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) async fn write(&mut self, bytes: &[u8]) -> Result<(), FetchErrorKind> {
        if self.head.len() < HEAD_LEN {
            let take = (HEAD_LEN - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
        }
        self.hasher.update(bytes);
        self.num_bytes += bytes.len() as u64;
        self.writer
            .write_all(bytes)
            .await
            .map_err(|e| FetchErrorKind::io("write", &self.path, e))
    }

    /// Flushes and syncs the file; returns it with its hash and sniffed extension.
    pub(crate) async fn finish(mut self) -> Result<FinishedFile, FetchErrorKind> {
        self.writer
            .flush()
            .await
            .map_err(|e| FetchErrorKind::io("write", &self.path, e))?;
        self.writer
            .get_ref()
            .sync_all()
            .await
            .map_err(|e| FetchErrorKind::io("sync", &self.path, e))?;
        let content_hash = self.hasher.clone().finish();
        let extension = sniff_extension(&self.head);
        Ok(FinishedFile {
            num_bytes: self.num_bytes,
            content_hash,
            extension,
            temp: self,
        })
    }

    pub(crate) fn head(&self) -> &[u8] {
        &self.head
    }

    pub(crate) async fn persist(mut self, dest: &Path) -> Result<(), FetchErrorKind> {
        tokio::fs::rename(&self.path, dest)
            .await
            .map_err(|e| FetchErrorKind::io("rename into", dest, e))?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The file extension for bytes starting with `head`, by magic bytes and first character.
pub(crate) fn sniff_extension(head: &[u8]) -> &'static str {
    if head.starts_with(&[0x1f, 0x8b]) {
        return "gz";
    }
    if head.starts_with(b"PK\x03\x04") {
        return "zip";
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => "xml",
        Some(b'[' | b'{') => "json",
        _ => "csv",
    }
}

/// Hex SHA-256 of a file, read in blocks (memory stays flat whatever the file's size): the same
/// [`content_hash`] an ingest compares, so a fetched file's hash can stand in for it.
pub(crate) async fn hash_file(path: &Path) -> Result<(String, u64), FetchErrorKind> {
    let owned = path.to_path_buf();
    let result = tokio::task::spawn_blocking(move || -> std::io::Result<(String, u64)> {
        // A missing file fails here, with the path said once (by the caller).
        let num_bytes = std::fs::metadata(&owned)?.len();
        Ok((content_hash(&[&owned])?, num_bytes))
    })
    .await;
    match result {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(e)) => Err(FetchErrorKind::io("read", path, e)),
        Err(join) => Err(FetchErrorKind::io(
            "read",
            path,
            std::io::Error::other(join),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_extensions() {
        assert_eq!(sniff_extension(&[0x1f, 0x8b, 8, 0]), "gz");
        assert_eq!(sniff_extension(b"PK\x03\x04rest"), "zip");
        assert_eq!(sniff_extension(b"\xEF\xBB\xBF<?xml"), "xml");
        assert_eq!(sniff_extension(b"  \n[{\"a\":1}]"), "json");
        assert_eq!(sniff_extension(b"{\"status\":{}}"), "json");
        assert_eq!(sniff_extension(b"aw_product_id,product_name"), "csv");
    }

    /// A download's hash, taken as it streams, is the hash an ingest takes of the file: a
    /// refresh hands it to the ingest, which skips a feed the index holds under that hash.
    #[tokio::test]
    async fn a_download_hashes_as_an_ingest_does() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let mut temp = TempFile::create(dir.path().join(".part")).await?;
        temp.write(b"<rss><channel>").await?;
        temp.write(&[b'x'; 100_000]).await?;
        let finished = temp.finish().await?;
        let written = content_hash(&[finished.temp.path()])?;
        assert_eq!(finished.content_hash, written);
        assert_eq!(finished.num_bytes, 100_014);
        assert_eq!(hash_file(finished.temp.path()).await?, (written, 100_014));
        Ok(())
    }
}
