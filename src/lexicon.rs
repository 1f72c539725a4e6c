//! Lexical evidence: naive-Bayes log-likelihoods of hashed token n-grams per label, learned from
//! the training units. A unit's text, its block, its neighbours and its whole page are each
//! scored with it, and those few numbers become features of the classifier (as in NBSVM, Wang &
//! Manning 2012). This keeps the vocabulary as large as the data wants while the dense matrix
//! linfa fits stays narrow.

use crate::types::Label;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const K: usize = Label::COUNT;

/// Per-key label weights: ln P(key | label) minus its mean over the labels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lexicon {
    /// Sorted, distinct.
    keys: Vec<u32>,
    weights: Vec<[f32; K]>,
}

/// Options of the lexicon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LexiconOptions {
    /// Keys seen in fewer training units than this are dropped.
    pub min_count: u32,
    /// Additive (Laplace) smoothing of the counts.
    pub smoothing: f32,
}

impl Default for LexiconOptions {
    fn default() -> Self {
        LexiconOptions {
            min_count: 1,
            smoothing: 0.2,
        }
    }
}

impl Lexicon {
    /// Counts each key once per example.
    pub fn fit<'a>(
        examples: impl Iterator<Item = (&'a [u32], Label)>,
        options: LexiconOptions,
    ) -> Lexicon {
        let mut counts: HashMap<u32, [u32; K]> = HashMap::new();
        let mut seen = Vec::new();
        for (keys, label) in examples {
            seen.clear();
            seen.extend_from_slice(keys);
            seen.sort_unstable();
            seen.dedup();
            for &key in &seen {
                counts.entry(key).or_default()[label.index()] += 1;
            }
        }
        counts.retain(|_, c| c.iter().sum::<u32>() >= options.min_count);
        let mut totals = [0f64; K];
        for c in counts.values() {
            for k in 0..K {
                totals[k] += f64::from(c[k]);
            }
        }
        let a = f64::from(options.smoothing);
        let v = counts.len() as f64;
        let mut keys: Vec<u32> = counts.keys().copied().collect();
        keys.sort_unstable();
        let weights = keys
            .iter()
            .map(|key| {
                let c = counts[key];
                let logp: [f64; K] =
                    std::array::from_fn(|k| ((f64::from(c[k]) + a) / (totals[k] + a * v)).ln());
                let mean = logp.iter().sum::<f64>() / K as f64;
                logp.map(|l| (l - mean) as f32)
            })
            .collect();
        Lexicon { keys, weights }
    }

    /// Number of keys kept.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The weights of one key, if it was kept.
    pub fn weight(&self, key: u32) -> Option<[f32; K]> {
        self.keys.binary_search(&key).ok().map(|i| self.weights[i])
    }

    /// Mean weight per label over the known keys (zeros when none is known).
    pub fn score(&self, keys: &[u32]) -> [f32; K] {
        let mut sum = [0f32; K];
        let mut known = 0;
        for &key in keys {
            if let Some(w) = self.weight(key) {
                known += 1;
                for k in 0..K {
                    sum[k] += w[k];
                }
            }
        }
        if known > 0 {
            sum.map(|s| s / known as f32)
        } else {
            sum
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_lean_towards_the_label_they_occur_with() {
        let promo: &[u32] = &[1, 2];
        let edu: &[u32] = &[3, 2];
        let examples = std::iter::repeat_n((promo, Label::Promotion), 5)
            .chain(std::iter::repeat_n((edu, Label::Education), 5));
        let lex = Lexicon::fit(examples, LexiconOptions::default());
        assert_eq!(lex.len(), 3);
        let w1 = lex.weight(1).unwrap();
        assert!(w1[Label::Promotion.index()] > w1[Label::Education.index()]);
        let s = lex.score(&[3, 99]);
        assert!(s[Label::Education.index()] > s[Label::Promotion.index()]);
        assert_eq!(lex.score(&[99]), [0.0; K]);
        assert!((w1.iter().sum::<f32>()).abs() < 1e-5, "weights are centred");
    }

    #[test]
    fn rare_keys_are_dropped() {
        let once: &[u32] = &[7];
        let options = LexiconOptions {
            min_count: 2,
            ..LexiconOptions::default()
        };
        let lex = Lexicon::fit(std::iter::once((once, Label::Boilerplate)), options);
        assert!(lex.is_empty());
    }
}
