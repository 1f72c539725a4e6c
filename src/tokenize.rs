//! Tokenisation with the `tokenizers` crate: a BPE vocabulary trained on the training pages
//! (lower-cased, whitespace/punctuation pre-split), saved with the model, never downloaded.
//!
//! BPE over a whitespace pre-tokenizer is the fastest `tokenizers` model measured on this machine
//! (`../shared/notes/rust-stack-facts.md`: 7.8 MB/s per thread, 2-3x WordPiece and byte-level BPE),
//! and its training is byte-for-byte reproducible, which WordPiece's is not.

use crate::error::ModelError;
use crate::types::BlockTokens;
use serde::{Deserialize, Serialize};
use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
use tokenizers::models::unigram::{Unigram, UnigramTrainer};
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainer};
use tokenizers::normalizers::utils::Lowercase;
use tokenizers::pre_tokenizers::whitespace::Whitespace;
use tokenizers::{AddedToken, Tokenizer, TokenizerBuilder};

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
        Ok(PageTokenizer { inner })
    }

    /// Loads a tokenizer saved by [`PageTokenizer::to_json`].
    pub fn from_json(json: &str) -> Result<Self, ModelError> {
        json.parse::<Tokenizer>()
            .map(|inner| PageTokenizer { inner })
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
    pub fn encode_block(&self, block_text: &str) -> Result<BlockTokens, ModelError> {
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
