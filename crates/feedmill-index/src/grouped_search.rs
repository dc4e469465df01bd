//! A search grouped by GTIN or by matched product: one pass groups the matches
//! ([`crate::grouping`]), ranks groups and single offers together, and the page's groups read
//! their offers from what it kept. Both groupings are the same pass over another column (the
//! group table of the grouping, [`crate::group_table`]).
//!
//! A grouped search without words, filters or facets matches the whole catalogue; its page
//! comes from the catalogue's ranked list of the snapshot ([`crate::match_all_groups`]),
//! built by the same pass when the reload opens the snapshot or the first time it is asked for
//! ([`crate::grouped_caches`]).

use crate::error::IndexError;
use crate::facets::{FacetCountsCollector, FacetFruit};
use crate::fast_filter::FilterCollector;
use crate::group_fruit::RankedItem;
use crate::group_key::GroupKey;
use crate::grouped_caches::{Builder, group_keys};
use crate::grouping::GroupCollector;
use crate::match_all_groups::MatchAllGroups;
use crate::offer_index::{OfferIndex, cheapest_first};
use crate::query_builder::BuiltQuery;
use feedmill_model::{Offer, product_id_from_key, product_key};
use feedmill_search::{Grouping, GtinGroup, OfferHit, PricedOffer, SearchItem};
use feedmill_search::{SearchRequest, SortOrder};
use std::collections::HashMap;
use tantivy::{DocAddress, Searcher};

impl OfferIndex {
    pub(crate) fn search_grouped(
        &self,
        searcher: &Searcher,
        query: &BuiltQuery,
        request: &SearchRequest,
        grouping: Grouping,
        facets: FacetCountsCollector,
    ) -> Result<(u64, Vec<SearchItem>, FacetFruit), IndexError> {
        let window = request.offset() + request.per_page;
        let caches = &self.inner.group_caches;
        let table = caches.table(searcher, grouping, Builder::Search)?;
        // A `price_drop` ranking moves with the search's time (recent drops first): it is not
        // one per snapshot, so it is never kept.
        let timeless = request.sort != SortOrder::PriceDrop;
        if query.match_all
            && request.facets.is_empty()
            && timeless
            && MatchAllGroups::serves(window)
        {
            let on = (grouping, &table);
            let catalogue = caches.catalogue(searcher, query, request.sort, on, Builder::Search)?;
            let (ranked, docs) = catalogue.page(request.offset(), request.per_page);
            let offers = self.offers_by_group(searcher, docs, grouping)?;
            let items = self.page_items(searcher, ranked, offers, grouping)?;
            return Ok((catalogue.total, items, FacetFruit::default()));
        }
        let groups = GroupCollector::new(request.sort, window, query, table.clone());
        let collector = FilterCollector::new(query.filter, (groups, facets));
        let (groups, fruit) = searcher.search(query.query.as_ref(), &collector)?;
        let total = groups.num_items();
        let ranked = groups.page(request.sort, request.offset(), request.per_page);
        let docs = groups.docs_by_group(&group_keys(&ranked), &table);
        let offers = self.offers_by_group(searcher, docs.into_iter().flatten(), grouping)?;
        let items = self.page_items(searcher, ranked, offers, grouping)?;
        Ok((total, items, fruit))
    }

    /// The page's items: each group with its offers, each single offer read.
    fn page_items(
        &self,
        searcher: &Searcher,
        ranked: Vec<RankedItem>,
        mut offers: HashMap<GroupKey, Vec<PricedOffer>>,
        grouping: Grouping,
    ) -> Result<Vec<SearchItem>, IndexError> {
        let mut items = Vec::with_capacity(ranked.len());
        for item in ranked {
            match item {
                RankedItem::Group(key) => {
                    let group = offers
                        .remove(&key)
                        .and_then(|o| product_group(&key, o, grouping));
                    items.extend(group.map(SearchItem::Group));
                }
                RankedItem::Single { doc, score } => {
                    let priced = self.load_priced_offer(searcher, doc)?;
                    items.push(SearchItem::Offer(OfferHit {
                        offer: priced.offer,
                        price_facts: priced.price_facts,
                        score,
                    }));
                }
            }
        }
        Ok(items)
    }

    /// The offers at `docs`, by group.
    fn offers_by_group(
        &self,
        searcher: &Searcher,
        docs: impl IntoIterator<Item = DocAddress>,
        grouping: Grouping,
    ) -> Result<HashMap<GroupKey, Vec<PricedOffer>>, IndexError> {
        let mut by_key: HashMap<GroupKey, Vec<PricedOffer>> = HashMap::new();
        for priced in self.load_priced_offers(searcher, docs)? {
            if let Some(key) = group_key(&priced.offer, grouping) {
                by_key.entry(key).or_default().push(priced);
            }
        }
        Ok(by_key)
    }
}

/// The key `offer` is grouped under: the one its document was indexed with.
fn group_key(offer: &Offer, grouping: Grouping) -> Option<GroupKey> {
    let value = match grouping {
        Grouping::Gtin => offer.gtin.as_ref()?.as_gtin14().parse().ok()?,
        Grouping::Product => product_key(offer.product_id.as_deref()?)?,
    };
    let currency = offer.currency.code().as_bytes().try_into().ok()?;
    Some(GroupKey::new(value, currency))
}

/// The group item of one product's offers; `None` for no offers.
fn product_group(
    key: &GroupKey,
    mut offers: Vec<PricedOffer>,
    grouping: Grouping,
) -> Option<GtinGroup> {
    offers.sort_by(|a, b| cheapest_first(&a.offer, &b.offer));
    let cheapest = &offers.first()?.offer;
    let min_price = offers.iter().map(|o| o.offer.price).min()?;
    let max_price = offers.iter().map(|o| o.offer.price).max()?;
    let (product_id, gtin) = match grouping {
        Grouping::Gtin => (None, Some(key.gtin14())),
        Grouping::Product => (
            Some(product_id_from_key(key.gtin())),
            offers
                .iter()
                .find_map(|o| o.offer.gtin.as_ref().map(|g| g.as_gtin14())),
        ),
    };
    Some(GtinGroup {
        product_id,
        gtin,
        title: cheapest.title.clone(),
        offer_count: offers.len() as u64,
        min_price,
        max_price,
        currency: cheapest.currency,
        offers,
    })
}
