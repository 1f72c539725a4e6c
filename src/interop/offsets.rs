//! Offsets in the three units annotation tools count in: UTF-8 bytes (pagesift, the gold files),
//! Unicode code points (Python strings: doccano, spaCy, Prodigy) and UTF-16 code units
//! (JavaScript strings: Label Studio). An emoji is 4 bytes, 1 code point and 2 UTF-16 units; a CJK
//! character 3 bytes, 1 code point, 1 unit; CRLF is two of each (nothing is normalised).

/// A unit of string offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetUnit {
    /// UTF-8 bytes (pagesift's own offsets).
    Utf8Bytes,
    /// Unicode code points (Python `str` indices: doccano, spaCy).
    CodePoints,
    /// UTF-16 code units (JavaScript string indices: Label Studio).
    Utf16Units,
}

/// Converts offsets of one text between the units. Built once per text: for each character, its
/// byte offset, in order (code point `i` starts at `bytes[i]`), and the UTF-16 offset of each.
#[derive(Debug, Clone)]
pub struct OffsetIndex {
    /// Byte offset of each code point, plus the text length at the end.
    bytes: Vec<usize>,
    /// UTF-16 offset of each code point, plus the text's UTF-16 length at the end.
    utf16: Vec<usize>,
}

impl OffsetIndex {
    /// An index of `text`'s characters.
    pub fn new(text: &str) -> Self {
        let mut bytes = Vec::with_capacity(text.len() + 1);
        let mut utf16 = Vec::with_capacity(text.len() + 1);
        let mut units = 0;
        for (at, c) in text.char_indices() {
            bytes.push(at);
            utf16.push(units);
            units += c.len_utf16();
        }
        bytes.push(text.len());
        utf16.push(units);
        OffsetIndex { bytes, utf16 }
    }

    /// The code-point index of an offset in `unit`; `None` if it is out of range or falls inside
    /// a character (a byte inside a UTF-8 sequence, a unit between surrogates).
    fn code_point(&self, offset: usize, unit: OffsetUnit) -> Option<usize> {
        match unit {
            OffsetUnit::CodePoints => (offset < self.bytes.len()).then_some(offset),
            OffsetUnit::Utf8Bytes => self.bytes.binary_search(&offset).ok(),
            OffsetUnit::Utf16Units => self.utf16.binary_search(&offset).ok(),
        }
    }

    /// Converts `offset` from one unit to another.
    pub fn convert(&self, offset: usize, from: OffsetUnit, to: OffsetUnit) -> Option<usize> {
        let cp = self.code_point(offset, from)?;
        Some(match to {
            OffsetUnit::CodePoints => cp,
            OffsetUnit::Utf8Bytes => self.bytes[cp],
            OffsetUnit::Utf16Units => self.utf16[cp],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OffsetUnit::*;

    #[test]
    fn converts_emoji_cjk_and_crlf_both_ways() {
        let text = "a😀\r\n咖b";
        let index = OffsetIndex::new(text);
        // a(1) 😀(4) \r(1) \n(1) 咖(3) b(1)
        let byte_offsets = [0, 1, 5, 6, 7, 10, 11];
        let code_points = [0, 1, 2, 3, 4, 5, 6];
        let utf16 = [0, 1, 3, 4, 5, 6, 7];
        for i in 0..byte_offsets.len() {
            assert_eq!(
                index.convert(byte_offsets[i], Utf8Bytes, CodePoints),
                Some(code_points[i])
            );
            assert_eq!(
                index.convert(code_points[i], CodePoints, Utf16Units),
                Some(utf16[i])
            );
            assert_eq!(
                index.convert(utf16[i], Utf16Units, Utf8Bytes),
                Some(byte_offsets[i])
            );
        }
        assert_eq!(
            index.convert(2, Utf8Bytes, CodePoints),
            None,
            "inside the emoji"
        );
        assert_eq!(
            index.convert(2, Utf16Units, CodePoints),
            None,
            "between surrogates"
        );
        assert_eq!(
            index.convert(8, CodePoints, Utf8Bytes),
            None,
            "past the end"
        );
    }
}
