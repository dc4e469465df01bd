//! Products from offers: identifiers first, then brand + MPN keys, then scored candidate pairs
//! above the auto-group threshold, merged with cannot-link constraints.
//!
//! A product never holds two different GTINs nor two different brand + MPN keys: a merge that
//! would bring them together is refused, so no chain of pairs (A~B, B~C) can join two products
//! that the identifiers keep apart. Pairs are merged from the highest score down, so the
//! strongest evidence wins a conflict. Product ids are derived from the content of the product
//! (its smallest GTIN, else its smallest key, else its smallest offer id), so the same offers give
//! the same ids on every run.

use crate::blocking::{BlockingParams, candidates_of};
use crate::features::{Features, pair_features};
use crate::identifiers::model_key;
use crate::matcher_model::MatcherModel;
use crate::profile::OfferProfile;
pub use feedmill_model::MatchMethod;
use feedmill_model::product_id_of;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// Candidate pairs one task scores with one batch of tree walks.
const SCORED_TOGETHER: usize = 256;

/// The `match` object of an offer and its product id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfferMatch {
    pub product_id: String,
    pub method: MatchMethod,
    /// 1 for identifiers; the best pair score for `scored`, and for `none` the best score of
    /// its candidates (below the threshold), if it had any.
    pub score: Option<f32>,
}

/// What a product holds that another product must not contradict.
#[derive(Debug, Clone, Default)]
struct Constraints {
    gtin: Option<String>,
    mpn_key: Option<String>,
}

fn compatible(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Union-find over offers whose merges respect the [`Constraints`] of both sides.
struct Products {
    parent: Vec<usize>,
    constraints: Vec<Constraints>,
}

impl Products {
    fn find(&mut self, mut node: usize) -> usize {
        while self.parent[node] != node {
            self.parent[node] = self.parent[self.parent[node]];
            node = self.parent[node];
        }
        node
    }

    /// Merges the products of `a` and `b` unless their identifiers conflict; true when they are
    /// one product afterwards.
    fn merge(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return true;
        }
        let (ca, cb) = (&self.constraints[ra], &self.constraints[rb]);
        if !compatible(&ca.gtin, &cb.gtin) || !compatible(&ca.mpn_key, &cb.mpn_key) {
            return false;
        }
        let merged = Constraints {
            gtin: ca.gtin.clone().or_else(|| cb.gtin.clone()),
            mpn_key: ca.mpn_key.clone().or_else(|| cb.mpn_key.clone()),
        };
        let (root, child) = (ra.min(rb), ra.max(rb));
        self.parent[child] = root;
        self.constraints[root] = merged;
        true
    }
}

fn mpn_key(profile: &OfferProfile) -> Option<String> {
    profile
        .mpn
        .as_deref()
        .and_then(|mpn| model_key(profile.brand.as_deref(), mpn))
}

/// Groups of offers sharing a value (in order of first appearance).
fn groups_by(values: impl Iterator<Item = Option<String>>) -> Vec<Vec<usize>> {
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    let mut order = Vec::new();
    for (index, value) in values.enumerate() {
        if let Some(value) = value {
            let group = groups.entry(value.clone()).or_default();
            if group.is_empty() {
                order.push(value);
            }
            group.push(index);
        }
    }
    order
        .into_iter()
        .filter_map(|v| groups.remove(&v))
        .filter(|g| g.len() > 1)
        .collect()
}

/// Clusters `profiles` (with their offers' ids) into products.
pub fn cluster(
    profiles: &[OfferProfile],
    offer_ids: &[String],
    model: &MatcherModel,
    params: &BlockingParams,
) -> Vec<OfferMatch> {
    let constraints: Vec<Constraints> = profiles
        .iter()
        .map(|p| Constraints {
            gtin: p.gtin14.clone(),
            mpn_key: mpn_key(p),
        })
        .collect();
    let mut products = Products {
        parent: (0..profiles.len()).collect(),
        constraints: constraints.clone(),
    };
    let mut methods = vec![MatchMethod::None; profiles.len()];
    let mut scores: Vec<Option<f32>> = vec![None; profiles.len()];
    let steps = [
        (
            groups_by(constraints.iter().map(|c| c.gtin.clone())),
            MatchMethod::Gtin,
        ),
        (
            groups_by(constraints.iter().map(|c| c.mpn_key.clone())),
            MatchMethod::Model,
        ),
    ];
    for (groups, method) in steps {
        for group in groups {
            for &member in &group[1..] {
                if products.merge(group[0], member) {
                    for index in [group[0], member] {
                        if methods[index] == MatchMethod::None {
                            methods[index] = method;
                            scores[index] = Some(1.0);
                        }
                    }
                }
            }
        }
    }
    merge_scored_pairs(
        profiles,
        model,
        params,
        &mut products,
        &mut methods,
        &mut scores,
    );
    let ids = product_ids(&mut products, &constraints, offer_ids);
    ids.into_iter()
        .zip(methods)
        .zip(scores)
        .map(|((product_id, method), score)| OfferMatch {
            product_id,
            method,
            score,
        })
        .collect()
}

fn merge_scored_pairs(
    profiles: &[OfferProfile],
    model: &MatcherModel,
    params: &BlockingParams,
    products: &mut Products,
    methods: &mut [MatchMethod],
    scores: &mut [Option<f32>],
) {
    // Offers their identifiers placed already are found by the others' queries; only the rest ask.
    let unplaced: Vec<u32> = (0..profiles.len() as u32)
        .filter(|&index| methods[index as usize] == MatchMethod::None)
        .collect();
    let pairs = candidates_of(profiles, &unplaced, params);
    let mut scored: Vec<(f32, u32, u32)> = pairs
        .par_chunks(SCORED_TOGETHER)
        .flat_map_iter(|chunk| {
            let features: Vec<Features> = chunk
                .iter()
                .map(|&(a, b)| pair_features(&profiles[a as usize], &profiles[b as usize]))
                .collect();
            let scores = model.score_feature_batch(&features);
            scores
                .into_iter()
                .zip(chunk)
                .map(|(score, &(a, b))| (score, a, b))
        })
        .collect();
    scored.par_sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
    for (score, a, b) in scored {
        let (a, b) = (a as usize, b as usize);
        let joined = score >= model.auto_group_threshold && products.merge(a, b);
        for index in [a, b] {
            let undecided = methods[index] == MatchMethod::None;
            if joined && undecided {
                methods[index] = MatchMethod::Scored;
                scores[index] = Some(score);
            } else if undecided && scores[index].is_none() {
                scores[index] = Some(score);
            }
        }
    }
}

/// Each offer's product id: a hash of the product's smallest identity.
fn product_ids(
    products: &mut Products,
    constraints: &[Constraints],
    offer_ids: &[String],
) -> Vec<String> {
    let mut smallest: HashMap<usize, String> = HashMap::new();
    for (index, c) in constraints.iter().enumerate() {
        let identity = match (&c.gtin, &c.mpn_key) {
            (Some(gtin), _) => format!("gtin:{gtin}"),
            (None, Some(key)) => format!("model:{key}"),
            (None, None) => format!("offer:{}", offer_ids.get(index).map_or("", String::as_str)),
        };
        let root = products.find(index);
        let entry = smallest.entry(root).or_insert_with(|| identity.clone());
        if identity < *entry {
            *entry = identity;
        }
    }
    (0..constraints.len())
        .map(|index| {
            let root = products.find(index);
            product_id_of(&smallest[&root])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::FEATURE_NAMES;
    use crate::gbdt::{Ensemble, Tree};
    use crate::matcher_model::MODEL_VERSION;
    use crate::profile::build_profiles;
    use crate::record::ProductRecord;

    /// A model whose score is high exactly when the weighted token Jaccard is above 0.5.
    fn jaccard_model() -> MatcherModel {
        let tree = Tree {
            feature: vec![0],
            threshold: vec![0.5],
            leaf: vec![-10.0, 10.0],
        };
        MatcherModel {
            version: MODEL_VERSION,
            features: FEATURE_NAMES.iter().map(|n| n.to_string()).collect(),
            calibration_a: 1.0,
            calibration_b: 0.0,
            match_threshold: 0.5,
            auto_group_threshold: 0.9,
            trained_on: Vec::new(),
            validation: Vec::new(),
            ensemble: Ensemble {
                base: 0.0,
                depth: 1,
                trees: vec![tree],
                ..Ensemble::default()
            },
        }
    }

    fn offer(title: &str, gtin: Option<&str>, mpn: Option<&str>) -> ProductRecord {
        ProductRecord {
            title: title.to_string(),
            brand: Some("WD".into()),
            gtin: gtin.map(str::to_string),
            mpn: mpn.map(str::to_string),
            ..ProductRecord::default()
        }
    }

    fn run(records: &[ProductRecord]) -> Vec<OfferMatch> {
        let profiles = build_profiles(&records.iter().collect::<Vec<_>>());
        let ids: Vec<String> = (0..records.len()).map(|i| format!("offer-{i}")).collect();
        let params = BlockingParams {
            top_k: 10,
            max_document_share: 1.0,
            ..BlockingParams::default()
        };
        cluster(&profiles, &ids, &jaccard_model(), &params)
    }

    #[test]
    fn identifiers_then_keys_then_scores() {
        let records = [
            offer("red nas drive two terabytes", Some("4006381333931"), None),
            offer("festplatte", Some("04006381333931"), None),
            offer("green desktop drive", None, Some("WD20EZRX")),
            offer("blue laptop drive", None, Some("wd20-ezrx")),
            offer("purple surveillance drive eight", None, None),
            offer("purple surveillance drive eight", None, None),
            offer("something unrelated entirely", None, None),
        ];
        let matches = run(&records);
        let methods: Vec<MatchMethod> = matches.iter().map(|m| m.method).collect();
        use MatchMethod::{Gtin, Model, Scored};
        let alone = MatchMethod::None;
        assert_eq!(
            methods,
            vec![Gtin, Gtin, Model, Model, Scored, Scored, alone]
        );
        assert_eq!(matches[0].product_id, matches[1].product_id);
        assert_eq!(matches[2].product_id, matches[3].product_id);
        assert_eq!(matches[4].product_id, matches[5].product_id);
        assert_ne!(matches[0].product_id, matches[2].product_id);
        assert_ne!(matches[4].product_id, matches[6].product_id);
        assert!(matches[4].score.is_some_and(|s| s >= 0.9));
    }

    #[test]
    fn scored_pairs_never_chain_two_gtins_or_two_mpns() {
        let title = "red nas drive two terabytes";
        let records = [
            offer(title, Some("4006381333931"), None),
            offer(title, None, None),
            offer(title, Some("5901234123457"), None),
            offer("green drive", None, Some("WD20EZRX")),
            offer("green drive", None, None),
            offer("green drive", None, Some("WD30EZRX")),
        ];
        let matches = run(&records);
        assert_ne!(
            matches[0].product_id, matches[2].product_id,
            "two GTINs in one product"
        );
        assert_ne!(
            matches[3].product_id, matches[5].product_id,
            "two MPNs in one product"
        );
        assert!(
            matches[1].product_id == matches[0].product_id
                || matches[1].product_id == matches[2].product_id
        );
    }

    #[test]
    fn product_ids_are_deterministic_and_come_from_the_content() {
        let records = [
            offer("red nas drive", Some("4006381333931"), None),
            offer("red nas drive", None, None),
            offer("blue drive", None, None),
        ];
        let first = run(&records);
        assert_eq!(first, run(&records));
        let reversed: Vec<ProductRecord> = records.iter().rev().cloned().collect();
        let again = run(&reversed);
        assert_eq!(first[0].product_id, again[2].product_id);
        assert_eq!(first[0].product_id, product_id_of("gtin:04006381333931"));
        assert_eq!(first[0].product_id.len(), 13);
    }
}
