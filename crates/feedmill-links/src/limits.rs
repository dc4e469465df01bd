//! The limits of sub-id values, shared by their checks ([`crate::SubIds`]) and the errors
//! that name them ([`crate::LinkError`]).

/// Longest sub-id value (NETWORKS.md: "short (≤ 64)").
pub const MAX_SUB_ID_LEN: usize = 64;
/// Most slots any network has: Awin's `clickref` .. `clickref6`.
pub const MAX_SUB_ID_SLOTS: usize = 6;
