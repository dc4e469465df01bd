//! Training the matcher from labelled pair files: boosted trees on the pair features,
//! Platt calibration on out-of-fold margins, thresholds chosen on validation pairs.

use crate::MatchError;
use crate::evaluation::{Metrics, best_f1, metrics_at, precision_threshold};
use crate::features::{FEATURE_NAMES, Features, pair_features};
use crate::gbdt::{self, BoostingParams, Ensemble};
use crate::matcher_model::{MODEL_VERSION, MatcherModel, ValidationSummary};
use crate::pair_file::LabelledPair;
use crate::profile::build_profiles;
use crate::record::ProductRecord;
use rayon::prelude::*;

/// Precision the auto-group threshold must reach on every validation set.
pub const AUTO_GROUP_PRECISION: f64 = 0.98;

/// Folds for the out-of-fold margins the calibration is fitted on.
const NUM_FOLDS: usize = 4;

/// The pairs of one file, named after it.
#[derive(Debug, Clone)]
pub struct PairSet {
    pub name: String,
    pub pairs: Vec<LabelledPair>,
}

/// The features of every pair of a set, with corpus statistics from the set's own records.
pub fn set_features(pairs: &[LabelledPair]) -> Vec<Features> {
    let records: Vec<&ProductRecord> = pairs.iter().flat_map(|p| [&p.left, &p.right]).collect();
    let profiles = build_profiles(&records);
    profiles
        .par_chunks(2)
        .map(|pair| pair_features(&pair[0], &pair[1]))
        .collect()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Fits `sigmoid(a * margin + b)` to the labels by Newton's method on the log loss, with Platt's
/// smoothed targets so that a separable fold does not push `a` to infinity.
pub fn fit_platt(margins: &[f32], labels: &[bool]) -> (f32, f32) {
    let positives = labels.iter().filter(|l| **l).count() as f64;
    let negatives = labels.len() as f64 - positives;
    let high = (positives + 1.0) / (positives + 2.0);
    let low = 1.0 / (negatives + 2.0);
    let (mut a, mut b) = (1.0f64, 0.0f64);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
        for (m, label) in margins.iter().zip(labels) {
            let m = f64::from(*m);
            let target = if *label { high } else { low };
            let p = sigmoid(a * m + b);
            let (d, w) = (p - target, p * (1.0 - p));
            ga += d * m;
            gb += d;
            haa += w * m * m;
            hab += w * m;
            hbb += w;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-12 {
            break;
        }
        let (step_a, step_b) = ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det);
        a -= step_a;
        b -= step_b;
        if step_a.abs() + step_b.abs() < 1e-9 {
            break;
        }
    }
    (a as f32, b as f32)
}

fn to_rows(features: &[Features]) -> Vec<Vec<f32>> {
    features.iter().map(|f| f.to_vec()).collect()
}

/// Out-of-fold margins: each pair scored by trees that did not see it.
fn out_of_fold_margins(rows: &[Vec<f32>], labels: &[bool], params: &BoostingParams) -> Vec<f32> {
    let folds: Vec<(usize, Ensemble)> = (0..NUM_FOLDS)
        .into_par_iter()
        .map(|fold| {
            let (train_rows, train_labels): (Vec<Vec<f32>>, Vec<bool>) = rows
                .iter()
                .zip(labels)
                .enumerate()
                .filter(|(i, _)| i % NUM_FOLDS != fold)
                .map(|(_, (r, l))| (r.clone(), *l))
                .unzip();
            (fold, gbdt::train(&train_rows, &train_labels, params))
        })
        .collect();
    let mut margins = vec![0.0; rows.len()];
    for (fold, ensemble) in &folds {
        for (i, row) in rows
            .iter()
            .enumerate()
            .filter(|(i, _)| i % NUM_FOLDS == *fold)
        {
            margins[i] = ensemble.margin(row);
        }
    }
    margins
}

/// The scored validation pairs of each set.
pub fn score_sets(model: &MatcherModel, sets: &[PairSet]) -> Vec<Vec<(f32, bool)>> {
    sets.iter()
        .map(|set| {
            let features = set_features(&set.pairs);
            model
                .score_feature_batch(&features)
                .into_iter()
                .zip(&set.pairs)
                .map(|(score, p)| (score, p.is_match))
                .collect()
        })
        .collect()
}

/// Trains a model on `train` and chooses its thresholds on `valid`.
pub fn train_model(
    train: &[PairSet],
    valid: &[PairSet],
    params: &BoostingParams,
) -> Result<MatcherModel, MatchError> {
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for set in train {
        rows.extend(to_rows(&set_features(&set.pairs)));
        labels.extend(set.pairs.iter().map(|p| p.is_match));
    }
    if rows.is_empty() {
        return Err(MatchError::NoPairs("train on"));
    }
    if valid.iter().all(|set| set.pairs.is_empty()) {
        return Err(MatchError::NoPairs("choose thresholds on"));
    }
    let margins = out_of_fold_margins(&rows, &labels, params);
    let (calibration_a, calibration_b) = fit_platt(&margins, &labels);
    let mut model = MatcherModel {
        version: MODEL_VERSION,
        features: FEATURE_NAMES.iter().map(|n| n.to_string()).collect(),
        calibration_a,
        calibration_b,
        match_threshold: 0.5,
        auto_group_threshold: 1.0,
        trained_on: train.iter().map(|s| s.name.clone()).collect(),
        validation: Vec::new(),
        ensemble: gbdt::train(&rows, &labels, params),
    };
    choose_thresholds(&mut model, valid);
    Ok(model)
}

/// Match threshold: best F1 over all validation pairs together. Auto-group threshold: the
/// highest of the sets' 98 %-precision thresholds, so that every set that can reach that
/// precision keeps it.
fn choose_thresholds(model: &mut MatcherModel, valid: &[PairSet]) {
    let scored = score_sets(model, valid);
    let pooled: Vec<(f32, bool)> = scored.iter().flatten().copied().collect();
    if let Some(best) = best_f1(&pooled) {
        model.match_threshold = best.threshold;
    }
    // A set where no threshold holds 98 % (Amazon-Google's software editions, say) cannot
    // choose one; its precision at the chosen threshold is reported in the summary.
    model.auto_group_threshold = scored
        .iter()
        .filter_map(|s| precision_threshold(s, AUTO_GROUP_PRECISION).map(|m| m.threshold))
        .fold(model.match_threshold, f32::max);
    model.validation = valid
        .iter()
        .zip(&scored)
        .map(|(set, s)| summary(&set.name, s, model))
        .collect();
}

fn summary(name: &str, scored: &[(f32, bool)], model: &MatcherModel) -> ValidationSummary {
    let at_match: Metrics = metrics_at(scored, model.match_threshold);
    let at_auto = metrics_at(scored, model.auto_group_threshold);
    ValidationSummary {
        set: name.to_string(),
        pairs: scored.len(),
        precision: at_match.precision,
        recall: at_match.recall,
        f1: at_match.f1,
        auto_group_precision: at_auto.precision,
        auto_group_f1: at_auto.f1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platt_scaling_orders_and_calibrates() {
        let margins: Vec<f32> = (0..200).map(|i| i as f32 / 20.0 - 5.0).collect();
        let labels: Vec<bool> = margins
            .iter()
            .enumerate()
            .map(|(i, m)| *m > 0.0 || i % 10 == 0)
            .collect();
        let (a, b) = fit_platt(&margins, &labels);
        assert!(a > 0.0, "{a}");
        let p = |m: f32| 1.0 / (1.0 + (-(a * m + b)).exp());
        assert!(p(4.0) > 0.9 && p(-4.0) < 0.2, "{} {}", p(4.0), p(-4.0));
    }
}
