//! Candidate pairs (blocking): exact brand + model keys, plus BM25 top-k over title and brand
//! tokens, capped per offer, so that the pair scorer sees a few dozen pairs per offer instead of
//! all of them.
//!
//! The index is a small in-memory inverted index over the profiles' hashed tokens, written here
//! rather than built with tantivy: the tokens are already analysed and hashed, every offer is a
//! query, and a dense score array per query beats a searcher round trip by a wide margin.

use crate::identifiers::model_key;
use crate::profile::OfferProfile;
use rayon::prelude::*;
use std::collections::HashMap;

/// BM25 parameters (the usual defaults).
const K1: f32 = 1.2;
const B: f32 = 0.75;

#[derive(Debug, Clone, Copy)]
pub struct BlockingParams {
    /// Best BM25 hits kept per offer and direction.
    pub top_k: usize,
    /// Tokens carried by more than this share of the offers are not looked up: they add little
    /// to a score and most of the work.
    pub max_document_share: f32,
    /// Nor are tokens carried by more than this many offers, whatever the share: in a catalogue
    /// of a million offers a tenth is a hundred thousand, and every query would visit them all.
    pub max_document_count: usize,
}

impl Default for BlockingParams {
    fn default() -> BlockingParams {
        // 35 per offer and direction: 97.5 % of the matching pairs of WDC Block small among
        // 222k candidates for 2 × 5,000 offers (benches/matching.rs).
        BlockingParams {
            top_k: 35,
            max_document_share: 0.1,
            max_document_count: 20_000,
        }
    }
}

/// An inverted index of the token sets of some profiles.
pub struct CandidateIndex {
    postings: HashMap<u64, Vec<u32>>,
    length_norm: Vec<f32>,
    num_documents: usize,
}

impl CandidateIndex {
    pub fn build(profiles: &[OfferProfile]) -> CandidateIndex {
        let mut postings: HashMap<u64, Vec<u32>> = HashMap::new();
        for (doc, profile) in profiles.iter().enumerate() {
            for token in &profile.tokens {
                postings.entry(*token).or_default().push(doc as u32);
            }
        }
        let total: usize = profiles.iter().map(|p| p.tokens.len()).sum();
        let average = (total as f32 / profiles.len().max(1) as f32).max(1.0);
        let length_norm = profiles
            .iter()
            .map(|p| (K1 + 1.0) / (1.0 + K1 * (1.0 - B + B * p.tokens.len() as f32 / average)))
            .collect();
        CandidateIndex {
            postings,
            length_norm,
            num_documents: profiles.len(),
        }
    }

    /// The `top_k` documents of best BM25 score for the query's tokens, best first;
    /// `exclude` (the query itself, in a self-join) is never returned. `scores` is scratch space
    /// kept between queries (all zeros between calls): only the documents a query touches are
    /// written and reset, so a query costs its postings, not the size of the index.
    pub fn top_k(
        &self,
        query: &OfferProfile,
        params: &BlockingParams,
        exclude: Option<u32>,
        scores: &mut Vec<f32>,
    ) -> Vec<u32> {
        if scores.len() != self.num_documents {
            scores.clear();
            scores.resize(self.num_documents, 0.0);
        }
        let by_share = (self.num_documents as f32 * params.max_document_share) as usize;
        let max_df = by_share.max(20).min(params.max_document_count);
        let mut touched = Vec::new();
        let n = self.num_documents as f32;
        for token in &query.tokens {
            let Some(docs) = self.postings.get(token) else {
                continue;
            };
            if docs.len() > max_df {
                continue;
            }
            let df = docs.len() as f32;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for &doc in docs {
                let slot = &mut scores[doc as usize];
                if *slot == 0.0 {
                    touched.push(doc);
                }
                *slot += idf * self.length_norm[doc as usize];
            }
        }
        let mut best: Vec<u32> = touched
            .iter()
            .copied()
            .filter(|doc| Some(*doc) != exclude)
            .collect();
        let by_score = |a: &u32, b: &u32| {
            scores[*b as usize]
                .total_cmp(&scores[*a as usize])
                .then(a.cmp(b))
        };
        if best.len() > params.top_k {
            best.select_nth_unstable_by(params.top_k, by_score);
            best.truncate(params.top_k);
        }
        best.sort_by(by_score);
        for doc in touched {
            scores[doc as usize] = 0.0;
        }
        best
    }
}

/// The brand + model keys of a profile: its MPN and its title's model codes, with its brand.
pub fn model_keys(profile: &OfferProfile) -> Vec<String> {
    profile
        .codes
        .iter()
        .filter_map(|code| model_key(profile.brand.as_deref(), code))
        .collect()
}

fn key_map(profiles: &[OfferProfile]) -> HashMap<String, Vec<u32>> {
    let mut keys: HashMap<String, Vec<u32>> = HashMap::new();
    for (index, profile) in profiles.iter().enumerate() {
        for key in model_keys(profile) {
            keys.entry(key).or_default().push(index as u32);
        }
    }
    keys
}

/// Keys shared by more offers than this are not specific enough to pair all of them.
const MAX_OFFERS_PER_KEY: usize = 50;

/// Candidate pairs `(left, right)` between two sets of offers (sorted, unique).
pub fn candidates_between(
    left: &[OfferProfile],
    right: &[OfferProfile],
    params: &BlockingParams,
) -> Vec<(u32, u32)> {
    let mut pairs = Vec::new();
    let right_index = CandidateIndex::build(right);
    let left_index = CandidateIndex::build(left);
    let mut scores = Vec::new();
    for (l, profile) in left.iter().enumerate() {
        pairs.extend(
            right_index
                .top_k(profile, params, None, &mut scores)
                .into_iter()
                .map(|r| (l as u32, r)),
        );
    }
    for (r, profile) in right.iter().enumerate() {
        pairs.extend(
            left_index
                .top_k(profile, params, None, &mut scores)
                .into_iter()
                .map(|l| (l, r as u32)),
        );
    }
    let right_keys = key_map(right);
    for (l, profile) in left.iter().enumerate() {
        for key in model_keys(profile) {
            let Some(matches) = right_keys.get(&key) else {
                continue;
            };
            if matches.len() <= MAX_OFFERS_PER_KEY {
                pairs.extend(matches.iter().map(|r| (l as u32, *r)));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Candidate pairs `(i, j)`, `i < j`, within one set of offers (sorted, unique).
pub fn candidates_within(profiles: &[OfferProfile], params: &BlockingParams) -> Vec<(u32, u32)> {
    let everyone: Vec<u32> = (0..profiles.len() as u32).collect();
    candidates_of(profiles, &everyone, params)
}

/// Candidate pairs `(i, j)`, `i < j`, of the offers `queries` with any offer of `profiles`
/// (sorted, unique): each query's BM25 top-k over all the offers, and the offers sharing one of
/// its brand + model keys. Offers that are not queries meet each other only through a query, so
/// a caller that has grouped offers by their identifiers already asks only about the rest.
/// Queries run in parallel, each thread with its own score array.
pub fn candidates_of(
    profiles: &[OfferProfile],
    queries: &[u32],
    params: &BlockingParams,
) -> Vec<(u32, u32)> {
    let index = CandidateIndex::build(profiles);
    let keys = key_map(profiles);
    let ordered = |a: u32, b: u32| (a.min(b), a.max(b));
    let mut pairs: Vec<(u32, u32)> = queries
        .par_iter()
        .map_init(Vec::new, |scores, &query| {
            let profile = &profiles[query as usize];
            let mut found: Vec<(u32, u32)> = index
                .top_k(profile, params, Some(query), scores)
                .into_iter()
                .map(|other| ordered(query, other))
                .collect();
            for key in model_keys(profile) {
                let Some(members) = keys.get(&key) else {
                    continue;
                };
                if members.len() <= MAX_OFFERS_PER_KEY {
                    found.extend(
                        members
                            .iter()
                            .filter(|m| **m != query)
                            .map(|m| ordered(query, *m)),
                    );
                }
            }
            found
        })
        .flatten_iter()
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::build_profiles;
    use crate::record::ProductRecord;

    fn profiles(titles: &[&str]) -> Vec<OfferProfile> {
        let records: Vec<ProductRecord> = titles
            .iter()
            .map(|t| ProductRecord {
                title: t.to_string(),
                brand: Some("WD".into()),
                ..ProductRecord::default()
            })
            .collect();
        build_profiles(&records.iter().collect::<Vec<_>>())
    }

    #[test]
    fn similar_titles_are_candidates_and_the_cap_holds() {
        let left = profiles(&[
            "wd red 2tb nas drive",
            "sony headphones wh1000xm3",
            "jabra evolve 75",
        ]);
        let right = profiles(&[
            "jabra evolve 75 uc stereo",
            "wd red nas 2tb",
            "sony wh1000xm3 black",
        ]);
        let params = BlockingParams {
            top_k: 1,
            max_document_share: 1.0,
            ..BlockingParams::default()
        };
        let pairs = candidates_between(&left, &right, &params);
        assert!(
            pairs.contains(&(0, 1)) && pairs.contains(&(1, 2)) && pairs.contains(&(2, 0)),
            "{pairs:?}"
        );
        assert!(pairs.len() <= 2 * 3 + 3, "{pairs:?}");
    }

    #[test]
    fn model_keys_pair_offers_without_shared_words() {
        let offers = profiles(&["WD20EFRX", "festplatte wd20-efrx", "something else"]);
        let params = BlockingParams {
            top_k: 0,
            max_document_share: 1.0,
            ..BlockingParams::default()
        };
        assert_eq!(candidates_within(&offers, &params), vec![(0, 1)]);
    }

    #[test]
    fn only_queries_ask_and_the_scratch_scores_are_left_clean() {
        let offers = profiles(&[
            "wd red 2tb nas drive",
            "wd red nas 2tb",
            "sony wh1000xm3 black",
            "sony headphones wh1000xm3",
        ]);
        let params = BlockingParams {
            top_k: 1,
            max_document_share: 1.0,
            ..BlockingParams::default()
        };
        let everyone = candidates_within(&offers, &params);
        assert!(
            everyone.contains(&(0, 1)) && everyone.contains(&(2, 3)),
            "{everyone:?}"
        );
        let of_two = candidates_of(&offers, &[2], &params);
        assert!(of_two.iter().all(|(a, b)| *a == 2 || *b == 2), "{of_two:?}");
        assert!(of_two.contains(&(2, 3)));

        let index = CandidateIndex::build(&offers);
        let mut scores = Vec::new();
        for (query, profile) in offers.iter().enumerate() {
            index.top_k(profile, &params, Some(query as u32), &mut scores);
            assert!(scores.iter().all(|s| *s == 0.0), "{scores:?}");
        }
    }

    #[test]
    fn tokens_of_too_many_offers_are_not_looked_up() {
        let offers = profiles(&["alpha common", "beta common", "gamma common"]);
        let params = BlockingParams {
            top_k: 5,
            max_document_share: 1.0,
            max_document_count: 2,
        };
        let index = CandidateIndex::build(&offers);
        let mut scores = Vec::new();
        // "common" and the brand token are in all three offers: skipped, nothing else is shared.
        assert!(
            index
                .top_k(&offers[0], &params, Some(0), &mut scores)
                .is_empty()
        );
        let uncapped = BlockingParams {
            max_document_count: 3,
            ..params
        };
        assert_eq!(
            index
                .top_k(&offers[0], &uncapped, Some(0), &mut scores)
                .len(),
            2
        );
    }
}
