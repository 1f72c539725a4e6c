//! The pre-tokenizer's cuts, done by hand on the fast path: runs of word characters or of
//! punctuation (whitespace splits), with lower-casing and the cutting of overlong words.

use crate::error::ModelError;
use crate::types::BlockTokens;

/// Calls `each` with the byte range of every pre-token of `text` (a run of word characters or
/// of punctuation; whitespace splits and is dropped), as the `Whitespace` pre-tokenizer cuts
/// them. Every character of `text` must have a [`char_class`]; ASCII is cut byte by byte.
pub(super) fn pre_tokens(
    text: &str,
    mut each: impl FnMut(usize, usize) -> Result<(), ModelError>,
) -> Result<(), ModelError> {
    if text.is_ascii() {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let (start, class) = (i, ascii_class(bytes[i]));
            while i < bytes.len() && ascii_class(bytes[i]) == class {
                i += 1;
            }
            if class != CharClass::Space {
                each(start, i)?;
            }
        }
        return Ok(());
    }
    let class_of = |c: char| char_class(c).unwrap_or(CharClass::Punctuation);
    let mut chars = text.char_indices().peekable();
    while let Some((start, first)) = chars.next() {
        let class = class_of(first);
        let mut end = start + first.len_utf8();
        while let Some(&(at, c)) = chars.peek() {
            if class_of(c) != class {
                break;
            }
            end = at + c.len_utf8();
            chars.next();
        }
        if class != CharClass::Space {
            each(start, end)?;
        }
    }
    Ok(())
}

/// [`char_class`] of an ASCII byte.
pub(super) fn ascii_class(b: u8) -> CharClass {
    if b.is_ascii_alphanumeric() || b == b'_' {
        CharClass::Word
    } else if matches!(b, b'\t'..=b'\r' | b' ') {
        CharClass::Space
    } else {
        CharClass::Punctuation
    }
}

/// Appends the lower case of `c`.
pub(super) fn push_lower(word: &mut String, c: char) {
    if c.is_ascii() {
        word.push(c.to_ascii_lowercase());
    } else {
        word.extend(c.to_lowercase());
    }
}

/// How the `Whitespace` pre-tokenizer (`\w+|[^\w\s]+`) sees a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CharClass {
    Word,
    Punctuation,
    Space,
}

/// The fast path's class of `c`, or `None` for characters it leaves to the full pipeline (those
/// whose lower case changes length, combining marks, scripts it does not know).
pub(super) fn char_class(c: char) -> Option<CharClass> {
    if c.is_ascii_alphanumeric() || c == '_' {
        return Some(CharClass::Word);
    }
    if c.is_whitespace() {
        return Some(CharClass::Space);
    }
    if c.is_ascii() {
        return Some(CharClass::Punctuation);
    }
    // Latin letters with accents: \w, and lower-cased to a character of the same length.
    if ('\u{C0}'..='\u{24F}').contains(&c) && c.is_alphabetic() {
        let mut lower = c.to_lowercase();
        return match (lower.next(), lower.next()) {
            (Some(l), None) if l.len_utf8() == c.len_utf8() => Some(CharClass::Word),
            _ => None,
        };
    }
    // Chinese ideographs, hiragana and katakana (with the prolonged-sound mark): letters
    // without case, so \w and their own lower case.
    if matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー')
    {
        return Some(CharClass::Word);
    }
    // Punctuation and symbols common on web pages; none is \w and none changes case.
    const PUNCTUATION: &str =
        "‐‑‒–—―‘’‚‛“”„‟†‡•…‰′″‹›«»¡¿§¶©®™°±·×÷¢£¥€₹★☆✓✔✗✘→←↑↓▶►▸◆●○■□、。「」";
    // Also: C1 controls (cp1252 punctuation decoded as Latin-1; U+0085 is whitespace, above),
    // the zero-width space, arrows, and private-use characters (icon fonts).
    let symbol = matches!(c, '\u{80}'..='\u{9F}' | '\u{200B}' | '\u{2190}'..='\u{21FF}' | '\u{E000}'..='\u{F8FF}');
    (symbol || PUNCTUATION.contains(c)).then_some(CharClass::Punctuation)
}

/// A word (a run of word characters, or of punctuation, between the cuts of the pre-tokenizer)
/// longer than this many bytes is encoded by its first `MAX_WORD_BYTES` bytes only (cut on a
/// character boundary). Real words are far shorter; what is longer is a data blob, a hash or a
/// hostile page, and the subword model's memory grows with the word (about 75 bytes a byte).
pub const MAX_WORD_BYTES: usize = 100;

/// A block longer than this many bytes is tokenized by its first `MAX_BLOCK_TOKENIZED_BYTES`
/// bytes (cut on a character boundary). A token costs tens of bytes in the later stages, and a
/// block of random base64 holds about one token per two bytes: 30 MB of it took 1.1 GB. Blocks of
/// real pages are paragraphs, table cells and list items, far shorter.
pub const MAX_BLOCK_TOKENIZED_BYTES: usize = 1 << 20;

/// A block with the tails of its long words removed, and where they were.
pub(super) struct CutText {
    /// The block's text, long words cut.
    pub(super) text: String,
    /// Per cut: its position in `text` (where the kept head of the word ends) and the number
    /// of bytes removed there, summed over this cut and every one before it.
    cuts: Vec<(u32, u32)>,
}

impl CutText {
    /// Offsets into the cut text → offsets into the block. A token starting at a cut starts
    /// after the removed bytes (it is the next word); one ending at a cut ends before them.
    pub(super) fn restore(&self, mut tokens: BlockTokens) -> BlockTokens {
        let removed_before = |at: u32, inclusive: bool| {
            let n = self
                .cuts
                .partition_point(|&(p, _)| if inclusive { p <= at } else { p < at });
            if n == 0 {
                0
            } else {
                self.cuts[n - 1].1
            }
        };
        for (s, e) in &mut tokens.offsets {
            let start = *s + removed_before(*s, true);
            let end = *e + removed_before(*e, false);
            *s = start;
            *e = end.max(start);
        }
        tokens
    }
}

/// The class of a character for [`cut_long_words`]: close to the pre-tokenizer's `\w`, `\s`
/// and the rest (where it differs, a word is cut at a slightly different place; both encoding
/// paths see the same cut text, so they still agree).
fn cut_class(c: char) -> CharClass {
    if c.is_ascii() {
        ascii_class(c as u8)
    } else if c.is_whitespace() {
        CharClass::Space
    } else if c.is_alphanumeric() {
        CharClass::Word
    } else {
        CharClass::Punctuation
    }
}

/// `text` with every word longer than [`MAX_WORD_BYTES`] cut to its first `MAX_WORD_BYTES`
/// bytes (on a character boundary), or `None` when no word is that long (the usual case: no
/// copy is made).
pub(super) fn cut_long_words(text: &str) -> Option<CutText> {
    if text.len() <= MAX_WORD_BYTES {
        return None;
    }
    let bytes = text.as_bytes();
    // (start, end) of the removed tail of each long word, in the block.
    let mut removed: Vec<(usize, usize)> = Vec::new();
    let mut close = |start: usize, end: usize, class: CharClass| {
        if class != CharClass::Space && end - start > MAX_WORD_BYTES {
            let mut keep = start + MAX_WORD_BYTES;
            while !text.is_char_boundary(keep) {
                keep -= 1;
            }
            removed.push((keep, end));
        }
    };
    let (mut run_start, mut run_class) = (0, CharClass::Space);
    let mut i = 0;
    while i < bytes.len() {
        let (class, len) = if bytes[i] < 0x80 {
            (ascii_class(bytes[i]), 1)
        } else {
            let c = text[i..].chars().next().expect("i is a character boundary");
            (cut_class(c), c.len_utf8())
        };
        if class != run_class {
            close(run_start, i, run_class);
            (run_start, run_class) = (i, class);
        }
        i += len;
    }
    close(run_start, bytes.len(), run_class);
    if removed.is_empty() {
        return None;
    }
    let mut cut = CutText {
        text: String::with_capacity(text.len() - removed.iter().map(|(s, e)| e - s).sum::<usize>()),
        cuts: Vec::with_capacity(removed.len()),
    };
    let (mut from, mut total) = (0, 0);
    for (start, end) in removed {
        cut.text.push_str(&text[from..start]);
        total += end - start;
        cut.cuts.push((cut.text.len() as u32, total as u32));
        from = end;
    }
    cut.text.push_str(&text[from..]);
    Some(cut)
}
