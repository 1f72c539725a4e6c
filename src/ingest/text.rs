//! Plain-text pages: one file, one page.

use super::{read_whole_file, ReadOptions};
use crate::error::{IngestError, IngestErrorKind};
use crate::types::Page;
use std::io::Read;

/// Reads a whole text file as one page; the page id is the path as given (`size_hint`: the
/// file's length, when known).
pub(crate) fn read_text_file(
    path: &str,
    reader: impl Read,
    options: ReadOptions,
    size_hint: Option<u64>,
) -> Result<Page, IngestError> {
    let (origin, bytes) = read_whole_file(path, reader, options, size_hint)?;
    let (text, lossy) =
        decode_utf8(bytes, options.lossy).map_err(|kind| IngestError::new(origin.clone(), kind))?;
    Ok(Page {
        id: path.to_string(),
        origin,
        url: None,
        text,
        markup: None,
        lossy,
    })
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
