//! The three links every offer carries in API answers: `tracking_url` (the feed's own),
//! `deep_link` (that link to the product page with the caller's sub-ids) and `click_url` (our
//! click-out, which records the click and redirects to the deep link).
//!
//! Answers are the index's own JSON with these fields added to each offer object, also inside
//! grouped items, so the shape can never drift from what `feedmill search` prints.

use crate::config::SourceLinks;
use crate::deep_link::{Landing, LinkNetwork, deep_link, from_template};
use crate::error::ApiError;
use crate::query_link::encode_component;
use crate::state::AppState;
use crate::sub_ids::SubIds;
use feedmill_index::{SearchItem, SearchResponse};
use feedmill_model::Offer;
use serde_json::{Map, Value};
use tracing::debug;
use url::Url;

/// The link dialect of `offer`: the source's setting, else its network's, else its link's
/// shape, else the source's template.
pub(crate) fn link_network(offer: &Offer, links: &SourceLinks) -> Option<LinkNetwork> {
    links
        .network
        .or_else(|| LinkNetwork::for_network(offer.network))
        .or_else(|| offer.tracking_url.as_deref().and_then(LinkNetwork::detect))
        .or_else(|| {
            links
                .deep_link_template
                .as_ref()
                .map(|_| LinkNetwork::Template)
        })
}

/// The deep link of `offer` to `landing` with `ids`; `None` when there is no link to edit.
pub(crate) fn offer_deep_link(
    offer: &Offer,
    links: &SourceLinks,
    landing: Landing<'_>,
    ids: &SubIds,
) -> Option<String> {
    let network = link_network(offer, links)?;
    let result = if network == LinkNetwork::Template {
        let template = links.deep_link_template.as_deref()?;
        let page = match landing {
            Landing::Page(page) => page.as_str().to_string(),
            Landing::AsGiven => offer.product_url.clone()?,
            Landing::Default => merchant_root(offer)?,
        };
        from_template(template, &page, ids)
    } else {
        deep_link(network, offer.tracking_url.as_deref()?, landing, ids)
    };
    result
        .map_err(|err| debug!(offer = %offer.id, error = %err, "no deep link"))
        .ok()
}

/// `https://host/` of the offer's product page: a merchant's default landing page.
pub(crate) fn merchant_root(offer: &Offer) -> Option<String> {
    let mut url = Url::parse(offer.product_url.as_deref()?).ok()?;
    url.set_path("/");
    url.set_query(None);
    url.set_fragment(None);
    Some(url.to_string())
}

/// Where a click-out of `offer` goes: its deep link, else its tracking URL, else its page.
pub(crate) fn click_destination(
    offer: &Offer,
    links: &SourceLinks,
    ids: &SubIds,
) -> Option<String> {
    offer_deep_link(offer, links, Landing::AsGiven, ids)
        .or_else(|| offer.tracking_url.clone())
        .or_else(|| offer.product_url.clone())
}

/// `{base}/r/{id}` with `?sub_id=` when the caller gave a sub-id.
pub(crate) fn click_url(base: &str, offer_id: &str, ids: &SubIds) -> String {
    let mut url = format!("{base}/r/{}", encode_component(offer_id));
    if let Some(sub_id) = ids.get(0) {
        url.push_str("?sub_id=");
        url.push_str(sub_id);
    }
    url
}

/// `offer` as JSON with its three links.
pub(crate) fn offer_json(state: &AppState, offer: &Offer, ids: &SubIds) -> Result<Value, ApiError> {
    let mut value =
        serde_json::to_value(offer).map_err(|err| ApiError::internal("offer json", err))?;
    add_links(state, &mut value, offer, ids);
    Ok(value)
}

/// Adds `tracking_url`, `deep_link` and `click_url` to an offer's JSON object.
fn add_links(state: &AppState, value: &mut Value, offer: &Offer, ids: &SubIds) {
    let Some(object) = value.as_object_mut() else {
        return;
    };
    let links = state.config().links(&offer.source);
    let deep = offer_deep_link(offer, links, Landing::AsGiven, ids);
    let has_destination =
        deep.is_some() || offer.tracking_url.is_some() || offer.product_url.is_some();
    let click = has_destination.then(|| click_url(&state.config().public_base_url, &offer.id, ids));
    insert(object, "tracking_url", offer.tracking_url.clone());
    insert(object, "deep_link", deep);
    insert(object, "click_url", click);
}

fn insert(object: &mut Map<String, Value>, key: &str, value: Option<String>) {
    object.insert(key.to_string(), value.map_or(Value::Null, Value::String));
}

/// A search answer: the index's JSON with the links on every offer, grouped ones included.
pub(crate) fn search_json(
    state: &AppState,
    response: &SearchResponse,
    ids: &SubIds,
) -> Result<Value, ApiError> {
    let mut value =
        serde_json::to_value(response).map_err(|err| ApiError::internal("search json", err))?;
    let Some(items) = value.get_mut("items").and_then(Value::as_array_mut) else {
        return Ok(value);
    };
    for (item_json, item) in items.iter_mut().zip(&response.items) {
        match item {
            SearchItem::Offer(hit) => add_links(state, item_json, &hit.offer, ids),
            SearchItem::Group(group) => {
                let Some(offers) = item_json.get_mut("offers").and_then(Value::as_array_mut) else {
                    continue;
                };
                for (offer_json, offer) in offers.iter_mut().zip(&group.offers) {
                    add_links(state, offer_json, offer, ids);
                }
            }
        }
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn click_urls_encode_the_id_and_carry_the_sub_id() -> Result<(), ApiError> {
        let ids = SubIds::single("subid", "nl-1")?;
        assert_eq!(
            click_url("https://c.example", "shop:42:a b", &ids),
            "https://c.example/r/shop%3A42%3Aa%20b?sub_id=nl-1"
        );
        assert_eq!(
            click_url("https://c.example", "x", &SubIds::none()),
            "https://c.example/r/x"
        );
        Ok(())
    }
}
