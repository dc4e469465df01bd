//! csv reader (in progress).
