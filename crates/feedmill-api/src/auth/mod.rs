//! API keys: who may call which route.
//!
//! - [`action`]: the [`Action`]s and the route → action table ([`ROUTE_ACCESS`]).
//! - [`api_key`] and [`key_ring`]: the keys the server accepts (configured [`KeySpec`]s and
//!   run-time keys of the store), each kept as the SHA-256 of its secret, and
//!   [`KeyRing::authenticate`].
//! - [`scoped`]: scoped search keys, signed with HMAC-SHA256 and checked without a lookup.
//! - [`guard`]: the middleware (401 / 403 / 429) and [`cors`]: preflights for the keys'
//!   browser origins.
//!
//! `[auth] mode = "open"` (the default) keeps every route open, as before keys existed; the
//! click-out, `/health` and `/openapi.json` are open in every mode.

pub(crate) mod action;
pub(crate) mod api_key;
pub(crate) mod cors;
pub(crate) mod guard;
pub(crate) mod key_ring;
pub(crate) mod scoped;
pub(crate) mod secret;

pub use action::{Access, Action, ROUTE_ACCESS, access_of};
pub use api_key::{ApiKey, KeyOrigin, KeySpec};
pub use guard::API_KEY_HEADER;
pub use key_ring::{AuthMode, AuthSettings, Caller, KeyRefusal, KeyRing};
pub use scoped::ScopeParams;

#[cfg(test)]
mod guard_tests;
#[cfg(test)]
mod key_tests;
#[cfg(test)]
pub(crate) mod test_support;
