//! The classifier: multinomial logistic regression over the feature rows.
//!
//! Chosen by measurement (README, "Choosing the model"): on cross-validation it beats
//! multinomial naive Bayes by a wide margin, fits in seconds, and its weights are a matrix that
//! `explain` can read. Boosted trees ([`crate::boost`]) refine its least sure units afterwards.
//!
//! The fit minimises Σᵢ wᵢ·log-loss(rowᵢ) + α/2·‖W‖² (W without the intercepts; wᵢ a row's
//! weight), the objective of linfa's `MultiLogisticRegression` with row weights. linfa's solver
//! works in f32 on the raw columns, and on tens of thousands of real-page rows its first line
//! search failed and it stopped at its starting point (all weights 0): the loss summed over
//! 10⁵ rows in f32 has too few significant digits left for the line search's sufficient-decrease
//! test, and columns whose scales differ by 10³ make the first step badly scaled. Here the same
//! objective is divided by Σwᵢ, the columns are standardised, and argmin's L-BFGS (the solver linfa
//! wraps) runs in f64; the weights are mapped back to the raw columns afterwards, so prediction
//! needs no scaling step. Models written by earlier versions (linfa's weights) still load.

use crate::error::ModelError;
use crate::types::Label;
use argmin::core::{CostFunction, Executor, Gradient};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use linfa_logistic::MultiFittedLogisticRegression;
use ndarray::{Array1, Array2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Mutex;

/// Hyper-parameters of the classifier.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifierParams {
    /// L2 penalty on the weights, against the loss summed over rows (weighted by the rows'
    /// weights): relative to the row count, as in linfa. 40 by default (session 23: with fits
    /// run to convergence, web-gold CV read 0.847, 0.848, 0.849, 0.850 and 0.848 at 5, 10, 20,
    /// 40 and 80; docs/accuracy.md).
    pub alpha: f32,
    /// L-BFGS iterations at most. 1,000 by default, enough for the fits of the built-in
    /// model's training to converge (they stop on the cost tolerance after about 200 to 300):
    /// at the old limit of 150 they stopped short, and where they stopped turned on rounding.
    pub max_iterations: u64,
}

impl Default for ClassifierParams {
    fn default() -> Self {
        ClassifierParams {
            alpha: 40.0,
            max_iterations: 1000,
        }
    }
}

impl ClassifierParams {
    /// Fits on rows `x` with class indices `y` (see [`Label::index`]), every row of weight 1.
    /// Rejects a label with no rows, a NaN feature or mismatched sizes before the solver sees them.
    pub fn fit(&self, x: &Array2<f32>, y: &Array1<usize>) -> Result<Classifier, ModelError> {
        self.fit_weighted(x, y, None, &Label::ALL)
    }

    /// Fits on rows whose targets are the `labels` given (the content model has two).
    pub fn fit_labels(
        &self,
        x: &Array2<f32>,
        y: &Array1<usize>,
        labels: &[Label],
    ) -> Result<Classifier, ModelError> {
        self.fit_weighted(x, y, None, labels)
    }

    /// Fits with a weight per row (a row of weight 2 counts as two copies of it).
    pub fn fit_weighted(
        &self,
        x: &Array2<f32>,
        y: &Array1<usize>,
        weights: Option<&[f32]>,
        labels: &[Label],
    ) -> Result<Classifier, ModelError> {
        self.fit_from(x, y, weights, labels, None)
    }

    /// [`ClassifierParams::fit_weighted`], starting from the weights of `start` (a classifier of
    /// the same width and labels fitted on similar rows, such as all the folds together), which
    /// cuts the iterations cross-fitting needs.
    pub fn fit_from(
        &self,
        x: &Array2<f32>,
        y: &Array1<usize>,
        weights: Option<&[f32]>,
        labels: &[Label],
        start: Option<&Classifier>,
    ) -> Result<Classifier, ModelError> {
        self.check(x, y, weights, labels)?;
        let classes: Vec<usize> = labels.iter().map(|l| l.index()).collect();
        let problem = Problem::new(x, y, weights, &classes, self.alpha);
        let init = start
            .and_then(|c| problem.scale_start(c))
            .unwrap_or_else(|| Array1::<f64>::zeros((problem.d + 1) * problem.k));
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
            .with_tolerance_grad(1e-7)
            .and_then(|s| s.with_tolerance_cost(1e-10))
            .map_err(|e| ModelError::Training(e.to_string()))?;
        let result = Executor::new(&problem, solver)
            .configure(|state| state.param(init).max_iters(self.max_iterations))
            .run()
            .map_err(|e| ModelError::Training(format!("the solver failed: {e}")))?;
        let best = result
            .state
            .best_param
            .ok_or_else(|| ModelError::Training("the solver returned no parameters".into()))?;
        if best.iter().all(|&w| w == 0.0) {
            return Err(ModelError::Training(
                "the solver did not move from its starting point (all weights 0)".into(),
            ));
        }
        Ok(Classifier {
            inner: Inner::Linear(problem.unscale(&best)),
        })
    }

    fn check(
        &self,
        x: &Array2<f32>,
        y: &Array1<usize>,
        weights: Option<&[f32]>,
        labels: &[Label],
    ) -> Result<(), ModelError> {
        if !(self.alpha.is_finite() && self.alpha >= 0.0) || self.max_iterations == 0 {
            return Err(ModelError::Param(format!(
                "alpha must be finite and >= 0 and max_iterations > 0, got {} and {}",
                self.alpha, self.max_iterations
            )));
        }
        if x.nrows() != y.len() || weights.is_some_and(|w| w.len() != y.len()) {
            return Err(ModelError::Training(format!(
                "{} feature rows but {} targets",
                x.nrows(),
                y.len()
            )));
        }
        if weights.is_some_and(|w| w.iter().any(|v| !(v.is_finite() && *v >= 0.0))) {
            return Err(ModelError::Training(
                "row weights must be finite and >= 0".into(),
            ));
        }
        for label in labels {
            if !y.iter().any(|&c| c == label.index()) {
                return Err(ModelError::Training(format!(
                    "expected examples of all {} labels, found none labelled {label}",
                    labels.len()
                )));
            }
        }
        if let Some(c) = y.iter().find(|c| !labels.iter().any(|l| l.index() == **c)) {
            return Err(ModelError::Training(format!(
                "target class {c} is not one of the labels being fitted"
            )));
        }
        if let Some(pos) = x.iter().position(|v| !v.is_finite()) {
            return Err(ModelError::Training(format!(
                "feature row {} has a non-finite value",
                pos / x.ncols().max(1)
            )));
        }
        Ok(())
    }
}

/// Parameters with their cost and gradient.
type Evaluated = (Array1<f64>, f64, Array1<f64>);

/// The fitting problem on standardised columns: z = (x − mean) / scale.
struct Problem {
    z: Array2<f32>,
    /// Class position (into `classes`) of each row.
    target: Vec<u8>,
    weights: Vec<f32>,
    total_weight: f64,
    mean: Array1<f32>,
    scale: Array1<f32>,
    classes: Vec<usize>,
    alpha: f64,
    d: usize,
    k: usize,
    /// The last parameters evaluated, with their cost and gradient (argmin asks for both).
    cache: Mutex<Option<Evaluated>>,
}

const CHUNK: usize = 4096;

impl Problem {
    fn new(
        x: &Array2<f32>,
        y: &Array1<usize>,
        weights: Option<&[f32]>,
        classes: &[usize],
        alpha: f32,
    ) -> Problem {
        let (n, d) = x.dim();
        let weights: Vec<f32> = weights.map_or_else(|| vec![1.0; n], <[f32]>::to_vec);
        let total_weight: f64 = weights
            .iter()
            .map(|&w| f64::from(w))
            .sum::<f64>()
            .max(1e-12);
        let mut mean = Array1::<f32>::zeros(d);
        let mut scale = Array1::<f32>::ones(d);
        for (j, col) in x.axis_iter(Axis(1)).enumerate() {
            let (mut s, mut s2) = (0f64, 0f64);
            for &v in col {
                s += f64::from(v);
                s2 += f64::from(v) * f64::from(v);
            }
            let m = s / n.max(1) as f64;
            let var = (s2 / n.max(1) as f64 - m * m).max(0.0);
            mean[j] = m as f32;
            let sd = var.sqrt();
            scale[j] = if sd > 1e-6 { sd as f32 } else { 1.0 };
        }
        // Rows contiguous in memory, as `evaluate` reads them.
        let mut z = x.as_standard_layout().into_owned();
        for mut row in z.rows_mut() {
            for ((v, m), s) in row.iter_mut().zip(&mean).zip(&scale) {
                *v = (*v - m) / s;
            }
        }
        let target = y
            .iter()
            .map(|c| classes.iter().position(|k| k == c).unwrap_or(0) as u8)
            .collect();
        Problem {
            z,
            target,
            weights,
            total_weight,
            mean,
            scale,
            classes: classes.to_vec(),
            alpha: f64::from(alpha),
            d,
            k: classes.len(),
            cache: Mutex::new(None),
        }
    }

    /// Each class's weight column (standardised columns) and the intercepts of a parameter vector.
    fn split(&self, p: &Array1<f64>) -> (Vec<Vec<f32>>, Vec<f64>) {
        let w = (0..self.k)
            .map(|c| (0..self.d).map(|j| p[j * self.k + c] as f32).collect())
            .collect();
        let b = (0..self.k).map(|c| p[self.d * self.k + c]).collect();
        (w, b)
    }

    /// Cost and gradient at `p`, over row chunks in parallel. Each row's scores are dot products
    /// with the k weight columns and its gradient is added to k running sums: with two or three
    /// classes a matrix product spends most of its time packing the rows (half of `train`'s time
    /// went there), and these loops read each row where it is.
    fn evaluate(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        if let Some((q, cost, grad)) = self.cache.lock().expect("cache lock").as_ref() {
            if q == p {
                return (*cost, grad.clone());
            }
        }
        let (w, b) = self.split(p);
        let (d, k) = (self.d, self.k);
        let n = self.z.nrows();
        let starts: Vec<usize> = (0..n).step_by(CHUNK).collect();
        let (loss, gw, gb) = starts
            .par_iter()
            .map(|&start| {
                let end = (start + CHUNK).min(n);
                // Sums over the chunk's rows in f32 (as the matrix product kept them), then f64.
                let mut gw = vec![vec![0f32; d]; k];
                let mut loss = 0f64;
                let mut gb = vec![0f64; k];
                let mut h = vec![0f64; k];
                for i in start..end {
                    let row = self.z.row(i);
                    let row = row.as_slice().expect("z is in standard layout");
                    let wi = f64::from(self.weights[i]);
                    let t = self.target[i] as usize;
                    for ((h, column), &b) in h.iter_mut().zip(&w).zip(&b) {
                        *h = f64::from(dot(row, column)) + b;
                    }
                    let max = h.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    // The log-loss, log Σ exp(h) − h[t], taken before h becomes exp(h − max):
                    // the softmax's numerators, one exp per class.
                    let sum: f64 = h.iter().map(|v| (v - max).exp()).sum();
                    let lse = max + sum.ln();
                    loss += wi * (lse - h[t]);
                    for c in 0..k {
                        let prob = (h[c] - lse).exp();
                        let g = wi * (prob - if c == t { 1.0 } else { 0.0 });
                        axpy(&mut gw[c], g as f32, row);
                        gb[c] += g;
                    }
                }
                let gw = Array2::from_shape_fn((d, k), |(j, c)| f64::from(gw[c][j]));
                (loss, gw, gb)
            })
            .collect::<Vec<_>>()
            // Added in chunk order, so a fit does not depend on how the threads shared the work.
            .into_iter()
            .fold(
                (0.0, Array2::<f64>::zeros((d, k)), vec![0f64; k]),
                |mut a, b| {
                    a.0 += b.0;
                    a.1 += &b.1;
                    for (x, y) in a.2.iter_mut().zip(&b.2) {
                        *x += y;
                    }
                    a
                },
            );
        let mut grad = Array1::<f64>::zeros((d + 1) * k);
        let mut penalty = 0f64;
        for j in 0..d {
            // The penalty is on the raw columns' weights: w_raw = w / scale.
            let s2 = f64::from(self.scale[j]).powi(2);
            for c in 0..k {
                let v = p[j * k + c];
                penalty += v * v / s2;
                grad[j * k + c] = (gw[[j, c]] + self.alpha * v / s2) / self.total_weight;
            }
        }
        for c in 0..k {
            grad[d * k + c] = gb[c] / self.total_weight;
        }
        let cost = (loss + 0.5 * self.alpha * penalty) / self.total_weight;
        *self.cache.lock().expect("cache lock") = Some((p.clone(), cost, grad.clone()));
        (cost, grad)
    }

    /// A fitted classifier's weights as this problem's parameters (standardised columns), if it
    /// fits this problem's width and classes.
    fn scale_start(&self, start: &Classifier) -> Option<Array1<f64>> {
        let Inner::Linear(l) = &start.inner else {
            return None;
        };
        if l.weights.nrows() != self.d || l.classes != self.classes {
            return None;
        }
        let (d, k) = (self.d, self.k);
        let mut p = Array1::<f64>::zeros((d + 1) * k);
        for c in 0..k {
            let mut b = f64::from(l.intercept[c]);
            for j in 0..d {
                let w = f64::from(l.weights[[j, c]]);
                p[j * k + c] = w * f64::from(self.scale[j]);
                b += w * f64::from(self.mean[j]);
            }
            p[d * k + c] = b;
        }
        Some(p)
    }

    /// The fitted parameters as weights on the raw columns.
    fn unscale(&self, p: &Array1<f64>) -> Linear {
        let (d, k) = (self.d, self.k);
        let mut weights = Array2::<f32>::zeros((d, k));
        let mut intercept = Array1::<f32>::zeros(k);
        for c in 0..k {
            let mut b = p[d * k + c];
            for j in 0..d {
                let w = p[j * k + c] / f64::from(self.scale[j]);
                weights[[j, c]] = w as f32;
                b -= w * f64::from(self.mean[j]);
            }
            intercept[c] = b as f32;
        }
        Linear {
            classes: self.classes.clone(),
            weights,
            intercept,
        }
    }
}

impl CostFunction for &Problem {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, p: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.evaluate(p).0)
    }
}

impl Gradient for &Problem {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, p: &Self::Param) -> Result<Array1<f64>, argmin::core::Error> {
        Ok(self.evaluate(p).1)
    }
}

/// Softmax regression weights on the raw feature columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Linear {
    /// The label index of each output column.
    classes: Vec<usize>,
    /// Feature columns × classes.
    weights: Array2<f32>,
    intercept: Array1<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Inner {
    Linear(Linear),
    /// linfa's fitted model, as earlier versions wrote it (the shipped content model).
    Linfa(MultiFittedLogisticRegression<f32, usize>),
}

/// The softmax over the columns of `x · weights + intercept`, one row per row of `x`: what
/// linfa's `predict_probabilities` computes, without a matrix product's packing, which costs
/// more than the product itself with two or three output columns (each weight column is read
/// as a contiguous run, and each row of `x` once per column).
fn softmax_of_linear(
    x: &Array2<f32>,
    weights: &Array2<f32>,
    intercept: &Array1<f32>,
) -> Array2<f32> {
    let columns: Vec<Vec<f32>> = weights.columns().into_iter().map(|c| c.to_vec()).collect();
    let mut out = Array2::zeros((x.nrows(), columns.len()));
    for (row, mut scores) in x.rows().into_iter().zip(out.rows_mut()) {
        let row = row
            .as_slice()
            .map_or_else(|| row.to_vec().into(), Cow::Borrowed);
        for ((score, column), &b) in scores.iter_mut().zip(&columns).zip(intercept) {
            *score = dot(&row, column) + b;
        }
        let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        scores.mapv_inplace(|v| (v - max).exp());
        let sum = scores.sum();
        scores /= sum;
    }
    out
}

/// The dot product of two slices of one length, in eight running sums (which the compiler
/// keeps in one vector register).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sums = [0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let rest: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for i in 0..8 {
            sums[i] += x[i] * y[i];
        }
    }
    sums.iter().sum::<f32>() + rest
}

/// `acc += a · x`, element by element (the compiler vectorises it).
fn axpy(acc: &mut [f32], a: f32, x: &[f32]) {
    for (v, &x) in acc.iter_mut().zip(x) {
        *v += a * x;
    }
}

/// A fitted classifier; columns of its probabilities follow [`Label::ALL`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classifier {
    inner: Inner,
}

impl Classifier {
    /// Number of feature columns the classifier expects.
    pub fn width(&self) -> usize {
        self.weights().nrows()
    }

    fn weights(&self) -> &Array2<f32> {
        match &self.inner {
            Inner::Linear(l) => &l.weights,
            Inner::Linfa(m) => m.params(),
        }
    }

    fn classes(&self) -> &[usize] {
        match &self.inner {
            Inner::Linear(l) => &l.classes,
            Inner::Linfa(m) => m.classes(),
        }
    }

    /// Whether every weight is finite (a model file edited to hold NaN or infinity is refused).
    pub fn is_finite(&self) -> bool {
        let intercept_finite = match &self.inner {
            Inner::Linear(l) => l.intercept.iter().all(|v| v.is_finite()),
            Inner::Linfa(m) => m.intercept().iter().all(|v| v.is_finite()),
        };
        intercept_finite && self.weights().iter().all(|v| v.is_finite())
    }

    /// Label probabilities, one row per feature row, columns in [`Label::ALL`] order.
    pub fn predict_proba(&self, x: &Array2<f32>) -> Array2<f32> {
        let intercept = match &self.inner {
            Inner::Linear(l) => &l.intercept,
            Inner::Linfa(m) => m.intercept(),
        };
        let raw = softmax_of_linear(x, self.weights(), intercept);
        let mut out = Array2::zeros((x.nrows(), Label::COUNT));
        for (col, &class) in self.classes().iter().enumerate() {
            out.column_mut(class).assign(&raw.column(col));
        }
        out
    }

    /// How much each feature of `row` pushes towards `label` rather than the other labels:
    /// value × (weight for `label` − mean weight over labels).
    pub fn contributions(&self, row: ndarray::ArrayView1<'_, f32>, label: Label) -> Vec<f32> {
        let w = self.weights();
        let k = self.class_column(label);
        row.iter()
            .zip(w.rows())
            .map(|(&x, weights)| x * (weights[k] - weights.mean().unwrap_or(0.0)))
            .collect()
    }

    #[cfg(test)]
    fn intercept(&self) -> Array1<f32> {
        match &self.inner {
            Inner::Linear(l) => l.intercept.clone(),
            Inner::Linfa(m) => m.intercept().clone(),
        }
    }

    fn class_column(&self, label: Label) -> usize {
        self.classes()
            .iter()
            .position(|&c| c == label.index())
            .expect("every label was present at fit time")
    }
}

#[cfg(test)]
mod tests;
