//! Per-page summary CSV: the ranking signal a search tool needs, one row per page.
//! `id,url,host,bytes,education_share,promotion_share,boilerplate_share,promotion_spans,max_promotion_score`

use super::csv::{csv_cell, csv_io_error};
use super::SpanWriter;
use crate::types::{non_whitespace_bytes, Label, LabelledPage};
use std::io::{self, Write};

/// Writes one CSV row per page: its label shares, promotion spans and highest promotion score.
pub struct SummaryWriter<W: Write> {
    out: csv::Writer<W>,
    raw: bool,
}

impl<W: Write> SummaryWriter<W> {
    /// Text cells (id, url, host) that look like formulas get a leading `'` (see
    /// [`csv_cell`](super::csv::csv_cell)).
    pub fn new(out: W) -> Self {
        Self::with_raw(out, false)
    }

    /// `raw`: write text cells exactly as they are (`--csv-raw`).
    pub fn with_raw(out: W, raw: bool) -> Self {
        let mut out = csv::Writer::from_writer(out);
        // The header goes first even if no page follows; an error surfaces at finish.
        let _ = out.write_record([
            "id",
            "url",
            "host",
            "bytes",
            "education_share",
            "promotion_share",
            "boilerplate_share",
            "promotion_spans",
            "max_promotion_score",
        ]);
        SummaryWriter { out, raw }
    }

    /// Flushes and hands back the underlying writer.
    pub fn into_inner(self) -> io::Result<W> {
        self.out.into_inner().map_err(|e| {
            let kind = e.error().kind();
            io::Error::new(kind, e.to_string())
        })
    }
}

impl<W: Write> SpanWriter for SummaryWriter<W> {
    fn write_page(&mut self, page: &LabelledPage) -> io::Result<()> {
        let mut bytes = [0usize; Label::COUNT];
        let mut promotion_spans = 0;
        let mut max_promotion = 0f32;
        for span in &page.spans {
            bytes[span.label.index()] += non_whitespace_bytes(&span.text);
            if span.label == Label::Promotion {
                promotion_spans += 1;
                max_promotion = max_promotion.max(span.score);
            }
        }
        let total: usize = bytes.iter().sum();
        let share = |k: usize| {
            format!(
                "{:.4}",
                if total == 0 {
                    0.0
                } else {
                    bytes[k] as f64 / total as f64
                }
            )
        };
        let url = page.url.as_deref().unwrap_or("");
        self.out
            .write_record([
                csv_cell(&page.id, self.raw).as_ref(),
                csv_cell(url, self.raw).as_ref(),
                csv_cell(host_of(url).unwrap_or(""), self.raw).as_ref(),
                &page.text_bytes.to_string(),
                &share(0),
                &share(1),
                &share(2),
                &promotion_spans.to_string(),
                &format!("{max_promotion:.4}"),
            ])
            .map_err(csv_io_error)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The host of an absolute URL, lower-cased, without `www.`, user info or port.
pub fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map(|(_, r)| r)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = if host.starts_with('[') {
        host.split_inclusive(']').next()?
    } else {
        host.split(':').next()?
    };
    let host = host.strip_prefix("www.").unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ByteRange, Span};

    #[test]
    fn hosts_come_from_absolute_urls() {
        assert_eq!(
            host_of("https://www.clinic.example/ketamine?x=1"),
            Some("clinic.example")
        );
        assert_eq!(
            host_of("http://user@news.example:8080/a"),
            Some("news.example")
        );
        assert_eq!(host_of("http://[::1]:80/"), Some("[::1]"));
        assert_eq!(host_of("not a url"), None);
        assert_eq!(host_of(""), None);
    }

    #[test]
    fn one_row_per_page_with_label_shares() {
        let span = |s, e, label, score, text: &str| Span {
            range: ByteRange::new(s, e),
            source: None,
            label,
            score,
            text: text.into(),
            reasons: Vec::new(),
        };
        let page = LabelledPage {
            id: "p".into(),
            url: Some("https://clinic.example/x".into()),
            promotion_share: 0.5,
            spans: vec![
                span(0, 4, Label::Education, 0.9, "abcd"),
                span(5, 7, Label::Promotion, 0.6, "ef"),
                span(8, 10, Label::Promotion, 0.8, "gh"),
            ],
            text_bytes: 10,
            lossy: false,
        };
        let mut buf = Vec::new();
        {
            let mut w = SummaryWriter::new(&mut buf);
            w.write_page(&page).unwrap();
            w.finish().unwrap();
        }
        let mut reader = csv::Reader::from_reader(&buf[..]);
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(
            row,
            vec![
                "p",
                "https://clinic.example/x",
                "clinic.example",
                "10",
                "0.5000",
                "0.5000",
                "0.0000",
                "2",
                "0.8000"
            ]
        );
    }
}
