//! Cross-validation: models trained on some folds of the gold pages (tokenizer and, when asked,
//! content model included) label the held-out fold, and [`crate::eval`] scores the held-out
//! predictions. Above both training and evaluation.

use crate::content::{ContentModel, ContentPage};
use crate::error::ModelError;
use crate::eval::{evaluate, EvalReport};
use crate::features::FeatureExtractor;
use crate::label::Labeler;
use crate::train::{train, TrainParams};
use crate::types::{GoldPage, LabelledPage};
use rayon::prelude::*;
use std::collections::HashSet;

pub use crate::crossfit::{assign_folds, site_of, Folds};

/// Trains and returns a ready labeler (what cross-validation needs).
pub fn train_labeler(gold: &[GoldPage], params: &TrainParams) -> Result<Labeler, ModelError> {
    Labeler::from_bundle(train(gold, params, &[])?)
}

/// Cross-validation: each fold's pages are labelled by a model trained (tokenizer included) on
/// the other folds plus `train_also`, less any `train_also` page of a site being held out.
/// Folds run in parallel. Returns the report and the held-out predictions, in gold order.
pub fn cross_validate_folds(
    gold: &[GoldPage],
    train_also: &[GoldPage],
    params: &TrainParams,
    folds: Folds,
    content: Option<&ContentTraining>,
) -> Result<(EvalReport, Vec<LabelledPage>), ModelError> {
    let fold_of = assign_folds(gold, folds);
    let k = fold_of.iter().max().map_or(0, |m| m + 1);
    if gold.len() < 2 || k < 2 {
        return Err(ModelError::Training(
            "cross-validation needs at least 2 gold pages and 2 folds".into(),
        ));
    }
    // The folds train side by side: only their ends are told, not each one's phases.
    let done = std::sync::Mutex::new(0usize);
    let params_progress = params.progress.clone();
    params_progress.say(&format!("training {k} folds"));
    let by_fold = (0..k)
        .into_par_iter()
        .map(|f| {
            let held: Vec<usize> = (0..gold.len()).filter(|&i| fold_of[i] == f).collect();
            let held_sites: HashSet<String> =
                held.iter().map(|&i| site_of(&gold[i].page)).collect();
            let train_set: Vec<GoldPage> =
                gold.iter()
                    .enumerate()
                    .filter(|&(i, _)| fold_of[i] != f)
                    .map(|(_, g)| g)
                    .chain(train_also.iter().filter(|g| {
                        g.page.url.is_none() || !held_sites.contains(&site_of(&g.page))
                    }))
                    .cloned()
                    .collect();
            let mut params = params.clone();
            params.progress = crate::progress::Progress::default();
            if let Some(content) = content {
                params.content = Some(std::sync::Arc::new(content.train(&held_sites, &params)?));
            }
            let labeler = train_labeler(&train_set, &params)?;
            // Repetition counts come from the held-out pages as one batch (for leave-one-out,
            // from the whole gold set, as before).
            let batch: Vec<&crate::types::Page> = if folds == Folds::LeaveOneOut {
                gold.iter().map(|g| &g.page).collect()
            } else {
                held.iter().map(|&i| &gold[i].page).collect()
            };
            let (_, repeats) = labeler.pipeline.segment_batch(&batch);
            let labelled = held
                .iter()
                .map(|&i| Ok((i, labeler.label_page(&gold[i].page, &repeats)?)))
                .collect::<Result<Vec<_>, ModelError>>();
            // Counted and told under one lock, so the messages come in order.
            if let Ok(mut done) = done.lock() {
                *done += 1;
                params_progress.say(&format!("fold {} of {k} done", *done));
            }
            labelled
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut predicted: Vec<Option<LabelledPage>> = vec![None; gold.len()];
    for (i, page) in by_fold.into_iter().flatten() {
        predicted[i] = Some(page);
    }
    let predicted: Vec<LabelledPage> = predicted
        .into_iter()
        .map(|p| p.expect("every page is in one fold"))
        .collect();
    Ok((evaluate(gold, &predicted), predicted))
}

/// Leave-one-document-out cross-validation (see [`cross_validate_folds`]).
pub fn cross_validate(
    gold: &[GoldPage],
    train_also: &[GoldPage],
    params: &TrainParams,
) -> Result<(EvalReport, Vec<LabelledPage>), ModelError> {
    cross_validate_folds(gold, train_also, params, Folds::LeaveOneOut, None)
}

/// Pages with known main content, for a content model trained anew in every fold of a
/// cross-validation without the held-out sites' pages (so no held-out page's main content is
/// learned from).
pub struct ContentTraining {
    /// Pages with known main content.
    pub pages: Vec<ContentPage>,
    /// At most this many pages train each fold's model.
    pub max_pages: usize,
    /// The files the pages came from, for the record.
    pub sources: Vec<String>,
}

impl ContentTraining {
    fn train(
        &self,
        held_sites: &HashSet<String>,
        params: &TrainParams,
    ) -> Result<ContentModel, ModelError> {
        let pages: Vec<ContentPage> = self
            .pages
            .iter()
            .filter(|p| !held_sites.contains(&site_of(&p.page)))
            .cloned()
            .collect();
        let features = FeatureExtractor::builder()
            .options(params.features)
            .build()?;
        ContentModel::train(
            &pages,
            &features,
            params.classifier,
            self.max_pages,
            &self.sources,
        )
    }
}
