//! [`LinkDirectory`]: the programs the link builder can build links for, found in the index.
//!
//! A program ([`LinkProgram`], which also builds its links) is known by a sample of its indexed
//! offers: their tracking URL is the link to edit (never a hard-coded host), their product pages
//! say which hosts are the merchant's. The directory samples each source (its first page and
//! the first offers of each of its top merchants) and is rebuilt when an ingest changes the
//! index.

use crate::config::ApiConfig;
use crate::error::{ApiError, ErrorCode};
use crate::search_index::SearchIndex;
use feedmill_links::LinkProgram;
use feedmill_model::Offer;
use feedmill_search::{FacetKind, MAX_PER_PAGE, SearchItem, SearchRequest};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Offers read per top merchant of a source; one with a tracking URL is enough.
const OFFERS_PER_MERCHANT: usize = 20;

/// What a link request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// An advertiser id (an offer's `merchant_id` or `program_id`), optionally in one source.
    Advertiser {
        id: String,
        source: Option<String>,
    },
    Source(String),
}

#[derive(Debug, Default)]
struct Directory {
    by_source: HashMap<String, LinkProgram>,
    by_advertiser: HashMap<String, Vec<LinkProgram>>,
}

/// Per-source (name, offers, last ingest): the directory is rebuilt when this changes.
type Generation = Vec<(String, u64, i64)>;

/// The directory of the current index, built on first use and after each ingest.
#[derive(Debug, Default)]
pub(crate) struct LinkDirectory {
    cache: Mutex<Option<(Generation, Arc<Directory>)>>,
}

impl LinkDirectory {
    /// The program `target` names. Reads the index: call it off the async workers.
    pub fn find(
        &self,
        index: &SearchIndex,
        config: &ApiConfig,
        target: &Target,
    ) -> Result<LinkProgram, ApiError> {
        let directory = self.current(index, config)?;
        let found = match target {
            Target::Source(source) => directory.by_source.get(source),
            Target::Advertiser { id, source } => {
                directory.by_advertiser.get(id).and_then(|programs| {
                    programs
                        .iter()
                        .find(|p| source.as_ref().is_none_or(|s| *s == p.source))
                })
            }
        };
        found.cloned().ok_or_else(|| match target {
            Target::Source(source) => ApiError::new(
                ErrorCode::UnknownSource,
                format!("source {source:?} has no offers in the index"),
            ),
            Target::Advertiser { id, .. } => ApiError::new(
                ErrorCode::UnknownAdvertiser,
                format!("no indexed offer has merchant or program id {id:?}"),
            ),
        })
    }

    fn current(&self, index: &SearchIndex, config: &ApiConfig) -> Result<Arc<Directory>, ApiError> {
        let stats = index.stats()?;
        let generation: Generation = stats
            .iter()
            .map(|s| {
                (
                    s.source.clone(),
                    s.num_offers,
                    s.last_ingest_at.timestamp_millis(),
                )
            })
            .collect();
        {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((built_for, directory)) = cache.as_ref()
                && *built_for == generation
            {
                return Ok(directory.clone());
            }
        }
        let mut directory = Directory::default();
        for (source, _, _) in &generation {
            add_source(&mut directory, index, config, source)?;
        }
        let directory = Arc::new(directory);
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((generation, directory.clone()));
        Ok(directory)
    }
}

fn add_source(
    directory: &mut Directory,
    index: &SearchIndex,
    config: &ApiConfig,
    source: &str,
) -> Result<(), ApiError> {
    let offers = sample_source(index, source)?;
    let links = config.links(source);
    if let Some(program) = LinkProgram::from_offers(source, links, offers.iter()) {
        directory
            .by_source
            .insert(source.to_string(), program.clone());
        for id in &links.advertiser_ids {
            directory
                .by_advertiser
                .entry(id.clone())
                .or_default()
                .push(program.clone());
        }
    }
    let mut by_id: HashMap<&str, Vec<&Offer>> = HashMap::new();
    for offer in &offers {
        let ids = [offer.merchant_id.as_deref(), offer.program_id.as_deref()];
        for id in ids
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|id| !id.is_empty())
        {
            by_id.entry(id).or_default().push(offer);
        }
    }
    for (id, offers) in by_id {
        if let Some(program) = LinkProgram::from_offers(source, links, offers.into_iter()) {
            directory
                .by_advertiser
                .entry(id.to_string())
                .or_default()
                .push(program);
        }
    }
    Ok(())
}

/// The source's first page and the first offers of each of its top merchants.
fn sample_source(index: &SearchIndex, source: &str) -> Result<Vec<Offer>, ApiError> {
    let first = index.search(&SearchRequest {
        source: Some(source.to_string()),
        per_page: MAX_PER_PAGE,
        facets: vec![FacetKind::Merchant],
        ..SearchRequest::default()
    })?;
    let mut offers = offers_of(first.items);
    for merchant in first.facets.merchant.unwrap_or_default() {
        let page = index.search(&SearchRequest {
            source: Some(source.to_string()),
            merchant: Some(merchant.value),
            per_page: OFFERS_PER_MERCHANT,
            ..SearchRequest::default()
        })?;
        offers.extend(offers_of(page.items));
    }
    Ok(offers)
}

fn offers_of(items: Vec<SearchItem>) -> Vec<Offer> {
    let mut offers = Vec::with_capacity(items.len());
    for item in items {
        match item {
            SearchItem::Offer(hit) => offers.push(hit.offer),
            SearchItem::Group(group) => {
                offers.extend(group.offers.into_iter().map(|priced| priced.offer))
            }
        }
    }
    offers
}
