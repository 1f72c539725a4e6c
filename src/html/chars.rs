//! A text chunk's characters: how they map onto source bytes, runs of plain characters, and
//! skipping past a stretch.

/// How precisely text bytes can be traced to source bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Exactness {
    /// The decoded text is the source bytes: byte-exact.
    Utf8,
    /// One source byte per character: character-exact.
    SingleByte,
    /// Multi-byte legacy encodings: every character maps to its whole text chunk.
    Chunk,
}

/// A character shown as itself: not whitespace, a control character or an entity's `&`.
pub(super) fn is_plain(c: char) -> bool {
    !(c.is_whitespace() || c.is_control() || c == '&')
}

/// The end of the run of plain characters of `text` from `at`, and how many characters it holds:
/// ASCII bytes are read as bytes; other characters join only where the text is the source's own
/// UTF-8 (elsewhere they do not map one to one onto source bytes).
pub(super) fn plain_run(text: &str, mut at: usize, exact: Exactness) -> (usize, usize) {
    let mut count = 0;
    loop {
        match text.as_bytes().get(at) {
            Some(&b) if b.is_ascii() && is_plain(char::from(b)) => at += 1,
            Some(&b) if !b.is_ascii() && exact == Exactness::Utf8 => {
                match text[at..].chars().next() {
                    Some(c) if is_plain(c) => at += c.len_utf8(),
                    _ => break,
                }
            }
            _ => break,
        }
        count += 1;
    }
    (at, count)
}

/// From `at`, past every character of `text` that starts before `end`: the offset reached and how
/// many characters that was.
pub(super) fn chars_before(text: &str, mut at: usize, end: usize) -> (usize, usize) {
    let mut count = 0;
    while let Some(c) = text[at..].chars().next().filter(|_| at < end) {
        at += c.len_utf8();
        count += 1;
    }
    (at, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_run_stops_at_whitespace_controls_and_entities() {
        assert_eq!(plain_run("word rest", 0, Exactness::Utf8), (4, 4));
        assert_eq!(plain_run("a&amp;b", 0, Exactness::Utf8), (1, 1));
        assert_eq!(plain_run("ab\u{7}c", 0, Exactness::SingleByte), (2, 2));
        // Non-ASCII characters join a run only where the text is the source's own UTF-8.
        assert_eq!(plain_run("café au", 0, Exactness::Utf8), (5, 4));
        assert_eq!(plain_run("café au", 0, Exactness::SingleByte), (3, 3));
        // A no-break space is whitespace, bytes or not.
        assert_eq!(plain_run("to\u{a0}do", 0, Exactness::Utf8), (2, 2));
        assert_eq!(plain_run("end", 3, Exactness::Utf8), (3, 0));
    }

    #[test]
    fn skipping_passes_every_character_that_starts_before_the_end() {
        assert_eq!(chars_before("&amp;x", 0, 5), (5, 5));
        // The end inside a character: the whole character is passed.
        assert_eq!(chars_before("aé b", 0, 2), (3, 2));
        assert_eq!(chars_before("abc", 1, 1), (1, 0));
        assert_eq!(chars_before("abc", 0, 10), (3, 3));
    }
}
