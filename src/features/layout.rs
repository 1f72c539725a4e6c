//! The layout columns of a page's rows: the dense columns (text statistics, cues, position,
//! block shape, repeats, the site's name, then the page-level columns) and the DOM columns, for
//! every unit, and for every block taken as one unit (the rows the content model reads).

use super::cues::cue_columns;
use super::dom::dom_columns;
use super::repeats::{page_repeats, PageCopies};
use super::schema::{Dense, CONTENT_START, DOM_START, LAYOUT_WIDTH};
use super::site::{
    copyright_block, host_label, mentions_any, mentions_host, site_name_as_actor, site_name_words,
};
use super::stats::{text_columns, word_count};
use crate::html::BlockContext;
use crate::types::{Block, Segmentation, Unit};

/// What the columns of every unit need to know about its page, measured once per page.
pub(super) struct PageFacts<'a> {
    text: &'a str,
    seg: &'a Segmentation,
    /// Words of each block.
    block_words: Vec<usize>,
    /// How each block's text recurs in the page.
    in_page: Vec<PageCopies>,
    /// The distinctive words of the site's own name, from its copyright line.
    site_name: Vec<&'a str>,
    /// Whether each block names the site: every unit of a block has this column.
    block_mentions: Vec<bool>,
    /// The DOM context of each block, on HTML pages.
    dom_blocks: Option<&'a [BlockContext]>,
    /// The distinctive label of the page's host (see [`host_label`]).
    host: Option<String>,
}

/// One stretch of the page measured as a unit: a unit, or a whole block taken as one.
struct Measured<'a> {
    text: &'a str,
    /// Its index among the page's units (or blocks), and how many there are.
    index: usize,
    count: usize,
    unit: &'a Unit,
    block: &'a Block,
    /// How many pages of the batch contain its block's text.
    repeats_in_batch: u32,
}

impl<'a> PageFacts<'a> {
    /// Measures the page's blocks once. `dom_blocks`: the DOM context of each block; `url`: the
    /// page's address.
    pub(super) fn of(
        text: &'a str,
        seg: &'a Segmentation,
        dom_blocks: Option<&'a [BlockContext]>,
        url: Option<&str>,
    ) -> Self {
        let block_words = seg
            .blocks
            .iter()
            .map(|b| word_count(b.range.slice(text)))
            .collect();
        let copyright = copyright_block(text, seg);
        let site_name = site_name_words(copyright.map(|b| seg.blocks[b].range.slice(text)));
        let block_mentions = seg
            .blocks
            .iter()
            .map(|b| mentions_any(b.range.slice(text), &site_name))
            .collect();
        PageFacts {
            text,
            seg,
            block_words,
            in_page: page_repeats(text, seg),
            site_name,
            block_mentions,
            dom_blocks,
            host: host_label(url),
        }
    }

    /// The layout rows (dense and DOM columns) of the page's units; `batch_repeats`: how many
    /// pages of the batch contain each block's text.
    pub(super) fn unit_rows(&self, batch_repeats: &[u32]) -> Vec<Vec<f32>> {
        let n_units = self.seg.units.len();
        let mut rows: Vec<Vec<f32>> = self
            .seg
            .units
            .iter()
            .enumerate()
            .map(|(u, unit)| {
                self.row(&Measured {
                    text: unit.range.slice(self.text),
                    index: u,
                    count: n_units,
                    unit,
                    block: &self.seg.blocks[unit.block],
                    repeats_in_batch: batch_repeats.get(unit.block).copied().unwrap_or(1),
                })
            })
            .collect();
        page_columns(&mut rows);
        rows
    }

    /// Rows of the blocks as one unit each, with batch repeats of 1, given the rows of the
    /// units. A block that is one whole unit lends it its unit's row (only the position and
    /// batch columns differ), so most blocks are measured once.
    pub(super) fn block_rows(&self, unit_rows: &[Vec<f32>]) -> Vec<Vec<f32>> {
        let seg = self.seg;
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
                    position_columns(b, n_blocks, &mut row);
                    row[Dense::RepeatsInBatch] = batch_repeats_column(1);
                    row
                }
                None => {
                    let as_unit = Unit {
                        range: block.range,
                        block: b,
                        position: 0,
                        siblings: 1,
                    };
                    self.row(&Measured {
                        text: block.range.slice(self.text),
                        index: b,
                        count: n_blocks,
                        unit: &as_unit,
                        block,
                        repeats_in_batch: 1,
                    })
                }
            })
            .collect();
        page_columns(&mut rows);
        rows
    }

    /// The dense and DOM columns of one unit, the page-level columns left at zero. The row has
    /// room for the content columns appended later, so it is never moved.
    fn row(&self, m: &Measured<'_>) -> Vec<f32> {
        let mut row = Vec::with_capacity(LAYOUT_WIDTH);
        row.resize(CONTENT_START, 0.0);
        text_columns(m.text, &mut row);
        cue_columns(m.text, &mut row);
        position_columns(m.index, m.count, &mut row);
        self.block_columns(m, &mut row);
        self.repeat_columns(m, &mut row);
        self.site_columns(m, &mut row);
        dom_columns(
            self.dom_blocks.map(|d| &d[m.unit.block]),
            &mut row[DOM_START..CONTENT_START],
        );
        row
    }

    /// The unit's place in its block, its block's words and lines, and its neighbour blocks'.
    fn block_columns(&self, m: &Measured<'_>, row: &mut [f32]) {
        let (text, block, unit) = (self.text, m.block, m.unit);
        let b = block.index;
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let log_words = |w: usize| ((1 + w) as f32).ln() / 5.0;
        let prev_words = b.checked_sub(1).map(|p| self.block_words[p]);
        let next_words = self.block_words.get(b + 1).copied();
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
        row[Dense::BlockWordsLog] = log_words(self.block_words[b]);
        row[Dense::FirstUnitOfBlock] = flag(unit.position == 0);
        row[Dense::LastUnitOfBlock] = flag(unit.position + 1 == unit.siblings);
        row[Dense::BlockHasSeveralUnits] = flag(unit.siblings > 1);
        row[Dense::Indented] = flag(block.range.start > line_start);
        row[Dense::BlankLineBefore] = flag(blank_before);
        row[Dense::BlankLineAfter] = flag(blank_after);
        row[Dense::PreviousBlockWordsLog] = prev_words.map_or(0.0, log_words);
        row[Dense::NextBlockWordsLog] = next_words.map_or(0.0, log_words);
        row[Dense::PreviousBlockShort] = flag(prev_words.is_none_or(|w| w <= 3));
        row[Dense::NextBlockShort] = flag(next_words.is_none_or(|w| w <= 3));
    }

    /// How the unit's block recurs in the page and in the batch.
    fn repeat_columns(&self, m: &Measured<'_>, row: &mut [f32]) {
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let in_page = &self.in_page[m.unit.block];
        row[Dense::RepeatsInPage] = (in_page.count.saturating_sub(1) as f32).ln_1p() / 2.0;
        row[Dense::CopyLaterInPage] = flag(in_page.later);
        row[Dense::CopyEarlierInPage] = flag(in_page.earlier);
        row[Dense::RepeatsInBatch] = batch_repeats_column(m.repeats_in_batch);
    }

    /// Whether the unit and its block name the site, and whether the site acts in the unit.
    fn site_columns(&self, m: &Measured<'_>, row: &mut [f32]) {
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let b = m.block.index;
        // A unit that is its whole block names the site when its block does.
        let unit_mentions = if m.unit.range == m.block.range {
            self.block_mentions[b]
        } else {
            mentions_any(m.text, &self.site_name)
        };
        row[Dense::MentionsSiteName] = flag(unit_mentions);
        row[Dense::BlockMentionsSiteName] = flag(self.block_mentions[b]);
        row[Dense::SiteNameAsActor] = flag(site_name_as_actor(m.text, &self.site_name));
        row[Dense::MentionsHostName] = flag(
            self.host
                .as_deref()
                .is_some_and(|h| mentions_host(m.text, h)),
        );
    }
}

/// The page-position columns of unit `u` of `n`: position, its square, first and last tenth.
fn position_columns(u: usize, n: usize, row: &mut [f32]) {
    let position = if n > 1 {
        u as f32 / (n - 1) as f32
    } else {
        0.0
    };
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    row[Dense::PagePosition] = position;
    row[Dense::PagePositionSquared] = position * position;
    row[Dense::InFirstTenth] = flag(position < 0.1);
    row[Dense::InLastTenth] = flag(position > 0.9);
}

/// The `repeats_in_batch` column of a block found in `repeats_in_batch` pages of the batch.
fn batch_repeats_column(repeats_in_batch: u32) -> f32 {
    (repeats_in_batch.saturating_sub(1) as f32).ln_1p() / 3.0
}

/// Fills the page-level columns: how much of the page sells, and the unit cues that mean more
/// on a page that sells (a linear model cannot multiply them itself).
fn page_columns(layout: &mut [Vec<f32>]) {
    let n = layout.len().max(1) as f32;
    let share = |c: Dense| layout.iter().map(|r| r[c]).sum::<f32>() / n;
    let cta_share = share(Dense::HasCallToActionPhrase);
    let plural_share = share(Dense::HasFirstPersonPlural);
    let phone_or_price = if layout
        .iter()
        .any(|r| r[Dense::HasPhoneNumber] > 0.0 || r[Dense::HasPrice] > 0.0)
    {
        1.0
    } else {
        0.0
    };
    let selling = (cta_share * 4.0).min(1.0);
    let praise_share = share(Dense::HasPraiseOrRating);
    let quote_share = share(Dense::WrappedInQuotes);
    let singular_share = share(Dense::FirstPersonSingularShare);
    let host_share = share(Dense::MentionsHostName);
    // A page of testimonials: praise and quoted speech throughout.
    let testimonials = (praise_share * 3.0 + quote_share * 3.0).min(1.0);
    for row in layout.iter_mut() {
        row[Dense::PagePraiseShare] = praise_share;
        row[Dense::PageQuoteShare] = quote_share;
        row[Dense::PageFirstPersonSingularShare] = singular_share;
        row[Dense::PageHostNameShare] = host_share;
        row[Dense::FirstPersonSingularOnTestimonialPage] =
            row[Dense::FirstPersonSingularShare] * testimonials;
        row[Dense::PraiseOnSellingPage] = row[Dense::HasPraiseOrRating] * selling;
        row[Dense::HostNameOnSellingPage] = row[Dense::MentionsHostName] * selling;
        row[Dense::PageCallToActionShare] = cta_share;
        row[Dense::PageFirstPersonPluralShare] = plural_share;
        row[Dense::PageHasPhoneOrPrice] = phone_or_price;
        row[Dense::FirstPersonPluralOnSellingPage] = row[Dense::HasFirstPersonPlural] * selling;
        row[Dense::SiteNameOnSellingPage] = row[Dense::MentionsSiteName] * selling;
    }
}

#[cfg(test)]
mod tests {
    use crate::types::Label;

    /// The label of the span holding `needle` when the built-in model labels `text`.
    fn label_of(text: &str, needle: &str) -> Label {
        let labeler = crate::Labeler::builtin().unwrap();
        let labelled = labeler.label_text("t", text).unwrap();
        let at = text.find(needle).unwrap();
        labelled
            .spans
            .iter()
            .find(|s| s.range.start <= at && at < s.range.end)
            .unwrap()
            .label
    }

    #[test]
    fn the_page_decides_the_label_of_a_first_person_sentence() {
        // The same sentence: a client's praise on a page of testimonials, a quoted participant's
        // words in a report. Only the page around it differs.
        let sentence =
            "Since joining, I have gained mental clarity and my energy levels have never felt better.";
        let testimonials = format!(
            "Client Testimonials\n\
             “Josh is a wonderful teacher. We feel incredibly lucky to have found him.” — Sarah K.\n\
             “I would highly recommend Harbor Coaching to anyone.” — Mark D.\n\
             {sentence}\n\
             “Amazing coaches and a welcoming community. Five stars!” — Priya S.\n"
        );
        let report = format!(
            "How Strength Training Affects Energy\n\
             Strength training improves insulin sensitivity and sleep quality in adults.\n\
             Researchers followed 300 adults over twelve weeks of supervised training.\n\
             {sentence}\n\
             Participants reported less fatigue, and the effect lasted after the study ended.\n"
        );
        assert_eq!(label_of(&testimonials, sentence), Label::Promotion);
        assert_eq!(label_of(&report, sentence), Label::Education);
    }
}
