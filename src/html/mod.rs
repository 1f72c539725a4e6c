//! HTML → the page's visible text, one block per line, with each block's source bytes and DOM context.
//!
//! Parsing is lol_html's (an HTML5 tokenizer that streams and reports byte offsets into the input).
//! It builds no tree, so the open-element stack is kept here, closing the elements HTML lets authors
//! leave open (`<p>`, `<li>`, `<td>`…). Text inside `script`, `style`, `template`, `head`, hidden
//! elements and the like is dropped; block-level elements and `<br>` end a block; whitespace
//! collapses as a browser collapses it; entities are decoded.

pub mod charset;
pub mod dom;
mod source_map;

pub use dom::{AttributeWords, BlockContext, TagName};
pub use source_map::SourceMap;

use crate::types::ByteRange;
use encoding_rs::Encoding;
use lol_html::html_content::{Element, EndTag, TextChunk, TextType};
use lol_html::{doc_text, element, AsciiCompatibleEncoding, HtmlRewriter, Settings};
use rustc_hash::FxBuildHasher;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

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

/// An HTML page turned into text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExtractedHtml {
    /// The visible text, one block per line (`\n`-separated, no other newlines).
    pub text: String,
    pub markup: Markup,
}

/// Why an HTML page could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HtmlError {
    #[error("HTML parser: {0}")]
    Parser(String),
    #[error("no visible text")]
    NoText,
}

/// Extracts the visible text of `bytes`, decoding them by BOM, `http_charset`, `<meta>`, UTF-8
/// validity or Windows-1252, in that order.
pub fn extract(bytes: &[u8], http_charset: Option<&str>) -> Result<ExtractedHtml, HtmlError> {
    extract_owned(bytes.to_vec(), http_charset)
}

/// [`extract`] of bytes the caller gives up: the parser keeps them as they are, where
/// [`extract`] copies them first.
pub fn extract_owned(
    mut bytes: Vec<u8>,
    http_charset: Option<&str>,
) -> Result<ExtractedHtml, HtmlError> {
    let detected = charset::detect(&bytes, http_charset);
    let source_len = bytes.len();
    let mut extracted = match AsciiCompatibleEncoding::new(detected.encoding) {
        Some(_) => {
            bytes.drain(..detected.bom_len);
            parse(bytes, detected.encoding)?
        }
        None => parse_transcoded(&bytes[detected.bom_len..], detected.encoding)?,
    };
    extracted.markup.map.shift_sources(detected.bom_len as u32);
    extracted.markup.encoding = detected.encoding.name();
    extracted.markup.source_len = source_len;
    if extracted.text.is_empty() {
        return Err(HtmlError::NoText);
    }
    Ok(extracted)
}

/// UTF-16 pages: lol_html reads ASCII-compatible encodings only, so parse a UTF-8 copy and map its
/// offsets back to the UTF-16 bytes, character by character (an unpaired surrogate or an odd last
/// byte becomes U+FFFD mapped to its own bytes).
fn parse_transcoded(body: &[u8], encoding: &'static Encoding) -> Result<ExtractedHtml, HtmlError> {
    let big_endian = encoding == encoding_rs::UTF_16BE;
    let units = body.chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        if big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    });
    let mut utf8 = String::with_capacity(body.len());
    // (offset in the UTF-8 copy, offset in the UTF-16 bytes) at the start of every character.
    let mut starts: Vec<(u32, u32)> = Vec::with_capacity(body.len() / 2 + 1);
    let mut unit = 0usize;
    for decoded in char::decode_utf16(units) {
        starts.push((utf8.len() as u32, (unit * 2) as u32));
        let (c, width) = match decoded {
            Ok(c) => (c, c.len_utf16()),
            Err(_) => (char::REPLACEMENT_CHARACTER, 1),
        };
        utf8.push(c);
        unit += width;
    }
    if body.len() % 2 == 1 {
        starts.push((utf8.len() as u32, (body.len() - 1) as u32));
        utf8.push(char::REPLACEMENT_CHARACTER);
    }
    let end = (utf8.len() as u32, body.len() as u32);
    let mut extracted = parse(utf8.into_bytes(), encoding_rs::UTF_8)?;
    extracted.markup.map.remap_sources(|offset| {
        match starts.binary_search_by_key(&offset, |&(at, _)| at) {
            Ok(i) => starts[i].1,
            // Inside a character (never produced by the map) or at the very end.
            Err(i) => starts.get(i).map_or(end.1, |&(_, source)| source),
        }
    });
    Ok(extracted)
}

/// Parses ASCII-compatible `body` bytes.
fn parse(mut body: Vec<u8>, encoding: &'static Encoding) -> Result<ExtractedHtml, HtmlError> {
    let ascii_compatible = AsciiCompatibleEncoding::new(encoding)
        .ok_or_else(|| HtmlError::Parser(format!("{} is not ASCII-compatible", encoding.name())))?;
    let exact = if encoding == encoding_rs::UTF_8 {
        Exactness::Utf8
    } else if encoding.is_single_byte() {
        Exactness::SingleByte
    } else {
        Exactness::Chunk
    };
    // Shared with the end-tag handlers (which must own what they hold), so names can be read
    // from the bytes instead of allocated by the parser.
    parse_noscript_as_html(&mut body);
    let input = Rc::new(body);
    let builder = Rc::new(RefCell::new(Builder::new(exact, input.len())));
    let on_element = Rc::clone(&builder);
    let on_text = Rc::clone(&builder);
    let element_source = Rc::clone(&input);
    let metadata = Rc::new(RefCell::new(Metadata::default()));
    let on_meta = Rc::clone(&metadata);
    let on_json_ld = Rc::clone(&metadata);
    let settings = Settings::new()
        .with_encoding(ascii_compatible)
        .with_strict(false)
        .append_element_content_handler(element!("*", move |el| {
            let opened = on_element.borrow_mut().start_element(el, &element_source);
            if let Some(depth) = opened {
                let end_builder = Rc::clone(&on_element);
                let end_source = Rc::clone(&element_source);
                el.on_end_tag(Box::new(move |end: &mut EndTag| {
                    let decoded;
                    let name = match end_tag_name(&end_source, end.source_location().bytes()) {
                        Some(name) if name.is_ascii() => name,
                        _ => {
                            decoded = end.name();
                            decoded.as_bytes()
                        }
                    };
                    end_builder.borrow_mut().end_element(name, depth);
                    Ok(())
                }))?;
            }
            Ok(())
        }))
        .append_element_content_handler(element!("meta[property]", move |el| {
            if el
                .get_attribute("property")
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("og:type"))
            {
                if let Some(content) = el.get_attribute("content") {
                    on_meta.borrow_mut().og_types.push(content);
                }
            }
            Ok(())
        }))
        .append_element_content_handler(lol_html::text!(
            "script[type='application/ld+json']",
            move |chunk| {
                let mut meta = on_json_ld.borrow_mut();
                if meta.json_ld.len() < MAX_JSON_LD {
                    meta.json_ld.push_str(chunk.as_str());
                }
                Ok(())
            }
        ))
        .append_document_content_handler(doc_text!(move |chunk| {
            on_text.borrow_mut().text(chunk);
            Ok(())
        }));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    rewriter
        .write(&input)
        .and_then(|()| rewriter.end())
        .map_err(|e| HtmlError::Parser(e.to_string()))?;
    let mut builder = Rc::try_unwrap(builder)
        .map_err(|_| HtmlError::Parser("handlers outlived the parser".into()))?
        .into_inner();
    builder.finish_block();
    let page_types = metadata.borrow().page_types();
    // The blocks' word lists index the page's words, known only now.
    let vocabulary: Arc<[Box<str>]> = std::mem::take(&mut builder.vocabulary).into();
    for block in &mut builder.blocks {
        block.attribute_tokens.set_vocabulary(&vocabulary);
    }
    Ok(ExtractedHtml {
        text: builder.text,
        markup: Markup {
            encoding: "",
            source_len: input.len(),
            map: builder.map,
            blocks: builder.blocks,
            page_types,
            text_only: false,
        },
    })
}

/// JSON-LD read per page at most (the types come first in practice).
const MAX_JSON_LD: usize = 256 * 1024;

/// The page's own metadata, gathered while parsing.
#[derive(Default)]
struct Metadata {
    og_types: Vec<String>,
    json_ld: String,
}

impl Metadata {
    fn page_types(&self) -> Vec<String> {
        let mut types: Vec<String> = Vec::new();
        let mut add = |t: String| {
            if types.len() < 16 && !t.is_empty() && !types.contains(&t) {
                types.push(t);
            }
        };
        for og in &self.og_types {
            add(format!("og:{}", og.trim().to_ascii_lowercase()));
        }
        // Every string value of an "@type" key (a string or an array of strings); no full JSON
        // parse, so a broken or truncated block still gives what it has.
        let json = self.json_ld.as_str();
        let mut at = 0;
        while let Some(found) = json[at..].find("\"@type\"") {
            at += found + "\"@type\"".len();
            let rest = json[at..].trim_start();
            let Some(rest) = rest.strip_prefix(':') else {
                continue;
            };
            let rest = rest.trim_start();
            let values = if let Some(list) = rest.strip_prefix('[') {
                list.split(']').next().unwrap_or("")
            } else {
                rest.split([',', '}']).next().unwrap_or("")
            };
            for value in values.split(',') {
                let name = value.trim().trim_matches('"').trim();
                let name = name.rsplit(['/', ':']).next().unwrap_or(name);
                if name.len() <= 40 && name.chars().all(|c| c.is_ascii_alphanumeric()) {
                    add(format!("ld:{}", name.to_ascii_lowercase()));
                }
            }
        }
        types
    }
}

/// lol_html reads `<noscript>` as raw text (as a browser with scripts on), but crawlers and
/// readers see its content: many pages put their whole article there for non-JS clients. Renaming
/// the tag to `<xoscript>` (same length, so every offset stays put) makes it an ordinary element.
fn parse_noscript_as_html(body: &mut [u8]) {
    const NAME: &[u8] = b"noscript";
    let mut renames = Vec::new();
    for open in memchr::memchr_iter(b'<', body) {
        let name_at = open + 1 + usize::from(body.get(open + 1) == Some(&b'/'));
        let is_noscript = body
            .get(name_at..name_at + NAME.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(NAME));
        if is_noscript {
            renames.push(name_at);
        }
    }
    for at in renames {
        body[at] = b'x';
    }
}

/// Deepest element nesting followed (real pages stay far below; hostile ones do not).
const MAX_TRACKED_DEPTH: usize = 256;

/// How precisely text bytes can be traced to source bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exactness {
    /// The decoded text is the source bytes: byte-exact.
    Utf8,
    /// One source byte per character: character-exact.
    SingleByte,
    /// Multi-byte legacy encodings: every character maps to its whole text chunk.
    Chunk,
}

/// One element on the open-element stack.
#[derive(Debug)]
struct Open {
    tag: TagName,
    landmarks: u32,
    /// How many attribute words the stack held below this element.
    words_below: usize,
    hidden: bool,
    block: bool,
}

/// What an element's attributes say about its block.
#[derive(Default)]
struct Attributes<'s> {
    /// The values of `class`, `id` and `role`, in that order.
    word_sources: [Option<Cow<'s, str>>; 3],
    /// `hidden`, or a `style` that hides the element.
    hidden: bool,
}

/// The block being filled.
#[derive(Debug, Default)]
struct CurrentBlock {
    context: BlockContext,
    /// A whitespace run seen since the last visible character: its source range.
    pending_space: Option<ByteRange>,
}

struct Builder {
    exact: Exactness,
    /// Length of the parsed bytes (a source range never reaches past it).
    body_len: usize,
    stack: Vec<Open>,
    /// The class/id/role words of the open elements, as indices into `vocabulary`: each
    /// distinct word of the page is stored once (`interned` finds its index).
    words: Vec<u32>,
    vocabulary: Vec<Box<str>>,
    /// What the blocks' word lists point to until `vocabulary` is complete.
    placeholder_vocabulary: Arc<[Box<str>]>,
    interned: HashMap<Box<str>, u32, FxBuildHasher>,
    /// `prefix_keys[i]`: the sum of the hashes of `words[..=i]`. A sum names a stack's words,
    /// so blocks under the same words (list items, repeated widgets) find their sorted list in
    /// `word_lists`, and a new list is merged from the list of the words below, not sorted.
    prefix_keys: Vec<u64>,
    word_lists: HashMap<u64, Arc<[u32]>, FxBuildHasher>,
    /// The sorted list of the current stack's words, once a block has asked for it.
    block_words: Option<Arc<[u32]>>,
    hidden_depth: usize,
    /// Open `<a>`, `<pre>` and `<head>` elements on the stack (asked about for every text chunk
    /// or element; counting them saves a walk of the stack).
    open_links: usize,
    open_pre: usize,
    open_heads: usize,
    /// The element path of a block starting under the current stack (cleared when it changes).
    path: Option<Arc<str>>,
    text: String,
    map: SourceMap,
    blocks: Vec<BlockContext>,
    current: Option<CurrentBlock>,
    /// Images seen since the current block started (counted into the next block when none is open).
    images: u32,
}

impl Builder {
    fn new(exact: Exactness, body_len: usize) -> Self {
        Builder {
            exact,
            body_len,
            stack: Vec::new(),
            words: Vec::new(),
            vocabulary: Vec::new(),
            placeholder_vocabulary: Arc::from([]),
            interned: HashMap::default(),
            prefix_keys: Vec::new(),
            word_lists: HashMap::default(),
            block_words: None,
            hidden_depth: 0,
            open_links: 0,
            open_pre: 0,
            open_heads: 0,
            path: None,
            text: String::new(),
            map: SourceMap::default(),
            blocks: Vec::new(),
            current: None,
            images: 0,
        }
    }

    /// Handles a start tag (`source`: the bytes being parsed); returns the stack depth to close
    /// at when the element has an end tag.
    fn start_element(&mut self, el: &Element, source: &[u8]) -> Option<usize> {
        let tag = self.tag_name(el, source);
        // Body content closes a `<head>` left open (as HTML tree construction does).
        if self.open_heads > 0 && !dom::belongs_in_head(&tag) {
            if let Some(head) = self.stack.iter().position(|o| o.tag == "head") {
                self.pop_to(head);
            }
        }
        if let Some((closes, stops)) = dom::implied_end(&tag) {
            self.close_implied(closes, stops);
        }
        let block = dom::is_block_level(&tag);
        if block {
            self.finish_block();
        }
        if tag == "img"
            && el
                .get_attribute("alt")
                .is_some_and(|a| !a.trim().is_empty())
        {
            self.images += 1;
        }
        if let Some((value, location)) = self.own_text(el, &tag) {
            // The element's own class/id/role words (`logo`, `badge`, `btn-primary`) join its
            // block's, for that block only: a void element never goes on the stack.
            let attributes = self.read_attributes(el, source);
            let below = self.words.len();
            for value in attributes.word_sources.iter().flatten() {
                dom::attribute_words(value, |word| self.push_word(word));
            }
            if self.words.len() != below {
                self.block_words = None;
            }
            self.attribute_block(&tag, &value, location, source);
            if self.words.len() != below {
                self.words.truncate(below);
                self.prefix_keys.truncate(below);
                self.block_words = None;
            }
        }
        // Past this depth elements are not tracked (their text still counts, in the context of
        // the deepest tracked element): 100,000 nested divs cost neither stack nor time.
        if !el.can_have_content() || self.stack.len() >= MAX_TRACKED_DEPTH {
            return None;
        }
        let attributes = self.read_attributes(el, source);
        let hidden = dom::is_hidden_element(&tag) || attributes.hidden;
        let words_below = self.words.len();
        for value in attributes.word_sources.iter().flatten() {
            dom::attribute_words(value, |word| self.push_word(word));
        }
        if self.words.len() != words_below {
            self.block_words = None;
        }
        self.hidden_depth += usize::from(hidden);
        self.open_links += usize::from(tag == "a");
        self.open_pre += usize::from(tag == "pre");
        self.open_heads += usize::from(tag == "head");
        self.path = None;
        self.stack.push(Open {
            landmarks: dom::landmark_of(&tag, attributes.word_sources[2].as_deref()),
            tag,
            words_below,
            hidden,
            block,
        });
        Some(self.stack.len())
    }

    /// The element's name, read from the source without an allocation when it is a lower-case
    /// HTML name (as it nearly always is).
    fn tag_name(&self, el: &Element, source: &[u8]) -> TagName {
        let start = el.source_location().bytes().start + 1;
        let name = source.get(start..).map_or(&[][..], |rest| {
            let end = rest
                .iter()
                .position(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit()))
                .unwrap_or(rest.len());
            &rest[..end]
        });
        let ends_name = source
            .get(start + name.len())
            .is_some_and(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c | b'/' | b'>'));
        match std::str::from_utf8(name).ok().and_then(dom::html_tag) {
            Some(known) if ends_name => TagName::Html(known),
            _ => TagName::new(&el.tag_name()),
        }
    }

    /// The attributes the DOM context needs, in one pass over the element's attributes (each
    /// `get_attribute` call allocates and scans them all). Names, and the values of `class`,
    /// `id` and `role`, are read from the source where its bytes are the text (all that matters
    /// in them is ASCII); other values are decoded.
    fn read_attributes<'s>(&self, el: &Element, source: &'s [u8]) -> Attributes<'s> {
        let mut found = Attributes::default();
        let mut seen_style = false;
        for attribute in el.attributes() {
            let raw = |location: Option<lol_html::html_content::SourceLocation>| {
                location.and_then(|l| source.get(l.bytes()))
            };
            let name_bytes = raw(attribute.name_source_location());
            let decoded_name;
            let name: &[u8] = match name_bytes {
                Some(bytes) if bytes.is_ascii() => bytes,
                _ => {
                    decoded_name = attribute.name();
                    decoded_name.as_bytes()
                }
            };
            let is = |wanted: &str| name.eq_ignore_ascii_case(wanted.as_bytes());
            if let Some(slot) = ["class", "id", "role"].iter().position(|w| is(w)) {
                if found.word_sources[slot].is_some() {
                    continue; // the first of repeated attributes counts
                }
                let value = match raw(attribute.value_source_location()) {
                    Some(bytes) if self.exact != Exactness::Chunk => String::from_utf8_lossy(bytes),
                    // No value (`<div class>`), or a multi-byte encoding: decode it.
                    _ => Cow::Owned(attribute.value()),
                };
                found.word_sources[slot] = Some(value);
            } else if is("hidden") {
                found.hidden = true;
            } else if is("style") && !seen_style {
                seen_style = true;
                found.hidden |= dom::style_hides(&attribute.value());
            }
        }
        found
    }

    /// The text an element shows of its own, from an attribute: an `<img>`'s `alt`, a submit or
    /// button `<input>`'s `value` (blocks of their own, as in the web gold's reference
    /// segmenter). With the value's source bytes when they are its text.
    fn own_text(&self, el: &Element, tag: &TagName) -> Option<(String, Option<ByteRange>)> {
        // Every element comes here: the tag is looked at first, attributes only for img/input.
        let wanted = match tag.as_str() {
            "img" => "alt",
            "input" => "value",
            _ => return None,
        };
        if self.hidden_depth > 0 || self.open_heads > 0 {
            return None;
        }
        if wanted == "value" {
            let kind = el.get_attribute("type")?;
            let kind = kind.trim();
            if !(kind.eq_ignore_ascii_case("submit") || kind.eq_ignore_ascii_case("button")) {
                return None;
            }
        }
        // A void element is never on the stack, so its own `hidden` or hiding style is read here.
        if el.has_attribute("hidden")
            || el
                .get_attribute("style")
                .is_some_and(|style| dom::style_hides(&style))
        {
            return None;
        }
        let attribute = el
            .attributes()
            .iter()
            .find(|a| a.name().eq_ignore_ascii_case(wanted))?;
        // lol_html gives attribute values as written: entities are decoded here.
        let value = html_escape::decode_html_entities(&attribute.value()).into_owned();
        if value.trim().is_empty() {
            return None;
        }
        let location = attribute
            .value_source_location()
            .map(|l| ByteRange::new(l.bytes().start, l.bytes().end.min(self.body_len)));
        Some((value, location))
    }

    /// A block of its own for an attribute's text (see [`Builder::own_text`]), its whitespace
    /// collapsed. Each word maps to its own source bytes when the value is verbatim UTF-8 (its
    /// bytes in `source` are its text); otherwise the whole text maps to the whole value.
    fn attribute_block(
        &mut self,
        tag: &TagName,
        value: &str,
        location: Option<ByteRange>,
        source: &[u8],
    ) {
        let Some(location) = location.filter(|l| !l.is_empty()) else {
            return;
        };
        self.finish_block();
        // Verbatim: the value's bytes in the source are its text (no entity, no other encoding).
        let verbatim = self.exact == Exactness::Utf8
            && source.get(location.start..location.end) == Some(value.as_bytes());
        let in_link = self.open_links > 0;
        let mut first = true;
        for word in value.split_whitespace() {
            let at = word.as_ptr() as usize - value.as_ptr() as usize;
            let source = if verbatim {
                ByteRange::new(location.start + at, location.start + at + word.len())
            } else {
                location
            };
            if !first {
                self.space(source);
            }
            first = false;
            self.visible(word, source, in_link);
        }
        if let Some(current) = self.current.as_mut() {
            current.context.path = format!("{}>{}", current.context.path, tag.as_str()).into();
            current.context.tag = tag.clone();
            current.context.alt_text = true;
        }
        self.finish_block();
    }

    /// Puts a class/id/role word of the element being opened on the stack.
    fn push_word(&mut self, word: &str) {
        let id = match self.interned.get(word) {
            Some(&id) => id,
            None => {
                let id = self.vocabulary.len() as u32;
                self.vocabulary.push(word.into());
                self.interned.insert(word.into(), id);
                id
            }
        };
        let below = self.prefix_keys.last().copied().unwrap_or(0);
        self.prefix_keys.push(below.wrapping_add(word_hash(word)));
        self.words.push(id);
    }

    /// The sorted, distinct words of the open elements. Built on the list of the words below
    /// the top element's (found in `word_lists` or built the same way), so a new list costs a
    /// merge of the element's few words into its parent's list.
    fn stack_word_list(&mut self) -> Arc<[u32]> {
        let key_of = |keys: &[u64], len: usize| len.checked_sub(1).map_or(0, |last| keys[last]);
        // Stack prefixes (word counts) whose lists are missing, top first, down to a known one.
        let mut missing = Vec::new();
        let mut len = self.words.len();
        let mut boundaries = self.stack.iter().rev().map(|o| o.words_below);
        let mut list: Arc<[u32]> = loop {
            if len == 0 {
                break Arc::from([]);
            }
            if let Some(list) = self.word_lists.get(&key_of(&self.prefix_keys, len)) {
                break Arc::clone(list);
            }
            missing.push(len);
            len = boundaries.find(|&below| below < len).unwrap_or(0);
        };
        for &top in missing.iter().rev() {
            let vocabulary = &self.vocabulary;
            let mut own = self.words[len..top].to_vec();
            own.sort_unstable_by(|&a, &b| vocabulary[a as usize].cmp(&vocabulary[b as usize]));
            own.dedup();
            list = merge_sorted(&list, &own, vocabulary);
            self.word_lists
                .insert(key_of(&self.prefix_keys, top), Arc::clone(&list));
            len = top;
        }
        list
    }

    /// An end tag named `name` (lol_html may call an element's handler with another element's
    /// end tag): closes its element and anything left open inside it.
    fn end_element(&mut self, name: &[u8], depth: usize) {
        let named = |o: &Open| o.tag.as_bytes().eq_ignore_ascii_case(name);
        if self.stack.len() >= depth && named(&self.stack[depth - 1]) {
            self.pop_to(depth - 1);
        } else if let Some(index) = self.stack.iter().rposition(named) {
            self.pop_to(index);
        }
    }

    fn close_implied(&mut self, closes: &[&str], stops: &[&str]) {
        for index in (0..self.stack.len()).rev() {
            let tag = self.stack[index].tag.as_str();
            if closes.contains(&tag) {
                self.pop_to(index);
                return;
            }
            if stops.contains(&tag) {
                return;
            }
        }
    }

    /// Pops the stack down to `len` elements, ending the block if a block element closes.
    fn pop_to(&mut self, len: usize) {
        while self.stack.len() > len {
            let open = self.stack.pop().expect("len checked");
            if self.words.len() != open.words_below {
                self.words.truncate(open.words_below);
                self.prefix_keys.truncate(open.words_below);
                self.block_words = None;
            }
            self.hidden_depth -= usize::from(open.hidden);
            self.open_links -= usize::from(open.tag == "a");
            self.open_pre -= usize::from(open.tag == "pre");
            self.open_heads -= usize::from(open.tag == "head");
            self.path = None;
            if open.block {
                self.finish_block();
            }
        }
    }

    fn text(&mut self, chunk: &TextChunk) {
        if self.hidden_depth > 0 || !matches!(chunk.text_type(), TextType::Data) {
            return;
        }
        let text = chunk.as_str();
        if text.is_empty() {
            return;
        }
        let source = chunk.source_location().bytes();
        let mut source = ByteRange::new(source.start, source.end);
        // lol_html reports an empty range for a U+FFFD it made of an invalid byte (found by
        // the html_segmenter fuzz target): the byte is at the range's start.
        if source.is_empty() {
            source.end = (source.start + 1).min(self.body_len);
            source.start = source.end.saturating_sub(1);
        }
        let exact = match self.exact {
            Exactness::Utf8 if text.len() == source.len() => Exactness::Utf8,
            Exactness::SingleByte if text.chars().count() == source.len() => Exactness::SingleByte,
            _ => Exactness::Chunk,
        };
        let in_link = self.open_links > 0;
        let mut chars = text.char_indices().enumerate().peekable();
        while let Some((index, (at, c))) = chars.next() {
            // Fast path: a run of plain characters copied verbatim from the source is one push
            // (a map piece per character would merge into the same piece anyway).
            if exact != Exactness::Chunk
                && is_plain(c)
                && (c.is_ascii() || exact == Exactness::Utf8)
            {
                let mut end = at + c.len_utf8();
                let mut count = 1;
                while let Some(&(_, (next_at, next))) = chars.peek() {
                    if !(is_plain(next) && (next.is_ascii() || exact == Exactness::Utf8)) {
                        break;
                    }
                    end = next_at + next.len_utf8();
                    count += 1;
                    chars.next();
                }
                let run_source = match exact {
                    Exactness::SingleByte => {
                        ByteRange::new(source.start + index, source.start + index + count)
                    }
                    _ => ByteRange::new(source.start + at, source.start + end),
                };
                self.visible(&text[at..end], run_source, in_link);
                continue;
            }
            let char_source = match exact {
                Exactness::Utf8 => {
                    ByteRange::new(source.start + at, source.start + at + c.len_utf8())
                }
                Exactness::SingleByte => {
                    ByteRange::new(source.start + index, source.start + index + 1)
                }
                Exactness::Chunk => source,
            };
            if c == '&' {
                if let Some((decoded, len)) = decode_entity(&text[at..]) {
                    let entity_source = match exact {
                        Exactness::Chunk => source,
                        _ => ByteRange::new(char_source.start, char_source.start + len),
                    };
                    // Skip the entity's remaining characters.
                    while chars.peek().is_some_and(|(_, (next, _))| *next < at + len) {
                        chars.next();
                    }
                    if decoded.chars().all(char::is_whitespace) {
                        self.space(entity_source);
                    } else {
                        self.visible(&decoded, entity_source, in_link);
                    }
                    continue;
                }
            }
            if c.is_whitespace() || c.is_control() {
                if c == '\n' && self.open_pre > 0 {
                    self.finish_block();
                } else {
                    self.space(char_source);
                }
            } else {
                let mut buf = [0u8; 4];
                self.visible(c.encode_utf8(&mut buf), char_source, in_link);
            }
        }
    }

    fn space(&mut self, source: ByteRange) {
        if let Some(current) = self.current.as_mut() {
            let pending = current.pending_space.get_or_insert(source);
            pending.end = pending.end.max(source.end);
        }
    }

    fn visible(&mut self, text: &str, source: ByteRange, in_link: bool) {
        if self.current.is_none() {
            self.start_block();
        }
        let current = self.current.as_mut().expect("started above");
        if let Some(space) = current.pending_space.take() {
            let at = self.text.len();
            self.text.push(' ');
            self.map.push(ByteRange::new(at, at + 1), space);
        }
        let at = self.text.len();
        self.text.push_str(text);
        self.map.push(ByteRange::new(at, at + text.len()), source);
        current.context.text_bytes += text.len() as u32;
        if in_link {
            current.context.link_bytes += text.len() as u32;
        }
    }

    fn start_block(&mut self) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        let mut landmarks = 0;
        for open in &self.stack {
            landmarks |= open.landmarks;
        }
        let tag = self
            .stack
            .iter()
            .rev()
            .find(|o| o.block)
            .map_or(TagName::Html("body"), |o| o.tag.clone());
        let stack = &self.stack;
        let path = self
            .path
            .get_or_insert_with(|| {
                let path_start = stack.len().saturating_sub(3);
                stack[path_start..]
                    .iter()
                    .map(|o| o.tag.as_str())
                    .collect::<Vec<_>>()
                    .join(">")
                    .into()
            })
            .clone();
        let ids = match &self.block_words {
            Some(list) => Arc::clone(list),
            None => {
                let list = self.stack_word_list();
                self.block_words = Some(Arc::clone(&list));
                list
            }
        };
        let attribute_tokens = AttributeWords::pending(ids, &self.placeholder_vocabulary);
        self.current = Some(CurrentBlock {
            context: BlockContext {
                tag,
                path,
                landmarks,
                attribute_tokens,
                depth: self.stack.len() as u32,
                images: std::mem::take(&mut self.images),
                ..BlockContext::default()
            },
            pending_space: None,
        });
    }

    fn finish_block(&mut self) {
        if let Some(mut current) = self.current.take() {
            current.context.images += std::mem::take(&mut self.images);
            self.blocks.push(current.context);
        }
    }
}

/// The union of two lists of word indices, each sorted by its words, without repeats.
fn merge_sorted(a: &[u32], b: &[u32], vocabulary: &[Box<str>]) -> Arc<[u32]> {
    let word = |id: u32| &vocabulary[id as usize];
    let mut merged = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match word(a[i]).cmp(word(b[j])) {
            std::cmp::Ordering::Less => {
                merged.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                merged.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                merged.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    merged.extend_from_slice(&a[i..]);
    merged.extend_from_slice(&b[j..]);
    merged.into()
}

/// A well-mixed 64-bit hash of a word (FNV-1a, then SplitMix64's finaliser), for sums that
/// name a set of words.
fn word_hash(word: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in word.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The name in the end tag at `at` of `source` (`</name>`), as written.
fn end_tag_name(source: &[u8], at: std::ops::Range<usize>) -> Option<&[u8]> {
    let tag = source.get(at)?.strip_prefix(b"</")?;
    let end = tag
        .iter()
        .position(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c | b'/' | b'>'))
        .unwrap_or(tag.len());
    Some(&tag[..end])
}

/// A character shown as itself: not whitespace, a control character or an entity's `&`.
fn is_plain(c: char) -> bool {
    !(c.is_whitespace() || c.is_control() || c == '&')
}

/// Decodes a character reference at the start of `text` (`&amp;`, `&#8212;`, `&#x2014;`):
/// the characters and the reference's length in bytes.
fn decode_entity(text: &str) -> Option<(String, usize)> {
    const LONGEST_REFERENCE: usize = 40;
    let end = text.as_bytes()[..text.len().min(LONGEST_REFERENCE)]
        .iter()
        .position(|&b| b == b';')?;
    let reference = &text[..=end];
    if reference[1..end]
        .bytes()
        .any(|b| !(b.is_ascii_alphanumeric() || b == b'#'))
    {
        return None;
    }
    let decoded = html_escape::decode_html_entities(reference);
    (decoded != reference).then(|| (decoded.into_owned(), end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(html: &str) -> Vec<String> {
        extract(html.as_bytes(), None)
            .unwrap()
            .text
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn alt_texts_and_button_values_are_blocks_mapped_to_their_attribute() {
        let html =
            "<p>Hello <a href=/><img class=site-logo src=l.png alt=\"Clinic  logo\"> home</a></p>\
            <form><input type=submit value=\"Book now\"><input type=text value=typed>\
            <input type=SUBMIT value=\" \"></form><img alt=\"caf&eacute; au lait\">\
            <div hidden><img alt=secret></div><img src=x.png>";
        let extracted = extract(html.as_bytes(), None).unwrap();
        assert_eq!(
            extracted.text.lines().collect::<Vec<_>>(),
            ["Hello", "Clinic logo", "home", "Book now", "café au lait"]
        );
        let blocks = &extracted.markup.blocks;
        assert_eq!(blocks[1].tag.as_str(), "img");
        assert!(
            blocks[1].attribute_tokens.iter().any(|w| w == "logo"),
            "the img's own class"
        );
        assert!(
            !blocks[2].attribute_tokens.iter().any(|w| w == "logo"),
            "for its block only"
        );
        assert!(blocks[1].alt_text && blocks[1].link_bytes > 0);
        assert_eq!(blocks[3].tag.as_str(), "input");
        let source = |text: &str| {
            let at = extracted.text.find(text).unwrap();
            let range = extracted
                .markup
                .source_range(ByteRange::new(at, at + text.len()))
                .unwrap();
            &html[range.start..range.end]
        };
        assert_eq!(source("Clinic"), "Clinic");
        assert_eq!(source("Clinic logo"), "Clinic  logo");
        assert_eq!(source("Book now"), "Book now");
        // An entity in the value: the text maps to the whole value.
        assert_eq!(source("café au lait"), "caf&eacute; au lait");

        // Hidden by its own attribute or style: no block.
        let hidden = "<p>x</p><img hidden alt=Tracking><input type=submit value=Go \
            style=\"display:none\"><img alt=\"&ne;&ne;é xy&nGt;&nGt;\">";
        let extracted = extract(hidden.as_bytes(), None).unwrap();
        assert_eq!(extracted.text.lines().count(), 2, "{:?}", extracted.text);
        // Entities that decode to as many bytes as they are written in: still not verbatim, so
        // every offset stays on a character of the source.
        let last = extracted.text.lines().last().unwrap();
        let at = extracted.text.len() - last.len();
        for (i, _) in last.char_indices() {
            let range = extracted
                .markup
                .source_range(ByteRange::new(at + i, extracted.text.len()))
                .unwrap();
            assert!(hidden.is_char_boundary(range.start) && hidden.is_char_boundary(range.end));
        }
    }

    #[test]
    fn splits_at_block_elements_and_br_and_drops_hidden_text() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body>\
            <nav><ul><li><a href=/>Home</a><li>About</ul></nav>\
            <p>One <b>bold</b>\n  word<br>next line<script>var x = '<p>no</p>';</script>\
            <div hidden>secret</div><p style='display: none'>gone</p><p>A &amp; B&nbsp;&mdash; c</p>\
            <table><tr><th>Head<td>cell</table></body></html>";
        assert_eq!(
            blocks(html),
            [
                "Home",
                "About",
                "One bold word",
                "next line",
                "A & B — c",
                "Head",
                "cell"
            ]
        );
    }

    #[test]
    fn keeps_dom_context_per_block() {
        let html = "<body><header class='site-header'><nav>\
            <a href=/a>Menu item</a></nav></header><main><article><p>Text with \
            <a href=/x>a link</a></p></article></main><footer id='colophon'>© 2024</footer>";
        let page = extract(html.as_bytes(), None).unwrap();
        let contexts = &page.markup.blocks;
        assert_eq!(contexts.len(), 3);
        assert!(contexts[0].has(dom::landmark::NAV) && contexts[0].has(dom::landmark::HEADER));
        assert!(contexts[0].attribute_tokens.iter().any(|w| w == "header"));
        assert_eq!(contexts[0].link_density(), 1.0);
        assert!(contexts[1].has(dom::landmark::ARTICLE) && contexts[1].has(dom::landmark::MAIN));
        assert!(contexts[1].link_density() > 0.2 && contexts[1].link_density() < 0.5);
        assert_eq!(contexts[1].tag, "p");
        assert!(contexts[2].has(dom::landmark::FOOTER));
        assert!(contexts[2].attribute_tokens.iter().eq(["colophon"]));
    }

    #[test]
    fn upper_case_and_custom_elements_keep_their_context() {
        let html = "<BODY><DIV CLASS='Promo-Box' Class='ignored' ROLE=navigation>\
            <my-widget id=\"bookNow\">Buy</my-widget><P STYLE='display:none'>gone</P>\
            <svg-icon hidden>no</svg-icon>Still in the div</DIV><P>After</P></BODY>";
        let page = extract(html.as_bytes(), None).unwrap();
        assert_eq!(page.text, "Buy\nStill in the div\nAfter");
        let words = |b: &BlockContext| -> Vec<String> {
            b.attribute_tokens.iter().map(|w| w.to_string()).collect()
        };
        let [widget, div, after] = &page.markup.blocks[..] else {
            panic!("three blocks: {:?}", page.markup.blocks)
        };
        assert_eq!(
            (widget.tag.as_str(), &*widget.path),
            ("div", "body>div>my-widget")
        );
        assert_eq!(words(widget), ["book", "box", "navigation", "now", "promo"]);
        // The second `class` is ignored, as browsers ignore repeated attributes.
        assert_eq!((div.tag.as_str(), &*div.path), ("div", "body>div"));
        assert_eq!(words(div), ["box", "navigation", "promo"]);
        assert!(widget.has(dom::landmark::NAV) && div.has(dom::landmark::NAV));
        assert_eq!((after.tag.as_str(), &*after.path), ("p", "body>p"));
        assert!(words(after).is_empty() && !after.has(dom::landmark::NAV));
    }

    #[test]
    fn maps_text_back_to_source_bytes() {
        let html = "<p>caf\u{e9} &amp; <i>cr\u{e8}me</i></p>\n<p>  second   block </p>";
        let page = extract(html.as_bytes(), None).unwrap();
        assert_eq!(page.text, "caf\u{e9} & cr\u{e8}me\nsecond block");
        let map = |a, b| page.markup.source_range(ByteRange::new(a, b)).unwrap();
        let first = map(0, page.text.find('\n').unwrap());
        assert_eq!(
            &html[first.start..first.end],
            "caf\u{e9} &amp; <i>cr\u{e8}me"
        );
        let amp = page.text.find('&').unwrap();
        assert_eq!(
            &html[map(amp, amp + 1).start..map(amp, amp + 1).end],
            "&amp;"
        );
        let second = page.text.find("second").unwrap();
        let r = map(second, page.text.len());
        assert_eq!(&html[r.start..r.end], "second   block");
    }

    #[test]
    fn decodes_legacy_encodings_with_offsets_into_the_original_bytes() {
        let bytes = b"<meta charset=iso-8859-1><p>caf\xE9 cr\xE8me</p>";
        let page = extract(bytes, None).unwrap();
        assert_eq!(page.markup.encoding, "windows-1252");
        assert_eq!(page.text, "caf\u{e9} cr\u{e8}me");
        let e = page.text.find('\u{e8}').unwrap();
        let r = page.markup.source_range(ByteRange::new(e, e + 2)).unwrap();
        assert_eq!(&bytes[r.start..r.end], b"\xE8");
        let all = page
            .markup
            .source_range(ByteRange::new(0, page.text.len()))
            .unwrap();
        assert_eq!(&bytes[all.start..all.end], b"caf\xE9 cr\xE8me");
    }

    #[test]
    fn reads_utf16_with_a_bom_and_maps_to_its_bytes() {
        let html = "<p>h\u{e9}llo</p>";
        let mut bytes = vec![0xFF, 0xFE];
        for unit in html.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let page = extract(&bytes, None).unwrap();
        assert_eq!(page.text, "h\u{e9}llo");
        let r = page
            .markup
            .source_range(ByteRange::new(0, page.text.len()))
            .unwrap();
        assert_eq!((r.start, r.end), (2 + 3 * 2, 2 + 8 * 2));
    }

    #[test]
    fn noscript_content_is_read_as_html() {
        let html = "<noscript><div><p>Article for crawlers</p></div></NOSCRIPT><p>after</p>";
        let page = extract(html.as_bytes(), None).unwrap();
        assert_eq!(page.text, "Article for crawlers\nafter");
        let r = page.markup.source_range(ByteRange::new(0, 20)).unwrap();
        assert_eq!(&html[r.start..r.end], "Article for crawlers");
    }

    #[test]
    fn body_content_closes_an_unclosed_head() {
        let html = "<html><head><title>T</title><table><tr><td>In the body</td></tr></table>";
        assert_eq!(extract(html.as_bytes(), None).unwrap().text, "In the body");
    }

    #[test]
    fn deep_nesting_costs_neither_stack_nor_time() {
        let depth = 100_000;
        let html = format!(
            "{}deep text{}<p>after</p>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let page = extract(html.as_bytes(), None).unwrap();
        assert_eq!(page.text, "deep text\nafter");
        assert!(page.markup.blocks[0].depth as usize <= MAX_TRACKED_DEPTH);
    }

    #[test]
    fn broken_utf16_maps_inside_the_input() {
        // Found by the html_segmenter fuzz target: unpaired surrogates and an odd last byte.
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "<p>ok ".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        bytes.extend_from_slice(&[0x00, 0xD8, b'x', 0x00, 0x00, 0xDC, b'!', 0x00, 0x41]);
        let page = extract(&bytes, None).unwrap();
        let all = ByteRange::new(0, page.text.len());
        let r = page.markup.source_range(all).unwrap();
        assert!(
            r.start < r.end && r.end <= bytes.len(),
            "{r:?} in {}",
            bytes.len()
        );
    }

    #[test]
    fn fuzz_crashes_map_every_line_inside_the_input() {
        // Found by the html_segmenter fuzz target: broken UTF-16, and an invalid UTF-8 byte
        // alone between two tags (lol_html gives its U+FFFD an empty source range).
        for crash in [
            &include_bytes!("../../tests/fixtures/fuzz/html-utf16-crash.bin")[..],
            &include_bytes!("../../tests/fixtures/fuzz/html-mapping-crash.bin")[..],
        ] {
            let page = extract(crash, None).unwrap();
            let mut at = 0;
            for line in page.text.split('\n') {
                let r = page
                    .markup
                    .source_range(ByteRange::new(at, at + line.len()))
                    .unwrap();
                assert!(r.start < r.end && r.end <= crash.len(), "{line:?} -> {r:?}");
                at += line.len() + 1;
            }
        }
    }

    #[test]
    fn a_page_without_text_is_an_error() {
        assert_eq!(
            extract(b"<html><script>x</script></html>", None),
            Err(HtmlError::NoText)
        );
    }
}
