//! Gradient-boosted trees over the last stacked stage's rows: the part of the classifier that can
//! make one column's effect depend on another (a block of mostly promotion on a page of praise,
//! a first-person sentence under an informing heading). The linear stages add their columns'
//! effects; measured on web-gold site-grouped CV, trees over the same rows gain about 0.02
//! macro-F1 (README, "What each addition bought").
//!
//! The trees are *oblivious* (CatBoost's kind): every node of a level splits on the same column
//! and threshold, so a tree of depth d is d comparisons that form a leaf index, and each leaf holds
//! one value per label (one tree serves all three labels). That keeps labelling fast: a unit costs
//! depth × trees comparisons, no pointer chasing.
//!
//! Fitting is second-order boosting of the softmax log-loss (gradient and diagonal Hessian per
//! label), on columns cut into at most `bins` quantile bins, each tree on a random share of the
//! rows and columns; leaf values are −G/(H+λ) times the learning rate. Several sets of trees
//! fitted with different seeds can be averaged into one booster (`ensemble`).

use crate::error::ModelError;
use crate::types::Label;
use ndarray::{Array2, ArrayView1};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

const K: usize = Label::COUNT;

/// How the trees are fitted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BoostParams {
    /// Trees to fit in each set ([`BoostParams::ensemble`]; 0: no trees, the linear stages
    /// decide alone). 200 by default, in 3 sets: as many trees to evaluate as one set of 600
    /// (session 12's default; on web-gold CV, one set of 1,000 scored lower).
    pub trees: usize,
    /// Levels of each tree (a tree has 2^depth leaves), 1 to 8.
    pub depth: usize,
    /// Shrinkage of each tree's leaf values.
    pub learning_rate: f32,
    /// Quantile bins a column is cut into, 2 to 256.
    pub bins: usize,
    /// Share of the rows each tree is fitted on.
    pub row_share: f32,
    /// Share of the columns each tree may split on.
    pub column_share: f32,
    /// L2 penalty on leaf values (λ in −G/(H+λ)).
    pub l2: f32,
    /// Units the linear stages give at least this probability keep the linear stages' label;
    /// the rest go through the trees (above 1: every unit does). At 0.8 about 30 % of units
    /// go through the trees, and web-gold CV scores as with every unit (0.824 against 0.825).
    pub below: f32,
    /// Seed of the row and column sampling.
    pub seed: u64,
    /// Sets of `trees` trees fitted with consecutive seeds, their scores averaged (one booster
    /// holding every set's trees, each leaf divided by the number of sets). 3 by default (session
    /// 17): on web-gold CV one set of 600 trees scored 0.816 to 0.824 by its seed, 3 sets of 200
    /// at learning rate 0.25 0.823 and 0.824 over two seed ranges (docs/accuracy.md, sessions 16
    /// and 17): a better mean and a fifth of the spread, for the same labelling cost.
    pub ensemble: usize,
}

impl Default for BoostParams {
    fn default() -> Self {
        BoostParams {
            trees: 200,
            depth: 4,
            learning_rate: 0.25,
            bins: 32,
            row_share: 0.5,
            column_share: 0.5,
            l2: 3.0,
            below: 0.8,
            seed: 17,
            ensemble: 3,
        }
    }
}

impl BoostParams {
    fn check(&self) -> Result<(), ModelError> {
        let bad = |what: String| Err(ModelError::Param(what));
        if !(1..=8).contains(&self.depth) {
            return bad(format!("boost depth must be 1 to 8, got {}", self.depth));
        }
        if !(1..=16).contains(&self.ensemble) {
            return bad(format!(
                "boost ensemble must be 1 to 16 sets of trees, got {}",
                self.ensemble
            ));
        }
        if !(2..=256).contains(&self.bins) {
            return bad(format!("boost bins must be 2 to 256, got {}", self.bins));
        }
        for (name, v) in [
            ("row_share", self.row_share),
            ("column_share", self.column_share),
        ] {
            if !(v > 0.0 && v <= 1.0) {
                return bad(format!("boost {name} must be in (0, 1], got {v}"));
            }
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad(format!(
                "boost learning_rate must be > 0, got {}",
                self.learning_rate
            ));
        }
        if !(self.l2 >= 0.0 && self.l2.is_finite()) {
            return bad(format!("boost l2 must be >= 0, got {}", self.l2));
        }
        Ok(())
    }

    /// Fits `self.trees` trees on rows `x` with label indices `y` and row weights `w`; with
    /// `self.ensemble` above 1, that many sets of trees with consecutive seeds, averaged.
    pub fn fit(&self, x: &Array2<f32>, y: &[usize], w: &[f32]) -> Result<Booster, ModelError> {
        self.check()?;
        let (n, d) = x.dim();
        if n == 0 || y.len() != n || w.len() != n {
            return Err(ModelError::Training(format!(
                "boosting needs one label and weight per row: {n} rows, {} labels, {} weights",
                y.len(),
                w.len()
            )));
        }
        if y.iter().any(|&c| c >= K) || x.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::Training(
                "boosting rows must be finite with labels below 3".into(),
            ));
        }
        let cuts: Vec<Vec<f32>> = (0..d)
            .into_par_iter()
            .map(|j| quantile_cuts(x.column(j), self.bins))
            .collect();
        let binned = Binned::new(x, &cuts);
        // Start from the weighted log prior of each label.
        let mut prior = [1e-3f64; K];
        for (&c, &wi) in y.iter().zip(w) {
            prior[c] += f64::from(wi);
        }
        let total: f64 = prior.iter().sum();
        let base = prior.map(|p| ((p / total).ln()) as f32);
        let members = self.ensemble;
        let mut trees = Vec::with_capacity(self.trees * members);
        for m in 0..members {
            let seed = self.seed.wrapping_add(m as u64);
            trees.extend(self.grow_trees(&binned, &cuts, y, w, base, seed));
        }
        // The members' scores are averaged: each leaf counts once in `members`.
        let share = 1.0 / members as f32;
        for leaf in trees.iter_mut().flat_map(|t| t.leaves.iter_mut()) {
            leaf.iter_mut().for_each(|v| *v *= share);
        }
        Ok(Booster {
            width: d,
            base,
            trees,
            below: self.below,
        })
    }

    /// One member's `self.trees` trees, each fitted to the gradients of the ones before.
    fn grow_trees(
        &self,
        binned: &Binned,
        cuts: &[Vec<f32>],
        y: &[usize],
        w: &[f32],
        base: [f32; K],
        seed: u64,
    ) -> Vec<Tree> {
        let (n, d) = (y.len(), cuts.len());
        let mut scores = vec![base; n];
        let mut rng = SplitMix(seed);
        let mut trees = Vec::with_capacity(self.trees);
        for _ in 0..self.trees {
            let rows: Vec<u32> = (0..n as u32)
                .filter(|_| rng.unit() < self.row_share)
                .collect();
            let mut columns: Vec<usize> = (0..d)
                .filter(|&j| !cuts[j].is_empty() && rng.unit() < self.column_share)
                .collect();
            if columns.is_empty() {
                columns = (0..d).filter(|&j| !cuts[j].is_empty()).collect();
            }
            if rows.is_empty() || columns.is_empty() {
                break;
            }
            let grad: Vec<[f32; 2 * K]> = rows
                .iter()
                .map(|&i| gradient(&scores[i as usize], y[i as usize], w[i as usize]))
                .collect();
            let tree = self.grow(binned, cuts, &rows, &grad, &columns);
            for (i, s) in scores.iter_mut().enumerate() {
                let leaf = &tree.tree.leaves[binned.leaf(&tree, i)];
                for k in 0..K {
                    s[k] += leaf[k];
                }
            }
            trees.push(tree.tree);
        }
        trees
    }

    /// One oblivious tree on the sampled `rows` (their gradients in `grad`).
    fn grow(
        &self,
        binned: &Binned,
        cuts: &[Vec<f32>],
        rows: &[u32],
        grad: &[[f32; 2 * K]],
        columns: &[usize],
    ) -> Grown {
        let mut node = vec![0u16; rows.len()];
        let mut splits: Vec<(usize, usize)> = Vec::with_capacity(self.depth);
        let bins = self.bins;
        // Each level's histograms, per column; the next level builds only the rows that went
        // right and takes the left children as parent minus right.
        let mut previous: Vec<Vec<[f32; 2 * K]>> = Vec::new();
        for level in 0..self.depth {
            let nodes = 1usize << level;
            let half = nodes / 2;
            let built: Vec<u32> = if level == 0 {
                (0..rows.len() as u32).collect()
            } else {
                (0..rows.len() as u32)
                    .filter(|&r| usize::from(node[r as usize]) >= half)
                    .collect()
            };
            let histograms: Vec<Vec<[f32; 2 * K]>> = columns
                .par_iter()
                .enumerate()
                .map(|(c, &j)| {
                    let mut hist = binned.histogram(j, rows, &built, &node, grad, nodes, bins);
                    if level > 0 {
                        let (left, right) = hist.split_at_mut(half * bins);
                        for (slot, (parent, right)) in
                            left.iter_mut().zip(previous[c].iter().zip(right.iter()))
                        {
                            *slot = std::array::from_fn(|i| parent[i] - right[i]);
                        }
                    }
                    hist
                })
                .collect();
            let best = columns
                .par_iter()
                .zip(&histograms)
                .map(|(&j, hist)| {
                    let (gain, cut) = best_cut(hist, nodes, cuts[j].len(), bins, self.l2);
                    (gain, j, cut)
                })
                .reduce(
                    || (f64::NEG_INFINITY, usize::MAX, 0),
                    |a, b| {
                        if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) {
                            b
                        } else {
                            a
                        }
                    },
                );
            previous = histograms;
            let (_, j, cut) = best;
            for (r, &i) in rows.iter().enumerate() {
                if usize::from(binned.bin(j, i as usize)) > cut {
                    node[r] |= 1 << level;
                }
            }
            splits.push((j, cut));
        }
        // Leaf values: a Newton step per label.
        let mut sums = vec![[0f64; 2 * K]; 1 << self.depth];
        for (r, g) in grad.iter().enumerate() {
            for (s, v) in sums[usize::from(node[r])].iter_mut().zip(g) {
                *s += f64::from(*v);
            }
        }
        let leaves: Vec<[f32; K]> = sums
            .iter()
            .map(|s| {
                std::array::from_fn(|k| {
                    (-s[k] / (s[K + k] + f64::from(self.l2)) * f64::from(self.learning_rate)) as f32
                })
            })
            .collect();
        let tree = Tree {
            columns: splits.iter().map(|&(j, _)| j as u32).collect(),
            thresholds: splits.iter().map(|&(j, c)| cuts[j][c]).collect(),
            leaves,
        };
        Grown { tree, cuts: splits }
    }
}

/// A tree as fitted, with its splits as bin indices for updating the training scores.
struct Grown {
    tree: Tree,
    cuts: Vec<(usize, usize)>,
}

/// Softmax gradient and Hessian of row `scores` with label `y` and weight `w`:
/// `[g_0, g_1, g_2, h_0, h_1, h_2]`.
fn gradient(scores: &[f32; K], y: usize, w: f32) -> [f32; 2 * K] {
    let p = softmax(*scores);
    let mut out = [0f32; 2 * K];
    for k in 0..K {
        let target = if k == y { 1.0 } else { 0.0 };
        out[k] = w * (p[k] - target);
        out[K + k] = w * (p[k] * (1.0 - p[k])).max(1e-6);
    }
    out
}

fn softmax(s: [f32; K]) -> [f32; K] {
    let m = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e = s.map(|v| (v - m).exp());
    let z: f32 = e.iter().sum();
    e.map(|v| v / z)
}

/// The best cut of one column's histogram (`nodes` × `bins` × gradient sums): the bin index `c`
/// sending bins `> c` right that maximises Σ over nodes and labels of G²/(H+λ) on both sides.
fn best_cut(
    hist: &[[f32; 2 * K]],
    nodes: usize,
    n_cuts: usize,
    bins: usize,
    l2: f32,
) -> (f64, usize) {
    let l2 = f64::from(l2);
    let score = |s: &[f64; 2 * K]| -> f64 { (0..K).map(|k| s[k] * s[k] / (s[K + k] + l2)).sum() };
    let totals: Vec<[f64; 2 * K]> = (0..nodes)
        .map(|v| {
            let mut t = [0f64; 2 * K];
            for b in &hist[v * bins..(v + 1) * bins] {
                for (x, y) in t.iter_mut().zip(b) {
                    *x += f64::from(*y);
                }
            }
            t
        })
        .collect();
    let mut left = vec![[0f64; 2 * K]; nodes];
    let mut best = (f64::NEG_INFINITY, 0);
    for c in 0..n_cuts {
        let mut gain = 0.0;
        for v in 0..nodes {
            for (x, y) in left[v].iter_mut().zip(&hist[v * bins + c]) {
                *x += f64::from(*y);
            }
            let right: [f64; 2 * K] = std::array::from_fn(|i| totals[v][i] - left[v][i]);
            gain += score(&left[v]) + score(&right);
        }
        if gain > best.0 {
            best = (gain, c);
        }
    }
    best
}

/// Cut points of a column: up to `bins - 1` midpoints between distinct values, at quantiles of
/// (a sample of) the column. A value `v` is in bin `#{cuts < v}`.
fn quantile_cuts(column: ArrayView1<'_, f32>, bins: usize) -> Vec<f32> {
    const SAMPLE: usize = 50_000;
    let step = column.len().div_ceil(SAMPLE).max(1);
    let mut values: Vec<f32> = column.iter().step_by(step).copied().collect();
    values.sort_by(f32::total_cmp);
    let mut distinct = values.clone();
    distinct.dedup();
    if distinct.len() <= 1 {
        return Vec::new();
    }
    let mut cuts = Vec::new();
    if distinct.len() <= bins {
        for pair in distinct.windows(2) {
            cuts.push(midpoint(pair[0], pair[1]));
        }
        return cuts;
    }
    for q in 1..bins {
        let v = values[q * values.len() / bins];
        // The cut between v and the next distinct value above it.
        let next = distinct.partition_point(|&x| x <= v);
        if next < distinct.len() {
            let cut = midpoint(v, distinct[next]);
            if cuts.last().is_none_or(|&last| cut > last) {
                cuts.push(cut);
            }
        }
    }
    cuts
}

fn midpoint(a: f32, b: f32) -> f32 {
    let m = a + (b - a) / 2.0;
    // Rounding can land on `b`; a cut must stay below it so `b` goes right.
    if m < b {
        m
    } else {
        a
    }
}

/// The rows' bin of every column, column by column.
struct Binned {
    n: usize,
    bins: Vec<u8>,
}

impl Binned {
    fn new(x: &Array2<f32>, cuts: &[Vec<f32>]) -> Self {
        let n = x.nrows();
        let columns: Vec<Vec<u8>> = cuts
            .par_iter()
            .enumerate()
            .map(|(j, c)| {
                x.column(j)
                    .iter()
                    .map(|&v| c.partition_point(|&cut| cut < v) as u8)
                    .collect()
            })
            .collect();
        Binned {
            n,
            bins: columns.concat(),
        }
    }

    fn bin(&self, column: usize, row: usize) -> u8 {
        self.bins[column * self.n + row]
    }

    /// Row `i`'s leaf in a tree grown on these bins.
    fn leaf(&self, tree: &Grown, i: usize) -> usize {
        tree.cuts
            .iter()
            .enumerate()
            .map(|(level, &(j, c))| usize::from(usize::from(self.bin(j, i)) > c) << level)
            .sum()
    }

    /// Gradient sums of column `j` per node and bin over the sampled rows at positions `built`
    /// (`rows[r]` is a row of the matrix, `node[r]` its node, `grad[r]` its gradients).
    #[allow(clippy::too_many_arguments)]
    fn histogram(
        &self,
        j: usize,
        rows: &[u32],
        built: &[u32],
        node: &[u16],
        grad: &[[f32; 2 * K]],
        nodes: usize,
        bins: usize,
    ) -> Vec<[f32; 2 * K]> {
        let column = &self.bins[j * self.n..(j + 1) * self.n];
        let mut hist = vec![[0f32; 2 * K]; nodes * bins];
        for &r in built {
            let r = r as usize;
            let bin = usize::from(column[rows[r] as usize]);
            let slot = &mut hist[usize::from(node[r]) * bins + bin];
            for (s, x) in slot.iter_mut().zip(&grad[r]) {
                *s += x;
            }
        }
        hist
    }
}

/// A small seeded generator for the row and column sampling (SplitMix64).
struct SplitMix(u64);

impl SplitMix {
    fn unit(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// One oblivious tree: level `l` sends a row right (bit `l` of its leaf index) when its column
/// `columns[l]` is above `thresholds[l]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tree {
    columns: Vec<u32>,
    thresholds: Vec<f32>,
    leaves: Vec<[f32; K]>,
}

impl Tree {
    /// The leaf `row` falls in.
    fn leaf_of(&self, row: ArrayView1<'_, f32>) -> usize {
        let mut leaf = 0;
        for (level, (&c, &t)) in self.columns.iter().zip(&self.thresholds).enumerate() {
            leaf |= usize::from(row[c as usize] > t) << level;
        }
        leaf
    }

    /// The mean over the leaves that agree with `leaf` on its first `levels` splits of each
    /// leaf's value for `label` minus its mean over the labels.
    fn mean_reachable(&self, leaf: usize, levels: usize, label: Label) -> f32 {
        let mask = (1usize << levels) - 1;
        let centred = |v: &[f32; K]| v[label.index()] - v.iter().sum::<f32>() / K as f32;
        let (sum, n) = self
            .leaves
            .iter()
            .enumerate()
            .filter(|(i, _)| i & mask == leaf & mask)
            .fold((0f32, 0usize), |(sum, n), (_, v)| (sum + centred(v), n + 1));
        sum / n.max(1) as f32
    }
}

/// Fitted trees: per-label scores summed over the trees, then a softmax.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Booster {
    /// Columns of the rows the trees read.
    width: usize,
    /// Each label's starting score (its log prior).
    base: [f32; K],
    trees: Vec<Tree>,
    /// Units whose linear probability is at least this keep it (see [`BoostParams::below`]).
    below: f32,
}

impl Booster {
    /// Columns of the rows the trees read.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether every tree is well formed for rows of its width and every value finite.
    pub fn check(&self) -> Result<(), String> {
        for (t, tree) in self.trees.iter().enumerate() {
            let depth = tree.columns.len();
            if depth == 0
                || depth > 8
                || tree.thresholds.len() != depth
                || tree.leaves.len() != 1 << depth
                || tree.columns.iter().any(|&c| c as usize >= self.width)
                || tree.thresholds.iter().any(|v| v.is_nan())
                || tree.leaves.iter().flatten().any(|v| !v.is_finite())
            {
                return Err(format!("boosted tree {t} is malformed"));
            }
        }
        if self.base.iter().any(|v| !v.is_finite()) || self.below.is_nan() {
            return Err("the boosted trees' base scores are not finite".into());
        }
        Ok(())
    }

    /// The trees' probabilities of one row.
    pub fn predict_row(&self, row: ArrayView1<'_, f32>) -> [f32; K] {
        let mut s = self.base;
        for tree in &self.trees {
            let leaf = tree.leaf_of(row);
            for (v, l) in s.iter_mut().zip(&tree.leaves[leaf]) {
                *v += l;
            }
        }
        softmax(s)
    }

    /// Whether the trees decide a row whose linear stages gave it `linear` (one probability
    /// per label): [`Booster::refine`] replaces exactly these rows.
    pub fn decides(&self, linear: ArrayView1<'_, f32>) -> bool {
        linear.iter().copied().fold(0f32, f32::max) < self.below
    }

    /// How much each column of `row` pushes the trees' score of `label` above the mean of the
    /// labels' scores (Saabas's attribution): along the row's path through each tree, every split
    /// moves the mean of the leaves still reachable (unweighted), and that move is credited to
    /// the split's column. Oblivious trees make it `depth` steps a tree. Summed over the columns,
    /// plus each tree's mean leaf and the base score, it is the row's score of `label` minus
    /// the labels' mean score.
    pub fn contributions(&self, row: ArrayView1<'_, f32>, label: Label) -> Vec<f32> {
        let mut out = vec![0f32; self.width];
        for tree in &self.trees {
            let leaf = tree.leaf_of(row);
            let mut before = tree.mean_reachable(leaf, 0, label);
            for (level, &column) in tree.columns.iter().enumerate() {
                let after = tree.mean_reachable(leaf, level + 1, label);
                out[column as usize] += after - before;
                before = after;
            }
        }
        out
    }

    /// Replaces the rows of `probs` the linear stages are less sure of than
    /// [`BoostParams::below`] by the trees' probabilities of the same rows of `x`.
    ///
    /// Rows go through the trees in chunks, their columns laid out contiguously, so each level
    /// of a tree is one comparison over a run of values (which the compiler vectorises) rather
    /// than a walk per row.
    pub fn refine(&self, x: &Array2<f32>, probs: &mut Array2<f32>) {
        const CHUNK: usize = 128;
        let chosen: Vec<usize> = probs
            .rows()
            .into_iter()
            .enumerate()
            .filter(|(_, p)| self.decides(p.view()))
            .map(|(i, _)| i)
            .collect();
        if chosen.is_empty() {
            return;
        }
        // The column block holds one chunk, so a page with few unsure units fills a small one.
        let stride = chosen.len().min(CHUNK);
        let mut columns = vec![0f32; x.ncols() * stride];
        let mut leaf = [0u8; CHUNK];
        for chunk in chosen.chunks(stride) {
            let m = chunk.len();
            for (r, &i) in chunk.iter().enumerate() {
                for (c, &v) in x.row(i).iter().enumerate() {
                    columns[c * stride + r] = v;
                }
            }
            let mut scores = [self.base; CHUNK];
            for tree in &self.trees {
                leaf[..m].fill(0);
                for (level, (&c, &t)) in tree.columns.iter().zip(&tree.thresholds).enumerate() {
                    let start = c as usize * stride;
                    let column = &columns[start..start + m];
                    for (l, &v) in leaf[..m].iter_mut().zip(column) {
                        *l |= u8::from(v > t) << level;
                    }
                }
                for (s, &l) in scores[..m].iter_mut().zip(&leaf[..m]) {
                    let v = &tree.leaves[usize::from(l)];
                    for k in 0..K {
                        s[k] += v[k];
                    }
                }
            }
            for (&i, s) in chunk.iter().zip(&scores) {
                for (a, b) in probs.row_mut(i).iter_mut().zip(softmax(*s)) {
                    *a = b;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
