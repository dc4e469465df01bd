//! [`CandidatePool`]: the candidates of one batch of offers left for the learned scorer. Offers
//! of one product find the same candidates, so each candidate is loaded from the index and
//! profiled once per batch, however many offers it is a candidate of.

use crate::error::PipelineError;
use feedmill_index::{CandidateHit, MatchCandidates};
use feedmill_match::{BrandDictionary, CorpusStats, OfferProfile, ProductRecord};
use feedmill_model::Offer;
use rayon::prelude::*;
use std::collections::HashMap;

/// Each offer's candidates (up to `top_k`, best first, never the offer itself) as places in
/// one list of distinct candidates with their profiles.
pub(crate) struct CandidatePool {
    distinct: Vec<(Offer, OfferProfile)>,
    per_offer: Vec<Vec<usize>>,
}

impl CandidatePool {
    /// Finds the candidates of every offer of `offers` in parallel, then loads and profiles
    /// each distinct one in parallel.
    pub fn gather(
        candidates: &MatchCandidates,
        brands: &BrandDictionary,
        offers: &[&Offer],
        top_k: usize,
    ) -> Result<CandidatePool, PipelineError> {
        // One more than asked: the offer itself may be in the snapshot.
        let hits: Vec<Vec<CandidateHit>> = offers
            .par_iter()
            .map(|offer| candidates.similar_hits(offer, top_k + 1))
            .collect::<Result<_, _>>()?;
        let mut unique: Vec<CandidateHit> = hits.iter().flatten().copied().collect();
        unique.sort_unstable();
        unique.dedup();
        let distinct: Vec<(Offer, OfferProfile)> = unique
            .par_iter()
            .map(|hit| {
                let candidate = candidates.load(*hit)?;
                let profile = OfferProfile::build(&ProductRecord::from_offer(&candidate), brands);
                Ok((candidate, profile))
            })
            .collect::<Result<_, PipelineError>>()?;
        let place: HashMap<CandidateHit, usize> = unique
            .iter()
            .enumerate()
            .map(|(i, hit)| (*hit, i))
            .collect();
        let per_offer = offers
            .iter()
            .zip(hits)
            .map(|(offer, hits)| {
                hits.iter()
                    .filter_map(|hit| place.get(hit).copied())
                    .filter(|&i| distinct[i].0.id != offer.id)
                    .take(top_k)
                    .collect()
            })
            .collect();
        Ok(CandidatePool {
            distinct,
            per_offer,
        })
    }

    /// Every offer's candidate profiles, a candidate once per offer it is a candidate of (as
    /// the corpus statistics count them).
    pub fn profiles(&self) -> impl Iterator<Item = &OfferProfile> {
        self.per_offer
            .iter()
            .flatten()
            .map(|&i| &self.distinct[i].1)
    }

    /// Weighs every candidate's words by `stats`.
    pub fn apply_weights(&mut self, stats: &CorpusStats) {
        self.distinct
            .par_iter_mut()
            .for_each(|(_, profile)| profile.apply_weights(stats));
    }

    /// The candidates of the `position`-th offer given to [`CandidatePool::gather`].
    pub fn of(&self, position: usize) -> impl Iterator<Item = &(Offer, OfferProfile)> {
        self.per_offer
            .get(position)
            .into_iter()
            .flatten()
            .map(|&i| &self.distinct[i])
    }
}
