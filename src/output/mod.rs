//! Outputs: each is a [`Sink`] a run hands labelled pages to. The span
//! outputs (JSON Lines, CSV, the summary CSV) are [`SpanWriter`]s, which need only the labels.

mod atomic;
mod csv;
mod jsonl;
mod paths;
mod report;
mod summary;
mod text;

pub use self::atomic::{destination, partial_files, AtomicFile, Destination};
pub use self::csv::{csv_cell, CsvWriter};
pub use self::jsonl::JsonlWriter;
pub use self::paths::check_outputs;
pub use self::report::ReportWriter;
pub use self::summary::{host_of, SummaryWriter};
pub use self::text::{MainTextFormat, MainTextWriter, PageTextWriter, SkippedWriter};

use crate::run::Sink;
use crate::types::{LabelledPage, Page};
use std::io::{self, Write};

/// Writes labelled pages one at a time.
pub trait SpanWriter {
    /// Writes one page's spans.
    fn write_page(&mut self, page: &LabelledPage) -> io::Result<()>;
    /// Flushes what is buffered.
    fn finish(&mut self) -> io::Result<()>;
}

/// A span writer is a sink that needs only the labels.
impl<'a> Sink for dyn SpanWriter + 'a {
    fn page(&mut self, _page: &Page, labelled: &LabelledPage) -> io::Result<()> {
        self.write_page(labelled)
    }

    fn finish(&mut self) -> io::Result<()> {
        SpanWriter::finish(self)
    }
}

impl<W: Write> Sink for SummaryWriter<W> {
    fn page(&mut self, _page: &Page, labelled: &LabelledPage) -> io::Result<()> {
        self.write_page(labelled)
    }

    fn finish(&mut self) -> io::Result<()> {
        SpanWriter::finish(self)
    }
}

/// The output formats of `label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// One JSON object per page.
    Jsonl,
    /// One row per span: `id,start,end,text_start,text_end,label,score,text`.
    Csv,
}

/// A writer for `format` over `out` (CSV cells that look like formulas get a leading `'`).
pub fn span_writer<'a, W: Write + 'a>(format: OutputFormat, out: W) -> Box<dyn SpanWriter + 'a> {
    span_writer_with(format, out, false, false)
}

/// [`span_writer`]; `csv_raw` writes CSV text cells exactly as they are (`--csv-raw`);
/// `csv_reasons` adds the CSV `reasons` column (JSON Lines carries reasons whenever spans have them).
pub fn span_writer_with<'a, W: Write + 'a>(
    format: OutputFormat,
    out: W,
    csv_raw: bool,
    csv_reasons: bool,
) -> Box<dyn SpanWriter + 'a> {
    match format {
        OutputFormat::Jsonl => Box::new(JsonlWriter::new(out)),
        OutputFormat::Csv => Box::new(CsvWriter::with_options(out, csv_raw, csv_reasons)),
    }
}
