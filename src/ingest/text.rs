//! Plain-text pages: one file, one page.

use crate::error::{IngestError, IngestErrorKind};
use crate::types::{Origin, Page};
use std::io::Read;

/// Reads a whole text file as one page; the page id is the path as given.
pub fn read_text_page(path: &str, mut reader: impl Read) -> Result<Page, IngestError> {
    let origin = Origin {
        path: path.to_string(),
        line: None,
    };
    let mut bytes = Vec::new();
    if let Err(e) = reader.read_to_end(&mut bytes) {
        return Err(IngestError::new(origin, IngestErrorKind::Io(e.to_string())));
    }
    let text = decode_utf8(bytes).map_err(|kind| IngestError::new(origin.clone(), kind))?;
    Ok(Page {
        id: path.to_string(),
        origin,
        url: None,
        text,
        markup: None,
    })
}

/// UTF-8 text without a byte-order mark; invalid bytes and blank pages are errors.
pub(crate) fn decode_utf8(mut bytes: Vec<u8>) -> Result<String, IngestErrorKind> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| IngestErrorKind::NotUtf8(e.utf8_error().valid_up_to()))?;
    if text.trim().is_empty() {
        return Err(IngestErrorKind::Empty);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_page_and_strips_the_bom() {
        let page = read_text_page("p.txt", &b"\xEF\xBB\xBFHello\r\nWorld"[..]).unwrap();
        assert_eq!(page.text, "Hello\r\nWorld");
        assert_eq!(page.id, "p.txt");
    }

    #[test]
    fn rejects_invalid_utf8_and_empty_pages() {
        let err = read_text_page("bad.txt", &b"ok \xFF\xFE"[..]).unwrap_err();
        assert_eq!(err.kind, IngestErrorKind::NotUtf8(3));
        assert!(err.to_string().starts_with("bad.txt: not valid UTF-8"));
        let err = read_text_page("empty.txt", &b"  \n "[..]).unwrap_err();
        assert_eq!(err.kind, IngestErrorKind::Empty);
    }
}
