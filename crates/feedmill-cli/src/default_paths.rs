//! Where the index and the store are when no flag says: shared by `cli.rs` and
//! `match_args.rs`, which both name them in their arguments.

use std::path::{Path, PathBuf};

/// The default on-disk index: the repository's `index/` folder.
pub const DEFAULT_INDEX_DIR: &str = "index";

/// The store's default file: `feedmill.db` in the folder that holds the index folder
/// (`index` → `feedmill.db`, `/srv/feeds/index` → `/srv/feeds/feedmill.db`).
pub fn default_store_path(index: &Path) -> PathBuf {
    index
        .parent()
        .map_or_else(PathBuf::new, Path::to_path_buf)
        .join(STORE_FILE_NAME)
}

/// The file name of the default store.
pub const STORE_FILE_NAME: &str = "feedmill.db";
