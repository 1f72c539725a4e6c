//! Cross-validation: models trained on some folds of the gold pages (tokenizer and, when asked,
//! content model included) label the held-out fold, and [`crate::eval`] scores the held-out
//! predictions. Above both training and evaluation.

use crate::content::{ContentModel, ContentPage};
use crate::error::ModelError;
use crate::eval::{evaluate, EvalReport};
use crate::features::FeatureExtractor;
use crate::label::Labeler;
use crate::self_train::SelfTraining;
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
/// Folds run in parallel. Returns the report and the held-out predictions, in gold order, and
/// the held-out pages the models refused ([`Validated`]).
pub fn cross_validate_folds(
    gold: &[GoldPage],
    train_also: &[GoldPage],
    params: &TrainParams,
    folds: Folds,
    content: Option<&ContentTraining>,
) -> Result<Validated, ModelError> {
    cross_validate_weighted(gold, 1, train_also, params, folds, content, None)
}

/// [`cross_validate_folds`] with the gold pages of every training side repeated `gold_repeat`
/// times (as a model trained on them repeated would see them: `scripts/train_default.sh` gives
/// the written pages six times their weight). Held-out pages are labelled and scored once.
/// With `self_training`, each fold's model pseudo-labels those pages (none of a held-out site)
/// and is trained again with them ([`crate::self_train`]).
pub fn cross_validate_weighted(
    gold: &[GoldPage],
    gold_repeat: usize,
    train_also: &[GoldPage],
    params: &TrainParams,
    folds: Folds,
    content: Option<&ContentTraining>,
    self_training: Option<&SelfTraining>,
) -> Result<Validated, ModelError> {
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
            let train_set = training_side(gold, &fold_of, f, gold_repeat, train_also, &held_sites);
            let mut params = params.clone();
            params.progress = crate::progress::Progress::default();
            if let Some(content) = content {
                params.content = Some(std::sync::Arc::new(content.train(&held_sites, &params)?));
            }
            let labeler = match self_training {
                Some(st) => {
                    // No gold page (held out or not) is pseudo-labelled: their ids are skipped.
                    let first = train_labeler(&train_set, &params)?;
                    let pseudo = st.pseudo_gold_for(&first, &[gold, train_also], &held_sites);
                    drop(first);
                    let mut train_set = train_set;
                    train_set.extend(pseudo);
                    train_labeler(&train_set, &params)?
                }
                None => train_labeler(&train_set, &params)?,
            };
            // Repetition counts come from the held-out pages as one batch (for leave-one-out,
            // from the whole gold set, as before).
            let batch: Vec<&crate::types::Page> = if folds == Folds::LeaveOneOut {
                gold.iter().map(|g| &g.page).collect()
            } else {
                held.iter().map(|&i| &gold[i].page).collect()
            };
            let (_, repeats) = labeler.pipeline.segment_batch(&batch);
            // A held-out page the model refuses (one cut into more blocks than a page may
            // have) is set aside, as `eval` sets it aside: the fold's other pages still count.
            let (mut labelled, mut refused) = (Vec::new(), Vec::new());
            for &i in &held {
                match labeler.label_page(&gold[i].page, &repeats) {
                    Ok(page) => labelled.push((i, page)),
                    Err(e) => refused.push((i, e)),
                }
            }
            // Counted and told under one lock, so the messages come in order.
            if let Ok(mut done) = done.lock() {
                *done += 1;
                params_progress.say(&format!("fold {} of {k} done", *done));
            }
            Ok((labelled, refused))
        })
        .collect::<Result<Vec<_>, ModelError>>()?;
    Ok(assemble(gold, by_fold))
}

/// One fold's held-out pages: those labelled and those refused, by index into the gold pages.
type FoldResult = (Vec<(usize, LabelledPage)>, Vec<(usize, ModelError)>);

/// The folds' held-out labels and refusals put back in gold order and scored (the refused
/// pages left out of the scores).
fn assemble(gold: &[GoldPage], by_fold: Vec<FoldResult>) -> Validated {
    let mut predicted: Vec<Option<LabelledPage>> = vec![None; gold.len()];
    let mut refused = Vec::new();
    for (labelled, set_aside) in by_fold {
        for (i, page) in labelled {
            predicted[i] = Some(page);
        }
        refused.extend(set_aside);
    }
    refused.sort_by_key(|&(i, _)| i);
    let report = if refused.is_empty() {
        None
    } else {
        let (scored, labelled): (Vec<GoldPage>, Vec<LabelledPage>) = gold
            .iter()
            .zip(&predicted)
            .filter_map(|(g, p)| p.clone().map(|p| (g.clone(), p)))
            .unzip();
        Some(evaluate(&scored, &labelled))
    };
    let predicted: Vec<LabelledPage> = predicted.into_iter().flatten().collect();
    Validated {
        report: report.unwrap_or_else(|| evaluate(gold, &predicted)),
        predicted,
        refused,
    }
}

/// What cross-validation gives back.
#[derive(Debug)]
pub struct Validated {
    /// The scores of the held-out pages that were labelled.
    pub report: EvalReport,
    /// Their labels, in gold order (without the refused pages).
    pub predicted: Vec<LabelledPage>,
    /// Held-out pages their fold's model refused, by index into the gold pages, with why.
    pub refused: Vec<(usize, ModelError)>,
}

/// The pages fold `f` trains on: the other folds' gold pages, each `gold_repeat` times, and the
/// `train_also` pages of no held-out site.
fn training_side(
    gold: &[GoldPage],
    fold_of: &[usize],
    f: usize,
    gold_repeat: usize,
    train_also: &[GoldPage],
    held_sites: &HashSet<String>,
) -> Vec<GoldPage> {
    gold.iter()
        .zip(fold_of)
        .filter(|&(_, &fold)| fold != f)
        .flat_map(|(g, _)| std::iter::repeat_n(g, gold_repeat.max(1)))
        .chain(
            train_also
                .iter()
                .filter(|g| g.page.url.is_none() || !held_sites.contains(&site_of(&g.page))),
        )
        .cloned()
        .collect()
}

/// Leave-one-document-out cross-validation (see [`cross_validate_folds`]).
pub fn cross_validate(
    gold: &[GoldPage],
    train_also: &[GoldPage],
    params: &TrainParams,
) -> Result<Validated, ModelError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Page;

    fn page(id: &str, url: Option<&str>) -> GoldPage {
        let page = Page {
            id: id.to_string(),
            url: url.map(str::to_string),
            ..Page::default()
        };
        GoldPage::new(page, Vec::new())
    }

    #[test]
    fn the_training_side_repeats_other_folds_and_drops_held_out_sites() {
        let gold = vec![page("a", None), page("b", None), page("c", None)];
        let fold_of = vec![0, 1, 1];
        let also = vec![
            page("x", Some("https://www.held.example/p")),
            page("y", Some("https://other.example/")),
            page("z", None),
        ];
        let held: HashSet<String> = ["held.example".to_string()].into();
        let ids = |side: Vec<GoldPage>| side.into_iter().map(|g| g.page.id).collect::<Vec<_>>();
        assert_eq!(
            ids(training_side(&gold, &fold_of, 0, 3, &also, &held)),
            ["b", "b", "b", "c", "c", "c", "y", "z"]
        );
        assert_eq!(
            ids(training_side(&gold, &fold_of, 1, 1, &also, &held)),
            ["a", "y", "z"]
        );
    }
}
