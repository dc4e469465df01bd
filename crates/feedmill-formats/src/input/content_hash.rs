//! [`content_hash`]: the identity of a feed's bytes, so that an unchanged feed is recognised
//! before any of it is parsed (`feedmill ingest` and `refresh` skip it). [`ContentHasher`] is
//! the one implementation: files are hashed through it here, and a download is hashed through
//! it as it streams (`feedmill-fetch`), so both give the same hash for the same bytes.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// SHA-256 over bytes fed in any number of pieces, written as lower-case hex.
#[derive(Debug, Clone, Default)]
pub struct ContentHasher {
    sha256: Sha256,
}

impl ContentHasher {
    pub fn new() -> ContentHasher {
        ContentHasher::default()
    }

    /// The hash of `bytes` alone.
    pub fn of(bytes: &[u8]) -> String {
        let mut hasher = ContentHasher::new();
        hasher.update(bytes);
        hasher.finish()
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
    }

    /// The hash of every byte fed so far, as 64 lower-case hex digits.
    pub fn finish(self) -> String {
        use std::fmt::Write;
        let digest = self.sha256.finalize();
        digest
            .iter()
            .fold(String::with_capacity(digest.len() * 2), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            })
    }
}

/// SHA-256 over every file's bytes, in order, as lower-case hex. The bytes are hashed as stored
/// (compressed, when the feed is): the same download hashes the same.
pub fn content_hash<P: AsRef<Path>>(paths: &[P]) -> io::Result<String> {
    let mut hasher = ContentHasher::new();
    let mut buffer = vec![0u8; 1 << 16];
    for path in paths {
        let path = path.as_ref();
        let with_path =
            |err: io::Error| io::Error::new(err.kind(), format!("{}: {err}", path.display()));
        let mut file = File::open(path).map_err(with_path)?;
        loop {
            let n = match file.read(&mut buffer) {
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(with_path(err)),
            };
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
    }
    Ok(hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SHA-256 of "abc".
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn hashes_the_files_in_order() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, b"abc")?;
        std::fs::write(&b, b"")?;
        let abc = ABC;
        assert_eq!(content_hash(&[&a, &b])?, abc);
        std::fs::write(&b, b"d")?;
        assert_ne!(content_hash(&[&a, &b])?, abc);
        assert_ne!(content_hash(&[&b, &a])?, content_hash(&[&a, &b])?);
        let missing = content_hash(&[dir.path().join("missing")]);
        assert!(missing.is_err_and(|err| err.to_string().contains("missing")));
        Ok(())
    }

    /// Moved here with the hex writing from `feedmill-fetch`'s `temp_file.rs`.
    #[test]
    fn hex_of_sha256() {
        assert_eq!(ContentHasher::of(b"abc"), ABC);
    }

    #[test]
    fn pieces_hash_as_the_whole() {
        let mut hasher = ContentHasher::new();
        for piece in [&b"a"[..], b"", b"bc"] {
            hasher.update(piece);
        }
        assert_eq!(hasher.finish(), ABC);
        assert_ne!(ContentHasher::of(b"abd"), ABC);
    }
}
