//! Precision, recall and F1 of scored pairs, and the thresholds chosen from them.

use serde::Serialize;

/// The quality of the decision `score >= threshold` over labelled pairs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metrics {
    pub threshold: f32,
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Metrics {
    fn from_counts(threshold: f32, tp: usize, fp: usize, positives: usize) -> Metrics {
        let precision = if tp + fp == 0 {
            0.0
        } else {
            tp as f64 / (tp + fp) as f64
        };
        let recall = if positives == 0 {
            0.0
        } else {
            tp as f64 / positives as f64
        };
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Metrics {
            threshold,
            true_positives: tp,
            false_positives: fp,
            false_negatives: positives - tp,
            precision,
            recall,
            f1,
        }
    }
}

/// The metrics at `threshold`.
pub fn metrics_at(scored: &[(f32, bool)], threshold: f32) -> Metrics {
    let positives = scored.iter().filter(|(_, label)| *label).count();
    let (mut tp, mut fp) = (0, 0);
    for (score, label) in scored {
        if *score >= threshold {
            if *label { tp += 1 } else { fp += 1 }
        }
    }
    Metrics::from_counts(threshold, tp, fp, positives)
}

/// The metrics at every distinct score, from the highest score down (each threshold is a score
/// of the data, so `score >= threshold` keeps the pairs above it and its ties).
fn sweep(scored: &[(f32, bool)]) -> Vec<Metrics> {
    let positives = scored.iter().filter(|(_, label)| *label).count();
    let mut sorted: Vec<(f32, bool)> = scored.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut tp, mut fp) = (0, 0);
    let mut points = Vec::new();
    for (index, (score, label)) in sorted.iter().enumerate() {
        if *label {
            tp += 1
        } else {
            fp += 1
        }
        let last_of_tie = sorted.get(index + 1).is_none_or(|next| next.0 != *score);
        if last_of_tie {
            points.push(Metrics::from_counts(*score, tp, fp, positives));
        }
    }
    points
}

/// The threshold of best F1 (the highest one among equals).
pub fn best_f1(scored: &[(f32, bool)]) -> Option<Metrics> {
    sweep(scored)
        .into_iter()
        .fold(None, |best: Option<Metrics>, m| match best {
            Some(b) if b.f1 >= m.f1 => Some(b),
            _ => Some(m),
        })
}

/// Fewest pairs above a threshold before its precision counts: the first few pairs of a sweep
/// have a precision of 0 or 1 by chance, and 98 % means at most one miss in 50.
const MIN_PAIRS_FOR_PRECISION: usize = 50;

/// The lowest threshold whose precision, and the precision of every higher threshold with at
/// least [`MIN_PAIRS_FOR_PRECISION`] pairs above it, is at least `target`: a threshold that holds
/// the precision from there up, not a lucky dip.
pub fn precision_threshold(scored: &[(f32, bool)], target: f64) -> Option<Metrics> {
    let mut chosen = None;
    for metrics in sweep(scored) {
        let num_above = metrics.true_positives + metrics.false_positives;
        if metrics.precision < target {
            if num_above >= MIN_PAIRS_FOR_PRECISION {
                break;
            }
            continue;
        }
        chosen = Some(metrics);
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_count_the_decisions() {
        let scored = [
            (0.9, true),
            (0.8, false),
            (0.7, true),
            (0.2, true),
            (0.1, false),
        ];
        let m = metrics_at(&scored, 0.5);
        assert_eq!(
            (m.true_positives, m.false_positives, m.false_negatives),
            (2, 1, 1)
        );
        assert!((m.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.recall - 2.0 / 3.0).abs() < 1e-12);
        let best = best_f1(&scored).expect("pairs");
        assert_eq!(best.threshold, 0.2);
        assert!((best.f1 - 6.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn the_precision_threshold_holds_from_there_up() {
        let mut scored: Vec<(f32, bool)> =
            (0..100).map(|i| (1.0 - i as f32 / 100.0, true)).collect();
        scored.push((0.5, false));
        scored.extend((0..50).map(|i| (0.3 - i as f32 / 1000.0, i % 2 == 0)));
        let m = precision_threshold(&scored, 0.98).expect("reachable");
        assert!(m.precision >= 0.98);
        assert!(m.threshold > 0.25, "{m:?}");
        assert_eq!(precision_threshold(&[(0.5, false); 60], 0.98), None);
    }
}
