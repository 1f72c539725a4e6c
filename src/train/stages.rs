//! Fitting the classifier's stages on cross-fitted rows: the first stage, the stacked stages
//! on out-of-fold neighbour probabilities, and the class weights tuned on held-out folds.

use super::{row_weight, GoldUnits, TrainParams};
use crate::crossfit::{assign_folds, site_of, Folds};
use crate::error::ModelError;
use crate::features::with_neighbours;
use crate::metrics::f1_sum;
use crate::model::{Classifier, ClassifierParams};
use crate::types::{GoldPage, Label};
use ndarray::{Array1, Array2};

/// L-BFGS iterations at most of the fold fits whose probabilities tune the class weights (they
/// start from the fit on every fold): the built-in model's training chooses the same weights
/// as with fits run to convergence (about 200 iterations each), in a quarter of the time.
const TUNING_ITERATIONS: u64 = 40;

/// What fitting the classifier's stages needs: the folds the pages are cross-fitted in, and
/// each page's gold labels and row weights.
pub(super) struct Stages<'a> {
    params: &'a TrainParams,
    /// Folds of pages (at most the number of pages).
    pub(super) folds: usize,
    /// The fold of each page.
    pub(super) fold_of: Vec<usize>,
    /// The gold label of each unit of each page.
    pub(super) labels: Vec<&'a [Option<Label>]>,
    weights: Vec<Vec<f32>>,
}

impl<'a> Stages<'a> {
    pub(super) fn new(gold: &[GoldPage], pages: &'a [GoldUnits], params: &'a TrainParams) -> Self {
        // Folds keep each site's pages together, so the lexicon's evidence on a training row is
        // as unseen as it will be on a new site's page (a site's footer is in all its pages).
        let folds = params.lexicon_folds.min(gold.len());
        // With fewer sites than folds, pages are dealt to folds in turn.
        let sites: std::collections::HashSet<String> =
            gold.iter().map(|g| site_of(&g.page)).collect();
        let grouping = if sites.len() >= folds.max(1) {
            Folds::BySite(folds.max(1))
        } else {
            Folds::ByPage(folds.max(1))
        };
        Stages {
            params,
            folds,
            fold_of: assign_folds(gold, grouping),
            labels: pages.iter().map(|p| p.labels.as_slice()).collect(),
            weights: pages
                .iter()
                .map(|p| {
                    let bytes = &p.prepared.unit_bytes;
                    bytes.iter().map(|&b| row_weight(params, b)).collect()
                })
                .collect(),
        }
    }

    /// The labelled rows of the pages `keep` accepts.
    pub(super) fn labelled(
        &self,
        rows: &[Array2<f32>],
        keep: &dyn Fn(usize) -> bool,
    ) -> Result<LabelledRows, ModelError> {
        labelled_rows(rows, &self.labels, &self.weights, keep)
    }

    /// Each page's probabilities from a classifier fitted on the other folds' rows, taken out of
    /// fold so they are as noisy as they will be on new pages. Each fold's fit starts from the
    /// fit on all the rows (`start`), fitted with `classifier`'s settings.
    pub(super) fn out_of_fold(
        &self,
        stage_rows: &[Array2<f32>],
        start: &Classifier,
        classifier: &ClassifierParams,
    ) -> Result<Vec<Array2<f32>>, ModelError> {
        let mut oof: Vec<Option<Array2<f32>>> = vec![None; stage_rows.len()];
        for f in 0..self.folds {
            let stage = self
                .labelled(stage_rows, &|i| self.fold_of[i] != f)?
                .fit_from(classifier, start)?;
            for (i, slot) in oof.iter_mut().enumerate() {
                if self.fold_of[i] == f {
                    *slot = Some(stage.predict_proba(&stage_rows[i]));
                }
            }
        }
        Ok(oof
            .into_iter()
            .map(|p| p.expect("every page is in one fold"))
            .collect())
    }

    /// Class multipliers that maximise byte-level macro-F1 on held-out folds of the training
    /// pages, from the last stage (`last`) refitted without each fold; all 1 when the parameters
    /// do not ask for them or there is one fold.
    pub(super) fn class_weights(
        &self,
        stage_rows: &[Array2<f32>],
        last: &Classifier,
        pages: &[GoldUnits],
    ) -> Result<[f32; Label::COUNT], ModelError> {
        if !(self.params.tune_class_weights && self.folds >= 2) {
            return Ok([1.0; Label::COUNT]);
        }
        self.params
            .progress
            .say("tuning the class weights on held-out folds");
        // Each fold's fit starts from `last` and is cut short: the multipliers come from a
        // coarse grid, which probabilities a few hundredths off do not move.
        let classifier = ClassifierParams {
            max_iterations: self.params.classifier.max_iterations.min(TUNING_ITERATIONS),
            ..self.params.classifier
        };
        let oof = self.out_of_fold(stage_rows, last, &classifier)?;
        let bytes = pages.iter().map(|p| p.prepared.unit_bytes.as_slice());
        Ok(tune_class_weights(&oof, &self.labels, bytes))
    }

    /// Boosted trees on the last stage's rows (cross-fitted, as for the stage itself), when the
    /// parameters ask for any.
    pub(super) fn boost(
        &self,
        stage_rows: &[Array2<f32>],
    ) -> Result<Option<crate::boost::Booster>, ModelError> {
        if self.params.boost.trees == 0 {
            return Ok(None);
        }
        self.params.progress.say("fitting the boosted trees");
        let rows = self.labelled(stage_rows, &|_| true)?;
        Ok(Some(self.params.boost.fit(
            &rows.x,
            &rows.y.to_vec(),
            &rows.weights,
        )?))
    }

    /// Later stages: the same rows plus the neighbours' probabilities from the stage before
    /// (out of fold), each stage pushed onto `classifiers`. Returns the last stage's rows.
    pub(super) fn stack(
        &self,
        rows: &[Array2<f32>],
        pages: &[GoldUnits],
        classifiers: &mut Vec<Classifier>,
    ) -> Result<Vec<Array2<f32>>, ModelError> {
        let rounds = if self.folds >= 2 {
            self.params.stacking_rounds
        } else {
            0
        };
        let mut stage_rows = rows.to_vec();
        for _ in 0..rounds {
            self.params
                .progress
                .say("fitting the next stage (out-of-fold neighbour probabilities)");
            let last = classifiers.last().expect("stage 0 is fitted");
            let oof = self.out_of_fold(&stage_rows, last, &self.params.classifier)?;
            stage_rows = rows
                .iter()
                .zip(&oof)
                .zip(pages)
                .map(|((x, p), page)| with_neighbours(x, p, &page.prepared.unit_block))
                .collect();
            classifiers.push(
                self.labelled(&stage_rows, &|_| true)?
                    .fit(&self.params.classifier)?,
            );
        }
        Ok(stage_rows)
    }
}

/// The rows of the pages `keep` accepts whose units have a gold label, stacked, with targets and
/// row weights.
fn labelled_rows(
    rows: &[Array2<f32>],
    labels: &[&[Option<Label>]],
    weights: &[Vec<f32>],
    keep: &dyn Fn(usize) -> bool,
) -> Result<LabelledRows, ModelError> {
    let width = rows.first().map_or(0, |r| r.ncols());
    let mut data = Vec::new();
    let mut targets = Vec::new();
    let mut row_weights = Vec::new();
    for (i, x) in rows.iter().enumerate().filter(|(i, _)| keep(*i)) {
        for ((row, label), &w) in x.rows().into_iter().zip(labels[i].iter()).zip(&weights[i]) {
            if let Some(label) = label {
                data.extend(row.iter());
                targets.push(label.index());
                row_weights.push(w);
            }
        }
    }
    let x = Array2::from_shape_vec((targets.len(), width), data)
        .map_err(|e| ModelError::Training(e.to_string()))?;
    Ok(LabelledRows {
        x,
        y: Array1::from(targets),
        weights: row_weights,
    })
}

/// Stacked training rows: features, gold label indices and row weights.
pub(super) struct LabelledRows {
    x: Array2<f32>,
    pub(super) y: Array1<usize>,
    weights: Vec<f32>,
}

impl LabelledRows {
    pub(super) fn fit(&self, params: &ClassifierParams) -> Result<Classifier, ModelError> {
        params.fit_weighted(&self.x, &self.y, Some(&self.weights), &Label::ALL)
    }

    fn fit_from(
        &self,
        params: &ClassifierParams,
        start: &Classifier,
    ) -> Result<Classifier, ModelError> {
        params.fit_from(
            &self.x,
            &self.y,
            Some(&self.weights),
            &Label::ALL,
            Some(start),
        )
    }
}

/// Grid-searches multipliers of the promotion and boilerplate probabilities (education stays 1)
/// for the best byte-level macro-F1 of the units' argmax labels. Macro-F1 rewards the smaller
/// labels' recall more than a likelihood fit does.
fn tune_class_weights<'a>(
    probs: &[Array2<f32>],
    labels: &[&[Option<Label>]],
    unit_bytes: impl Iterator<Item = &'a [usize]>,
) -> [f32; Label::COUNT] {
    const GRID: [f32; 7] = [0.8, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0];
    let unit_bytes: Vec<&[usize]> = unit_bytes.collect();
    let macro_f1 = |w: [f32; Label::COUNT]| {
        let mut c = [[0f64; Label::COUNT]; Label::COUNT];
        for ((p, page_labels), bytes) in probs.iter().zip(labels).zip(&unit_bytes) {
            for ((row, gold), &b) in p
                .rows()
                .into_iter()
                .zip(page_labels.iter())
                .zip(bytes.iter())
            {
                if let Some(gold) = gold {
                    let best = (0..Label::COUNT)
                        .max_by(|&a, &b| (row[a] * w[a]).total_cmp(&(row[b] * w[b])))
                        .unwrap_or(0);
                    c[gold.index()][best] += b as f64;
                }
            }
        }
        f1_sum(&c)
    };
    let mut best = ([1.0; Label::COUNT], macro_f1([1.0; Label::COUNT]));
    for &promotion in &GRID {
        for &boilerplate in &GRID {
            let w = [1.0, promotion, boilerplate];
            let f = macro_f1(w);
            if f > best.1 + 1e-9 {
                best = (w, f);
            }
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_weights_are_tuned_towards_under_predicted_labels() {
        // Promotion units get probability 0.4 against education's 0.6: only a weight of 1.5 or more
        // recovers them, and it costs nothing on the education units.
        let probs = vec![ndarray::array![
            [0.6, 0.4, 0.0],
            [0.6, 0.4, 0.0],
            [0.9, 0.1, 0.0],
            [0.1, 0.0, 0.9]
        ]];
        let gold = [
            Some(Label::Promotion),
            Some(Label::Promotion),
            Some(Label::Education),
            Some(Label::Boilerplate),
        ];
        let labels: Vec<&[Option<Label>]> = vec![&gold];
        let bytes = [10usize, 10, 10, 10];
        let w = tune_class_weights(&probs, &labels, std::iter::once(&bytes[..]));
        assert_eq!(w[0], 1.0);
        assert!(w[1] >= 1.5, "{w:?}");
    }
}
