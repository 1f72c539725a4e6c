//! Repeats: how often a block's text recurs in its own page (tables of contents, repeated
//! headings) and in how many pages of the batch (templates, logo strips, footers).

use crate::hash::case_blind_hash;
use crate::types::Segmentation;
use std::collections::HashMap;

/// How often each block's text appears in its own page.
pub(super) fn page_repeats(text: &str, seg: &Segmentation) -> Vec<PageCopies> {
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
pub(super) struct PageCopies {
    /// Blocks of the page with this text (at least 1).
    pub(super) count: u32,
    /// Whether a copy comes before it.
    pub(super) earlier: bool,
    /// Whether a copy comes after it.
    pub(super) later: bool,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::TextSegmenter;

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
