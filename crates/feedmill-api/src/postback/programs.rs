//! [`PostbackPrograms`]: the programs that may send conversion postbacks, each with its default
//! currency and the keys it may authenticate with.
//!
//! Keys are kept as SHA-256 digests, never as the secrets themselves, and a presented key is
//! compared digest against digest in constant time, so neither a memory dump nor the timing of
//! a refusal tells anything about a key. A program has one current key and, during a rotation
//! window the operator opens on purpose, its previous one; the table is replaced whole at a
//! config reload ([`crate::AppState::reload_programs`]), so a key taken out of the config stops
//! working at that reload.

use feedmill_model::Currency;
use rust_decimal::{Decimal, RoundingStrategy};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Longest program id: the postback validator's string limit.
pub const MAX_PROGRAM_ID_CHARS: usize = 255;

/// A configured program refused when the table is built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    #[error(
        "postback program id {id:?} must be 1 to 255 characters of letters, digits, '-', '_', '.'"
    )]
    BadId { id: String },
    #[error("postback program \"{id}\" has an empty key")]
    EmptyKey { id: String },
    #[error("postback program \"{id}\" has no key")]
    NoKey { id: String },
    #[error("two postback programs have the id \"{id}\"")]
    DuplicateId { id: String },
}

/// The digest of one key.
#[derive(Clone, PartialEq, Eq)]
struct KeyDigest([u8; 32]);

impl KeyDigest {
    fn of(key: &[u8]) -> KeyDigest {
        KeyDigest(Sha256::digest(key).into())
    }

    /// Equality that takes the same time wherever the digests differ.
    fn matches(&self, other: &KeyDigest) -> bool {
        let difference = self
            .0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        difference == 0
    }
}

/// One program: its id (the `{program_id}` of the postback URL), the currency of postbacks
/// that name none, and its keys.
#[derive(Clone)]
pub struct PostbackProgram {
    id: String,
    default_currency: Currency,
    keys: Vec<KeyDigest>,
    commission_percent: Option<Decimal>,
}

impl PostbackProgram {
    /// A program accepting `keys` (the current key, then a previous one still honoured while a
    /// rotation is under way); at least one key, none empty.
    pub fn new<K: AsRef<[u8]>>(
        id: impl Into<String>,
        default_currency: Currency,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<PostbackProgram, ProgramError> {
        let id = id.into();
        if !is_program_id(&id) {
            return Err(ProgramError::BadId { id });
        }
        let mut digests = Vec::new();
        for key in keys {
            let key = key.as_ref();
            if key.is_empty() {
                return Err(ProgramError::EmptyKey { id });
            }
            digests.push(KeyDigest::of(key));
        }
        if digests.is_empty() {
            return Err(ProgramError::NoKey { id });
        }
        Ok(PostbackProgram {
            id,
            default_currency,
            keys: digests,
            commission_percent: None,
        })
    }

    /// The program pays `percent` of each sale's amount (`[[program]] commission`).
    pub fn with_commission_percent(self, percent: Option<Decimal>) -> PostbackProgram {
        PostbackProgram {
            commission_percent: percent,
            ..self
        }
    }

    /// The commission on a sale of `sale_amount`, rounded to cents half away from zero; `None`
    /// when the program has no commission configured.
    pub fn commission_on(&self, sale_amount: Decimal) -> Option<Decimal> {
        let percent = self.commission_percent?;
        let amount = (sale_amount * percent / Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        Some(amount)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn default_currency(&self) -> Currency {
        self.default_currency
    }

    /// True when `key` is one of the program's keys.
    pub fn accepts_key(&self, key: &str) -> bool {
        let presented = KeyDigest::of(key.as_bytes());
        // Every key is compared, so the time does not tell which one matched.
        self.keys
            .iter()
            .fold(false, |found, known| known.matches(&presented) | found)
    }
}

impl std::fmt::Debug for PostbackProgram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostbackProgram")
            .field("id", &self.id)
            .field("default_currency", &self.default_currency.code())
            .field("num_keys", &self.keys.len())
            .field("commission_percent", &self.commission_percent)
            .finish()
    }
}

/// Program ids are path segments: letters, digits, `-`, `_`, `.`, at most 255 characters.
fn is_program_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().count() <= MAX_PROGRAM_ID_CHARS
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The table of programs by id; empty when none is configured (every postback is then 404).
#[derive(Debug, Clone, Default)]
pub struct PostbackPrograms {
    by_id: HashMap<String, PostbackProgram>,
}

impl PostbackPrograms {
    /// The table of `programs`; ids must be unique.
    pub fn new(
        programs: impl IntoIterator<Item = PostbackProgram>,
    ) -> Result<PostbackPrograms, ProgramError> {
        let mut by_id = HashMap::new();
        for program in programs {
            if by_id.contains_key(&program.id) {
                return Err(ProgramError::DuplicateId { id: program.id });
            }
            by_id.insert(program.id.clone(), program);
        }
        Ok(PostbackPrograms { by_id })
    }

    pub fn get(&self, id: &str) -> Option<&PostbackProgram> {
        self.by_id.get(id)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pln() -> Currency {
        Currency::parse("PLN").unwrap_or_else(|_| unreachable!("PLN is ISO-4217"))
    }

    #[test]
    fn a_commission_rate_is_applied_to_the_cent() -> Result<(), ProgramError> {
        let program = PostbackProgram::new("shop", pln(), ["k"])?;
        assert_eq!(program.commission_on(Decimal::new(10000, 2)), None);
        let program = program.with_commission_percent(Some(Decimal::new(125, 1)));
        assert_eq!(
            program.commission_on(Decimal::new(1004, 2)),
            Some(Decimal::new(126, 2)),
            "10.04 × 12.5 % = 1.255 → 1.26"
        );
        assert_eq!(
            program.commission_on(Decimal::ZERO),
            Some(Decimal::new(0, 2))
        );
        Ok(())
    }

    #[test]
    fn a_program_accepts_its_keys_and_nothing_else() -> Result<(), ProgramError> {
        let program = PostbackProgram::new("shop-1", pln(), ["sk_new", "sk_old"])?;
        assert!(program.accepts_key("sk_new"));
        assert!(program.accepts_key("sk_old"));
        assert!(!program.accepts_key("sk_ne"));
        assert!(!program.accepts_key(""));
        assert!(
            !format!("{program:?}").contains("sk_new"),
            "keys never print"
        );
        Ok(())
    }

    #[test]
    fn bad_programs_are_refused() {
        let empty: [&str; 0] = [];
        assert!(matches!(
            PostbackProgram::new("shop", pln(), empty),
            Err(ProgramError::NoKey { .. })
        ));
        assert!(matches!(
            PostbackProgram::new("shop", pln(), [""]),
            Err(ProgramError::EmptyKey { .. })
        ));
        for id in ["", "a/b", "a b", &"x".repeat(256)] {
            assert!(matches!(
                PostbackProgram::new(id, pln(), ["k"]),
                Err(ProgramError::BadId { .. })
            ));
        }
        let one = || PostbackProgram::new("shop", pln(), ["k"]);
        let twice = one().and_then(|a| one().map(|b| PostbackPrograms::new([a, b])));
        assert!(matches!(twice, Ok(Err(ProgramError::DuplicateId { .. }))));
    }
}
