//! The `Offer` schema: an offer as answers carry it ([`LinkedOffer`]), one flat object merged
//! from the derived schemas of its three parts, in the order they are written:
//!
//! 1. the model's offer (`feedmill_model::Offer`), its required fields kept;
//! 2. the honest numbers (`feedmill_search::PriceFacts`), all optional: an offer without price
//!    history carries none of them;
//! 3. the links ([`OfferLinks`]), which replace the offer's own `tracking_url` (always written,
//!    `null` when the feed has none).
//!
//! A flat object rather than an `allOf` of the parts, because part 2 is there or not as a
//! whole, and `allOf` cannot make a part optional.

use crate::offer_links::{LinkedOffer, OfferLinks};
use feedmill_model::Offer;
use feedmill_search::PriceFacts;
use std::borrow::Cow;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Object, Schema};
use utoipa::{PartialSchema, ToSchema};

const DESCRIPTION: &str = "One offer with its three links. Prices are exact decimal strings \
(`\"699.00\"`). Fields the offer lacks are left out, except the three links, which are always \
there and `null` when unknown; the price history's numbers (`lowest_price_30d` to \
`lowest_since`) are there together, when price history is kept. More properties may be added.";

impl PartialSchema for LinkedOffer<'_> {
    fn schema() -> RefOr<Schema> {
        let mut merged = object_of(Offer::schema());
        let mut facts = object_of(PriceFacts::schema());
        facts.required.clear();
        merge(&mut merged, facts);
        merge(&mut merged, object_of(OfferLinks::schema()));
        merged.description = Some(DESCRIPTION.to_string());
        merged.title = None;
        Schema::Object(merged).into()
    }
}

impl ToSchema for LinkedOffer<'_> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Offer")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        <Offer as ToSchema>::schemas(schemas);
        <PriceFacts as ToSchema>::schemas(schemas);
        <OfferLinks as ToSchema>::schemas(schemas);
    }
}

/// The object a derived struct schema is; an empty one for anything else (no part is).
fn object_of(schema: RefOr<Schema>) -> Object {
    match schema {
        RefOr::T(Schema::Object(object)) => object,
        _ => Object::new(),
    }
}

/// `part`'s properties into `into`, a property of the same name replaced; required names
/// added.
fn merge(into: &mut Object, part: Object) {
    for (name, property) in part.properties {
        into.properties.insert(name, property);
    }
    for name in part.required {
        if !into.required.contains(&name) {
            into.required.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer_object() -> Object {
        object_of(LinkedOffer::schema())
    }

    #[test]
    fn has_every_part_and_only_the_offers_and_links_requirements() {
        let offer = offer_object();
        let facts = object_of(PriceFacts::schema());
        let model = object_of(Offer::schema());
        for name in facts.properties.keys().chain(model.properties.keys()) {
            assert!(offer.properties.contains_key(name), "{name}");
        }
        for name in ["history_days", "lowest_since", "discount_verified"] {
            assert!(facts.required.iter().any(|r| r == name), "{name}");
            assert!(!offer.required.iter().any(|r| r == name), "{name}");
        }
        for name in [
            "id",
            "price",
            "currency",
            "tracking_url",
            "deep_link",
            "click_url",
        ] {
            assert!(offer.required.iter().any(|r| r == name), "{name}");
        }
    }

    #[test]
    fn the_links_tracking_url_replaces_the_offers() -> Result<(), serde_json::Error> {
        let offer = offer_object();
        let tracking = serde_json::to_value(offer.properties.get("tracking_url"))?;
        assert_eq!(tracking["type"], serde_json::json!(["string", "null"]));
        Ok(())
    }

    /// A search answer with every kind of offer the API writes (history and an expected
    /// commission, neither, a tracking URL or none, grouped) validates against the document's
    /// `SearchResponse`, formats included.
    #[test]
    fn real_search_answers_validate_with_formats() -> Result<(), Box<dyn std::error::Error>> {
        use crate::commission_book::{CommissionBook, tests::ten_percent};
        use crate::offer_links::{Decoration, LinkedResponse};
        use crate::testing::{full_offer, full_priced_offer};
        use feedmill_search::{GtinGroup, OfferHit, PricedOffer, SearchItem, SearchResponse};
        let dir = tempfile::tempdir()?;
        let config = crate::ApiConfig::new("http://x.example", dir.path().join("c")).validated()?;
        let priced = full_priced_offer();
        let book = CommissionBook::default();
        let program = priced.offer.program_id.clone().unwrap_or_default();
        book.replace(vec![ten_percent(priced.offer.network, &program)], &[]);
        let rules = book.snapshot();
        let ids = feedmill_links::SubIds::single("subid", "s1")?;
        let decoration = Decoration {
            config: &config,
            ids: &ids,
            commissions: &rules,
        };
        let mut bare = full_offer();
        bare.id = "nordic:1496445:SKU-2".into();
        (bare.tracking_url, bare.product_url, bare.program_id) = (None, None, None);
        let group = GtinGroup {
            product_id: priced.offer.product_id.clone(),
            gtin: Some("04006381333931".into()),
            title: priced.offer.title.clone(),
            offer_count: 2,
            min_price: priced.offer.price,
            max_price: priced.offer.price,
            currency: priced.offer.currency,
            offers: vec![priced.clone(), PricedOffer::bare(bare.clone())],
        };
        let items = vec![
            SearchItem::Offer(OfferHit {
                offer: priced.offer.clone(),
                price_facts: priced.price_facts.clone(),
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
            took_ms: 0,
            items,
            facets: Default::default(),
        };
        let json = serde_json::to_value(LinkedResponse::new(decoration, &response, 1))?;
        assert!(
            json["items"][0]["expected_commission"].is_object(),
            "{json}"
        );
        assert!(json["items"][0]["lowest_since"].is_string(), "{json}");
        let doc = super::super::contract_tests::doc();
        let schema = serde_json::json!({"$ref": "#/components/schemas/SearchResponse"});
        let validator = super::super::contract_tests::validator_with(&doc, &schema, true);
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{json}");
        let mut broken = json.clone();
        broken["items"][0]["lowest_since"] = serde_json::json!("yesterday");
        assert!(!validator.is_valid(&broken), "a date-time is checked");
        Ok(())
    }
}
