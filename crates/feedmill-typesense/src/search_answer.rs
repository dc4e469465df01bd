//! A Typesense search answer as the seam's [`SearchResponse`]: hits or groups back to offers
//! (from the stored offer JSON), facet counts to the index's lists.

use crate::error::TypesenseError;
use crate::offer_document::{PRICE_BUCKETS, SINGLE_KEY_PREFIX};
use crate::search_params::facet_field;
use feedmill_model::Offer;
use feedmill_search::{
    FacetKind, FacetResults, FacetValue, GtinGroup, OfferHit, PricedOffer, SearchItem,
    SearchRequest,
};
use serde::Deserialize;
use std::collections::HashMap;

/// Values listed per facet (and per category level), as the index lists them.
const TOP_VALUES: usize = 20;

/// The parts of a Typesense search answer feedmill reads.
#[derive(Debug, Deserialize)]
pub(crate) struct TypesenseAnswer {
    pub found: u64,
    #[serde(default)]
    pub hits: Vec<Hit>,
    #[serde(default)]
    pub grouped_hits: Vec<GroupedHits>,
    #[serde(default)]
    pub facet_counts: Vec<FacetCounts>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Hit {
    pub document: HitDocument,
    #[serde(default)]
    pub text_match: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct HitDocument {
    pub offer: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct GroupedHits {
    pub group_key: Vec<String>,
    pub hits: Vec<Hit>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct FacetCounts {
    pub field_name: String,
    pub counts: Vec<FacetCount>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct FacetCount {
    pub count: u64,
    pub value: String,
}

impl Hit {
    pub fn offer(&self) -> Result<Offer, TypesenseError> {
        serde_json::from_str(&self.document.offer)
            .map_err(|err| TypesenseError::bad_answer("a stored offer", err))
    }
}

/// The page's items: offers, or groups and single offers when grouping.
pub(crate) fn items(
    answer: &TypesenseAnswer,
    scored: bool,
) -> Result<Vec<SearchItem>, TypesenseError> {
    let score = |hit: &Hit| scored.then(|| hit.text_match.unwrap_or(0) as f32);
    let mut items = Vec::new();
    for hit in &answer.hits {
        let offer = hit.offer()?;
        items.push(SearchItem::Offer(OfferHit {
            offer,
            price_facts: None,
            score: score(hit),
        }));
    }
    for group in &answer.grouped_hits {
        let key = group.group_key.first().map(String::as_str).unwrap_or("");
        if key.starts_with(SINGLE_KEY_PREFIX) {
            for hit in &group.hits {
                let offer = hit.offer()?;
                items.push(SearchItem::Offer(OfferHit {
                    offer,
                    price_facts: None,
                    score: score(hit),
                }));
            }
            continue;
        }
        let mut offers = Vec::with_capacity(group.hits.len());
        for hit in &group.hits {
            offers.push(PricedOffer::bare(hit.offer()?));
        }
        items.extend(gtin_group(offers).map(SearchItem::Group));
    }
    Ok(items)
}

/// Cheapest total (price + shipping) first, then price, then id: the index's order.
pub(crate) fn sort_cheapest_first(offers: &mut [Offer]) {
    offers.sort_by(cheapest_first);
}

fn cheapest_first(a: &Offer, b: &Offer) -> std::cmp::Ordering {
    a.total_price()
        .cmp(&b.total_price())
        .then(a.price.cmp(&b.price))
        .then_with(|| a.id.cmp(&b.id))
}

fn gtin_group(mut offers: Vec<PricedOffer>) -> Option<GtinGroup> {
    offers.sort_by(|a, b| cheapest_first(&a.offer, &b.offer));
    let cheapest = &offers.first()?.offer;
    let gtin = cheapest.gtin.as_ref()?.as_gtin14();
    Some(GtinGroup {
        product_id: None,
        gtin: Some(gtin),
        title: cheapest.title.clone(),
        offer_count: offers.len() as u64,
        min_price: offers.iter().map(|o| o.offer.price).min()?,
        max_price: offers.iter().map(|o| o.offer.price).max()?,
        currency: cheapest.currency,
        offers,
    })
}

/// The requested facets, as the index lists them.
pub(crate) fn facets(answer: &TypesenseAnswer, request: &SearchRequest) -> FacetResults {
    let counts_of = |kind: FacetKind| -> HashMap<String, u64> {
        answer
            .facet_counts
            .iter()
            .find(|f| f.field_name == facet_field(kind))
            .map(|f| {
                f.counts
                    .iter()
                    .map(|c| (c.value.clone(), c.count))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut results = FacetResults::default();
    for kind in &request.facets {
        let counts = counts_of(*kind);
        let values = match kind {
            FacetKind::Category => category_levels(&counts, request.category.as_deref()),
            FacetKind::Price => price_buckets(&counts),
            _ => top_values(counts),
        };
        let slot = match kind {
            FacetKind::Brand => &mut results.brand,
            FacetKind::Category => &mut results.category,
            FacetKind::Merchant => &mut results.merchant,
            FacetKind::Network => &mut results.network,
            FacetKind::Price => &mut results.price,
        };
        *slot = Some(values);
    }
    results
}

/// Most offers first, then by value; the top [`TOP_VALUES`].
pub(crate) fn top_values(values: HashMap<String, u64>) -> Vec<FacetValue> {
    let mut values: Vec<FacetValue> = values
        .into_iter()
        .map(|(value, count)| FacetValue { value, count })
        .collect();
    values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    values.truncate(TOP_VALUES);
    values
}

/// Top-level categories, then the children of each step of the selected path. The counts are
/// per path already (every offer counts under each of its ancestors).
fn category_levels(path_counts: &HashMap<String, u64>, selected: Option<&str>) -> Vec<FacetValue> {
    let selected = selected
        .map(crate::offer_document::category_paths)
        .unwrap_or_default();
    let mut levels = Vec::new();
    for depth in 0..=selected.len() {
        let parent = depth.checked_sub(1).map(|d| format!("{} > ", selected[d]));
        let children: HashMap<String, u64> = path_counts
            .iter()
            .filter(|(path, _)| path.matches(" > ").count() == depth)
            .filter(|(path, _)| parent.as_ref().is_none_or(|p| path.starts_with(p.as_str())))
            .map(|(path, count)| (path.clone(), *count))
            .collect();
        levels.extend(top_values(children));
    }
    levels
}

/// Every bucket in order, empty ones with 0.
fn price_buckets(counts: &HashMap<String, u64>) -> Vec<FacetValue> {
    PRICE_BUCKETS
        .iter()
        .map(|(label, _)| FacetValue {
            value: (*label).to_string(),
            count: counts.get(*label).copied().unwrap_or(0),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_levels_follow_the_selected_path() {
        let counts: HashMap<String, u64> = [
            ("Sport", 5),
            ("Home", 3),
            ("Sport > Shoes", 4),
            ("Sport > Bags", 1),
            ("Sport > Shoes > Running", 2),
        ]
        .into_iter()
        .map(|(p, c)| (p.to_string(), c))
        .collect();
        let values = |levels: Vec<FacetValue>| -> Vec<String> {
            levels
                .into_iter()
                .map(|v| format!("{}={}", v.value, v.count))
                .collect()
        };
        assert_eq!(
            values(category_levels(&counts, None)),
            ["Sport=5", "Home=3"]
        );
        assert_eq!(
            values(category_levels(&counts, Some("Sport > Shoes"))),
            [
                "Sport=5",
                "Home=3",
                "Sport > Shoes=4",
                "Sport > Bags=1",
                "Sport > Shoes > Running=2"
            ]
        );
    }

    #[test]
    fn price_buckets_are_all_listed_in_order() {
        let counts = HashMap::from([("25-50".to_string(), 2)]);
        let buckets = price_buckets(&counts);
        assert_eq!(buckets.len(), PRICE_BUCKETS.len());
        assert_eq!((buckets[0].count, buckets[1].count), (0, 2));
    }
}
