//! json reader (in progress).
