//! What decides an offer's product during an ingest, cheapest evidence first (see
//! [`crate::ProductMatcher`]): an operator's pin, the GTIN, brand + model number, the decision
//! kept from the last ingest when the offer has not changed, and last a learned pair score
//! against the catalogue's most similar offers.

use feedmill_match::identifiers::model_key;
use feedmill_match::{BrandDictionary, MatcherModel, OfferProfile};
use feedmill_model::{MatchMethod, Offer, ProductMatch, product_id_of};
use std::hash::{DefaultHasher, Hash, Hasher};

/// The product of an offer and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decision {
    pub product_id: String,
    pub product_match: ProductMatch,
    /// A brand + model decision that found no GTIN for its key yet (see
    /// `feedmill_store::StoredMatch::awaits_gtin`).
    pub awaits_gtin: bool,
    /// The stored decision of the last ingest, taken over unchanged: nothing to store again.
    pub kept: bool,
}

impl Decision {
    pub fn new(product_id: String, method: MatchMethod, score: Option<f32>) -> Decision {
        Decision {
            product_id,
            product_match: ProductMatch::new(method, score),
            awaits_gtin: false,
            kept: false,
        }
    }

    /// The offer's own product: nothing joined it to another.
    pub fn alone(offer: &Offer, best_score: Option<f32>) -> Decision {
        Decision::new(alone_product_id(offer), MatchMethod::None, best_score)
    }
}

/// The id of the product an offer forms on its own.
pub(crate) fn alone_product_id(offer: &Offer) -> String {
    product_id_of(&format!("offer:{}", offer.id))
}

/// The product of an offer with a GTIN: the GTIN itself names it.
pub(crate) fn gtin_decision(gtin14: &str) -> Decision {
    Decision::new(
        product_id_of(&format!("gtin:{gtin14}")),
        MatchMethod::Gtin,
        Some(1.0),
    )
}

/// The product of an offer with a brand + model key: the GTIN product the key belongs to when
/// the catalogue's offers give it exactly one GTIN, else the key's own product. Two GTINs for
/// one key leave it its own product, so no key chains two GTIN products together. A key with no
/// GTIN yet waits for one: it is decided again at the next ingest.
pub(crate) fn model_decision(key: &str, gtins: &[String]) -> Decision {
    let (product_id, awaits_gtin) = match gtins {
        [gtin14] => (product_id_of(&format!("gtin:{gtin14}")), false),
        [] => (product_id_of(&format!("model:{key}")), true),
        _ => (product_id_of(&format!("model:{key}")), false),
    };
    Decision {
        awaits_gtin,
        ..Decision::new(product_id, MatchMethod::Model, Some(1.0))
    }
}

/// The brand + model key of an offer: its canonical brand (the brand field, else a known
/// brand in the title) with its MPN, as `feedmill match cluster` keys offers.
pub(crate) fn offer_model_key(profile: &OfferProfile) -> Option<String> {
    let mpn = profile.mpn.as_deref()?;
    model_key(profile.brand.as_deref(), mpn)
}

/// The brand + model key of an offer without building its whole profile (for offers with a
/// GTIN, whose key is only recorded, never decides their product).
pub(crate) fn quick_model_key(offer: &Offer, brands: &BrandDictionary) -> Option<String> {
    let mpn = offer.mpn.as_deref()?;
    let brand = offer.brand.as_deref().and_then(|b| brands.canonical(b))?;
    model_key(Some(&brand), mpn)
}

/// A hash of what the matcher reads of an offer (not its price, which changes daily and only
/// nudges a score): an offer with the same fingerprint as at the last ingest keeps its
/// decision. Rust's SipHash with fixed keys: stable from run to run; a toolchain that changed
/// it would make one ingest match every offer again, nothing worse.
pub(crate) fn fingerprint(offer: &Offer) -> u64 {
    let mut hasher = DefaultHasher::new();
    offer.title.hash(&mut hasher);
    offer.brand.hash(&mut hasher);
    offer.mpn.hash(&mut hasher);
    offer.gtin.as_ref().map(|g| g.as_gtin14()).hash(&mut hasher);
    offer.category.hash(&mut hasher);
    offer.currency.code().hash(&mut hasher);
    hasher.finish()
}

/// A candidate scored against the offer being matched.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScoredCandidate {
    pub offer_id: String,
    pub title: String,
    pub product_id: String,
    pub score: f32,
}

/// What the best candidate decides: join its product at or above the auto-group threshold,
/// ask an operator between the match and the auto-group threshold (the offer stays alone
/// meanwhile), else stay alone.
pub(crate) enum ScoredOutcome {
    Joined(Decision),
    Review(Decision, ScoredCandidate),
    Alone(Decision),
}

pub(crate) fn scored_outcome(
    offer: &Offer,
    best: Option<ScoredCandidate>,
    model: &MatcherModel,
) -> ScoredOutcome {
    let Some(best) = best else {
        return ScoredOutcome::Alone(Decision::alone(offer, None));
    };
    if best.score >= model.auto_group_threshold {
        let joined = Decision::new(
            best.product_id.clone(),
            MatchMethod::Scored,
            Some(best.score),
        );
        return ScoredOutcome::Joined(joined);
    }
    let mut alone = Decision::alone(offer, Some(best.score));
    if best.score >= model.match_threshold {
        alone.product_match.in_review = true;
        return ScoredOutcome::Review(alone, best);
    }
    ScoredOutcome::Alone(alone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_key_joins_its_one_gtin_and_never_chains_two() {
        let one = vec!["04006381333931".to_string()];
        let two = vec!["04006381333931".to_string(), "05000000000005".to_string()];
        let joined = model_decision("wd|wd20efrx", &one);
        assert_eq!(
            joined.product_id,
            gtin_decision("04006381333931").product_id
        );
        assert!(!joined.awaits_gtin);
        let own = product_id_of("model:wd|wd20efrx");
        let ambiguous = model_decision("wd|wd20efrx", &two);
        assert_eq!(
            (ambiguous.product_id, ambiguous.awaits_gtin),
            (own.clone(), false)
        );
        let waiting = model_decision("wd|wd20efrx", &[]);
        assert_eq!((waiting.product_id, waiting.awaits_gtin), (own, true));
    }
}
