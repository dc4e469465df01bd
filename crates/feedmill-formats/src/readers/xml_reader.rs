//! xml reader (in progress).
