//! [`content_hash`]: the identity of a feed's bytes, so that an unchanged feed is recognised
//! before any of it is parsed (`feedmill ingest` and `refresh` skip it).

use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// SHA-256 over every file's bytes, in order, as lower-case hex. The bytes are hashed as stored
/// (compressed, when the feed is): the same download hashes the same.
pub fn content_hash<P: AsRef<Path>>(paths: &[P]) -> io::Result<String> {
    let mut hasher = Sha256::new();
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
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_the_files_in_order() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, b"abc")?;
        std::fs::write(&b, b"")?;
        // SHA-256 of "abc".
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(content_hash(&[&a, &b])?, abc);
        std::fs::write(&b, b"d")?;
        assert_ne!(content_hash(&[&a, &b])?, abc);
        assert_ne!(content_hash(&[&b, &a])?, content_hash(&[&a, &b])?);
        let missing = content_hash(&[dir.path().join("missing")]);
        assert!(missing.is_err_and(|err| err.to_string().contains("missing")));
        Ok(())
    }
}
