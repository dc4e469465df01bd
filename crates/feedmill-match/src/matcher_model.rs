//! The matcher model file: a versioned JSON document with the trees, the calibration and the
//! two thresholds. `models/matcher.json` in the repository is the one production uses; it is
//! compiled into the binary ([`MatcherModel::bundled`]) and rebuilt by `tools/train-matcher`.

use crate::MatchError;
use crate::features::{FEATURE_NAMES, Features, pair_features};
use crate::gbdt::Ensemble;
use crate::profile::OfferProfile;
use serde::{Deserialize, Serialize};

/// Bumped whenever features, their order or the file layout change.
pub const MODEL_VERSION: u32 = 1;

const BUNDLED_MODEL: &str = include_str!("../../../models/matcher.json");

/// Validation figures stored beside the model, per pair file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ValidationSummary {
    pub set: String,
    pub pairs: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub auto_group_precision: f64,
    pub auto_group_f1: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MatcherModel {
    pub version: u32,
    pub features: Vec<String>,
    /// Platt scaling of the ensemble's margin: `score = sigmoid(a * margin + b)`.
    pub calibration_a: f32,
    pub calibration_b: f32,
    /// A pair at or above this score is a match (the best F1 on the validation pairs).
    pub match_threshold: f32,
    /// A pair at or above this score joins a product without review (≥ 98 % precision on
    /// every validation set).
    pub auto_group_threshold: f32,
    pub trained_on: Vec<String>,
    pub validation: Vec<ValidationSummary>,
    pub ensemble: Ensemble,
}

impl MatcherModel {
    /// The model of the repository, compiled in.
    pub fn bundled() -> Result<MatcherModel, MatchError> {
        MatcherModel::from_json(BUNDLED_MODEL)
    }

    pub fn from_json(json: &str) -> Result<MatcherModel, MatchError> {
        #[derive(Deserialize)]
        struct VersionOnly {
            version: u32,
        }
        let version: VersionOnly =
            serde_json::from_str(json).map_err(|e| MatchError::BadModel(e.to_string()))?;
        if version.version != MODEL_VERSION {
            return Err(MatchError::ModelVersion {
                found: version.version,
                expected: MODEL_VERSION,
            });
        }
        let model: MatcherModel =
            serde_json::from_str(json).map_err(|e| MatchError::BadModel(e.to_string()))?;
        if model.features != FEATURE_NAMES {
            return Err(MatchError::BadModel(
                "its features are not the ones this build computes".into(),
            ));
        }
        model
            .ensemble
            .validate(FEATURE_NAMES.len())
            .map_err(MatchError::BadModel)?;
        Ok(model)
    }

    pub fn to_json(&self) -> String {
        // A model is plain numbers and strings: serializing it cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The calibrated match probability of a feature vector.
    pub fn score_features(&self, features: &Features) -> f32 {
        self.calibrated(self.ensemble.margin(features))
    }

    /// [`MatcherModel::score_features`] of every vector, faster than one by one (the trees are
    /// walked for many vectors at once: [`Ensemble::margins`]).
    pub fn score_feature_batch(&self, features: &[Features]) -> Vec<f32> {
        let mut scores = self.ensemble.margins(features);
        for score in &mut scores {
            *score = self.calibrated(*score);
        }
        scores
    }

    /// The calibrated match probability of `b` against each of `a`'s candidates.
    pub fn score_candidates<'a>(
        &self,
        a: &OfferProfile,
        candidates: impl IntoIterator<Item = &'a OfferProfile>,
    ) -> Vec<f32> {
        let features: Vec<Features> = candidates
            .into_iter()
            .map(|b| pair_features(a, b))
            .collect();
        self.score_feature_batch(&features)
    }

    fn calibrated(&self, margin: f32) -> f32 {
        1.0 / (1.0 + (-(self.calibration_a * margin + self.calibration_b)).exp())
    }

    /// The calibrated match probability of two offers.
    pub fn score(&self, a: &OfferProfile, b: &OfferProfile) -> f32 {
        self.score_features(&pair_features(a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_model_loads_and_scores_in_range() {
        let model = MatcherModel::bundled().expect("models/matcher.json is a valid model");
        assert_eq!(model.version, MODEL_VERSION);
        assert!(model.auto_group_threshold >= model.match_threshold);
        let score = model.score_features(&[0.0; crate::features::NUM_FEATURES]);
        assert!((0.0..=1.0).contains(&score));
    }

    #[test]
    fn batched_scores_are_the_scores_one_by_one() {
        let model = MatcherModel::bundled().expect("bundled model");
        // 70 vectors (two full steps of the batch and a short one) of values in [-1, 2).
        let mut state = 7u32;
        let mut next = || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 * 3.0 - 1.0
        };
        let features: Vec<Features> = (0..70).map(|_| std::array::from_fn(|_| next())).collect();
        let one_by_one: Vec<f32> = features.iter().map(|f| model.score_features(f)).collect();
        assert_eq!(model.score_feature_batch(&features), one_by_one);
        assert!(model.score_feature_batch(&[]).is_empty());
    }

    #[test]
    fn bad_model_files_are_errors() {
        assert!(matches!(
            MatcherModel::from_json("{\"version\": 99}"),
            Err(MatchError::ModelVersion { found: 99, .. })
        ));
        assert!(matches!(
            MatcherModel::from_json("not json"),
            Err(MatchError::BadModel(_))
        ));
        let mut model = MatcherModel::bundled().expect("bundled model");
        model.ensemble.depth += 1;
        assert!(matches!(
            MatcherModel::from_json(&model.to_json()),
            Err(MatchError::BadModel(_))
        ));
    }
}
