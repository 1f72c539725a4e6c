//! Evaluation at byte level (`ANNOTATION.md`, "Scoring"): every non-whitespace byte a gold span
//! covers is one example; per-label precision, recall and F1, their macro average, a confusion
//! matrix, and how far the predicted promotion share is from the gold share. Cross-validation,
//! which trains models to score, is in [`crate::cv`].

use crate::metrics::{f1_of_precision_recall, PromotionBytes};
use crate::types::{GoldPage, Label, LabelledPage, Span};
use serde::Serialize;
use std::fmt;

pub use crate::metrics::Confusion;

const K: usize = Label::COUNT;

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LabelScore {
    /// The label scored.
    pub label: Label,
    /// Share of the bytes predicted with the label that have it in the gold.
    pub precision: f64,
    /// Share of the gold bytes with the label that are predicted with it.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Gold bytes with the label.
    pub gold_bytes: u64,
}

/// The result of `eval` or `cv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    /// Pages scored.
    pub pages: usize,
    /// Scores of each label, in label order.
    pub labels: Vec<LabelScore>,
    /// Mean of the labels' F1.
    pub macro_f1: f64,
    /// Share of the gold bytes predicted with their gold label.
    pub accuracy: f64,
    /// Mean absolute difference between predicted and gold promotion share per page.
    pub promotion_share_mae: f64,
    /// Byte counts over all pages (rows gold, columns predicted).
    pub confusion: Confusion,
    /// One row per page, in input order.
    pub per_page: Vec<PageScore>,
}

/// How one page fared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageScore {
    /// The page's id.
    pub id: String,
    /// Share of the page's gold bytes predicted with their gold label.
    pub accuracy: f64,
    /// Promotion share of the page's gold spans.
    pub gold_promotion_share: f64,
    /// Promotion share of the predicted spans.
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
    let text = &gold.page.text;
    PromotionBytes::of(
        gold.spans
            .iter()
            .map(|(range, label)| (range.slice(text), *label)),
    )
    .share_f64()
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
            let f1 = f1_of_precision_recall(precision, recall);
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
