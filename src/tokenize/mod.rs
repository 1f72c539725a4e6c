//! Tokenisation with the `tokenizers` crate: a BPE vocabulary trained on the training pages
//! (lower-cased, whitespace/punctuation pre-split), saved with the model, never downloaded.
//!
//! BPE over a whitespace pre-tokenizer is the fastest `tokenizers` model measured on this machine
//! (`../shared/notes/rust-stack-facts.md`: 7.8 MB/s per thread, 2-3x WordPiece and byte-level BPE),
//! and its training is byte-for-byte reproducible, which WordPiece's is not.

mod cache;
mod words;

pub use words::{MAX_BLOCK_TOKENIZED_BYTES, MAX_WORD_BYTES};

use crate::error::ModelError;
use crate::types::BlockTokens;
use cache::{Pieces, WordTokens, NEXT_CACHE_KEY, WORD_CACHES, WORD_CACHE_TOKENIZERS};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
use tokenizers::models::unigram::{Unigram, UnigramTrainer};
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainer};
use tokenizers::normalizers::utils::Lowercase;
use tokenizers::pre_tokenizers::whitespace::Whitespace;
use tokenizers::{AddedToken, Model, Tokenizer, TokenizerBuilder};
use words::{char_class, cut_long_words, pre_tokens, push_lower};

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
    /// encoded by its first [`MAX_WORD_BYTES`] bytes only (see `cut_long_words`): the subword
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
    use super::words::ascii_class;
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
