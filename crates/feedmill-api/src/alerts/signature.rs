//! The signature of an alert delivery: `X-Feedmill-Signature: sha256=<hex>`, the HMAC-SHA256
//! of the exact body bytes under the alert's secret (the scheme GitHub's and Stripe's webhooks
//! use). A receiver recomputes it over the body it got and compares in constant time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Feedmill-Signature";
/// The header that carries the delivery id, the same on every retry (for deduplication).
pub const DELIVERY_HEADER: &str = "X-Feedmill-Delivery";

fn mac(secret: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("hmac accepts keys of every length"));
    mac.update(body);
    mac
}

/// The header value for `body` signed with `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let tag = mac(secret, body).finalize().into_bytes();
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Whether `header` is the signature of `body` under `secret`, compared in constant time.
pub fn verify(secret: &str, body: &[u8], header: &str) -> bool {
    let Some(hex) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Some(tag) = decode_hex(hex) else {
        return false;
    };
    mac(secret, body).verify_slice(&tag).is_ok()
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_4231_test_vector() {
        // RFC 4231, test case 2.
        let signed = sign("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            signed,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify("Jefe", b"what do ya want for nothing?", &signed));
    }

    #[test]
    fn a_changed_body_secret_or_header_does_not_verify() {
        let signed = sign("secret", b"{\"price\":\"79.00\"}");
        assert!(!verify("secret", b"{\"price\":\"7.00\"}", &signed));
        assert!(!verify("other", b"{\"price\":\"79.00\"}", &signed));
        assert!(!verify("secret", b"{\"price\":\"79.00\"}", "sha1=00"));
        assert!(!verify("secret", b"{\"price\":\"79.00\"}", "sha256=zz"));
    }
}
