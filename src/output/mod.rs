//! Outputs: a [`SpanWriter`] writes labelled pages to any `Write`.

mod atomic;
mod csv;
mod jsonl;
mod paths;
mod report;
mod summary;

pub use self::atomic::{destination, partial_files, AtomicFile, Destination};
pub use self::csv::{csv_cell, CsvWriter};
pub use self::jsonl::JsonlWriter;
pub use self::paths::check_outputs;
pub use self::report::ReportWriter;
pub use self::summary::{host_of, SummaryWriter};

use crate::types::LabelledPage;
use std::io::{self, Write};

/// Writes labelled pages one at a time.
pub trait SpanWriter {
    fn write_page(&mut self, page: &LabelledPage) -> io::Result<()>;
    /// Flushes what is buffered.
    fn finish(&mut self) -> io::Result<()>;
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
