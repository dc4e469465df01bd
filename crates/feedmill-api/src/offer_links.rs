//! The three links every offer carries in API answers: `tracking_url` (the feed's own),
//! `deep_link` (that link to the product page with the caller's sub-ids) and `click_url` (our
//! click-out, which records the click and redirects to the deep link).
//!
//! Answers are the index's own JSON with these fields added to each offer object, also inside
//! grouped items: [`LinkedOffer`] flattens the offer and appends them, and [`LinkedResponse`]
//! serializes a search answer straight to JSON text through it, without an intermediate JSON
//! tree. A test holds its shape to the index's own JSON plus the three links. The links are
//! built by `feedmill-links` with the source's [`feedmill_links::SourceLinks`].
//!
//! An offer whose program has known commission rules also carries `expected_commission`
//! (`{"amount":"1.23","currency":"EUR","rule":"…"}`), from the in-memory
//! [`CommissionRules`] the caller took once per answer; without rules the field is absent.

use crate::commission_book::CommissionRules;
use crate::config::ApiConfig;
use crate::error::ApiError;
use feedmill_links::{Landing, SubIds, encode_component};
use feedmill_model::{Currency, Offer, format_price};
use feedmill_search::{
    FacetResults, GtinGroup, OfferHit, PriceFacts, PricedOffer, SearchItem, SearchResponse,
};
use feedmill_store::ExpectedCommission;
use serde::Serialize;
use serde_json::Value;

/// `{base}/r/{id}` with `?sub_id=` when the caller gave a sub-id.
pub(crate) fn click_url(base: &str, offer_id: &str, ids: &SubIds) -> String {
    let mut url = format!("{base}/r/{}", encode_component(offer_id));
    if let Some(sub_id) = ids.get(0) {
        url.push_str("?sub_id=");
        url.push_str(sub_id);
    }
    url
}

/// An offer as answers carry it: its own fields, its honest numbers, then its links. Its
/// schema (`Offer` in the document) is these three parts' derived schemas merged
/// (`crate::openapi`'s `offer_schema`).
#[derive(Serialize)]
pub(crate) struct LinkedOffer<'a> {
    #[serde(flatten)]
    pub(crate) offer: &'a Offer,
    /// The honest numbers, when price history is kept (see `feedmill_search::PriceFacts`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub(crate) price_facts: Option<&'a PriceFacts>,
    #[serde(flatten)]
    pub(crate) links: OfferLinks,
}

/// The links every offer of an answer carries (always there, `null` when unknown), and what it
/// is expected to earn.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct OfferLinks {
    /// The network's click URL exactly as the feed gives it; `null` for an offer without one
    /// (the offer's own fields leave it out; an offer with one writes it itself).
    #[serde(rename = "tracking_url", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, required = true)]
    no_tracking_url: Option<()>,
    /// The tracking link to this product page with the caller's sub-id.
    #[schema(required = true)]
    deep_link: Option<String>,
    /// Our click-out URL: records the click, then redirects to `deep_link`.
    #[schema(required = true)]
    click_url: Option<String>,
    /// What the offer is expected to earn under its program's known commission rules; absent
    /// when none are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    expected_commission: Option<ExpectedCommission>,
}

/// What every offer of one answer is decorated from: the config, the caller's sub-ids and
/// the commission rules taken for this answer.
#[derive(Clone, Copy)]
pub(crate) struct Decoration<'a> {
    pub config: &'a ApiConfig,
    pub ids: &'a SubIds,
    pub commissions: &'a CommissionRules,
}

impl<'a> LinkedOffer<'a> {
    pub fn new(decoration: Decoration<'_>, offer: &'a Offer) -> LinkedOffer<'a> {
        let Decoration {
            config,
            ids,
            commissions,
        } = decoration;
        let links = config.links(&offer.source);
        let deep_link = links.deep_link(offer, Landing::AsGiven, ids);
        let has_destination =
            deep_link.is_some() || offer.tracking_url.is_some() || offer.product_url.is_some();
        let click_url = has_destination.then(|| click_url(&config.public_base_url, &offer.id, ids));
        LinkedOffer {
            offer,
            price_facts: None,
            links: OfferLinks {
                no_tracking_url: offer.tracking_url.is_none().then_some(()),
                deep_link,
                click_url,
                expected_commission: commissions.expected(offer),
            },
        }
    }

    /// The offer with its honest numbers.
    pub fn with_facts(mut self, price_facts: Option<&'a PriceFacts>) -> LinkedOffer<'a> {
        self.price_facts = price_facts;
        self
    }
}

/// A priced offer as JSON with its honest numbers, its three links (and its expected
/// commission).
pub(crate) fn priced_offer_json(
    decoration: Decoration<'_>,
    priced: &PricedOffer,
) -> Result<Value, ApiError> {
    let linked =
        LinkedOffer::new(decoration, &priced.offer).with_facts(priced.price_facts.as_ref());
    serde_json::to_value(linked).map_err(|err| ApiError::internal("offer json", err))
}

/// A search answer with the links on every offer, grouped ones included: the fields of the
/// seam's `SearchResponse`, in its shape.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = SearchResponse)]
pub(crate) struct LinkedResponse<'a> {
    total: u64,
    #[schema(value_type = u64)]
    page: usize,
    #[schema(value_type = u64)]
    per_page: usize,
    took_ms: u64,
    items: Vec<LinkedItem<'a>>,
    /// Only the requested facets; left out when none was asked for.
    #[serde(skip_serializing_if = "no_facets")]
    #[schema(value_type = Option<FacetResults>, nullable = false)]
    facets: &'a FacetResults,
}

fn no_facets(facets: &&FacetResults) -> bool {
    facets.is_empty()
}

/// One result: an offer, or all offers of one product.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = SearchItem)]
#[serde(untagged)]
enum LinkedItem<'a> {
    Group(LinkedGroup<'a>),
    Offer(LinkedHit<'a>),
}

/// The seam's `OfferHit` with links: an offer with its relevance score (`null` when none was
/// computed).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = OfferHit)]
struct LinkedHit<'a> {
    #[serde(flatten)]
    offer: LinkedOffer<'a>,
    #[schema(required = true)]
    score: Option<f32>,
}

/// The seam's `GtinGroup` with links on its offers: all offers of one product in one currency, one
/// GTIN (`group_by=gtin`, `gtin` set) or one matched product (`group_by=product`,
/// `product_id` set, `gtin` when the product has one).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = GtinGroup)]
struct LinkedGroup<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^p[0-9a-f]{12}$")]
    product_id: Option<&'a str>,
    /// The 14-digit form.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^[0-9]{14}$")]
    gtin: Option<&'a str>,
    /// The title of the cheapest offer.
    title: &'a str,
    offer_count: u64,
    /// Lowest and highest price (without shipping) among the offers.
    #[schema(pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    min_price: String,
    #[schema(pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    max_price: String,
    /// ISO-4217.
    #[schema(value_type = String, pattern = "^[A-Z]{3}$")]
    currency: Currency,
    /// Cheapest total (price + shipping) first.
    offers: Vec<LinkedOffer<'a>>,
}

impl<'a> LinkedResponse<'a> {
    /// `response` with links for the caller's `ids`; `took_ms` is this answer's.
    pub fn new(
        decoration: Decoration<'_>,
        response: &'a SearchResponse,
        took_ms: u64,
    ) -> LinkedResponse<'a> {
        let items = response
            .items
            .iter()
            .map(|item| match item {
                SearchItem::Offer(hit) => LinkedItem::Offer(linked_hit(decoration, hit)),
                SearchItem::Group(group) => LinkedItem::Group(linked_group(decoration, group)),
            })
            .collect();
        LinkedResponse {
            total: response.total,
            page: response.page,
            per_page: response.per_page,
            took_ms,
            items,
            facets: &response.facets,
        }
    }
}

fn linked_hit<'a>(decoration: Decoration<'_>, hit: &'a OfferHit) -> LinkedHit<'a> {
    LinkedHit {
        offer: LinkedOffer::new(decoration, &hit.offer).with_facts(hit.price_facts.as_ref()),
        score: hit.score,
    }
}

fn linked_group<'a>(decoration: Decoration<'_>, group: &'a GtinGroup) -> LinkedGroup<'a> {
    LinkedGroup {
        product_id: group.product_id.as_deref(),
        gtin: group.gtin.as_deref(),
        title: &group.title,
        offer_count: group.offer_count,
        min_price: format_price(group.min_price),
        max_price: format_price(group.max_price),
        currency: group.currency,
        offers: group
            .offers
            .iter()
            .map(|priced| {
                LinkedOffer::new(decoration, &priced.offer).with_facts(priced.price_facts.as_ref())
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{full_offer, strip_links};
    use feedmill_search::FacetValue;

    /// A search answer is the index's JSON with the three links on every offer, grouped ones
    /// included: nothing else added, renamed or lost.
    #[test]
    fn answers_are_the_index_json_plus_three_links_per_offer()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let config = ApiConfig::new("http://x.example", dir.path().join("clicks")).validated()?;
        let offer = full_offer();
        let mut bare = full_offer();
        bare.id = "nordic:1496445:SKU-2".into();
        bare.tracking_url = None;
        bare.product_url = None;
        let group = GtinGroup {
            product_id: None,
            gtin: Some("04006381333931".into()),
            title: offer.title.clone(),
            offer_count: 2,
            min_price: offer.price,
            max_price: offer.price,
            currency: offer.currency,
            offers: vec![
                PricedOffer::bare(offer.clone()),
                PricedOffer::bare(bare.clone()),
            ],
        };
        let facets = FacetResults {
            brand: Some(vec![FacetValue {
                value: "Salomon".into(),
                count: 2,
            }]),
            ..FacetResults::default()
        };
        let items = vec![
            SearchItem::Offer(OfferHit {
                offer,
                price_facts: None,
                score: Some(1.5),
            }),
            SearchItem::Offer(OfferHit {
                offer: bare,
                price_facts: None,
                score: None,
            }),
            SearchItem::Group(group),
        ];
        let response = SearchResponse {
            total: 3,
            page: 1,
            per_page: 20,
            took_ms: 7,
            items,
            facets,
        };
        let ids = SubIds::single("subid", "nl-1")?;
        let commissions = CommissionRules::default();
        let decoration = Decoration {
            config: &config,
            ids: &ids,
            commissions: &commissions,
        };
        let linked = serde_json::to_value(LinkedResponse::new(decoration, &response, 7))?;
        let full_deep_link = linked["items"][0]["deep_link"].as_str().unwrap_or_default();
        assert!(full_deep_link.contains("epi=nl-1"), "{full_deep_link}");
        assert!(linked["items"][1]["tracking_url"].is_null());
        assert!(linked["items"][1]["click_url"].is_null(), "nowhere to go");
        let mut stripped = linked.clone();
        for i in 0..2 {
            strip_links(&mut stripped["items"][i]);
        }
        for offer in stripped["items"][2]["offers"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            strip_links(offer);
        }
        assert_eq!(stripped, serde_json::to_value(&response)?);
        Ok(())
    }

    #[test]
    fn click_urls_encode_the_id_and_carry_the_sub_id() -> Result<(), feedmill_links::LinkError> {
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
