//! Plain-text pages: one file, one page.

use super::{read_whole_file, ReadOptions};
use crate::error::{IngestError, IngestErrorKind};
use crate::html::{Markup, SourceMap};
use crate::types::{ByteRange, Page};
use std::io::Read;

/// Reads a whole text file as one page; the page id is the path as given (`size_hint`: the
/// file's length, when known). When the text is not the file's bytes (a byte-order mark dropped,
/// invalid UTF-8 replaced with `--lossy`), the page carries a text-only [`Markup`] mapping its
/// text offsets back to the file's bytes, so `start`/`end` point into the file.
pub(crate) fn read_text_file(
    path: &str,
    reader: impl Read,
    options: ReadOptions,
    size_hint: Option<u64>,
) -> Result<Page, IngestError> {
    let (origin, bytes) = read_whole_file(path, reader, options, size_hint)?;
    let source_len = bytes.len();
    let (text, lossy, map) = decode_utf8_mapped(bytes, options.lossy)
        .map_err(|kind| IngestError::new(origin.clone(), kind))?;
    Ok(Page {
        id: path.to_string(),
        origin,
        url: None,
        text,
        markup: map.map(|map| std::sync::Arc::new(Markup::text_only(map, source_len))),
        lossy,
    })
}

const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// [`decode_utf8`], with a map from the text's offsets to the input's when they differ: a
/// byte-order mark was dropped, or invalid bytes were replaced (each maximal invalid sequence
/// by one U+FFFD, as `String::from_utf8_lossy` does). `None` when the text is the input.
pub(crate) fn decode_utf8_mapped(
    bytes: Vec<u8>,
    lossy: bool,
) -> Result<(String, bool, Option<SourceMap>), IngestErrorKind> {
    let bom = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let valid = std::str::from_utf8(&bytes[bom..]).is_ok();
    if valid || !lossy {
        let (text, replaced) = decode_utf8(bytes, lossy)?;
        let map = (bom > 0).then(|| {
            let mut map = SourceMap::default();
            map.push(
                ByteRange::new(0, text.len()),
                ByteRange::new(bom, bom + text.len()),
            );
            map
        });
        return Ok((text, replaced, map));
    }
    let mut text = String::with_capacity(bytes.len() + 16);
    let mut map = SourceMap::default();
    let mut source = bom;
    for chunk in bytes[bom..].utf8_chunks() {
        let good = chunk.valid();
        if !good.is_empty() {
            map.push(
                ByteRange::new(text.len(), text.len() + good.len()),
                ByteRange::new(source, source + good.len()),
            );
            text.push_str(good);
            source += good.len();
        }
        let bad = chunk.invalid();
        if !bad.is_empty() {
            let at = text.len();
            text.push(char::REPLACEMENT_CHARACTER);
            map.push(
                ByteRange::new(at, text.len()),
                ByteRange::new(source, source + bad.len()),
            );
            source += bad.len();
        }
    }
    if text.trim().is_empty() {
        return Err(IngestErrorKind::Empty);
    }
    Ok((text, true, Some(map)))
}

/// UTF-8 text without a byte-order mark; blank pages are errors, and so are invalid bytes unless
/// `lossy` (then they become U+FFFD and the flag says so).
pub(crate) fn decode_utf8(
    mut bytes: Vec<u8>,
    lossy: bool,
) -> Result<(String, bool), IngestErrorKind> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    let (text, replaced) = match String::from_utf8(bytes) {
        Ok(text) => (text, false),
        Err(e) if lossy => (String::from_utf8_lossy(e.as_bytes()).into_owned(), true),
        Err(e) => return Err(IngestErrorKind::NotUtf8(e.utf8_error().valid_up_to())),
    };
    if text.trim().is_empty() {
        return Err(IngestErrorKind::Empty);
    }
    Ok((text, replaced))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_page_and_strips_the_bom() {
        let page = read_text_file(
            "p.txt",
            &b"\xEF\xBB\xBFHello\r\nWorld"[..],
            ReadOptions::default(),
            Some(14),
        )
        .unwrap();
        assert_eq!(page.text, "Hello\r\nWorld");
        assert_eq!(page.id, "p.txt");
    }

    #[test]
    fn rejects_invalid_utf8_and_empty_pages_and_decodes_lossily_when_asked() {
        let options = ReadOptions::default();
        let err = read_text_file("bad.txt", &b"ok \xFF\xFE"[..], options, None).unwrap_err();
        assert_eq!(err.kind, IngestErrorKind::NotUtf8(3));
        assert!(err.to_string().starts_with("bad.txt: not valid UTF-8"));
        let err = read_text_file("empty.txt", &b"  \n "[..], options, None).unwrap_err();
        assert_eq!(err.kind, IngestErrorKind::Empty);
        let lossy = ReadOptions {
            lossy: true,
            ..options
        };
        let page = read_text_file("bad.txt", &b"ok \xFF"[..], lossy, None).unwrap();
        assert_eq!((page.text.as_str(), page.lossy), ("ok \u{FFFD}", true));
    }

    /// `start`/`end` point into the file: the text's offsets map back past a BOM and across
    /// replaced bytes.
    #[test]
    fn a_bom_or_lossy_text_maps_its_offsets_back_to_the_file() {
        let bytes = b"\xEF\xBB\xBFCaf\xE9 au lait. \xF0\x9F\x98 Milk.";
        let lossy = ReadOptions {
            lossy: true,
            ..ReadOptions::default()
        };
        let page = read_text_file("p.txt", &bytes[..], lossy, None).unwrap();
        assert_eq!(page.text, "Caf\u{FFFD} au lait. \u{FFFD} Milk.");
        assert_eq!(
            page.text,
            String::from_utf8_lossy(&bytes[3..]),
            "the same text as from_utf8_lossy"
        );
        let markup = page.markup.as_deref().unwrap();
        assert!(markup.text_only);
        let source = |text: &str| {
            let start = page.text.find(text).unwrap();
            let range = markup
                .source_range(ByteRange::new(start, start + text.len()))
                .unwrap();
            &bytes[range.start..range.end]
        };
        assert_eq!(source("Caf"), b"Caf");
        assert_eq!(source("Caf\u{FFFD} au"), b"Caf\xE9 au");
        assert_eq!(source("\u{FFFD} Milk."), b"\xF0\x9F\x98 Milk.");
        assert_eq!(source("Milk."), b"Milk.");
        // A BOM alone: a shift of three bytes.
        let page = read_text_file("b.txt", &b"\xEF\xBB\xBFHello"[..], lossy, None).unwrap();
        let range = page
            .markup
            .unwrap()
            .source_range(ByteRange::new(0, 5))
            .unwrap();
        assert_eq!((range.start, range.end), (3, 8));
        // Neither: no map, offsets are the text's.
        let page = read_text_file("c.txt", &b"Hello"[..], lossy, None).unwrap();
        assert!(page.markup.is_none());
    }

    #[test]
    fn a_page_over_the_limit_is_an_error() {
        let options = ReadOptions {
            max_page_bytes: 4,
            ..ReadOptions::default()
        };
        let err = read_text_file("big.txt", &b"12345"[..], options, None).unwrap_err();
        assert_eq!(err.kind, IngestErrorKind::TooLarge { limit: 4 });
        assert!(read_text_file("ok.txt", &b"1234"[..], options, None).is_ok());
    }
}
