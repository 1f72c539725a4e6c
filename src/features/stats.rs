//! Text statistics of a unit: character classes (letters, capitals, digits, punctuation,
//! separators), words, title-case words and pronouns, counted in one pass with byte-level fast
//! paths for ASCII; and the columns of a unit's row they give.

use super::schema::Dense;

const FIRST_PERSON_SINGULAR: &[&str] = &[
    "i", "i'm", "i’m", "i've", "i’ve", "my", "me", "mine", "myself",
];
const SECOND_PERSON: &[&str] = &[
    "you", "your", "yours", "you're", "you’re", "yourself", "you'll", "you’ll",
];
const FIRST_PERSON_PLURAL: &[&str] = &[
    "we",
    "our",
    "us",
    "ours",
    "we're",
    "we’re",
    "we'll",
    "we’ll",
    "ourselves",
];

/// Byte lanes of [`ASCII_CHARACTER_COUNTS`]: which counter of [`TextStats`] a lane adds to.
const COUNTS_CHARS: u32 = 0;
const COUNTS_LETTERS: u32 = 1;
const COUNTS_UPPER: u32 = 2;
const COUNTS_DIGITS: u32 = 3;
const COUNTS_PUNCT: u32 = 4;
const COUNTS_SEPARATORS: u32 = 5;

/// One in `counter`'s lane.
const fn one(counter: u32) -> u64 {
    1 << (8 * counter)
}

/// What each ASCII byte adds to the character counters of [`TextStats`], one byte lane per
/// counter: the classes of [`TextStats::count_characters`], worked out at compile time.
static ASCII_CHARACTER_COUNTS: [u64; 128] = {
    let mut table = [0u64; 128];
    let mut b = 0u8;
    while b < 128 {
        // ASCII's whitespace by `char::is_whitespace` counts nothing.
        if !matches!(b, b'\t'..=b'\r' | b' ') {
            table[b as usize] = one(COUNTS_CHARS)
                + if b.is_ascii_alphabetic() {
                    one(COUNTS_LETTERS)
                        + if b.is_ascii_uppercase() {
                            one(COUNTS_UPPER)
                        } else {
                            0
                        }
                } else if b.is_ascii_digit() {
                    one(COUNTS_DIGITS)
                } else {
                    one(COUNTS_PUNCT)
                        + if matches!(b, b'|' | b'/') {
                            one(COUNTS_SEPARATORS)
                        } else {
                            0
                        }
                };
        }
        b += 1;
    }
    table
};

/// Counts of one unit's characters and words.
#[derive(Default)]
struct TextStats {
    chars: usize,
    letters: usize,
    upper: usize,
    digits: usize,
    punct: usize,
    words: usize,
    titlecase: usize,
    second_person: usize,
    first_plural: usize,
    first_singular: usize,
    separators: usize,
}

impl TextStats {
    fn of(s: &str) -> TextStats {
        let mut st = TextStats::default();
        st.count_characters(s);
        st.count_words(s);
        st
    }

    /// [`TextStats::count_character`] of every character: runs of ASCII through
    /// [`TextStats::count_ascii_characters`] (a quarter of the text of real pages is in blocks
    /// with a curly quote or a dash, and their ASCII stays the common case).
    fn count_characters(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let mut at = 0;
        loop {
            let run_end = bytes[at..]
                .iter()
                .position(|b| !b.is_ascii())
                .map_or(bytes.len(), |n| at + n);
            self.count_ascii_characters(&bytes[at..run_end]);
            let Some(c) = s[run_end..].chars().next() else {
                break;
            };
            self.count_character(c);
            at = run_end + c.len_utf8();
        }
    }

    /// [`TextStats::count_character`] of ASCII bytes: a byte adds its packed counts (one byte
    /// lane per counter, from [`ASCII_CHARACTER_COUNTS`]), without branching on its class.
    fn count_ascii_characters(&mut self, bytes: &[u8]) {
        // A lane holds up to 255: unpack before it can overflow.
        for chunk in bytes.chunks(255) {
            let lanes: u64 = chunk
                .iter()
                .map(|&b| ASCII_CHARACTER_COUNTS[usize::from(b & 0x7f)])
                .sum();
            let lane = |counter: u32| (lanes >> (8 * counter)) as usize & 0xff;
            self.chars += lane(COUNTS_CHARS);
            self.letters += lane(COUNTS_LETTERS);
            self.upper += lane(COUNTS_UPPER);
            self.digits += lane(COUNTS_DIGITS);
            self.punct += lane(COUNTS_PUNCT);
            self.separators += lane(COUNTS_SEPARATORS);
        }
    }

    fn count_character(&mut self, c: char) {
        if c.is_whitespace() {
            return;
        }
        self.chars += 1;
        if c.is_alphabetic() {
            self.letters += 1;
            self.upper += usize::from(c.is_uppercase());
        } else if c.is_numeric() {
            self.digits += 1;
        } else {
            self.punct += 1;
            self.separators += usize::from(matches!(c, '|' | '·' | '•' | '›' | '»' | '/'));
        }
    }

    /// Counts the words: runs of alphanumerics and apostrophes (`'` and `’`), cut between
    /// bytes where the text is ASCII.
    fn count_words(&mut self, s: &str) {
        let words = crate::types::words_by(
            s,
            |b| b.is_ascii_alphanumeric() || b == b'\'',
            |c| c.is_alphanumeric() || c == '’',
        );
        for word in words {
            self.count_word(word);
        }
    }

    fn count_word(&mut self, word: &str) {
        self.words += 1;
        self.titlecase += usize::from(word.chars().next().is_some_and(char::is_uppercase));
        // Every pronoun listed starts with one of these letters and has at most 9 bytes: other
        // words skip the list comparisons.
        let maybe_pronoun = word.len() <= 9
            && matches!(
                word.as_bytes()[0].to_ascii_lowercase(),
                b'i' | b'm' | b'y' | b'w' | b'o' | b'u'
            );
        if !maybe_pronoun {
            return;
        }
        let is = |list: &[&str]| list.iter().any(|w| w.eq_ignore_ascii_case(word));
        if is(FIRST_PERSON_SINGULAR) {
            self.first_singular += 1;
        } else if is(SECOND_PERSON) {
            self.second_person += 1;
        } else if is(FIRST_PERSON_PLURAL) {
            self.first_plural += 1;
        }
    }
}

/// Runs of alphanumerics in `s`.
pub(super) fn word_count(s: &str) -> usize {
    crate::types::words_by(s, |b| b.is_ascii_alphanumeric(), char::is_alphanumeric).count()
}

/// Fills the columns of a unit's row that its own text gives: length, words, end punctuation,
/// character shares, pronouns, separators and how it opens.
pub(super) fn text_columns(unit_text: &str, row: &mut [f32]) {
    let stats = TextStats::of(unit_text);
    let words = stats.words.max(1) as f32;
    let last = unit_text
        .trim_end_matches(['"', '\'', '”', '’', ')'])
        .chars()
        .last();
    let log_words = |w: usize| ((1 + w) as f32).ln() / 5.0;
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let pronoun_share = |count: usize| (count as f32 / words * 5.0).min(1.0);
    row[Dense::UnitBytesLog] = ((1 + unit_text.len()) as f32).ln() / 8.0;
    row[Dense::UnitWordsLog] = log_words(stats.words);
    row[Dense::UnitShort] = flag(stats.words <= 3);
    row[Dense::UnitLong] = flag(stats.words > 25);
    row[Dense::EndsPeriod] = flag(last == Some('.'));
    row[Dense::EndsQuestion] = flag(last == Some('?'));
    row[Dense::EndsExclamation] = flag(last == Some('!'));
    row[Dense::EndsColon] = flag(last == Some(':'));
    row[Dense::EndsWithoutPunctuation] = flag(!matches!(last, Some('.' | '?' | '!' | ':' | '…')));
    row[Dense::UppercaseShare] = stats.upper as f32 / stats.letters.max(1) as f32;
    row[Dense::DigitShare] = stats.digits as f32 / stats.chars.max(1) as f32;
    row[Dense::PunctuationShare] = stats.punct as f32 / stats.chars.max(1) as f32;
    row[Dense::TitlecaseWordShare] = stats.titlecase as f32 / words;
    row[Dense::HasPercent] = flag(unit_text.contains('%'));
    row[Dense::SecondPersonShare] = pronoun_share(stats.second_person);
    row[Dense::FirstPersonPluralShare] = pronoun_share(stats.first_plural);
    row[Dense::SeparatorCount] = (stats.separators as f32).ln_1p() / 2.0;
    row[Dense::StartsWithBulletOrNumber] = flag(
        unit_text.starts_with(['•', '-', '*', '·', '▪', '✓', '★'])
            || unit_text.starts_with(|c: char| c.is_ascii_digit()),
    );
    row[Dense::HasFirstPersonPlural] = flag(stats.first_plural > 0);
    row[Dense::StartsWithQuote] = flag(unit_text.starts_with(['“', '"', '‘']));
    // Quoted speech (a testimonial): opens with a quote and closes one near its end.
    let trimmed = unit_text.trim_end();
    let closes = trimmed
        .rfind(['”', '"'])
        .is_some_and(|i| i > 0 && i + 40 >= trimmed.len());
    row[Dense::WrappedInQuotes] =
        flag(unit_text.starts_with(['“', '"']) && closes && unit_text.len() > 20);
    row[Dense::FirstPersonSingularShare] = pronoun_share(stats.first_singular);
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn byte_paths_agree_with_the_character_paths(s in "([ -~\t\n\r\x00-\x1f]|[yY]ou|I|[Oo]ur|we're|my|i’m|We’re|é|É|’|—|“|ß|İ|\u{a0}|Σ|日本|\u{2028}|·|•|»|½|٣){0,40}") {
            let (mut fast, mut slow) = (TextStats::default(), TextStats::default());
            fast.count_characters(&s);
            s.chars().for_each(|c| slow.count_character(c));
            proptest::prop_assert_eq!(
                (fast.chars, fast.letters, fast.upper, fast.digits, fast.punct, fast.separators),
                (slow.chars, slow.letters, slow.upper, slow.digits, slow.punct, slow.separators)
            );
            let (mut fast_words, mut slow_words) = (TextStats::default(), TextStats::default());
            fast_words.count_words(&s);
            for word in s.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’')) {
                if !word.is_empty() {
                    slow_words.count_word(word);
                }
            }
            proptest::prop_assert_eq!(
                (fast_words.words, fast_words.titlecase, fast_words.second_person, fast_words.first_plural, fast_words.first_singular),
                (slow_words.words, slow_words.titlecase, slow_words.second_person, slow_words.first_plural, slow_words.first_singular)
            );
            let by_chars = s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).count();
            proptest::prop_assert_eq!(word_count(&s), by_chars);
        }
    }

    #[test]
    fn pronoun_lists_fit_the_quick_check_in_text_stats() {
        for word in [FIRST_PERSON_SINGULAR, SECOND_PERSON, FIRST_PERSON_PLURAL].concat() {
            assert!(word.len() <= 9 && "imywou".contains(&word[..1]), "{word}");
        }
        let stats = TextStats::of("You and I: OUR team, yourself. Mine! Ourselves? Uber.");
        assert_eq!(
            (
                stats.second_person,
                stats.first_singular,
                stats.first_plural
            ),
            (2, 2, 2)
        );
    }
}
