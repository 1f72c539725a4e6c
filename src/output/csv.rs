//! CSV output with the `csv` crate: one row per span,
//! `id,start,end,text_start,text_end,label,score,text` (offsets as in the JSON Lines output), and
//! a last `reasons` column with `--explain N`: `feature (+push); …`, strongest first.
//!
//! A spreadsheet reads a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return as a
//! formula (CSV injection), and web pages are written by strangers: by default such a text cell
//! gets a leading `'`, which spreadsheets take as "text" and do not show. `--csv-raw` turns
//! this off.

use super::SpanWriter;
use crate::types::LabelledPage;
use std::borrow::Cow;
use std::io::{self, Write};

/// A text cell as written: with a leading `'` if a spreadsheet would read it as a formula,
/// unless `raw`.
pub fn csv_cell(text: &str, raw: bool) -> Cow<'_, str> {
    if !raw && text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A `csv` crate error as an I/O error, keeping the kind of an I/O failure (a closed pipe must
/// stay a `BrokenPipe`).
pub(crate) fn csv_io_error(e: csv::Error) -> io::Error {
    match e.kind() {
        csv::ErrorKind::Io(io) => io::Error::new(io.kind(), e.to_string()),
        _ => io::Error::other(e),
    }
}

/// Writes one CSV row per span: `id,start,end,text_start,text_end,label,score,text` (and `reasons` with `--explain`).
pub struct CsvWriter<W: Write> {
    out: csv::Writer<W>,
    raw: bool,
    reasons: bool,
}

impl<W: Write> CsvWriter<W> {
    /// Text cells that look like formulas get a leading `'`.
    pub fn new(out: W) -> Self {
        Self::with_raw(out, false)
    }

    /// `raw`: write text cells exactly as they are (`--csv-raw`).
    pub fn with_raw(out: W, raw: bool) -> Self {
        Self::with_options(out, raw, false)
    }

    /// `reasons`: add a `reasons` column (`label --explain N --format csv`).
    pub fn with_options(out: W, raw: bool, reasons: bool) -> Self {
        let mut out = csv::Writer::from_writer(out);
        let mut header = vec![
            "id",
            "start",
            "end",
            "text_start",
            "text_end",
            "label",
            "score",
            "text",
        ];
        if reasons {
            header.push("reasons");
        }
        // The header goes first even if no page follows; an error surfaces at finish.
        let _ = out.write_record(&header);
        CsvWriter { out, raw, reasons }
    }
}

/// A span's reasons in one cell: `feature (+push); …`.
fn reasons_cell(reasons: &[crate::types::Reason]) -> String {
    let parts: Vec<String> = reasons
        .iter()
        .map(|r| format!("{} ({:+.2})", r.feature, r.push))
        .collect();
    parts.join("; ")
}

impl<W: Write> SpanWriter for CsvWriter<W> {
    fn write_page(&mut self, page: &LabelledPage) -> io::Result<()> {
        for span in &page.spans {
            let input = span.input_range();
            let mut record = vec![
                csv_cell(&page.id, self.raw),
                Cow::Owned(input.start.to_string()),
                Cow::Owned(input.end.to_string()),
                Cow::Owned(span.range.start.to_string()),
                Cow::Owned(span.range.end.to_string()),
                Cow::Borrowed(span.label.as_str()),
                Cow::Owned(format!("{:.4}", span.score)),
                csv_cell(&span.text, self.raw),
            ];
            if self.reasons {
                record.push(Cow::Owned(reasons_cell(&span.reasons)));
            }
            self.out
                .write_record(record.iter().map(|cell| cell.as_bytes()))
                .map_err(csv_io_error)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{span_writer, OutputFormat};
    use crate::types::{ByteRange, Label, Span};

    fn page() -> LabelledPage {
        LabelledPage {
            id: "p,1".into(),
            promotion_share: 1.0,
            spans: vec![Span {
                range: ByteRange::new(0, 9),
                source: None,
                label: Label::Promotion,
                score: 0.5,
                text: "Call \"us\"\nnow".into(),
                reasons: Vec::new(),
            }],
            ..LabelledPage::default()
        }
    }

    #[test]
    fn csv_quotes_fields_and_reads_back() {
        let mut buf = Vec::new();
        {
            let mut w = span_writer(OutputFormat::Csv, &mut buf);
            w.write_page(&page()).unwrap();
            w.finish().unwrap();
        }
        let mut reader = csv::Reader::from_reader(&buf[..]);
        assert_eq!(
            reader.headers().unwrap(),
            vec![
                "id",
                "start",
                "end",
                "text_start",
                "text_end",
                "label",
                "score",
                "text",
            ]
        );
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(
            row,
            vec![
                "p,1",
                "0",
                "9",
                "0",
                "9",
                "promotion",
                "0.5000",
                "Call \"us\"\nnow"
            ]
        );
    }

    #[test]
    fn cells_that_look_like_formulas_get_a_quote_unless_raw() {
        for (text, quoted) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("plain = text", "plain = text"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(text, false), quoted);
            assert_eq!(csv_cell(text, true), text);
        }
        let mut evil = page();
        evil.id = "=cmd|' /C calc'!A0".into();
        evil.spans[0].text = "@SUM(1+1)".into();
        let row = |raw: bool| {
            let mut buf = Vec::new();
            {
                let mut w = CsvWriter::with_raw(&mut buf, raw);
                w.write_page(&evil).unwrap();
                w.finish().unwrap();
            }
            let mut reader = csv::Reader::from_reader(&buf[..]);
            let row = reader.records().next().unwrap().unwrap();
            (row[0].to_string(), row[7].to_string())
        };
        assert_eq!(
            row(false),
            ("'=cmd|' /C calc'!A0".into(), "'@SUM(1+1)".into())
        );
        assert_eq!(row(true), ("=cmd|' /C calc'!A0".into(), "@SUM(1+1)".into()));
    }

    #[test]
    fn jsonl_has_one_object_per_page() {
        let mut buf = Vec::new();
        {
            let mut w = span_writer(OutputFormat::Jsonl, &mut buf);
            w.write_page(&page()).unwrap();
            w.write_page(&page()).unwrap();
            w.finish().unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["spans"][0]["start"], 0);
        assert_eq!(lines[0]["spans"][0]["end"], 9);
        assert_eq!(lines[0]["spans"][0]["label"], "promotion");
    }
}
