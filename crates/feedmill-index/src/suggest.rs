//! [`OfferIndex::suggest`]: completions of what a shopper is typing, from brands and titles.

use crate::error::IndexError;
use crate::facets::{FacetCountsCollector, top_values};
use crate::offer_index::OfferIndex;
use crate::query_builder::{brand_query, title_query};
use feedmill_search::{FacetKind, MAX_SUGGESTIONS};
use std::collections::HashSet;
use tantivy::collector::TopDocs;

impl OfferIndex {
    /// Up to `limit` brands and titles matching `prefix` (every word, the last one as a prefix,
    /// with the same folding and typo tolerance as search): the brands with most offers first,
    /// taking at most half the places, then the best-matching titles. Case-insensitive
    /// duplicates appear once.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<String>, IndexError> {
        if !(1..=MAX_SUGGESTIONS).contains(&limit) {
            return Err(IndexError::invalid(
                "limit",
                format!("{limit} is not between 1 and {MAX_SUGGESTIONS}"),
            ));
        }
        let brands = self.suggest_brands(prefix)?;
        let titles = self.suggest_titles(prefix, limit)?;
        let brand_places = limit.div_ceil(2);
        let mut seen = HashSet::new();
        let mut suggestions = Vec::with_capacity(limit);
        let (first_brands, more_brands) = brands.split_at(brand_places.min(brands.len()));
        let candidates = first_brands.iter().chain(&titles).chain(more_brands);
        for candidate in candidates {
            if suggestions.len() == limit {
                break;
            }
            if seen.insert(candidate.to_lowercase()) {
                suggestions.push(candidate.clone());
            }
        }
        Ok(suggestions)
    }

    /// Brands whose words match, most offers first.
    fn suggest_brands(&self, prefix: &str) -> Result<Vec<String>, IndexError> {
        let Some(query) = brand_query(&self.inner.schema, prefix) else {
            return Ok(Vec::new());
        };
        let counter = FacetCountsCollector::for_kinds(&[FacetKind::Brand]);
        let mut fruit = self.searcher().search(query.as_ref(), &counter)?;
        let values = fruit.values.remove(&FacetKind::Brand).unwrap_or_default();
        Ok(top_values(values).into_iter().map(|v| v.value).collect())
    }

    /// Titles of the best-matching offers.
    fn suggest_titles(&self, prefix: &str, limit: usize) -> Result<Vec<String>, IndexError> {
        let Some(query) = title_query(&self.inner.schema, prefix) else {
            return Ok(Vec::new());
        };
        let searcher = self.searcher();
        // Twice the places: some titles repeat across merchants.
        let top = TopDocs::with_limit(limit * 2).order_by_score();
        let hits = searcher.search(query.as_ref(), &top)?;
        let mut titles = Vec::with_capacity(hits.len());
        for (_, address) in hits {
            titles.push(self.load_offer(&searcher, address)?.title);
        }
        Ok(titles)
    }
}
