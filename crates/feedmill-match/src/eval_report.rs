//! `match eval`'s report: the quality of a model on one labelled pair file, and how fast it
//! scores.
//!
//! Speed is measured on one thread, in two parts: preparing the offers (profiles, corpus
//! statistics) and scoring the pairs (features + trees + calibration). `pairs_per_second` is the
//! scoring rate, which is what matching pays per candidate pair once each offer is prepared;
//! `pairs_per_second_end_to_end` includes preparing both offers of every pair.

use crate::evaluation::{best_f1, metrics_at, precision_threshold};
use crate::features::{Features, pair_features};
use crate::matcher_model::MatcherModel;
use crate::pair_file::LabelledPair;
use crate::profile::build_profiles;
use crate::record::ProductRecord;
use crate::training::AUTO_GROUP_PRECISION;
use serde::Serialize;
use std::time::Instant;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvalReport {
    pub pairs: usize,
    pub positives: usize,
    /// At the model's match threshold.
    pub threshold: f32,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// At the model's auto-group threshold.
    pub auto_group_threshold: f32,
    pub auto_group_precision: f64,
    pub auto_group_recall: f64,
    pub auto_group_f1: f64,
    /// The best F1 among thresholds holding 98 % precision on this file (`None`: unreachable).
    pub f1_at_precision_98: Option<f64>,
    pub threshold_at_precision_98: Option<f32>,
    /// The best F1 of any threshold on this file, for reference.
    pub best_f1: f64,
    pub pairs_per_second: f64,
    pub pairs_per_second_end_to_end: f64,
}

/// Scores every pair on the current thread and measures the model on them.
pub fn evaluate(model: &MatcherModel, pairs: &[LabelledPair]) -> EvalReport {
    let started = Instant::now();
    let records: Vec<&ProductRecord> = pairs.iter().flat_map(|p| [&p.left, &p.right]).collect();
    let profiles = build_profiles(&records);
    let prepared = started.elapsed();
    let scoring_started = Instant::now();
    let features: Vec<Features> = profiles
        .chunks(2)
        .map(|two| pair_features(&two[0], &two[1]))
        .collect();
    let scored: Vec<(f32, bool)> = model
        .score_feature_batch(&features)
        .into_iter()
        .zip(pairs)
        .map(|(score, pair)| (score, pair.is_match))
        .collect();
    let scoring = scoring_started.elapsed();
    let at_match = metrics_at(&scored, model.match_threshold);
    let at_auto = metrics_at(&scored, model.auto_group_threshold);
    let at_precision = precision_threshold(&scored, AUTO_GROUP_PRECISION);
    let rate = |seconds: f64| {
        if seconds > 0.0 {
            pairs.len() as f64 / seconds
        } else {
            0.0
        }
    };
    EvalReport {
        pairs: pairs.len(),
        positives: pairs.iter().filter(|p| p.is_match).count(),
        threshold: model.match_threshold,
        precision: at_match.precision,
        recall: at_match.recall,
        f1: at_match.f1,
        auto_group_threshold: model.auto_group_threshold,
        auto_group_precision: at_auto.precision,
        auto_group_recall: at_auto.recall,
        auto_group_f1: at_auto.f1,
        f1_at_precision_98: at_precision.map(|m| m.f1),
        threshold_at_precision_98: at_precision.map(|m| m.threshold),
        best_f1: best_f1(&scored).map_or(0.0, |m| m.f1),
        pairs_per_second: rate(scoring.as_secs_f64()),
        pairs_per_second_end_to_end: rate((prepared + scoring).as_secs_f64()),
    }
}
