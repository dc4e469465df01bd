//! `MatchCandidates::similar`: the offers most like a given one by its rarest title and brand
//! words, never the offer itself.

use crate::support::*;
use feedmill_index::{IndexError, OfferIndex};

/// Twenty offers share the common words "acme" and "kettle"; one also shares the offer's rare
/// model words.
fn kitchen() -> Result<OfferIndex, IndexError> {
    let index = OfferIndex::in_ram()?;
    let mut offers: Vec<_> = (0..20)
        .map(|i| {
            offer(
                "shop",
                &format!("k{i}"),
                &format!("Acme kettle steel {i}"),
                "10",
            )
        })
        .collect();
    offers.push(offer(
        "shop",
        "twin",
        "Acme kettle zorva quill brio tamsk mirel",
        "12",
    ));
    offers.push(offer(
        "shop",
        "self",
        "Acme kettle zorva quill brio tamsk mirel veldt",
        "11",
    ));
    ingest(&index, "shop", &offers)?;
    Ok(index)
}

fn ids_of(offers: &[feedmill_model::Offer]) -> Vec<&str> {
    offers.iter().map(|o| o.id.as_str()).collect()
}

#[test]
fn candidates_are_found_by_the_rarest_words_only() -> TestResult {
    let index = kitchen()?;
    let candidates = index.match_candidates();
    let wanted = offer(
        "other",
        "x",
        "Acme kettle zorva quill brio tamsk mirel veldt",
        "11",
    );
    let found = candidates.similar(&wanted, 10)?;
    // "acme" and "kettle" are in 22 offers: not asked for, so the twenty kettles that share
    // only them are no candidates; the two offers with the rare words are.
    let mut found_ids = ids_of(&found);
    found_ids.sort_unstable();
    assert_eq!(found_ids, ["shop:self", "shop:twin"]);
    Ok(())
}

#[test]
fn an_offer_is_not_its_own_candidate_and_its_own_words_find_nothing() -> TestResult {
    let index = kitchen()?;
    let candidates = index.match_candidates();
    let itself = offer(
        "shop",
        "self",
        "Acme kettle zorva quill brio tamsk mirel veldt",
        "11",
    );
    // "veldt" is in no other offer: it leaves a rarest word's place to one that finds the twin.
    assert_eq!(ids_of(&candidates.similar(&itself, 10)?), ["shop:twin"]);
    let alone = offer("shop", "self", "veldt", "11");
    assert!(candidates.similar(&alone, 10)?.is_empty());
    Ok(())
}
