//! Tokenisation with the `tokenizers` crate: a BPE vocabulary trained on the training pages
//! (lower-cased, whitespace/punctuation pre-split), saved with the model, never downloaded.
//!
//! BPE over a whitespace pre-tokenizer is the fastest `tokenizers` model measured on this machine
//! (`../shared/notes/rust-stack-facts.md`: 7.8 MB/s per thread, 2-3x WordPiece and byte-level BPE),
//! and its training is byte-for-byte reproducible, which WordPiece's is not.

use crate::error::ModelError;
use crate::types::BlockTokens;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
use tokenizers::models::unigram::{Unigram, UnigramTrainer};
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainer};
use tokenizers::normalizers::utils::Lowercase;
use tokenizers::pre_tokenizers::whitespace::Whitespace;
use tokenizers::{AddedToken, Model, Tokenizer, TokenizerBuilder};

const UNKNOWN: &str = "[UNK]";

/// The subword models `train` can fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenizerKind {
    /// Byte-pair encoding: the fastest to encode and reproducible byte for byte (the default).
    #[default]
    Bpe,
    /// WordPiece: its training assigns ids differently from run to run.
    WordPiece,
    /// Unigram language model (SentencePiece-style).
    Unigram,
}

/// A trained subword tokenizer.
#[derive(Clone)]
pub struct PageTokenizer {
    inner: Tokenizer,
    /// Names this vocabulary in the per-thread word caches (clones share it: same vocabulary).
    cache_key: u64,
}

/// Gives every loaded or trained tokenizer its own word cache.
static NEXT_CACHE_KEY: AtomicU64 = AtomicU64::new(0);

/// A word cache holds at most this many words; it starts over when full, so memory stays bounded
/// on endless streams.
const WORD_CACHE_LIMIT: usize = 200_000;

/// Word caches kept per thread, one per tokenizer.
const WORD_CACHE_TOKENIZERS: usize = 4;

/// A cached word's tokens: id and byte offsets within the word.
type WordTokens = Box<[(u32, u32, u32)]>;

/// A word's tokens as cached: most words are one token, kept in the table itself.
enum Pieces {
    /// One token spanning the whole word.
    Whole(u32),
    Several(WordTokens),
}

/// Words → tokens. A lookup per word is the tokenizer's inner loop, and the table is too large
/// for the processor's caches: a word of up to 15 bytes is its own key (a `u128`, compared in
/// the table without following a pointer) and a one-token word its own value. Hashed with
/// FxHash: SipHash's resistance to chosen keys buys nothing in a bounded cache.
#[derive(Default)]
struct WordCache {
    short: HashMap<u128, Pieces, rustc_hash::FxBuildHasher>,
    long: HashMap<String, Pieces, rustc_hash::FxBuildHasher>,
}

impl WordCache {
    /// The key of a word of at most 15 bytes: its bytes, and its length in the top byte.
    fn short_key(word: &str) -> Option<u128> {
        let bytes = word.as_bytes();
        (bytes.len() < 16).then(|| {
            let mut key = [0u8; 16];
            key[..bytes.len()].copy_from_slice(bytes);
            key[15] = bytes.len() as u8;
            u128::from_le_bytes(key)
        })
    }

    fn get(&self, word: &str) -> Option<&Pieces> {
        match Self::short_key(word) {
            Some(key) => self.short.get(&key),
            None => self.long.get(word),
        }
    }

    /// Stores a word's tokens, starting over when the cache is full.
    fn insert(&mut self, word: &str, tokens: WordTokens) -> &Pieces {
        if self.short.len() + self.long.len() >= WORD_CACHE_LIMIT {
            self.short.clear();
            self.long.clear();
        }
        let pieces = match *tokens {
            [(id, 0, end)] if end as usize == word.len() => Pieces::Whole(id),
            _ => Pieces::Several(tokens),
        };
        match Self::short_key(word) {
            Some(key) => self.short.entry(key).or_insert(pieces),
            None => self.long.entry(word.to_string()).or_insert(pieces),
        }
    }
}

thread_local! {
    /// Per thread, per tokenizer: the tokens of each lower-cased word seen. Pages repeat words
    /// (and templates repeat whole blocks), so most words skip the subword model entirely.
    static WORD_CACHES: RefCell<HashMap<u64, WordCache>> = RefCell::new(HashMap::new());
}

/// Calls `each` with the byte range of every pre-token of `text` (a run of word characters or
/// of punctuation; whitespace splits and is dropped), as the `Whitespace` pre-tokenizer cuts
/// them. Every character of `text` must have a [`char_class`]; ASCII is cut byte by byte.
fn pre_tokens(
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
fn ascii_class(b: u8) -> CharClass {
    if b.is_ascii_alphanumeric() || b == b'_' {
        CharClass::Word
    } else if matches!(b, b'\t'..=b'\r' | b' ') {
        CharClass::Space
    } else {
        CharClass::Punctuation
    }
}

/// Appends the lower case of `c`.
fn push_lower(word: &mut String, c: char) {
    if c.is_ascii() {
        word.push(c.to_ascii_lowercase());
    } else {
        word.extend(c.to_lowercase());
    }
}

/// How the `Whitespace` pre-tokenizer (`\w+|[^\w\s]+`) sees a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharClass {
    Word,
    Punctuation,
    Space,
}

/// The fast path's class of `c`, or `None` for characters it leaves to the full pipeline (those
/// whose lower case changes length, combining marks, scripts it does not know).
fn char_class(c: char) -> Option<CharClass> {
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
struct CutText {
    text: String,
    /// Per cut: its position in `text` (where the kept head of the word ends) and the number
    /// of bytes removed there, summed over this cut and every one before it.
    cuts: Vec<(u32, u32)>,
}

impl CutText {
    /// Offsets into the cut text → offsets into the block. A token starting at a cut starts
    /// after the removed bytes (it is the next word); one ending at a cut ends before them.
    fn restore(&self, mut tokens: BlockTokens) -> BlockTokens {
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
fn cut_long_words(text: &str) -> Option<CutText> {
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

impl std::fmt::Debug for PageTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PageTokenizer({} tokens)", self.vocab_size())
    }
}

impl PageTokenizer {
    /// Trains a vocabulary of at most `vocab_size` tokens of `kind` on `texts`.
    pub fn train<'a>(
        texts: impl Iterator<Item = &'a str> + Send,
        vocab_size: usize,
        kind: TokenizerKind,
    ) -> Result<Self, ModelError> {
        let err = |e: tokenizers::Error| ModelError::Tokenizer(e.to_string());
        let unknown = vec![AddedToken::from(UNKNOWN.to_string(), true)];
        // Each model has its own trainer type, so each kind builds its own tokenizer.
        macro_rules! train_with {
            ($model:expr, $trainer:expr) => {{
                let mut trainer = $trainer;
                let mut tokenizer = TokenizerBuilder::new()
                    .with_model($model)
                    .with_normalizer(Some(Lowercase))
                    .with_pre_tokenizer(Some(Whitespace {}))
                    .with_post_processor(None::<tokenizers::processors::PostProcessorWrapper>)
                    .with_decoder(None::<tokenizers::decoders::DecoderWrapper>)
                    .build()
                    .map_err(err)?;
                tokenizer.train(&mut trainer, texts).map_err(err)?;
                Tokenizer::from(tokenizer)
            }};
        }
        let inner = match kind {
            TokenizerKind::Bpe => train_with!(
                BPE::builder()
                    .unk_token(UNKNOWN.into())
                    .build()
                    .map_err(err)?,
                BpeTrainerBuilder::new()
                    .show_progress(false)
                    .vocab_size(vocab_size)
                    .min_frequency(2)
                    .special_tokens(unknown)
                    .build()
            ),
            TokenizerKind::WordPiece => train_with!(
                WordPiece::builder()
                    .unk_token(UNKNOWN.into())
                    .build()
                    .map_err(err)?,
                WordPieceTrainer::builder()
                    .show_progress(false)
                    .vocab_size(vocab_size)
                    .min_frequency(2)
                    .special_tokens(unknown)
                    .build()
            ),
            TokenizerKind::Unigram => train_with!(
                Unigram::default(),
                UnigramTrainer::builder()
                    .show_progress(false)
                    .vocab_size(vocab_size as u32)
                    .unk_token(Some(UNKNOWN.to_string()))
                    .special_tokens(unknown)
                    .build()
                    .map_err(|e| ModelError::Tokenizer(e.to_string()))?
            ),
        };
        Ok(PageTokenizer::wrap(inner))
    }

    fn wrap(inner: Tokenizer) -> Self {
        PageTokenizer {
            inner,
            cache_key: NEXT_CACHE_KEY.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Loads a tokenizer saved by [`PageTokenizer::to_json`].
    pub fn from_json(json: &str) -> Result<Self, ModelError> {
        json.parse::<Tokenizer>()
            .map(PageTokenizer::wrap)
            .map_err(|e| ModelError::Tokenizer(e.to_string()))
    }

    /// The tokenizer as `tokenizer.json` text.
    pub fn to_json(&self) -> Result<String, ModelError> {
        self.inner
            .to_string(true)
            .map_err(|e| ModelError::Tokenizer(e.to_string()))
    }

    /// Number of tokens in the vocabulary.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The token string of an id.
    pub fn token(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }

    /// Tokens of one block; offsets are bytes relative to `block_text`.
    ///
    /// Same result as the `tokenizers` pipeline (lower-case, split on `\w+|[^\w\s]+`, subword
    /// model), taken on a fast path for the characters it knows: the pipeline's alignment
    /// bookkeeping and per-token strings cost more than the subword model itself.
    ///
    /// A word (a run of word characters, or of punctuation) longer than [`MAX_WORD_BYTES`] is
    /// encoded by its first [`MAX_WORD_BYTES`] bytes only (see [`cut_long_words`]): the subword
    /// model costs tens of bytes of memory per byte of a word, so one 30 MB word took 2.3 GB.
    ///
    /// A block longer than [`MAX_BLOCK_TOKENIZED_BYTES`] is encoded by its head only: its words
    /// past the head get no tokens (their units are labelled from layout alone).
    pub fn encode_block(&self, block_text: &str) -> Result<BlockTokens, ModelError> {
        let mut head = block_text.len().min(MAX_BLOCK_TOKENIZED_BYTES);
        while !block_text.is_char_boundary(head) {
            head -= 1;
        }
        let block_text = &block_text[..head];
        let encode = |text: &str| match self.encode_fast(text) {
            Some(tokens) => tokens,
            None => self.encode_pipeline(text),
        };
        match cut_long_words(block_text) {
            None => encode(block_text),
            Some(cut) => encode(&cut.text).map(|tokens| cut.restore(tokens)),
        }
    }

    /// The fast path: `None` when the block has a character it does not know, or the literal
    /// unknown token (which the pipeline matches as a special token before anything else).
    fn encode_fast(&self, block_text: &str) -> Option<Result<BlockTokens, ModelError>> {
        if block_text.contains(UNKNOWN) {
            return None;
        }
        if !block_text.is_ascii() && block_text.chars().any(|c| char_class(c).is_none()) {
            return None;
        }
        let mut tokens = BlockTokens::default();
        let mut word = String::new();
        let result = WORD_CACHES.with(|caches| {
            let mut caches = caches.borrow_mut();
            // Caches of tokenizers no longer in use (cross-validation trains one per fold) would
            // pile up in a long-lived thread: keep those of a few tokenizers at most.
            if !caches.contains_key(&self.cache_key) && caches.len() >= WORD_CACHE_TOKENIZERS {
                caches.clear();
            }
            let cache = caches.entry(self.cache_key).or_default();
            pre_tokens(block_text, |start, end| {
                let piece = &block_text[start..end];
                word.clear();
                if piece.is_ascii() {
                    word.extend(piece.bytes().map(|b| char::from(b.to_ascii_lowercase())));
                } else {
                    piece.chars().for_each(|c| push_lower(&mut word, c));
                }
                let pieces = match cache.get(&word) {
                    Some(pieces) => pieces,
                    None => cache.insert(&word, self.model_tokens(&word)?),
                };
                let start = start as u32;
                match pieces {
                    Pieces::Whole(id) => {
                        tokens.ids.push(*id);
                        tokens.offsets.push((start, start + word.len() as u32));
                    }
                    Pieces::Several(pieces) => {
                        for &(id, s, e) in pieces.iter() {
                            tokens.ids.push(id);
                            tokens.offsets.push((start + s, start + e));
                        }
                    }
                }
                Ok(())
            })?;
            Ok(())
        });
        Some(result.map(|()| tokens))
    }

    /// One pre-token through the subword model alone.
    fn model_tokens(&self, word: &str) -> Result<WordTokens, ModelError> {
        let tokens = self
            .inner
            .get_model()
            .tokenize(word)
            .map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        Ok(tokens
            .into_iter()
            .map(|t| (t.id, t.offsets.0 as u32, t.offsets.1 as u32))
            .collect())
    }

    /// The whole `tokenizers` pipeline, on the block with its long words cut as in
    /// [`PageTokenizer::encode_block`] (the reference the fast path is tested against).
    #[cfg(test)]
    fn encode_full(&self, block_text: &str) -> Result<BlockTokens, ModelError> {
        match cut_long_words(block_text) {
            None => self.encode_pipeline(block_text),
            Some(cut) => self
                .encode_pipeline(&cut.text)
                .map(|tokens| cut.restore(tokens)),
        }
    }

    /// The whole `tokenizers` pipeline on `block_text` as it is.
    fn encode_pipeline(&self, block_text: &str) -> Result<BlockTokens, ModelError> {
        let encoding = self
            .inner
            .encode(block_text, false)
            .map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        Ok(BlockTokens {
            ids: encoding.get_ids().to_vec(),
            offsets: encoding
                .get_offsets()
                .iter()
                .map(|&(s, e)| (s as u32, e as u32))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> PageTokenizer {
        let texts = [
            "Call us today to book a consultation.",
            "Ketamine blocks NMDA receptors. Call now!",
        ];
        PageTokenizer::train(
            texts.iter().copied().cycle().take(20),
            200,
            TokenizerKind::Bpe,
        )
        .unwrap()
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let tk = small();
        let text = "CALL Us — ketamine café";
        let tokens = tk.encode_block(text).unwrap();
        assert!(!tokens.ids.is_empty());
        for &(s, e) in &tokens.offsets {
            assert!(text.is_char_boundary(s as usize) && text.is_char_boundary(e as usize));
            assert!(s < e);
        }
        // Lower-casing happens in the normalizer: "CALL" and "call" get the same ids.
        assert_eq!(
            tk.encode_block("CALL").unwrap().ids,
            tk.encode_block("call").unwrap().ids
        );
    }

    #[test]
    fn every_kind_trains_and_keeps_offsets() {
        let texts = [
            "Call us today to book a consultation.",
            "Ketamine blocks NMDA receptors. Call now!",
        ];
        for kind in [
            TokenizerKind::Bpe,
            TokenizerKind::WordPiece,
            TokenizerKind::Unigram,
        ] {
            let tk =
                PageTokenizer::train(texts.iter().copied().cycle().take(20), 100, kind).unwrap();
            let text = "Book now: ketamine";
            let tokens = tk.encode_block(text).unwrap();
            assert!(!tokens.ids.is_empty(), "{kind:?}");
            for &(s, e) in &tokens.offsets {
                assert!(s <= e && (e as usize) <= text.len(), "{kind:?}");
            }
        }
    }

    /// Text that mixes what the fast path knows with what it leaves to the full pipeline.
    fn mixed_text() -> impl proptest::strategy::Strategy<Value = String> {
        let pieces = [
            "Call",
            "US",
            "today",
            "ketamine",
            "_x",
            "42",
            " ",
            "  ",
            "\n",
            "\t",
            "\u{a0}",
            ".",
            "...",
            "?!",
            "$",
            "(",
            "’",
            "—",
            "“",
            "é",
            "É",
            "Ünder",
            "naïve",
            "İ",
            "e\u{301}",
            "ß",
            "ẞ",
            "😀",
            "日本",
            "[UNK]",
            "[unk]",
            "★",
            "©",
            "×",
            "\u{2028}",
            "月",
            "の",
            "ー",
            "カタカナ",
            "。",
            "「",
            "\u{92}",
            "\u{85}",
            "\u{9f}",
            "\u{200b}",
            "\u{200d}",
            "\u{fe0f}",
            "\u{e026}",
            "↳",
            "✅",
            "❶",
            "ㇰ",
            // 15 and 16 bytes: either side of the word cache's inline keys.
            "Pharmacokinetic",
            "pharmacokinetics",
        ];
        proptest::collection::vec(proptest::sample::select(pieces.to_vec()), 0..24)
            .prop_map(|v| v.concat())
    }

    use proptest::prelude::*;

    proptest! {
        /// The fast path gives exactly the ids and offsets of the `tokenizers` pipeline.
        #[test]
        fn fast_path_equals_the_full_pipeline(text in mixed_text()) {
            static BUILTIN: std::sync::LazyLock<PageTokenizer> = std::sync::LazyLock::new(|| {
                crate::bundle::ModelBundle::builtin().unwrap().tokenizer
            });
            for tk in [small(), BUILTIN.clone()] {
                let full = tk.encode_full(&text).unwrap();
                prop_assert_eq!(tk.encode_block(&text).unwrap(), full.clone(), "{:?}", text);
                // Twice: the second time every word comes from the cache.
                prop_assert_eq!(tk.encode_block(&text).unwrap(), full, "{:?}", text);
            }
        }
    }

    /// Every character the fast path classes, around letters and spaces, is cut where the
    /// `Whitespace` pre-tokenizer cuts (a test through `encode` alone would miss a wrong class
    /// for characters outside the vocabulary: each is its own unknown token either way).
    #[test]
    fn every_character_the_fast_path_takes_is_cut_as_by_the_pre_tokenizer() {
        use tokenizers::{OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer};
        let mut checked = 0;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            if char_class(c).is_none() {
                continue;
            }
            let text = format!("a{c}{c} {c}B.{c}");
            let mut theirs = PreTokenizedString::from(text.as_str());
            Whitespace {}.pre_tokenize(&mut theirs).unwrap();
            let theirs: Vec<(usize, usize)> = theirs
                .get_splits(OffsetReferential::Original, OffsetType::Byte)
                .into_iter()
                .map(|(_, offsets, _)| offsets)
                .collect();
            let mut ours = Vec::new();
            pre_tokens(&text, |start, end| {
                ours.push((start, end));
                Ok(())
            })
            .unwrap();
            assert_eq!(ours, theirs, "{c:?}");
            checked += 1;
        }
        assert!(checked > 20_000, "{checked}");
    }

    /// Text with words longer than [`MAX_WORD_BYTES`], of ASCII, accented and 3-byte characters.
    fn text_with_long_words() -> impl proptest::strategy::Strategy<Value = String> {
        let pieces = [
            "x".repeat(150),
            "é".repeat(80),
            "—".repeat(50),
            "日".repeat(40),
            "Call".to_string(),
            " ".to_string(),
            "!".to_string(),
            "😀".repeat(30),
            "ab".repeat(49),
            "e\u{301}".repeat(40),
        ];
        proptest::collection::vec(proptest::sample::select(pieces.to_vec()), 0..12)
            .prop_map(|v| v.concat())
    }

    proptest! {
        /// Long words are cut the same way on both paths, and every offset stays on a
        /// character boundary inside the block, in order.
        #[test]
        fn long_words_keep_valid_offsets(text in text_with_long_words()) {
            let tk = small();
            let tokens = tk.encode_block(&text).unwrap();
            prop_assert_eq!(&tokens, &tk.encode_full(&text).unwrap());
            let mut last = 0;
            for &(s, e) in &tokens.offsets {
                let (s, e) = (s as usize, e as usize);
                prop_assert!(last <= s && s <= e && e <= text.len(), "{:?}", text);
                prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
                last = s;
            }
        }
    }

    #[test]
    fn a_long_word_is_encoded_by_its_head() {
        let tk = small();
        let long = format!("{} call us", "x".repeat(5000));
        let head = format!("{} call us", "x".repeat(MAX_WORD_BYTES));
        let (long_tokens, head_tokens) = (
            tk.encode_block(&long).unwrap(),
            tk.encode_block(&head).unwrap(),
        );
        assert_eq!(long_tokens.ids, head_tokens.ids);
        // The words after the cut keep their own offsets.
        let shift = (5000 - MAX_WORD_BYTES) as u32;
        let shifted: Vec<(u32, u32)> = head_tokens
            .offsets
            .iter()
            .map(|&(s, e)| {
                if s >= MAX_WORD_BYTES as u32 {
                    (s + shift, e + shift)
                } else {
                    (s, e)
                }
            })
            .collect();
        assert_eq!(long_tokens.offsets, shifted);
        assert_eq!(
            &long[long_tokens.offsets.last().unwrap().0 as usize..],
            "us"
        );
        // Cut on a character boundary: 'é' is two bytes, 100 is even, '—' three.
        let dashes = "—".repeat(1000);
        let tokens = tk.encode_block(&dashes).unwrap();
        assert!(tokens.offsets.iter().all(|&(_, e)| e as usize <= 99));
        // Short words are not copied or changed.
        assert!(cut_long_words("call us today").is_none());
        assert!(cut_long_words(&"call us today ".repeat(100)).is_none());
    }

    #[test]
    fn ascii_bytes_have_the_class_of_their_characters() {
        for b in 0u8..128 {
            assert_eq!(Some(ascii_class(b)), char_class(char::from(b)), "{b}");
        }
    }

    #[test]
    fn a_thread_keeps_the_word_caches_of_a_few_tokenizers_only() {
        let tokenizers: Vec<PageTokenizer> = (0..10).map(|_| small()).collect();
        for tk in &tokenizers {
            tk.encode_block("call us today").unwrap();
        }
        let kept = WORD_CACHES.with(|c| c.borrow().len());
        assert!((1..=WORD_CACHE_TOKENIZERS).contains(&kept), "{kept} caches");
        // The newest tokenizer's words are cached and still give the same tokens.
        let last = tokenizers.last().unwrap();
        assert!(WORD_CACHES.with(|c| c.borrow().contains_key(&last.cache_key)));
        assert_eq!(
            last.encode_block("call us today").unwrap(),
            last.encode_full("call us today").unwrap()
        );
    }

    #[test]
    fn the_fast_path_takes_common_web_text_and_leaves_the_rest() {
        let tk = small();
        assert!(tk
            .encode_fast("Call us — it’s “free”… © 2024, café")
            .is_some());
        assert!(tk.encode_fast("combining e\u{301}").is_none());
        assert!(tk.encode_fast("emoji 😀").is_none());
        assert!(tk.encode_fast("a literal [UNK] token").is_none());
    }

    #[test]
    fn round_trips_through_json() {
        let tk = small();
        let again = PageTokenizer::from_json(&tk.to_json().unwrap()).unwrap();
        let text = "Book a ketamine consultation";
        assert_eq!(
            tk.encode_block(text).unwrap(),
            again.encode_block(text).unwrap()
        );
        assert!(PageTokenizer::from_json("{\"not\": 1}").is_err());
    }
}
