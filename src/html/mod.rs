//! HTML → the page's visible text, one block per line, with each block's source bytes and DOM context.
//!
//! Parsing is lol_html's (an HTML5 tokenizer that streams and reports byte offsets into the input).
//! It builds no tree, so the open-element stack is kept here, closing the elements HTML lets authors
//! leave open (`<p>`, `<li>`, `<td>`…). Text inside `script`, `style`, `template`, `head`, hidden
//! elements and the like is dropped; block-level elements and `<br>` end a block; whitespace
//! collapses as a browser collapses it; entities are decoded.

mod builder;
mod chars;
pub mod charset;
mod entity;

/// The plain data the parser fills in lives with the other plain data, in [`crate::types`].
pub use crate::types::dom;
pub use crate::types::dom::{AttributeWords, BlockContext, TagName};
pub use crate::types::{Markup, SourceMap};

use builder::Builder;
use chars::Exactness;
use encoding_rs::Encoding;
use lol_html::html_content::EndTag;
use lol_html::{doc_text, element, AsciiCompatibleEncoding, HtmlRewriter, Settings};
use std::cell::RefCell;
use std::rc::Rc;

/// An HTML page turned into text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExtractedHtml {
    /// The visible text, one block per line (`\n`-separated, no other newlines).
    pub text: String,
    /// Where each block of `text` came from in the HTML.
    pub markup: Markup,
}

/// Why an HTML page could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HtmlError {
    /// lol_html could not parse the page (its message).
    #[error("HTML parser: {0}")]
    Parser(String),
    /// The page has no visible text.
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
    let units = charset::utf16_units(body, big_endian);
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
    let builder = Rc::new(RefCell::new(Builder::new(exact, Rc::clone(&input))));
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
                el.on_end_tag(end_tag_handler(end_builder, end_source, depth))?;
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
    let builder = Rc::try_unwrap(builder)
        .map_err(|_| HtmlError::Parser("handlers outlived the parser".into()))?
        .into_inner();
    let page_types = metadata.borrow().page_types();
    Ok(builder.into_extracted(page_types, input.len()))
}

/// The handler of an element's end tag (the element was opened at `depth`): its name is read
/// from the source bytes where it is ASCII, without the parser allocating it.
fn end_tag_handler(
    builder: Rc<RefCell<Builder>>,
    source: Rc<Vec<u8>>,
    depth: usize,
) -> lol_html::EndTagHandler<'static> {
    Box::new(move |end: &mut EndTag| {
        let decoded;
        let name = match end_tag_name(&source, end.source_location().bytes()) {
            Some(name) if name.is_ascii() => name,
            _ => {
                decoded = end.name();
                decoded.as_bytes()
            }
        };
        builder.borrow_mut().end_element(name, depth);
        Ok(())
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

/// The name in the end tag at `at` of `source` (`</name>`), as written.
fn end_tag_name(source: &[u8], at: std::ops::Range<usize>) -> Option<&[u8]> {
    let tag = source.get(at)?.strip_prefix(b"</")?;
    let end = tag
        .iter()
        .position(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c | b'/' | b'>'))
        .unwrap_or(tag.len());
    Some(&tag[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ByteRange;
    use builder::MAX_TRACKED_DEPTH;

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
