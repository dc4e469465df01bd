//! [`check_callback`]: whether an alert may call a URL (SSRF protection).
//!
//! A callback is a URL an API caller chose, which this server will POST to: left unchecked, a
//! caller could make the server reach what only it can reach (its own admin ports, a cloud
//! metadata service at 169.254.169.254, the office network). So a callback must be http(s),
//! name a host, and every address that host resolves to must be public: loopback, private
//! (RFC 1918, IPv6 unique-local), link-local, unspecified, multicast, broadcast and shared
//! (CGNAT, 100.64.0.0/10) addresses are refused, also inside IPv4-mapped IPv6 addresses, unless
//! the operator allows private callbacks (`[alerts] allow_private_callbacks = true`, for
//! callbacks on the operator's own network and for tests). The check runs when an alert is
//! created and again before every delivery (DNS answers change), and a delivery connects to
//! the very addresses that were checked (no second lookup to rebind between check and use).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use url::Url;

/// Whether callbacks may reach private addresses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallbackPolicy {
    pub allow_private: bool,
}

/// Why a callback URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("callback_url is not a valid url: {0}")]
    Invalid(String),
    #[error("callback_url must be http or https, not {0:?}")]
    Scheme(String),
    #[error("callback_url has no host")]
    NoHost,
    #[error("callback_url host {host:?} does not resolve: {reason}")]
    Unresolvable { host: String, reason: String },
    #[error(
        "callback_url host {host:?} resolves to {address}, a {class} address; callbacks must reach public addresses"
    )]
    Forbidden {
        host: String,
        address: IpAddr,
        class: &'static str,
    },
}

/// A callback that passed the check, with the addresses to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCallback {
    pub url: Url,
    /// The host as the URL names it (a name, or an address without brackets).
    pub host: String,
    pub addresses: Vec<SocketAddr>,
}

/// Checks `text` under `policy`, resolving its host; see the module doc.
pub async fn check_callback(
    text: &str,
    policy: CallbackPolicy,
) -> Result<CheckedCallback, CallbackError> {
    let url = Url::parse(text.trim()).map_err(|err| CallbackError::Invalid(err.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(CallbackError::Scheme(url.scheme().to_string()));
    }
    let host = match url.host() {
        Some(url::Host::Domain(name)) => name.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err(CallbackError::NoHost),
    };
    let port = url.port_or_known_default().ok_or(CallbackError::NoHost)?;
    let addresses = resolve(&host, port).await?;
    for address in &addresses {
        if let (false, Some(class)) = (policy.allow_private, non_public_class(address.ip())) {
            return Err(CallbackError::Forbidden {
                host,
                address: address.ip(),
                class,
            });
        }
    }
    Ok(CheckedCallback {
        url,
        host,
        addresses,
    })
}

async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, CallbackError> {
    let unresolvable = |reason: String| CallbackError::Unresolvable {
        host: host.to_string(),
        reason,
    };
    let found = tokio::net::lookup_host((host, port))
        .await
        .map_err(|err| unresolvable(err.to_string()))?;
    let addresses: Vec<SocketAddr> = found.collect();
    if addresses.is_empty() {
        return Err(unresolvable("no addresses".into()));
    }
    Ok(addresses)
}

/// The class of an address a callback must not reach, `None` for a public one.
pub fn non_public_class(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => v4_class(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(mapped) => v4_class(mapped),
            None => v6_class(ip),
        },
    }
}

fn v4_class(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_broadcast() {
        Some("broadcast")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (CGNAT)")
    } else {
        None
    }
}

fn v6_class(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DENY: CallbackPolicy = CallbackPolicy {
        allow_private: false,
    };

    async fn refusal(url: &str) -> Option<CallbackError> {
        check_callback(url, DENY).await.err()
    }

    #[tokio::test]
    async fn every_non_public_address_class_is_refused_by_name() {
        let cases = [
            ("http://127.0.0.1:8080/hook", "loopback"),
            ("http://[::1]/hook", "loopback"),
            ("http://localhost/hook", "loopback"),
            ("http://10.1.2.3/", "private"),
            ("http://172.16.0.1/", "private"),
            ("http://192.168.1.10/", "private"),
            ("http://[fd00::1]/", "private"),
            ("http://169.254.169.254/latest/meta-data", "link-local"),
            ("http://[fe80::1]/", "link-local"),
            ("http://0.0.0.0/", "unspecified"),
            ("http://[::]/", "unspecified"),
            ("http://224.0.0.1/", "multicast"),
            ("http://[ff02::1]/", "multicast"),
            ("http://255.255.255.255/", "broadcast"),
            ("http://100.64.0.1/", "shared (CGNAT)"),
            ("http://100.127.255.254/", "shared (CGNAT)"),
            ("http://[::ffff:127.0.0.1]/", "loopback"),
            ("http://[::ffff:10.0.0.1]/", "private"),
        ];
        for (url, want) in cases {
            match refusal(url).await {
                Some(CallbackError::Forbidden { class, .. }) => assert_eq!(class, want, "{url}"),
                other => panic!("{url}: expected a {want} refusal, got {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn only_http_urls_with_a_host_are_callbacks() {
        for url in [
            "ftp://hooks.example/x",
            "file:///etc/passwd",
            "gopher://hooks.example/",
            "javascript:alert(1)",
        ] {
            assert!(
                matches!(refusal(url).await, Some(CallbackError::Scheme(_))),
                "{url}"
            );
        }
        assert!(matches!(
            refusal("not a url").await,
            Some(CallbackError::Invalid(_))
        ));
        assert!(matches!(
            refusal("http://no-such-host.invalid/").await,
            Some(CallbackError::Unresolvable { .. })
        ));
    }

    #[tokio::test]
    async fn public_addresses_pass_and_private_ones_when_allowed() {
        let public = check_callback("https://93.184.215.14/hook", DENY).await;
        let public = public.unwrap_or_else(|err| panic!("public address refused: {err}"));
        assert_eq!(
            public.addresses,
            [SocketAddr::from(([93, 184, 215, 14], 443))]
        );
        assert!(check_callback("http://100.128.0.1/", DENY).await.is_ok());
        let allow = CallbackPolicy {
            allow_private: true,
        };
        let local = check_callback("http://127.0.0.1:9/x", allow).await;
        assert_eq!(local.map(|c| c.host).ok().as_deref(), Some("127.0.0.1"));
        assert!(matches!(
            check_callback("ftp://127.0.0.1/", allow).await,
            Err(CallbackError::Scheme(_))
        ));
    }
}
