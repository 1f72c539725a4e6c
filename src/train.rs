//! Training: gold pages → tokenizer, unit labels, feature rows → classifier and transitions.

use crate::bundle::{ModelBundle, SegmenterConfig, TrainingInfo};
use crate::crossfit::{assign_folds, site_of, CrossFitted, Folds};
use crate::decode::Transitions;
use crate::error::ModelError;
use crate::features::{with_neighbours, FeatureExtractor, FeatureOptions, PreparedPage};
use crate::lexicon::Lexicon;
use crate::metrics::f1_sum;
use crate::model::{Classifier, ClassifierParams};
use crate::pipeline::FeaturePipeline;
use crate::segment::{SegmentOptions, TextSegmenter};
use crate::tokenize::{PageTokenizer, TokenizerKind};
use crate::types::{GoldPage, Label, Segmentation};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// Everything `train` can be asked to vary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainParams {
    pub tokenizer: TokenizerKind,
    pub vocab_size: usize,
    pub segment: SegmentOptions,
    pub features: FeatureOptions,
    pub classifier: ClassifierParams,
    /// Weight of the learned transitions in decoding (0 turns smoothing off).
    pub transition_weight: f32,
    /// The lexical features of training units come from lexicons fitted on the other folds
    /// of this many page folds, so the classifier learns how far to trust unseen text.
    pub lexicon_folds: usize,
    /// Stacked stages after the first, each seeing the neighbours' probabilities from the one before.
    pub stacking_rounds: usize,
    /// Tune per-label probability multipliers for macro-F1 on held-out training folds.
    pub tune_class_weights: bool,
    /// Repeat long units in training (1 + log2 of their length in 64-byte steps), so the fit
    /// leans towards the byte-level score it is judged by.
    pub length_weighting: bool,
    /// A content model (trained on pages with known main content) whose furniture probabilities
    /// become columns of HTML pages' rows; it is stored with the model.
    #[serde(skip)]
    pub content: Option<std::sync::Arc<crate::content::ContentModel>>,
    /// Told each phase of training as it starts.
    #[serde(skip)]
    pub progress: crate::progress::Progress,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            tokenizer: TokenizerKind::Bpe,
            vocab_size: 8000,
            segment: SegmentOptions::default(),
            features: FeatureOptions::default(),
            classifier: ClassifierParams::default(),
            transition_weight: 0.1,
            lexicon_folds: 5,
            stacking_rounds: 1,
            tune_class_weights: true,
            length_weighting: true,
            content: None,
            progress: crate::progress::Progress::default(),
        }
    }
}

impl TrainParams {
    fn check(&self) -> Result<(), ModelError> {
        if self.vocab_size < 100 {
            return Err(ModelError::Param(format!(
                "vocab_size must be at least 100, got {}",
                self.vocab_size
            )));
        }
        if self.lexicon_folds < 2 {
            return Err(ModelError::Param(format!(
                "lexicon_folds must be at least 2, got {}",
                self.lexicon_folds
            )));
        }
        if !(self.transition_weight.is_finite() && self.transition_weight >= 0.0) {
            return Err(ModelError::Param(format!(
                "transition_weight must be finite and >= 0, got {}",
                self.transition_weight
            )));
        }
        Ok(())
    }
}

/// The gold label of each unit: the label covering most of its bytes (`None` if no span touches it).
pub fn unit_labels(gold: &GoldPage, seg: &Segmentation) -> Vec<Option<Label>> {
    let mut first = 0;
    seg.units
        .iter()
        .map(|unit| {
            while first < gold.spans.len() && gold.spans[first].0.end <= unit.range.start {
                first += 1;
            }
            let mut votes = [0usize; Label::COUNT];
            for (range, label) in gold.spans[first..]
                .iter()
                .take_while(|(r, _)| r.start < unit.range.end)
            {
                votes[label.index()] += range.overlap(&unit.range);
            }
            let best = (0..Label::COUNT).max_by_key(|&k| votes[k]).unwrap_or(0);
            (votes[best] > 0).then(|| Label::from_index(best))
        })
        .collect()
}

/// Trains a model on gold pages. `sources` names the files, for the record in `model.json`.
pub fn train(
    gold: &[GoldPage],
    params: &TrainParams,
    sources: &[String],
) -> Result<ModelBundle, ModelError> {
    params.check()?;
    if gold.is_empty() {
        return Err(ModelError::Training("no gold pages to train on".into()));
    }
    let say = |what: &str| params.progress.say(what);
    say("training the tokenizer");
    let pipeline = build_pipeline(gold, params)?;
    let gold_pages: Vec<&crate::types::Page> = gold.iter().map(|g| &g.page).collect();
    let (segs, repeats) = pipeline.segment_batch(&gold_pages);
    // Pass 1: keys, layout and gold labels of every unit.
    say("segmenting and tokenizing the gold pages");
    let mut pages = Vec::with_capacity(gold.len());
    for (g, seg) in gold.iter().zip(&segs) {
        let prepared = pipeline.prepare(&g.page, seg, &repeats)?;
        pages.push(GoldUnits {
            labels: unit_labels(g, seg),
            same_block: seg.units.iter().map(|u| u.position > 0).collect(),
            prepared,
        });
    }
    // Pass 2: rows scored by a lexicon that never saw their page (cross-fitting).
    say("fitting the lexicons (cross-fitted)");
    let stages = Stages::new(gold, &pages, params);
    let lexicons = CrossFitted::fit(stages.fold_of.clone(), stages.folds, |keep| {
        fit_lexicon(&pages, params, keep)
    });
    let rows = lexicons.rows(&pages, |page, lexicon| {
        pipeline.features.rows(&page.prepared, lexicon)
    });
    let first = stages.labelled(&rows, &|_| true)?;
    say("fitting the classifier");
    let mut classifiers = vec![first.fit(&params.classifier)?];
    let stage_rows = stages.stack(&rows, &pages, &mut classifiers)?;
    // Class weights that maximise byte-level macro-F1 on held-out folds of the training pages.
    let class_weights = if params.tune_class_weights && stages.folds >= 2 {
        say("tuning the class weights on held-out folds");
        let last = classifiers.last().expect("stage 0 is fitted");
        let oof = stages.out_of_fold(&stage_rows, last)?;
        let bytes = pages.iter().map(|p| p.prepared.unit_bytes.as_slice());
        tune_class_weights(&oof, &stages.labels, bytes)
    } else {
        [1.0; Label::COUNT]
    };
    say("fitting the final lexicon");
    let lexicon = fit_lexicon(&pages, params, &|_| true);
    let sequences: Vec<(Vec<Label>, Vec<bool>)> = pages.iter().map(GoldUnits::sequence).collect();
    let mut transitions = Transitions::learn(
        sequences.iter().map(|(l, s)| (l.as_slice(), s.as_slice())),
        params.transition_weight,
    );
    transitions.class_weights = class_weights;
    Ok(ModelBundle {
        tokenizer: pipeline.tokenizer,
        segmenter: SegmenterConfig::Text(params.segment),
        features: params.features,
        lexicon,
        classifiers,
        transitions,
        content: params.content.clone(),
        trained_on: TrainingInfo {
            sources: sources.to_vec(),
            pages: gold.len(),
            units: first.y.len(),
            pagesift_version: env!("CARGO_PKG_VERSION").to_string(),
        },
    })
}

/// The training pipeline: a tokenizer trained on the gold pages, the segmenter and features the
/// parameters ask for, and their content model.
fn build_pipeline(gold: &[GoldPage], params: &TrainParams) -> Result<FeaturePipeline, ModelError> {
    let tokenizer = PageTokenizer::train(
        gold.iter().map(|g| g.page.text.as_str()),
        params.vocab_size,
        params.tokenizer,
    )?;
    Ok(FeaturePipeline {
        segmenter: TextSegmenter::new(params.segment),
        tokenizer,
        features: FeatureExtractor::builder()
            .options(params.features)
            .build()?,
        content: params.content.clone(),
    })
}

/// A gold page's units: prepared, with their gold labels and whether each continues its block.
struct GoldUnits {
    prepared: PreparedPage,
    labels: Vec<Option<Label>>,
    same_block: Vec<bool>,
}

impl GoldUnits {
    /// The labelled units' labels, and whether each continues its block (what the transitions
    /// learn from).
    fn sequence(&self) -> (Vec<Label>, Vec<bool>) {
        let mut seq = (Vec::new(), Vec::new());
        for (label, &same) in self.labels.iter().zip(&self.same_block) {
            if let Some(label) = label {
                seq.0.push(*label);
                seq.1.push(same);
            }
        }
        seq
    }
}

/// Long units count more in training (1 + log2 of their length in 64-byte steps), so the fit
/// leans towards the byte-level score it is judged by.
fn row_weight(params: &TrainParams, bytes: usize) -> f32 {
    if params.length_weighting {
        1.0 + (1 + bytes / 64).ilog2() as f32
    } else {
        1.0
    }
}

/// The lexicon of the labelled units of the pages `keep` accepts: their word keys, their
/// blocks' DOM keys and their page's own keys (its URL) as examples, and its discriminative
/// model fitted on the units' words, weighted as the rows.
fn fit_lexicon(pages: &[GoldUnits], params: &TrainParams, keep: &dyn Fn(usize) -> bool) -> Lexicon {
    let kept = || pages.iter().enumerate().filter(|(i, _)| keep(*i));
    let examples = kept().flat_map(|(_, page)| {
        let (p, labels) = (&page.prepared, &page.labels);
        // Word keys per unit, and the DOM keys of its block as a separate example.
        let words = p.unit_keys.iter().zip(labels);
        let dom = p
            .unit_block
            .iter()
            .zip(labels)
            .filter_map(|(&b, l)| p.block_dom_keys.get(b).map(|k| (k, l)));
        // And the page's own keys (its URL) once per unit, as page-level evidence.
        let page_keys = labels.iter().map(|l| (&p.page_keys, l));
        words
            .chain(dom)
            .chain(page_keys.filter(|(k, _)| !k.is_empty()))
            .filter_map(|(k, l)| l.map(|l| (k.as_slice(), l)))
    });
    let mut lexicon = Lexicon::fit(examples, params.features.lexicon);
    // The discriminative model learns from the units' words alone, weighted as the rows.
    let words: Vec<(&[u32], Label, f32)> = kept()
        .flat_map(|(_, page)| {
            let p = &page.prepared;
            p.unit_keys
                .iter()
                .zip(&page.labels)
                .zip(&p.unit_bytes)
                .filter_map(|((k, l), &b)| l.map(|l| (k.as_slice(), l, row_weight(params, b))))
        })
        .collect();
    lexicon.fit_model(&words, crate::lexicon::ModelOptions::default());
    lexicon
}

/// What fitting the classifier's stages needs: the folds the pages are cross-fitted in, and
/// each page's gold labels and row weights.
struct Stages<'a> {
    params: &'a TrainParams,
    /// Folds of pages (at most the number of pages).
    folds: usize,
    fold_of: Vec<usize>,
    labels: Vec<&'a [Option<Label>]>,
    weights: Vec<Vec<f32>>,
}

impl<'a> Stages<'a> {
    fn new(gold: &[GoldPage], pages: &'a [GoldUnits], params: &'a TrainParams) -> Self {
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
    fn labelled(
        &self,
        rows: &[Array2<f32>],
        keep: &dyn Fn(usize) -> bool,
    ) -> Result<LabelledRows, ModelError> {
        labelled_rows(rows, &self.labels, &self.weights, keep)
    }

    /// Each page's probabilities from a classifier fitted on the other folds' rows, taken out of
    /// fold so they are as noisy as they will be on new pages. Each fold's fit starts from the
    /// fit on all the rows (`start`), a few steps from its own.
    fn out_of_fold(
        &self,
        stage_rows: &[Array2<f32>],
        start: &Classifier,
    ) -> Result<Vec<Array2<f32>>, ModelError> {
        let mut oof: Vec<Option<Array2<f32>>> = vec![None; stage_rows.len()];
        for f in 0..self.folds {
            let stage = self
                .labelled(stage_rows, &|i| self.fold_of[i] != f)?
                .fit_from(&self.params.classifier, start)?;
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

    /// Later stages: the same rows plus the neighbours' probabilities from the stage before
    /// (out of fold), each stage pushed onto `classifiers`. Returns the last stage's rows.
    fn stack(
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
            let oof =
                self.out_of_fold(&stage_rows, classifiers.last().expect("stage 0 is fitted"))?;
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
struct LabelledRows {
    x: Array2<f32>,
    y: Array1<usize>,
    weights: Vec<f32>,
}

impl LabelledRows {
    fn fit(&self, params: &ClassifierParams) -> Result<Classifier, ModelError> {
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
    use crate::label::Labeler;
    use crate::types::{ByteRange, Origin, Page};

    /// Trains and returns a ready labeler.
    fn train_labeler(gold: &[GoldPage], params: &TrainParams) -> Result<Labeler, ModelError> {
        Labeler::from_bundle(train(gold, params, &[])?)
    }

    #[test]
    fn units_take_the_label_covering_most_of_them() {
        let text = "Ketamine blocks NMDA receptors. Call us today!\nMenu";
        let gold = GoldPage {
            page: Page {
                id: "g".into(),
                origin: Origin {
                    path: "g".into(),
                    line: None,
                },
                text: text.into(),
                markup: None,
                ..Page::default()
            },
            spans: vec![
                (ByteRange::new(0, 31), Label::Education),
                (ByteRange::new(32, 46), Label::Promotion),
                (ByteRange::new(47, 51), Label::Boilerplate),
            ],
            unaligned: Default::default(),
        };
        let seg = TextSegmenter::default().segment_text(text);
        assert_eq!(
            unit_labels(&gold, &seg),
            [
                Some(Label::Education),
                Some(Label::Promotion),
                Some(Label::Boilerplate)
            ]
        );
    }

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

    /// A few hundred generated pages of very different sizes (one line to several hundred, some
    /// with a URL): the classifier's columns then span orders of magnitude, where linfa's f32
    /// solver stopped at its starting point. Training must succeed and learn the obvious.
    #[test]
    fn trains_on_hundreds_of_pages_of_mixed_scales() {
        let education = [
            "Vitamin D helps the body absorb calcium from food",
            "Regular exercise lowers blood pressure in most adults",
            "Symptoms of the flu include fever, cough and aching muscles",
            "The liver breaks down most medicines before they leave the body",
            "Sleep apnea causes pauses in breathing during the night",
        ];
        let promotion = [
            "Book your free consultation with our award-winning team today",
            "Call us now at 555-0100 and save 20% on your first visit",
            "Our clinic offers the best laser treatment in town, schedule now",
            "Sign up for our newsletter and get an exclusive discount",
            "We accept most insurance plans, contact our friendly staff",
        ];
        let boilerplate = [
            "Home | About | Services | Contact",
            "Copyright 2024 Example Health. All rights reserved.",
            "Privacy Policy",
            "Skip to content",
            "Share on Facebook",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut gold = Vec::new();
        for p in 0..300 {
            // 1, 2, 4 … up to 512 lines: page sizes over three orders of magnitude.
            let lines = 1 << (p % 10);
            let mut text = String::new();
            let mut spans = Vec::new();
            for l in 0..lines {
                let (label, pool) = match next(3) {
                    0 => (Label::Education, &education),
                    1 => (Label::Promotion, &promotion),
                    _ => (Label::Boilerplate, &boilerplate),
                };
                let mut line = pool[next(pool.len())].to_string();
                // Some very long lines: a unit of a few kilobytes beside one of two words.
                if label == Label::Education && l % 50 == 7 {
                    line = [line.as_str(); 40].join(", and ");
                }
                line.push('.');
                let start = text.len();
                text.push_str(&line);
                spans.push((ByteRange::new(start, text.len()), label));
                text.push('\n');
            }
            gold.push(GoldPage {
                page: Page {
                    id: format!("gen-{p}"),
                    url: (p % 3 == 0).then(|| format!("https://site{}.example/page/{p}", p % 40)),
                    text,
                    ..Page::default()
                },
                spans,
                unaligned: Default::default(),
            });
        }
        let params = TrainParams {
            vocab_size: 500,
            ..TrainParams::default()
        };
        let labeler = train_labeler(&gold, &params).expect("training on mixed scales succeeds");
        let page = Page::from_text(
            "check",
            "Regular exercise lowers blood pressure in most adults.\n\
             Book your free consultation with our award-winning team today.\n\
             Copyright 2024 Example Health. All rights reserved.",
        );
        let labelled = labeler.label_pages(&[page]).remove(0).unwrap();
        let labels: Vec<Label> = labelled.spans.iter().map(|s| s.label).collect();
        assert_eq!(
            labels,
            [Label::Education, Label::Promotion, Label::Boilerplate]
        );
    }

    /// The same neutral sentences are promotion on pages whose URL says `/testimonials/` and
    /// education on pages under `/articles/`: only the page-level URL keys can tell them apart,
    /// so the same unit must change its label with its page's URL.
    #[test]
    fn a_page_level_feature_changes_a_units_label() {
        let sentences = [
            "Maria worked with our family for two years and changed how we eat.",
            "Daniel explained every step and the results came within a month.",
            "The sessions were calm, clear and well organised from the start.",
            "Our son now sleeps through the night after six weeks of practice.",
        ];
        let menu = "Home | About | Contact";
        let mut gold = Vec::new();
        for p in 0..80 {
            let (path, label) = if p % 2 == 0 {
                ("testimonials", Label::Promotion)
            } else {
                ("articles", Label::Education)
            };
            let mut text = format!("{menu}\n");
            let mut spans = vec![(ByteRange::new(0, menu.len()), Label::Boilerplate)];
            for s in 0..3 {
                let line = sentences[(p + s) % sentences.len()];
                let start = text.len();
                text.push_str(line);
                spans.push((ByteRange::new(start, text.len()), label));
                text.push('\n');
            }
            gold.push(GoldPage {
                page: Page {
                    id: format!("p{p}"),
                    url: Some(format!("https://site{p}.example/{path}/page-{p}")),
                    text,
                    ..Page::default()
                },
                spans,
                unaligned: Default::default(),
            });
        }
        let params = TrainParams {
            vocab_size: 300,
            ..TrainParams::default()
        };
        let labeler = train_labeler(&gold, &params).unwrap();
        let text = format!("{menu}\n{}", sentences[0]);
        let label_at = |url: &str| {
            let page = Page {
                url: Some(url.to_string()),
                ..Page::from_text("check", &text)
            };
            let labelled = labeler.label_pages(&[page]).remove(0).unwrap();
            let span = labelled
                .spans
                .iter()
                .find(|s| s.text.contains("Maria"))
                .unwrap()
                .clone();
            span.label
        };
        assert_eq!(
            label_at("https://new.example/testimonials/x"),
            Label::Promotion
        );
        assert_eq!(label_at("https://new.example/articles/x"), Label::Education);
    }

    #[test]
    fn bad_params_are_refused() {
        let params = TrainParams {
            vocab_size: 3,
            ..TrainParams::default()
        };
        assert!(train(&[], &params, &[])
            .unwrap_err()
            .to_string()
            .contains("vocab_size"));
        assert!(train(&[], &TrainParams::default(), &[]).is_err());
    }
}
