//! Which store a command opens: the SQLite file at a path, or a Postgres server when the
//! location is a `postgres://` URL — given as `--store` (a path or a URL) or as the sources
//! file's `[store] url`. The password comes from `FEEDMILL_STORE_PASSWORD` (or `PGPASSWORD`),
//! never from the file, and the location is only ever shown without it.

use anyhow::Context;
use feedmill_fetch::FeedConfig;
use feedmill_store::{PostgresStore, SqliteStore, Store, is_postgres_url, redacted};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The Postgres URL `location` holds, if it is one.
pub(crate) fn postgres_url(location: &Path) -> Option<&str> {
    location.to_str().filter(|text| is_postgres_url(text))
}

/// `location` as shown in messages: a path as it is, a URL without its password.
pub(crate) fn store_name(location: &Path) -> String {
    match postgres_url(location) {
        Some(url) => redacted(url),
        None => location.display().to_string(),
    }
}

/// The store of a command that reads the sources file: `--store` when given, else the file's
/// `[store] url`, else `default` (the SQLite file beside the index).
pub(crate) fn configured_store(
    flag: Option<&Path>,
    config: &FeedConfig,
    default: PathBuf,
) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| config.store.url.as_ref().map(PathBuf::from))
        .unwrap_or(default)
}

/// True when there is a store at `location` (a server always counts: it is shared).
pub(crate) fn store_exists(location: &Path) -> bool {
    postgres_url(location).is_some() || location.exists()
}

/// Opens (or creates) the store at `location`: a Postgres server for a URL, else the SQLite
/// file (and its folder).
pub(crate) fn open_store(location: &Path) -> anyhow::Result<Arc<dyn Store>> {
    if let Some(url) = postgres_url(location) {
        // The error names the server without the password (the store's own message does).
        return Ok(Arc::new(PostgresStore::open(url)?));
    }
    if let Some(dir) = location.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("failed to create the store's folder {}", dir.display()))?;
    }
    let store = SqliteStore::open(location)
        .with_context(|| format!("failed to open the store at {}", location.display()))?;
    Ok(Arc::new(store))
}

/// The store at `location`, which must exist: commands that only read it (or add to what an
/// ingest wrote) say where it comes from instead of creating an empty one.
pub(crate) fn open_existing_store(location: &Path) -> anyhow::Result<Arc<dyn Store>> {
    if !store_exists(location) {
        anyhow::bail!(
            "no store at {}: it is written by `feedmill serve`, `ingest` and `refresh`",
            store_name(location)
        );
    }
    open_store(location)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_postgres_and_shown_without_its_password() {
        let url = Path::new("postgres://feed:s3cret@127.0.0.1:5432/feedmill");
        assert!(postgres_url(url).is_some() && store_exists(url));
        assert_eq!(
            store_name(url),
            "postgres://feed:***@127.0.0.1:5432/feedmill"
        );
        assert!(postgres_url(Path::new("index/../feedmill.db")).is_none());
    }

    #[test]
    fn the_flag_wins_over_the_file_which_wins_over_the_default() {
        let mut config = FeedConfig::default();
        let default = PathBuf::from("feedmill.db");
        assert_eq!(configured_store(None, &config, default.clone()), default);
        config.store.url = Some("postgres://f@h/db".into());
        assert_eq!(
            configured_store(None, &config, default.clone()),
            PathBuf::from("postgres://f@h/db")
        );
        let flag = Path::new("other.db");
        assert_eq!(configured_store(Some(flag), &config, default), flag);
    }
}
