//! Facet counts over the whole result set in one pass: brand, merchant and network values, the
//! category tree and fixed price buckets.
//!
//! A hand-written collector rather than tantivy aggregations: every facet here is a count per
//! dictionary ordinal (a dense `Vec` increment per document), and one collector reads all the
//! requested columns in the same pass, with no aggregation request to build or result to parse.

use crate::schema::{BRAND, CATEGORY, MERCHANT, NETWORK, PRICE_MINOR};
use feedmill_search::{FacetKind, SearchRequest};
use feedmill_search::{FacetResults, FacetValue};
use std::collections::HashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{
    COLLECT_BLOCK_BUFFER_LEN, DocId, Score, SegmentOrdinal, SegmentReader, TantivyError,
};

/// Values listed per facet (and per category level).
const TOP_VALUES: usize = 20;

/// Price buckets: label and lower bound in minor units (hundredths of the currency unit).
const PRICE_BUCKETS: [(&str, i64); 7] = [
    ("0-25", 0),
    ("25-50", 2_500),
    ("50-100", 5_000),
    ("100-250", 10_000),
    ("250-500", 25_000),
    ("500-1000", 50_000),
    ("1000+", 100_000),
];

/// Counts the facets the request asks for.
pub(crate) struct FacetCountsCollector {
    kinds: Vec<FacetKind>,
}

impl FacetCountsCollector {
    pub fn for_request(request: &SearchRequest) -> FacetCountsCollector {
        FacetCountsCollector::for_kinds(&request.facets)
    }

    /// Each kind is counted once, however often it is listed.
    pub fn for_kinds(kinds: &[FacetKind]) -> FacetCountsCollector {
        let mut unique = Vec::with_capacity(kinds.len());
        for kind in kinds {
            if !unique.contains(kind) {
                unique.push(*kind);
            }
        }
        FacetCountsCollector { kinds: unique }
    }
}

/// Raw counts: values as indexed (categories in tantivy's encoded facet form).
#[derive(Debug, Default)]
pub(crate) struct FacetFruit {
    pub values: HashMap<FacetKind, HashMap<String, u64>>,
    pub price: Option<[u64; PRICE_BUCKETS.len()]>,
}

pub(crate) struct FacetSegmentCollector {
    counters: Vec<(FacetKind, OrdCounter)>,
    price: Option<(Column<i64>, [u64; PRICE_BUCKETS.len()])>,
    /// Documents handed over one at a time (scored searches), counted a block at a time:
    /// batched column reads cost about half of one read per document.
    pending: Vec<DocId>,
}

/// Documents per dictionary ordinal of one string column in one segment.
struct OrdCounter {
    column: StrColumn,
    counts: Vec<u32>,
}

impl Collector for FacetCountsCollector {
    type Fruit = FacetFruit;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<FacetSegmentCollector> {
        let mut counters = Vec::new();
        let mut price = None;
        for kind in &self.kinds {
            let field = match kind {
                FacetKind::Brand => BRAND,
                FacetKind::Merchant => MERCHANT,
                FacetKind::Network => NETWORK,
                FacetKind::Category => CATEGORY,
                FacetKind::Price => {
                    price = Some((reader.fast_fields().i64(PRICE_MINOR)?, Default::default()));
                    continue;
                }
            };
            // A segment where no offer has the field has no column: nothing to count.
            if let Some(column) = reader.fast_fields().str(field)? {
                let counts = vec![0; column.num_terms()];
                counters.push((*kind, OrdCounter { column, counts }));
            }
        }
        Ok(FacetSegmentCollector {
            counters,
            price,
            pending: Vec::with_capacity(COLLECT_BLOCK_BUFFER_LEN),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        fruits: Vec<tantivy::Result<FacetFruit>>,
    ) -> tantivy::Result<FacetFruit> {
        let mut merged = FacetFruit::default();
        for kind in &self.kinds {
            match kind {
                FacetKind::Price => merged.price = Some([0; PRICE_BUCKETS.len()]),
                other => {
                    merged.values.insert(*other, HashMap::new());
                }
            }
        }
        for fruit in fruits {
            let fruit = fruit?;
            for (kind, values) in fruit.values {
                let into = merged.values.entry(kind).or_default();
                for (value, count) in values {
                    *into.entry(value).or_default() += count;
                }
            }
            if let (Some(into), Some(counts)) = (merged.price.as_mut(), fruit.price) {
                for (total, count) in into.iter_mut().zip(counts) {
                    *total += count;
                }
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = tantivy::Result<FacetFruit>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.pending.push(doc);
        if self.pending.len() == COLLECT_BLOCK_BUFFER_LEN {
            let pending = std::mem::take(&mut self.pending);
            self.count_block(&pending);
            self.pending = pending;
            self.pending.clear();
        }
    }

    /// The scoring-free path: tantivy hands over blocks itself.
    fn collect_block(&mut self, docs: &[DocId]) {
        for block in docs.chunks(COLLECT_BLOCK_BUFFER_LEN) {
            self.count_block(block);
        }
    }

    fn harvest(mut self) -> tantivy::Result<FacetFruit> {
        let pending = std::mem::take(&mut self.pending);
        self.count_block(&pending);
        let mut fruit = FacetFruit {
            values: HashMap::new(),
            price: self.price.map(|(_, counts)| counts),
        };
        for (kind, counter) in self.counters {
            fruit.values.insert(kind, counter.into_values()?);
        }
        Ok(fruit)
    }
}

impl FacetSegmentCollector {
    /// Counts up to [`COLLECT_BLOCK_BUFFER_LEN`] documents with one batched read per column.
    fn count_block(&mut self, block: &[DocId]) {
        let mut ords = [None; COLLECT_BLOCK_BUFFER_LEN];
        let mut prices = [None; COLLECT_BLOCK_BUFFER_LEN];
        for (_, counter) in &mut self.counters {
            let ords = &mut ords[..block.len()];
            ords.fill(None);
            counter.column.ords().first_vals(block, ords);
            for ord in ords.iter().flatten() {
                counter.add(*ord);
            }
        }
        if let Some((column, counts)) = &mut self.price {
            let prices = &mut prices[..block.len()];
            prices.fill(None);
            column.first_vals(block, prices);
            for price in prices.iter().flatten() {
                counts[price_bucket(*price)] += 1;
            }
        }
    }
}

impl OrdCounter {
    fn add(&mut self, ord: u64) {
        if let Some(count) = usize::try_from(ord)
            .ok()
            .and_then(|i| self.counts.get_mut(i))
        {
            *count += 1;
        }
    }

    /// The counted values, read from the dictionary in one sorted pass.
    fn into_values(self) -> tantivy::Result<HashMap<String, u64>> {
        let ords: Vec<u64> = (0u64..)
            .zip(&self.counts)
            .filter(|(_, count)| **count > 0)
            .map(|(ord, _)| ord)
            .collect();
        let mut counts = ords.iter().map(|ord| self.counts[*ord as usize]);
        let mut values = HashMap::with_capacity(ords.len());
        let all_found = self
            .column
            .dictionary()
            .sorted_ords_to_term_cb(&ords, |bytes| {
                let count = counts.next().unwrap_or(0);
                values.insert(
                    String::from_utf8_lossy(bytes).into_owned(),
                    u64::from(count),
                );
            })?;
        if !all_found {
            return Err(TantivyError::InternalError(
                "facet ordinal missing from its dictionary".into(),
            ));
        }
        Ok(values)
    }
}

fn price_bucket(price_minor: i64) -> usize {
    PRICE_BUCKETS
        .iter()
        .rposition(|(_, lower)| price_minor >= *lower)
        .unwrap_or(0)
}

/// The response's facets: top values, the category levels, the price buckets.
pub(crate) fn facet_results(fruit: FacetFruit, request: &SearchRequest) -> FacetResults {
    let mut results = FacetResults::default();
    for (kind, values) in fruit.values {
        match kind {
            FacetKind::Brand => results.brand = Some(top_values(values)),
            FacetKind::Merchant => results.merchant = Some(top_values(values)),
            FacetKind::Network => results.network = Some(top_values(values)),
            FacetKind::Category => {
                let selected = request
                    .category
                    .as_deref()
                    .map(feedmill_search::category_steps)
                    .unwrap_or_default();
                results.category = Some(category_levels(&values, &selected));
            }
            FacetKind::Price => {}
        }
    }
    results.price = fruit.price.map(|counts| {
        PRICE_BUCKETS
            .iter()
            .zip(counts)
            .map(|((label, _), count)| FacetValue {
                value: (*label).to_string(),
                count,
            })
            .collect()
    });
    results
}

pub(crate) fn top_values(values: HashMap<String, u64>) -> Vec<FacetValue> {
    let mut values: Vec<FacetValue> = values
        .into_iter()
        .map(|(value, count)| FacetValue { value, count })
        .collect();
    values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    values.truncate(TOP_VALUES);
    values
}

/// Counts of the top-level categories, then of the children of each step of the selected path
/// (`Sport`, then `Sport > Shoes`, …), each level most offers first. A category counts every
/// offer under it.
fn category_levels(leaf_counts: &HashMap<String, u64>, selected: &[String]) -> Vec<FacetValue> {
    let mut path_counts: HashMap<Vec<&str>, u64> = HashMap::new();
    for (encoded, count) in leaf_counts {
        let steps: Vec<&str> = encoded.split('\0').collect();
        for depth in 1..=steps.len() {
            *path_counts.entry(steps[..depth].to_vec()).or_default() += count;
        }
    }
    let mut levels = Vec::new();
    for depth in 0..=selected.len() {
        let parent: Vec<&str> = selected[..depth].iter().map(String::as_str).collect();
        let children: HashMap<String, u64> = path_counts
            .iter()
            .filter(|(path, _)| path.len() == depth + 1 && path.starts_with(&parent))
            .map(|(path, count)| (path.join(" > "), *count))
            .collect();
        levels.extend(top_values(children));
    }
    levels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_prices() {
        assert_eq!(price_bucket(0), 0);
        assert_eq!(price_bucket(2_499), 0);
        assert_eq!(price_bucket(2_500), 1);
        assert_eq!(price_bucket(99_999), 5);
        assert_eq!(price_bucket(1_000_000), 6);
        assert_eq!(price_bucket(-5), 0);
    }

    #[test]
    fn counts_category_levels() {
        let leaves = HashMap::from([
            ("Sport\0Shoes\0Running".to_string(), 3),
            ("Sport\0Shoes\0Trail".to_string(), 1),
            ("Sport\0Bags".to_string(), 2),
            ("Home".to_string(), 5),
        ]);
        let top: Vec<(String, u64)> = category_levels(&leaves, &[])
            .into_iter()
            .map(|v| (v.value, v.count))
            .collect();
        assert_eq!(top, [("Sport".into(), 6), ("Home".into(), 5)]);
        let selected = ["Sport".to_string(), "Shoes".to_string()];
        let levels: Vec<String> = category_levels(&leaves, &selected)
            .into_iter()
            .map(|v| format!("{}={}", v.value, v.count))
            .collect();
        assert_eq!(
            levels,
            [
                "Sport=6",
                "Home=5",
                "Sport > Shoes=4",
                "Sport > Bags=2",
                "Sport > Shoes > Running=3",
                "Sport > Shoes > Trail=1"
            ]
        );
    }
}
