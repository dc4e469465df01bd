//! The [`ProductMatchStore`](crate::ProductMatchStore) part of the suite: the matcher's
//! decisions per source, model-key GTINs, the review list and pins.

use super::day;
use crate::error::StoreResult;
use crate::product_match::{
    MatchReview, ModelGtin, PinTarget, ProductPin, SourceMatchUpdate, SourceMatches, StoredMatch,
};
use crate::store::Store;
use feedmill_model::{MatchMethod, ProductMatch};

fn decision(offer_id: &str, fingerprint: u64, method: MatchMethod) -> StoredMatch {
    StoredMatch {
        awaits_gtin: false,
        offer_id: offer_id.into(),
        fingerprint,
        product_id: format!("p{:012x}", fingerprint & 0xffff),
        product_match: ProductMatch::new(method, Some(0.75)),
    }
}

fn review(offer_id: &str, score: f32) -> MatchReview {
    MatchReview {
        offer_id: offer_id.into(),
        source: "shop-a".into(),
        title: format!("title of {offer_id}"),
        candidate_offer_id: "other".into(),
        candidate_title: "other title".into(),
        candidate_product_id: "p000000000001".into(),
        score,
        created_at: day(3),
    }
}

fn model_gtin(key: &str, gtin14: &str) -> ModelGtin {
    ModelGtin {
        model_key: key.into(),
        gtin14: gtin14.into(),
    }
}

pub(crate) fn a_source_s_decisions_are_replaced_whole(store: &impl Store) -> StoreResult<()> {
    let mut in_review = decision("b", u64::MAX, MatchMethod::None);
    in_review.product_match.in_review = true;
    let first = SourceMatches {
        matches: vec![decision("a", 7, MatchMethod::Scored), in_review.clone()],
        model_gtins: vec![model_gtin("wd|wd20efrx", "00000000000017")],
        reviews: vec![review("b", 0.6)],
        pin_generation: 0,
    };
    store.replace_source_matches("shop-a", &first)?;
    store.replace_source_matches(
        "shop-b",
        &SourceMatches {
            matches: vec![decision("z", 9, MatchMethod::Model)],
            ..SourceMatches::default()
        },
    )?;
    let kept = store.source_matches("shop-a")?;
    assert_eq!(kept.len(), 2);
    assert_eq!(
        kept.get("b"),
        Some(&in_review),
        "a u64 fingerprint and the flags read back"
    );
    assert_eq!(store.count_match_reviews()?, 1);

    let second = SourceMatches {
        matches: vec![decision("c", 8, MatchMethod::Model)],
        ..SourceMatches::default()
    };
    store.replace_source_matches("shop-a", &second)?;
    let kept = store.source_matches("shop-a")?;
    assert_eq!(kept.keys().collect::<Vec<_>>(), vec!["c"]);
    assert_eq!(
        store.count_match_reviews()?,
        0,
        "the old review entries went"
    );
    assert!(
        store
            .model_key_gtins(&["wd|wd20efrx".into()], 2)?
            .is_empty()
    );
    assert_eq!(
        store.source_matches("shop-b")?.len(),
        1,
        "other sources are untouched"
    );
    store.delete_source_matches("shop-b")?;
    assert!(store.source_matches("shop-b")?.is_empty());
    Ok(())
}

pub(crate) fn model_keys_answer_distinct_gtins_of_every_source(
    store: &impl Store,
) -> StoreResult<()> {
    let gtins = |pairs: Vec<ModelGtin>| SourceMatches {
        model_gtins: pairs,
        ..SourceMatches::default()
    };
    store.replace_source_matches(
        "shop-a",
        &gtins(vec![
            model_gtin("k1", "00000000000031"),
            model_gtin("k2", "00000000000048"),
        ]),
    )?;
    store.replace_source_matches(
        "shop-b",
        &gtins(vec![
            model_gtin("k1", "00000000000031"),
            model_gtin("k2", "00000000000017"),
            model_gtin("k2", "00000000000024"),
        ]),
    )?;
    let keys = ["k1".to_string(), "k2".to_string(), "k3".to_string()];
    let found = store.model_key_gtins(&keys, 2)?;
    assert_eq!(found.get("k1"), Some(&vec!["00000000000031".to_string()]));
    assert_eq!(
        found.get("k2"),
        Some(&vec![
            "00000000000017".to_string(),
            "00000000000024".to_string()
        ]),
        "smallest first, at most the limit"
    );
    assert!(!found.contains_key("k3"));
    Ok(())
}

pub(crate) fn a_pin_is_kept_per_offer_and_takes_it_off_the_review_list(
    store: &impl Store,
) -> StoreResult<()> {
    store.replace_source_matches(
        "shop-a",
        &SourceMatches {
            reviews: vec![review("a", 0.7), review("b", 0.9)],
            ..SourceMatches::default()
        },
    )?;
    let listed = store.match_reviews(10, 0)?;
    assert_eq!(
        listed
            .iter()
            .map(|r| r.offer_id.as_str())
            .collect::<Vec<_>>(),
        vec!["b", "a"],
        "best score first"
    );
    assert_eq!(listed[0], review("b", 0.9));
    assert_eq!(store.match_reviews(1, 1)?.len(), 1);

    let pin = |offer_id: &str, target: PinTarget, at: i64| ProductPin {
        offer_id: offer_id.into(),
        source: "shop-a".into(),
        target,
        created_at: day(at),
    };
    store.set_pin(&pin("b", PinTarget::Product("p0000000000aa".into()), 1))?;
    store.set_pin(&pin("c", PinTarget::Split, 2))?;
    assert_eq!(
        store.count_match_reviews()?,
        1,
        "the pinned offer left the review list"
    );
    store.set_pin(&pin("b", PinTarget::Split, 3))?;
    let pins = store.source_pins("shop-a")?;
    assert_eq!(
        pins.get("b"),
        Some(&PinTarget::Split),
        "a pin again replaces it"
    );
    assert_eq!(pins.get("c"), Some(&PinTarget::Split));
    assert!(store.source_pins("shop-b")?.is_empty());
    assert_eq!(
        store.pins()?,
        vec![pin("c", PinTarget::Split, 2), pin("b", PinTarget::Split, 3)]
    );
    assert!(store.remove_pin("b")?);
    assert!(!store.remove_pin("b")?);
    assert_eq!(store.pins()?.len(), 1);
    store.replace_source_matches("shop-a", &SourceMatches::default())?;
    assert_eq!(store.pins()?.len(), 1, "an ingest keeps the pins");
    Ok(())
}

pub(crate) fn a_pin_change_stays_pending_until_an_ingest_applied_it(
    store: &impl Store,
) -> StoreResult<()> {
    assert!(!store.pins_pending("shop-a")?.is_pending(), "never pinned");
    let pin = ProductPin {
        offer_id: "a".into(),
        source: "shop-a".into(),
        target: PinTarget::Split,
        created_at: day(1),
    };
    store.set_pin(&pin)?;
    let read_at = store.pins_pending("shop-a")?;
    assert!(read_at.is_pending());
    assert!(!store.pins_pending("shop-b")?.is_pending());
    // A second pin lands while the ingest that read the first is running.
    store.set_pin(&ProductPin {
        offer_id: "b".into(),
        ..pin.clone()
    })?;
    let applied = SourceMatches {
        pin_generation: read_at.current,
        ..SourceMatches::default()
    };
    store.replace_source_matches("shop-a", &applied)?;
    assert!(
        store.pins_pending("shop-a")?.is_pending(),
        "the later pin still waits"
    );
    let now = store.pins_pending("shop-a")?;
    store.replace_source_matches(
        "shop-a",
        &SourceMatches {
            pin_generation: now.current,
            ..SourceMatches::default()
        },
    )?;
    assert!(!store.pins_pending("shop-a")?.is_pending());
    assert!(store.remove_pin("a")?);
    assert!(
        store.pins_pending("shop-a")?.is_pending(),
        "an unpin waits too"
    );
    assert!(!store.remove_pin("zz")?);
    Ok(())
}

pub(crate) fn an_update_writes_only_what_changed(store: &impl Store) -> StoreResult<()> {
    let mut waiting = decision("b", 2, MatchMethod::Model);
    waiting.awaits_gtin = true;
    store.replace_source_matches(
        "shop-a",
        &SourceMatches {
            matches: vec![decision("a", 1, MatchMethod::Scored), waiting.clone()],
            model_gtins: vec![
                model_gtin("k1", "00000000000017"),
                model_gtin("k2", "00000000000024"),
            ],
            reviews: vec![review("a", 0.6)],
            pin_generation: 0,
        },
    )?;
    assert_eq!(store.source_matches("shop-a")?.get("b"), Some(&waiting));
    let changed = decision("c", 3, MatchMethod::None);
    store.update_source_matches(
        "shop-a",
        &SourceMatchUpdate {
            upserts: vec![changed.clone()],
            removed_offers: vec!["b".into()],
            model_gtins_added: vec![model_gtin("k3", "00000000000031")],
            model_gtins_removed: vec![model_gtin("k1", "00000000000017")],
            reviews: vec![review("c", 0.7)],
            pin_generation: 0,
        },
    )?;
    let kept = store.source_matches("shop-a")?;
    assert_eq!(kept.len(), 2);
    assert_eq!(kept.get("a"), Some(&decision("a", 1, MatchMethod::Scored)));
    assert_eq!(kept.get("c"), Some(&changed));
    let keys = store.source_model_gtins("shop-a")?;
    let expected: std::collections::HashSet<ModelGtin> = [
        model_gtin("k2", "00000000000024"),
        model_gtin("k3", "00000000000031"),
    ]
    .into();
    assert_eq!(keys, expected);
    let reviews = store.match_reviews(10, 0)?;
    assert_eq!(reviews.len(), 1, "the review list is replaced");
    assert_eq!(reviews[0].offer_id, "c");
    Ok(())
}
