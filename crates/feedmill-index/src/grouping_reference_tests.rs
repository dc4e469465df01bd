//! Grouped searches checked against a brute-force grouping of the same matches, on generated
//! offers over several segments with deletes: random words, filters, sorts, pages and facets.
//!
//! The reference collects every match with its score, reads each offer's GTIN and currency
//! from the stored offer and its sort key from the fast columns, groups them in a `BTreeMap`
//! and sorts every item by the documented order (rank, then groups by GTIN and currency before
//! single offers, single offers by document). Whatever makes grouping fast must give exactly
//! its pages, totals and facets. Grouping by matched product is the same pass over the
//! product key, checked the same way (most generated offers carry a product id).

use crate::drop_rank::{DropColumns, recent_from};
use crate::error::IndexError;
use crate::group_key::GroupKey;
use crate::offer_index::{OfferIndex, sort_cheapest_first};
use crate::query_builder::build_query;
use crate::schema::{DISCOUNT, PRICE_MINOR, UPDATED_AT};
use crate::{IngestMeta, fast_filter::FilterCollector};
use chrono::{TimeZone, Utc};
use feedmill_model::{Availability, Currency, Gtin, Network, Offer};
use feedmill_model::{product_id_from_key, product_key};
use feedmill_search::IngestOptions;
use feedmill_search::SearchItem;
use feedmill_search::{FacetKind, Grouping, SearchRequest, SortOrder};
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

pub(crate) type TestResult = Result<(), Box<dyn std::error::Error>>;

/// SplitMix64: the same offers and requests on every run.
pub(crate) struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: [&str; 8] = [
    "camera", "tripod", "lens", "bag", "strap", "flash", "zoom", "kit",
];
const BRANDS: [&str; 4] = ["Nikon", "Canon", "Sony", "Fuji"];
const CATEGORIES: [&str; 3] = ["Photo > Cameras", "Photo > Bags", "Home"];

/// A valid EAN-13 from a 12-digit base.
fn ean13(base: u64) -> Result<Gtin, IndexError> {
    let digits = format!("{:012}", 400_000_000_000 + base);
    let sum: u32 = digits
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    let check = (10 - sum % 10) % 10;
    Gtin::parse(&format!("{digits}{check}"))
        .map_err(|err| IndexError::invalid("gtin", err.to_string()))
}

fn generated_offer(rng: &mut Rng, source: &str, i: usize) -> Result<Offer, IndexError> {
    let title = (0..2 + rng.below(2))
        .map(|_| rng.pick(&WORDS))
        .collect::<Vec<_>>()
        .join(" ");
    let currency = if rng.chance(80) { "SEK" } else { "EUR" };
    let price = Decimal::new(1_000 + 500 * rng.below(9) as i64, 2);
    let mut offer = Offer {
        id: format!("{source}:{i}"),
        source: source.to_string(),
        network: Network::Generic,
        merchant_id: None,
        merchant_name: Some(format!("merchant {}", rng.below(3))),
        program_id: None,
        sku: Some(i.to_string()),
        gtin: None,
        mpn: None,
        title,
        description: None,
        brand: Some(rng.pick(&BRANDS).to_string()),
        category: Some(rng.pick(&CATEGORIES).to_string()),
        price,
        old_price: rng.chance(30).then(|| price + Decimal::new(1_000, 2)),
        currency: Currency::parse(currency)
            .map_err(|e| IndexError::invalid("currency", e.to_string()))?,
        shipping: rng
            .chance(50)
            .then(|| Decimal::new(100 * rng.below(3) as i64, 2)),
        availability: if rng.chance(70) {
            Availability::InStock
        } else {
            Availability::OutOfStock
        },
        product_url: Some(format!("https://{source}.example/{i}")),
        tracking_url: None,
        image_url: None,
        additional_images: Vec::new(),
        updated_at: None,
        extra: BTreeMap::new(),
        product_id: None,
        product_match: None,
    };
    if rng.chance(70) {
        offer.gtin = Some(ean13(rng.below(40) as u64)?);
    }
    if rng.chance(80) {
        offer.product_id = Some(product_id_from_key(1 + rng.below(30) as u64));
    }
    if rng.chance(80) {
        offer.updated_at = Utc
            .timestamp_opt(1_700_000_000 + 3_600 * rng.below(5) as i64, 0)
            .single();
    }
    Ok(offer)
}

pub(crate) fn ingest(index: &OfferIndex, rng: &mut Rng, source: &str, num: usize) -> TestResult {
    let options = IngestOptions {
        force: true,
        ..IngestOptions::default()
    };
    let mut ingest = index.begin_source_ingest(source, options)?;
    for i in 0..num {
        ingest.add(&generated_offer(rng, source, i)?)?;
    }
    ingest.commit(IngestMeta::default())?;
    Ok(())
}

/// Three sources in their own segments, one of them replaced (its first copy deleted).
pub(crate) fn generated_index(rng: &mut Rng) -> Result<OfferIndex, Box<dyn std::error::Error>> {
    let index = OfferIndex::in_ram()?;
    for source in ["a", "b", "c"] {
        ingest(&index, rng, source, 150)?;
    }
    ingest(&index, rng, "b", 120)?;
    Ok(index)
}

fn random_request(rng: &mut Rng) -> SearchRequest {
    let query = match rng.below(4) {
        0 => None,
        1 => Some(rng.pick(&WORDS).to_string()),
        2 => Some(format!("{} {}", rng.pick(&WORDS), rng.pick(&WORDS))),
        _ => Some("ca".to_string()),
    };
    let grouping = Grouping::ALL[rng.below(2)];
    SearchRequest {
        query,
        brands: match rng.chance(25) {
            true => vec![rng.pick(&BRANDS).to_string()],
            false => Vec::new(),
        },
        category: rng.chance(20).then(|| rng.pick(&CATEGORIES).to_string()),
        in_stock: rng.chance(30),
        max_price: rng.chance(25).then(|| Decimal::new(3_000, 2)),
        sort: SortOrder::ALL[rng.below(SortOrder::ALL.len())],
        page: 1 + rng.below(3),
        per_page: [1, 3, 7, 20][rng.below(4)],
        facets: match rng.chance(30) {
            true => vec![FacetKind::Brand, FacetKind::Price],
            false => Vec::new(),
        },
        group_by_gtin: grouping == Grouping::Gtin,
        group_by_product: grouping == Grouping::Product,
        ..SearchRequest::default()
    }
}

/// An item of a page, as compared: a group's GTIN (or product id), currency and offer ids in
/// order, or one offer's id and score.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expected {
    Group {
        key: String,
        currency: String,
        ids: Vec<String>,
        min_price: Decimal,
        max_price: Decimal,
    },
    Single {
        id: String,
        score: Option<f32>,
    },
}

/// Every match with its score (the score every match gets when the query has no words).
struct AllMatches {
    scored: bool,
    constant_score: f32,
}

struct SegmentMatches {
    segment: SegmentOrdinal,
    constant_score: f32,
    matches: Vec<(DocAddress, Score)>,
}

impl Collector for AllMatches {
    type Fruit = Vec<(DocAddress, Score)>;
    type Child = SegmentMatches;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        _: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(SegmentMatches {
            segment,
            constant_score: self.constant_score,
            matches: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scored
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentMatches {
    type Fruit = Vec<(DocAddress, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.matches
            .push((DocAddress::new(self.segment, doc), score));
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for doc in docs {
            let address = DocAddress::new(self.segment, *doc);
            self.matches.push((address, self.constant_score));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.matches
    }
}

/// A match's rank key by the request's order (higher first), and its price in minor units.
fn rank_of(
    index: &OfferIndex,
    address: DocAddress,
    score: Score,
    sort: SortOrder,
) -> Result<(f64, i64), Box<dyn std::error::Error>> {
    let searcher = index.searcher();
    let reader = searcher.segment_reader(address.segment_ord);
    let fast = reader.fast_fields();
    let price = fast
        .i64(PRICE_MINOR)?
        .first(address.doc_id)
        .unwrap_or(i64::MAX);
    let rank = match sort {
        // Grouped searches refuse `epc`; the reference ranks it as the engine would, by relevance.
        SortOrder::Relevance | SortOrder::Epc => f64::from(score),
        SortOrder::PriceAsc => -(price as f64),
        SortOrder::PriceDesc => price as f64,
        SortOrder::Newest => fast
            .date(UPDATED_AT)?
            .first(address.doc_id)
            .map_or(f64::NEG_INFINITY, |at| at.into_timestamp_secs() as f64),
        SortOrder::Discount => fast
            .f64(DISCOUNT)?
            .first(address.doc_id)
            .unwrap_or(f64::NEG_INFINITY),
        SortOrder::PriceDrop => {
            DropColumns::open(reader)?.rank(address.doc_id, recent_from(index.search_time()))
        }
    };
    Ok((rank, price))
}

/// What a group collects in the reference.
#[derive(Default)]
struct ReferenceGroup {
    best: f64,
    min_price: i64,
    offers: Vec<Offer>,
}

/// The brute-force answer: total and the page's items.
pub(crate) fn reference(
    index: &OfferIndex,
    request: &SearchRequest,
) -> Result<(u64, Vec<Expected>), Box<dyn std::error::Error>> {
    let built = build_query(&index.inner.schema, request)?;
    let scored = request.sort == SortOrder::Relevance && built.constant_score.is_none();
    let all = AllMatches {
        scored,
        constant_score: built.constant_score.unwrap_or(0.0),
    };
    let searcher = index.searcher();
    let matches = searcher.search(
        built.query.as_ref(),
        &FilterCollector::new(built.filter, all),
    )?;
    let mut groups: BTreeMap<GroupKey, ReferenceGroup> = BTreeMap::new();
    let mut singles: Vec<(f64, DocAddress, Option<f32>)> = Vec::new();
    for (address, score) in matches {
        let (rank, price) = rank_of(index, address, score, request.sort)?;
        let offer = index.load_offer(&searcher, address)?;
        let group_value = match request.grouping() {
            Some(Grouping::Product) => offer.product_id.as_deref().and_then(product_key),
            _ => offer.gtin.as_ref().and_then(|g| g.as_gtin14().parse().ok()),
        };
        let Some(value) = group_value else {
            let score = (request.sort == SortOrder::Relevance).then_some(score);
            singles.push((rank, address, score));
            continue;
        };
        let currency: [u8; 3] = offer.currency.code().as_bytes().try_into()?;
        let key = GroupKey::new(value, currency);
        let group = groups.entry(key).or_insert_with(|| ReferenceGroup {
            best: f64::NEG_INFINITY,
            min_price: i64::MAX,
            offers: Vec::new(),
        });
        group.best = group.best.max(rank);
        group.min_price = group.min_price.min(price);
        group.offers.push(offer);
    }
    // (rank, 0 for a group and its key, or 1 for an offer and its address)
    let mut items: Vec<(f64, Result<GroupKey, DocAddress>)> = Vec::new();
    for (key, group) in &groups {
        let rank = match request.sort {
            SortOrder::PriceAsc => -(group.min_price as f64),
            SortOrder::PriceDesc => group.min_price as f64,
            _ => group.best,
        };
        items.push((rank, Ok(*key)));
    }
    items.extend(
        singles
            .iter()
            .map(|(rank, address, _)| (*rank, Err(*address))),
    );
    items.sort_by(|a, b| {
        b.0.total_cmp(&a.0).then_with(|| match (&a.1, &b.1) {
            (Ok(x), Ok(y)) => x.cmp(y),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(x), Err(y)) => x.cmp(y),
        })
    });
    let total = items.len() as u64;
    let mut page = Vec::new();
    for (_, item) in items
        .into_iter()
        .skip(request.offset())
        .take(request.per_page)
    {
        page.push(match item {
            Ok(key) => expected_group(&key, groups.remove(&key).unwrap_or_default(), request),
            Err(address) => {
                let score = singles.iter().find(|s| s.1 == address).and_then(|s| s.2);
                let id = index.load_offer(&searcher, address)?.id;
                Expected::Single { id, score }
            }
        });
    }
    Ok((total, page))
}

fn expected_group(key: &GroupKey, mut group: ReferenceGroup, request: &SearchRequest) -> Expected {
    sort_cheapest_first(&mut group.offers);
    let prices = group.offers.iter().map(|o| o.price);
    Expected::Group {
        key: match request.grouping() {
            Some(Grouping::Product) => product_id_from_key(key.gtin()),
            _ => key.gtin14(),
        },
        currency: group
            .offers
            .first()
            .map(|o| o.currency.code().to_string())
            .unwrap_or_default(),
        ids: group.offers.iter().map(|o| o.id.clone()).collect(),
        min_price: prices.clone().min().unwrap_or_default(),
        max_price: prices.max().unwrap_or_default(),
    }
}

pub(crate) fn as_expected(item: &SearchItem) -> Expected {
    match item {
        SearchItem::Group(group) => Expected::Group {
            key: group
                .product_id
                .clone()
                .or_else(|| group.gtin.clone())
                .unwrap_or_default(),
            currency: group.currency.code().to_string(),
            ids: group.offers.iter().map(|o| o.offer.id.clone()).collect(),
            min_price: group.min_price,
            max_price: group.max_price,
        },
        SearchItem::Offer(hit) => Expected::Single {
            id: hit.offer.id.clone(),
            score: hit.score,
        },
    }
}

#[test]
fn grouped_searches_equal_a_brute_force_grouping() -> TestResult {
    let mut rng = Rng(18);
    let index = generated_index(&mut rng)?;
    assert!(
        index.searcher().segment_readers().len() >= 2,
        "several segments"
    );
    let mut num_groups_seen = 0;
    for _ in 0..150 {
        let request = random_request(&mut rng);
        let response = index.search(&request)?;
        let (total, expected) = reference(&index, &request)?;
        assert_eq!(response.total, total, "{request:?}");
        let items: Vec<Expected> = response.items.iter().map(as_expected).collect();
        assert_eq!(items, expected, "{request:?}");
        for item in &response.items {
            if let SearchItem::Group(group) = item {
                assert_eq!(group.offer_count as usize, group.offers.len());
                num_groups_seen += 1;
            }
        }
        let ungrouped = SearchRequest {
            group_by_gtin: false,
            group_by_product: false,
            ..request.clone()
        };
        assert_eq!(
            response.facets,
            index.search(&ungrouped)?.facets,
            "{request:?}"
        );
    }
    assert!(
        num_groups_seen > 100,
        "the requests met groups: {num_groups_seen}"
    );
    Ok(())
}

/// The whole catalogue grouped, every sort and a few pages, before and after commits that
/// add, replace and delete offers: the kept ranked lists follow the snapshot.
#[test]
fn match_all_grouped_pages_follow_every_commit() -> TestResult {
    let mut rng = Rng(7);
    let index = generated_index(&mut rng)?;
    for round in 0..3 {
        match round {
            1 => ingest(&index, &mut rng, "d", 90)?,
            2 => {
                index.delete_source("a")?;
            }
            _ => {}
        }
        let every_kind = Grouping::ALL
            .into_iter()
            .flat_map(|grouping| SortOrder::ALL.into_iter().map(move |sort| (sort, grouping)));
        for (sort, grouping) in every_kind {
            for (page, per_page) in [(1, 20), (2, 7), (40, 1), (1, 100)] {
                let request = SearchRequest {
                    sort,
                    page,
                    per_page,
                    group_by_gtin: grouping == Grouping::Gtin,
                    group_by_product: grouping == Grouping::Product,
                    ..SearchRequest::default()
                };
                let response = index.search(&request)?;
                let (total, expected) = reference(&index, &request)?;
                assert_eq!(response.total, total, "round {round}: {request:?}");
                let items: Vec<Expected> = response.items.iter().map(as_expected).collect();
                assert_eq!(items, expected, "round {round}: {request:?}");
            }
        }
    }
    Ok(())
}
