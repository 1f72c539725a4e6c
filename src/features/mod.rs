//! Features: one dense row per unit, as linfa needs. A fixed list of layout and cue features
//! (length, position, punctuation, digits, phone numbers, prices, URLs, capitalisation, imperative
//! and second-person cues, repetition in the page and in the batch), then lexical evidence: the
//! [`Lexicon`] score of the unit's tokens, of its neighbours (units and blocks, two either side)
//! and of the whole page.

mod dom;
mod url;
pub use url::{page_type_keys, url_keys};

pub use dom::DOM_FEATURES;

use crate::error::ModelError;
use crate::lexicon::{Evidence, Lexicon, LexiconOptions};
use crate::types::{BlockTokens, ByteRange, Label, Segmentation};
use ndarray::Array2;
use regex::{Regex, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Options of the feature extractor, stored in the model.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureOptions {
    pub lexicon: LexiconOptions,
}

/// Builds a [`FeatureExtractor`], checking its options once.
#[derive(Debug, Clone, Default)]
pub struct FeatureExtractorBuilder {
    options: FeatureOptions,
}

impl FeatureExtractorBuilder {
    pub fn options(mut self, options: FeatureOptions) -> Self {
        self.options = options;
        self
    }

    pub fn min_count(mut self, min_count: u32) -> Self {
        self.options.lexicon.min_count = min_count;
        self
    }

    pub fn smoothing(mut self, smoothing: f32) -> Self {
        self.options.lexicon.smoothing = smoothing;
        self
    }

    /// Rejects a minimum count of 0 and a smoothing that is not a positive number.
    pub fn build(self) -> Result<FeatureExtractor, ModelError> {
        let l = self.options.lexicon;
        if l.min_count == 0 {
            return Err(ModelError::Param(
                "lexicon min_count must be at least 1".into(),
            ));
        }
        if !(l.smoothing.is_finite() && l.smoothing > 0.0) {
            return Err(ModelError::Param(format!(
                "lexicon smoothing must be a finite number > 0, got {}",
                l.smoothing
            )));
        }
        Ok(FeatureExtractor {
            options: self.options,
        })
    }
}

/// The lexical contexts of a unit, in column order.
pub const LEXICAL_CONTEXTS: &[&str] = &[
    "unit",
    "block",
    "previous_unit",
    "next_unit",
    "previous_block",
    "next_block",
    "block_minus_2",
    "block_plus_2",
    "page",
    "dom",
    "unit_total",
    "block_total",
    "previous_block_total",
    "next_block_total",
    "url",
    "model_unit",
    "model_block",
    "model_previous_block",
    "model_next_block",
];

/// A page's units reduced to what the features need: hashed n-gram keys and layout rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreparedPage {
    pub unit_keys: Vec<Vec<u32>>,
    pub block_keys: Vec<Vec<u32>>,
    /// Lexicon keys of each block's DOM context (empty on text pages).
    pub block_dom_keys: Vec<Vec<u32>>,
    pub unit_block: Vec<usize>,
    /// Lexicon keys of the page itself (its URL, see [`url_keys`]); empty without a URL.
    pub page_keys: Vec<u32>,
    /// Non-whitespace bytes of each unit: what the byte-level score weighs it by.
    pub unit_bytes: Vec<usize>,
    pub layout: Vec<Vec<f32>>,
    /// With [`PageContext::block_rows`]: the layout and DOM columns of every block taken as one
    /// unit, with batch repeats of 1 (the rows the content model reads); empty otherwise.
    pub block_layout: Vec<Vec<f32>>,
}

/// What the extractor needs to know about a page beyond its text.
pub struct PageContext<'a> {
    pub text: &'a str,
    pub segmentation: &'a Segmentation,
    /// Tokens of each block, in block order.
    pub tokens: &'a [BlockTokens],
    /// How many pages of the batch contain each block's text (from [`RepeatIndex`]).
    pub batch_repeats: &'a [u32],
    /// The DOM context of each block, for HTML pages.
    pub markup: Option<&'a crate::html::Markup>,
    /// Also fill [`PreparedPage::block_layout`]. A block that is one whole unit lends it its
    /// unit's row (only the position and batch columns differ), so most blocks are measured once.
    pub block_rows: bool,
}

/// Turns units into feature rows.
#[derive(Debug, Clone)]
pub struct FeatureExtractor {
    options: FeatureOptions,
}

/// Names of the dense features, in column order after the hashed ones.
pub const DENSE_FEATURES: &[&str] = &[
    "unit_bytes_log",
    "unit_words_log",
    "block_words_log",
    "unit_short_1_3_words",
    "unit_long_over_25_words",
    "ends_period",
    "ends_question",
    "ends_exclamation",
    "ends_colon",
    "ends_without_punctuation",
    "uppercase_share",
    "digit_share",
    "punctuation_share",
    "titlecase_word_share",
    "has_phone_number",
    "has_price",
    "has_percent",
    "has_url_or_email",
    "has_copyright",
    "second_person_share",
    "first_person_plural_share",
    "starts_with_imperative",
    "has_call_to_action_phrase",
    "page_position",
    "page_position_squared",
    "in_first_tenth",
    "in_last_tenth",
    "first_unit_of_block",
    "last_unit_of_block",
    "block_has_several_units",
    "indented",
    "blank_line_before",
    "blank_line_after",
    "repeats_in_page",
    "copy_later_in_page",
    "copy_earlier_in_page",
    "repeats_in_batch",
    "previous_block_words_log",
    "next_block_words_log",
    "previous_block_short",
    "next_block_short",
    "separator_count",
    "starts_with_bullet_or_number",
    "has_citation_mark",
    "mentions_site_name",
    "block_mentions_site_name",
    "has_first_person_plural",
    "starts_with_at_name",
    "has_disclaimer_phrase",
    "has_byline_or_credit_phrase",
    "has_author_bio_phrase",
    "site_name_as_actor",
    "has_offer_or_trust_phrase",
    "has_navigation_phrase",
    "starts_with_quote",
    "first_person_singular_share",
    "page_call_to_action_share",
    "page_first_person_plural_share",
    "page_has_phone_or_price",
    "first_person_plural_on_selling_page",
    "site_name_on_selling_page",
];

/// Columns before the lexical ones: the dense layout/cue features, then the DOM features.
const LAYOUT_WIDTH: usize =
    DENSE_FEATURES.len() + DOM_FEATURES.len() + crate::content::CONTENT_FEATURES.len();

/// Where the page-level columns start in `DENSE_FEATURES` (they are filled in after every unit).
const PAGE_COLUMNS: usize = DENSE_FEATURES.len() - 5;

/// Where the four page-position columns start in `DENSE_FEATURES`.
const POSITION_COLUMNS: usize = 23;

/// The `repeats_in_batch` column of `DENSE_FEATURES`.
const BATCH_REPEATS_COLUMN: usize = 36;

/// The page-position columns of unit `u` of `n`: position, its square, first and last tenth.
fn position_columns(u: usize, n: usize) -> [f32; 4] {
    let position = if n > 1 {
        u as f32 / (n - 1) as f32
    } else {
        0.0
    };
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    [
        position,
        position * position,
        flag(position < 0.1),
        flag(position > 0.9),
    ]
}

fn batch_repeats_column(repeats_in_batch: u32) -> f32 {
    (repeats_in_batch.saturating_sub(1) as f32).ln_1p() / 3.0
}

/// Declares the cue patterns: a [`Cue`] index for each, and its pattern in [`CUE_PATTERNS`].
macro_rules! cues {
    ($($(#[$doc:meta])* $name:ident => $pattern:expr,)*) => {
        /// The cue patterns, matched in one pass over a unit by [`CUES`].
        #[derive(Debug, Clone, Copy)]
        enum Cue { $($name),* }
        const CUE_PATTERNS: &[&str] = &[$($pattern),*];
    };
}

/// All cues in one set: one scan of a unit answers every cue, where a regex per cue scanned
/// the unit a dozen times. The patterns are constants, so building cannot fail at run time
/// (every test that extracts features builds it).
static CUES: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSetBuilder::new(CUE_PATTERNS)
        // The lazy DFA of a dozen alternations searched for all at once outgrows the default
        // cache on real pages and keeps rebuilding its states: twice as slow (measured on the
        // extracted lines of 732 real pages, 8.8 MB). The cache grows only as far as needed.
        .dfa_size_limit(CUE_DFA_CACHE_BYTES)
        .build()
        .expect("valid cue patterns")
});

/// Most memory the cue set's lazy DFA may use, per thread.
const CUE_DFA_CACHE_BYTES: usize = 8 << 20;

/// The copyright cue alone, to find the copyright line of a page.
static COPYRIGHT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(CUE_PATTERNS[Cue::Copyright as usize]).expect("valid pattern"));

cues! {
    // ASCII classes and word boundaries keep the regex crate on its fast DFA: a Unicode `\b`
    // makes it fall back to a slower engine on non-ASCII text.
    Phone => r"(?:\+?1[ .-]?)?\(?[0-9]{3}\)?[ .-][0-9]{3}[ .-][0-9]{4}|(?-u:\b)[0-9]{3,4}[ -][0-9]{3}[ -][0-9]{3,4}(?-u:\b)",
    Price => r"[$£€] ?[0-9]|[0-9] ?(?:USD|EUR|GBP)(?-u:\b)|(?i)(?-u:\b)free(?-u:\b)",
    Url => r"(?i)https?://|www\.|(?-u:\b)[A-Za-z0-9_.-]+@[A-Za-z0-9_-]+\.[A-Za-z]|\.(?:com|org|net|example)(?-u:\b)",
    Copyright => r"(?i)©|\(c\) *[0-9]|copyright|all rights reserved",
    CallToAction => r"(?i)(?-u:\b)(?:call (?:us|now|today)|contact us|book (?:now|online|an?|your)|schedule (?:an?|your)|sign up|subscribe|get started|request (?:an?|your)|free (?:consultation|trial|assessment)|learn more|order now|buy now|shop now|download|our (?:team|clinic|clinicians|specialists|staff|program)|we (?:offer|provide|accept|can help)|insurance|by submitting|fill out (?:the|this|our) form|to be contacted|accredited by)(?-u:\b)",
    // Standard disclaimers and review notes: boilerplate by the annotation guideline.
    Disclaimer => r"(?i)(?-u:\b)(?:not (?:intended (?:as|to be) |a substitute for )?(?:professional )?(?:medical|legal|financial)(?: [a-z]+)? advice|(?:general )?informational purposes|information only|not been evaluated by the food|not intended to diagnose|does not endorse|results (?:may )?vary|in exchange for an? (?:honest|free)|strives to ensure|always read the (?:label|leaflet)|seek (?:immediate )?medical (?:attention|help)|if you are experiencing a medical emergency|call 911|disclaimer|important note)(?-u:\b)",
    // Bylines, review lines and credits.
    Byline => r"^(?:(?i:about the author|written by|medically reviewed|reviewed by|fact[- ]checked|last (?:updated|reviewed)|updated on|published|photo(?:graph)?:|image:|credit:|sources?:|illustration)|By [A-Z][a-z]+ [A-Z])",
    // Author boxes, corrections and encyclopedia hatnotes.
    AuthorBio => r"(?i)(?-u:\b)(?:is a (?:board[- ]certified|licensed|registered|certified|freelance|staff|senior) |graduate of|has (?:practiced|worked|written|reported|covered)|correction:|editor'?s note|redirects here|this article is about)",
    // Offers, prices, guarantees, trust badges, insurance and newsletter pitches.
    Offer => r"(?i)% off|★|(?-u:\b)(?:discount|coupon|promo code|use code|limited[- ]time|free shipping|money[- ]back|guarantee[ds]?|risk[- ]free|best[- ]selling|top[- ]rated|award[- ]winning|5[- ]star|trusted by|join (?:over|more than)|[0-9][0-9,]*\+? (?:patients|clients|customers|members|reviews)|same[- ](?:day|week)|in[- ]network|(?:we )?accept (?:most )?(?:major )?(?:insurance|ppo)|financing|payment plans?|newsletter|inbox|testimonials?|add to cart|buy|subscribe (?:&|and) save)(?-u:\b)",
    // Site furniture: navigation, account, sharing and legal links, form mechanics.
    Navigation => r"(?i)(?-u:\b)(?:skip to|home|menu|search|log ?in|sign ?in|my account|cart|basket|privacy(?: policy)?|terms(?: of use| of service)?|cookies?|sitemap|site map|share|print|tags?:|related|read more|next|previous|comments?|reply|back to top|top of page|follow us|all rights reserved|this field|required fields?|fields? marked|left unchanged|captcha)(?-u:\b)",
    AtName => r"^At [A-Z]",
    Citation => r"\[\d+\]",
}

/// Words that start a call to action when they open a sentence.
const IMPERATIVES: &[&str] = &[
    "call",
    "book",
    "schedule",
    "contact",
    "get",
    "sign",
    "download",
    "learn",
    "subscribe",
    "join",
    "try",
    "request",
    "start",
    "visit",
    "order",
    "buy",
    "shop",
    "click",
    "find",
    "discover",
    "save",
    "claim",
    "register",
    "enroll",
    "apply",
    "text",
    "chat",
    "take",
    "don't",
    "reserve",
    "speak",
];

impl FeatureExtractor {
    pub fn builder() -> FeatureExtractorBuilder {
        FeatureExtractorBuilder::default()
    }

    pub fn options(&self) -> FeatureOptions {
        self.options
    }

    /// Number of layout columns, DOM columns, then lexical columns.
    pub fn width(&self) -> usize {
        LAYOUT_WIDTH + LEXICAL_CONTEXTS.len() * Label::COUNT
    }

    /// A readable name for a column.
    pub fn feature_name(&self, column: usize) -> String {
        if column < DENSE_FEATURES.len() {
            return DENSE_FEATURES[column].to_string();
        }
        match column.checked_sub(LAYOUT_WIDTH) {
            None if column < DENSE_FEATURES.len() + DOM_FEATURES.len() => {
                DOM_FEATURES[column - DENSE_FEATURES.len()].to_string()
            }
            None => crate::content::CONTENT_FEATURES
                [column - DENSE_FEATURES.len() - DOM_FEATURES.len()]
            .to_string(),
            Some(lexical) => format!(
                "lexicon_{}_{}",
                LEXICAL_CONTEXTS[lexical / Label::COUNT],
                Label::from_index(lexical % Label::COUNT)
            ),
        }
    }

    /// Hashed n-gram keys of a token sequence: unigrams, bigrams and the first token.
    pub fn ngram_keys(ids: &[u32]) -> Vec<u32> {
        let mut keys = Vec::with_capacity(ids.len() * 2 + 1);
        keys.extend(ids.iter().map(|&id| hash_key(b'u', &[id])));
        keys.extend(ids.windows(2).map(|pair| hash_key(b'b', pair)));
        if let Some(&first) = ids.first() {
            keys.push(hash_key(b'f', &[first]));
        }
        keys
    }

    /// Pass over the page that needs no learned part: keys and layout features per unit.
    pub fn prepare(&self, ctx: &PageContext<'_>) -> PreparedPage {
        let seg = ctx.segmentation;
        let text = ctx.text;
        let n_units = seg.units.len();
        let block_words: Vec<usize> = seg
            .blocks
            .iter()
            .map(|b| word_count(b.range.slice(text)))
            .collect();
        let in_page = page_repeats(text, seg);
        let copyright = copyright_block(text, seg);
        let site_name = site_name_words(copyright.map(|b| seg.blocks[b].range.slice(text)));
        // Whether each block names the site: every unit of a block has this column.
        let block_mentions: Vec<bool> = seg
            .blocks
            .iter()
            .map(|b| mentions_any(b.range.slice(text), &site_name))
            .collect();
        let mut prepared = PreparedPage {
            unit_keys: Vec::with_capacity(n_units),
            block_keys: ctx
                .tokens
                .iter()
                .map(|t| Self::ngram_keys(&t.ids))
                .collect(),
            block_dom_keys: Vec::new(),
            unit_block: Vec::with_capacity(n_units),
            page_keys: Vec::new(),
            unit_bytes: Vec::with_capacity(n_units),
            layout: Vec::with_capacity(n_units),
            block_layout: Vec::new(),
        };
        // The HTML extractor writes one block per line, so block i of the segmentation is
        // block i of the markup; a mismatch (never expected) drops the DOM features.
        let dom_blocks = ctx
            .markup
            .map(|m| m.blocks.as_slice())
            .filter(|b| b.len() == seg.blocks.len());
        debug_assert!(ctx.markup.is_none() || dom_blocks.is_some());
        if let Some(blocks) = dom_blocks {
            prepared.block_dom_keys = dom::dom_keys_of(blocks);
        }
        for (u, unit) in seg.units.iter().enumerate() {
            let block = &seg.blocks[unit.block];
            let tokens = &ctx.tokens[unit.block];
            let local = ByteRange::new(
                unit.range.start - block.range.start,
                unit.range.end - block.range.start,
            );
            // A unit that is its whole block has the block's keys.
            let keys = if unit.siblings == 1 && unit.range == block.range {
                prepared.block_keys[unit.block].clone()
            } else {
                Self::ngram_keys(ids_within(tokens, local))
            };
            prepared.unit_keys.push(keys);
            prepared.unit_block.push(unit.block);
            prepared
                .unit_bytes
                .push(crate::types::non_whitespace_bytes(unit.range.slice(text)));
            prepared.layout.push(self.dense_features(
                text,
                unit.range.slice(text),
                u,
                n_units,
                unit,
                block,
                &block_words,
                &in_page[unit.block],
                ctx.batch_repeats.get(unit.block).copied().unwrap_or(1),
                &site_name,
                &block_mentions,
            ));
        }
        add_page_columns(&mut prepared.layout);
        for (row, unit) in prepared.layout.iter_mut().zip(&seg.units) {
            dom::dom_row(dom_blocks.map(|b| &b[unit.block]), row);
        }
        if ctx.block_rows {
            prepared.block_layout = self.block_layout(
                text,
                seg,
                &prepared.layout,
                &block_words,
                &in_page,
                &site_name,
                &block_mentions,
                dom_blocks,
            );
        }
        prepared
    }

    /// Rows of the blocks as one unit each (see [`PageContext::block_rows`]), given the rows of
    /// the units.
    #[allow(clippy::too_many_arguments)]
    fn block_layout(
        &self,
        text: &str,
        seg: &Segmentation,
        unit_rows: &[Vec<f32>],
        block_words: &[usize],
        in_page: &[PageCopies],
        site_name: &[&str],
        block_mentions: &[bool],
        dom_blocks: Option<&[crate::html::BlockContext]>,
    ) -> Vec<Vec<f32>> {
        let n_blocks = seg.blocks.len();
        // The unit that is a whole block, for blocks of one unit.
        let mut whole_unit: Vec<Option<usize>> = vec![None; n_blocks];
        for (u, unit) in seg.units.iter().enumerate() {
            if unit.siblings == 1 && unit.range == seg.blocks[unit.block].range {
                whole_unit[unit.block] = Some(u);
            }
        }
        let mut rows: Vec<Vec<f32>> = seg
            .blocks
            .iter()
            .zip(&whole_unit)
            .enumerate()
            .map(|(b, (block, whole))| match *whole {
                Some(u) => {
                    let mut row = unit_rows[u].clone();
                    row[POSITION_COLUMNS..POSITION_COLUMNS + 4]
                        .copy_from_slice(&position_columns(b, n_blocks));
                    row[BATCH_REPEATS_COLUMN] = batch_repeats_column(1);
                    row
                }
                None => {
                    let as_unit = crate::types::Unit {
                        range: block.range,
                        block: b,
                        position: 0,
                        siblings: 1,
                    };
                    let mut row = self.dense_features(
                        text,
                        block.range.slice(text),
                        b,
                        n_blocks,
                        &as_unit,
                        block,
                        block_words,
                        &in_page[b],
                        1,
                        site_name,
                        block_mentions,
                    );
                    dom::dom_row(dom_blocks.map(|d| &d[b]), &mut row);
                    row
                }
            })
            .collect();
        add_page_columns(&mut rows);
        rows
    }

    /// The dense rows of a prepared page, scored with `lexicon`.
    pub fn rows(&self, page: &PreparedPage, lexicon: &Lexicon) -> Array2<f32> {
        let n = page.unit_keys.len();
        let mut x = Array2::<f32>::zeros((n, self.width()));
        // Each key list is looked up once for both the naive-Bayes evidence and the
        // discriminative model's probabilities.
        let (block_evidence, block_model): (Vec<Evidence>, Vec<[f32; 3]>) = page
            .block_keys
            .iter()
            .map(|k| lexicon.evidence_and_model(k))
            .unzip();
        // A unit that is its whole block has the block's keys: its evidence is already known.
        let (unit_evidence, unit_model): (Vec<Evidence>, Vec<[f32; 3]>) = page
            .unit_keys
            .iter()
            .zip(&page.unit_block)
            .map(|(keys, &b)| match page.block_keys.get(b) {
                Some(block_keys) if block_keys == keys => (block_evidence[b], block_model[b]),
                _ => lexicon.evidence_and_model(keys),
            })
            .unzip();
        let unit_scores: Vec<[f32; 3]> = unit_evidence.iter().map(Evidence::mean).collect();
        let block_scores: Vec<[f32; 3]> = block_evidence.iter().map(Evidence::mean).collect();
        let mut page_evidence = Evidence::default();
        block_evidence.iter().for_each(|e| page_evidence.add(e));
        let page_score = page_evidence.mean();
        let dom_scores = lexicon.scores(&page.block_dom_keys);
        let zero = [0f32; 3];
        // The discriminative model's probabilities are columns for the unit, its block and the
        // blocks around it. (Its page mean was a column too: it outweighed every unit cue, so a
        // pitch sentence on an informing page went with the page, and it is left out.)
        let url_score = if page.page_keys.is_empty() {
            zero
        } else {
            lexicon.score(&page.page_keys)
        };
        let block_at = |b: usize, delta: isize| {
            b.checked_add_signed(delta)
                .and_then(|i| block_scores.get(i))
                .copied()
                .unwrap_or(zero)
        };
        for u in 0..n {
            let b = page.unit_block[u];
            let mut row = x.row_mut(u);
            for (i, v) in page.layout[u].iter().enumerate() {
                row[i] = *v;
            }
            let contexts = [
                unit_scores[u],
                block_scores[b],
                u.checked_sub(1).map_or(zero, |p| unit_scores[p]),
                unit_scores.get(u + 1).copied().unwrap_or(zero),
                block_at(b, -1),
                block_at(b, 1),
                block_at(b, -2),
                block_at(b, 2),
                page_score,
                dom_scores.get(b).copied().unwrap_or(zero),
                unit_evidence[u].total(),
                block_evidence[b].total(),
                b.checked_sub(1)
                    .and_then(|p| block_evidence.get(p))
                    .map_or(zero, Evidence::total),
                block_evidence.get(b + 1).map_or(zero, Evidence::total),
                url_score,
                unit_model[u],
                block_model[b],
                b.checked_sub(1).map_or(zero, |p| block_model[p]),
                block_model.get(b + 1).copied().unwrap_or(zero),
            ];
            let base = LAYOUT_WIDTH;
            for (c, scores) in contexts.iter().enumerate() {
                for k in 0..Label::COUNT {
                    row[base + c * Label::COUNT + k] = scores[k];
                }
            }
        }
        x
    }

    #[allow(clippy::too_many_arguments)]
    fn dense_features(
        &self,
        text: &str,
        unit_text: &str,
        u: usize,
        n_units: usize,
        unit: &crate::types::Unit,
        block: &crate::types::Block,
        block_words: &[usize],
        in_page: &PageCopies,
        repeats_in_batch: u32,
        site_name: &[&str],
        block_mentions: &[bool],
    ) -> Vec<f32> {
        let b = block.index;
        // A unit that is its whole block names the site when its block does.
        let unit_mentions = if unit.range == block.range {
            block_mentions[b]
        } else {
            mentions_any(unit_text, site_name)
        };
        let stats = TextStats::of(unit_text);
        let words = stats.words.max(1) as f32;
        let last = unit_text
            .trim_end_matches(['"', '\'', '”', '’', ')'])
            .chars()
            .last();
        let position = position_columns(u, n_units);
        let prev_words = b.checked_sub(1).map(|p| block_words[p]);
        let next_words = block_words.get(b + 1).copied();
        let line_start = text[..block.range.start].rfind('\n').map_or(0, |i| i + 1);
        let blank_before = b > 0
            && text[..line_start]
                .trim_end_matches([' ', '\t', '\r'])
                .ends_with("\n\n")
            || text[..line_start.saturating_sub(1)].ends_with('\n');
        let after = &text[block.range.end..];
        let line_end = after.find('\n').map_or(after.len(), |i| i + 1);
        let blank_after = after[line_end..]
            .trim_start_matches([' ', '\t', '\r'])
            .starts_with('\n');
        let first_word = unit_text
            .split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .find(|w| !w.is_empty())
            .unwrap_or_default();
        // The list is lower-case ASCII: an ASCII word compares without a lower-cased copy.
        let starts_with_imperative = if first_word.is_ascii() {
            IMPERATIVES
                .iter()
                .any(|w| w.eq_ignore_ascii_case(first_word))
        } else {
            IMPERATIVES.contains(&first_word.to_lowercase().as_str())
        };
        let log_words = |w: usize| ((1 + w) as f32).ln() / 5.0;
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let cues = CUES.matches(unit_text);
        let cue = |c: Cue| flag(cues.matched(c as usize));
        // Room for the DOM and content columns appended later, so the row is never moved.
        let mut row = Vec::with_capacity(LAYOUT_WIDTH);
        row.extend_from_slice(&[
            ((1 + unit_text.len()) as f32).ln() / 8.0,
            log_words(stats.words),
            log_words(block_words[b]),
            flag(stats.words <= 3),
            flag(stats.words > 25),
            flag(last == Some('.')),
            flag(last == Some('?')),
            flag(last == Some('!')),
            flag(last == Some(':')),
            flag(!matches!(last, Some('.' | '?' | '!' | ':' | '…'))),
            stats.upper as f32 / stats.letters.max(1) as f32,
            stats.digits as f32 / stats.chars.max(1) as f32,
            stats.punct as f32 / stats.chars.max(1) as f32,
            stats.titlecase as f32 / words,
            cue(Cue::Phone),
            cue(Cue::Price),
            flag(unit_text.contains('%')),
            cue(Cue::Url),
            cue(Cue::Copyright),
            (stats.second_person as f32 / words * 5.0).min(1.0),
            (stats.first_plural as f32 / words * 5.0).min(1.0),
            flag(starts_with_imperative),
            cue(Cue::CallToAction),
            position[0],
            position[1],
            position[2],
            position[3],
            flag(unit.position == 0),
            flag(unit.position + 1 == unit.siblings),
            flag(unit.siblings > 1),
            flag(block.range.start > line_start),
            flag(blank_before),
            flag(blank_after),
            (in_page.count.saturating_sub(1) as f32).ln_1p() / 2.0,
            flag(in_page.later),
            flag(in_page.earlier),
            batch_repeats_column(repeats_in_batch),
            prev_words.map_or(0.0, log_words),
            next_words.map_or(0.0, log_words),
            flag(prev_words.is_none_or(|w| w <= 3)),
            flag(next_words.is_none_or(|w| w <= 3)),
            (stats.separators as f32).ln_1p() / 2.0,
            flag(
                unit_text.starts_with(['•', '-', '*', '·', '▪', '✓', '★'])
                    || unit_text.starts_with(|c: char| c.is_ascii_digit()),
            ),
            cue(Cue::Citation),
            flag(unit_mentions),
            flag(block_mentions[b]),
            flag(stats.first_plural > 0),
            cue(Cue::AtName),
            cue(Cue::Disclaimer),
            cue(Cue::Byline),
            cue(Cue::AuthorBio),
            flag(site_name_as_actor(unit_text, site_name)),
            cue(Cue::Offer),
            cue(Cue::Navigation),
            flag(unit_text.starts_with(['“', '"', '‘'])),
            (stats.first_singular as f32 / words * 5.0).min(1.0),
            // Page-level columns, filled in by `prepare` once every unit is known.
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ]);
        row
    }
}

/// Where the second stage looks for first-stage probabilities, in column order.
pub const NEIGHBOUR_CONTEXTS: &[&str] = &[
    "previous_unit",
    "next_unit",
    "block",
    "previous_block",
    "next_block",
    "page",
    "blocks_before",
    "blocks_after",
    "section",
    "page_times_unit",
];

/// The name of a column of a stacked stage's input: the features, then the neighbours'
/// probabilities.
pub fn stacked_feature_name(features: &FeatureExtractor, column: usize) -> String {
    match column.checked_sub(features.width()) {
        None => features.feature_name(column),
        Some(i) => format!(
            "neighbours_{}_{}",
            NEIGHBOUR_CONTEXTS[i / Label::COUNT],
            Label::from_index(i % Label::COUNT)
        ),
    }
}

/// Columns `with_neighbours` appends.
pub const NEIGHBOUR_COLUMNS: usize = 10 * Label::COUNT;

/// `x` with the neighbours' label probabilities appended (the second, stacked stage's input).
pub fn with_neighbours(x: &Array2<f32>, probs: &Array2<f32>, unit_block: &[usize]) -> Array2<f32> {
    let n = x.nrows();
    let k = Label::COUNT;
    let n_blocks = unit_block.last().map_or(0, |b| b + 1);
    let mut block_sum = vec![[0f32; 3]; n_blocks];
    let mut block_count = vec![0f32; n_blocks];
    let mut page = [0f32; 3];
    for (u, &b) in unit_block.iter().enumerate() {
        for c in 0..k {
            block_sum[b][c] += probs[[u, c]];
            page[c] += probs[[u, c]];
        }
        block_count[b] += 1.0;
    }
    let mean = |sum: [f32; 3], count: f32| {
        if count > 0.0 {
            sum.map(|v| v / count)
        } else {
            [0.0; 3]
        }
    };
    let page = mean(page, n as f32);
    let block_mean = |b: Option<usize>| {
        b.filter(|&b| b < n_blocks)
            .map_or([0.0; 3], |b| mean(block_sum[b], block_count[b]))
    };
    // Mean of the block means over blocks `from..to`: the wider context a block sits in (the few
    // blocks before and after it, and the section around it).
    const WINDOW: usize = 3;
    const SECTION: usize = 8;
    let window = |from: usize, to: usize| {
        let mut sum = [0f32; 3];
        let mut count = 0f32;
        for b in from..to {
            if block_count[b] > 0.0 {
                let m = mean(block_sum[b], block_count[b]);
                for c in 0..3 {
                    sum[c] += m[c];
                }
                count += 1.0;
            }
        }
        mean(sum, count)
    };
    let mut out = Array2::<f32>::zeros((n, x.ncols() + NEIGHBOUR_CONTEXTS.len() * k));
    for (u, &b) in unit_block.iter().enumerate().take(n) {
        let unit = |i: Option<usize>| {
            i.filter(|&i| i < n)
                .map_or([0.0; 3], |i| [probs[[i, 0]], probs[[i, 1]], probs[[i, 2]]])
        };
        let contexts = [
            unit(u.checked_sub(1)),
            unit(Some(u + 1)),
            block_mean(Some(b)),
            block_mean(b.checked_sub(1)),
            block_mean(Some(b + 1)),
            page,
            window(b.saturating_sub(WINDOW), b),
            window(b + 1, (b + 1 + WINDOW).min(n_blocks)),
            window(b.saturating_sub(SECTION), (b + SECTION + 1).min(n_blocks)),
            // How the page leans times how the unit leans: a linear stage cannot multiply.
            {
                let own = unit(Some(u));
                [page[0] * own[0], page[1] * own[1], page[2] * own[2]]
            },
        ];
        let mut row = out.row_mut(u);
        for (i, v) in x.row(u).iter().enumerate() {
            row[i] = *v;
        }
        for (c, p) in contexts.iter().enumerate() {
            for j in 0..k {
                row[x.ncols() + c * k + j] = p[j];
            }
        }
    }
    out
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a over `bytes` from `state`, folded to 32 bits: the lexicon keys of every family (token
/// n-grams, DOM keys, URL and page-type keys) go through it, each family from its own seeded state.
pub(crate) fn fnv1a_key(mut h: u64, bytes: impl IntoIterator<Item = u8>) -> u32 {
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    (h ^ (h >> 32)) as u32
}

/// The state FNV-1a reaches after one namespace value (stable across runs and machines).
pub(crate) fn fnv1a_seeded(namespace: u64) -> u64 {
    (FNV_OFFSET ^ namespace).wrapping_mul(FNV_PRIME)
}

/// FNV-1a of a namespace byte and token ids: stable across runs and machines.
fn hash_key(namespace: u8, ids: &[u32]) -> u32 {
    fnv1a_key(
        fnv1a_seeded(u64::from(namespace)),
        ids.iter().flat_map(|id| id.to_le_bytes()),
    )
}

/// The token ids of a block whose offsets fall inside `local` (a range relative to the block).
fn ids_within(tokens: &BlockTokens, local: ByteRange) -> &[u32] {
    let start = tokens
        .offsets
        .partition_point(|&(s, _)| (s as usize) < local.start);
    let end = tokens
        .offsets
        .partition_point(|&(s, _)| (s as usize) < local.end);
    &tokens.ids[start..end.max(start)]
}

/// Fills the page-level columns: how much of the page sells, and the unit cues that mean more
/// on a page that sells (a linear model cannot multiply them itself).
fn add_page_columns(layout: &mut [Vec<f32>]) {
    let col = |name: &str| {
        DENSE_FEATURES
            .iter()
            .position(|n| *n == name)
            .expect("known feature")
    };
    let (cta, phone, price, plural, site) = (
        col("has_call_to_action_phrase"),
        col("has_phone_number"),
        col("has_price"),
        col("has_first_person_plural"),
        col("mentions_site_name"),
    );
    let n = layout.len().max(1) as f32;
    let share = |c: usize| layout.iter().map(|r| r[c]).sum::<f32>() / n;
    let cta_share = share(cta);
    let plural_share = share(plural);
    let phone_or_price = if layout.iter().any(|r| r[phone] > 0.0 || r[price] > 0.0) {
        1.0
    } else {
        0.0
    };
    let selling = (cta_share * 4.0).min(1.0);
    for row in layout.iter_mut() {
        row[PAGE_COLUMNS] = cta_share;
        row[PAGE_COLUMNS + 1] = plural_share;
        row[PAGE_COLUMNS + 2] = phone_or_price;
        row[PAGE_COLUMNS + 3] = row[plural] * selling;
        row[PAGE_COLUMNS + 4] = row[site] * selling;
    }
}

/// Words that name a business but not which one.
const GENERIC_NAME_WORDS: &[&str] = &[
    "All",
    "Rights",
    "Reserved",
    "Copyright",
    "Inc",
    "LLC",
    "PLLC",
    "Ltd",
    "The",
    "Media",
    "Health",
    "Group",
    "Company",
    "Center",
    "Centre",
    "Clinic",
    "Foundation",
    "Privacy",
    "Policy",
    "Terms",
    "Powered",
    "Website",
];

/// The block holding the page's copyright notice (its first block with the copyright cue).
fn copyright_block(text: &str, seg: &Segmentation) -> Option<usize> {
    seg.blocks
        .iter()
        .position(|b| COPYRIGHT.is_match(b.range.slice(text)))
}

/// The distinctive words of the site's own name, read from its copyright line
/// ("© 2025 Harbor Ridge Recovery LLC" → Harbor, Ridge, Recovery). Mentions of the site's
/// own name are a strong sign of a pitch.
fn site_name_words(copyright_line: Option<&str>) -> Vec<&str> {
    let Some(line) = copyright_line else {
        return Vec::new();
    };
    let after = match line.find('©') {
        Some(i) => &line[i + '©'.len_utf8()..],
        None => line.find("opyright").map_or(line, |i| &line[i + 8..]),
    };
    let mut words = Vec::new();
    for word in after.split(|c: char| c.is_whitespace() || c == ',') {
        let clean = word.trim_matches(|c: char| !c.is_alphanumeric());
        if clean
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '–')
        {
            continue; // years
        }
        if !clean.chars().next().is_some_and(char::is_uppercase) || word.contains('|') {
            break;
        }
        if clean.chars().count() >= 3 && !GENERIC_NAME_WORDS.contains(&clean) {
            words.push(clean);
        }
        if word.ends_with(['.', '|', '·']) || words.len() == 3 {
            break;
        }
    }
    words
}

fn mentions_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| {
        text.match_indices(w).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + w.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

/// The site acting in the sentence: "At Desert Bloom, …", "Here at ClearPoint", "Linden House's
/// team", "Northlake offers …" — the seller describing its own service.
fn site_name_as_actor(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| {
        text.match_indices(w).any(|(i, _)| {
            let before = text[..i].trim_end();
            let after = &text[i + w.len()..];
            let at = before.ends_with(" at")
                || before.ends_with("At")
                || before == "at"
                || before.ends_with("with");
            let possessive = after.starts_with("'s") || after.starts_with("’s");
            let starts = before.is_empty();
            at || possessive || starts
        })
    })
}

/// How often each block's text appears in its own page.
fn page_repeats(text: &str, seg: &Segmentation) -> Vec<PageCopies> {
    let alone = PageCopies {
        count: 1,
        earlier: false,
        later: false,
    };
    let mut copies = vec![alone; seg.blocks.len()];
    // Hash the keys first (no allocation for ASCII): only blocks whose hash recurs can have a
    // copy, and only those are compared as strings.
    let hashes: Vec<Option<u64>> = seg
        .blocks
        .iter()
        .map(|b| copy_key_hash(b.range.slice(text)))
        .collect();
    let mut hash_counts: HashMap<u64, u32> = HashMap::with_capacity(hashes.len());
    for hash in hashes.iter().flatten() {
        *hash_counts.entry(*hash).or_default() += 1;
    }
    let mut positions: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, hash) in hashes.iter().enumerate() {
        if hash.is_some_and(|h| hash_counts[&h] > 1) {
            let key = copy_key(seg.blocks[i].range.slice(text));
            positions.entry(key).or_default().push(i);
        }
    }
    for at in positions.values() {
        for &i in at {
            copies[i] = PageCopies {
                count: at.len() as u32,
                earlier: at[0] < i,
                later: at[at.len() - 1] > i,
            };
        }
    }
    copies
}

/// How a block's text recurs in its page. A table-of-contents entry has a later copy (the
/// heading it points to); a heading listed in a table of contents has an earlier one.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PageCopies {
    count: u32,
    earlier: bool,
    later: bool,
}

/// A block's text for spotting copies: lower-cased, without list markers, numbering or a
/// trailing "[edit]" ("- 6.1 Cost[edit]" and "Cost" match).
fn copy_key(block: &str) -> String {
    copy_key_text(block).to_lowercase()
}

fn copy_key_text(block: &str) -> &str {
    block
        .trim_start_matches(|c: char| !c.is_alphabetic())
        .trim_end_matches("[edit]")
        .trim_end_matches(|c: char| !c.is_alphanumeric())
}

/// A hash of [`copy_key`], or `None` when the key is too short to count copies of (under 3
/// bytes). Equal keys have equal hashes; ASCII keys are hashed without being copied.
fn copy_key_hash(block: &str) -> Option<u64> {
    let text = copy_key_text(block);
    if text.is_ascii() {
        (text.len() >= 3).then(|| case_blind_hash(text))
    } else {
        let lower = text.to_lowercase();
        (lower.len() >= 3).then(|| case_blind_hash(&lower))
    }
}

const FIRST_PERSON_SINGULAR: &[&str] = &[
    "i", "i'm", "i’m", "i've", "i’ve", "my", "me", "mine", "myself",
];
const SECOND_PERSON: &[&str] = &[
    "you", "your", "yours", "you're", "you’re", "yourself", "you'll", "you’ll",
];
const FIRST_PERSON_PLURAL: &[&str] = &[
    "we",
    "our",
    "us",
    "ours",
    "we're",
    "we’re",
    "we'll",
    "we’ll",
    "ourselves",
];

/// Byte lanes of [`ASCII_CHARACTER_COUNTS`]: which counter of [`TextStats`] a lane adds to.
const COUNTS_CHARS: u32 = 0;
const COUNTS_LETTERS: u32 = 1;
const COUNTS_UPPER: u32 = 2;
const COUNTS_DIGITS: u32 = 3;
const COUNTS_PUNCT: u32 = 4;
const COUNTS_SEPARATORS: u32 = 5;

/// One in `counter`'s lane.
const fn one(counter: u32) -> u64 {
    1 << (8 * counter)
}

/// What each ASCII byte adds to the character counters of [`TextStats`], one byte lane per
/// counter: the classes of [`TextStats::count_characters`], worked out at compile time.
static ASCII_CHARACTER_COUNTS: [u64; 128] = {
    let mut table = [0u64; 128];
    let mut b = 0u8;
    while b < 128 {
        // ASCII's whitespace by `char::is_whitespace` counts nothing.
        if !matches!(b, b'\t'..=b'\r' | b' ') {
            table[b as usize] = one(COUNTS_CHARS)
                + if b.is_ascii_alphabetic() {
                    one(COUNTS_LETTERS)
                        + if b.is_ascii_uppercase() {
                            one(COUNTS_UPPER)
                        } else {
                            0
                        }
                } else if b.is_ascii_digit() {
                    one(COUNTS_DIGITS)
                } else {
                    one(COUNTS_PUNCT)
                        + if matches!(b, b'|' | b'/') {
                            one(COUNTS_SEPARATORS)
                        } else {
                            0
                        }
                };
        }
        b += 1;
    }
    table
};

#[derive(Default)]
struct TextStats {
    chars: usize,
    letters: usize,
    upper: usize,
    digits: usize,
    punct: usize,
    words: usize,
    titlecase: usize,
    second_person: usize,
    first_plural: usize,
    first_singular: usize,
    separators: usize,
}

impl TextStats {
    fn of(s: &str) -> TextStats {
        let mut st = TextStats::default();
        st.count_characters(s);
        st.count_words(s);
        st
    }

    /// [`TextStats::count_character`] of every character: runs of ASCII through
    /// [`TextStats::count_ascii_characters`] (a quarter of the text of real pages is in blocks
    /// with a curly quote or a dash, and their ASCII stays the common case).
    fn count_characters(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let mut at = 0;
        loop {
            let run_end = bytes[at..]
                .iter()
                .position(|b| !b.is_ascii())
                .map_or(bytes.len(), |n| at + n);
            self.count_ascii_characters(&bytes[at..run_end]);
            let Some(c) = s[run_end..].chars().next() else {
                break;
            };
            self.count_character(c);
            at = run_end + c.len_utf8();
        }
    }

    /// [`TextStats::count_character`] of ASCII bytes: a byte adds its packed counts (one byte
    /// lane per counter, from [`ASCII_CHARACTER_COUNTS`]), without branching on its class.
    fn count_ascii_characters(&mut self, bytes: &[u8]) {
        // A lane holds up to 255: unpack before it can overflow.
        for chunk in bytes.chunks(255) {
            let lanes: u64 = chunk
                .iter()
                .map(|&b| ASCII_CHARACTER_COUNTS[usize::from(b & 0x7f)])
                .sum();
            let lane = |counter: u32| (lanes >> (8 * counter)) as usize & 0xff;
            self.chars += lane(COUNTS_CHARS);
            self.letters += lane(COUNTS_LETTERS);
            self.upper += lane(COUNTS_UPPER);
            self.digits += lane(COUNTS_DIGITS);
            self.punct += lane(COUNTS_PUNCT);
            self.separators += lane(COUNTS_SEPARATORS);
        }
    }

    fn count_character(&mut self, c: char) {
        if c.is_whitespace() {
            return;
        }
        self.chars += 1;
        if c.is_alphabetic() {
            self.letters += 1;
            self.upper += usize::from(c.is_uppercase());
        } else if c.is_numeric() {
            self.digits += 1;
        } else {
            self.punct += 1;
            self.separators += usize::from(matches!(c, '|' | '·' | '•' | '›' | '»' | '/'));
        }
    }

    /// Counts the words: runs of alphanumerics and apostrophes (`'` and `’`), cut between
    /// bytes where the text is ASCII.
    fn count_words(&mut self, s: &str) {
        let words = crate::types::words_by(
            s,
            |b| b.is_ascii_alphanumeric() || b == b'\'',
            |c| c.is_alphanumeric() || c == '’',
        );
        for word in words {
            self.count_word(word);
        }
    }

    fn count_word(&mut self, word: &str) {
        self.words += 1;
        self.titlecase += usize::from(word.chars().next().is_some_and(char::is_uppercase));
        // Every pronoun listed starts with one of these letters and has at most 9 bytes: other
        // words skip the list comparisons.
        let maybe_pronoun = word.len() <= 9
            && matches!(
                word.as_bytes()[0].to_ascii_lowercase(),
                b'i' | b'm' | b'y' | b'w' | b'o' | b'u'
            );
        if !maybe_pronoun {
            return;
        }
        let is = |list: &[&str]| list.iter().any(|w| w.eq_ignore_ascii_case(word));
        if is(FIRST_PERSON_SINGULAR) {
            self.first_singular += 1;
        } else if is(SECOND_PERSON) {
            self.second_person += 1;
        } else if is(FIRST_PERSON_PLURAL) {
            self.first_plural += 1;
        }
    }
}

/// Runs of alphanumerics in `s`.
fn word_count(s: &str) -> usize {
    crate::types::words_by(s, |b| b.is_ascii_alphanumeric(), char::is_alphanumeric).count()
}

/// Counts, over a batch, how many pages contain each block text: templates, logo strips and
/// footers repeat across the pages of a site. The one stage that sees the whole batch.
#[derive(Debug, Default, Clone)]
pub struct RepeatIndex {
    // Keys are hashes already: FxHash only spreads them over the table.
    pages_with: HashMap<u64, u32, rustc_hash::FxBuildHasher>,
}

impl RepeatIndex {
    /// Every block of a batch is keyed twice (to count, then to look up).
    fn key(block_text: &str) -> u64 {
        case_blind_hash(block_text)
    }

    /// Pass 1: record the distinct block texts of one page.
    pub fn observe(&mut self, text: &str, seg: &Segmentation) {
        self.add_page(Self::page_keys(text, seg));
    }

    /// The distinct block keys of one page: the part of pass 1 that pages can do in parallel.
    pub fn page_keys(text: &str, seg: &Segmentation) -> Vec<u64> {
        let mut keys: Vec<u64> = seg
            .blocks
            .iter()
            .map(|b| Self::key(b.range.slice(text)))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Records one page's distinct block keys (from [`RepeatIndex::page_keys`]).
    pub fn add_page(&mut self, keys: Vec<u64>) {
        for key in keys {
            *self.pages_with.entry(key).or_default() += 1;
        }
    }

    /// Pass 2: how many observed pages contain `block_text` (at least 1).
    pub fn count(&self, block_text: &str) -> u32 {
        self.pages_with
            .get(&Self::key(block_text))
            .copied()
            .unwrap_or(0)
            .max(1)
    }

    /// Counts for every block of a page.
    pub fn counts(&self, text: &str, seg: &Segmentation) -> Vec<u32> {
        seg.blocks
            .iter()
            .map(|b| self.count(b.range.slice(text)))
            .collect()
    }
}

/// A 64-bit hash of `text` that ignores ASCII case, read eight bytes at a time: FNV-1a, a byte
/// at a time, spent about 3% of labelling's time keying blocks.
fn case_blind_hash(text: &str) -> u64 {
    const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes = text.as_bytes();
    let mut h = (bytes.len() as u64).wrapping_mul(MULTIPLIER);
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        h = (h ^ ascii_lowercase_word(word))
            .wrapping_mul(MULTIPLIER)
            .rotate_left(29);
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    h = (h ^ ascii_lowercase_word(u64::from_le_bytes(tail))).wrapping_mul(MULTIPLIER);
    // MurmurHash3's finaliser: every input bit reaches every output bit.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// [`u8::to_ascii_lowercase`] of each of a word's eight bytes at once.
fn ascii_lowercase_word(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let low_seven = word & !HIGH_BITS;
    // The high bit of each byte: set when its low seven bits are at least b'A' ...
    let at_least_a = low_seven + ONES * u64::from(0x80 - b'A');
    // ... and when they are above b'Z'.
    let above_z = low_seven + ONES * u64::from(0x80 - b'Z' - 1);
    // Upper-case ASCII letters only: bytes of 0x80 and above are left alone.
    let upper = at_least_a & !above_z & !word & HIGH_BITS;
    word | (upper >> 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::{Lexicon, LexiconOptions};
    use crate::segment::TextSegmenter;

    #[test]
    fn builder_rejects_bad_options() {
        assert!(FeatureExtractor::builder().min_count(0).build().is_err());
        assert!(FeatureExtractor::builder()
            .smoothing(f32::NAN)
            .build()
            .is_err());
        assert!(FeatureExtractor::builder().smoothing(0.0).build().is_err());
        let fx = FeatureExtractor::builder().build().unwrap();
        assert_eq!(fx.width(), LAYOUT_WIDTH + LEXICAL_CONTEXTS.len() * 3);
        assert_eq!(fx.feature_name(0), "unit_bytes_log");
        assert_eq!(fx.feature_name(LAYOUT_WIDTH + 4), "lexicon_block_promotion");
    }

    #[test]
    fn one_row_per_unit_with_cues_and_lexical_evidence() {
        let text = "How ketamine works\n\nCall us at (385) 685-1410 to book your visit!\n© 2024 Clinic. All Rights Reserved";
        let seg = TextSegmenter::default().segment_text(text);
        // One "token" per word, its id the word's length, so the test needs no trained tokenizer.
        let tokens: Vec<BlockTokens> = seg
            .blocks
            .iter()
            .map(|b| {
                let block = b.range.slice(text);
                let words = crate::segment::sentence_ranges(block);
                let mut t = BlockTokens::default();
                let mut at = 0;
                for w in block.split(' ') {
                    t.ids.push(w.len() as u32);
                    t.offsets.push((at as u32, (at + w.len()) as u32));
                    at += w.len() + 1;
                }
                assert!(!words.is_empty());
                t
            })
            .collect();
        let repeats = vec![1; seg.blocks.len()];
        let fx = FeatureExtractor::builder().build().unwrap();
        let prepared = fx.prepare(&PageContext {
            text,
            segmentation: &seg,
            tokens: &tokens,
            batch_repeats: &repeats,
            markup: None,
            block_rows: false,
        });
        assert_eq!(prepared.unit_keys.len(), seg.units.len());
        // A lexicon that learned the call-to-action unit's keys as promotion.
        let examples =
            std::iter::repeat_n((prepared.unit_keys[1].as_slice(), Label::Promotion), 3).chain(
                std::iter::repeat_n((prepared.unit_keys[0].as_slice(), Label::Education), 3),
            );
        let lexicon = Lexicon::fit(examples, LexiconOptions::default());
        let x = fx.rows(&prepared, &lexicon);
        assert_eq!(x.dim(), (seg.units.len(), fx.width()));
        let col = |name: &str| {
            (0..fx.width())
                .find(|&c| fx.feature_name(c) == name)
                .unwrap()
        };
        assert_eq!(x[[1, col("has_phone_number")]], 1.0);
        assert_eq!(x[[1, col("starts_with_imperative")]], 1.0);
        assert_eq!(x[[1, col("ends_exclamation")]], 1.0);
        assert_eq!(x[[0, col("has_phone_number")]], 0.0);
        assert_eq!(x[[2, col("has_copyright")]], 1.0);
        assert!(x[[1, col("second_person_share")]] > 0.0);
        assert!(x[[1, col("lexicon_unit_promotion")]] > x[[1, col("lexicon_unit_education")]]);
        assert!(x[[0, col("lexicon_next_unit_promotion")]] > 0.0);
        assert!(x.iter().all(|v| v.is_finite()));
    }

    proptest::proptest! {
        #[test]
        fn byte_paths_agree_with_the_character_paths(s in "([ -~\t\n\r\x00-\x1f]|[yY]ou|I|[Oo]ur|we're|my|i’m|We’re|é|É|’|—|“|ß|İ|\u{a0}|Σ|日本|\u{2028}|·|•|»|½|٣){0,40}") {
            let (mut fast, mut slow) = (TextStats::default(), TextStats::default());
            fast.count_characters(&s);
            s.chars().for_each(|c| slow.count_character(c));
            proptest::prop_assert_eq!(
                (fast.chars, fast.letters, fast.upper, fast.digits, fast.punct, fast.separators),
                (slow.chars, slow.letters, slow.upper, slow.digits, slow.punct, slow.separators)
            );
            let (mut fast_words, mut slow_words) = (TextStats::default(), TextStats::default());
            fast_words.count_words(&s);
            for word in s.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’')) {
                if !word.is_empty() {
                    slow_words.count_word(word);
                }
            }
            proptest::prop_assert_eq!(
                (fast_words.words, fast_words.titlecase, fast_words.second_person, fast_words.first_plural, fast_words.first_singular),
                (slow_words.words, slow_words.titlecase, slow_words.second_person, slow_words.first_plural, slow_words.first_singular)
            );
            let by_chars = s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).count();
            proptest::prop_assert_eq!(word_count(&s), by_chars);
        }
    }

    proptest::proptest! {
        #[test]
        fn lowercasing_eight_bytes_at_once_matches_each_byte(word: u64) {
            let expected = u64::from_le_bytes(word.to_le_bytes().map(|b| b.to_ascii_lowercase()));
            proptest::prop_assert_eq!(ascii_lowercase_word(word), expected);
        }

        /// Hashes ignore ASCII case and tell texts apart, whatever their length.
        #[test]
        fn case_blind_hashes_are_case_blind(s in "[a-zA-Z0-9 é.]{0,40}", extra in "[a-z]") {
            proptest::prop_assert_eq!(case_blind_hash(&s), case_blind_hash(&s.to_ascii_uppercase()));
            proptest::prop_assert_ne!(case_blind_hash(&s), case_blind_hash(&format!("{s}{extra}")));
            proptest::prop_assert_ne!(case_blind_hash(&s), case_blind_hash(&format!("{s}\0")));
        }
    }

    #[test]
    fn case_blind_hashes_tell_apart_every_byte_of_every_length() {
        for len in 0..40usize {
            let base = "a".repeat(len);
            let mut keys: Vec<u64> = (0..len)
                .map(|i| {
                    let mut changed = base.clone().into_bytes();
                    changed[i] = b'b';
                    case_blind_hash(std::str::from_utf8(&changed).unwrap())
                })
                .collect();
            keys.push(case_blind_hash(&base));
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), len + 1, "length {len}");
        }
    }

    #[test]
    fn pronoun_lists_fit_the_quick_check_in_text_stats() {
        for word in [FIRST_PERSON_SINGULAR, SECOND_PERSON, FIRST_PERSON_PLURAL].concat() {
            assert!(word.len() <= 9 && "imywou".contains(&word[..1]), "{word}");
        }
        let stats = TextStats::of("You and I: OUR team, yourself. Mine! Ourselves? Uber.");
        assert_eq!(
            (
                stats.second_person,
                stats.first_singular,
                stats.first_plural
            ),
            (2, 2, 2)
        );
    }

    #[test]
    fn column_constants_name_their_columns() {
        assert_eq!(DENSE_FEATURES[POSITION_COLUMNS], "page_position");
        assert_eq!(DENSE_FEATURES[POSITION_COLUMNS + 3], "in_last_tenth");
        assert_eq!(DENSE_FEATURES[BATCH_REPEATS_COLUMN], "repeats_in_batch");
    }

    #[test]
    fn block_rows_are_the_rows_of_the_blocks_taken_as_units() {
        let text = "Caring for Dry Skin\nDry skin itches. Moisturise twice a day! Call 555-123-4567 today.\n\
            © 2025 Harbor Ridge Clinic | Privacy\nHarbor Ridge offers same-day visits. Book now.\nDry skin itches.";
        let seg = TextSegmenter::default().segment_text(text);
        assert!(
            seg.units.len() > seg.blocks.len(),
            "some blocks have several units"
        );
        let tokens = vec![BlockTokens::default(); seg.blocks.len()];
        let fx = FeatureExtractor::builder().build().unwrap();
        let context = |seg: &Segmentation, repeats: &[u32], block_rows: bool| {
            fx.prepare(&PageContext {
                text,
                segmentation: seg,
                tokens: &tokens,
                batch_repeats: repeats,
                markup: None,
                block_rows,
            })
        };
        let batch_repeats = vec![3; seg.blocks.len()];
        let together = context(&seg, &batch_repeats, true);
        // The same page cut into one unit per block, every block seen once in the batch.
        let blocks_only = seg.one_unit_per_block();
        let alone = context(&blocks_only, &vec![1; seg.blocks.len()], false);
        assert_eq!(together.block_layout, alone.layout);
        assert!(context(&seg, &batch_repeats, false).block_layout.is_empty());
    }

    #[test]
    fn site_name_comes_from_the_copyright_line() {
        let text = "At Harbor Ridge we care.\nRidgeback dogs.\n© 2025 Harbor Ridge Recovery LLC | Privacy Policy";
        let seg = TextSegmenter::default().segment_text(text);
        let copyright = copyright_block(text, &seg);
        assert_eq!(copyright, Some(2));
        let words = site_name_words(copyright.map(|b| seg.blocks[b].range.slice(text)));
        assert_eq!(words, ["Harbor", "Ridge", "Recovery"]);
        assert!(mentions_any("At Harbor Ridge we care.", &words));
        assert!(!mentions_any("Ridgeback dogs.", &words));
        let plain = "no footer here";
        assert_eq!(
            copyright_block(plain, &TextSegmenter::default().segment_text(plain)),
            None
        );
        assert!(site_name_words(None).is_empty());
    }

    #[test]
    fn table_of_contents_entries_have_a_later_copy() {
        let text =
            "Contents\n- 1. How it works\n- Risks\nHow it works\nText.\nRisks[edit]\nMore text.";
        let seg = TextSegmenter::default().segment_text(text);
        let copies = page_repeats(text, &seg);
        let by_text = |t: &str| {
            copies[seg
                .blocks
                .iter()
                .position(|b| b.range.slice(text) == t)
                .unwrap()]
        };
        assert!(by_text("- 1. How it works").later && !by_text("- 1. How it works").earlier);
        assert!(by_text("How it works").earlier && !by_text("How it works").later);
        assert_eq!(by_text("Risks[edit]").count, 2);
        assert_eq!(by_text("Text.").count, 1);
    }

    #[test]
    fn repeat_index_counts_pages_not_occurrences() {
        let seg_of = |t: &str| TextSegmenter::default().segment_text(t);
        let (a, b) = (
            "Skip to content\nHello\nSkip to content",
            "skip to content\nOther",
        );
        let mut index = RepeatIndex::default();
        index.observe(a, &seg_of(a));
        index.observe(b, &seg_of(b));
        assert_eq!(index.count("Skip to content"), 2);
        assert_eq!(index.count("Hello"), 1);
        assert_eq!(index.count("never seen"), 1);
        assert_eq!(index.counts(b, &seg_of(b)), vec![2, 1]);
    }
}
