//! Features: one dense row per unit, as linfa needs. A fixed list of layout and cue features
//! (length, position, punctuation, digits, phone numbers, prices, URLs, capitalisation, imperative
//! and second-person cues, repetition in the page and in the batch), then lexical evidence: the
//! lexicon score of the unit's tokens, of its neighbours (units and blocks, two either side)
//! and of the whole page. Every column is declared once, with its name, in `schema`.
//!
//! By concern: `schema` (the columns), `options` (the extractor's options), `stats` (text
//! statistics), `cues` (regex cues), `site` (the site's own name), `repeats` (in the page and
//! in the batch), `dom` (DOM columns and keys), `url` (page keys), `layout` (a unit's layout
//! row from all of these), `lexical` (the lexicon's columns) and `stack` (a stacked stage's
//! input).

mod cues;
mod dom;
mod layout;
mod lexical;
mod options;
mod repeats;
pub(crate) mod schema;
mod site;
mod stack;
mod stats;
mod url;

pub use options::{FeatureExtractorBuilder, FeatureOptions};
pub use repeats::RepeatIndex;
pub use schema::{
    CONTENT_FEATURES, DENSE_FEATURES, DOM_FEATURES, LEXICAL_CONTEXTS, NEIGHBOUR_COLUMNS,
    NEIGHBOUR_CONTEXTS,
};
pub use stack::with_neighbours;
pub use url::{page_type_keys, url_keys};

use crate::hash::{fnv1a_key, fnv1a_seeded};
use crate::lexicon::Lexicon;
use crate::types::{BlockTokens, ByteRange, Segmentation};
use layout::PageFacts;
use ndarray::Array2;
use schema::{Content, CONTENT_START};

/// A page's units reduced to what the features need: hashed n-gram keys and layout rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreparedPage {
    /// Lexicon keys of each unit's tokens (see [`FeatureExtractor::ngram_keys`]).
    pub unit_keys: Vec<Vec<u32>>,
    /// Lexicon keys of each block's tokens.
    pub block_keys: Vec<Vec<u32>>,
    /// Lexicon keys of each block's DOM context (empty on text pages).
    pub block_dom_keys: Vec<Vec<u32>>,
    /// The block of each unit.
    pub unit_block: Vec<usize>,
    /// Lexicon keys of the page itself (its URL, see [`url_keys`]); empty without a URL.
    pub page_keys: Vec<u32>,
    /// Non-whitespace bytes of each unit: what the byte-level score weighs it by.
    pub unit_bytes: Vec<usize>,
    /// The layout columns of each unit: dense and DOM columns, then the content model's once
    /// [`PreparedPage::add_furniture`] has added them.
    pub layout: Vec<Vec<f32>>,
    /// With [`PageContext::block_rows`]: the layout and DOM columns of every block taken as one
    /// unit, with batch repeats of 1 (the rows the content model reads); empty otherwise.
    pub block_layout: Vec<Vec<f32>>,
}

impl PreparedPage {
    /// Appends the content model's columns ([`CONTENT_FEATURES`]) to every unit's layout row:
    /// the furniture probability of its block and of the blocks either side (`furniture`, one
    /// per block; zeros where there is none, as on text pages or without a content model).
    pub fn add_furniture(&mut self, furniture: &[f32], seg: &Segmentation) {
        let at = |b: Option<usize>| b.and_then(|b| furniture.get(b)).copied().unwrap_or(0.0);
        for (row, unit) in self.layout.iter_mut().zip(&seg.units) {
            debug_assert_eq!(row.len(), CONTENT_START);
            let mut columns = [0f32; CONTENT_FEATURES.len()];
            columns[Content::Block.index()] = at(Some(unit.block));
            columns[Content::PreviousBlock.index()] = at(unit.block.checked_sub(1));
            columns[Content::NextBlock.index()] = at(Some(unit.block + 1));
            row.extend(columns);
        }
    }
}

/// What the extractor needs to know about a page beyond its text.
pub struct PageContext<'a> {
    /// The page's text.
    pub text: &'a str,
    /// The page cut into blocks and units.
    pub segmentation: &'a Segmentation,
    /// Tokens of each block, in block order.
    pub tokens: &'a [BlockTokens],
    /// How many pages of the batch contain each block's text (from [`RepeatIndex`]).
    pub batch_repeats: &'a [u32],
    /// The DOM context of each block, for HTML pages.
    pub markup: Option<&'a crate::html::Markup>,
    /// The page's address (its host names the site, see the `mentions_host_name` column).
    pub url: Option<&'a str>,
    /// Also fill [`PreparedPage::block_layout`]. A block that is one whole unit lends it its
    /// unit's row (only the position and batch columns differ), so most blocks are measured once.
    pub block_rows: bool,
}

/// Turns units into feature rows.
#[derive(Debug, Clone)]
pub struct FeatureExtractor {
    options: FeatureOptions,
}

impl FeatureExtractor {
    /// A builder of an extractor, with the default options.
    pub fn builder() -> FeatureExtractorBuilder {
        FeatureExtractorBuilder::default()
    }

    /// An extractor with options already checked.
    fn new(options: FeatureOptions) -> Self {
        FeatureExtractor { options }
    }

    /// The extractor's options.
    pub fn options(&self) -> FeatureOptions {
        self.options
    }

    /// Number of layout columns, DOM columns, content columns, then lexical columns.
    pub fn width(&self) -> usize {
        schema::WIDTH
    }

    /// A readable name for a column.
    pub fn feature_name(&self, column: usize) -> String {
        schema::column_name(column)
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
        // The HTML extractor writes one block per line, so block i of the segmentation is
        // block i of the markup; a mismatch (never expected) drops the DOM features.
        let dom_blocks = ctx
            .markup
            .map(|m| m.blocks.as_slice())
            .filter(|b| b.len() == seg.blocks.len());
        debug_assert!(ctx.markup.is_none() || dom_blocks.is_some());
        let facts = PageFacts::of(ctx.text, seg, dom_blocks, ctx.url);
        let mut prepared = self.keys(ctx);
        prepared.block_dom_keys = dom_blocks.map(dom::dom_keys_of).unwrap_or_default();
        prepared.layout = facts.unit_rows(ctx.batch_repeats);
        if ctx.block_rows {
            prepared.block_layout = facts.block_rows(&prepared.layout);
        }
        prepared
    }

    /// The token keys of a page's blocks and units, the block of each unit and its bytes.
    fn keys(&self, ctx: &PageContext<'_>) -> PreparedPage {
        let (seg, text) = (ctx.segmentation, ctx.text);
        let n_units = seg.units.len();
        let mut prepared = PreparedPage {
            unit_keys: Vec::with_capacity(n_units),
            block_keys: ctx
                .tokens
                .iter()
                .map(|t| Self::ngram_keys(&t.ids))
                .collect(),
            unit_block: Vec::with_capacity(n_units),
            unit_bytes: Vec::with_capacity(n_units),
            ..PreparedPage::default()
        };
        for unit in &seg.units {
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
        }
        prepared
    }

    /// The dense rows of a prepared page, scored with `lexicon`.
    pub fn rows(&self, page: &PreparedPage, lexicon: &Lexicon) -> Array2<f32> {
        lexical::rows(page, lexicon)
    }
}

/// The name of a column of a stacked stage's input: the features, then the neighbours'
/// probabilities.
pub fn stacked_feature_name(_features: &FeatureExtractor, column: usize) -> String {
    schema::column_name(column)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::{Lexicon, LexiconOptions};
    use crate::segment::TextSegmenter;
    use crate::types::Label;

    #[test]
    fn builder_rejects_bad_options() {
        assert!(FeatureExtractor::builder().min_count(0).build().is_err());
        assert!(FeatureExtractor::builder()
            .smoothing(f32::NAN)
            .build()
            .is_err());
        assert!(FeatureExtractor::builder().smoothing(0.0).build().is_err());
        let fx = FeatureExtractor::builder().build().unwrap();
        assert_eq!(
            fx.width(),
            schema::LAYOUT_WIDTH + LEXICAL_CONTEXTS.len() * 3
        );
        assert_eq!(fx.feature_name(0), "unit_bytes_log");
        assert_eq!(
            fx.feature_name(schema::LAYOUT_WIDTH + 4),
            "lexicon_block_promotion"
        );
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
            url: None,
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
                url: None,
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
}
