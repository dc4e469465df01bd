//! Key secrets: how a new one is made (32 random bytes, URL-safe base64, after a `fmk_` tag
//! that makes a leaked key easy to spot), how it is kept (its SHA-256 digest only) and how a
//! presented one is checked (digests compared in constant time).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What every generated secret starts with.
pub const SECRET_TAG: &str = "fmk_";
/// Random bytes in a generated secret: 256 bits, beyond guessing.
const SECRET_BYTES: usize = 32;
/// Characters of a secret that identify its key (in listings, and inside scoped keys).
pub const PREFIX_LEN: usize = 8;
/// Shortest secret a configured key may have: shorter ones can be guessed.
pub const MIN_SECRET_LEN: usize = 16;
/// Longest secret accepted, so a header cannot make us hash megabytes.
pub const MAX_SECRET_LEN: usize = 4096;

/// The SHA-256 digest of a secret.
pub type SecretDigest = [u8; 32];

/// A new random secret.
pub fn generate_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{SECRET_TAG}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

pub fn digest(secret: &str) -> SecretDigest {
    Sha256::digest(secret.as_bytes()).into()
}

/// Equal digests, compared in constant time.
pub fn digests_match(a: &SecretDigest, b: &SecretDigest) -> bool {
    a.ct_eq(b).into()
}

/// The first characters of a secret, which identify its key without revealing it.
pub fn prefix_of(secret: &str) -> String {
    secret.chars().take(PREFIX_LEN).collect()
}

pub fn to_hex(digest: &SecretDigest) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex(text: &str) -> Option<SecretDigest> {
    let mut digest = [0u8; 32];
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    for (i, byte) in digest.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(digest)
}

/// Why a configured secret is refused, if it is.
pub fn check_secret(secret: &str) -> Result<(), String> {
    if secret.len() < MIN_SECRET_LEN {
        return Err(format!("is shorter than {MIN_SECRET_LEN} characters"));
    }
    if secret.len() > MAX_SECRET_LEN {
        return Err(format!("is longer than {MAX_SECRET_LEN} characters"));
    }
    if !secret.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("must be visible ASCII (it travels in a header)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_tagged_random_and_valid() -> Result<(), getrandom::Error> {
        let a = generate_secret()?;
        let b = generate_secret()?;
        assert_ne!(a, b);
        assert!(a.starts_with(SECRET_TAG) && a.len() == SECRET_TAG.len() + 43);
        assert_eq!(check_secret(&a), Ok(()));
        assert_eq!(prefix_of(&a).len(), PREFIX_LEN);
        Ok(())
    }

    #[test]
    fn digests_round_trip_through_hex_and_compare() {
        let d = digest("correct horse battery staple");
        assert_eq!(from_hex(&to_hex(&d)), Some(d));
        assert!(digests_match(&d, &digest("correct horse battery staple")));
        assert!(!digests_match(&d, &digest("correct horse battery stapler")));
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex(&"é".repeat(32)), None);
    }

    #[test]
    fn short_or_odd_secrets_are_refused() {
        assert!(check_secret("short").is_err());
        assert!(check_secret("has a space in it, sadly").is_err());
        assert!(check_secret(&"x".repeat(MAX_SECRET_LEN + 1)).is_err());
    }
}
