//! Deep links: the network's own tracking URL pointed at one landing page and carrying the
//! publisher's sub-ids in the network's own parameters (NETWORKS.md, "Deep links and sub-ids").
//!
//! Every function here *edits* the URL the feed or program gives, with the `url` crate; none
//! rebuilds a link from a hard-coded host (hosts are often advertiser-branded). Editing is
//! idempotent: a sub-id parameter is replaced, never added twice, and the landing parameter is
//! replaced in place, so a link that already is a deep link is never wrapped again. One function
//! per network:
//!
//! | network | landing | sub-ids | function |
//! |---|---|---|---|
//! | Adtraction | `url` (last, often unencoded) | `epi`, `epi2`..`epi5` | [`adtraction`] |
//! | Awin | `ued` on `cread.php` | `clickref`, `clickref2`..`clickref6` | [`awin`] |
//! | PartnerBoost | `url` | `uid`, `uid2`..`uid5` | [`partnerboost`] |
//! | TradeTracker | `u` (`r` on a merchant-hosted `tt=` redirect) | `r` (`tt`'s 4th part there) | [`tradetracker`] |
//! | Tradedoubler | `url(..)` / `url` | `epi(..)` / `epi` | [`tradedoubler`] |
//! | any other | a template with `{url}` | `{subid}` (and `{click_id}`) | [`from_template`] |
//!
//! A click-out also carries its click id, in a slot of its own per network
//! ([`LinkNetwork::click_id_slot`]); a template places it with `{click_id}`.

use crate::error::LinkError;
pub use crate::landing::Landing;
use crate::link_network::{
    ADTRACTION_SUB_IDS, AWIN_SUB_IDS, CLICK_ID_FIELD, CLICK_ID_PLACEHOLDER, LinkNetwork,
    PARTNERBOOST_SUB_IDS, TRADEDOUBLER_SUB_IDS, TRADETRACKER_SUB_IDS,
};
use crate::query_link::{QueryLink, encode_component, parse_http};
use crate::sub_ids::{SubIds, check_sub_id};
use url::Url;

/// The deep link of `tracking_url` for a query-editing network (not [`LinkNetwork::Template`],
/// which needs its template: see [`from_template`]).
pub fn deep_link(
    network: LinkNetwork,
    tracking_url: &str,
    landing: Landing<'_>,
    sub_ids: &SubIds,
) -> Result<String, LinkError> {
    match network {
        LinkNetwork::Adtraction => adtraction(tracking_url, landing, sub_ids),
        LinkNetwork::Awin => awin(tracking_url, landing, sub_ids),
        LinkNetwork::Partnerboost => partnerboost(tracking_url, landing, sub_ids),
        LinkNetwork::Tradetracker => tradetracker(tracking_url, landing, sub_ids),
        LinkNetwork::Tradedoubler => tradedoubler(tracking_url, landing, sub_ids),
        LinkNetwork::Template => Err(LinkError::NeedsTemplate),
    }
}

/// Adtraction: `epi`..`epi5`, and `url` kept as the **last** parameter (feeds write it
/// unencoded, so everything after `url=` is the landing page).
pub fn adtraction(tracking: &str, landing: Landing<'_>, ids: &SubIds) -> Result<String, LinkError> {
    let link = QueryLink::parse(tracking, "url")?;
    Ok(link.rebuild(ADTRACTION_SUB_IDS, ids, landing, |_| {}))
}

/// Awin: `clickref`..`clickref6` (lower-case). A feed's `pclick.php?p=..&a=..&m=..` is already a
/// product deep link and only gains click references; another landing page goes through
/// `cread.php` on the same host with `awinmid`/`awinaffid` from the link's `m`/`a` and `ued`.
pub fn awin(tracking: &str, landing: Landing<'_>, ids: &SubIds) -> Result<String, LinkError> {
    let url = parse_http(tracking)?;
    let is_cread = url.path().ends_with("/cread.php");
    if is_cread || landing == Landing::AsGiven {
        let link = QueryLink::parse(tracking, "ued")?;
        return Ok(link.rebuild(AWIN_SUB_IDS, ids, landing, |_| {}));
    }
    let param = |names: &[&str]| {
        url.query_pairs()
            .find(|(key, _)| names.contains(&key.as_ref()))
            .map(|(_, value)| value.into_owned())
    };
    let (Some(mid), Some(affid)) = (param(&["m", "awinmid", "mid"]), param(&["a", "awinaffid"]))
    else {
        return Err(LinkError::AwinIds(tracking.to_string()));
    };
    let mut cread = url.clone();
    let dir = url.path().rsplit_once('/').map_or("", |(dir, _)| dir);
    cread.set_path(&format!("{dir}/cread.php"));
    cread.set_query(None);
    {
        let mut query = cread.query_pairs_mut();
        query
            .append_pair("awinmid", &mid)
            .append_pair("awinaffid", &affid);
        for (slot, value) in ids.iter() {
            if let Some(name) = AWIN_SUB_IDS.get(slot) {
                query.append_pair(name, value);
            }
        }
        if let Landing::Page(page) = landing {
            query.append_pair("ued", page.as_str());
        }
    }
    Ok(cread.to_string())
}

/// PartnerBoost: `uid`..`uid5` and the landing page in `url` on `/track/{token}`.
pub fn partnerboost(
    tracking: &str,
    landing: Landing<'_>,
    ids: &SubIds,
) -> Result<String, LinkError> {
    let link = QueryLink::parse(tracking, "url")?;
    Ok(link.rebuild(PARTNERBOOST_SUB_IDS, ids, landing, |_| {}))
}

/// TradeTracker: the reference in `r` and the landing page in `u`
/// (`tc.tradetracker.net/?c=..&m=12&a=..&r=..&u=..`). A merchant-hosted redirect
/// (`…/tracker/index.php?tt=CAMPAIGN_MATERIAL_AFFILIATE_REFERENCE&r=LANDING`) uses `r` for the
/// landing page instead, and the reference is the fourth `_`-separated part of `tt`.
pub fn tradetracker(
    tracking: &str,
    landing: Landing<'_>,
    ids: &SubIds,
) -> Result<String, LinkError> {
    let url = parse_http(tracking)?;
    if !url.query_pairs().any(|(key, _)| key == "tt") {
        let link = QueryLink::parse(tracking, "u")?;
        return Ok(link.rebuild(TRADETRACKER_SUB_IDS, ids, landing, |_| {}));
    }
    let link = QueryLink::parse(tracking, "r")?;
    let reference = ids.get(0).map(str::to_string);
    Ok(link.rebuild(&[], &SubIds::none(), landing, |pairs| {
        let Some(reference) = reference else { return };
        for (key, value) in pairs.iter_mut() {
            if key == "tt" {
                let head: Vec<&str> = value.split('_').take(3).collect();
                *value = format!("{}_{reference}", head.join("_"));
            }
        }
    }))
}

/// Tradedoubler: the paren form `…/click?a(1)p(2)url(…)` gets `epi(..)` inserted before
/// `url(..)`; the query form (`click?p=..&a=..&url=..`) gets `epi` before the last `url`.
pub fn tradedoubler(
    tracking: &str,
    landing: Landing<'_>,
    ids: &SubIds,
) -> Result<String, LinkError> {
    let url = parse_http(tracking)?;
    let is_paren = url
        .query()
        .is_some_and(|q| q.contains(')') && !q.contains('='));
    if !is_paren {
        let link = QueryLink::parse(tracking, "url")?;
        return Ok(link.rebuild(TRADEDOUBLER_SUB_IDS, ids, landing, |_| {}));
    }
    let mut text = tracking.trim().to_string();
    if let Some(epi) = ids.get(0) {
        match paren_span(&text, "epi(") {
            Some((start, end)) => text.replace_range(start..end, &format!("epi({epi})")),
            None => {
                let at = text.find("url(").unwrap_or(text.len());
                text.insert_str(at, &format!("epi({epi})"));
            }
        }
    }
    if let Some((start, end)) = paren_span(&text, "url(") {
        match landing {
            Landing::AsGiven => {}
            Landing::Page(page) => {
                let encoded = encode_component(page.as_str());
                text.replace_range(start..end, &format!("url({encoded})"));
            }
            Landing::Default => text.replace_range(start..end, ""),
        }
    } else if let Landing::Page(page) = landing {
        text.push_str(&format!("url({})", encode_component(page.as_str())));
    }
    Ok(text)
}

/// `name(..)` in a paren-form link: its byte range, closing parenthesis included. `url(..)`
/// is the last group and may hold parentheses of its own, so it runs to the last `)`.
pub(crate) fn paren_span(text: &str, name: &str) -> Option<(usize, usize)> {
    let start = text.find(name)?;
    let end = if name == "url(" {
        text.rfind(')')?
    } else {
        start + text[start..].find(')')?
    };
    (end > start).then_some((start, end + 1))
}

/// Any other network: the source's template with `{url}` (the landing page, percent-encoded)
/// and `{subid}` (slot 1); a `{click_id}` in it is left empty (see
/// [`from_template_with_click_id`]). A landing page on the template's own host is already a
/// tracking link and is returned as it is, never wrapped twice.
pub fn from_template(
    template: &str,
    landing_page: &str,
    ids: &SubIds,
) -> Result<String, LinkError> {
    from_template_with_click_id(template, landing_page, ids, "")
}

/// [`from_template`] for a click-out: `{click_id}` becomes `click_id` (a checked sub-id value).
pub fn from_template_with_click_id(
    template: &str,
    landing_page: &str,
    ids: &SubIds,
    click_id: &str,
) -> Result<String, LinkError> {
    let click_id = check_sub_id(CLICK_ID_FIELD, click_id)?.unwrap_or_default();
    let template_host = template_host(template)?;
    let landing_host = Url::parse(landing_page)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    if landing_host.as_deref() == Some(template_host.as_str()) {
        return Ok(landing_page.to_string());
    }
    let link = template
        .replace("{url}", &encode_component(landing_page))
        .replace("{subid}", ids.get(0).unwrap_or(""))
        .replace(CLICK_ID_PLACEHOLDER, &click_id);
    Ok(link)
}

/// Checks a template and returns its host.
pub fn template_host(template: &str) -> Result<String, LinkError> {
    let bad = || LinkError::BadTemplate(template.to_string());
    if !template.contains("{url}") {
        return Err(bad());
    }
    let sample = template
        .replace("{url}", "u")
        .replace("{subid}", "s")
        .replace(CLICK_ID_PLACEHOLDER, "c");
    let url = parse_http(&sample).map_err(|_| bad())?;
    url.host_str().map(str::to_ascii_lowercase).ok_or_else(bad)
}

#[cfg(test)]
#[path = "deep_link_tests.rs"]
mod tests;
