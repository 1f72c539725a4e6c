//! CSV output with the `csv` crate: one row per span,
//! `id,start,end,text_start,text_end,label,score,text` (offsets as in the JSON Lines output).

use super::SpanWriter;
use crate::types::LabelledPage;
use std::io::{self, Write};

pub struct CsvWriter<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(out: W) -> Self {
        let mut out = csv::Writer::from_writer(out);
        // The header goes first even if no page follows; an error surfaces at finish.
        let _ = out.write_record([
            "id",
            "start",
            "end",
            "text_start",
            "text_end",
            "label",
            "score",
            "text",
        ]);
        CsvWriter { out }
    }
}

impl<W: Write> SpanWriter for CsvWriter<W> {
    fn write_page(&mut self, page: &LabelledPage) -> io::Result<()> {
        for span in &page.spans {
            let input = span.input_range();
            self.out
                .write_record([
                    page.id.as_str(),
                    &input.start.to_string(),
                    &input.end.to_string(),
                    &span.range.start.to_string(),
                    &span.range.end.to_string(),
                    span.label.as_str(),
                    &format!("{:.4}", span.score),
                    &span.text,
                ])
                .map_err(io::Error::other)?;
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
