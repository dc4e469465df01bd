//! Conversion postbacks (`GET`/`POST /api/postback/{program_id}`, Linkolino's contract): the
//! table of programs and their keys ([`PostbackPrograms`], reloadable while serving) and the
//! decoding of a postback's fields from its query string and body ([`fields`]). The handler is
//! `handlers::postback`; the field rules and the idempotent upsert belong to `feedmill-store`.

pub(crate) mod fields;
mod programs;

pub use programs::{MAX_PROGRAM_ID_CHARS, PostbackProgram, PostbackPrograms, ProgramError};

#[cfg(test)]
mod accept_tests;
#[cfg(test)]
mod guard_tests;
#[cfg(test)]
mod refusal_tests;
#[cfg(test)]
mod schema_tests;
#[cfg(test)]
mod test_fixture;
