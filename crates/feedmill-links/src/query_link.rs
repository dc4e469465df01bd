//! [`QueryLink`]: a tracking URL taken apart into its query parameters and its landing page, so
//! a network's sub-id and landing parameters can be replaced without touching the rest.
//!
//! Feeds often write the landing page unencoded as the last parameter
//! (`…&url=https://shop.example/p?a=1&b=2`): everything after the marker belongs to it, `&`s
//! included, and it is put back byte for byte. An encoded landing parameter is decoded and
//! re-encoded by the `url` crate like every other parameter.

use crate::error::LinkError;
use crate::landing::Landing;
use crate::sub_ids::SubIds;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

/// Everything but RFC 3986's unreserved characters: safe inside a query value or a `url(..)`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a whole URL for use as one parameter value.
pub fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// An absolute `http(s)` URL with a host, or [`LinkError::BadTrackingUrl`].
pub(crate) fn parse_http(text: &str) -> Result<Url, LinkError> {
    let bad = || LinkError::BadTrackingUrl(text.to_string());
    let url = Url::parse(text.trim()).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad());
    }
    Ok(url)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LandingValue {
    /// Written unencoded as the last parameter; kept byte for byte.
    Raw(String),
    /// An ordinary (encoded) parameter, decoded.
    Decoded(String),
}

/// A tracking URL as its base (scheme, host, path), its other parameters in order, and its
/// landing page.
#[derive(Debug, Clone)]
pub(crate) struct QueryLink {
    base: Url,
    pairs: Vec<(String, String)>,
    landing_param: String,
    landing: Option<LandingValue>,
}

impl QueryLink {
    /// Takes `tracking` apart; `landing_param` names its landing-page parameter.
    pub fn parse(tracking: &str, landing_param: &str) -> Result<QueryLink, LinkError> {
        let tracking = tracking.trim();
        let (head, raw) = split_raw_landing(tracking, landing_param);
        let mut base = parse_http(head).map_err(|_| LinkError::BadTrackingUrl(tracking.into()))?;
        let mut landing = raw.map(|r| LandingValue::Raw(r.to_string()));
        let mut pairs = Vec::new();
        for (key, value) in base.query_pairs() {
            if key == landing_param {
                if landing.is_none() {
                    landing = Some(LandingValue::Decoded(value.into_owned()));
                }
            } else {
                pairs.push((key.into_owned(), value.into_owned()));
            }
        }
        base.set_query(None);
        if raw.is_some() {
            base.set_fragment(None);
        }
        Ok(QueryLink {
            base,
            pairs,
            landing_param: landing_param.to_string(),
            landing,
        })
    }

    /// The link with `ids` in `sub_params` (a filled slot replaces that parameter), `edit`
    /// applied to the other parameters, and the landing page last.
    pub fn rebuild(
        &self,
        sub_params: &[&str],
        ids: &SubIds,
        landing: Landing<'_>,
        edit: impl FnOnce(&mut Vec<(String, String)>),
    ) -> String {
        let mut pairs = self.pairs.clone();
        edit(&mut pairs);
        let filled: Vec<(&str, &str)> = ids
            .iter()
            .filter_map(|(slot, value)| sub_params.get(slot).map(|name| (*name, value)))
            .collect();
        pairs.retain(|(key, _)| !filled.iter().any(|(name, _)| key == name));
        pairs.extend(filled.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let encoded_landing = match (landing, &self.landing) {
            (Landing::Page(page), _) => Some(page.as_str().to_string()),
            (Landing::AsGiven, Some(LandingValue::Decoded(value))) => Some(value.clone()),
            _ => None,
        };
        let mut url = self.base.clone();
        if !pairs.is_empty() || encoded_landing.is_some() {
            let mut query = url.query_pairs_mut();
            for (key, value) in &pairs {
                query.append_pair(key, value);
            }
            if let Some(value) = &encoded_landing {
                query.append_pair(&self.landing_param, value);
            }
        }
        let mut text = url.to_string();
        if let (Landing::AsGiven, Some(LandingValue::Raw(raw))) = (landing, &self.landing) {
            text.push(if url.query().is_some() { '&' } else { '?' });
            text.push_str(&self.landing_param);
            text.push('=');
            text.push_str(raw);
        }
        text
    }
}

/// Splits off a landing page written unencoded (`http://` or `https://` right after
/// `?param=` / `&param=`): the text before the marker and the page.
fn split_raw_landing<'a>(link: &'a str, param: &str) -> (&'a str, Option<&'a str>) {
    for separator in ['?', '&'] {
        let marker = format!("{separator}{param}=");
        let Some(pos) = link.find(&marker) else {
            continue;
        };
        let value = &link[pos + marker.len()..];
        let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return (&link[..pos], Some(value));
        }
    }
    (link, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_an_unencoded_landing_page_byte_for_byte() -> Result<(), LinkError> {
        let raw = "https://t.example/t/t?a=1&url=https://shop.example/p?x=1&y=2";
        let link = QueryLink::parse(raw, "url")?;
        assert_eq!(
            link.rebuild(&[], &SubIds::none(), Landing::AsGiven, |_| {}),
            raw
        );
        Ok(())
    }

    #[test]
    fn moves_an_encoded_landing_page_last() -> Result<(), LinkError> {
        let link = QueryLink::parse(
            "https://t.example/?u=https%3A%2F%2Fshop.example%2Fp&c=1",
            "u",
        )?;
        let rebuilt = link.rebuild(&[], &SubIds::none(), Landing::AsGiven, |_| {});
        assert_eq!(
            rebuilt,
            "https://t.example/?c=1&u=https%3A%2F%2Fshop.example%2Fp"
        );
        Ok(())
    }

    #[test]
    fn rejects_what_is_not_an_http_url() {
        for bad in [
            "",
            "shop.example/p",
            "javascript:alert(1)",
            "ftp://x.example/",
        ] {
            assert!(QueryLink::parse(bad, "url").is_err(), "{bad}");
        }
    }

    #[test]
    fn encodes_components_fully() {
        assert_eq!(
            encode_component("https://a.b/c?d=(e)"),
            "https%3A%2F%2Fa.b%2Fc%3Fd%3D%28e%29"
        );
    }
}
