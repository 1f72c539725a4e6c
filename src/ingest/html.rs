//! HTML files: one file, one page, its text extracted with offsets into the file's bytes.

use super::{read_whole_file, ReadOptions};
use crate::error::{IngestError, IngestErrorKind};
use crate::types::{Origin, Page};
use std::io::Read;
use std::sync::Arc;

/// Reads a whole HTML file as one page (the id is the path as given), leaving the parsing for
/// later.
pub(crate) fn read_html_record(
    path: &str,
    reader: impl Read,
    options: ReadOptions,
    size_hint: Option<u64>,
) -> Result<Record, IngestError> {
    let (origin, bytes) = read_whole_file(path, reader, options, size_hint)?;
    Ok(Record::Html(HtmlSource {
        id: path.to_string(),
        origin,
        url: None,
        bytes,
        http_charset: None,
    }))
}

/// What a reader yields: a page, or HTML still to parse. Reading is sequential but parsing
/// HTML is a third of the work of labelling it, so a batch parses its HTML on every core.
#[derive(Debug)]
pub enum Record {
    /// A page ready to label (text).
    Page(Page),
    /// HTML whose parsing is left to the caller.
    Html(HtmlSource),
}

/// An HTML page as read: its bytes and what the transport said about it.
#[derive(Debug)]
pub struct HtmlSource {
    /// The page's id.
    pub id: String,
    /// Where the page came from.
    pub origin: Origin,
    /// The page's URL (WARC `WARC-Target-URI`, a JSON Lines `url`).
    pub url: Option<String>,
    /// The HTML bytes as read.
    pub bytes: Vec<u8>,
    /// The transport's `charset=`, if any.
    pub http_charset: Option<String>,
}

impl Record {
    /// The page, parsing its HTML if that is still to do.
    pub fn into_page(self) -> Result<Page, IngestError> {
        match self {
            Record::Page(page) => Ok(page),
            Record::Html(h) => html_page(h.id, h.origin, h.url, h.bytes, h.http_charset.as_deref()),
        }
    }

    /// The page's id, known before parsing.
    pub fn id(&self) -> &str {
        match self {
            Record::Page(page) => &page.id,
            Record::Html(h) => &h.id,
        }
    }

    /// Bytes held: the text of a page, the HTML of a source.
    pub fn bytes(&self) -> usize {
        match self {
            Record::Page(page) => page.text.len(),
            Record::Html(h) => h.bytes.len(),
        }
    }
}

/// An HTML page from its bytes; `http_charset` is the transport's `charset=`, if any.
pub(crate) fn html_page(
    id: String,
    origin: Origin,
    url: Option<String>,
    bytes: Vec<u8>,
    http_charset: Option<&str>,
) -> Result<Page, IngestError> {
    match crate::html::extract_owned(bytes, http_charset) {
        Ok(extracted) => Ok(Page {
            id,
            origin,
            url,
            text: extracted.text,
            markup: Some(Arc::new(extracted.markup)),
            lossy: false,
        }),
        Err(e) => Err(IngestError::new(origin, IngestErrorKind::Html(e.to_string())).with_id(id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_html_page(
        path: &str,
        reader: impl Read,
        options: ReadOptions,
    ) -> Result<Page, IngestError> {
        read_html_record(path, reader, options, None).and_then(Record::into_page)
    }

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
