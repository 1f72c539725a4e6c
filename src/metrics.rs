//! The scores pagesift is judged by, in one place: F1, byte confusion counts and the promotion
//! share of a page. Evaluation, training (class weights) and the content model (its threshold)
//! all score with these.

use crate::types::Label;
use serde::Serialize;

const K: usize = Label::COUNT;

/// F1 from counts: `2·tp / (gold + predicted)`, and 0 when nothing is right (`tp` is 0).
/// Generic over the number type, so that byte counts in `f64` and word weights in `f32` are
/// each summed and divided in their own precision.
pub(crate) fn f1_of_counts<T>(tp: T, gold: T, predicted: T) -> T
where
    T: Copy + PartialEq + From<u8> + std::ops::Add<Output = T>,
    T: std::ops::Mul<Output = T> + std::ops::Div<Output = T>,
{
    if tp == T::from(0) {
        T::from(0)
    } else {
        T::from(2) * tp / (gold + predicted)
    }
}

/// F1 as the harmonic mean of a precision and a recall (0 when both are 0).
pub(crate) fn f1_of_precision_recall(precision: f64, recall: f64) -> f64 {
    if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}

/// The sum of the per-label F1 (divide by [`Label::COUNT`] for the macro average) of a square
/// confusion matrix (rows gold, columns predicted).
pub(crate) fn f1_sum(c: &[[f64; K]; K]) -> f64 {
    (0..K)
        .map(|k| {
            let gold: f64 = c[k].iter().sum();
            let predicted: f64 = (0..K).map(|g| c[g][k]).sum();
            f1_of_counts(c[k][k], gold, predicted)
        })
        .sum::<f64>()
}

/// Byte counts: rows are gold labels, columns predicted labels, the last column "no label".
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Confusion {
    /// `counts[gold][predicted]`, in bytes; `counts[gold][Label::COUNT]`: gold bytes no
    /// predicted span covers.
    pub counts: [[u64; K + 1]; K],
}

impl Confusion {
    /// Adds another page's counts to these.
    pub fn add(&mut self, other: &Confusion) {
        for g in 0..K {
            for p in 0..=K {
                self.counts[g][p] += other.counts[g][p];
            }
        }
    }
}

/// Promotion bytes and labelled bytes (non-whitespace only) of a page's stretches, given as
/// their text and label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PromotionBytes {
    /// Non-whitespace bytes labelled promotion.
    pub promotion: usize,
    /// Non-whitespace bytes labelled at all.
    pub all: usize,
}

impl PromotionBytes {
    /// Counts the stretches' non-whitespace bytes.
    pub(crate) fn of<'a>(stretches: impl IntoIterator<Item = (&'a str, Label)>) -> Self {
        let mut counts = PromotionBytes::default();
        for (text, label) in stretches {
            let n = crate::types::non_whitespace_bytes(text);
            counts.all += n;
            if label == Label::Promotion {
                counts.promotion += n;
            }
        }
        counts
    }

    /// The promotion share in `f32` (0 for a page without labelled bytes).
    pub(crate) fn share_f32(self) -> f32 {
        if self.all == 0 {
            0.0
        } else {
            self.promotion as f32 / self.all as f32
        }
    }

    /// The promotion share in `f64` (0 for a page without labelled bytes).
    pub(crate) fn share_f64(self) -> f64 {
        if self.all == 0 {
            0.0
        } else {
            self.promotion as f64 / self.all as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_from_counts_and_from_precision_and_recall() {
        assert_eq!(f1_of_counts(0.0f64, 3.0, 4.0), 0.0);
        assert_eq!(f1_of_counts(2.0f32, 4.0, 4.0), 0.5);
        assert_eq!(f1_of_precision_recall(0.0, 0.0), 0.0);
        assert!((f1_of_precision_recall(0.5, 0.5) - 0.5).abs() < 1e-12);
        let perfect = [[2.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 1.0]];
        assert_eq!(f1_sum(&perfect), 3.0);
    }

    #[test]
    fn promotion_share_counts_non_whitespace_bytes() {
        let counts = PromotionBytes::of([("a b", Label::Promotion), ("cd", Label::Education)]);
        assert_eq!(
            counts,
            PromotionBytes {
                promotion: 2,
                all: 4
            }
        );
        assert_eq!(counts.share_f32(), 0.5);
        assert_eq!(PromotionBytes::default().share_f64(), 0.0);
    }
}
