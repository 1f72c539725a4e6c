//! The text builder the HTML parser's handlers feed: it opens and closes elements, cuts the
//! text into blocks, records each block's DOM context, and maps every character of the text back
//! to its source bytes.

use super::chars::{chars_before, is_plain, plain_run, Exactness};
use super::entity::{decode_entity, CutEntity};
use super::{dom, AttributeWords, BlockContext, ExtractedHtml, Markup, SourceMap, TagName};
use crate::types::ByteRange;
use lol_html::html_content::{Element, TextChunk, TextType};
use rustc_hash::FxBuildHasher;
use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

/// Deepest element nesting followed (real pages stay far below; hostile ones do not).
pub(super) const MAX_TRACKED_DEPTH: usize = 256;

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

pub(super) struct Builder {
    exact: Exactness,
    /// The parsed bytes (a source range never reaches past them): an entity the parser cut
    /// between two text chunks is read from them.
    input: Rc<Vec<u8>>,
    /// A character reference the parser cut between two text chunks.
    cut_entity: CutEntity,
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
    pub(super) fn new(exact: Exactness, input: Rc<Vec<u8>>) -> Self {
        Builder {
            exact,
            input,
            cut_entity: CutEntity::default(),
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
    pub(super) fn start_element(&mut self, el: &Element, source: &[u8]) -> Option<usize> {
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
            .map(|l| ByteRange::new(l.bytes().start, l.bytes().end.min(self.input.len())));
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
    pub(super) fn end_element(&mut self, name: &[u8], depth: usize) {
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

    pub(super) fn text(&mut self, chunk: &TextChunk) {
        if self.hidden_depth > 0 || !matches!(chunk.text_type(), TextType::Data) {
            return;
        }
        let text = chunk.as_str();
        if text.is_empty() {
            return;
        }
        let (source, exact) = self.chunk_source(chunk, text);
        let entity_rest = self.cut_entity.rest(&self.input, text, source);
        let in_link = self.open_links > 0;
        // `at` is the byte offset of the next character in `text`, `index` its character index;
        // the characters before `entity_rest` ended the previous chunk's entity.
        let (mut at, mut index) = chars_before(text, 0, entity_rest);
        while let Some(c) = text[at..].chars().next() {
            // Fast path: a run of plain characters copied verbatim from the source is one push
            // (a map piece per character would merge into the same piece anyway).
            if exact != Exactness::Chunk
                && is_plain(c)
                && (c.is_ascii() || exact == Exactness::Utf8)
            {
                let (end, count) = plain_run(text, at, exact);
                let run_source = match exact {
                    Exactness::SingleByte => {
                        ByteRange::new(source.start + index, source.start + index + count)
                    }
                    _ => ByteRange::new(source.start + at, source.start + end),
                };
                self.visible(&text[at..end], run_source, in_link);
                (at, index) = (end, index + count);
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
                let entity = decode_entity(&text[at..]).or_else(|| {
                    // Only where the characters map to their own source bytes.
                    (exact != Exactness::Chunk)
                        .then(|| {
                            self.cut_entity
                                .decode(&self.input, &text[at..], char_source)
                        })
                        .flatten()
                });
                if let Some((decoded, len)) = entity {
                    let entity_source = match exact {
                        Exactness::Chunk => source,
                        _ => ByteRange::new(char_source.start, char_source.start + len),
                    };
                    // Past the entity: the `&` and every character that starts inside it.
                    let (end, count) = chars_before(text, at, at + len.max(1));
                    (at, index) = (end, index + count);
                    if decoded.chars().all(char::is_whitespace) {
                        self.space(entity_source);
                    } else {
                        self.visible(&decoded, entity_source, in_link);
                    }
                    continue;
                }
            }
            self.character(c, char_source, in_link);
            at += c.len_utf8();
            index += 1;
        }
    }

    /// A text chunk's source bytes, and how exactly its characters map into them.
    fn chunk_source(&self, chunk: &TextChunk, text: &str) -> (ByteRange, Exactness) {
        let source = chunk.source_location().bytes();
        let mut source = ByteRange::new(source.start, source.end);
        // lol_html reports an empty range for a U+FFFD it made of an invalid byte (found by
        // the html_segmenter fuzz target): the byte is at the range's start.
        if source.is_empty() {
            source.end = (source.start + 1).min(self.input.len());
            source.start = source.end.saturating_sub(1);
        }
        let exact = match self.exact {
            Exactness::Utf8 if text.len() == source.len() => Exactness::Utf8,
            Exactness::SingleByte if text.chars().count() == source.len() => Exactness::SingleByte,
            _ => Exactness::Chunk,
        };
        (source, exact)
    }

    /// One character of text that is not part of an entity: a space, a line of a `<pre>`, or a
    /// visible character.
    fn character(&mut self, c: char, source: ByteRange, in_link: bool) {
        if c.is_whitespace() || c.is_control() {
            if c == '\n' && self.open_pre > 0 {
                self.finish_block();
            } else {
                self.space(source);
            }
        } else {
            let mut buf = [0u8; 4];
            self.visible(c.encode_utf8(&mut buf), source, in_link);
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

    /// The text and markup built, once the parser is done.
    pub(super) fn into_extracted(
        mut self,
        page_types: Vec<String>,
        source_len: usize,
    ) -> ExtractedHtml {
        self.finish_block();
        // The blocks' word lists index the page's words, known only now.
        let vocabulary: Arc<[Box<str>]> = std::mem::take(&mut self.vocabulary).into();
        for block in &mut self.blocks {
            block.attribute_tokens.set_vocabulary(&vocabulary);
        }
        ExtractedHtml {
            text: self.text,
            markup: Markup {
                encoding: "",
                source_len,
                map: self.map,
                blocks: self.blocks,
                page_types,
                text_only: false,
            },
        }
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
    let mut h = crate::hash::fnv1a64(word.as_bytes());
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}
