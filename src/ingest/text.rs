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
    let decoded = match utf16_bom(&bytes) {
        Some(big_endian) => decode_utf16_mapped(&bytes, big_endian, options.lossy),
        None => decode_utf8_mapped(bytes, options.lossy),
    };
    let (text, lossy, map) = decoded.map_err(|kind| IngestError::new(origin.clone(), kind))?;
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

/// Whether `bytes` open with a UTF-16 byte-order mark, and which: `Some(true)` big-endian,
/// `Some(false)` little-endian (what Windows tools write as "Unicode", PowerShell 5's `>`).
/// `FF FE 00 00` opens UTF-32LE, which is not read (it stays an invalid UTF-8 error).
pub(crate) fn utf16_bom(bytes: &[u8]) -> Option<bool> {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => None,
        [0xFE, 0xFF, ..] => Some(true),
        [0xFF, 0xFE, ..] => Some(false),
        _ => None,
    }
}

/// Whether JSON bytes are UTF-16: a byte-order mark and a first character with a zero byte (JSON
/// opens with ASCII), so two stray bytes `FF FE` before UTF-8 JSON are not taken for one.
pub(crate) fn utf16_json(bytes: &[u8]) -> bool {
    utf16_bom(bytes).is_some() && bytes.len() >= 4 && (bytes[2] == 0) != (bytes[3] == 0)
}

/// UTF-16 text after its byte-order mark, decoded to UTF-8 with every character mapped to its
/// bytes in `bytes` (so `start`/`end` point into the file). An unpaired surrogate or an odd last
/// byte is an error, or one U+FFFD for its own bytes when `lossy`. The map holds a piece per
/// character that is longer in one encoding than in the other (16 bytes each: a page at the
/// 32 MiB limit needs a few hundred MB).
pub(crate) fn decode_utf16_mapped(
    bytes: &[u8],
    big_endian: bool,
    lossy: bool,
) -> Result<(String, bool, Option<SourceMap>), IngestErrorKind> {
    const MARK: usize = 2;
    let body = &bytes[MARK..];
    let units = crate::html::charset::utf16_units(body, big_endian);
    let mut text = String::with_capacity(body.len() / 2 + 16);
    let mut map = SourceMap::default();
    let mut replaced = false;
    let mut source = MARK;
    let mut push = |text: &mut String, c: char, source_len: usize, source: &mut usize| {
        let at = text.len();
        text.push(c);
        map.push(
            ByteRange::new(at, text.len()),
            ByteRange::new(*source, *source + source_len),
        );
        *source += source_len;
    };
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(c) => push(&mut text, c, 2 * c.len_utf16(), &mut source),
            Err(_) if lossy => {
                replaced = true;
                push(&mut text, char::REPLACEMENT_CHARACTER, 2, &mut source);
            }
            Err(_) => return Err(IngestErrorKind::NotUtf16(source)),
        }
    }
    if body.len() % 2 == 1 {
        if !lossy {
            return Err(IngestErrorKind::NotUtf16(source));
        }
        replaced = true;
        push(&mut text, char::REPLACEMENT_CHARACTER, 1, &mut source);
    }
    if text.trim().is_empty() {
        return Err(IngestErrorKind::Empty);
    }
    Ok((text, replaced, Some(map)))
}

/// `text` in UTF-16 with a byte-order mark, for tests.
#[cfg(test)]
pub(crate) fn utf16_with_bom(text: &str, big_endian: bool) -> Vec<u8> {
    let mark: u16 = 0xFEFF;
    std::iter::once(mark)
        .chain(text.encode_utf16())
        .flat_map(|unit| {
            if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            }
        })
        .collect()
}

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

    /// UTF-16 files with a byte-order mark (either order) are read, and `start`/`end` point into
    /// the UTF-16 bytes; a broken one is an error naming the byte, or replaced when `lossy`.
    #[test]
    fn utf16_text_is_decoded_with_offsets_into_its_bytes() {
        let text = "Café — 日本 😀 facts.\r\nCall us.";
        let options = ReadOptions::default();
        for big_endian in [false, true] {
            let bytes = utf16_with_bom(text, big_endian);
            let page = read_text_file("u.txt", &bytes[..], options, None).unwrap();
            assert_eq!(page.text, text);
            assert!(!page.lossy);
            let markup = page.markup.as_deref().unwrap();
            assert!(markup.text_only);
            let source = |part: &str| {
                let start = page.text.find(part).unwrap();
                let range = markup
                    .source_range(ByteRange::new(start, start + part.len()))
                    .unwrap();
                let units: Vec<u16> =
                    crate::html::charset::utf16_units(&bytes[range.start..range.end], big_endian)
                        .collect();
                String::from_utf16(&units).unwrap()
            };
            for part in ["Café", "é — 日", "本 😀 facts.", "😀", "Call us.", text] {
                assert_eq!(source(part), part);
            }
            // An unpaired surrogate before "Call": an error at its byte, or U+FFFD when lossy.
            let at = bytes.len() - 2 * "Call us.".encode_utf16().count();
            let mut broken = bytes.clone();
            let lone: u16 = 0xD800;
            let lone = if big_endian {
                lone.to_be_bytes()
            } else {
                lone.to_le_bytes()
            };
            broken.splice(at..at, lone);
            let err = read_text_file("b.txt", &broken[..], options, None).unwrap_err();
            assert_eq!(err.kind, IngestErrorKind::NotUtf16(at));
            let lossy = ReadOptions {
                lossy: true,
                ..options
            };
            let page = read_text_file("b.txt", &broken[..], lossy, None).unwrap();
            assert!(page.lossy && page.text.ends_with("\u{FFFD}Call us."));
            // An odd last byte likewise.
            broken.push(b'x');
            let page = read_text_file("b.txt", &broken[..], lossy, None).unwrap();
            assert!(page.text.ends_with("\u{FFFD}Call us.\u{FFFD}"));
        }
        // UTF-32LE is not taken for UTF-16: it stays invalid UTF-8.
        let err =
            read_text_file("u32.txt", &b"\xFF\xFE\0\0H\0\0\0"[..], options, None).unwrap_err();
        assert_eq!(err.kind, IngestErrorKind::NotUtf8(0));
        assert!(utf16_json(&[0xFF, 0xFE, b'{', 0]) && utf16_json(&[0xFE, 0xFF, 0, b'[']));
        assert!(!utf16_json(b"\xFF\xFE{\"") && !utf16_json(&[0xFF, 0xFE, 0, 0]));
        // A byte-order mark and blanks only: an empty page.
        let err = read_text_file("e.txt", &b"\xFF\xFE \0\n\0"[..], options, None).unwrap_err();
        assert_eq!(err.kind, IngestErrorKind::Empty);
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
