//! The normalizer's rules on single records built by hand.

use super::*;
use crate::mapping::Mapping;
use crate::profiles;
use crate::record::FieldNames;
use feedmill_model::Availability;

/// Normalizes one record of `(key, value)` pairs with the generic mapping.
fn normalize(pairs: &[(&str, &str)]) -> Normalized {
    normalize_mapped(pairs, &[])
}

/// [`normalize`] with `--map` overrides.
fn normalize_mapped(pairs: &[(&str, &str)], overrides: &[(Field, String)]) -> Normalized {
    let mut names = FieldNames::new();
    let mut record = RawRecord::new(1);
    for (key, value) in pairs {
        let id = names.intern(key);
        record.push(id, value);
    }
    let snapshot = names.snapshot();
    let mapping = Mapping::from_table(profiles::GENERIC)
        .with_overrides(overrides)
        .resolve(&snapshot);
    let ctx = NormalizeContext {
        source: "test".into(),
        network: Network::Generic,
        default_currency: Some(Currency::parse("EUR").expect("EUR")),
    };
    normalize_record(&record, &snapshot, &mapping, &ctx)
}

fn kinds(normalized: &Normalized) -> Vec<&'static str> {
    normalized.warnings.iter().map(|w| w.kind).collect()
}

const BASE: [(&str, &str); 2] = [("title", "Shirt"), ("link", "https://shop.example/shirt")];

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    BASE.iter().copied().chain(extra.iter().copied()).collect()
}

#[test]
fn a_sale_price_above_the_price_keeps_the_price_and_warns() {
    let normalized = normalize(&with(&[("price", "50.00"), ("sale_price", "60.00")]));
    let offer = normalized.outcome.as_ref().expect("offer");
    assert_eq!(offer.price, Decimal::new(5000, 2));
    assert_eq!(offer.old_price, None);
    assert_eq!(kinds(&normalized), ["sale_price_above_price"]);
    assert!(normalized.warnings[0].detail.contains("60.00"));
    let kept_aside = offer.extra.get("sale_price").map(String::as_str);
    assert_eq!(kept_aside, Some("60.00"), "the higher figure is not lost");
}

#[test]
fn a_sale_price_below_the_price_is_the_price_without_a_warning() {
    let normalized = normalize(&with(&[("price", "50.00"), ("sale_price", "40.00")]));
    let offer = normalized.outcome.as_ref().expect("offer");
    assert_eq!(offer.price, Decimal::new(4000, 2));
    assert_eq!(offer.old_price, Some(Decimal::new(5000, 2)));
    assert!(normalized.warnings.is_empty(), "{:?}", normalized.warnings);
    assert!(offer.extra.is_empty(), "{:?}", offer.extra);
    let equal = normalize(&with(&[("price", "50.00"), ("sale_price", "50.00")]));
    assert!(
        equal.warnings.is_empty(),
        "an equal sale price loses nothing"
    );
}

#[test]
fn an_unparsable_or_negative_sale_price_is_a_warning() {
    for sale in ["soon", "-5.00"] {
        let pairs = with(&[("price", "50.00"), ("sale_price", sale)]);
        let normalized = normalize(&pairs);
        let offer = normalized.outcome.as_ref().expect("offer");
        assert_eq!(offer.price, Decimal::new(5000, 2), "{sale}");
        assert_eq!(kinds(&normalized), ["bad_sale_price"], "{sale}");
    }
}

#[test]
fn a_second_price_of_one_key_is_a_dropped_price_warning() {
    let pairs = with(&[
        ("variants/price", "10.00"),
        ("variants/price", "12.00"),
        ("variants/price", "10.00"),
    ]);
    let mut pairs = pairs;
    pairs.push(("price", "9.00"));
    let normalized = normalize_mapped(&pairs, &[(Field::Price, "variants/price".into())]);
    let offer = normalized.outcome.as_ref().expect("offer");
    assert_eq!(offer.price, Decimal::new(1000, 2));
    assert_eq!(kinds(&normalized), ["dropped_price"]);
    assert!(normalized.warnings[0].detail.contains("\"12.00\""));
}

#[test]
fn an_unknown_currency_code_beside_a_default_is_a_warning() {
    let normalized = normalize(&with(&[("price", "5.00"), ("currency", "XYZQ")]));
    assert!(normalized.outcome.is_ok());
    assert_eq!(kinds(&normalized), ["bad_currency"]);
}

#[test]
fn availability_text_not_understood_is_a_warning() {
    let normalized = normalize(&with(&[("price", "5.00"), ("availability", "ask us")]));
    let offer = normalized.outcome.as_ref().expect("offer");
    assert_eq!(offer.availability, Availability::Unknown);
    assert_eq!(kinds(&normalized), ["bad_availability"]);
    let stock = normalize(&with(&[
        ("price", "5.00"),
        ("availability", "ask us"),
        ("stock_quantity", "3"),
    ]));
    assert!(
        stock.warnings.is_empty(),
        "the stock count tells: {:?}",
        stock.warnings
    );
}

#[test]
fn a_url_field_without_a_url_is_a_warning() {
    let pairs = [
        ("title", "Shirt"),
        ("price", "5.00"),
        ("tracking_url", "https://track.example/c?id=1"),
        ("product_url", "/shirt.html"),
        ("image", "img/shirt.jpg"),
    ];
    let normalized = normalize(&pairs);
    let offer = normalized.outcome.as_ref().expect("offer");
    assert_eq!(offer.image_url, None);
    assert_eq!(kinds(&normalized), ["bad_url", "bad_url"]);
    assert!(normalized.warnings[0].detail.starts_with("product_url"));
    assert!(normalized.warnings[1].detail.starts_with("image_url"));
}
