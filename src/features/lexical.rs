//! The lexical columns of a page's rows: the lexicon's scores of each unit's keys, of its
//! neighbours (units and blocks, two either side), its block's DOM keys, the page's URL and the
//! whole page, and the lexicon's discriminative model's probabilities (see [`Lexical`]).

use super::schema::{lexical, Lexical, LAYOUT_WIDTH, LEXICAL_CONTEXTS, WIDTH};
use super::PreparedPage;
use crate::lexicon::{Evidence, Lexicon};
use crate::types::Label;
use ndarray::Array2;

/// A page's keys looked up in a lexicon, each key list once: the naive-Bayes evidence and the
/// discriminative model's probabilities of its units and blocks, and the scores of its DOM keys,
/// URL and whole page.
struct PageScores {
    unit_evidence: Vec<Evidence>,
    unit_model: Vec<[f32; 3]>,
    unit_scores: Vec<[f32; 3]>,
    block_evidence: Vec<Evidence>,
    block_model: Vec<[f32; 3]>,
    block_scores: Vec<[f32; 3]>,
    page_score: [f32; 3],
    dom_scores: Vec<[f32; 3]>,
    url_score: [f32; 3],
}

impl PageScores {
    fn of(page: &PreparedPage, lexicon: &Lexicon) -> Self {
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
        let unit_scores = unit_evidence.iter().map(Evidence::mean).collect();
        let block_scores = block_evidence.iter().map(Evidence::mean).collect();
        let mut page_evidence = Evidence::default();
        block_evidence.iter().for_each(|e| page_evidence.add(e));
        // The discriminative model's probabilities are columns for the unit, its block and the
        // blocks around it. (Its page mean was a column too: it outweighed every unit cue, so a
        // pitch sentence on an informing page went with the page, and it is left out.)
        let url_score = if page.page_keys.is_empty() {
            [0f32; 3]
        } else {
            lexicon.score(&page.page_keys)
        };
        PageScores {
            unit_evidence,
            unit_model,
            unit_scores,
            block_evidence,
            block_model,
            block_scores,
            page_score: page_evidence.mean(),
            dom_scores: lexicon.scores(&page.block_dom_keys),
            url_score,
        }
    }

    /// The scores of every lexical context of unit `u` in block `b`, in column order.
    fn contexts(&self, u: usize, b: usize) -> [[f32; 3]; LEXICAL_CONTEXTS.len()] {
        let zero = [0f32; 3];
        let block_at = |delta: isize| {
            b.checked_add_signed(delta)
                .and_then(|i| self.block_scores.get(i))
                .copied()
                .unwrap_or(zero)
        };
        let (units, blocks) = (&self.unit_scores, &self.block_evidence);
        let mut contexts = [zero; LEXICAL_CONTEXTS.len()];
        let mut set = |context: Lexical, scores: [f32; 3]| contexts[context.index()] = scores;
        set(Lexical::Unit, units[u]);
        set(Lexical::Block, self.block_scores[b]);
        set(
            Lexical::PreviousUnit,
            u.checked_sub(1).map_or(zero, |p| units[p]),
        );
        set(Lexical::NextUnit, units.get(u + 1).copied().unwrap_or(zero));
        set(Lexical::PreviousBlock, block_at(-1));
        set(Lexical::NextBlock, block_at(1));
        set(Lexical::BlockMinus2, block_at(-2));
        set(Lexical::BlockPlus2, block_at(2));
        set(Lexical::Page, self.page_score);
        set(
            Lexical::Dom,
            self.dom_scores.get(b).copied().unwrap_or(zero),
        );
        set(Lexical::UnitTotal, self.unit_evidence[u].total());
        set(Lexical::BlockTotal, blocks[b].total());
        set(
            Lexical::PreviousBlockTotal,
            b.checked_sub(1)
                .and_then(|p| blocks.get(p))
                .map_or(zero, Evidence::total),
        );
        set(
            Lexical::NextBlockTotal,
            blocks.get(b + 1).map_or(zero, Evidence::total),
        );
        set(Lexical::Url, self.url_score);
        let model = &self.block_model;
        set(Lexical::ModelUnit, self.unit_model[u]);
        set(Lexical::ModelBlock, model[b]);
        set(
            Lexical::ModelPreviousBlock,
            b.checked_sub(1).map_or(zero, |p| model[p]),
        );
        set(
            Lexical::ModelNextBlock,
            model.get(b + 1).copied().unwrap_or(zero),
        );
        contexts
    }
}

/// The rows of a prepared page: its layout columns, then its lexical columns scored with
/// `lexicon`.
pub(super) fn rows(page: &PreparedPage, lexicon: &Lexicon) -> Array2<f32> {
    let n = page.unit_keys.len();
    let scores = PageScores::of(page, lexicon);
    // Every value is written, row after row: pushed rather than zeroed first and then indexed.
    let mut x: Vec<f32> = Vec::with_capacity(n * WIDTH);
    for u in 0..n {
        let start = x.len();
        let layout = &page.layout[u];
        x.extend_from_slice(&layout[..layout.len().min(LAYOUT_WIDTH)]);
        x.resize(start + LAYOUT_WIDTH, 0.0);
        // In column order: `lexical(context, k)` is context-major after the layout columns.
        x.extend(scores.contexts(u, page.unit_block[u]).iter().flatten());
    }
    const { assert!(lexical(Lexical::ALL[Lexical::ALL.len() - 1], Label::COUNT - 1) + 1 == WIDTH) };
    Array2::from_shape_vec((n, WIDTH), x).expect("n rows of WIDTH values")
}
