//! What the DOM says about a block: the elements around it, as the model's features see them.

use std::sync::Arc;

/// Landmarks and roles of the elements enclosing a block, one bit each.
pub mod landmark {
    /// Inside `<nav>`, or `role=navigation`, `menu` or `menubar`.
    pub const NAV: u32 = 1;
    /// Inside `<header>` or `role=banner`.
    pub const HEADER: u32 = 1 << 1;
    /// Inside `<footer>` or `role=contentinfo`.
    pub const FOOTER: u32 = 1 << 2;
    /// Inside `<aside>` or `role=complementary`.
    pub const ASIDE: u32 = 1 << 3;
    /// Inside a `<form>`, or `role=form` or `search`.
    pub const FORM: u32 = 1 << 4;
    /// Inside `<main>` or `role=main`.
    pub const MAIN: u32 = 1 << 5;
    /// Inside `<article>` or `role=article`.
    pub const ARTICLE: u32 = 1 << 6;
    /// Inside a `<button>` or `role=button`.
    pub const BUTTON: u32 = 1 << 7;
    /// Inside a list (`<ul>`, `<ol>`, `<menu>`, `<dl>`).
    pub const LIST: u32 = 1 << 8;
    /// Inside a heading (`<h1>`–`<h6>`, `role=heading`).
    pub const HEADING: u32 = 1 << 9;
    /// Inside a `<table>`.
    pub const TABLE: u32 = 1 << 10;
    /// Inside a `<figure>` or `<figcaption>`.
    pub const FIGURE: u32 = 1 << 11;
    /// Inside a `<label>` or `<legend>`.
    pub const LABEL: u32 = 1 << 12;
    /// Inside a `<blockquote>`.
    pub const BLOCKQUOTE: u32 = 1 << 13;
    /// Inside a `<section>`.
    pub const SECTION: u32 = 1 << 14;
    /// Inside a `<dialog>`, or `role=dialog` or `alertdialog`.
    pub const DIALOG: u32 = 1 << 15;

    /// Names for explanations and feature names, in bit order.
    pub const NAMES: [&str; 16] = [
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "main",
        "article",
        "button",
        "list",
        "heading",
        "table",
        "figure",
        "label",
        "blockquote",
        "section",
        "dialog",
    ];
}

/// The DOM context of one extracted block (one line of the page's extracted text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockContext {
    /// The innermost block-level element (`p`, `li`, `td`, `h2`…).
    pub tag: TagName,
    /// The last few element names down to the block, `div>ul>li>a` (shared by the blocks under
    /// the same open elements).
    pub path: Arc<str>,
    /// OR of the `landmark` bits of every enclosing element.
    pub landmarks: u32,
    /// Lower-cased word pieces of the `class`, `id` and `role` of the enclosing elements, sorted
    /// and without repeats (shared by the blocks under the same open elements).
    pub attribute_tokens: AttributeWords,
    /// Visible text bytes inside links, and in all.
    pub link_bytes: u32,
    /// Visible text bytes in all.
    pub text_bytes: u32,
    /// Images with alt text inside the block, and whether the block's own text is an alt text.
    pub images: u32,
    /// Whether the block's own text is an image's alt text or a button's value.
    pub alt_text: bool,
    /// Depth of the block's element in the tree.
    pub depth: u32,
}

/// A block's class/id/role words: indices into the page's distinct words, in the words' sorted
/// order. Both parts are shared (by the page's blocks, and by the blocks under the same open
/// elements), so copying and dropping a list costs no reference count per word.
#[derive(Debug, Clone, Default)]
pub struct AttributeWords {
    vocabulary: Arc<[Box<str>]>,
    ids: Arc<[u32]>,
}

impl AttributeWords {
    /// The sorted, distinct `words`.
    pub fn from_words<'w>(words: impl IntoIterator<Item = &'w str>) -> AttributeWords {
        let mut vocabulary: Vec<Box<str>> = words.into_iter().map(Box::from).collect();
        vocabulary.sort_unstable();
        vocabulary.dedup();
        AttributeWords {
            ids: (0..vocabulary.len() as u32).collect(),
            vocabulary: vocabulary.into(),
        }
    }

    /// A list of `ids` into a vocabulary the parser fills in later ([`Self::set_vocabulary`]);
    /// `placeholder` is one empty vocabulary shared until then (no allocation per block).
    pub(crate) fn pending(ids: Arc<[u32]>, placeholder: &Arc<[Box<str>]>) -> AttributeWords {
        AttributeWords {
            vocabulary: Arc::clone(placeholder),
            ids,
        }
    }

    pub(crate) fn set_vocabulary(&mut self, vocabulary: &Arc<[Box<str>]>) {
        self.vocabulary = Arc::clone(vocabulary);
    }

    /// The words, sorted.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.ids.iter().map(|&id| &*self.vocabulary[id as usize])
    }

    /// How many words.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no words.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Whether both are the one list shared by the blocks under the same open elements.
    pub fn same_list(&self, other: &AttributeWords) -> bool {
        Arc::ptr_eq(&self.ids, &other.ids) && Arc::ptr_eq(&self.vocabulary, &other.vocabulary)
    }
}

impl PartialEq for AttributeWords {
    fn eq(&self, other: &AttributeWords) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for AttributeWords {}

impl BlockContext {
    /// Whether the block is inside `landmark` (one of [`landmark`]'s bits).
    pub fn has(&self, landmark: u32) -> bool {
        self.landmarks & landmark != 0
    }

    /// Share of the block's text bytes inside links (0 for an empty block).
    pub fn link_density(&self) -> f32 {
        if self.text_bytes == 0 {
            0.0
        } else {
            self.link_bytes as f32 / self.text_bytes as f32
        }
    }
}

/// An element's lower-case name. HTML's own names are static strings, so opening and closing
/// an element allocates nothing; other names (custom elements) are shared strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagName {
    /// One of HTML's own element names.
    Html(&'static str),
    /// Any other name (a custom element).
    Other(Arc<str>),
}

impl TagName {
    /// The lower-case name, static for HTML's own elements.
    pub fn new(name: &str) -> TagName {
        html_tag(name).map_or_else(|| TagName::Other(name.into()), TagName::Html)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        match self {
            TagName::Html(name) => name,
            TagName::Other(name) => name,
        }
    }
}

impl Default for TagName {
    fn default() -> Self {
        TagName::Html("")
    }
}

impl From<&str> for TagName {
    fn from(name: &str) -> Self {
        TagName::new(name)
    }
}

impl std::ops::Deref for TagName {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for TagName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for TagName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Declares [`html_tag`] over a list of names.
macro_rules! html_tags {
    ($($name:literal)*) => {
        /// The static copy of an HTML element name (`None` for other names).
        pub fn html_tag(name: &str) -> Option<&'static str> {
            match name {
                $($name => Some($name),)*
                _ => None,
            }
        }
    };
}

html_tags! {
    "a" "abbr" "acronym" "address" "area" "article" "aside" "audio" "b" "base" "bdi" "bdo" "big"
    "blockquote" "body" "br" "button" "canvas" "caption" "center" "cite" "code" "col"
    "colgroup" "data" "datalist" "dd" "del" "details" "dfn" "dialog" "dir" "div" "dl" "dt" "em"
    "embed" "fieldset" "figcaption" "figure" "font" "footer" "form" "frame" "frameset" "h1"
    "h2" "h3" "h4" "h5" "h6" "head" "header" "hgroup" "hr" "html" "i" "iframe" "img" "input"
    "ins" "kbd" "label" "legend" "li" "link" "main" "map" "mark" "math" "menu" "meta" "meter"
    "nav" "noembed" "noframes" "noscript" "object" "ol" "optgroup" "option" "output" "p"
    "param" "picture" "pre" "progress" "q" "rp" "rt" "ruby" "s" "samp" "script" "search"
    "section" "select" "slot" "small" "source" "span" "strike" "strong" "style" "sub"
    "summary" "sup" "svg" "table" "tbody" "td" "template" "textarea" "tfoot" "th" "thead"
    "time" "title" "tr" "track" "tt" "u" "ul" "var" "video" "wbr" "xoscript" "path" "g"
    "use" "defs" "symbol" "circle" "rect" "polygon" "line" "stop" "lineargradient"
    "clippath"
}

/// The landmark bit an element carries by its name or ARIA role.
pub(crate) fn landmark_of(tag: &str, role: Option<&str>) -> u32 {
    use landmark::*;
    let by_tag = match tag {
        "nav" => NAV,
        "header" => HEADER,
        "footer" => FOOTER,
        "aside" => ASIDE,
        "form" => FORM,
        "main" => MAIN,
        "article" => ARTICLE,
        "button" => BUTTON,
        "ul" | "ol" | "menu" | "dl" => LIST,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => HEADING,
        "table" => TABLE,
        "figure" | "figcaption" => FIGURE,
        "label" | "legend" => LABEL,
        "blockquote" => BLOCKQUOTE,
        "section" => SECTION,
        "dialog" => DIALOG,
        _ => 0,
    };
    let by_role = match role.unwrap_or("") {
        "navigation" | "menu" | "menubar" => NAV,
        "banner" => HEADER,
        "contentinfo" => FOOTER,
        "complementary" => ASIDE,
        "main" => MAIN,
        "article" => ARTICLE,
        "button" => BUTTON,
        "form" | "search" => FORM,
        "dialog" | "alertdialog" => DIALOG,
        "heading" => HEADING,
        _ => 0,
    };
    by_tag | by_role
}

/// Elements that start and end a block of text (CSS `display: block` and friends by default).
pub(crate) fn is_block_level(tag: &str) -> bool {
    matches!(
        tag,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "br"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "optgroup"
            | "option"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
    )
}

/// Elements whose content is never shown as page text.
pub(crate) fn is_hidden_element(tag: &str) -> bool {
    matches!(
        tag,
        "head"
            | "script"
            | "style"
            | "template"
            | "title"
            | "textarea"
            | "svg"
            | "math"
            | "iframe"
            | "object"
            | "video"
            | "audio"
            | "canvas"
            | "noembed"
            | "noframes"
    )
}

/// Elements that may stand in `<head>`; any other start tag closes an open `<head>`.
pub(crate) fn belongs_in_head(tag: &str) -> bool {
    matches!(
        tag,
        "html"
            | "head"
            | "title"
            | "meta"
            | "link"
            | "style"
            | "script"
            | "base"
            | "noscript"
            | "template"
    )
}

/// An inline `style` that hides the element.
pub(crate) fn style_hides(style: &str) -> bool {
    let compact: String = style
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    compact.contains("display:none") || compact.contains("visibility:hidden")
}

/// Start tags that close an open element of the same kind the author left unclosed
/// (`<li>a<li>b`, `<p>a<p>b`), with the elements that stop the search.
pub(crate) fn implied_end(tag: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    const P_CLOSERS_STOP: &[&str] = &[
        "div", "td", "th", "li", "button", "table", "article", "section", "main", "body",
    ];
    match tag {
        "li" => Some((&["li"], &["ul", "ol", "menu"])),
        "dt" | "dd" => Some((&["dt", "dd"], &["dl"])),
        "td" | "th" => Some((&["td", "th"], &["tr", "table"])),
        "tr" => Some((&["tr"], &["table", "tbody", "thead", "tfoot"])),
        "option" => Some((&["option"], &["select", "datalist", "optgroup"])),
        "p" | "div" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table"
        | "blockquote" | "pre" | "form" | "section" | "article" | "aside" | "header" | "footer"
        | "nav" | "dl" | "figure" | "hr" => Some((&["p"], P_CLOSERS_STOP)),
        _ => None,
    }
}

/// Splits a `class`/`id` value into lower-case word pieces: `site-footer__nav` → `site`, `footer`, `nav`.
pub(crate) fn attribute_words(value: &str, mut each: impl FnMut(&str)) {
    for word in value.split(|c: char| !c.is_ascii_alphanumeric()) {
        // camelCase → camel, case
        let mut start = 0;
        let bytes = word.as_bytes();
        for i in 1..=bytes.len() {
            let boundary = i == bytes.len()
                || (bytes[i].is_ascii_uppercase() && bytes[i - 1].is_ascii_lowercase());
            if boundary {
                let piece = &bytes[start..i];
                if (2..=MAX_WORD).contains(&piece.len()) && !piece.iter().all(u8::is_ascii_digit) {
                    let mut lower = [0u8; MAX_WORD];
                    for (l, b) in lower.iter_mut().zip(piece) {
                        *l = b.to_ascii_lowercase();
                    }
                    // ASCII alphanumerics only, so always UTF-8.
                    if let Ok(piece) = std::str::from_utf8(&lower[..piece.len()]) {
                        each(piece);
                    }
                }
                start = i;
            }
        }
    }
}

/// Longest class/id word kept (longer ones are hashes and ids, not words).
const MAX_WORD: usize = 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_class_names_into_words() {
        let mut words = Vec::new();
        attribute_words("site-footer__nav promoBox x 123 col-md-4", |w| {
            words.push(w.to_string())
        });
        assert_eq!(
            words,
            ["site", "footer", "nav", "promo", "box", "col", "md"]
        );
    }

    #[test]
    fn sees_hiding_styles() {
        assert!(style_hides("color:red; DISPLAY : none"));
        assert!(!style_hides("display:block"));
    }
}
