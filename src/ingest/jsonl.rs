//! JSON Lines: one page per line, `{"id", "text"}`; gold lines also carry `spans`.

use super::{io_error, next_line_within, next_raw_line, Line, ReadOptions};
use crate::error::{IngestError, IngestErrorKind};
use crate::html::Markup;
use crate::ingest::text::decode_utf8_mapped;
use crate::types::{ByteRange, GoldPage, Label, Origin, Page};
use serde_json::Value;
use std::fs::File;
use std::io::{BufRead, BufReader};

/// Streams the pages of a JSON Lines reader; blank lines are skipped, bad lines are `Err`s.
pub struct JsonlPages<R> {
    path: String,
    reader: R,
    line: usize,
    buf: Vec<u8>,
    done: bool,
    options: ReadOptions,
}

impl<R: BufRead> JsonlPages<R> {
    pub fn new(path: String, reader: R, options: ReadOptions) -> Self {
        JsonlPages {
            path,
            reader,
            line: 0,
            buf: Vec::new(),
            done: false,
            options,
        }
    }
}

impl<R: BufRead> Iterator for JsonlPages<R> {
    type Item = Result<Page, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match next_line_within(&mut self.reader, &mut self.buf, self.options.max_page_bytes) {
                Err(e) => {
                    self.done = true;
                    let mut err = io_error(&self.path, &e);
                    err.origin.line = Some(self.line + 1);
                    return Some(Err(err));
                }
                Ok(Line::End) => self.done = true,
                Ok(Line::TooLong) => {
                    self.line += 1;
                    let origin = Origin {
                        path: self.path.clone(),
                        line: Some(self.line),
                    };
                    let kind = IngestErrorKind::TooLarge {
                        limit: self.options.max_page_bytes,
                    };
                    return Some(Err(IngestError::new(origin, kind)));
                }
                Ok(Line::Read) => {
                    self.line += 1;
                    if self.line == 1 && super::text::utf16_json(&self.buf) {
                        // Every line would fail alike: one error for the file.
                        self.done = true;
                        let origin = Origin {
                            path: self.path.clone(),
                            line: None,
                        };
                        return Some(Err(IngestError::new(origin, IngestErrorKind::Utf16Json)));
                    }
                    let parsed = parse_object(&self.path, self.line, &self.buf, self.options.lossy);
                    if let Some(result) = parsed {
                        return Some(result.map(|(page, _)| page));
                    }
                }
            }
        }
        None
    }
}

/// Parses one JSON Lines record into a page; `None` for a blank line.
pub fn parse_page_line(path: &str, line: usize, bytes: &[u8]) -> Option<Result<Page, IngestError>> {
    parse_object(path, line, bytes, false).map(|r| r.map(|(page, _)| page))
}

pub(super) fn parse_object(
    path: &str,
    line: usize,
    bytes: &[u8],
    lossy: bool,
) -> Option<Result<(Page, Value), IngestError>> {
    let origin = Origin {
        path: path.to_string(),
        line: Some(line),
    };
    let fail = |kind| Some(Err(IngestError::new(origin.clone(), kind)));
    let (raw, replaced) = match std::str::from_utf8(bytes) {
        Ok(s) => (std::borrow::Cow::Borrowed(s), false),
        Err(_) if lossy => (String::from_utf8_lossy(bytes), true),
        Err(e) => return fail(IngestErrorKind::NotUtf8(e.valid_up_to())),
    };
    if raw.trim().is_empty() {
        return None;
    }
    let mut value: Value = match serde_json::from_str(&raw) {
        Ok(v) => v,
        Err(e) => return fail(IngestErrorKind::BadJson(e.to_string())),
    };
    let Some(object) = value.as_object_mut() else {
        return fail(IngestErrorKind::BadJson("expected an object".into()));
    };
    // From here on the record's own id is known: `--errors` names it.
    let given_id = match object.get("id") {
        Some(Value::String(id)) => Some(id.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let fail = |kind| {
        let error = IngestError::new(origin.clone(), kind);
        Some(Err(match &given_id {
            Some(id) => error.with_id(id.clone()),
            None => error,
        }))
    };
    let (text, markup) = match page_text(object) {
        Ok(found) => found,
        Err(kind) => return fail(kind),
    };
    let id = given_id.unwrap_or_else(|| format!("{path}:{line}"));
    let url = object
        .get("url")
        .and_then(Value::as_str)
        .map(str::to_string);
    Some(Ok((
        Page {
            id,
            origin,
            url,
            text,
            markup,
            lossy: replaced,
        },
        value,
    )))
}

/// A record's page text and markup: an `html` field makes an HTML page (its text extracted
/// here); otherwise `text` is the page.
fn page_text(
    object: &serde_json::Map<String, Value>,
) -> Result<(String, Option<std::sync::Arc<Markup>>), IngestErrorKind> {
    let html = match object.get("html") {
        Some(Value::String(html)) => Some(html.as_str()),
        _ => None,
    };
    let given_text = match object.get("text") {
        Some(Value::String(text)) => Some(text.clone()),
        _ => None,
    };
    Ok(match (html, given_text) {
        (Some(html), _) => match crate::html::extract(html.as_bytes(), Some("utf-8")) {
            // JSON strings are Unicode already, whatever a <meta> inside says.
            Ok(extracted) => (extracted.text, Some(std::sync::Arc::new(extracted.markup))),
            Err(e) => return Err(IngestErrorKind::Html(e.to_string())),
        },
        // A text that starts with a byte-order mark loses it; `start`/`end` still point into
        // the record's `text`, through a text-only map.
        (None, Some(text)) => {
            let source_len = text.len();
            let (text, _, map) = decode_utf8_mapped(text.into_bytes(), false)?;
            (
                text,
                map.map(|map| std::sync::Arc::new(Markup::text_only(map, source_len))),
            )
        }
        (None, None) => return Err(IngestErrorKind::MissingText),
    })
}

/// Parses one gold record (`ANNOTATION.md`): spans sorted, non-overlapping, on UTF-8 boundaries.
pub fn parse_gold_line(
    path: &str,
    line: usize,
    bytes: &[u8],
) -> Option<Result<GoldPage, IngestError>> {
    let (page, value) = match parse_object(path, line, bytes, false)? {
        Ok(parsed) => parsed,
        Err(e) => return Some(Err(e)),
    };
    // Gold spans point into `text`; on an HTML page they move onto the extracted text, which
    // must hold the same visible characters. If it does not, the page is trained on as text.
    let gold_text = value
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or(&page.text);
    let spans = match parse_spans(gold_text, value.get("spans")) {
        Ok(spans) => spans,
        Err(m) => {
            return Some(Err(IngestError::new(
                page.origin.clone(),
                IngestErrorKind::BadSpans(m),
            )))
        }
    };
    if page.markup.is_none() || gold_text == page.text {
        return Some(Ok(GoldPage::new(page, spans)));
    }
    if let Some(projected) = project_spans(gold_text, &spans, &page.text) {
        return Some(Ok(GoldPage::new(page, projected)));
    }
    // Gold from another segmenter: align the texts; most of the gold must find its place.
    Some(Ok(match align_spans(gold_text, &spans, &page.text, 0.8) {
        Some((aligned, unaligned)) => GoldPage {
            page,
            spans: aligned,
            unaligned,
        },
        None => GoldPage::new(
            Page {
                text: gold_text.to_string(),
                markup: None,
                ..page
            },
            spans,
        ),
    }))
}

/// Moves spans from one text onto another with the same non-whitespace characters in the same
/// order (only whitespace differs); `None` when the characters differ.
pub fn project_spans(
    from: &str,
    spans: &[(ByteRange, Label)],
    onto: &str,
) -> Option<Vec<(ByteRange, Label)>> {
    let (source, target) = (visible_chars(from), visible_chars(onto));
    if source.len() != target.len() || source.iter().zip(&target).any(|(a, b)| a.1 != b.1) {
        return None;
    }
    let mut out = Vec::with_capacity(spans.len());
    for &(range, label) in spans {
        let first = source.partition_point(|&(at, _)| at < range.start);
        let last = source.partition_point(|&(at, _)| at < range.end);
        if first == last {
            continue; // a whitespace-only span covers nothing that is scored
        }
        let (end_at, end_char) = target[last - 1];
        out.push((
            ByteRange::new(target[first].0, end_at + end_char.len_utf8()),
            label,
        ));
    }
    Some(out)
}

fn visible_chars(text: &str) -> Vec<(usize, char)> {
    text.char_indices()
        .filter(|(_, c)| !c.is_whitespace())
        .collect()
}

/// Aligned spans, and the gold bytes per label that found no place.
pub type Aligned = (Vec<(ByteRange, Label)>, [u64; Label::COUNT]);

/// Spans moved onto another text by aligning the two texts' non-whitespace characters (a diff),
/// for gold made by another segmenter whose visible text differs a little from ours (alt text,
/// hidden elements). Each run of aligned characters of one gold span becomes a span; characters
/// of `onto` that align with nothing stay unlabelled (never scored), and the gold bytes that
/// align with nothing are counted per label in the second value. `None` when less than
/// `min_share` of the gold's scored bytes align.
pub fn align_spans(
    from: &str,
    spans: &[(ByteRange, Label)],
    onto: &str,
    min_share: f64,
) -> Option<Aligned> {
    let (source, target) = (visible_chars(from), visible_chars(onto));
    let a: Vec<char> = source.iter().map(|c| c.1).collect();
    let b: Vec<char> = target.iter().map(|c| c.1).collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    let ops =
        similar::capture_diff_slices_deadline(similar::Algorithm::Myers, &a, &b, Some(deadline));
    // The gold span of each source character (spans are sorted).
    let mut span_of = vec![usize::MAX; source.len()];
    for (k, (range, _)) in spans.iter().enumerate() {
        let first = source.partition_point(|&(at, _)| at < range.start);
        let last = source.partition_point(|&(at, _)| at < range.end);
        span_of[first..last].fill(k);
    }
    let mut aligned = vec![false; source.len()];
    let mut out: Vec<(ByteRange, Label)> = Vec::new();
    let mut open: Option<(usize, usize, usize)> = None; // (span, start byte, end byte) in `onto`
    let close = |open: &mut Option<(usize, usize, usize)>, out: &mut Vec<(ByteRange, Label)>| {
        if let Some((k, start, end)) = open.take() {
            out.push((ByteRange::new(start, end), spans[k].1));
        }
    };
    for op in ops {
        if let similar::DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
        {
            for i in 0..len {
                let (si, ti) = (old_index + i, new_index + i);
                aligned[si] = true;
                let k = span_of[si];
                let (at, ch) = target[ti];
                match open {
                    Some((ok, _, ref mut end)) if ok == k && k != usize::MAX => {
                        *end = at + ch.len_utf8()
                    }
                    _ => {
                        close(&mut open, &mut out);
                        if k != usize::MAX {
                            open = Some((k, at, at + ch.len_utf8()));
                        }
                    }
                }
            }
        } else {
            close(&mut open, &mut out);
        }
    }
    close(&mut open, &mut out);
    let mut lost = [0u64; Label::COUNT];
    let (mut total, mut kept) = (0u64, 0u64);
    for (i, &(_, ch)) in source.iter().enumerate() {
        if span_of[i] == usize::MAX {
            continue;
        }
        let n = ch.len_utf8() as u64;
        total += n;
        if aligned[i] {
            kept += n;
        } else {
            lost[spans[span_of[i]].1.index()] += n;
        }
    }
    (total == 0 || kept as f64 >= min_share * total as f64).then_some((out, lost))
}

fn parse_spans(text: &str, spans: Option<&Value>) -> Result<Vec<(ByteRange, Label)>, String> {
    let list = spans
        .and_then(Value::as_array)
        .ok_or("no \"spans\" array")?;
    let mut out = Vec::with_capacity(list.len());
    let mut last_end = 0;
    for (i, span) in list.iter().enumerate() {
        let parts = span.as_array().filter(|p| p.len() == 3);
        let (start, end, label) = match parts.map(|p| (p[0].as_u64(), p[1].as_u64(), p[2].as_str()))
        {
            Some((Some(s), Some(e), Some(l))) => (s as usize, e as usize, l),
            _ => return Err(format!("span {i} is not [start, end, label]")),
        };
        let label: Label = label.parse().map_err(|m| format!("span {i}: {m}"))?;
        if start >= end || end > text.len() || start < last_end {
            return Err(format!(
                "span {i} [{start}, {end}) is empty, out of bounds or overlaps the previous one"
            ));
        }
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return Err(format!(
                "span {i} [{start}, {end}) is not on UTF-8 boundaries"
            ));
        }
        last_end = end;
        out.push((ByteRange::new(start, end), label));
    }
    Ok(out)
}

/// Reads a whole gold file; one `Err` per bad line (or one for an unreadable file).
pub fn read_gold_file(path: &str) -> Vec<Result<GoldPage, IngestError>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return vec![Err(io_error(path, &e))],
    };
    let mut reader = BufReader::new(file);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut line = 0;
    loop {
        match next_raw_line(&mut reader, &mut buf) {
            Ok(false) => break,
            Ok(true) => {
                line += 1;
                if line == 1 && super::text::utf16_json(&buf) {
                    let origin = Origin {
                        path: path.to_string(),
                        line: None,
                    };
                    out.push(Err(IngestError::new(origin, IngestErrorKind::Utf16Json)));
                    break;
                }
                if let Some(result) = parse_gold_line(path, line, &buf) {
                    out.push(result);
                }
            }
            Err(e) => {
                let mut err = io_error(path, &e);
                err.origin.line = Some(line + 1);
                out.push(Err(err));
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(input: &str) -> Vec<Result<Page, IngestError>> {
        JsonlPages::new("in.jsonl".into(), input.as_bytes(), ReadOptions::default()).collect()
    }

    #[test]
    fn reads_pages_and_reports_bad_lines_without_stopping() {
        let got =
            pages("{\"id\":\"a\",\"text\":\"Hi\"}\n\nnot json\n{\"id\":\"b\"}\n{\"text\":\"x\"}\n");
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].as_ref().unwrap().id, "a");
        let bad = got[1].as_ref().unwrap_err();
        assert_eq!(bad.origin.line, Some(3));
        assert!(matches!(bad.kind, IngestErrorKind::BadJson(_)));
        assert_eq!(
            got[2].as_ref().unwrap_err().kind,
            IngestErrorKind::MissingText
        );
        assert_eq!(got[3].as_ref().unwrap().id, "in.jsonl:5");
        assert_eq!(
            got[2].as_ref().unwrap_err().to_string(),
            "in.jsonl: line 4: no string field \"text\" or \"html\""
        );
    }

    #[test]
    fn utf16_json_lines_are_one_error_for_the_file() {
        let bytes =
            super::super::text::utf16_with_bom("{\"text\": \"a\"}\n{\"text\": \"b\"}\n", false);
        let got: Vec<_> =
            JsonlPages::new("u.jsonl".into(), &bytes[..], ReadOptions::default()).collect();
        assert_eq!(got.len(), 1, "one error, not one per line");
        let err = got[0].as_ref().unwrap_err();
        assert_eq!(err.kind, IngestErrorKind::Utf16Json);
        assert!(err.to_string().starts_with("u.jsonl: UTF-16 JSON; "));
        let got = super::super::json::read_json_pages("u.json", &bytes[..], ReadOptions::default());
        assert_eq!(
            got[0].as_ref().unwrap_err().kind,
            IngestErrorKind::Utf16Json
        );
        let dir = tempfile::tempdir().unwrap();
        let gold = dir.path().join("g.jsonl");
        std::fs::write(&gold, &bytes).unwrap();
        let got = read_gold_file(gold.to_str().unwrap());
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].as_ref().unwrap_err().kind,
            IngestErrorKind::Utf16Json
        );
        // Two stray bytes FF FE before UTF-8 JSON Lines cost only their line.
        let stray = b"\xFF\xFE{\"text\": \"a\"}\n{\"text\": \"Valid page.\"}\n";
        let lossy = ReadOptions {
            lossy: true,
            ..ReadOptions::default()
        };
        for options in [ReadOptions::default(), lossy] {
            let got: Vec<_> = JsonlPages::new("s.jsonl".into(), &stray[..], options).collect();
            assert_eq!(got.len(), 2);
            assert_eq!(got[1].as_ref().unwrap().text, "Valid page.");
        }
    }

    #[test]
    fn gold_from_another_segmenter_is_aligned_and_what_is_not_extracted_is_counted() {
        // The reference text has an alt-text block ("Logo") our extraction does not have, and
        // our text has a "Menu" line the gold never saw.
        let gold_text = "Logo\nKetamine blocks NMDA receptors.\nCall us today!";
        let spans = vec![
            (ByteRange::new(0, 4), Label::Boilerplate),
            (ByteRange::new(5, 36), Label::Education),
            (ByteRange::new(37, 51), Label::Promotion),
        ];
        let ours = "Menu\nKetamine blocks NMDA receptors.\nCall us today!";
        assert_eq!(project_spans(gold_text, &spans, ours), None);
        let (aligned, lost) = align_spans(gold_text, &spans, ours, 0.8).unwrap();
        let texts: Vec<(&str, Label)> = aligned.iter().map(|(r, l)| (r.slice(ours), *l)).collect();
        assert_eq!(
            texts,
            [
                ("Ketamine blocks NMDA receptors.", Label::Education),
                ("Call us today!", Label::Promotion)
            ]
        );
        assert_eq!(lost, [0, 0, 4], "\"Logo\" is boilerplate our text lacks");
        // Too little in common: no alignment.
        assert!(align_spans(gold_text, &spans, "Something else entirely", 0.8).is_none());
    }

    #[test]
    fn an_html_field_makes_an_html_page_and_gold_spans_move_onto_its_text() {
        let line = r#"{"id":"h","html":"<p>Read  this.</p><div>Call&nbsp;now</div>","text":"Read this.\n\nCall now","spans":[[0,10,"education"],[12,20,"promotion"]]}"#;
        let gold = parse_gold_line("g.jsonl", 1, line.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(gold.page.text, "Read this.\nCall now");
        assert!(gold.page.markup.is_some());
        let labelled: Vec<(&str, Label)> = gold
            .spans
            .iter()
            .map(|(r, l)| (r.slice(&gold.page.text), *l))
            .collect();
        assert_eq!(
            labelled,
            [
                ("Read this.", Label::Education),
                ("Call now", Label::Promotion)
            ]
        );
        // Text that differs from the HTML's visible text: trained on as a text page.
        let line = r#"{"id":"h","html":"<p>Other</p>","text":"Read","spans":[[0,4,"education"]]}"#;
        let gold = parse_gold_line("g.jsonl", 1, line.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!((gold.page.text.as_str(), gold.page.markup), ("Read", None));
    }

    #[test]
    fn gold_spans_are_validated() {
        let ok = parse_gold_line(
            "g",
            1,
            br#"{"id":"x","text":"ab cd","spans":[[0,2,"education"],[3,5,"promotion"]]}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(ok.spans[1], (ByteRange::new(3, 5), Label::Promotion));
        for bad in [
            r#"{"text":"ab cd","spans":[[0,9,"education"]]}"#,
            r#"{"text":"ab cd","spans":[[3,5,"education"],[0,2,"education"]]}"#,
            r#"{"text":"ab cd","spans":[[0,2,"advert"]]}"#,
            r#"{"text":"é","spans":[[0,1,"education"]]}"#,
            r#"{"text":"ab"}"#,
        ] {
            let err = parse_gold_line("g", 7, bad.as_bytes())
                .unwrap()
                .unwrap_err();
            assert!(
                matches!(err.kind, IngestErrorKind::BadSpans(_)),
                "{bad}: {err}"
            );
            assert_eq!(err.origin.line, Some(7));
        }
    }
}
