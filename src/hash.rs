//! The hashes pagesift keys things by, in one place: FNV-1a (the lexicon keys of every family,
//! the model files' checksums) and a case-blind hash of block texts (repeats in a page and in a
//! batch). Every value is stable across runs and machines: the shipped model's lexicon is keyed
//! by them, so none of them may change.

/// FNV-1a's starting state (its "offset basis").
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a's multiplier.
pub(crate) const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// One byte of FNV-1a: `state` with `byte` mixed in.
#[inline]
pub(crate) fn fnv1a_byte(state: u64, byte: u8) -> u64 {
    (state ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
}

/// FNV-1a over `bytes` from `state`, 64 bits.
pub(crate) fn fnv1a(state: u64, bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(state, fnv1a_byte)
}

/// FNV-1a, 64 bits, from the standard starting state.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    fnv1a(FNV_OFFSET, bytes.iter().copied())
}

/// A 64-bit FNV state folded to a 32-bit lexicon key.
#[inline]
pub(crate) fn fold32(h: u64) -> u32 {
    (h ^ (h >> 32)) as u32
}

/// FNV-1a over `bytes` from `state`, folded to 32 bits: the lexicon keys of every family (token
/// n-grams, DOM keys, URL and page-type keys, the content model's words) go through it, each
/// family from its own seeded state.
pub(crate) fn fnv1a_key(state: u64, bytes: impl IntoIterator<Item = u8>) -> u32 {
    fold32(fnv1a(state, bytes))
}

/// The state FNV-1a reaches after one namespace value.
pub(crate) fn fnv1a_seeded(namespace: u64) -> u64 {
    // The namespace is XORed in whole, not a byte at a time.
    (FNV_OFFSET ^ namespace).wrapping_mul(FNV_PRIME)
}

/// A 64-bit hash of `text` that ignores ASCII case, read eight bytes at a time: FNV-1a, a byte
/// at a time, spent about 3% of labelling's time keying blocks.
pub(crate) fn case_blind_hash(text: &str) -> u64 {
    const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes = text.as_bytes();
    let mut h = (bytes.len() as u64).wrapping_mul(MULTIPLIER);
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        h = (h ^ ascii_lowercase_word(word))
            .wrapping_mul(MULTIPLIER)
            .rotate_left(29);
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    h = (h ^ ascii_lowercase_word(u64::from_le_bytes(tail))).wrapping_mul(MULTIPLIER);
    // MurmurHash3's finaliser: every input bit reaches every output bit.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// [`u8::to_ascii_lowercase`] of each of a word's eight bytes at once.
fn ascii_lowercase_word(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let low_seven = word & !HIGH_BITS;
    // The high bit of each byte: set when its low seven bits are at least b'A' ...
    let at_least_a = low_seven + ONES * u64::from(0x80 - b'A');
    // ... and when they are above b'Z'.
    let above_z = low_seven + ONES * u64::from(0x80 - b'Z' - 1);
    // Upper-case ASCII letters only: bytes of 0x80 and above are left alone.
    let upper = at_least_a & !above_z & !word & HIGH_BITS;
    word | (upper >> 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_its_reference_values() {
        // The published FNV-1a 64 test vectors.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(fnv1a_seeded(7), (FNV_OFFSET ^ 7).wrapping_mul(FNV_PRIME));
        assert_eq!(fnv1a_key(FNV_OFFSET, *b"a"), fold32(0xaf63_dc4c_8601_ec8c));
    }

    proptest::proptest! {
        #[test]
        fn lowercasing_eight_bytes_at_once_matches_each_byte(word: u64) {
            let expected = u64::from_le_bytes(word.to_le_bytes().map(|b| b.to_ascii_lowercase()));
            proptest::prop_assert_eq!(ascii_lowercase_word(word), expected);
        }

        /// Hashes ignore ASCII case and tell texts apart, whatever their length.
        #[test]
        fn case_blind_hashes_are_case_blind(s in "[a-zA-Z0-9 é.]{0,40}", extra in "[a-z]") {
            proptest::prop_assert_eq!(case_blind_hash(&s), case_blind_hash(&s.to_ascii_uppercase()));
            proptest::prop_assert_ne!(case_blind_hash(&s), case_blind_hash(&format!("{s}{extra}")));
            proptest::prop_assert_ne!(case_blind_hash(&s), case_blind_hash(&format!("{s}\0")));
        }
    }

    #[test]
    fn case_blind_hashes_tell_apart_every_byte_of_every_length() {
        for len in 0..40usize {
            let base = "a".repeat(len);
            let mut keys: Vec<u64> = (0..len)
                .map(|i| {
                    let mut changed = base.clone().into_bytes();
                    changed[i] = b'b';
                    case_blind_hash(std::str::from_utf8(&changed).unwrap())
                })
                .collect();
            keys.push(case_blind_hash(&base));
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), len + 1, "length {len}");
        }
    }
}
