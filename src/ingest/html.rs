//! HTML files: one file, one page, its text extracted with offsets into the file's bytes.

use super::{read_whole_file, ReadOptions};
use crate::error::{IngestError, IngestErrorKind};
use crate::types::{Origin, Page};
use std::io::Read;
use std::sync::Arc;

/// Reads a whole HTML file as one page; the page id is the path as given.
pub fn read_html_page(
    path: &str,
    reader: impl Read,
    options: ReadOptions,
) -> Result<Page, IngestError> {
    let (origin, bytes) = read_whole_file(path, reader, options)?;
    html_page(path.to_string(), origin, None, &bytes, None)
}

/// An HTML page from its bytes; `http_charset` is the transport's `charset=`, if any.
pub(crate) fn html_page(
    id: String,
    origin: Origin,
    url: Option<String>,
    bytes: &[u8],
    http_charset: Option<&str>,
) -> Result<Page, IngestError> {
    match crate::html::extract(bytes, http_charset) {
        Ok(extracted) => Ok(Page {
            id,
            origin,
            url,
            text: extracted.text,
            markup: Some(Arc::new(extracted.markup)),
            lossy: false,
        }),
        Err(e) => Err(IngestError::new(
            origin,
            IngestErrorKind::Html(e.to_string()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_page_with_offsets_into_the_file() {
        let bytes = b"<html><body><h1>Title</h1><p>Body &amp; more</p></body></html>";
        let page = read_html_page("p.html", &bytes[..], ReadOptions::default()).unwrap();
        assert_eq!(page.text, "Title\nBody & more");
        let markup = page.markup.unwrap();
        assert_eq!(markup.source_len, bytes.len());
        assert_eq!(markup.blocks.len(), 2);
    }

    #[test]
    fn a_page_without_visible_text_is_an_error_naming_the_file() {
        let err = read_html_page(
            "empty.html",
            &b"<script>x()</script>"[..],
            ReadOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "empty.html: cannot read HTML: no visible text"
        );
    }
}
