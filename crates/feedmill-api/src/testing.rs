//! Offers and indexes for the crate's unit tests.

use feedmill_index::{IngestMeta, IngestOptions, OfferIndex};
use feedmill_model::{Availability, Currency, Decimal, Gtin, Network, Offer};
use feedmill_search::GtinGroup;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// An Adtraction offer with every field set.
pub(crate) fn full_offer() -> Offer {
    let mut extra = BTreeMap::new();
    extra.insert("size".to_string(), "M".to_string());
    Offer {
        id: "nordic:1496445:SKU-1".into(),
        source: "nordic".into(),
        network: Network::Adtraction,
        merchant_id: Some("1496445".into()),
        merchant_name: Some("Nordic Sport".into()),
        program_id: Some("1496445".into()),
        sku: Some("SKU-1".into()),
        gtin: Gtin::parse("4006381333931").ok(),
        mpn: Some("M-1".into()),
        title: "Trail Running Shoe".into(),
        description: Some("Light trail shoe".into()),
        brand: Some("Salomon".into()),
        category: Some("Sport > Skor".into()),
        price: Decimal::new(69900, 2),
        old_price: Some(Decimal::new(89900, 2)),
        currency: Currency::parse("SEK").unwrap_or_else(|_| unreachable!("SEK is ISO-4217")),
        shipping: Some(Decimal::new(4900, 2)),
        availability: Availability::InStock,
        product_url: Some("https://www.nordicsport.example/p/1".into()),
        tracking_url: Some(
            "https://track.adtraction.com/t/t?a=1496445&as=1175982945&t=2&tk=1&url=https://www.nordicsport.example/p/1".into(),
        ),
        image_url: Some("https://img.nordicsport.example/1.jpg".into()),
        additional_images: vec!["https://img.nordicsport.example/1b.jpg".into()],
        updated_at: Some(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH),
        extra,
        product_id: Some("p0123456789ab".into()),
        product_match: Some(feedmill_model::ProductMatch::new(
            feedmill_model::MatchMethod::Gtin,
            Some(1.0),
        )),
    }
}

fn keys(value: &serde_json::Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// [`full_offer`] with a price history, so that it has every honest number.
pub(crate) fn full_priced_offer() -> feedmill_search::PricedOffer {
    let offer = full_offer();
    let figures = feedmill_search::PriceHistoryFigures {
        current_since: chrono::Utc::now(),
        previous_price: Some(offer.price),
        history_days: 40,
        lowest_30d: Some(offer.price),
        lowest_since: chrono::Utc::now(),
    };
    feedmill_search::PricedOffer {
        price_facts: Some(feedmill_search::PriceFacts::new(&offer, &figures)),
        offer,
    }
}

/// The keys of a full offer's JSON with its honest numbers and its links.
pub(crate) fn full_offer_json_keys() -> BTreeSet<String> {
    let mut all = keys(&serde_json::to_value(full_priced_offer()).unwrap_or_default());
    all.extend(
        [
            "tracking_url",
            "deep_link",
            "click_url",
            "expected_commission",
        ]
        .map(String::from),
    );
    all
}

/// The keys the index writes for a group (a product group with a GTIN has them all).
pub(crate) fn group_json_keys() -> BTreeSet<String> {
    let offer = full_offer();
    let group = GtinGroup {
        product_id: offer.product_id.clone(),
        gtin: Some("04006381333931".into()),
        title: offer.title.clone(),
        offer_count: 1,
        min_price: offer.price,
        max_price: offer.price,
        currency: offer.currency,
        offers: vec![feedmill_search::PricedOffer::bare(offer)],
    };
    keys(&serde_json::to_value(group).unwrap_or_default())
}

/// Takes `deep_link` and `click_url` out of an offer's JSON in an answer, and a null
/// `tracking_url`, after checking that all three are there: what is left is the index's JSON.
pub(crate) fn strip_links(offer: &mut serde_json::Value) {
    let Some(object) = offer.as_object_mut() else {
        panic!("an offer is an object: {offer}");
    };
    for key in ["tracking_url", "deep_link", "click_url"] {
        assert!(object.contains_key(key), "{key} in {object:?}");
    }
    object.remove("deep_link");
    object.remove("click_url");
    if object
        .get("tracking_url")
        .is_some_and(serde_json::Value::is_null)
    {
        object.remove("tracking_url");
    }
}

/// An in-RAM index holding `offers`, ingested per source.
pub(crate) fn index_with(offers: &[Offer]) -> OfferIndex {
    let index = OfferIndex::in_ram().unwrap_or_else(|err| panic!("in-ram index: {err}"));
    let mut sources: BTreeMap<&str, Vec<&Offer>> = BTreeMap::new();
    for offer in offers {
        sources
            .entry(offer.source.as_str())
            .or_default()
            .push(offer);
    }
    for (source, offers) in sources {
        let mut ingest = index
            .begin_source_ingest(source, IngestOptions::default())
            .unwrap_or_else(|err| panic!("ingest {source}: {err}"));
        for offer in offers {
            ingest
                .add(offer)
                .unwrap_or_else(|err| panic!("add {}: {err}", offer.id));
        }
        ingest
            .commit(IngestMeta::default())
            .unwrap_or_else(|err| panic!("commit {source}: {err}"));
    }
    index
}

/// One offer of `source` with the given network, links, GTIN and prices.
pub(crate) fn offer(
    source: &str,
    id: &str,
    network: Network,
    tracking: Option<&str>,
    product: &str,
) -> Offer {
    Offer {
        id: format!("{source}:{id}"),
        source: source.into(),
        network,
        merchant_id: None,
        merchant_name: None,
        program_id: None,
        sku: Some(id.into()),
        gtin: None,
        mpn: None,
        title: format!("Trail shoe {id}"),
        description: None,
        brand: Some("Salomon".into()),
        category: None,
        price: Decimal::new(50000, 2),
        old_price: None,
        currency: Currency::parse("SEK").unwrap_or_else(|_| unreachable!("SEK is ISO-4217")),
        shipping: None,
        availability: Availability::InStock,
        product_url: Some(product.into()),
        tracking_url: tracking.map(str::to_string),
        image_url: None,
        additional_images: Vec::new(),
        updated_at: None,
        extra: BTreeMap::new(),
        product_id: None,
        product_match: None,
    }
}

/// Offers of every network: the same shoe (GTIN 4006381333931) at Adtraction and Awin,
/// PartnerBoost (deep links forbidden in [`fixture_config`]), TradeTracker, a Google feed with a
/// template, and a generic feed with Tradedoubler links.
pub(crate) fn fixture_offers() -> Vec<Offer> {
    let mut awin = offer(
        "sneakerhub",
        "38953120000",
        Network::Awin,
        Some("https://www.awin1.com/pclick.php?p=38953120000&a=394937&m=10597"),
        "https://www.sneakerhub.example/product/p025/",
    );
    awin.merchant_id = Some("10597".into());
    awin.merchant_name = Some("Sneakerhub".into());
    awin.gtin = Gtin::parse("4006381333931").ok();
    awin.price = Decimal::new(72000, 2);
    let pb = offer(
        "ulike",
        "p052",
        Network::Partnerboost,
        Some(
            "https://app.partnerboost.com/track/ab12cd?url=https%3A%2F%2Fwww.ulike.example%2Fproducts%2Fp052",
        ),
        "https://www.ulike.example/products/p052",
    );
    let tt = offer(
        "homeshop",
        "p069",
        Network::Tradetracker,
        Some(
            "https://www.homeshop.example/tracker/index.php?tt=534_251713_1_&r=https%3A%2F%2Fwww.homeshop.example%2Fp069",
        ),
        "https://www.homeshop.example/p069",
    );
    let google = offer(
        "techstore",
        "p078",
        Network::Google,
        None,
        "https://techstore.example/p/p078",
    );
    let td = offer(
        "spelbutiken",
        "68837",
        Network::Generic,
        Some(
            "http://pdt.tradedoubler.com/click?a(2122225)p(77609)prod(1016720533)ttid(5)url(http%3A%2F%2Fwww.spelbutiken.se%2Fcatalog%2F68837)",
        ),
        "http://www.spelbutiken.se/catalog/68837",
    );
    vec![full_offer(), awin, pb, tt, google, td]
}

/// Link settings for [`fixture_offers`]: PartnerBoost forbids deep links, the Google source
/// links through a template.
pub(crate) fn fixture_config(click_log: &std::path::Path) -> crate::ApiConfig {
    let ulike = crate::SourceLinks {
        allow_deep_links: false,
        ..crate::SourceLinks::default()
    };
    let techstore = crate::SourceLinks {
        deep_link_template: Some(
            "https://go.network.example/c?site=9&sub={subid}&dest={url}".into(),
        ),
        ..crate::SourceLinks::default()
    };
    crate::ApiConfig::new("https://compare.example/", click_log)
        .with_source("ulike", ulike)
        .with_source("techstore", techstore)
}

/// A fresh SQLite click store in `dir`.
pub(crate) fn fixture_store(dir: &std::path::Path) -> Arc<feedmill_store::SqliteStore> {
    std::fs::create_dir_all(dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display()));
    let path = dir.join("feedmill.db");
    feedmill_store::SqliteStore::open(&path)
        .map(Arc::new)
        .unwrap_or_else(|err| panic!("store {}: {err}", path.display()))
}

/// Every click in `store`, oldest first.
pub(crate) fn stored_clicks(store: &dyn feedmill_store::Store) -> Vec<feedmill_store::Click> {
    let mut clicks = Vec::new();
    store
        .visit_clicks(feedmill_store::TimeRange::all(), &mut |click| {
            clicks.push(click.clone());
            Ok(())
        })
        .unwrap_or_else(|err| panic!("clicks: {err}"));
    clicks
}
