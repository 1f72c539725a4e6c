//! The content model: is a block of an HTML page main content or page furniture?
//!
//! Trained on real pages whose main content is known as plain text (content-extraction benchmarks,
//! `pagesift train --content-pages`), not on the 3-label gold: the gold has few HTML pages, the
//! benchmarks thousands. Blocks get weak labels by aligning them with the main text; the model
//! (a lexicon of words and DOM keys plus a logistic regression over the layout and DOM columns)
//! then gives every block of a new page a probability of being furniture, which the 3-label model
//! reads as three more columns (the block's, the previous and the next block's).

use crate::crossfit::CrossFitted;
use crate::error::ModelError;
use crate::features::{FeatureExtractor, PageContext, PreparedPage};
use crate::hash::{fnv1a_byte, fold32, FNV_OFFSET};
use crate::lexicon::{Evidence, Lexicon, LexiconOptions};
use crate::metrics::f1_of_counts;
use crate::model::{Classifier, ClassifierParams};
use crate::segment::{SegmentOptions, Segmenter, TextSegmenter};
use crate::types::{BlockTokens, Label, Page, Segmentation};
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

pub use crate::content_page::ContentPage;
/// Columns the content model adds to the 3-label model's rows (declared with the other columns
/// in `features::schema`).
pub use crate::features::CONTENT_FEATURES;

/// What the content model was trained on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentTrainingInfo {
    /// The files the pages came from.
    pub sources: Vec<String>,
    /// Pages trained on.
    pub pages: usize,
    /// Blocks weakly labelled main content.
    pub content_blocks: usize,
    /// Blocks weakly labelled furniture.
    pub furniture_blocks: usize,
}

/// A fitted content model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentModel {
    lexicon: Lexicon,
    classifier: Classifier,
    /// Second stage: the first stage's rows plus its probabilities for the blocks around
    /// (content comes in runs; a lone "furniture" block inside an article rarely is).
    smoother: Classifier,
    /// The furniture probability above which a block is furniture, tuned on the training pages
    /// for mean per-page word F1; [`ContentModel::furniture`] shifts it to 0.5.
    threshold: f32,
    /// What the model was trained on.
    pub trained_on: ContentTrainingInfo,
}

/// Words and DOM keys seen in fewer training blocks are left out of the lexicon (rare keys
/// say little and would make the shipped model large).
const MIN_KEY_COUNT: u32 = 10;

/// Most training rows the regression is given.
const MAX_ROWS: usize = 20_000;

/// Lexical contexts of a block, in column order after the layout columns.
const CONTEXTS: usize = 6;

fn segmenter() -> TextSegmenter {
    TextSegmenter::new(SegmentOptions {
        split_sentences: false,
    })
}

/// Lower-cased `\w+` words of a text (the benchmarks' bag-of-words unit).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Weak labels: a block is content when at least half its word pairs occur in the main text
/// (a one-word block, when it is a whole line of the main text); `None` for blocks without words.
pub fn weak_labels(text: &str, seg: &Segmentation, main_text: &str) -> Vec<Option<Label>> {
    let main_words = words(main_text);
    let pairs: HashSet<(&str, &str)> = main_words
        .windows(2)
        .map(|w| (w[0].as_str(), w[1].as_str()))
        .collect();
    let lines: HashSet<String> = main_text
        .lines()
        .map(|l| words(l).join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    seg.blocks
        .iter()
        .map(|block| {
            let w = words(block.range.slice(text));
            let content = match w.len() {
                0 => return None,
                1 => lines.contains(&w[0]),
                _ => {
                    let found = w
                        .windows(2)
                        .filter(|p| pairs.contains(&(p[0].as_str(), p[1].as_str())))
                        .count();
                    found * 2 >= w.len() - 1
                }
            };
            Some(if content {
                Label::Education
            } else {
                Label::Boilerplate
            })
        })
        .collect()
}

/// A block's keys for the content lexicon: hashed words and word pairs (the words of
/// [`words`], hashed without allocating them).
fn word_keys(text: &str) -> Vec<u32> {
    // The lower-cased words one after another, and where each ends. ASCII words are lower-cased
    // a byte at a time (in any block: a curly quote elsewhere in it changes nothing).
    let mut lower: Vec<u8> = Vec::with_capacity(text.len());
    let mut ends = Vec::new();
    let words = crate::types::words_by(
        text,
        |b| b.is_ascii_alphanumeric() || b == b'_',
        |c| c.is_alphanumeric() || c == '_',
    );
    for word in words {
        if word.is_ascii() {
            lower.extend(word.bytes().map(|b| b.to_ascii_lowercase()));
        } else {
            lower.extend_from_slice(word.to_lowercase().as_bytes());
        }
        ends.push(lower.len());
    }
    // FNV-1a of each word (namespace 1) and of each pair (namespace 2), a 0xff after every word.
    // FNV waits on a multiply per byte, so the three hashes a word takes part in (its own, the
    // pair it ends, and the start of the pair it begins) run side by side in one pass.
    let seed = |namespace: u64| FNV_OFFSET ^ (namespace << 16);
    let n = ends.len();
    let mut keys = vec![0u32; (2 * n).saturating_sub(1)];
    let mut pair_start = seed(2);
    let mut word_start = 0;
    for (i, &word_end) in ends.iter().enumerate() {
        let (mut word, mut pair, mut next_pair_start) = (seed(1), pair_start, seed(2));
        for &b in lower[word_start..word_end].iter().chain(&[0xff]) {
            word = fnv1a_byte(word, b);
            pair = fnv1a_byte(pair, b);
            next_pair_start = fnv1a_byte(next_pair_start, b);
        }
        keys[i] = fold32(word);
        if i > 0 {
            keys[n + i - 1] = fold32(pair);
        }
        pair_start = next_pair_start;
        word_start = word_end;
    }
    keys
}

/// A page cut into blocks with the layout and DOM columns of each (one unit per block).
struct PreparedBlocks {
    prepared: PreparedPage,
    word_keys: Vec<Vec<u32>>,
}

fn prepare(features: &FeatureExtractor, page: &Page, seg: &Segmentation) -> PreparedBlocks {
    let tokens = vec![BlockTokens::default(); seg.blocks.len()];
    let repeats = vec![1; seg.blocks.len()];
    let prepared = features.prepare(&PageContext {
        text: &page.text,
        segmentation: seg,
        tokens: &tokens,
        batch_repeats: &repeats,
        markup: page.markup.as_deref(),
        url: page.url.as_deref(),
        block_rows: true,
    });
    PreparedBlocks {
        prepared,
        word_keys: block_word_keys(&page.text, seg),
    }
}

fn block_word_keys(text: &str, seg: &Segmentation) -> Vec<Vec<u32>> {
    seg.blocks
        .iter()
        .map(|b| word_keys(b.range.slice(text)))
        .collect()
}

/// Rows: the layout and DOM columns, then the lexicon's scores of the block's words, its DOM
/// keys, both for the blocks either side, and the page's words.
fn rows(
    layout: &[Vec<f32>],
    dom_keys: &[Vec<u32>],
    word_keys: &[Vec<u32>],
    lexicon: &Lexicon,
) -> Array2<f32> {
    let n = layout.len();
    let width = layout.first().map_or(0, Vec::len) + CONTEXTS * 2;
    let pick =
        |s: [f32; Label::COUNT]| [s[Label::Education.index()], s[Label::Boilerplate.index()]];
    // Each word key is looked up once: the page's evidence adds the same weights in the same
    // order as scoring all the page's keys at once would.
    let mut page_evidence = Evidence::default();
    let word_scores: Vec<[f32; 2]> = word_keys
        .iter()
        .map(|keys| {
            let mut block = Evidence::default();
            for weight in keys.iter().filter_map(|&k| lexicon.weight(k)) {
                block.add_weight(&weight);
                page_evidence.add_weight(&weight);
            }
            pick(block.mean())
        })
        .collect();
    let dom_scores: Vec<[f32; 2]> = {
        let scores = lexicon.scores(dom_keys);
        (0..n)
            .map(|b| scores.get(b).map_or([0.0; 2], |&s| pick(s)))
            .collect()
    };
    let page_score = pick(page_evidence.mean());
    let at = |scores: &[[f32; 2]], b: usize, delta: isize| {
        b.checked_add_signed(delta)
            .and_then(|i| scores.get(i))
            .copied()
            .unwrap_or([0.0; 2])
    };
    // Every value is written, row after row: pushed rather than zeroed first and then indexed.
    let mut x: Vec<f32> = Vec::with_capacity(n * width);
    for b in 0..n {
        let start = x.len();
        x.extend_from_slice(&layout[b]);
        let contexts = [
            word_scores[b],
            dom_scores[b],
            at(&word_scores, b, -1),
            at(&word_scores, b, 1),
            at(&dom_scores, b, -1),
            page_score,
        ];
        x.extend(contexts.iter().flatten());
        // Every page's layout rows have one width; a shorter or longer one keeps the matrix whole.
        x.resize(start + width, 0.0);
    }
    Array2::from_shape_vec((n, width), x).expect("n rows of `width` values")
}

/// A training page: its blocks prepared, and their weak labels.
struct TrainingPage {
    blocks: PreparedBlocks,
    labels: Vec<Option<Label>>,
}

/// The HTML pages training uses (at most `max_pages`, spread evenly over the list), cut into
/// blocks, prepared and weakly labelled (in parallel).
fn prepare_training_pages(
    pages: &[ContentPage],
    features: &FeatureExtractor,
    max_pages: usize,
) -> Vec<TrainingPage> {
    let segmenter = segmenter();
    let html: Vec<&ContentPage> = pages.iter().filter(|p| p.page.markup.is_some()).collect();
    let step = html.len().div_ceil(max_pages.max(1)).max(1);
    let chosen: Vec<&ContentPage> = html.into_iter().step_by(step).collect();
    chosen
        .par_iter()
        .map(|p| {
            let seg = segmenter.segment(&p.page);
            let labels = weak_labels(&p.page.text, &seg, &p.main_text);
            TrainingPage {
                blocks: prepare(features, &p.page, &seg),
                labels,
            }
        })
        .collect()
}

/// The lexicon of the words and DOM keys of the labelled blocks of the pages `keep` accepts.
fn fit_lexicon(
    pages: &[TrainingPage],
    options: LexiconOptions,
    keep: &dyn Fn(usize) -> bool,
) -> Lexicon {
    let examples = pages
        .iter()
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .flat_map(|(_, page)| {
            let labels = &page.labels;
            let words = page.blocks.word_keys.iter().zip(labels);
            let dom = page.blocks.prepared.block_dom_keys.iter().zip(labels);
            words
                .chain(dom)
                .filter_map(|(k, l)| l.map(|l| (k.as_slice(), l)))
        });
    Lexicon::fit(examples, options)
}

/// What the model was trained on: the sources, pages and blocks of each weak label.
fn training_info(pages: &[TrainingPage], sources: &[String]) -> ContentTrainingInfo {
    let mut info = ContentTrainingInfo {
        sources: sources.to_vec(),
        pages: pages.len(),
        ..ContentTrainingInfo::default()
    };
    for label in pages.iter().flat_map(|p| p.labels.iter().flatten()) {
        if *label == Label::Education {
            info.content_blocks += 1;
        } else {
            info.furniture_blocks += 1;
        }
    }
    info
}

/// Fits one stage on every `stride`-th labelled block's row of `rows` (one array per page).
fn fit_stage(
    rows: &[Array2<f32>],
    pages: &[TrainingPage],
    classifier: ClassifierParams,
    stride: usize,
) -> Result<Classifier, ModelError> {
    let width = rows[0].ncols();
    let (mut data, mut targets) = (Vec::new(), Vec::new());
    let mut seen = 0usize;
    for (x, page) in rows.iter().zip(pages) {
        for (row, label) in x.rows().into_iter().zip(&page.labels) {
            let Some(label) = label else { continue };
            seen += 1;
            if seen % stride == 0 {
                data.extend(row.iter().copied());
                targets.push(label.index());
            }
        }
    }
    let x = Array2::from_shape_vec((targets.len(), width), data)
        .map_err(|e| ModelError::Training(e.to_string()))?;
    classifier.fit_labels(
        &x,
        &Array1::from_vec(targets),
        &[Label::Education, Label::Boilerplate],
    )
}

impl ContentModel {
    /// Replaces the lexicon (the built-in model's, read from its binary form).
    pub(crate) fn set_lexicon(&mut self, lexicon: Lexicon) {
        self.lexicon = lexicon;
    }

    /// Trains on pages with known main content. The lexicon scores in the training rows come
    /// from a lexicon fitted on the other half of the pages, so the regression learns how far
    /// to trust them on unseen pages.
    ///
    /// At most `max_pages` pages are used, spread evenly over the list (the solver works on
    /// dense rows, and a few hundred pages already give some hundred thousand blocks).
    pub fn train(
        pages: &[ContentPage],
        features: &FeatureExtractor,
        classifier: ClassifierParams,
        max_pages: usize,
        sources: &[String],
    ) -> Result<ContentModel, ModelError> {
        let prepared = prepare_training_pages(pages, features, max_pages);
        if prepared.is_empty() {
            return Err(ModelError::Training(
                "no HTML pages to train the content model on".into(),
            ));
        }
        let options = LexiconOptions {
            min_count: MIN_KEY_COUNT,
            ..features.options().lexicon
        };
        let fit_lexicon = |keep: &dyn Fn(usize) -> bool| fit_lexicon(&prepared, options, keep);
        // Cross-fitted by halves: the odd pages' lexicon scores the even pages, and back.
        let halves = CrossFitted::fit((0..prepared.len()).map(|i| i % 2).collect(), 2, fit_lexicon);
        let page_rows: Vec<Array2<f32>> = halves.rows(&prepared, |page, lexicon| {
            let blocks = &page.blocks;
            rows(
                &blocks.prepared.block_layout,
                &blocks.prepared.block_dom_keys,
                &blocks.word_keys,
                lexicon,
            )
        });
        // linfa's L-BFGS in f32 fails to take a first step on much more than ~20k rows (the
        // summed loss grows too large), so every k-th labelled block is kept.
        let labelled: usize = prepared
            .iter()
            .map(|p| p.labels.iter().flatten().count())
            .sum();
        let stride = labelled.div_ceil(MAX_ROWS).max(1);
        let fit = |rows: &[Array2<f32>]| fit_stage(rows, &prepared, classifier, stride);
        let first = fit(&page_rows)?;
        let smoothed_rows: Vec<Array2<f32>> = page_rows
            .par_iter()
            .map(|x| with_furniture_around(x, &first))
            .collect();
        let smoother = fit(&smoothed_rows)?;
        let threshold = tune_threshold(&smoother, &smoothed_rows, &prepared);
        Ok(ContentModel {
            lexicon: fit_lexicon(&|_| true),
            classifier: first,
            smoother,
            threshold,
            trained_on: training_info(&prepared, sources),
        })
    }

    /// Probability that each block of `page` is furniture (`seg` is the page's segmentation,
    /// whose blocks are the extracted lines of an HTML page). Empty for text pages.
    pub fn furniture(
        &self,
        features: &FeatureExtractor,
        page: &Page,
        seg: &Segmentation,
    ) -> Vec<f32> {
        if page.markup.is_none() {
            return Vec::new();
        }
        // One unit per block: the unit rows are then the block rows, measured once.
        let blocks_only = seg.one_unit_per_block();
        let blocks = prepare(features, page, &blocks_only);
        self.furniture_of_prepared(page, &blocks_only, &blocks.prepared)
    }

    /// [`ContentModel::furniture`] from a page already prepared with
    /// [`PageContext::block_rows`] (the labelling pass prepares its units and blocks at once).
    pub fn furniture_of_prepared(
        &self,
        page: &Page,
        seg: &Segmentation,
        prepared: &PreparedPage,
    ) -> Vec<f32> {
        if page.markup.is_none() || prepared.block_layout.len() != seg.blocks.len() {
            return Vec::new();
        }
        let x = rows(
            &prepared.block_layout,
            &prepared.block_dom_keys,
            &block_word_keys(&page.text, seg),
            &self.lexicon,
        );
        if x.ncols() != self.classifier.width() {
            return Vec::new();
        }
        let shift = logit(self.threshold);
        self.smoother
            .predict_proba(&with_furniture_around(&x, &self.classifier))
            .column(Label::Boilerplate.index())
            .iter()
            .map(|&p| sigmoid(logit(p) - shift))
            .collect()
    }

    /// Checks the model reads the rows this pagesift builds (layout and DOM columns, then its
    /// lexical contexts); a model trained with other features would only give zeros.
    pub fn check_width(&self) -> Result<(), String> {
        let want = crate::features::schema::CONTENT_START + CONTEXTS * 2;
        if !(self.classifier.is_finite() && self.smoother.is_finite()) {
            Err("the content model has a weight that is not a finite number".into())
        } else if self.classifier.width() == want {
            Ok(())
        } else {
            Err(format!(
                "the content model has {} feature columns, this pagesift builds {want} (retrain it with --content-pages)",
                self.classifier.width()
            ))
        }
    }
}

fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// The furniture threshold with the best mean per-page F1 over words (what extraction
/// benchmarks score), on the training pages.
fn tune_threshold(model: &Classifier, rows: &[Array2<f32>], prepared: &[TrainingPage]) -> f32 {
    let pages: Vec<Vec<(f32, bool, f32)>> = rows
        .par_iter()
        .zip(prepared)
        .map(|(x, page)| {
            let (blocks, labels) = (&page.blocks, &page.labels);
            let p = model.predict_proba(x);
            labels
                .iter()
                .enumerate()
                .filter_map(|(b, l)| {
                    let words = blocks.word_keys[b].len().div_ceil(2) as f32;
                    l.map(|l| {
                        (
                            p[[b, Label::Boilerplate.index()]],
                            l == Label::Education,
                            words,
                        )
                    })
                })
                .collect()
        })
        .collect();
    let mean_f1 = |t: f32| {
        let f1s = pages.iter().map(|blocks| {
            let (mut tp, mut kept, mut content) = (0.0, 0.0, 0.0);
            for &(p, is_content, words) in blocks {
                let keep = p <= t;
                tp += if keep && is_content { words } else { 0.0 };
                kept += if keep { words } else { 0.0 };
                content += if is_content { words } else { 0.0 };
            }
            f1_of_counts(tp, content, kept)
        });
        f1s.sum::<f32>() / pages.len().max(1) as f32
    };
    (6..=18)
        .map(|i| i as f32 * 0.05)
        .max_by(|&a, &b| mean_f1(a).total_cmp(&mean_f1(b)))
        .unwrap_or(0.5)
}

/// Columns of the smoothing stage: the furniture probability of the blocks 1 and 2 before and
/// after, and the page's mean.
const NEIGHBOUR_WINDOW: [isize; 4] = [-2, -1, 1, 2];

/// `x` with the first stage's furniture probabilities of the neighbouring blocks appended.
fn with_furniture_around(x: &Array2<f32>, first: &Classifier) -> Array2<f32> {
    let p = first.predict_proba(x);
    let furniture = p.column(Label::Boilerplate.index());
    let n = x.nrows();
    let mean = furniture.mean().unwrap_or(0.0);
    let extra = NEIGHBOUR_WINDOW.len() + 1;
    let width = x.ncols() + extra;
    // Every value is written, row after row: pushed rather than zeroed first and then indexed.
    let mut out: Vec<f32> = Vec::with_capacity(n * width);
    for (b, row) in x.rows().into_iter().enumerate() {
        match row.to_slice() {
            Some(row) => out.extend_from_slice(row),
            None => out.extend(row.iter()),
        }
        for delta in NEIGHBOUR_WINDOW {
            // Beyond the page's ends, blocks count as furniture (headers and footers are).
            out.push(
                b.checked_add_signed(delta)
                    .filter(|&i| i < n)
                    .map_or(1.0, |i| furniture[i]),
            );
        }
        out.push(mean);
    }
    Array2::from_shape_vec((n, width), out).expect("n rows of `width` values")
}

/// Trains a content model on the pages of an index in the format of the web pack's
/// `index.jsonl` (`pagesift train --content-pages`): at most `max_pages` of them, spread evenly
/// over the file. Also returns the index's records that could not be read (they are left out).
pub fn train_from_index(
    index: &str,
    features: crate::features::FeatureOptions,
    classifier: ClassifierParams,
    max_pages: usize,
) -> Result<(ContentModel, Vec<crate::error::IngestError>), ModelError> {
    let (pages, skipped) = crate::ingest::read_content_pages(index);
    let extractor = FeatureExtractor::builder().options(features).build()?;
    let model = ContentModel::train(
        &pages,
        &extractor,
        classifier,
        max_pages,
        std::slice::from_ref(&index.to_string()),
    )?;
    Ok((model, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference_word_keys(text: &str) -> Vec<u32> {
        let fnv = |namespace: u64, parts: &[&str]| {
            let bytes = parts.iter().flat_map(|part| part.bytes().chain([0xff]));
            crate::hash::fnv1a_key(FNV_OFFSET ^ (namespace << 16), bytes)
        };
        let w = words(text);
        let mut keys: Vec<u32> = w.iter().map(|a| fnv(1, &[a])).collect();
        keys.extend(w.windows(2).map(|p| fnv(2, &[&p[0], &p[1]])));
        keys
    }

    proptest::proptest! {
        #[test]
        fn word_keys_equal_the_keys_of_the_words(text in "([ -~]|ΣΟΦΟΣ|Ärzte|’|—|é|İ|ß|日本|\u{a0}|x_y){0,30}") {
            proptest::prop_assert_eq!(word_keys(&text), reference_word_keys(&text));
        }
    }

    #[test]
    fn word_keys_hash_the_lower_cased_words_and_pairs() {
        let text = "Ärzte: the STRASSE-Straße, İstanbul ΣΟΦΟΣ x_y 42 — café";
        assert_eq!(words(text)[..3], ["ärzte", "the", "strasse"]);
        assert_eq!(word_keys(text), reference_word_keys(text));
        assert!(word_keys(" — ").is_empty());
        let ascii = "Call US_today: 555-0199, or e-mail info@example.org!";
        assert_eq!(word_keys(ascii), reference_word_keys(ascii));
        assert_eq!(word_keys(ascii).len(), 2 * words(ascii).len() - 1);
        assert!(word_keys(" -- ").is_empty());
    }

    #[test]
    fn furniture_alone_equals_the_furniture_of_the_labelling_pass() {
        let labeler = crate::Labeler::builtin().unwrap();
        let html =
            "<html><body><nav><a href=/>Home</a> <a href=/a>About us</a></nav><main><h1>Iron \
            deficiency</h1><p>Iron carries oxygen in the blood. Low iron makes people tired. Eat \
            lentils and greens.</p><p class=promo>Book a consultation today! Call 555-010-0199.</p>\
            </main><footer>© 2025 Example Clinic. All rights reserved.</footer></body></html>";
        let extracted = crate::html::extract(html.as_bytes(), None).unwrap();
        let page = Page {
            id: "p".into(),
            text: extracted.text,
            markup: Some(std::sync::Arc::new(extracted.markup)),
            ..Page::default()
        };
        let pipeline = &labeler.pipeline;
        let seg = pipeline.segment(&page);
        assert!(
            seg.units.len() > seg.blocks.len(),
            "a block has several sentences"
        );
        let content = pipeline.content.as_ref().unwrap();
        let alone = content.furniture(&pipeline.features, &page, &seg);
        let (_, in_pass) = pipeline
            .prepare_with_furniture(&page, &seg, &crate::features::RepeatIndex::default())
            .unwrap();
        assert_eq!(alone.len(), seg.blocks.len());
        assert_eq!(alone, in_pass);
    }

    #[test]
    fn weak_labels_follow_the_main_text() {
        let text = "Home\nCaffeine blocks adenosine receptors in the brain.\nShare this\nWhat caffeine does\n©";
        let seg = segmenter().segment_text(text);
        let main = "What caffeine does\nCaffeine blocks adenosine receptors in the brain, mostly.";
        let labels = weak_labels(text, &seg, main);
        assert_eq!(
            labels,
            [
                Some(Label::Boilerplate),
                Some(Label::Education),
                Some(Label::Boilerplate),
                Some(Label::Education),
                None
            ]
        );
    }
}
