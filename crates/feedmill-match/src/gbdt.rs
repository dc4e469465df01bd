//! Gradient-boosted regression trees for a binary label (log loss), in pure Rust.
//!
//! Written by hand: the Rust boosting crates either bind C++ libraries (LightGBM, XGBoost) or
//! are not maintained, and what matching needs is small: some 25 dense features, tens of
//! thousands of pairs, shallow trees. Features are cut into at most [`MAX_BINS`] quantile bins
//! once; each tree grows level by level from per-bin gradient histograms. Trees keep raw
//! thresholds, so scoring a pair compares floats and never touches the bins.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Bins per feature: enough for the thresholds that matter on similarity scores and counts.
const MAX_BINS: usize = 64;

#[derive(Debug, Clone, Copy)]
pub struct BoostingParams {
    pub num_trees: usize,
    pub max_depth: usize,
    pub learning_rate: f32,
    /// L2 regularisation of leaf values.
    pub lambda: f64,
    /// Smallest number of training pairs in a leaf.
    pub min_leaf: usize,
}

impl Default for BoostingParams {
    fn default() -> BoostingParams {
        BoostingParams {
            num_trees: 300,
            max_depth: 6,
            learning_rate: 0.08,
            lambda: 1.0,
            min_leaf: 8,
        }
    }
}

/// One tree of depth `d` in complete layout: `2^d - 1` split nodes (children of node `n` at
/// `2n + 1` and `2n + 2`) and `2^d` leaves, so that scoring is `d` branch-free steps. A node that
/// does not split sends every pair left (threshold `f32::MAX`) and its leaves repeat its value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Tree {
    pub feature: Vec<u8>,
    pub threshold: Vec<f32>,
    pub leaf: Vec<f32>,
}

impl Tree {
    fn empty(depth: usize) -> Tree {
        let internal = (1usize << depth) - 1;
        Tree {
            feature: vec![0; internal],
            threshold: vec![f32::MAX; internal],
            leaf: vec![0.0; internal + 1],
        }
    }

    /// The leaf value for `x`: go right where `x[feature] > threshold`. The shape was checked
    /// by [`Ensemble::validate`] (or built by [`train`]).
    #[inline]
    pub fn predict(&self, x: &[f32], depth: usize) -> f32 {
        let mut node = 0usize;
        for _ in 0..depth {
            let value = x
                .get(usize::from(self.feature[node]))
                .copied()
                .unwrap_or(-1.0);
            node = 2 * node + 1 + usize::from(value > self.threshold[node]);
        }
        self.leaf[node - self.feature.len()]
    }

    /// Sets the node at `position` (level `level`) and all below it to the leaf `value`.
    fn fill(&mut self, position: usize, level: usize, depth: usize, value: f32) {
        if level == depth {
            let internal = self.feature.len();
            self.leaf[position - internal] = value;
            return;
        }
        self.feature[position] = 0;
        self.threshold[position] = f32::MAX;
        self.fill(2 * position + 1, level + 1, depth, value);
        self.fill(2 * position + 2, level + 1, depth, value);
    }
}

/// A trained ensemble: `base + Σ tree(x)` is the log-odds of a match.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ensemble {
    pub base: f32,
    pub depth: usize,
    pub trees: Vec<Tree>,
    /// The trees as [`Ensemble::margins`] walks them, laid out on its first call and kept:
    /// change `trees` or `depth` of an ensemble only before it scores a batch (training builds
    /// a new ensemble; a model file read gives a new one).
    #[serde(skip)]
    pub flat: OnceLock<Option<FlatTrees>>,
}

impl PartialEq for Ensemble {
    fn eq(&self, other: &Ensemble) -> bool {
        (self.base, self.depth, &self.trees) == (other.base, other.depth, &other.trees)
    }
}

/// Deepest trees [`FlatTrees`] holds: 63 split nodes and 64 leaves each.
const FLAT_DEPTH: usize = 6;
/// Values of a row as [`FlatTrees`] reads them (the features, padded with `-1`).
const FLAT_FEATURES: usize = 32;
const FLAT_NODES: usize = 1 << FLAT_DEPTH;

/// Trees of depth up to [`FLAT_DEPTH`] over up to [`FLAT_FEATURES`] features, laid out for
/// scoring: a tree's split nodes (threshold and feature side by side) and its leaves in fixed
/// arrays of [`FLAT_NODES`], and rows padded to [`FLAT_FEATURES`] values, so that every index
/// is masked into its array instead of checked.
#[derive(Debug, Clone)]
pub struct FlatTrees {
    nodes: Vec<[FlatNode; FLAT_NODES]>,
    leaves: Vec<[f32; FLAT_NODES]>,
}

#[derive(Debug, Clone, Copy)]
struct FlatNode {
    threshold: f32,
    feature: u32,
}

impl FlatTrees {
    /// `None` when the trees are too deep or read a feature past [`FLAT_FEATURES`].
    fn of(ensemble: &Ensemble) -> Option<FlatTrees> {
        if ensemble.depth > FLAT_DEPTH {
            return None;
        }
        let mut flat = FlatTrees {
            nodes: Vec::with_capacity(ensemble.trees.len()),
            leaves: Vec::with_capacity(ensemble.trees.len()),
        };
        for tree in &ensemble.trees {
            let unsplit = FlatNode {
                threshold: f32::MAX,
                feature: 0,
            };
            let mut nodes = [unsplit; FLAT_NODES];
            for (node, (&feature, &threshold)) in nodes
                .iter_mut()
                .zip(tree.feature.iter().zip(&tree.threshold))
            {
                if usize::from(feature) >= FLAT_FEATURES {
                    return None;
                }
                *node = FlatNode {
                    threshold,
                    feature: u32::from(feature),
                };
            }
            let mut leaves = [0.0; FLAT_NODES];
            leaves
                .get_mut(..tree.leaf.len())?
                .copy_from_slice(&tree.leaf);
            flat.nodes.push(nodes);
            flat.leaves.push(leaves);
        }
        Some(flat)
    }

    /// Adds each tree's leaf for each row of `step` (at most [`ROWS_IN_STEP`]) to its margin.
    fn add_leaves<R: AsRef<[f32]>>(&self, depth: usize, step: &[R], margins: &mut [f32]) {
        let mut padded = [[-1.0f32; FLAT_FEATURES]; ROWS_IN_STEP];
        for (padded, row) in padded.iter_mut().zip(step) {
            let row = row.as_ref();
            let len = row.len().min(FLAT_FEATURES);
            padded[..len].copy_from_slice(&row[..len]);
        }
        let padded = &padded[..step.len().min(ROWS_IN_STEP)];
        let internal = (1usize << depth) - 1;
        for (nodes, leaves) in self.nodes.iter().zip(&self.leaves) {
            let mut at = [0usize; ROWS_IN_STEP];
            for _ in 0..depth {
                for (node, row) in at.iter_mut().zip(padded) {
                    let split = nodes[*node & (FLAT_NODES - 1)];
                    let value = row[split.feature as usize & (FLAT_FEATURES - 1)];
                    *node = 2 * *node + 1 + usize::from(value > split.threshold);
                }
            }
            for (margin, node) in margins.iter_mut().zip(&at) {
                *margin += leaves[(node - internal) & (FLAT_NODES - 1)];
            }
        }
    }
}

/// Trees scored side by side in [`Ensemble::margin`].
const TREES_IN_STEP: usize = 4;
/// Rows scored side by side in [`Ensemble::margins`].
const ROWS_IN_STEP: usize = 32;

/// Deepest tree a model file may hold (a guard against absurd files, not a tuning limit).
const MAX_DEPTH: usize = 12;

impl Ensemble {
    /// Walks [`TREES_IN_STEP`] trees side by side: one tree is a chain of dependent loads, several
    /// let the processor overlap them. Leaves are added in tree order, so the sum is the same as
    /// one tree after the other.
    pub fn margin(&self, x: &[f32]) -> f32 {
        let mut margin = self.base;
        let mut groups = self.trees.chunks_exact(TREES_IN_STEP);
        for group in &mut groups {
            let mut nodes = [0usize; TREES_IN_STEP];
            for _ in 0..self.depth {
                for (node, tree) in nodes.iter_mut().zip(group) {
                    let feature = usize::from(tree.feature[*node]);
                    let value = x.get(feature).copied().unwrap_or(-1.0);
                    *node = 2 * *node + 1 + usize::from(value > tree.threshold[*node]);
                }
            }
            for (node, tree) in nodes.iter().zip(group) {
                margin += tree.leaf[node - tree.feature.len()];
            }
        }
        for tree in groups.remainder() {
            margin += tree.predict(x, self.depth);
        }
        margin
    }

    /// The margin of every row, the same numbers as [`Ensemble::margin`] row by row. Walks each
    /// tree for [`ROWS_IN_STEP`] rows at once, level by level: the tree stays in the first-level
    /// cache, and the rows' walks are independent chains of loads the processor overlaps.
    pub fn margins<R: AsRef<[f32]>>(&self, rows: &[R]) -> Vec<f32> {
        let mut margins = vec![self.base; rows.len()];
        if let Some(flat) = self.flat.get_or_init(|| FlatTrees::of(self)) {
            for (step, out) in rows
                .chunks(ROWS_IN_STEP)
                .zip(margins.chunks_mut(ROWS_IN_STEP))
            {
                flat.add_leaves(self.depth, step, out);
            }
            return margins;
        }
        let mut nodes = [0usize; ROWS_IN_STEP];
        for (step, out) in rows
            .chunks(ROWS_IN_STEP)
            .zip(margins.chunks_mut(ROWS_IN_STEP))
        {
            let nodes = &mut nodes[..step.len()];
            for tree in &self.trees {
                nodes.fill(0);
                for _ in 0..self.depth {
                    for (node, row) in nodes.iter_mut().zip(step) {
                        let feature = usize::from(tree.feature[*node]);
                        let value = row.as_ref().get(feature).copied().unwrap_or(-1.0);
                        *node = 2 * *node + 1 + usize::from(value > tree.threshold[*node]);
                    }
                }
                for (margin, node) in out.iter_mut().zip(nodes.iter()) {
                    *margin += tree.leaf[node - tree.feature.len()];
                }
            }
        }
        margins
    }

    /// Checks the shape of every tree, so that a model read from a file cannot make scoring
    /// index out of bounds.
    pub fn validate(&self, num_features: usize) -> Result<(), String> {
        if self.depth == 0 || self.depth > MAX_DEPTH {
            return Err(format!(
                "tree depth {} is not between 1 and {MAX_DEPTH}",
                self.depth
            ));
        }
        let internal = (1usize << self.depth) - 1;
        for (index, tree) in self.trees.iter().enumerate() {
            let shape_ok = tree.feature.len() == internal
                && tree.threshold.len() == internal
                && tree.leaf.len() == internal + 1;
            if !shape_ok || tree.feature.iter().any(|f| usize::from(*f) >= num_features) {
                return Err(format!(
                    "tree {index} does not have the shape of a depth-{} tree over {num_features} features",
                    self.depth
                ));
            }
        }
        Ok(())
    }
}

/// Quantile cut points of each feature; bin `k` holds values `<= cuts[k]` (and above the cut
/// before it), the last bin everything above the last cut.
struct Binning {
    cuts: Vec<Vec<f32>>,
}

impl Binning {
    fn fit(rows: &[Vec<f32>], num_features: usize) -> Binning {
        let mut cuts = Vec::with_capacity(num_features);
        for f in 0..num_features {
            let mut values: Vec<f32> = rows.iter().map(|r| r[f]).collect();
            values.sort_by(f32::total_cmp);
            values.dedup();
            let step = (values.len() as f64 / MAX_BINS as f64).max(1.0);
            let mut feature_cuts: Vec<f32> = (0..MAX_BINS - 1)
                .map(|k| ((k as f64 + 1.0) * step) as usize)
                .filter(|&i| i < values.len())
                .map(|i| values[i - 1])
                .collect();
            feature_cuts.dedup();
            cuts.push(feature_cuts);
        }
        Binning { cuts }
    }

    fn bin(&self, feature: usize, value: f32) -> u8 {
        self.cuts[feature].partition_point(|cut| *cut < value) as u8
    }
}

#[derive(Clone, Copy, Default)]
struct Bucket {
    gradient: f64,
    hessian: f64,
    count: usize,
}

struct Split {
    feature: usize,
    bin: usize,
    gain: f64,
}

/// Trains an ensemble on `rows` (all of the same length) and their labels.
pub fn train(rows: &[Vec<f32>], labels: &[bool], params: &BoostingParams) -> Ensemble {
    let num_features = rows.first().map_or(0, Vec::len);
    let binning = Binning::fit(rows, num_features);
    let bins: Vec<u8> = rows
        .iter()
        .flat_map(|r| {
            (0..num_features)
                .map(|f| binning.bin(f, r[f]))
                .collect::<Vec<_>>()
        })
        .collect();
    let positives = labels.iter().filter(|l| **l).count() as f64;
    let prior = ((positives + 1.0) / (labels.len() as f64 + 2.0)).clamp(1e-6, 1.0 - 1e-6);
    let base = (prior / (1.0 - prior)).ln() as f32;
    let mut margins = vec![base; rows.len()];
    let mut ensemble = Ensemble {
        base,
        depth: params.max_depth,
        trees: Vec::with_capacity(params.num_trees),
        flat: OnceLock::new(),
    };
    let mut gradients = vec![0.0f64; rows.len()];
    let mut hessians = vec![0.0f64; rows.len()];
    for _ in 0..params.num_trees {
        for (i, (margin, label)) in margins.iter().zip(labels).enumerate() {
            let p = 1.0 / (1.0 + (-f64::from(*margin)).exp());
            gradients[i] = p - f64::from(u8::from(*label));
            hessians[i] = (p * (1.0 - p)).max(1e-9);
        }
        let grower = TreeGrower {
            bins: &bins,
            num_features,
            binning: &binning,
            gradients: &gradients,
            hessians: &hessians,
            params,
        };
        let tree = grower.grow();
        for (i, row) in rows.iter().enumerate() {
            margins[i] += tree.predict(row, params.max_depth);
        }
        ensemble.trees.push(tree);
    }
    ensemble
}

struct TreeGrower<'a> {
    bins: &'a [u8],
    num_features: usize,
    binning: &'a Binning,
    gradients: &'a [f64],
    hessians: &'a [f64],
    params: &'a BoostingParams,
}

impl TreeGrower<'_> {
    fn grow(&self) -> Tree {
        let mut tree = Tree::empty(self.params.max_depth);
        let all: Vec<u32> = (0..self.gradients.len() as u32).collect();
        self.grow_node(&mut tree, all, 0, 0);
        tree
    }

    /// Grows the node at `position` (level `depth`) from `samples`.
    fn grow_node(&self, tree: &mut Tree, samples: Vec<u32>, position: usize, depth: usize) {
        let (gradient, hessian) = samples.iter().fold((0.0, 0.0), |(g, h), &i| {
            (
                g + self.gradients[i as usize],
                h + self.hessians[i as usize],
            )
        });
        let leaf_value =
            (-gradient / (hessian + self.params.lambda)) as f32 * self.params.learning_rate;
        let split = if depth < self.params.max_depth && samples.len() >= 2 * self.params.min_leaf {
            self.best_split(&samples, gradient, hessian)
        } else {
            None
        };
        let Some(split) = split else {
            return tree.fill(position, depth, self.params.max_depth, leaf_value);
        };
        let (left, right): (Vec<u32>, Vec<u32>) = samples.iter().partition(|&&i| {
            usize::from(self.bins[i as usize * self.num_features + split.feature]) <= split.bin
        });
        tree.feature[position] = split.feature as u8;
        tree.threshold[position] = self.binning.cuts[split.feature][split.bin];
        self.grow_node(tree, left, 2 * position + 1, depth + 1);
        self.grow_node(tree, right, 2 * position + 2, depth + 1);
    }

    fn best_split(&self, samples: &[u32], gradient: f64, hessian: f64) -> Option<Split> {
        let lambda = self.params.lambda;
        let parent_score = gradient * gradient / (hessian + lambda);
        let mut best: Option<Split> = None;
        let mut histogram = [Bucket::default(); MAX_BINS];
        for feature in 0..self.num_features {
            histogram.fill(Bucket::default());
            for &i in samples {
                let bucket = &mut histogram
                    [usize::from(self.bins[i as usize * self.num_features + feature])];
                bucket.gradient += self.gradients[i as usize];
                bucket.hessian += self.hessians[i as usize];
                bucket.count += 1;
            }
            let mut left = Bucket::default();
            let num_cuts = self.binning.cuts[feature].len();
            for (bin, bucket) in histogram.iter().enumerate().take(num_cuts) {
                left.gradient += bucket.gradient;
                left.hessian += bucket.hessian;
                left.count += bucket.count;
                let right_count = samples.len() - left.count;
                if left.count < self.params.min_leaf || right_count < self.params.min_leaf {
                    continue;
                }
                let (rg, rh) = (gradient - left.gradient, hessian - left.hessian);
                let gain = left.gradient * left.gradient / (left.hessian + lambda)
                    + rg * rg / (rh + lambda)
                    - parent_score;
                if gain > 1e-9 && best.as_ref().is_none_or(|b| gain > b.gain) {
                    best = Some(Split { feature, bin, gain });
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_threshold_rule() {
        let rows: Vec<Vec<f32>> = (0..200)
            .map(|i| vec![i as f32 / 200.0, (i % 7) as f32])
            .collect();
        let labels: Vec<bool> = rows.iter().map(|r| r[0] > 0.6).collect();
        let params = BoostingParams {
            num_trees: 30,
            max_depth: 2,
            ..BoostingParams::default()
        };
        let ensemble = train(&rows, &labels, &params);
        assert!(ensemble.margin(&[0.9, 3.0]) > 1.0);
        assert!(ensemble.margin(&[0.2, 3.0]) < -1.0);
        assert_eq!(ensemble.trees.len(), 30);
        assert_eq!(ensemble.validate(2), Ok(()));
        for x in [[0.9, 3.0], [0.2, 1.0], [0.61, 6.0]] {
            let one_by_one = ensemble
                .trees
                .iter()
                .fold(ensemble.base, |m, t| m + t.predict(&x, 2));
            assert_eq!(
                ensemble.margin(&x),
                one_by_one,
                "side by side = one after the other"
            );
        }
        let mut broken = ensemble.clone();
        broken.trees[0].leaf.pop();
        assert!(broken.validate(2).is_err());
    }

    /// Batches give the margins of one row at a time, through the flat layout (depth 3) and
    /// without it (depth 7, past what it holds), over full and short steps.
    #[test]
    fn margins_of_a_batch_are_the_margins_one_by_one() {
        let rows: Vec<Vec<f32>> = (0..150)
            .map(|i| {
                vec![
                    (i * 37 % 101) as f32 / 101.0,
                    (i % 11) as f32,
                    (i % 3) as f32,
                ]
            })
            .collect();
        let labels: Vec<bool> = rows.iter().map(|r| r[0] + r[2] / 4.0 > 0.7).collect();
        for max_depth in [3, 7] {
            let params = BoostingParams {
                num_trees: 9,
                max_depth,
                min_leaf: 2,
                ..BoostingParams::default()
            };
            let ensemble = train(&rows, &labels, &params);
            assert_eq!(FlatTrees::of(&ensemble).is_some(), max_depth <= FLAT_DEPTH);
            let one_by_one: Vec<f32> = rows.iter().map(|r| ensemble.margin(r)).collect();
            assert_eq!(ensemble.margins(&rows), one_by_one, "depth {max_depth}");
        }
    }
}
