//! Plain text: a block is a non-empty line, trimmed.

use super::{sentence_ranges, SegmentOptions, Segmenter};
use crate::types::{Block, ByteRange, Page, Segmentation, Unit};

/// Segments plain text into lines, then sentences.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextSegmenter {
    /// Whether blocks are cut into sentences.
    pub options: SegmentOptions,
}

impl TextSegmenter {
    /// A segmenter with `options`.
    pub fn new(options: SegmentOptions) -> Self {
        TextSegmenter { options }
    }

    /// Segments any text (the page-free form, used by tests and benchmarks).
    pub fn segment_text(&self, text: &str) -> Segmentation {
        let mut seg = Segmentation::default();
        let mut line_start = 0;
        for line in text.split_inclusive('\n') {
            let range = trimmed(line).map(|r| r.shift(line_start));
            line_start += line.len();
            let Some(range) = range else { continue };
            let block = seg.blocks.len();
            seg.blocks.push(Block {
                index: block,
                range,
            });
            let block_text = range.slice(text);
            let pieces = if self.options.split_sentences {
                sentence_ranges(block_text)
            } else {
                vec![ByteRange::new(0, block_text.len())]
            };
            let siblings = pieces.len();
            for (position, piece) in pieces.into_iter().enumerate() {
                seg.units.push(Unit {
                    range: piece.shift(range.start),
                    block,
                    position,
                    siblings,
                });
            }
        }
        seg
    }
}

impl Segmenter for TextSegmenter {
    fn segment(&self, page: &Page) -> Segmentation {
        self.segment_text(&page.text)
    }
}

/// The range of `s` without leading and trailing whitespace; `None` if nothing is left.
pub(crate) fn trimmed(s: &str) -> Option<ByteRange> {
    let start = s.len() - s.trim_start().len();
    let end = s.trim_end().len();
    (start < end).then(|| ByteRange::new(start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_trimmed_blocks_and_units_cover_all_text() {
        let text = "  Title line \r\n\nFirst sentence here. Call us today!\n\tlast";
        let seg = TextSegmenter::default().segment_text(text);
        let blocks: Vec<&str> = seg.blocks.iter().map(|b| b.range.slice(text)).collect();
        assert_eq!(
            blocks,
            ["Title line", "First sentence here. Call us today!", "last"]
        );
        let units: Vec<&str> = seg.units.iter().map(|u| u.range.slice(text)).collect();
        assert_eq!(
            units,
            [
                "Title line",
                "First sentence here.",
                "Call us today!",
                "last"
            ]
        );
        assert_eq!(
            (
                seg.units[2].block,
                seg.units[2].position,
                seg.units[2].siblings
            ),
            (1, 1, 2)
        );
    }

    #[test]
    fn without_sentence_splitting_a_block_is_one_unit() {
        let seg = TextSegmenter::new(SegmentOptions {
            split_sentences: false,
        })
        .segment_text("One. Two.");
        assert_eq!(seg.units.len(), 1);
    }
}
