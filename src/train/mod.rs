//! Training: gold pages → tokenizer, unit labels, feature rows → classifier and transitions.

mod stages;

use crate::bundle::{ModelBundle, SegmenterConfig, TrainingInfo};
use crate::crossfit::CrossFitted;
use crate::decode::Transitions;
use crate::error::ModelError;
use crate::features::{FeatureExtractor, FeatureOptions, PreparedPage};
use crate::lexicon::Lexicon;
use crate::model::ClassifierParams;
use crate::pipeline::FeaturePipeline;
use crate::segment::{SegmentOptions, TextSegmenter};
use crate::tokenize::{PageTokenizer, TokenizerKind};
use crate::types::{GoldPage, Label, Segmentation};
use serde::{Deserialize, Serialize};
use stages::Stages;

/// Everything `train` can be asked to vary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainParams {
    /// The subword model of the tokenizer.
    pub tokenizer: TokenizerKind,
    /// Most tokens in its vocabulary.
    pub vocab_size: usize,
    /// How pages are cut into units.
    pub segment: SegmentOptions,
    /// The feature extractor's options.
    pub features: FeatureOptions,
    /// How the classifier is fitted.
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
    /// Boosted trees fitted on the last stage's cross-fitted rows (`trees: 0`: none).
    pub boost: crate::boost::BoostParams,
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
            boost: crate::boost::BoostParams::default(),
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
    say("fitting the lexicons (cross-fitted, and one on every page)");
    let stages = Stages::new(gold, &pages, params);
    // The final lexicon (on every page) is fitted alongside the cross-fitted ones.
    let (lexicons, lexicon) = CrossFitted::fit_alongside(
        stages.fold_of.clone(),
        stages.folds,
        |keep| fit_lexicon(&pages, params, keep),
        || fit_lexicon(&pages, params, &|_| true),
    );
    let rows = lexicons.rows(&pages, |page, lexicon| {
        pipeline.features.rows(&page.prepared, lexicon)
    });
    let first = stages.labelled(&rows, &|_| true)?;
    say("fitting the classifier");
    let mut classifiers = vec![first.fit(&params.classifier)?];
    let stage_rows = stages.stack(&rows, &pages, &mut classifiers)?;
    let last = classifiers.last().expect("stage 0 is fitted");
    let class_weights = stages.class_weights(&stage_rows, last, &pages)?;
    let booster = stages.boost(&stage_rows)?;
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
        booster,
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

    /// Sentences of each label for generated pages.
    const EDUCATION: [&str; 5] = [
        "Vitamin D helps the body absorb calcium from food",
        "Regular exercise lowers blood pressure in most adults",
        "Symptoms of the flu include fever, cough and aching muscles",
        "The liver breaks down most medicines before they leave the body",
        "Sleep apnea causes pauses in breathing during the night",
    ];
    const PROMOTION: [&str; 5] = [
        "Book your free consultation with our award-winning team today",
        "Call us now at 555-0100 and save 20% on your first visit",
        "Our clinic offers the best laser treatment in town, schedule now",
        "Sign up for our newsletter and get an exclusive discount",
        "We accept most insurance plans, contact our friendly staff",
    ];
    const BOILERPLATE: [&str; 5] = [
        "Home | About | Services | Contact",
        "Copyright 2024 Example Health. All rights reserved.",
        "Privacy Policy",
        "Skip to content",
        "Share on Facebook",
    ];

    /// A few hundred generated pages of very different sizes (one line to several hundred, some
    /// with a URL): the classifier's columns then span orders of magnitude, where linfa's f32
    /// solver stopped at its starting point. Training must succeed and learn the obvious.
    #[test]
    fn trains_on_hundreds_of_pages_of_mixed_scales() {
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
                    0 => (Label::Education, &EDUCATION),
                    1 => (Label::Promotion, &PROMOTION),
                    _ => (Label::Boilerplate, &BOILERPLATE),
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
        // The checked page is made as the training pages are (the menu and three of the
        // sentences): a page of one sentence has page-level columns no training page had, and
        // the trees were fitted on none like it.
        let text = format!("{menu}\n{}", sentences[..3].join("\n"));
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
