//! The stages shared by training and labelling: segment, tokenise, extract features (with the
//! content model's furniture probabilities as columns of HTML pages' rows).

use crate::content::ContentModel;
use crate::error::ModelError;
use crate::features::{FeatureExtractor, PageContext, PreparedPage, RepeatIndex};
use crate::segment::{Segmenter, TextSegmenter};
use crate::tokenize::PageTokenizer;
use crate::types::{Page, Segmentation};
use rayon::prelude::*;

/// The most units a page is labelled with: past it, sentences are not split, and a page with
/// more blocks than this is refused (a few kilobytes a unit: at most a few hundred megabytes).
/// Real pages have a few thousand.
pub const MAX_UNITS: usize = 100_000;

/// The stages shared by training and labelling: segment, tokenise, extract features.
#[derive(Debug, Clone)]
pub struct FeaturePipeline {
    /// Cuts pages into blocks and units.
    pub segmenter: TextSegmenter,
    /// Tokenises blocks.
    pub tokenizer: PageTokenizer,
    /// Turns units into feature rows.
    pub features: FeatureExtractor,
    /// Furniture probabilities for HTML blocks, as three more columns (zeros without it).
    pub content: Option<std::sync::Arc<ContentModel>>,
}

impl FeaturePipeline {
    /// Cuts a page into blocks and units. A page with more than [`MAX_UNITS`] sentences is cut
    /// into blocks only (one unit per block): every unit costs a row of a few kilobytes, and a
    /// hostile page (millions of "Ab. ", a base64 blob whose capitals look like glued sentences)
    /// would otherwise need gigabytes.
    pub fn segment(&self, page: &Page) -> Segmentation {
        let seg = self.segmenter.segment(page);
        if seg.units.len() <= MAX_UNITS || !self.segmenter.options.split_sentences {
            return seg;
        }
        drop(seg);
        TextSegmenter::new(crate::segment::SegmentOptions {
            split_sentences: false,
        })
        .segment(page)
    }

    /// Tokenises the blocks once and reduces the units to keys and layout features.
    pub fn prepare(
        &self,
        page: &Page,
        seg: &Segmentation,
        repeats: &RepeatIndex,
    ) -> Result<PreparedPage, ModelError> {
        self.prepare_with_furniture(page, seg, repeats)
            .map(|(prepared, _)| prepared)
    }

    /// [`FeaturePipeline::prepare`], also returning the content model's furniture probability
    /// of each block (empty without a content model or on text pages).
    pub fn prepare_with_furniture(
        &self,
        page: &Page,
        seg: &Segmentation,
        repeats: &RepeatIndex,
    ) -> Result<(PreparedPage, Vec<f32>), ModelError> {
        let text = page.text.as_str();
        let tokens = seg
            .blocks
            .iter()
            .map(|b| self.tokenizer.encode_block(b.range.slice(text)))
            .collect::<Result<Vec<_>, _>>()?;
        let batch_repeats = repeats.counts(text, seg);
        // A text page's offset map (a BOM, --lossy) is not HTML: the page is labelled as text.
        let html = crate::html::Markup::html(page.markup.as_deref());
        let mut prepared = self.features.prepare(&PageContext {
            text,
            segmentation: seg,
            tokens: &tokens,
            batch_repeats: &batch_repeats,
            markup: html,
            url: page.url.as_deref(),
            block_rows: self.content.is_some() && html.is_some(),
        });
        let furniture = self
            .content
            .as_ref()
            .filter(|_| html.is_some())
            .map(|c| c.furniture_of_prepared(page, seg, &prepared))
            .unwrap_or_default();
        // The block rows were only for the content model.
        prepared.block_layout = Vec::new();
        prepared.page_keys = crate::features::url_keys(page.url.as_deref());
        if let Some(markup) = &page.markup {
            prepared
                .page_keys
                .extend(crate::features::page_type_keys(&markup.page_types));
        }
        prepared.add_furniture(&furniture, seg);
        Ok((prepared, furniture))
    }

    /// Pass 1 of labelling: segments a batch once (in parallel) and counts its repetitions, so pass 2 can reuse
    /// the segmentations instead of cutting every page again.
    pub fn segment_batch(&self, pages: &[&Page]) -> (Vec<Segmentation>, RepeatIndex) {
        // Segmenting and hashing the blocks run per page in parallel; only the merge is serial.
        let (segs, keys): (Vec<Segmentation>, Vec<Vec<u64>>) = pages
            .par_iter()
            .map(|p| {
                let seg = self.segment(p);
                let keys = RepeatIndex::page_keys(&p.text, &seg);
                (seg, keys)
            })
            .unzip();
        let mut index = RepeatIndex::default();
        keys.into_iter().for_each(|k| index.add_page(k));
        (segs, index)
    }
}
