//! Where each byte of a page's extracted text came from in the original HTML bytes.
//!
//! The map is a sorted list of pieces. A piece whose text is as long as its source is a verbatim
//! copy (UTF-8 text outside entities), mapped byte for byte; any other piece (an entity, a
//! collapsed whitespace run, a character of a legacy encoding) maps as a whole to its source.

use super::ByteRange;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    text_start: u32,
    text_end: u32,
    source_start: u32,
    source_end: u32,
}

impl Piece {
    fn verbatim(&self) -> bool {
        self.text_end - self.text_start == self.source_end - self.source_start
    }
}

/// Text offsets → source offsets for one page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    pieces: Vec<Piece>,
}

impl SourceMap {
    /// Records that `text` bytes came from `source` bytes; consecutive verbatim pieces merge.
    pub(crate) fn push(&mut self, text: ByteRange, source: ByteRange) {
        let piece = Piece {
            text_start: text.start as u32,
            text_end: text.end as u32,
            source_start: source.start as u32,
            source_end: source.end as u32,
        };
        if let Some(last) = self.pieces.last_mut() {
            if piece.verbatim()
                && last.verbatim()
                && last.text_end == piece.text_start
                && last.source_end == piece.source_start
            {
                last.text_end = piece.text_end;
                last.source_end = piece.source_end;
                return;
            }
        }
        self.pieces.push(piece);
    }

    /// The source bytes a text range came from: from the source of its first byte to the end of
    /// the source of its last byte. `None` for an empty range or one outside the mapped text.
    pub fn source_range(&self, text: ByteRange) -> Option<ByteRange> {
        if text.start >= text.end {
            return None;
        }
        let first = self.piece_at(text.start)?;
        let last = self.piece_at(text.end - 1)?;
        let start = if first.verbatim() {
            first.source_start + (text.start as u32 - first.text_start)
        } else {
            first.source_start
        };
        let end = if last.verbatim() {
            last.source_start + (text.end as u32 - last.text_start)
        } else {
            last.source_end
        };
        Some(ByteRange::new(start as usize, end as usize))
    }

    fn piece_at(&self, offset: usize) -> Option<&Piece> {
        let offset = offset as u32;
        let index = self.pieces.partition_point(|p| p.text_end <= offset);
        self.pieces
            .get(index)
            .filter(|p| p.text_start <= offset && offset < p.text_end)
    }

    /// Rewrites every source offset (used when the page was transcoded before parsing).
    pub(crate) fn remap_sources(&mut self, mut remap: impl FnMut(u32) -> u32) {
        for piece in &mut self.pieces {
            piece.source_start = remap(piece.source_start);
            piece.source_end = remap(piece.source_end);
        }
    }

    /// Adds `delta` to every source offset (a byte-order mark cut off before parsing).
    pub(crate) fn shift_sources(&mut self, delta: u32) {
        self.remap_sources(|offset| offset + delta);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_verbatim_bytes_exactly_and_entities_as_a_whole() {
        // source: "<p>a &amp; bc</p>"  text: "a & bc"
        let mut map = SourceMap::default();
        map.push(ByteRange::new(0, 1), ByteRange::new(3, 4)); // a
        map.push(ByteRange::new(1, 2), ByteRange::new(4, 5)); // space
        map.push(ByteRange::new(2, 3), ByteRange::new(5, 10)); // &amp;
        map.push(ByteRange::new(3, 4), ByteRange::new(10, 11)); // space
        map.push(ByteRange::new(4, 6), ByteRange::new(11, 13)); // bc
        assert_eq!(map.pieces.len(), 3, "verbatim neighbours merge");
        let r = |a, b| map.source_range(ByteRange::new(a, b)).unwrap();
        assert_eq!(r(0, 6), ByteRange::new(3, 13));
        assert_eq!(r(2, 3), ByteRange::new(5, 10));
        assert_eq!(r(5, 6), ByteRange::new(12, 13));
        assert_eq!(map.source_range(ByteRange::new(6, 7)), None);
    }
}
