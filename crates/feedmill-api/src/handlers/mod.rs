//! The HTTP handlers, one module per group of endpoints. Each handler parses and checks its
//! input, runs index work through [`crate::state::AppState::blocking`] and answers JSON; every
//! failure is an [`crate::error::ApiError`].

pub(crate) mod clickout;
pub(crate) mod health;
pub(crate) mod links;
pub(crate) mod offers;
pub(crate) mod search;
