//! [`landing_page`]: the merchant's page a tracking URL points at, read out of the URL. The one
//! reader of landing pages: the normalizer uses it to find the product page inside a feed's
//! click URL, the link builder to learn a program's merchant hosts and to check a destination.
//!
//! With a known [`LinkNetwork`] only that network's landing parameter counts (NETWORKS.md): `url`
//! (Adtraction, PartnerBoost, Tradedoubler, templates), `ued` (Awin), `u` (TradeTracker), or `r`
//! on TradeTracker's merchant-hosted `tt=` redirect, and Tradedoubler's `url(..)` paren form.
//! Without one, every parameter networks are known to use counts, the first one that holds an
//! http(s) URL winning, so feeds of networks this crate has no dialect for (Rakuten's `murl`,
//! Partner-ads' `htmlurl`) are read too.
//!
//! Feeds often write the landing page unencoded as the last parameter
//! (`…&url=https://shop.example/p?a=1&b=2`): a parameter whose value starts with `http://` or
//! `https://` runs to the end of the link, `&`s included, and is returned byte for byte. Any other
//! value is form-decoded, like the `url` crate reads query pairs.

use crate::deep_link::paren_span;
use crate::link_network::LinkNetwork;
use percent_encoding::percent_decode_str;
use url::form_urlencoded;

/// Landing parameters of the networks' click URLs when the network is not known: Adtraction,
/// PartnerBoost and Tradedoubler `url`, Awin `ued`, Rakuten `murl`, TradeTracker `u` / `r`,
/// Partner-ads `htmlurl`, and two generic names.
const ANY_NETWORK_PARAMS: &[&str] = &[
    "url",
    "ued",
    "murl",
    "u",
    "r",
    "htmlurl",
    "desturl",
    "destination",
];

/// The landing page `tracking` names, decoded, when it names an absolute http(s) URL; `network`
/// narrows the parameters that count (see the module doc).
pub fn landing_page(tracking: &str, network: Option<LinkNetwork>) -> Option<String> {
    let tracking = tracking.trim();
    let (_, query_and_fragment) = tracking.split_once('?')?;
    let may_be_paren = matches!(network, None | Some(LinkNetwork::Tradedoubler));
    if may_be_paren && let Some(page) = paren_landing(tracking, query_and_fragment) {
        return Some(page);
    }
    let params = landing_params(network, query_and_fragment);
    let query_start = tracking.len() - query_and_fragment.len();
    let query = query_and_fragment
        .split_once('#')
        .map_or(query_and_fragment, |(query, _)| query);
    let mut offset = query_start;
    for pair in query.split('&') {
        let pair_start = offset;
        offset += pair.len() + 1;
        let Some((raw_key, raw_value)) = pair.split_once('=') else {
            continue;
        };
        let key = decode_form(raw_key);
        if !params.iter().any(|param| key.eq_ignore_ascii_case(param)) {
            continue;
        }
        if is_http_url(raw_value) {
            let value_start = pair_start + raw_key.len() + 1;
            return tracking.get(value_start..).map(str::to_string);
        }
        let value = decode_form(raw_value);
        if is_http_url(&value) {
            return Some(value);
        }
    }
    None
}

/// The parameters that may hold the landing page of a link of `network`.
fn landing_params(network: Option<LinkNetwork>, query: &str) -> &'static [&'static str] {
    match network {
        None => ANY_NETWORK_PARAMS,
        Some(LinkNetwork::Awin) => &["ued"],
        Some(LinkNetwork::Tradetracker) if has_param(query, "tt") => &["r"],
        Some(LinkNetwork::Tradetracker) => &["u"],
        Some(_) => &["url"],
    }
}

fn has_param(query: &str, name: &str) -> bool {
    query
        .split('&')
        .any(|pair| pair.split_once('=').map_or(pair, |(key, _)| key) == name)
}

/// Tradedoubler's `…/click?a(1)p(2)url(http%3A%2F%2F…)`: `url(..)` after groups without `=`.
fn paren_landing(tracking: &str, query: &str) -> Option<String> {
    let before = &query[..query.find("url(")?];
    if before.contains('=') {
        return None;
    }
    let (start, end) = paren_span(tracking, "url(")?;
    let inner = tracking.get(start + "url(".len()..end - 1)?;
    let page = percent_decode_str(inner).decode_utf8().ok()?.into_owned();
    is_http_url(&page).then_some(page)
}

fn decode_form(text: &str) -> String {
    form_urlencoded::parse(text.as_bytes())
        .next()
        .map(|(key, _)| key.into_owned())
        .unwrap_or_default()
}

/// `http://` or `https://` (any case) with something after it.
fn is_http_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let scheme_len = if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else {
        return false;
    };
    text.len() > scheme_len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_landing_pages_of_every_network() {
        let cases = [
            (
                "http://track.adtraction.com/t/t?a=29137242&as=24156984&t=2&tk=1&epi=DC+Hood&url=http://www.boardstore.se/item/48343?x=1&y=2",
                "http://www.boardstore.se/item/48343?x=1&y=2",
            ),
            (
                "http://www.centralpoint.nl/tracker/index.php?tt=534_251713_1_&r=http%3A%2F%2Fwww.centralpoint.nl%2Fa%2F",
                "http://www.centralpoint.nl/a/",
            ),
            (
                "http://pdt.tradedoubler.com/click?a(2122225)p(77609)prod(1016720533)ttid(5)url(http%3A%2F%2Fwww.spelbutiken.se%2Fcatalog)",
                "http://www.spelbutiken.se/catalog",
            ),
            (
                "https://www.awin1.com/cread.php?awinmid=1&awinaffid=2&ued=https%3A%2F%2Fshop.example%2Fp%2F1",
                "https://shop.example/p/1",
            ),
            (
                "https://www.partner-ads.com/dk/klikbanner.php?bannerid=70561&partnerid=27899&htmlurl=https://www.elgiganten.dk/product/10011?utm_source=pa&utm_medium=aff",
                "https://www.elgiganten.dk/product/10011?utm_source=pa&utm_medium=aff",
            ),
            (
                "https://tc.tradetracker.net/?c=1&m=12&a=2&r=ref1&u=https%3A%2F%2Fshop.example%2Fp",
                "https://shop.example/p",
            ),
        ];
        for (tracking, landing) in cases {
            assert_eq!(
                landing_page(tracking, None).as_deref(),
                Some(landing),
                "{tracking}"
            );
            let network = LinkNetwork::detect(tracking);
            if network.is_some() {
                assert_eq!(
                    landing_page(tracking, network).as_deref(),
                    Some(landing),
                    "{tracking} as {network:?}"
                );
            }
        }
        assert_eq!(
            landing_page(
                "https://www.awin1.com/pclick.php?p=38953129761&a=394937&m=10597",
                None
            ),
            None
        );
    }

    #[test]
    fn a_known_network_reads_only_its_own_parameter() {
        let awin = "https://www.awin1.com/cread.php?awinmid=1&url=https%3A%2F%2Fx.example%2F";
        assert_eq!(landing_page(awin, Some(LinkNetwork::Awin)), None);
        assert_eq!(
            landing_page(awin, None).as_deref(),
            Some("https://x.example/")
        );
        let direct =
            "https://tc.tradetracker.net/?c=1&r=https://evil.example/&u=https%3A%2F%2Fs.example%2F";
        assert_eq!(
            landing_page(direct, Some(LinkNetwork::Tradetracker)).as_deref(),
            Some("https://s.example/")
        );
    }

    #[test]
    fn an_unencoded_landing_page_keeps_its_bytes_and_fragment() {
        let link = "https://t.example/t/t?a=1&url=https://shop.example/p?q=a%20b&x=1#top";
        assert_eq!(
            landing_page(link, Some(LinkNetwork::Adtraction)).as_deref(),
            Some("https://shop.example/p?q=a%20b&x=1#top")
        );
    }

    #[test]
    fn values_that_are_no_http_url_are_not_landing_pages() {
        for link in [
            "https://t.example/?url=javascript%3Aalert(1)",
            "https://t.example/?url=/relative/path",
            "https://t.example/?url=https%3A%2F%2F",
            "https://t.example/click?url(",
            "https://t.example/click?a(1)url(%FF%FE)",
            "no query at all",
            "",
        ] {
            assert_eq!(landing_page(link, None), None, "{link}");
        }
    }
}
