//! What the HTML parser made of a page: the text's offsets into the source bytes and each
//! block's place in the DOM. Plain data, filled in by [`crate::html`].

use super::dom::BlockContext;
use super::source_map::SourceMap;
use super::ByteRange;

/// What the HTML parser made of a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Markup {
    /// The encoding the bytes were decoded with (`UTF-8`, `windows-1252`…).
    pub encoding: &'static str,
    /// Length of the original HTML in bytes.
    pub source_len: usize,
    /// Text offsets → source offsets.
    pub map: SourceMap,
    /// One context per line of the extracted text.
    pub blocks: Vec<BlockContext>,
    /// What the page says it is in its metadata: `og:<type>` from `<meta property="og:type">`
    /// and `ld:<type>` for each schema.org `@type` of its JSON-LD (`ld:product`,
    /// `ld:localbusiness`, `ld:newsarticle`…), lower-case, at most 16.
    pub page_types: Vec<String>,
    /// Not HTML: a text page whose text is not its input bytes (a byte-order mark dropped,
    /// invalid UTF-8 replaced by `--lossy`). Only `map` and `source_len` mean anything; the page
    /// is labelled as text (no DOM or content-model features).
    pub text_only: bool,
}

impl Markup {
    /// The map of a text page whose text is not its input bytes (see [`Markup::text_only`]).
    pub fn text_only(map: SourceMap, source_len: usize) -> Markup {
        Markup {
            encoding: "UTF-8",
            source_len,
            map,
            blocks: Vec::new(),
            page_types: Vec::new(),
            text_only: true,
        }
    }

    /// `markup` if it describes an HTML page (not a text page's offset map).
    pub fn html(markup: Option<&Markup>) -> Option<&Markup> {
        markup.filter(|m| !m.text_only)
    }

    /// The source byte range of a range of the extracted text.
    pub fn source_range(&self, text: ByteRange) -> Option<ByteRange> {
        self.map.source_range(text)
    }
}
