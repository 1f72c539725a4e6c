//! JSON Lines output: `{"id", "promotion_share", "spans": [{"start", "end", "label", "score", "text"}]}`.

use super::SpanWriter;
use crate::types::LabelledPage;
use std::io::{self, BufWriter, Write};

/// Writes one JSON object per page: `{"id", "promotion_share", "spans": [...]}`.
pub struct JsonlWriter<W: Write> {
    out: BufWriter<W>,
}

impl<W: Write> JsonlWriter<W> {
    /// A writer into `out` (buffered).
    pub fn new(out: W) -> Self {
        JsonlWriter {
            out: BufWriter::new(out),
        }
    }
}

impl<W: Write> SpanWriter for JsonlWriter<W> {
    fn write_page(&mut self, page: &LabelledPage) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, page)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
