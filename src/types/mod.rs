//! Plain data passed between the pipeline stages: offsets, labels, pages (with their
//! [`Markup`]), segmentations, spans and gold. Every other module may use these; they use none.

pub mod dom;
mod markup;
mod source_map;

pub use markup::Markup;
pub use source_map::SourceMap;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A range of UTF-8 bytes, `end` exclusive. The only offset type in pagesift: it always points
/// into a page's source text, on character boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ByteRange {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl ByteRange {
    /// A range; `start` must not exceed `end`.
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end, "ByteRange {start}..{end} is reversed");
        ByteRange { start, end }
    }

    /// Number of bytes covered.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True when the range covers no byte.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Turns a range relative to a sub-slice starting at `offset` into a range of the whole text.
    pub fn shift(self, offset: usize) -> Self {
        ByteRange::new(self.start + offset, self.end + offset)
    }

    /// The text this range covers in `text`.
    pub fn slice<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }

    /// Bytes shared with `other`.
    pub fn overlap(&self, other: &ByteRange) -> usize {
        self.end
            .min(other.end)
            .saturating_sub(self.start.max(other.start))
    }
}

/// The three labels of `ANNOTATION.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Text that informs: what a condition is, how a treatment works, its evidence and risks.
    Education,
    /// Text that sells: offers, prices, calls to book or buy, testimonials, the provider's pitch.
    Promotion,
    /// Page furniture: navigation, footers, cookie banners, share buttons, legal lines.
    Boilerplate,
}

impl Label {
    /// Every label, in class-index order.
    pub const ALL: [Label; 3] = [Label::Education, Label::Promotion, Label::Boilerplate];
    /// Number of labels.
    pub const COUNT: usize = 3;

    /// The class index used by the classifier.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The label of a class index.
    pub fn from_index(index: usize) -> Label {
        Label::ALL[index]
    }

    /// The label's name as written in gold files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Education => "education",
            Label::Promotion => "promotion",
            Label::Boilerplate => "boilerplate",
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Label {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "education" => Ok(Label::Education),
            "promotion" => Ok(Label::Promotion),
            "boilerplate" => Ok(Label::Boilerplate),
            other => Err(format!(
                "unknown label {other:?} (expected education, promotion or boilerplate)"
            )),
        }
    }
}

/// Where a page came from: a file, and for JSON Lines the 1-based line number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The input file (`-` for standard input).
    pub path: String,
    /// The line (JSON Lines) or record number (WARC), when a file holds several pages.
    pub line: Option<usize>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}: line {}", self.path, line),
            None => f.write_str(&self.path),
        }
    }
}

/// One input page: the text every offset points into.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// The page's id: given in the input, or made from the file name (and line).
    pub id: String,
    /// Where the page was read.
    pub origin: Origin,
    /// The page's address, when the input gives one (JSON Lines `url`).
    pub url: Option<String>,
    /// The visible text; for an HTML page, its extracted text (one block per line).
    pub text: String,
    /// For an HTML page: where the text came from in the HTML and the DOM around each block.
    pub markup: Option<std::sync::Arc<Markup>>,
    /// Invalid UTF-8 was replaced with U+FFFD (`--lossy`); said so in the output.
    pub lossy: bool,
}

/// A block: one trimmed, non-empty line of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// The block's position in the page, from 0.
    pub index: usize,
    /// The block's bytes in the page's text.
    pub range: ByteRange,
}

/// The piece the classifier labels: a sentence (or a whole block) inside a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// The unit's bytes in the page's text.
    pub range: ByteRange,
    /// Index of the block holding this unit.
    pub block: usize,
    /// Position of this unit inside its block, and how many units the block has.
    pub position: usize,
    /// How many units its block has.
    pub siblings: usize,
}

/// A page cut into blocks and units; units are in text order and cover every non-whitespace byte.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segmentation {
    /// The page's blocks, in text order.
    pub blocks: Vec<Block>,
    /// The page's units, in text order.
    pub units: Vec<Unit>,
}

impl Segmentation {
    /// The same blocks, each one whole unit (what the content model reads).
    pub fn one_unit_per_block(&self) -> Segmentation {
        Segmentation {
            blocks: self.blocks.clone(),
            units: self
                .blocks
                .iter()
                .map(|b| Unit {
                    range: b.range,
                    block: b.index,
                    position: 0,
                    siblings: 1,
                })
                .collect(),
        }
    }
}

/// Tokens of one block: ids and byte offsets relative to the block's text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockTokens {
    /// Token ids, in order.
    pub ids: Vec<u32>,
    /// Each token's byte offsets, relative to the block's text.
    pub offsets: Vec<(u32, u32)>,
}

/// A labelled stretch of a page.
///
/// `range` is in the page's text. For an HTML page that text is the extracted text, and `source`
/// is the same stretch in the original HTML bytes. Written out, `start`/`end` are offsets into the
/// input as given (the HTML bytes for HTML, the text otherwise) and `text_start`/`text_end` are
/// offsets into the page's text (what `--emit-text` writes).
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The span's bytes in the page's text.
    pub range: ByteRange,
    /// For HTML pages: the span's bytes in the original HTML.
    pub source: Option<ByteRange>,
    /// The span's label.
    pub label: Label,
    /// Mean probability of `label` over the span's units, weighted by their length.
    pub score: f32,
    /// The span's text.
    pub text: String,
    /// The features that pushed the span to its label, strongest first (only with `--explain`).
    pub reasons: Vec<Reason>,
}

impl Span {
    /// Offsets into the input as given: HTML bytes for an HTML page, else the text.
    pub fn input_range(&self) -> ByteRange {
        self.source.unwrap_or(self.range)
    }
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let input = self.input_range();
        let fields = if self.reasons.is_empty() { 7 } else { 8 };
        let mut out = serializer.serialize_struct("Span", fields)?;
        out.serialize_field("start", &input.start)?;
        out.serialize_field("end", &input.end)?;
        out.serialize_field("text_start", &self.range.start)?;
        out.serialize_field("text_end", &self.range.end)?;
        out.serialize_field("label", &self.label)?;
        out.serialize_field("score", &self.score)?;
        out.serialize_field("text", &self.text)?;
        if !self.reasons.is_empty() {
            out.serialize_field("reasons", &self.reasons)?;
        }
        out.end()
    }
}

/// One feature's push towards a span's label: its value times its weight for that label minus
/// its mean weight over all labels, averaged over the span's units by length.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// The feature's name (e.g. `cue:call_to_action`, `lex:free consultation`).
    pub feature: String,
    /// How hard the feature pushed the span towards its label: its value times its weight for
    /// the label minus its mean weight over the labels (averaged over the span's units by length).
    pub push: f32,
    /// The feature's value (mean over the span's units by length): a negative lexicon score
    /// pushes away from its label.
    pub value: f32,
}

/// The labelling of one page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LabelledPage {
    /// The page's id.
    pub id: String,
    /// The page's URL, when the input gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Promotion bytes over labelled bytes, both counting non-whitespace bytes only.
    pub promotion_share: f32,
    /// The page's bytes were not valid UTF-8 and were decoded lossily (`--lossy`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub lossy: bool,
    /// The page's spans, in text order, covering every non-whitespace byte.
    pub spans: Vec<Span>,
    /// Size of the page's text in bytes (for summaries; not written with the spans).
    #[serde(skip)]
    pub text_bytes: usize,
}

impl LabelledPage {
    /// Keeps only the spans of `label` (`--only`); `promotion_share` still describes the whole page.
    pub fn retain_label(&mut self, label: Label) {
        self.spans.retain(|s| s.label == label);
    }
}

/// A gold page: its text and its labelled byte ranges (`ANNOTATION.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct GoldPage {
    /// The page (its text is what the spans point into).
    pub page: Page,
    /// The labelled ranges, sorted and non-overlapping.
    pub spans: Vec<(ByteRange, Label)>,
    /// Gold bytes (non-whitespace) per label that have no place in `page.text`: gold made on
    /// another segmenter's text, aligned onto ours, where our extraction left them out. They
    /// count as unlabelled in scores.
    pub unaligned: [u64; Label::COUNT],
}

impl GoldPage {
    /// A labelled page as gold: its spans with their labels (pre-annotations to correct).
    pub fn from_labelled(page: &Page, labelled: &LabelledPage) -> GoldPage {
        GoldPage::new(
            page.clone(),
            labelled.spans.iter().map(|s| (s.range, s.label)).collect(),
        )
    }

    /// A gold page whose spans all point into `page.text`.
    pub fn new(page: Page, spans: Vec<(ByteRange, Label)>) -> GoldPage {
        GoldPage {
            page,
            spans,
            unaligned: [0; Label::COUNT],
        }
    }
}

/// Counts non-whitespace bytes in `text` (the unit every score is measured in), by
/// `char::is_whitespace`. Runs over every unit several times, so it stays on bytes: ASCII
/// whitespace is counted without branching, and only the bytes that can start another whitespace
/// character are decoded.
pub fn non_whitespace_bytes(text: &str) -> usize {
    let bytes = text.as_bytes();
    // ASCII's whitespace: tab to carriage return, and space.
    // Summed in byte lanes, 255 bytes at a time: the vector loop stays on bytes.
    let ascii_whitespace: usize = bytes
        .chunks(255)
        .map(|chunk| {
            let in_chunk: u8 = chunk
                .iter()
                .map(|&b| u8::from(matches!(b, b'\t'..=b'\r' | b' ')))
                .sum();
            usize::from(in_chunk)
        })
        .sum();
    let other_whitespace: usize = if text.is_ascii() {
        0
    } else {
        bytes
            .iter()
            .enumerate()
            .filter(|&(_, &b)| UNICODE_WHITESPACE_LEADS.contains(&b))
            .filter_map(|(at, _)| text[at..].chars().next().filter(|c| c.is_whitespace()))
            .map(char::len_utf8)
            .sum()
    };
    bytes.len() - ascii_whitespace - other_whitespace
}

/// The first bytes of the non-ASCII whitespace characters in UTF-8: U+0085 and U+00A0, U+1680,
/// U+2000 to U+205F, U+3000.
const UNICODE_WHITESPACE_LEADS: [u8; 4] = [0xC2, 0xE1, 0xE2, 0xE3];

/// The words of `text`: runs of the characters `in_word` accepts. ASCII bytes are classed one
/// at a time by `ascii_in_word`, which must agree with `in_word` on ASCII characters; the rest
/// is decoded. An iterator, so the byte loop stays tight and the caller's work per word stays
/// out of it.
pub(crate) fn words_by<A: Fn(u8) -> bool, C: Fn(char) -> bool>(
    text: &str,
    ascii_in_word: A,
    in_word: C,
) -> Words<'_, A, C> {
    Words {
        text,
        at: 0,
        ascii_in_word,
        in_word,
    }
}

/// See [`words_by`].
pub(crate) struct Words<'a, A, C> {
    text: &'a str,
    at: usize,
    ascii_in_word: A,
    in_word: C,
}

impl<A: Fn(u8) -> bool, C: Fn(char) -> bool> Words<'_, A, C> {
    /// Whether the character at byte `at` is in a word, and its length.
    #[inline(always)]
    fn class_at(&self, at: usize) -> (bool, usize) {
        let b = self.text.as_bytes()[at];
        if b.is_ascii() {
            ((self.ascii_in_word)(b), 1)
        } else {
            let c = self.text[at..]
                .chars()
                .next()
                .expect("at a character boundary");
            ((self.in_word)(c), c.len_utf8())
        }
    }
}

impl<'a, A: Fn(u8) -> bool, C: Fn(char) -> bool> Iterator for Words<'a, A, C> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let len = self.text.len();
        let start = loop {
            if self.at >= len {
                return None;
            }
            let (word, width) = self.class_at(self.at);
            if word {
                break self.at;
            }
            self.at += width;
        };
        while self.at < len {
            let (word, width) = self.class_at(self.at);
            if !word {
                break;
            }
            self.at += width;
        }
        Some(&self.text[start..self.at])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_non_ascii_whitespace_character_starts_with_a_listed_byte() {
        let mut found = 0;
        for c in (0x80..=0x10FFFFu32).filter_map(char::from_u32) {
            if c.is_whitespace() {
                let mut utf8 = [0u8; 4];
                let lead = c.encode_utf8(&mut utf8).as_bytes()[0];
                assert!(super::UNICODE_WHITESPACE_LEADS.contains(&lead), "{c:?}");
                found += 1;
            }
        }
        assert!(found >= 19, "{found}");
    }

    proptest::proptest! {
        #[test]
        fn non_whitespace_bytes_agrees_with_char_is_whitespace(s in "([ -~\t\n\r]|é|’|—|\u{85}|\u{a0}|\u{1680}|\u{2000}|\u{200a}|\u{2028}|\u{202f}|\u{205f}|\u{3000}|\u{2060}|\u{e000}|日本|😀){0,30}") {
            let by_chars: usize = s.chars().filter(|c| !c.is_whitespace()).map(char::len_utf8).sum();
            proptest::prop_assert_eq!(super::non_whitespace_bytes(&s), by_chars);
        }
    }

    #[test]
    fn non_whitespace_bytes_agrees_with_char_is_whitespace_on_ascii() {
        let ascii: String = (0u8..128).map(char::from).collect();
        let by_chars = ascii.chars().filter(|c| !c.is_whitespace()).count();
        assert_eq!(super::non_whitespace_bytes(&ascii), by_chars);
        assert_eq!(super::non_whitespace_bytes("a\u{a0}é b"), 4);
    }

    use super::*;

    #[test]
    fn byte_range_shift_and_slice() {
        let text = "ab cdé f";
        let local = ByteRange::new(0, 4);
        let global = local.shift(3);
        assert_eq!(global, ByteRange::new(3, 7));
        assert_eq!(global.slice(text), "cdé");
        assert_eq!(global.overlap(&ByteRange::new(5, 20)), 2);
        assert_eq!(global.overlap(&ByteRange::new(8, 9)), 0);
    }

    #[test]
    fn labels_round_trip_through_names_and_indices() {
        for label in Label::ALL {
            assert_eq!(label.as_str().parse::<Label>().unwrap(), label);
            assert_eq!(Label::from_index(label.index()), label);
        }
        assert!("advert".parse::<Label>().is_err());
    }

    #[test]
    fn counts_only_non_whitespace_bytes() {
        assert_eq!(non_whitespace_bytes(" a\té\n"), 3);
    }
}
