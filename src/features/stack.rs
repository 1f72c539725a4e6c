//! Stacking: a later stage's input is a unit's row plus the stage before's label probabilities
//! around it (the units either side, its block and the blocks around, the page), see
//! [`Neighbour`].

use super::schema::{dense, Dense, Dom, Neighbour, DOM_START, NEIGHBOUR_CONTEXTS};
use crate::types::Label;
use ndarray::Array2;

/// Blocks either side whose mean is the context before and after a block.
const WINDOW: usize = 3;
/// Blocks either side whose mean is the section around a block.
const SECTION: usize = 8;

/// Per-block sums of the stage before's probabilities, and the page's mean.
struct BlockMeans {
    sum: Vec<[f32; 3]>,
    count: Vec<f32>,
    page: [f32; 3],
}

fn mean(sum: [f32; 3], count: f32) -> [f32; 3] {
    if count > 0.0 {
        sum.map(|v| v / count)
    } else {
        [0.0; 3]
    }
}

impl BlockMeans {
    fn of(probs: &Array2<f32>, unit_block: &[usize], n: usize) -> Self {
        let n_blocks = unit_block.last().map_or(0, |b| b + 1);
        let mut sum = vec![[0f32; 3]; n_blocks];
        let mut count = vec![0f32; n_blocks];
        let mut page = [0f32; 3];
        for (u, &b) in unit_block.iter().enumerate() {
            for c in 0..Label::COUNT {
                sum[b][c] += probs[[u, c]];
                page[c] += probs[[u, c]];
            }
            count[b] += 1.0;
        }
        BlockMeans {
            sum,
            count,
            page: mean(page, n as f32),
        }
    }

    fn n_blocks(&self) -> usize {
        self.count.len()
    }

    /// The mean of block `b` (zeros beyond the page).
    fn block(&self, b: Option<usize>) -> [f32; 3] {
        b.filter(|&b| b < self.n_blocks())
            .map_or([0.0; 3], |b| mean(self.sum[b], self.count[b]))
    }

    /// Mean of the block means over blocks `from..to`: the wider context a block sits in (the
    /// few blocks before and after it, and the section around it).
    fn window(&self, from: usize, to: usize) -> [f32; 3] {
        let mut sum = [0f32; 3];
        let mut count = 0f32;
        for b in from..to {
            if self.count[b] > 0.0 {
                let m = mean(self.sum[b], self.count[b]);
                for c in 0..3 {
                    sum[c] += m[c];
                }
                count += 1.0;
            }
        }
        mean(sum, count)
    }
}

/// Whether unit `u`'s row is a heading's: an `h1`–`h6` element on HTML pages; on text pages a
/// short line of its own (10 words at most) without end punctuation.
fn is_heading(x: &Array2<f32>, u: usize) -> bool {
    let at = |c: usize| x.get((u, c)).copied().unwrap_or(0.0);
    if at(DOM_START + Dom::IsHtml.index()) > 0.0 {
        return at(DOM_START + Dom::ElementHeading.index()) > 0.0;
    }
    at(dense(Dense::EndsWithoutPunctuation)) > 0.0
        && at(dense(Dense::BlockHasSeveralUnits)) == 0.0
        && at(dense(Dense::UnitWordsLog)) <= 11f32.ln() / 5.0
        && at(dense(Dense::UnitWordsLog)) > 0.0
}

/// For each block, the heading block it sits under (the last heading block at or before it) and
/// the end of that heading's section (the next heading block, or the page's end).
fn heading_sections(
    x: &Array2<f32>,
    unit_block: &[usize],
    n_blocks: usize,
) -> Vec<(Option<usize>, usize)> {
    let mut heading = vec![false; n_blocks];
    for (u, &b) in unit_block.iter().enumerate().take(x.nrows()) {
        heading[b] |= is_heading(x, u);
    }
    let mut out = vec![(None, n_blocks); n_blocks];
    let mut last = None;
    for b in 0..n_blocks {
        if heading[b] {
            last = Some(b);
        }
        out[b].0 = last;
    }
    let mut next = n_blocks;
    for b in (0..n_blocks).rev() {
        out[b].1 = next;
        if heading[b] {
            next = b;
        }
    }
    out
}

/// `x` with the neighbours' label probabilities appended (the second, stacked stage's input).
pub fn with_neighbours(x: &Array2<f32>, probs: &Array2<f32>, unit_block: &[usize]) -> Array2<f32> {
    let n = x.nrows();
    let k = Label::COUNT;
    let means = BlockMeans::of(probs, unit_block, n);
    let n_blocks = means.n_blocks();
    let sections = heading_sections(x, unit_block, n_blocks);
    let width = x.ncols() + NEIGHBOUR_CONTEXTS.len() * k;
    // Every value is written, row after row: pushed rather than zeroed first.
    let mut out: Vec<f32> = Vec::with_capacity(n * width);
    // The wider contexts are the same for every unit of a block: worked out once per block.
    let wide: Vec<[[f32; 3]; 5]> = (0..n_blocks)
        .map(|b| {
            let (heading, section_end) = sections[b];
            let section_start = heading.map_or(0, |h| h + 1);
            [
                means.window(b.saturating_sub(WINDOW), b),
                means.window(b + 1, (b + 1 + WINDOW).min(n_blocks)),
                means.window(b.saturating_sub(SECTION), (b + SECTION + 1).min(n_blocks)),
                means.block(heading),
                means.window(section_start.min(section_end), section_end),
            ]
        })
        .collect();
    for (u, &b) in unit_block.iter().enumerate().take(n) {
        let unit = |i: Option<usize>| {
            i.filter(|&i| i < n)
                .map_or([0.0; 3], |i| [probs[[i, 0]], probs[[i, 1]], probs[[i, 2]]])
        };
        let page = means.page;
        let mut contexts = [[0f32; 3]; NEIGHBOUR_CONTEXTS.len()];
        let mut set = |context: Neighbour, p: [f32; 3]| contexts[context.index()] = p;
        set(Neighbour::PreviousUnit, unit(u.checked_sub(1)));
        set(Neighbour::NextUnit, unit(Some(u + 1)));
        set(Neighbour::Block, means.block(Some(b)));
        set(Neighbour::PreviousBlock, means.block(b.checked_sub(1)));
        set(Neighbour::NextBlock, means.block(Some(b + 1)));
        set(Neighbour::Page, page);
        let [before, after, section, heading, heading_section] = wide[b];
        set(Neighbour::BlocksBefore, before);
        set(Neighbour::BlocksAfter, after);
        set(Neighbour::Section, section);
        // How the page leans times how the unit leans: a linear stage cannot multiply.
        let own = unit(Some(u));
        set(
            Neighbour::PageTimesUnit,
            [page[0] * own[0], page[1] * own[1], page[2] * own[2]],
        );
        // The heading a block sits under, and the blocks of that heading's section.
        set(Neighbour::Heading, heading);
        set(Neighbour::HeadingSection, heading_section);
        match x.row(u).to_slice() {
            Some(row) => out.extend_from_slice(row),
            None => out.extend(x.row(u).iter()),
        }
        out.extend(contexts.iter().flatten());
    }
    // Units past the end of `unit_block` (none when it comes from a segmentation) keep zeros.
    out.resize(n * width, 0.0);
    Array2::from_shape_vec((n, width), out).unwrap_or_else(|_| Array2::zeros((n, width)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::schema::WIDTH;

    #[test]
    fn blocks_sit_under_the_last_heading_before_them() {
        // Text page: blocks 1 and 3 are short lines without end punctuation (headings).
        let mut x = Array2::<f32>::zeros((5, WIDTH));
        let short = 3f32.ln() / 5.0;
        for u in [1, 3] {
            x[[u, dense(Dense::EndsWithoutPunctuation)]] = 1.0;
            x[[u, dense(Dense::UnitWordsLog)]] = short;
        }
        for u in [0, 2, 4] {
            x[[u, dense(Dense::UnitWordsLog)]] = 1.0;
        }
        let blocks = [0, 1, 2, 3, 4];
        let sections = heading_sections(&x, &blocks, 5);
        assert_eq!(
            sections,
            [
                (None, 1),
                (Some(1), 3),
                (Some(1), 3),
                (Some(3), 5),
                (Some(3), 5)
            ]
        );
        // The heading's probabilities reach the prose under it.
        let probs = ndarray::array![
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0],
            [1.0, 0.0, 0.0]
        ];
        let stacked = with_neighbours(&x, &probs, &blocks);
        let heading = WIDTH + Neighbour::Heading.index() * Label::COUNT;
        assert_eq!(stacked[[2, heading + 1]], 1.0);
        assert_eq!(stacked[[4, heading + 2]], 1.0);
        assert_eq!(stacked[[0, heading + 1]], 0.0);
    }
}
