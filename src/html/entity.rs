//! Character references in text: decoded where the text holds them whole, and from the source
//! bytes where the parser cut one between two text chunks (lol_html splits text anywhere, even
//! inside `&amp;`).

use crate::types::ByteRange;

/// The longest character reference decoded, in bytes.
const LONGEST_REFERENCE: usize = 40;

/// Decodes a character reference at the start of `text` (`&amp;`, `&#8212;`, `&#x2014;`):
/// the characters and the reference's length in bytes.
pub(super) fn decode_entity(text: &str) -> Option<(String, usize)> {
    let end = text.as_bytes()[..text.len().min(LONGEST_REFERENCE)]
        .iter()
        .position(|&b| b == b';')?;
    let reference = &text[..=end];
    if reference[1..end]
        .bytes()
        .any(|b| !(b.is_ascii_alphanumeric() || b == b'#'))
    {
        return None;
    }
    let decoded = html_escape::decode_html_entities(reference);
    (decoded != reference).then(|| (decoded.into_owned(), end + 1))
}

/// A character reference cut by the end of a text chunk: where it ends in the source, so the
/// next chunk skips its rest.
#[derive(Debug, Default)]
pub(super) struct CutEntity {
    until: usize,
}

impl CutEntity {
    /// How many bytes at the start of `text` (at `source` in `input`) are the rest of the
    /// reference [`CutEntity::decode`] decoded at the end of the chunk before.
    pub(super) fn rest(&mut self, input: &[u8], text: &str, source: ByteRange) -> usize {
        let until = std::mem::take(&mut self.until);
        if until <= source.start {
            return 0;
        }
        let rest = &input[source.start..until.min(input.len())];
        if text.as_bytes().starts_with(rest) {
            rest.len()
        } else {
            0
        }
    }

    /// Decodes a reference that `tail`, the end of a chunk from its `&` (at `at` in `input`),
    /// only begins: read whole from the source bytes. Its characters and its length there.
    pub(super) fn decode(
        &mut self,
        input: &[u8],
        tail: &str,
        at: ByteRange,
    ) -> Option<(String, usize)> {
        let cut = tail.len() < LONGEST_REFERENCE
            && tail
                .bytes()
                .skip(1)
                .all(|b| b.is_ascii_alphanumeric() || b == b'#');
        if !cut {
            return None;
        }
        let from = input.get(at.start..input.len().min(at.start + LONGEST_REFERENCE))?;
        let end = from.iter().position(|&b| b == b';')?;
        let source = std::str::from_utf8(&from[..=end]).ok()?;
        let (decoded, len) = decode_entity(source).filter(|_| source.starts_with(tail))?;
        self.until = at.start + len;
        Some((decoded, len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_cut_by_the_chunk_end_is_read_from_the_source() {
        let input = b"Tom &amp; Jerry";
        let mut cut = CutEntity::default();
        // The parser gave "Tom &am" and then "p; Jerry".
        let decoded = cut.decode(input, "&am", ByteRange::new(4, 5));
        assert_eq!(decoded, Some(("&".to_string(), 5)));
        assert_eq!(cut.rest(input, "p; Jerry", ByteRange::new(7, 15)), 2);
        // Used once: the chunk after that skips nothing.
        assert_eq!(cut.rest(input, "p; Jerry", ByteRange::new(7, 15)), 0);
        // Not a reference: "&am" followed by a space, or text that is not its source.
        assert_eq!(
            cut.decode(b"Tom &am Jerry", "&am", ByteRange::new(4, 5)),
            None
        );
        assert_eq!(cut.decode(input, "&x", ByteRange::new(4, 5)), None);
    }
}
