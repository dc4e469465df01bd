//! The feed cache: the last good file of every source and what is known about it.
//!
//! Layout: `<cache_dir>/<source>/feed.<ext>` (the bytes as the server sent them: the normalizer
//! detects gzip and ZIP by magic bytes) and `<source>/meta.json` ([`CacheMeta`]: validators for
//! conditional GET, the content hash, when it was fetched). New bytes go to a [`TempFile`] in the
//! same directory and are renamed into place only once complete and checked, so a failed or
//! truncated download never replaces the last good file; a dropped temp file deletes itself.

use crate::error::FetchErrorKind;
pub(crate) use crate::temp_file::{FinishedFile, TempFile, hash_file};
use chrono::{DateTime, Utc};
use feedmill_formats::FeedFormat;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const META_FILE: &str = "meta.json";

/// What `meta.json` records about a source's last good fetch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheMeta {
    /// The cached file inside the source's directory (`feed.xml`); `None` for `file` sources,
    /// which are read where they are.
    pub file_name: Option<String>,
    /// For `file` sources: the file read.
    pub local_path: Option<PathBuf>,
    /// The format the normalizer should use; `None` means auto-detect.
    pub format: Option<FeedFormat>,
    /// Hex SHA-256 of the bytes.
    pub content_hash: String,
    pub num_bytes: u64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The upstream's own version marker (Adtraction feed info `lastUpdated`).
    pub upstream_version: Option<String>,
    /// The number of records the upstream announced, when it did.
    pub expected_records: Option<u64>,
    pub fetched_at: DateTime<Utc>,
}

/// The last good file of a source.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedFeed {
    pub path: PathBuf,
    pub meta: CacheMeta,
}

/// The last good file of `source` under `cache_dir`, if there is one and it still exists.
pub fn cached_feed(cache_dir: &Path, source: &str) -> Option<CachedFeed> {
    FeedCache::new(cache_dir).last_good(source)
}

#[derive(Debug, Clone)]
pub(crate) struct FeedCache {
    root: PathBuf,
}

/// Meta fields a fetch learned besides the bytes.
#[derive(Debug, Clone, Default)]
pub(crate) struct MetaUpdate {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub upstream_version: Option<String>,
    pub expected_records: Option<u64>,
    pub format: Option<FeedFormat>,
    pub fetched_at: DateTime<Utc>,
}

/// A committed (or kept) cache entry.
#[derive(Debug, Clone)]
pub(crate) struct StoredFeed {
    pub path: PathBuf,
    pub meta: CacheMeta,
    pub unchanged: bool,
}

impl FeedCache {
    pub(crate) fn new(root: impl Into<PathBuf>) -> FeedCache {
        FeedCache { root: root.into() }
    }

    pub(crate) fn source_dir(&self, source: &str) -> PathBuf {
        self.root.join(source)
    }

    /// The previous meta, if readable (a corrupt meta only costs a full re-download).
    pub(crate) fn read_meta(&self, source: &str) -> Option<CacheMeta> {
        let path = self.source_dir(source).join(META_FILE);
        let bytes = std::fs::read(&path).ok()?;
        match serde_json::from_slice(&bytes) {
            Ok(meta) => Some(meta),
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %err, "ignoring unreadable cache meta");
                None
            }
        }
    }

    pub(crate) fn last_good(&self, source: &str) -> Option<CachedFeed> {
        let meta = self.read_meta(source)?;
        let path = match (&meta.file_name, &meta.local_path) {
            (Some(name), _) => self.source_dir(source).join(name),
            (None, Some(local)) => local.clone(),
            (None, None) => return None,
        };
        path.is_file().then_some(CachedFeed { path, meta })
    }

    pub(crate) fn write_meta(&self, source: &str, meta: &CacheMeta) -> Result<(), FetchErrorKind> {
        let dir = self.source_dir(source);
        std::fs::create_dir_all(&dir).map_err(|e| FetchErrorKind::io("create", &dir, e))?;
        let path = dir.join(META_FILE);
        let temp = dir.join(format!(".{META_FILE}.tmp.{}", fastrand::u64(..)));
        let json = serde_json::to_vec_pretty(meta)
            .map_err(|e| FetchErrorKind::malformed(format!("cannot encode cache meta: {e}")))?;
        std::fs::write(&temp, json).map_err(|e| FetchErrorKind::io("write", &temp, e))?;
        std::fs::rename(&temp, &path).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            FetchErrorKind::io("rename into", &path, e)
        })
    }

    pub(crate) async fn temp_file(&self, source: &str) -> Result<TempFile, FetchErrorKind> {
        let dir = self.source_dir(source);
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| FetchErrorKind::io("create", &dir, e))?;
        let path = dir.join(format!(
            ".feed.tmp.{}.{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        TempFile::create(path).await
    }

    /// Keeps the previous file (304, or the upstream says nothing changed), refreshing meta.
    pub(crate) fn keep(
        &self,
        source: &str,
        previous: CachedFeed,
        update: MetaUpdate,
    ) -> Result<StoredFeed, FetchErrorKind> {
        let mut meta = previous.meta;
        meta.etag = update.etag.or(meta.etag);
        meta.last_modified = update.last_modified.or(meta.last_modified);
        meta.upstream_version = update.upstream_version.or(meta.upstream_version);
        meta.expected_records = update.expected_records.or(meta.expected_records);
        meta.format = update.format.or(meta.format);
        meta.fetched_at = update.fetched_at;
        self.write_meta(source, &meta)?;
        Ok(StoredFeed {
            path: previous.path,
            meta,
            unchanged: true,
        })
    }

    /// Moves a complete, checked download into place, unless its bytes equal the last good
    /// file's (then the temp file is dropped and the entry is reported unchanged).
    pub(crate) async fn commit(
        &self,
        source: &str,
        previous: Option<CachedFeed>,
        finished: FinishedFile,
        update: MetaUpdate,
    ) -> Result<StoredFeed, FetchErrorKind> {
        if let Some(previous) = previous
            && previous.meta.content_hash == finished.content_hash
        {
            return self.keep(source, previous, update);
        }
        let file_name = format!("feed.{}", finished.extension);
        let dest = self.source_dir(source).join(&file_name);
        finished.temp.persist(&dest).await?;
        let meta = CacheMeta {
            file_name: Some(file_name.clone()),
            local_path: None,
            format: update.format,
            content_hash: finished.content_hash,
            num_bytes: finished.num_bytes,
            etag: update.etag,
            last_modified: update.last_modified,
            upstream_version: update.upstream_version,
            expected_records: update.expected_records,
            fetched_at: update.fetched_at,
        };
        self.write_meta(source, &meta)?;
        self.remove_stale_feeds(source, &file_name);
        Ok(StoredFeed {
            path: dest,
            meta,
            unchanged: false,
        })
    }

    /// Removes `feed.*` files other than the current one (the type changed, e.g. xml → gz).
    fn remove_stale_feeds(&self, source: &str, current: &str) {
        let Ok(entries) = std::fs::read_dir(self.source_dir(source)) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("feed.") && name != current {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn dropped_temp_file_leaves_previous_entry_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = FeedCache::new(dir.path());
        let mut temp = cache.temp_file("shop").await.expect("temp");
        temp.write(b"<feed>one</feed>").await.expect("write");
        let finished = temp.finish().await.expect("finish");
        let stored = cache
            .commit("shop", None, finished, MetaUpdate::default())
            .await
            .expect("commit");
        assert_eq!(stored.path, dir.path().join("shop/feed.xml"));
        assert!(!stored.unchanged);

        let mut temp = cache.temp_file("shop").await.expect("temp");
        temp.write(b"<feed>half").await.expect("write");
        let temp_path = temp.path().to_path_buf();
        drop(temp);
        assert!(!temp_path.exists());
        let last = cache.last_good("shop").expect("last good");
        assert_eq!(
            std::fs::read(&last.path).expect("read"),
            b"<feed>one</feed>"
        );
        assert_eq!(last.meta, stored.meta);
    }

    #[tokio::test]
    async fn same_bytes_are_unchanged_and_new_type_replaces_old_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = FeedCache::new(dir.path());
        let store = |bytes: &'static [u8]| {
            let cache = cache.clone();
            async move {
                let mut temp = cache.temp_file("s").await.expect("temp");
                temp.write(bytes).await.expect("write");
                let finished = temp.finish().await.expect("finish");
                let previous = cache.last_good("s");
                cache
                    .commit("s", previous, finished, MetaUpdate::default())
                    .await
                    .expect("commit")
            }
        };
        assert!(!store(b"a,b\n1,2\n").await.unchanged);
        assert!(store(b"a,b\n1,2\n").await.unchanged);
        let json = store(b"[1]").await;
        assert!(!json.unchanged);
        assert_eq!(json.path, dir.path().join("s/feed.json"));
        assert!(!dir.path().join("s/feed.csv").exists());
    }
}
