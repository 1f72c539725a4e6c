//! Segmentation: a page's text → blocks (trimmed lines) → units (sentences where a block has several).
//!
//! Units are what the classifier labels. They are trimmed, in text order, and together cover every
//! non-whitespace byte of the page, so spans built from them do too.

mod sentence;
mod text;

pub use sentence::sentence_ranges;
pub use text::TextSegmenter;

use crate::types::{Page, Segmentation};
use serde::{Deserialize, Serialize};

/// Options of the segmenters, stored in the model so labelling segments as training did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentOptions {
    /// Split blocks into sentences, so a label can change inside a block.
    pub split_sentences: bool,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            split_sentences: true,
        }
    }
}

/// Cuts a page into blocks and units.
pub trait Segmenter {
    /// Cuts `page` into blocks and units.
    fn segment(&self, page: &Page) -> Segmentation;
}
