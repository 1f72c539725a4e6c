//! The per-thread word caches: the tokens of each lower-cased word a tokenizer has seen, so
//! that most words skip the subword model (pages repeat words, templates whole blocks).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;

/// Gives every loaded or trained tokenizer its own word cache.
pub(super) static NEXT_CACHE_KEY: AtomicU64 = AtomicU64::new(0);

/// A word cache holds at most this many words; it starts over when full, so memory stays bounded
/// on endless streams.
const WORD_CACHE_LIMIT: usize = 200_000;

/// Word caches kept per thread, one per tokenizer.
pub(super) const WORD_CACHE_TOKENIZERS: usize = 4;

/// A cached word's tokens: id and byte offsets within the word.
pub(super) type WordTokens = Box<[(u32, u32, u32)]>;

/// A word's tokens as cached: most words are one token, kept in the table itself.
pub(super) enum Pieces {
    /// One token spanning the whole word.
    Whole(u32),
    /// Several tokens: id and byte offsets within the word.
    Several(WordTokens),
}

/// Words → tokens. A lookup per word is the tokenizer's inner loop, and the table is too large
/// for the processor's caches: a word of up to 15 bytes is its own key (a `u128`, compared in
/// the table without following a pointer) and a one-token word its own value. Hashed with
/// FxHash: SipHash's resistance to chosen keys buys nothing in a bounded cache.
#[derive(Default)]
pub(super) struct WordCache {
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

    /// The tokens of a cached word.
    pub(super) fn get(&self, word: &str) -> Option<&Pieces> {
        match Self::short_key(word) {
            Some(key) => self.short.get(&key),
            None => self.long.get(word),
        }
    }

    /// Stores a word's tokens, starting over when the cache is full.
    pub(super) fn insert(&mut self, word: &str, tokens: WordTokens) -> &Pieces {
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
    pub(super) static WORD_CACHES: RefCell<HashMap<u64, WordCache>> = RefCell::new(HashMap::new());
}
