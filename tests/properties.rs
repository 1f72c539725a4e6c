//! Properties that hold for any input: units and spans are sorted, non-overlapping, on UTF-8
//! boundaries, cover every non-whitespace byte, and a span's text is the input at its offsets;
//! for HTML, a span's source range holds its text once the markup is stripped.

mod util;

use pagesift::segment::TextSegmenter;
use pagesift::{Labeler, Page};
use proptest::prelude::*;
use std::sync::OnceLock;

fn labeler() -> &'static Labeler {
    static LABELER: OnceLock<Labeler> = OnceLock::new();
    LABELER.get_or_init(|| Labeler::builtin().expect("built-in model loads"))
}

/// Page-like text: words, punctuation, digits, non-ASCII, CRLF, tabs, blank lines, glued words.
fn page_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[A-Za-z]{1,12}",
        1 => "[A-Z][a-z]{2,8}[A-Z][a-z]{2,8}",
        2 => Just(" ".to_string()),
        1 => Just(". ".to_string()),
        1 => prop_oneof![Just("\n"), Just("\r\n"), Just("\n\n"), Just("\t"), Just("  ")].prop_map(str::to_string),
        1 => prop_oneof![Just("é"), Just("—"), Just("“"), Just("”"), Just("©"), Just("🙂"), Just("\u{a0}"), Just("…")].prop_map(str::to_string),
        1 => "[0-9$%()?!:\\[\\]-]{1,4}",
        1 => "\\PC{1,3}",
    ];
    prop::collection::vec(piece, 0..120).prop_map(|v| v.concat())
}

fn covers_every_non_whitespace_byte(
    text: &str,
    ranges: &[(usize, usize)],
) -> Result<(), TestCaseError> {
    util::check_cover(text, ranges).map_err(TestCaseError::fail)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn units_are_trimmed_ordered_and_cover_the_text(text in page_text()) {
        let seg = TextSegmenter::default().segment_text(&text);
        let ranges: Vec<(usize, usize)> = seg.units.iter().map(|u| (u.range.start, u.range.end)).collect();
        covers_every_non_whitespace_byte(&text, &ranges)?;
        for unit in &seg.units {
            let piece = unit.range.slice(&text);
            prop_assert_eq!(piece.trim(), piece);
            let block = seg.blocks[unit.block].range;
            prop_assert!(block.start <= unit.range.start && unit.range.end <= block.end);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn spans_round_trip_to_the_input(text in page_text()) {
        let page = Page::from_text("p", &text);
        let labelled = labeler().label(&page).expect("labelling never fails on text");
        let ranges: Vec<(usize, usize)> = labelled.spans.iter().map(|s| (s.range.start, s.range.end)).collect();
        covers_every_non_whitespace_byte(&text, &ranges)?;
        for span in &labelled.spans {
            prop_assert_eq!(&text[span.range.start..span.range.end], span.text.as_str());
            prop_assert!((0.0..=1.0).contains(&span.score));
        }
        prop_assert!((0.0..=1.0).contains(&labelled.promotion_share));
    }
}

/// HTML-like documents: block and inline elements, entities, hidden elements, comments, raw
/// `<`, unclosed tags, page-like text in between.
fn html_page() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => page_text().prop_map(|t| t.replace(['<', '&'], " ")),
        2 => prop_oneof![Just("<p>"), Just("</p>"), Just("<div class='promo'>"), Just("</div>"), Just("<li>"), Just("<br>"), Just("<h2>"), Just("</h2>"), Just("<td>"), Just("<nav>"), Just("</nav>")].prop_map(str::to_string),
        2 => prop_oneof![Just("<b>"), Just("</b>"), Just("<a href='/x'>"), Just("</a>"), Just("<span>"), Just("</span>"), Just("<img alt='x'>")].prop_map(str::to_string),
        1 => prop_oneof![Just("&amp;"), Just("&nbsp;"), Just("&#8212;"), Just("&eacute;"), Just("&bogus;"), Just("& "), Just("a < b")].prop_map(str::to_string),
        1 => prop_oneof![Just("<script>x = '<p>no</p>';</script>"), Just("<!-- <p>c</p> -->"), Just("<div hidden>h1dden_gone</div>"), Just("<style>p{}</style>")].prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn html_spans_map_back_to_source_bytes_holding_their_text(html in html_page()) {
        let Ok(page) = Page::from_html("h", html.as_bytes()) else {
            // No visible text: nothing to label.
            return Ok(());
        };
        prop_assert!(!page.text.contains("h1dden_gone") && !page.text.contains("no</p>"));
        let labelled = labeler().label(&page).expect("labelling never fails");
        let ranges: Vec<(usize, usize)> = labelled.spans.iter().map(|s| (s.range.start, s.range.end)).collect();
        covers_every_non_whitespace_byte(&page.text, &ranges)?;
        for span in &labelled.spans {
            let source = span.source.expect("HTML spans have a source range");
            let slice = html.get(source.start..source.end);
            prop_assert!(slice.is_some(), "{:?} is not on UTF-8 boundaries", source);
            util::assert_source_holds(slice.unwrap(), &span.text);
        }
    }
}
