//! Exchange with annotation tools: doccano JSONL, Label Studio JSON and spaCy/Prodigy JSONL, to
//! and from pagesift's gold format (`ANNOTATION.md`: UTF-8 byte offsets). Each tool counts offsets
//! in its own unit ([`offsets`]); a span that does not fall on character boundaries, overlaps
//! another or names an unknown label is an error naming the file and record.

pub mod offsets;

use crate::error::{IngestError, IngestErrorKind};
use crate::types::{ByteRange, GoldPage, Label, Origin, Page};
use offsets::{OffsetIndex, OffsetUnit};
use serde_json::{json, Value};
use std::io::{self, Write};

/// An annotation tool's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolFormat {
    /// doccano sequence labelling, JSON Lines: `{"text", "label": [[start, end, label]]}`
    /// (also read: `labels`, and `entities` as `{start_offset, end_offset, label}`); code points.
    Doccano,
    /// Label Studio tasks, one JSON array: `data.text` and `annotations[].result[]` of type
    /// `labels` with `value: {start, end, text, labels}`; UTF-16 code units (JavaScript strings).
    LabelStudio,
    /// spaCy / Prodigy JSON Lines: `{"text", "spans": [{start, end, label}], "meta": {id}}`;
    /// code points (Python strings).
    Spacy,
}

impl ToolFormat {
    fn unit(self) -> OffsetUnit {
        match self {
            ToolFormat::LabelStudio => OffsetUnit::Utf16Units,
            ToolFormat::Doccano | ToolFormat::Spacy => OffsetUnit::CodePoints,
        }
    }
}

/// Writes pages with their spans in a tool's format.
pub fn export(pages: &[GoldPage], format: ToolFormat, out: &mut impl Write) -> io::Result<()> {
    let records = pages.iter().map(|g| export_record(g, format));
    match format {
        ToolFormat::LabelStudio => {
            let all: Vec<Value> = records.collect();
            serde_json::to_writer_pretty(&mut *out, &all)?;
            writeln!(out)
        }
        ToolFormat::Doccano | ToolFormat::Spacy => {
            for record in records {
                writeln!(out, "{record}")?;
            }
            Ok(())
        }
    }
}

fn export_record(gold: &GoldPage, format: ToolFormat) -> Value {
    let text = &gold.page.text;
    let index = OffsetIndex::new(text);
    let unit = format.unit();
    let at = |byte: usize| {
        index
            .convert(byte, OffsetUnit::Utf8Bytes, unit)
            .expect("gold spans are on UTF-8 boundaries")
    };
    let spans = gold
        .spans
        .iter()
        .map(|&(range, label)| (at(range.start), at(range.end), range, label));
    match format {
        ToolFormat::Doccano => json!({
            "id": gold.page.id,
            "url": gold.page.url,
            "text": text,
            "label": spans.map(|(s, e, _, l)| json!([s, e, l.as_str()])).collect::<Vec<_>>(),
        }),
        ToolFormat::Spacy => json!({
            "text": text,
            "spans": spans
                .map(|(s, e, _, l)| json!({"start": s, "end": e, "label": l.as_str()}))
                .collect::<Vec<_>>(),
            "meta": {"id": gold.page.id, "url": gold.page.url},
        }),
        ToolFormat::LabelStudio => json!({
            "data": {"text": text, "page_id": gold.page.id, "url": gold.page.url},
            "annotations": [{
                "result": spans.enumerate().map(|(i, (s, e, range, l))| json!({
                    "id": format!("span-{i}"),
                    "from_name": "label",
                    "to_name": "text",
                    "type": "labels",
                    "value": {"start": s, "end": e, "text": range.slice(text), "labels": [l.as_str()]},
                })).collect::<Vec<_>>(),
            }],
        }),
    }
}

/// Reads a tool's file into gold pages (byte offsets); each bad record is an error.
pub fn import(path: &str, content: &str, format: ToolFormat) -> Vec<Result<GoldPage, IngestError>> {
    let origin = |line: Option<usize>| Origin {
        path: path.to_string(),
        line,
    };
    let fail = |line, message: String| {
        Err(IngestError::new(
            origin(line),
            IngestErrorKind::BadSpans(message),
        ))
    };
    let records: Vec<(Option<usize>, Result<Value, String>)> = match format {
        ToolFormat::LabelStudio => match serde_json::from_str::<Value>(content) {
            Ok(Value::Array(tasks)) => tasks
                .into_iter()
                .enumerate()
                // Label Studio has no lines: "line" is the task's 1-based place in the array.
                .map(|(i, t)| (Some(i + 1), Ok(t)))
                .collect(),
            Ok(_) => vec![(None, Err("expected a JSON array of tasks".into()))],
            Err(e) => vec![(None, Err(format!("not valid JSON: {e}")))],
        },
        ToolFormat::Doccano | ToolFormat::Spacy => content
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                (
                    Some(i + 1),
                    serde_json::from_str(l).map_err(|e| format!("not valid JSON: {e}")),
                )
            })
            .collect(),
    };
    records
        .into_iter()
        .map(|(line, record)| {
            let record = match record {
                Ok(r) => r,
                Err(m) => return fail(line, m),
            };
            match read_record(&record, format) {
                Ok(mut gold) => {
                    if gold.page.id.is_empty() {
                        gold.page.id = format!("{path}:{}", line.unwrap_or(0));
                    }
                    gold.page.origin = origin(line);
                    Ok(gold)
                }
                Err(m) => fail(line, m),
            }
        })
        .collect()
}

/// One record → a gold page with byte offsets.
fn read_record(record: &Value, format: ToolFormat) -> Result<GoldPage, String> {
    let (text, id, url, raw_spans) = match format {
        ToolFormat::Doccano => doccano_record(record)?,
        ToolFormat::Spacy => spacy_record(record)?,
        ToolFormat::LabelStudio => label_studio_record(record)?,
    };
    let text = text.ok_or("no string field \"text\"")?;
    let spans = byte_spans(&text, raw_spans, format.unit())?;
    Ok(GoldPage {
        page: Page {
            id,
            url,
            text,
            ..Page::default()
        },
        spans,
        unaligned: Default::default(),
    })
}

/// A record as its tool wrote it: text, id, URL and spans in the tool's offsets.
type RawRecord = (Option<String>, String, Option<String>, Vec<RawSpan>);

fn str_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

/// A string or numeric id, or the empty string.
fn id_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn doccano_record(record: &Value) -> Result<RawRecord, String> {
    let spans = if let Some(list) = record.get("label").or_else(|| record.get("labels")) {
        triples(list)?
    } else if let Some(list) = record.get("entities") {
        objects(list, "start_offset", "end_offset", "label")?
    } else {
        Vec::new()
    };
    Ok((
        str_of(record.get("text")),
        id_of(record.get("id")),
        str_of(record.get("url")),
        spans,
    ))
}

fn spacy_record(record: &Value) -> Result<RawRecord, String> {
    let meta = record.get("meta");
    let spans = match record.get("spans") {
        Some(list) => objects(list, "start", "end", "label")?,
        None => Vec::new(),
    };
    let id = id_of(meta.and_then(|m| m.get("id")).or_else(|| record.get("id")));
    Ok((
        str_of(record.get("text")),
        id,
        str_of(meta.and_then(|m| m.get("url"))),
        spans,
    ))
}

fn label_studio_record(record: &Value) -> Result<RawRecord, String> {
    let data = record.get("data").ok_or("task without \"data\"")?;
    // Human annotations first; a task with none falls back to its predictions.
    let pick = |key: &str| {
        record
            .get(key)
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|a| a.get("result"))
            .and_then(Value::as_array)
            .cloned()
    };
    let results = pick("annotations")
        .or_else(|| pick("predictions"))
        .unwrap_or_default();
    let mut spans = Vec::new();
    for result in results
        .iter()
        .filter(|r| r.get("type").and_then(Value::as_str) == Some("labels"))
    {
        let value = result.get("value").ok_or("result without \"value\"")?;
        let number = |k: &str| value.get(k).and_then(Value::as_u64).map(|n| n as usize);
        let label = value
            .get("labels")
            .and_then(Value::as_array)
            .and_then(|l| l.first())
            .and_then(Value::as_str)
            .ok_or("result without a label")?;
        let (Some(start), Some(end)) = (number("start"), number("end")) else {
            return Err("result without numeric start/end".into());
        };
        spans.push((start, end, label.to_string(), str_of(value.get("text"))));
    }
    let id = id_of(data.get("page_id").or_else(|| record.get("id")));
    Ok((str_of(data.get("text")), id, str_of(data.get("url")), spans))
}

/// A tool's spans as sorted, non-overlapping byte ranges of `text`.
fn byte_spans(
    text: &str,
    raw_spans: Vec<RawSpan>,
    unit: OffsetUnit,
) -> Result<Vec<(ByteRange, Label)>, String> {
    let index = OffsetIndex::new(text);
    let mut spans = Vec::with_capacity(raw_spans.len());
    for (start, end, label, quoted) in raw_spans {
        let label: Label = label.to_ascii_lowercase().parse()?;
        let to_byte = |o: usize| {
            index
                .convert(o, unit, OffsetUnit::Utf8Bytes)
                .ok_or_else(|| {
                    format!("offset {o} is outside the text or inside a character ({unit:?})")
                })
        };
        let range = ByteRange::new(to_byte(start)?, to_byte(end)?);
        if range.start >= range.end {
            return Err(format!("empty span [{start}, {end})"));
        }
        // Label Studio repeats the span's text: a mismatch means the offsets were miscounted.
        if let Some(quoted) = quoted {
            if quoted != range.slice(text) {
                return Err(format!(
                    "span [{start}, {end}) says {quoted:?} but the text there is {:?}",
                    range.slice(text)
                ));
            }
        }
        spans.push((range, label));
    }
    spans.sort_by_key(|(r, _)| r.start);
    if let Some(w) = spans.windows(2).find(|w| w[1].0.start < w[0].0.end) {
        return Err(format!(
            "spans at bytes {} and {} overlap",
            w[0].0.start, w[1].0.start
        ));
    }
    Ok(spans)
}

type RawSpan = (usize, usize, String, Option<String>);

/// `[[start, end, label], …]`
fn triples(list: &Value) -> Result<Vec<RawSpan>, String> {
    list.as_array()
        .ok_or("labels are not a list")?
        .iter()
        .map(|t| match t.as_array().map(Vec::as_slice) {
            Some([s, e, l]) => match (s.as_u64(), e.as_u64(), l.as_str()) {
                (Some(s), Some(e), Some(l)) => Ok((s as usize, e as usize, l.to_string(), None)),
                _ => Err(format!("span {t} is not [start, end, label]")),
            },
            _ => Err(format!("span {t} is not [start, end, label]")),
        })
        .collect()
}

/// `[{start, end, label}, …]` with the given key names.
fn objects(list: &Value, start: &str, end: &str, label: &str) -> Result<Vec<RawSpan>, String> {
    list.as_array()
        .ok_or("spans are not a list")?
        .iter()
        .map(|o| {
            let n = |k: &str| o.get(k).and_then(Value::as_u64).map(|n| n as usize);
            match (n(start), n(end), o.get(label).and_then(Value::as_str)) {
                (Some(s), Some(e), Some(l)) => Ok((s, e, l.to_string(), None)),
                _ => Err(format!("span {o} has no {start}/{end}/{label}")),
            }
        })
        .collect()
}

/// Writes gold pages as `ANNOTATION.md` JSON Lines (byte offsets).
pub fn write_gold(pages: &[GoldPage], out: &mut impl Write) -> io::Result<()> {
    for gold in pages {
        let record = json!({
            "id": gold.page.id,
            "url": gold.page.url,
            "text": gold.page.text,
            "spans": gold.spans.iter().map(|(r, l)| json!([r.start, r.end, l.as_str()])).collect::<Vec<_>>(),
        });
        writeln!(out, "{record}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gold() -> GoldPage {
        let text = "Caf\u{e9} 😀 facts\r\n咖啡因 blocks adenosine.\r\nCall us 📞 now!";
        let span = |s: &str, label| {
            let start = text.find(s).unwrap();
            (ByteRange::new(start, start + s.len()), label)
        };
        GoldPage {
            page: Page {
                id: "p1".into(),
                url: Some("https://x.example/a".into()),
                text: text.into(),
                ..Page::default()
            },
            spans: vec![
                span("Caf\u{e9} 😀 facts", Label::Boilerplate),
                span("咖啡因 blocks adenosine.", Label::Education),
                span("Call us 📞 now!", Label::Promotion),
            ],
            unaligned: Default::default(),
        }
    }

    #[test]
    fn every_format_round_trips_emoji_cjk_and_crlf() {
        for format in [
            ToolFormat::Doccano,
            ToolFormat::LabelStudio,
            ToolFormat::Spacy,
        ] {
            let mut out = Vec::new();
            export(&[gold()], format, &mut out).unwrap();
            let back = import("x", std::str::from_utf8(&out).unwrap(), format);
            let back = back.into_iter().next().unwrap().unwrap();
            assert_eq!(back.spans, gold().spans, "{format:?}");
            assert_eq!(back.page.text, gold().page.text);
            assert_eq!(back.page.id, "p1");
            assert_eq!(back.page.url, gold().page.url);
        }
    }

    #[test]
    fn offsets_are_written_in_each_tools_unit() {
        let mut out = Vec::new();
        export(&[gold()], ToolFormat::Doccano, &mut out).unwrap();
        let record: Value = serde_json::from_slice(&out).unwrap();
        // "Café 😀 facts" is 12 code points; in bytes it would be 16, in UTF-16 13.
        assert_eq!(record["label"][0], json!([0, 12, "boilerplate"]));
        let mut out = Vec::new();
        export(&[gold()], ToolFormat::LabelStudio, &mut out).unwrap();
        let tasks: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(tasks[0]["annotations"][0]["result"][0]["value"]["end"], 13);
    }

    #[test]
    fn bad_records_are_errors_naming_the_record() {
        let text = r#"{"text": "a😀b", "label": [[1, 2, "education"]]}
{"text": "abc", "label": [[0, 2, "sales"]]}
{"text": "abc", "label": [[0, 2, "education"], [1, 3, "promotion"]]}
not json"#;
        let results = import("d.jsonl", text, ToolFormat::Doccano);
        assert!(
            results[0].is_ok(),
            "a code-point offset after an emoji is fine"
        );
        let messages: Vec<String> = results[1..]
            .iter()
            .map(|r| r.as_ref().unwrap_err().to_string())
            .collect();
        assert!(messages[0].starts_with("d.jsonl: line 2:"), "{messages:?}");
        assert!(messages[1].contains("overlap"), "{messages:?}");
        assert!(messages[2].contains("not valid JSON"), "{messages:?}");
        // Label Studio's quoted text catches offsets counted in the wrong unit.
        let task = r#"[{"data": {"text": "😀 hi"}, "annotations": [{"result": [{"type": "labels", "value": {"start": 2, "end": 4, "text": "hi", "labels": ["education"]}}]}]}]"#;
        assert!(import("t.json", task, ToolFormat::LabelStudio)[0].is_err());
        let task = task.replace("\"start\": 2, \"end\": 4", "\"start\": 3, \"end\": 5");
        assert!(import("t.json", &task, ToolFormat::LabelStudio)[0].is_ok());
    }
}
