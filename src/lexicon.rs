//! Lexical evidence: naive-Bayes log-likelihoods of hashed token n-grams per label, learned from
//! the training units. A unit's text, its block, its neighbours and its whole page are each
//! scored with it, and those few numbers become features of the classifier (as in NBSVM, Wang &
//! Manning 2012). This keeps the vocabulary as large as the data wants while the dense matrix
//! linfa fits stays narrow.

use crate::types::Label;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const K: usize = Label::COUNT;

/// Per-key label weights: ln P(key | label) minus its mean over the labels.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lexicon {
    /// Per key: the naive-Bayes weights, then the discriminative model's logit weights (see
    /// [`Lexicon::fit_model`]; zeros until it is fitted). One table, so a key is looked up once.
    weights: HashMap<u32, Entry, BuildHasherDefault<KeyHasher>>,
    /// The discriminative model's intercepts.
    model_bias: [f32; K],
}

/// A key's naive-Bayes weights and model weights.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Entry {
    nb: [f32; K],
    model: [f32; K],
}

/// How a lexicon is stored: keys sorted, so saved files are stable.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    keys: Vec<u32>,
    weights: Vec<[f32; K]>,
    // A lexicon without a discriminative model (the content model's) has none of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    model_keys: Vec<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    model_weights: Vec<[f32; K]>,
    #[serde(default, skip_serializing_if = "is_zero")]
    model_bias: [f32; K],
}

fn is_zero(bias: &[f32; K]) -> bool {
    bias.iter().all(|&b| b == 0.0)
}

fn sorted_pairs(
    map: &HashMap<u32, Entry, BuildHasherDefault<KeyHasher>>,
    part: impl Fn(&Entry) -> Option<[f32; K]>,
) -> (Vec<u32>, Vec<[f32; K]>) {
    let mut pairs: Vec<(u32, [f32; K])> = map
        .iter()
        .filter_map(|(k, e)| part(e).map(|w| (*k, w)))
        .collect();
    pairs.sort_unstable_by_key(|(k, _)| *k);
    pairs.into_iter().unzip()
}

impl Serialize for Lexicon {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (keys, weights) = sorted_pairs(&self.weights, |e| Some(e.nb));
        // Keys no training example touched have no model weights and are not written.
        let (model_keys, model_weights) =
            sorted_pairs(&self.weights, |e| (e.model != [0.0; K]).then_some(e.model));
        LexiconFile {
            keys,
            weights,
            model_keys,
            model_weights,
            model_bias: self.model_bias,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Lexicon {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let file = LexiconFile::deserialize(deserializer)?;
        Lexicon::from_parts(
            &file.keys,
            &file.weights,
            &file.model_keys,
            &file.model_weights,
            file.model_bias,
        )
        .map_err(serde::de::Error::custom)
    }
}

/// Start of [`Lexicon::from_binary`]'s format (the built-in model's lexicons, written by
/// `build.rs`).
pub const BINARY_MAGIC: &[u8; 8] = b"PSLEX\x002\n";

impl Lexicon {
    /// The lexicon of a saved file's parts (see [`LexiconFile`]), checked: keys and weights of
    /// equal lengths, every weight finite, every model key a key of the lexicon.
    fn from_parts(
        keys: &[u32],
        weights: &[[f32; K]],
        model_keys: &[u32],
        model_weights: &[[f32; K]],
        model_bias: [f32; K],
    ) -> Result<Lexicon, &'static str> {
        if keys.len() != weights.len() || model_keys.len() != model_weights.len() {
            return Err("lexicon keys and weights differ in length");
        }
        let finite = |w: &[f32; K]| w.iter().all(|v| v.is_finite());
        if !(weights.iter().all(finite) && model_weights.iter().all(finite) && finite(&model_bias))
        {
            return Err("lexicon weights must be finite");
        }
        // Saved files list both key lists in ascending order (see `sorted_pairs`): then the
        // model weights join their entries in one merge pass, where a lookup per model key
        // (300,000 random probes of a 15 MB table) took a twelfth of the start-up time. A model
        // key left over (from a file in another order, or with no entry) is looked up.
        let ascending = |keys: &[u32]| keys.windows(2).all(|w| w[0] < w[1]);
        let merge = ascending(keys) && ascending(model_keys);
        let mut model = model_keys.iter().zip(model_weights).peekable();
        let mut weights: HashMap<u32, Entry, BuildHasherDefault<KeyHasher>> = keys
            .iter()
            .zip(weights)
            .map(|(&k, &nb)| {
                let joined = model.next_if(|&(&m, _)| merge && m == k);
                let model = joined.map_or([0.0; K], |(_, &w)| w);
                (k, Entry { nb, model })
            })
            .collect();
        for (k, &model) in model {
            match weights.get_mut(k) {
                Some(entry) => entry.model = model,
                None => return Err("a model key of the lexicon has no lexicon entry"),
            }
        }
        Ok(Lexicon {
            weights,
            model_bias,
        })
    }

    /// A lexicon from its binary form: [`BINARY_MAGIC`], a little-endian `u32` count of the
    /// entries, each entry as `1 + 2 * K` little-endian `u32`s (its key, the bits of its
    /// naive-Bayes weights and of its model weights, zeros for none), then the bits of the `K`
    /// model intercepts. The numbers are the very bits `model.json`'s parse gives (`build.rs`
    /// writes them from that parse), so the lexicon is the same; only the 600,000 JSON number
    /// arrays are not parsed again at every start. `build.rs` writes the entries in the order of
    /// their home bucket in the table, so that filling the table walks its memory once in order
    /// rather than at random (a third of the start-up time).
    pub fn from_binary(bytes: &[u8]) -> Result<Lexicon, &'static str> {
        const BAD: &str = "the binary lexicon is cut short or damaged";
        const RECORD: usize = 4 * (1 + 2 * K);
        let rest = bytes.strip_prefix(&BINARY_MAGIC[..]).ok_or(BAD)?;
        let word = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let float = |b: &[u8], i: usize| f32::from_bits(word(b, i));
        if rest.len() < 4 {
            return Err(BAD);
        }
        let n = word(rest, 0) as usize;
        if rest.len() != 4 + n * RECORD + 4 * K {
            return Err(BAD);
        }
        let (records, bias) = rest[4..].split_at(n * RECORD);
        let model_bias: [f32; K] = std::array::from_fn(|c| float(bias, 4 * c));
        let finite = |w: &[f32; K]| w.iter().all(|v| v.is_finite());
        let mut weights: HashMap<u32, Entry, BuildHasherDefault<KeyHasher>> =
            HashMap::with_capacity_and_hasher(n, BuildHasherDefault::default());
        for record in records.chunks_exact(RECORD) {
            let nb: [f32; K] = std::array::from_fn(|c| float(record, 4 * (1 + c)));
            let model: [f32; K] = std::array::from_fn(|c| float(record, 4 * (1 + K + c)));
            if !(finite(&nb) && finite(&model)) {
                return Err("lexicon weights must be finite");
            }
            if weights
                .insert(word(record, 0), Entry { nb, model })
                .is_some()
            {
                return Err(BAD);
            }
        }
        if !finite(&model_bias) {
            return Err("lexicon weights must be finite");
        }
        Ok(Lexicon {
            weights,
            model_bias,
        })
    }
}

/// Keys are already FNV hashes: use them as they are instead of hashing them again.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u32(&mut self, n: u32) {
        // Spread the bits over the whole word: the table uses the top bits for control bytes.
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn softmax(logits: [f32; K]) -> [f32; K] {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e = logits.map(|l| (l - max).exp());
    let sum: f32 = e.iter().sum();
    e.map(|v| v / sum)
}

/// Options of the lexicon's discriminative model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelOptions {
    /// Passes over the training examples.
    pub epochs: usize,
    /// AdaGrad's base step.
    pub rate: f32,
    /// L2 pull on each weight an example touches.
    pub l2: f32,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions {
            epochs: 4,
            rate: 0.3,
            l2: 1e-4,
        }
    }
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
        let weights = counts
            .into_iter()
            .map(|(key, c)| {
                let logp: [f64; K] =
                    std::array::from_fn(|k| ((f64::from(c[k]) + a) / (totals[k] + a * v)).ln());
                let mean = logp.iter().sum::<f64>() / K as f64;
                let nb = logp.map(|l| (l - mean) as f32);
                (
                    key,
                    Entry {
                        nb,
                        model: [0.0; K],
                    },
                )
            })
            .collect();
        Lexicon {
            weights,
            ..Lexicon::default()
        }
    }

    /// Fits the discriminative model over the keys the counts kept: multinomial logistic
    /// regression on each example's keys (binary, scaled by 1/√count), by AdaGrad over shuffled
    /// examples, with an L2 pull on the weights each example touches. Naive-Bayes weights count
    /// each key alone; these are learned together, so a key that only ever comes with another
    /// adds nothing of its own. `examples` are (keys, label, weight).
    pub fn fit_model(&mut self, examples: &[(&[u32], Label, f32)], options: ModelOptions) {
        let mut model: HashMap<u32, [f32; K], BuildHasherDefault<KeyHasher>> = HashMap::default();
        let mut squares: HashMap<u32, [f32; K], BuildHasherDefault<KeyHasher>> = HashMap::default();
        let mut bias = [0f32; K];
        let mut bias_squares = [1e-6f32; K];
        // Deterministic shuffles: a multiplicative permutation per epoch.
        let n = examples.len();
        let mut keys: Vec<u32> = Vec::new();
        for epoch in 0..options.epochs {
            let step = [7919usize, 104_729, 1_299_709, 15_485_863][epoch % 4];
            let step = if n > 0 && gcd(step, n) == 1 { step } else { 1 };
            for i in 0..n {
                let (example_keys, label, weight) = examples[(i * step + epoch) % n];
                keys.clear();
                keys.extend(
                    example_keys
                        .iter()
                        .copied()
                        .filter(|k| self.weights.contains_key(k)),
                );
                keys.sort_unstable();
                keys.dedup();
                if keys.is_empty() || weight <= 0.0 {
                    continue;
                }
                let x = 1.0 / (keys.len() as f32).sqrt();
                let mut logits = bias;
                for k in &keys {
                    if let Some(w) = model.get(k) {
                        for c in 0..K {
                            logits[c] += w[c] * x;
                        }
                    }
                }
                let p = softmax(logits);
                let g: [f32; K] = std::array::from_fn(|c| {
                    weight * (p[c] - if c == label.index() { 1.0 } else { 0.0 })
                });
                for c in 0..K {
                    bias_squares[c] += g[c] * g[c];
                    bias[c] -= options.rate * g[c] / bias_squares[c].sqrt();
                }
                for k in &keys {
                    let w = model.entry(*k).or_default();
                    let s = squares.entry(*k).or_insert([1e-6; K]);
                    for c in 0..K {
                        let gc = g[c] * x + options.l2 * w[c];
                        s[c] += gc * gc;
                        w[c] -= options.rate * gc / s[c].sqrt();
                    }
                }
            }
        }
        for (k, w) in model {
            if let Some(entry) = self.weights.get_mut(&k) {
                entry.model = w;
            }
        }
        self.model_bias = bias;
    }

    /// [`Lexicon::evidence`] of one key list and the discriminative model's label probabilities
    /// for it (the intercepts' alone when no key is known), in one pass.
    pub fn evidence_and_model(&self, keys: &[u32]) -> (Evidence, [f32; K]) {
        let mut e = Evidence::default();
        let mut sum = [0f32; K];
        for entry in keys.iter().filter_map(|k| self.weights.get(k)) {
            e.add_weight(&entry.nb);
            for (s, m) in sum.iter_mut().zip(&entry.model) {
                *s += m;
            }
        }
        let mut logits = self.model_bias;
        if e.known > 0 {
            // Keys are counted once in training; a repeated key here is rare and counted again.
            let x = 1.0 / (e.known as f32).sqrt();
            for c in 0..K {
                logits[c] += sum[c] * x;
            }
        }
        (e, softmax(logits))
    }

    /// Number of keys kept.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The weights of one key, if it was kept.
    pub fn weight(&self, key: u32) -> Option<[f32; K]> {
        self.weights.get(&key).map(|e| e.nb)
    }

    /// Summed weights over the known keys, and how many keys were known.
    pub fn evidence(&self, keys: &[u32]) -> Evidence {
        let mut e = Evidence::default();
        for entry in keys.iter().filter_map(|k| self.weights.get(k)) {
            e.add_weight(&entry.nb);
        }
        e
    }

    /// Mean weight per label over the known keys (zeros when none is known).
    pub fn score(&self, keys: &[u32]) -> [f32; K] {
        self.evidence(keys).mean()
    }

    /// [`Lexicon::score`] of each key list. A list equal to the one before it has its score
    /// (consecutive blocks of one element share their DOM keys, often dozens of them).
    pub fn scores(&self, key_lists: &[Vec<u32>]) -> Vec<[f32; K]> {
        let mut scores: Vec<[f32; K]> = Vec::with_capacity(key_lists.len());
        for (i, keys) in key_lists.iter().enumerate() {
            let score = match (i.checked_sub(1), scores.last()) {
                (Some(previous), Some(&score)) if key_lists[previous] == *keys => score,
                _ => self.score(keys),
            };
            scores.push(score);
        }
        scores
    }
}

/// Lexical evidence that adds up: blocks add up to a page without scoring its keys again.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Evidence {
    /// Summed weights of the known keys, per label.
    pub sum: [f32; K],
    /// Keys that were found in the lexicon.
    pub known: usize,
}

impl Evidence {
    /// Counts one known key's weights.
    pub fn add_weight(&mut self, weight: &[f32; K]) {
        self.known += 1;
        for (sum, w) in self.sum.iter_mut().zip(weight) {
            *sum += w;
        }
    }

    /// Adds another stretch's evidence (a block's to its page's).
    pub fn add(&mut self, other: &Evidence) {
        for (sum, other) in self.sum.iter_mut().zip(other.sum) {
            *sum += other;
        }
        self.known += other.known;
    }

    /// The summed evidence over the square root of its count: how much evidence there is, not
    /// only which way it leans (a long paragraph of furniture words is more surely furniture).
    pub fn total(&self) -> [f32; K] {
        if self.known == 0 {
            [0.0; K]
        } else {
            let scale = (self.known as f32).sqrt();
            self.sum.map(|s| (s / scale / 4.0).clamp(-2.0, 2.0))
        }
    }

    /// The mean weight of the known keys, per label (zeros when none is known).
    pub fn mean(&self) -> [f32; K] {
        if self.known == 0 {
            [0.0; K]
        } else {
            self.sum.map(|s| s / self.known as f32)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_of_key_lists_equal_their_scores_one_by_one() {
        let lexicon = Lexicon::fit(
            [
                (&[1u32, 2][..], Label::Education),
                (&[3u32][..], Label::Promotion),
            ]
            .into_iter(),
            LexiconOptions::default(),
        );
        let lists = vec![
            vec![1, 2],
            vec![1, 2],
            vec![3],
            vec![],
            vec![3, 9],
            vec![3, 9],
        ];
        let one_by_one: Vec<[f32; K]> = lists.iter().map(|k| lexicon.score(k)).collect();
        assert_eq!(lexicon.scores(&lists), one_by_one);
        assert_ne!(one_by_one[0], one_by_one[2]);
    }

    #[test]
    fn model_weights_join_their_keys_in_any_order() {
        let read = |json: &str| serde_json::from_str::<Lexicon>(json);
        let w = |x: f32| [x, 0.0, -x];
        let sorted = r#"{"keys":[1,5,9],"weights":[[1,0,-1],[2,0,-2],[3,0,-3]],
            "model_keys":[5,9],"model_weights":[[5,0,-5],[9,0,-9]]}"#;
        let lexicon = read(sorted).unwrap();
        let entry = |l: &Lexicon, k: u32| l.weights.get(&k).copied();
        assert_eq!(entry(&lexicon, 1).map(|e| e.model), Some([0.0; K]));
        assert_eq!(
            entry(&lexicon, 5).map(|e| (e.nb, e.model)),
            Some((w(2.0), w(5.0)))
        );
        assert_eq!(entry(&lexicon, 9).map(|e| e.model), Some(w(9.0)));
        // The same lexicon written in another order.
        let unsorted = r#"{"keys":[9,1,5],"weights":[[3,0,-3],[1,0,-1],[2,0,-2]],
            "model_keys":[9,5],"model_weights":[[9,0,-9],[5,0,-5]]}"#;
        assert_eq!(read(unsorted).unwrap(), lexicon);
        // A model key with no entry, before or among the others.
        for (model_keys, model_weights) in [
            ("[3,5]", "[[3,0,-3],[5,0,-5]]"),
            ("[5,7,9]", "[[5,0,-5],[7,0,-7],[9,0,-9]]"),
        ] {
            let json = format!(
                r#"{{"keys":[1,5,9],"weights":[[1,0,-1],[2,0,-2],[3,0,-3]],
                "model_keys":{model_keys},"model_weights":{model_weights}}}"#
            );
            let error = read(&json).unwrap_err().to_string();
            assert!(error.contains("has no lexicon entry"), "{error}");
        }
    }

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
        let again: Lexicon = serde_json::from_str(&serde_json::to_string(&lex).unwrap()).unwrap();
        assert_eq!(again, lex);
        assert_eq!(lex.score(&[99]), [0.0; K]);
        assert!((w1.iter().sum::<f32>()).abs() < 1e-5, "weights are centred");
    }

    #[test]
    fn the_total_grows_with_the_evidence_where_the_mean_does_not() {
        let promo: &[u32] = &[1];
        let examples = std::iter::repeat_n((promo, Label::Promotion), 5)
            .chain(std::iter::repeat_n((&[2u32][..], Label::Education), 5));
        let lex = Lexicon::fit(examples, LexiconOptions::default());
        let p = Label::Promotion.index();
        let one = lex.evidence(&[1]);
        let four = lex.evidence(&[1, 1, 1, 1]);
        assert!((one.mean()[p] - four.mean()[p]).abs() < 1e-6);
        // Four times the evidence: twice the total (sum over the square root of the count).
        assert!((four.total()[p] - 2.0 * one.total()[p]).abs() < 1e-5);
        assert!(one.total()[p] > 0.0);
        // Bounded, so a very long unit cannot dominate a row.
        let many = lex.evidence(&[1; 10_000]);
        assert!(many.total().iter().all(|v| v.abs() <= 2.0));
        assert_eq!(Evidence::default().total(), [0.0; K]);
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
