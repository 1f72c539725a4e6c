//! Plain-text outputs: each page's text (`label --emit-text`), its main text (`extract`), and
//! the inputs a run left out (`--errors`).

use crate::run::{Sink, Skipped};
use crate::types::{Label, LabelledPage, Page};
use std::io::{self, Write};

/// One `{"id", "url", "text"}` line.
fn write_text_line(out: &mut impl Write, page: &Page, text: &str) -> io::Result<()> {
    let record = serde_json::json!({"id": page.id, "url": page.url, "text": text});
    writeln!(out, "{record}")
}

/// Writes each page's text as JSON Lines `{"id", "url", "text"}`: for HTML, the extracted text,
/// one block per line (what a span's `text_start`/`text_end` point into).
pub struct PageTextWriter<W: Write>(pub W);

impl<W: Write> Sink for PageTextWriter<W> {
    fn page(&mut self, page: &Page, _labelled: &LabelledPage) -> io::Result<()> {
        write_text_line(&mut self.0, page, &page.text)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// How [`MainTextWriter`] writes each page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MainTextFormat {
    /// `{"id", "url", "text"}` per line.
    Jsonl,
    /// The text, then a blank line.
    Text,
}

/// Writes each page's main text (`extract`): its education spans, and its promotion spans too
/// when `with_promotion`, one span per line.
pub struct MainTextWriter<W: Write> {
    out: W,
    format: MainTextFormat,
    with_promotion: bool,
}

impl<W: Write> MainTextWriter<W> {
    /// A writer of `format` into `out`.
    pub fn new(out: W, format: MainTextFormat, with_promotion: bool) -> Self {
        MainTextWriter {
            out,
            format,
            with_promotion,
        }
    }
}

impl<W: Write> Sink for MainTextWriter<W> {
    fn page(&mut self, page: &Page, labelled: &LabelledPage) -> io::Result<()> {
        let with_promotion = self.with_promotion;
        let text = crate::main_text(labelled, |label| {
            label == Label::Education || (with_promotion && label == Label::Promotion)
        });
        match self.format {
            MainTextFormat::Jsonl => write_text_line(&mut self.out, page, &text),
            MainTextFormat::Text => writeln!(self.out, "{text}\n"),
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Writes every input a run left out as a JSON line `{"file", "line", "id", "reason"}`
/// (`--errors`).
pub struct SkippedWriter<W: Write>(pub W);

impl<W: Write> Sink for SkippedWriter<W> {
    fn page(&mut self, _page: &Page, _labelled: &LabelledPage) -> io::Result<()> {
        Ok(())
    }

    fn skipped(&mut self, s: &Skipped<'_>) -> io::Result<()> {
        let record =
            serde_json::json!({"file": s.file, "line": s.line, "id": s.id, "reason": s.reason});
        writeln!(self.0, "{record}")
    }

    fn finish(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}
