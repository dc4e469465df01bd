//! The HTTP handlers, one module per group of endpoints. Each handler parses and checks its
//! input, runs search work through [`crate::state::AppState::blocking`] and answers JSON; every
//! failure is an [`crate::error::ApiError`]. Handlers depend on the state, the types and the
//! offer-to-JSON code; only the router depends on them.

pub(crate) mod alerts;
pub(crate) mod clickout;
pub(crate) mod earnings;
pub(crate) mod health;
pub(crate) mod history;
pub(crate) mod keys;
pub(crate) mod links;
pub(crate) mod matches;
pub(crate) mod offers;
pub(crate) mod operator;
pub(crate) mod postback;
pub(crate) mod search;
