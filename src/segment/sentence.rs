//! Sentence boundaries inside one block, including the glued ones that lost their space or newline
//! when a page was flattened to text ("…Google PlayThe retreat", "Medical uses[edit]").

use super::text::trimmed;
use crate::types::ByteRange;

/// Words whose trailing period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "dr", "mr", "mrs", "ms", "st", "vs", "eg", "ie", "e.g", "i.e", "no", "fig", "approx", "inc",
    "ltd", "jr", "sr", "prof", "dept", "mt", "ft", "vol", "al", "co", "corp",
];

/// Ranges (relative to `block`) of its sentences, trimmed, in order, covering every
/// non-whitespace byte.
pub fn sentence_ranges(block: &str) -> Vec<ByteRange> {
    if block.is_ascii() {
        // A byte is a character: the cuts read the bytes, without a decoded copy.
        return ranges_between(block, sentence_cuts(block, &AsciiChars(block.as_bytes())));
    }
    sentence_ranges_full(block)
}

/// [`sentence_ranges`] over the decoded characters.
fn sentence_ranges_full(block: &str) -> Vec<ByteRange> {
    if let Ok(len) = u32::try_from(block.len()) {
        // 4 bytes a character, not the 16 of `(usize, char)`: a page that is one long accented
        // word stays within a small multiple of its size.
        let starts: Vec<u32> = block.char_indices().map(|(i, _)| i as u32).collect();
        debug_assert!(starts.last().is_none_or(|&s| s < len));
        return ranges_between(block, sentence_cuts(block, &Utf8Chars { block, starts }));
    }
    let chars: Vec<(usize, char)> = block.char_indices().collect();
    ranges_between(block, sentence_cuts(block, chars.as_slice()))
}

/// A block's characters by their byte offsets, each decoded when it is read.
struct Utf8Chars<'a> {
    block: &'a str,
    starts: Vec<u32>,
}

impl Chars for Utf8Chars<'_> {
    fn len(&self) -> usize {
        self.starts.len()
    }
    fn at(&self, i: usize) -> (usize, char) {
        let start = self.starts[i] as usize;
        let c = self.block[start..]
            .chars()
            .next()
            .expect("a character starts here");
        (start, c)
    }
}

/// The characters of a block as the cuts read them: the `i`-th character and its byte offset.
trait Chars {
    fn len(&self) -> usize;
    fn at(&self, i: usize) -> (usize, char);
    fn get(&self, i: usize) -> Option<(usize, char)> {
        (i < self.len()).then(|| self.at(i))
    }
    /// The first character from `i` on that a cut could involve (see [`QUIET_ASCII`]); `i`
    /// itself when not known to be quiet.
    fn skip_quiet(&self, i: usize) -> usize {
        i
    }
}

impl Chars for [(usize, char)] {
    fn len(&self) -> usize {
        <[(usize, char)]>::len(self)
    }
    fn at(&self, i: usize) -> (usize, char) {
        self[i]
    }
}

/// An ASCII block's bytes, each its own character.
struct AsciiChars<'a>(&'a [u8]);

impl Chars for AsciiChars<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn at(&self, i: usize) -> (usize, char) {
        (i, char::from(self.0[i]))
    }
    fn skip_quiet(&self, mut i: usize) -> usize {
        while self
            .0
            .get(i)
            .is_some_and(|&b| QUIET_ASCII[usize::from(b & 0x7f)])
        {
            i += 1;
        }
        i
    }
}

/// ASCII characters at which [`sentence_cuts`] does nothing: not a sentence end, whitespace,
/// a capital or `[` (the cuts look at neighbours only from those). Prose is mostly these, so the
/// cuts skip them a byte at a time.
static QUIET_ASCII: [bool; 128] = {
    let mut quiet = [false; 128];
    let mut b = 0u8;
    while b < 128 {
        quiet[b as usize] = !(matches!(b, b'.' | b'!' | b'?' | b'[' | b'A'..=b'Z')
            || (b as char).is_ascii_whitespace()
            || b == 0x0b);
        b += 1;
    }
    quiet
};

/// Where sentences start inside `block` (byte offsets, in order).
fn sentence_cuts<C: Chars + ?Sized>(block: &str, chars: &C) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        i = chars.skip_quiet(i);
        let Some((_, c)) = chars.get(i) else {
            break;
        };
        if let Some(cut) = cut_after_terminal(block, chars, i) {
            cuts.push(cut);
        } else if c.is_whitespace() {
            // A run of two or more spaces (or a tab) separates glued menu items.
            let mut j = i;
            while j < chars.len() && chars.at(j).1.is_whitespace() {
                j += 1;
            }
            if i > 0 && j < chars.len() && (j - i >= 2 || c == '\t') {
                cuts.push(chars.at(j).0);
            }
            i = j;
            continue;
        } else if i > 0 && glued_start(chars, i) {
            cuts.push(chars.at(i).0);
        }
        i += 1;
    }
    cuts
}

/// The trimmed, non-empty pieces of `block` between `cuts`.
fn ranges_between(block: &str, cuts: Vec<usize>) -> Vec<ByteRange> {
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for cut in cuts.into_iter().chain(std::iter::once(block.len())) {
        if cut <= start {
            continue;
        }
        if let Some(range) = trimmed(&block[start..cut]) {
            out.push(range.shift(start));
        }
        start = cut;
    }
    out
}

/// After `.`, `!`, `?` or `…` at `i` (and any closing quotes or brackets), the byte where the next
/// sentence starts, if one starts there.
fn cut_after_terminal<C: Chars + ?Sized>(block: &str, chars: &C, i: usize) -> Option<usize> {
    let c = chars.at(i).1;
    if !matches!(c, '.' | '!' | '?' | '…') {
        return None;
    }
    let mut j = i + 1;
    while j < chars.len() && matches!(chars.at(j).1, '"' | '\'' | '”' | '’' | ')' | ']') {
        j += 1;
    }
    let spaced = j < chars.len() && chars.at(j).1.is_whitespace();
    while j < chars.len() && chars.at(j).1.is_whitespace() {
        j += 1;
    }
    let (next_at, next) = chars.get(j)?;
    let word = word_before(block, chars.at(i).0);
    if c == '.' && is_abbreviation(word) {
        return None;
    }
    let opens = next.is_uppercase() || matches!(next, '"' | '“' | '‘' | '(' | '[');
    if spaced && (opens || next.is_ascii_digit()) {
        return Some(next_at);
    }
    // "night.This": glued only when a real word ends and a capitalised word begins.
    let lower_follows = chars.get(j + 1).is_some_and(|(_, c)| c.is_lowercase());
    (!spaced && next.is_uppercase() && lower_follows && word.chars().count() >= 2)
        .then_some(next_at)
}

/// A sentence glued to the previous one without a space: "PlayThe", "uses[edit]", "Play“The".
fn glued_start<C: Chars + ?Sized>(chars: &C, i: usize) -> bool {
    let prev = chars.at(i - 1).1;
    let c = chars.at(i).1;
    let next = chars.get(i + 1).map(|(_, c)| c);
    if c.is_uppercase() && next.is_some_and(char::is_lowercase) {
        // At least three lower-case letters before: "WeeklyTech" yes, "iPhone"/"McDonald" no.
        return i >= 3 && (i - 3..i).all(|k| chars.at(k).1.is_lowercase());
    }
    if c == '[' && prev.is_alphabetic() {
        let rest: String = (i + 1..chars.len())
            .map(|k| chars.at(k).1)
            .take(12)
            .collect();
        return rest
            .split_once(']')
            .is_some_and(|(inner, _)| !inner.is_empty() && inner.chars().all(char::is_alphabetic));
    }
    c == '“' && !prev.is_whitespace() && next.is_some_and(char::is_uppercase)
}

/// The letters (and inner periods) right before byte `at`, or their last [`WORD_LOOKBACK`]
/// characters when there are more: the callers only ask whether the word is short (an
/// abbreviation, an initial) or at least two characters long, which a longer tail answers as the
/// whole word would. Looking back no further keeps a run of periods or one long word linear
/// (30 MB of `.` took hours when each period looked back to the start).
fn word_before(block: &str, at: usize) -> &str {
    let head = &block[..at];
    let mut start = head.len();
    for (taken, (i, c)) in head.char_indices().rev().enumerate() {
        if taken == WORD_LOOKBACK || !(c.is_alphanumeric() || c == '.') {
            break;
        }
        start = i;
    }
    &head[start..]
}

/// How far [`word_before`] looks back, in characters: longer than any abbreviation.
const WORD_LOOKBACK: usize = 16;

fn is_abbreviation(word: &str) -> bool {
    let single_capital = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
    // The list is lower-case ASCII: an ASCII word compares without a lower-cased copy.
    let listed = if word.is_ascii() {
        ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word))
    } else {
        ABBREVIATIONS.contains(&word.to_lowercase().as_str())
    };
    // "U.S." and "e.g." keep inner periods; a lone capital is an initial ("J. Smith").
    single_capital || listed || (word.contains('.') && word.len() <= 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<&str> {
        sentence_ranges(s).iter().map(|r| r.slice(s)).collect()
    }

    #[test]
    fn splits_sentences_but_not_abbreviations() {
        assert_eq!(
            split("Dr. Smith saw 3 patients. Call (555) 010-0199 today! “Quotes” work? Yes."),
            [
                "Dr. Smith saw 3 patients.",
                "Call (555) 010-0199 today!",
                "“Quotes” work?",
                "Yes."
            ]
        );
        assert_eq!(
            split("Approved in the U.S. in 2019 by J. Smith."),
            ["Approved in the U.S. in 2019 by J. Smith."]
        );
        assert_eq!(
            split("Version 6.1 costs $4.99 per month"),
            ["Version 6.1 costs $4.99 per month"]
        );
    }

    #[test]
    fn splits_glued_blocks() {
        assert_eq!(
            split("Get it on Google PlayThe retreat"),
            ["Get it on Google Play", "The retreat"]
        );
        assert_eq!(split("Medical uses[edit]"), ["Medical uses", "[edit]"]);
        assert_eq!(split("Cited here.[5] More"), ["Cited here.[5] More"]);
        assert_eq!(
            split("day or night.This website"),
            ["day or night.", "This website"]
        );
        assert_eq!(
            split("Gift Cards  Contact  Book Now"),
            ["Gift Cards", "Contact", "Book Now"]
        );
        assert_eq!(
            split("Watch it on YouTube or iPhone"),
            ["Watch it on YouTube or iPhone"]
        );
    }

    proptest::proptest! {
        #[test]
        fn the_ascii_paths_cut_as_the_full_pass(s in "([a-eA-E .!?\\[\\]\t\n0-9\"')]|Dr|e\\.g|U\\.S){0,40}") {
            proptest::prop_assert_eq!(sentence_ranges(&s), sentence_ranges_full(&s));
        }

        #[test]
        fn the_compact_char_index_cuts_as_decoded_pairs(s in "([a-eA-EéÉ .!?…¿“”\\[\\]\t\n0-9\"')]|Dr|e\\.g|U\\.S){0,40}") {
            let pairs: Vec<(usize, char)> = s.char_indices().collect();
            let expected = ranges_between(&s, sentence_cuts(&s, pairs.as_slice()));
            proptest::prop_assert_eq!(sentence_ranges_full(&s), expected);
        }
    }

    #[test]
    fn a_long_run_of_periods_is_cut_in_linear_time() {
        // Quadratic, this took minutes; linear, a few milliseconds (no timing asserted: the
        // test suite would hang, not fail, if it came back).
        let dots = ".".repeat(2_000_000);
        let pieces = sentence_ranges(&dots);
        assert_eq!(pieces.iter().map(|r| r.len()).sum::<usize>(), dots.len());
        // Past the look-back a word is still a word: it ends a sentence, glued or spaced.
        let long = "Pneumonoultramicroscopicsilicovolcanoconiosis";
        assert_eq!(
            split(&format!("{long}. Next")),
            [format!("{long}."), "Next".to_string()]
        );
        assert_eq!(
            split(&format!("{long}.Next one")),
            [format!("{long}."), "Next one".to_string()]
        );
        assert_eq!(split("See Dr. Smith."), ["See Dr. Smith."]);
    }

    #[test]
    fn quiet_ascii_is_what_the_cuts_pass_over() {
        for b in 0u8..128 {
            let c = char::from(b);
            let acts = matches!(c, '.' | '!' | '?' | '[') || c.is_whitespace() || c.is_uppercase();
            assert_eq!(QUIET_ASCII[usize::from(b)], !acts, "{b}");
        }
    }

    #[test]
    fn pieces_cover_every_non_whitespace_byte() {
        let s = "  a.  B!  ¿c?\tD… e ";
        let pieces = sentence_ranges(s);
        let covered: usize = pieces
            .iter()
            .map(|r| crate::types::non_whitespace_bytes(r.slice(s)))
            .sum();
        assert_eq!(covered, crate::types::non_whitespace_bytes(s));
    }
}
