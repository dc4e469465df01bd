//! [`LinkDirectory`]: the programs the link builder can build links for, found in the index,
//! and [`generate`], which builds one link the way Awin's link builder does.
//!
//! A program is known by a sample of its indexed offers: their tracking URL is the link to
//! edit (never a hard-coded host), their product pages say which hosts are the merchant's. The
//! directory samples each source (its first page and the first offers of each of its top
//! merchants) and is rebuilt when an ingest changes the index.

use crate::config::{ApiConfig, SourceLinks, host_matches, normalize_host};
use crate::deep_link::{Landing, LinkNetwork, deep_link, landing_page};
use crate::error::{ApiError, ErrorCode};
use crate::offer_links::{link_network, offer_deep_link};
use crate::search_index::SearchIndex as OfferIndex;
use crate::sub_ids::SubIds;
use feedmill_model::Offer;
use feedmill_search::{FacetKind, MAX_PER_PAGE, SearchItem, SearchRequest};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use url::Url;

/// Offers read per top merchant of a source; one with a tracking URL is enough.
const OFFERS_PER_MERCHANT: usize = 20;

/// A program (advertiser) the link builder can link to.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    pub source: String,
    /// An offer of the program, one with a tracking URL when there is one.
    pub sample: Offer,
    /// Hosts of the program's product pages (without `www.`).
    pub hosts: BTreeSet<String>,
}

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
    by_source: HashMap<String, Program>,
    by_advertiser: HashMap<String, Vec<Program>>,
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
        index: &OfferIndex,
        config: &ApiConfig,
        target: &Target,
    ) -> Result<Program, ApiError> {
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

    fn current(&self, index: &OfferIndex, config: &ApiConfig) -> Result<Arc<Directory>, ApiError> {
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
    index: &OfferIndex,
    config: &ApiConfig,
    source: &str,
) -> Result<(), ApiError> {
    let offers = sample_source(index, source)?;
    let links = config.links(source);
    if let Some(program) = program_of(source, links, offers.iter()) {
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
        if let Some(program) = program_of(source, links, offers.into_iter()) {
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
fn sample_source(index: &OfferIndex, source: &str) -> Result<Vec<Offer>, ApiError> {
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
            SearchItem::Group(group) => offers.extend(group.offers),
        }
    }
    offers
}

fn program_of<'a>(
    source: &str,
    links: &SourceLinks,
    offers: impl Iterator<Item = &'a Offer>,
) -> Option<Program> {
    let mut sample: Option<&Offer> = None;
    let mut hosts = BTreeSet::new();
    for offer in offers {
        if sample.is_none_or(|s| s.tracking_url.is_none() && offer.tracking_url.is_some()) {
            sample = Some(offer);
        }
        hosts.extend(offer.product_url.as_deref().and_then(host_of));
        let landing = link_network(offer, links)
            .zip(offer.tracking_url.as_deref())
            .and_then(|(network, tracking)| landing_page(network, tracking));
        hosts.extend(landing.as_deref().and_then(host_of));
    }
    Some(Program {
        source: source.to_string(),
        sample: sample?.clone(),
        hosts,
    })
}

fn host_of(url: &str) -> Option<String> {
    normalize_host(Url::parse(url).ok()?.host_str()?)
}

/// A link to `program`: its tracking link edited to land on `destination` (or the program's
/// default page) with `ids`, as Awin's `linkbuilder/generate` answers it.
pub(crate) fn generate(
    program: &Program,
    links: &SourceLinks,
    destination: Option<&str>,
    ids: &SubIds,
) -> Result<String, ApiError> {
    let offer = &program.sample;
    let no_link = || {
        ApiError::new(
            ErrorCode::NoTrackingLink,
            format!(
                "source {:?} has no tracking link to build on and no deep-link template",
                program.source
            ),
        )
    };
    let network = link_network(offer, links).ok_or_else(no_link)?;
    let slots = network.sub_id_params().len();
    if ids.num_slots_used() > slots {
        return Err(ApiError::invalid_parameter(
            "parameters",
            format!("{network} links carry at most {slots} sub-ids"),
        ));
    }
    let Some(destination) = destination.map(str::trim).filter(|d| !d.is_empty()) else {
        return offer_deep_link(offer, links, Landing::Default, ids).ok_or_else(no_link);
    };
    let page = Url::parse(destination)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| {
            ApiError::invalid_parameter("destinationUrl", "expected an absolute http(s) url")
        })?;
    if !links.allow_deep_links {
        return Err(ApiError::new(
            ErrorCode::DeeplinkNotPermitted,
            format!(
                "the program of source {:?} does not permit deep links",
                program.source
            ),
        ));
    }
    // A destination that already is this program's tracking link is edited, not wrapped.
    if let (Some(tracking), true) = (&offer.tracking_url, network != LinkNetwork::Template)
        && host_of(tracking) == host_of(destination)
    {
        // Its landing page must be the merchant's: a link of another program on the same
        // network host is refused.
        let landing = landing_page(network, destination).unwrap_or_default();
        check_host(program, links, Some(&landing))?;
        return deep_link(network, destination, Landing::AsGiven, ids)
            .map_err(|err| ApiError::invalid_parameter("destinationUrl", err));
    }
    check_host(program, links, Some(destination))?;
    offer_deep_link(offer, links, Landing::Page(&page), ids).ok_or_else(no_link)
}

/// A destination must be on one of the merchant's hosts (or a subdomain of one).
fn check_host(
    program: &Program,
    links: &SourceLinks,
    destination: Option<&str>,
) -> Result<(), ApiError> {
    let Some(destination) = destination else {
        return Ok(());
    };
    let host = Url::parse(destination)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string));
    let hosts: Vec<&String> = if links.merchant_hosts.is_empty() {
        program.hosts.iter().collect()
    } else {
        links.merchant_hosts.iter().collect()
    };
    if host
        .as_deref()
        .is_some_and(|h| hosts.iter().any(|m| host_matches(h, m)))
    {
        return Ok(());
    }
    let known: Vec<&str> = hosts.iter().map(|h| h.as_str()).collect();
    Err(ApiError::new(
        ErrorCode::DestinationNotAllowed,
        format!(
            "destination host {:?} is not a host of the merchant (known: {})",
            host.unwrap_or_default(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ),
    ))
}
