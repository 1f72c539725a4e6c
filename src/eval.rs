//! Evaluation at byte level (`ANNOTATION.md`, "Scoring"): every non-whitespace byte a gold span
//! covers is one example; per-label precision, recall and F1, their macro average, a confusion
//! matrix, and how far the predicted promotion share is from the gold share. Also
//! leave-one-document-out cross-validation.

use crate::error::ModelError;
use crate::train::{train_labeler, TrainParams};
use crate::types::{GoldPage, Label, LabelledPage, Span};
use rayon::prelude::*;
use serde::Serialize;
use std::fmt;

const K: usize = Label::COUNT;

/// Byte counts: rows are gold labels, columns predicted labels, the last column "no label".
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Confusion {
    pub counts: [[u64; K + 1]; K],
}

impl Confusion {
    pub fn add(&mut self, other: &Confusion) {
        for g in 0..K {
            for p in 0..=K {
                self.counts[g][p] += other.counts[g][p];
            }
        }
    }
}

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LabelScore {
    pub label: Label,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub gold_bytes: u64,
}

/// The result of `eval` or `cv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    pub pages: usize,
    pub labels: Vec<LabelScore>,
    pub macro_f1: f64,
    pub accuracy: f64,
    /// Mean absolute difference between predicted and gold promotion share per page.
    pub promotion_share_mae: f64,
    pub confusion: Confusion,
    /// One row per page, in input order.
    pub per_page: Vec<PageScore>,
}

/// How one page fared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageScore {
    pub id: String,
    pub accuracy: f64,
    pub gold_promotion_share: f64,
    pub predicted_promotion_share: f64,
    /// The page's byte counts (rows gold, columns predicted), for scores over any subset.
    pub confusion: Confusion,
}

/// Confusion counts of one page.
pub fn score_page(gold: &GoldPage, predicted: &[Span]) -> Confusion {
    let text = gold.page.text.as_bytes();
    let mut pred = vec![K as u8; text.len()];
    for span in predicted {
        pred[span.range.start..span.range.end.min(text.len())].fill(span.label.index() as u8);
    }
    let mut c = Confusion::default();
    for (range, label) in &gold.spans {
        for (i, ch) in gold.page.text[range.start..range.end].char_indices() {
            if !ch.is_whitespace() {
                let at = range.start + i;
                c.counts[label.index()][pred[at] as usize] += ch.len_utf8() as u64;
            }
        }
    }
    for (k, &lost) in gold.unaligned.iter().enumerate() {
        c.counts[k][K] += lost;
    }
    c
}

fn gold_promotion_share(gold: &GoldPage) -> f64 {
    let mut promo = 0usize;
    let mut all = 0usize;
    for (range, label) in &gold.spans {
        let n = crate::types::non_whitespace_bytes(range.slice(&gold.page.text));
        all += n;
        if *label == Label::Promotion {
            promo += n;
        }
    }
    if all == 0 {
        0.0
    } else {
        promo as f64 / all as f64
    }
}

/// Scores predicted pages against gold pages (same order).
pub fn evaluate(gold: &[GoldPage], predicted: &[LabelledPage]) -> EvalReport {
    let mut confusion = Confusion::default();
    let mut per_page = Vec::with_capacity(gold.len());
    for (g, p) in gold.iter().zip(predicted) {
        let page = score_page(g, &p.spans);
        let total: u64 = page.counts.iter().flatten().sum();
        let correct: u64 = (0..K).map(|k| page.counts[k][k]).sum();
        per_page.push(PageScore {
            id: g.page.id.clone(),
            accuracy: if total == 0 {
                0.0
            } else {
                correct as f64 / total as f64
            },
            gold_promotion_share: gold_promotion_share(g),
            predicted_promotion_share: f64::from(p.promotion_share),
            confusion: page.clone(),
        });
        confusion.add(&page);
    }
    report(confusion, per_page)
}

fn report(confusion: Confusion, per_page: Vec<PageScore>) -> EvalReport {
    let pages = per_page.len();
    let share_error: f64 = per_page
        .iter()
        .map(|p| (p.gold_promotion_share - p.predicted_promotion_share).abs())
        .sum();
    let c = &confusion.counts;
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let labels: Vec<LabelScore> = Label::ALL
        .iter()
        .map(|&label| {
            let k = label.index();
            let tp = c[k][k];
            let gold: u64 = c[k].iter().sum();
            let predicted: u64 = (0..K).map(|g| c[g][k]).sum();
            let precision = ratio(tp, predicted);
            let recall = ratio(tp, gold);
            let f1 = if precision + recall == 0.0 {
                0.0
            } else {
                2.0 * precision * recall / (precision + recall)
            };
            LabelScore {
                label,
                precision,
                recall,
                f1,
                gold_bytes: gold,
            }
        })
        .collect();
    let total: u64 = c.iter().flatten().sum();
    let correct: u64 = (0..K).map(|k| c[k][k]).sum();
    EvalReport {
        pages,
        macro_f1: labels.iter().map(|l| l.f1).sum::<f64>() / K as f64,
        accuracy: ratio(correct, total),
        promotion_share_mae: if pages == 0 {
            0.0
        } else {
            share_error / pages as f64
        },
        labels,
        confusion,
        per_page,
    }
}

/// How cross-validation splits the gold pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folds {
    /// Each page is held out alone (leave-one-document-out).
    LeaveOneOut,
    /// `k` folds; all the pages of a site are in one fold (see [`site_of`]).
    BySite(usize),
    /// `k` folds of pages, in turn.
    ByPage(usize),
}

/// A page's site: its URL's host, lower-cased, without `www.` and port; the page id when it has
/// no URL (so a page without one is a site of its own).
pub fn site_of(page: &crate::types::Page) -> String {
    let host = page.url.as_deref().and_then(|url| {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
        (!host.is_empty()).then_some(host)
    });
    host.unwrap_or_else(|| page.id.clone())
}

/// The fold of each gold page. Sites go to folds largest first, each to the fold with the fewest
/// pages so far (ties to the lower fold), so folds are balanced and the split is deterministic.
pub fn assign_folds(gold: &[GoldPage], folds: Folds) -> Vec<usize> {
    match folds {
        Folds::LeaveOneOut => (0..gold.len()).collect(),
        Folds::ByPage(k) => (0..gold.len()).map(|i| i % k.max(1)).collect(),
        Folds::BySite(k) => {
            let k = k.max(1);
            let sites: Vec<String> = gold.iter().map(|g| site_of(&g.page)).collect();
            let mut sizes: std::collections::BTreeMap<&str, usize> = Default::default();
            for s in &sites {
                *sizes.entry(s).or_default() += 1;
            }
            let mut order: Vec<(&str, usize)> = sizes.into_iter().collect();
            order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let mut load = vec![0usize; k];
            let mut fold_of_site = std::collections::HashMap::new();
            for (site, n) in order {
                let f = (0..k).min_by_key(|&f| (load[f], f)).unwrap_or(0);
                load[f] += n;
                fold_of_site.insert(site, f);
            }
            sites.iter().map(|s| fold_of_site[s.as_str()]).collect()
        }
    }
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
            let held_sites: std::collections::HashSet<String> =
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
    pub pages: Vec<crate::content::ContentPage>,
    pub max_pages: usize,
    pub sources: Vec<String>,
}

impl ContentTraining {
    fn train(
        &self,
        held_sites: &std::collections::HashSet<String>,
        params: &TrainParams,
    ) -> Result<crate::content::ContentModel, ModelError> {
        let pages: Vec<crate::content::ContentPage> = self
            .pages
            .iter()
            .filter(|p| !held_sites.contains(&site_of(&p.page)))
            .cloned()
            .collect();
        let features = crate::features::FeatureExtractor::builder()
            .options(params.features)
            .build()?;
        crate::content::ContentModel::train(
            &pages,
            &features,
            params.classifier,
            self.max_pages,
            &self.sources,
        )
    }
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "pages: {}   (scores over non-whitespace bytes)",
            self.pages
        )?;
        writeln!(
            f,
            "{:<12} {:>9} {:>9} {:>9} {:>11}",
            "label", "precision", "recall", "f1", "gold bytes"
        )?;
        for l in &self.labels {
            writeln!(
                f,
                "{:<12} {:>9.3} {:>9.3} {:>9.3} {:>11}",
                l.label.as_str(),
                l.precision,
                l.recall,
                l.f1,
                l.gold_bytes
            )?;
        }
        writeln!(
            f,
            "macro-F1 {:.3}   accuracy {:.3}   promotion-share MAE {:.3}",
            self.macro_f1, self.accuracy, self.promotion_share_mae
        )?;
        writeln!(f, "confusion (rows gold, columns predicted, bytes):")?;
        writeln!(
            f,
            "{:<12} {:>11} {:>11} {:>11} {:>11}",
            "", "education", "promotion", "boilerplate", "unlabelled"
        )?;
        for label in Label::ALL {
            let row = &self.confusion.counts[label.index()];
            writeln!(
                f,
                "{:<12} {:>11} {:>11} {:>11} {:>11}",
                label.as_str(),
                row[0],
                row[1],
                row[2],
                row[3]
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ByteRange, Origin, Page};

    fn gold() -> GoldPage {
        GoldPage {
            page: Page {
                id: "g".into(),
                origin: Origin {
                    path: "g".into(),
                    line: None,
                },
                text: "aaaa bb\ncc".into(),
                markup: None,
                ..Page::default()
            },
            spans: vec![
                (ByteRange::new(0, 4), Label::Education),
                (ByteRange::new(5, 10), Label::Promotion),
            ],
            unaligned: Default::default(),
        }
    }

    fn span(s: usize, e: usize, label: Label) -> Span {
        Span {
            range: ByteRange::new(s, e),
            source: None,
            label,
            score: 1.0,
            text: String::new(),
            reasons: Vec::new(),
        }
    }

    #[test]
    fn site_folds_never_split_a_host() {
        let urls = [
            Some("https://www.clinic.example/a"),
            Some("http://clinic.example:8080/b?x=1"),
            Some("https://CLINIC.example"),
            Some("https://blog.clinic.example/post"),
            Some("https://shop.example/p/1"),
            Some("https://user@shop.example/p/2"),
            None,
            None,
            Some("https://news.example/story"),
            Some("https://other.example/"),
            Some("https://other.example/2"),
        ];
        let pages: Vec<GoldPage> = urls
            .iter()
            .enumerate()
            .map(|(i, url)| {
                let mut g = gold();
                g.page.id = format!("p{i}");
                g.page.url = url.map(str::to_string);
                g
            })
            .collect();
        assert_eq!(site_of(&pages[1].page), "clinic.example");
        assert_eq!(site_of(&pages[3].page), "blog.clinic.example");
        assert_eq!(site_of(&pages[6].page), "p6", "no URL: a site of its own");
        for k in [2, 3, 5] {
            let folds = assign_folds(&pages, Folds::BySite(k));
            for (i, a) in pages.iter().enumerate() {
                for (j, b) in pages.iter().enumerate() {
                    if site_of(&a.page) == site_of(&b.page) {
                        assert_eq!(folds[i], folds[j], "k={k}: pages {i} and {j} split");
                    }
                }
            }
            // Balanced: the largest site has 3 pages, so no fold is emptier than it must be.
            let mut load = vec![0; k];
            folds.iter().for_each(|&f| load[f] += 1);
            assert!(load.iter().all(|&n| n > 0), "k={k}: {load:?}");
        }
        assert_eq!(
            assign_folds(&pages, Folds::LeaveOneOut),
            (0..pages.len()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn perfect_prediction_scores_one() {
        let g = gold();
        let page = LabelledPage {
            id: "g".into(),
            promotion_share: 0.5,
            spans: vec![span(0, 4, Label::Education), span(5, 10, Label::Promotion)],
            ..LabelledPage::default()
        };
        let r = evaluate(&[g], &[page]);
        assert_eq!(r.labels[0].f1, 1.0);
        assert_eq!(r.labels[1].f1, 1.0);
        assert_eq!(r.confusion.counts[1][1], 4, "whitespace is not scored");
        assert_eq!(r.promotion_share_mae, 0.0);
    }

    #[test]
    fn errors_and_gaps_are_counted_per_byte() {
        let g = gold();
        // "bb" predicted education, "cc" left unlabelled.
        let page = LabelledPage {
            id: "g".into(),
            promotion_share: 0.0,
            spans: vec![span(0, 7, Label::Education)],
            ..LabelledPage::default()
        };
        let r = evaluate(&[g], &[page]);
        assert_eq!(r.confusion.counts[1], [2, 0, 0, 2]);
        assert!((r.labels[0].precision - 4.0 / 6.0).abs() < 1e-9);
        assert_eq!(r.labels[0].recall, 1.0);
        assert_eq!(r.labels[1].recall, 0.0);
        assert_eq!(r.labels[2].f1, 0.0);
        assert!((r.promotion_share_mae - 0.5).abs() < 1e-9);
    }
}
