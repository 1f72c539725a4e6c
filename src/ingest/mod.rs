//! Ingest: files, directories, JSON Lines and stdin → a stream of `Result<Page, IngestError>`.
//!
//! A bad record is an `Err` in the stream, naming its file and line; the records after it still come.

mod content_pages;
mod html;
mod jsonl;
mod text;
mod warc;

pub use content_pages::read_content_pages;
pub use jsonl::{parse_gold_line, parse_page_line, read_gold_file};

use crate::error::{IngestError, IngestErrorKind};
use crate::types::{Origin, Page};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// How an input is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// The whole file is one plain-text page.
    Text,
    /// One JSON object per line with a `text` or `html` field (the gold format is accepted too).
    Jsonl,
    /// The whole file is one HTML page.
    Html,
    /// A WARC file (gzip-compressed or not): its HTML `response` records.
    Warc,
}

impl InputFormat {
    /// The format a file name implies: `.jsonl`/`.ndjson`, `.html`/`.htm`, `.warc`/`.warc.gz`;
    /// anything else is text.
    pub fn from_path(path: &Path) -> InputFormat {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let ends = |suffixes: &[&str]| suffixes.iter().any(|s| name.ends_with(s));
        if ends(&[".jsonl", ".ndjson"]) {
            InputFormat::Jsonl
        } else if ends(&[".html", ".htm", ".xhtml"]) {
            InputFormat::Html
        } else if ends(&[".warc", ".warc.gz"]) {
            InputFormat::Warc
        } else {
            InputFormat::Text
        }
    }
}

/// File endings picked up when walking a directory.
const DIRECTORY_EXTENSIONS: &[&str] = &[
    "txt", "text", "md", "jsonl", "ndjson", "html", "htm", "xhtml", "warc", "gz",
];

/// Reads every input (files, directories walked recursively in sorted order, `-` for stdin).
/// `forced` overrides the format the extension implies.
pub fn read_inputs(
    inputs: &[String],
    forced: Option<InputFormat>,
) -> impl Iterator<Item = Result<Page, IngestError>> + '_ {
    inputs
        .iter()
        .flat_map(move |input| expand_input(input).into_iter())
        .flat_map(
            move |entry| -> Box<dyn Iterator<Item = Result<Page, IngestError>>> {
                match entry {
                    Err(e) => Box::new(std::iter::once(Err(e))),
                    Ok(path) => {
                        let format =
                            forced.unwrap_or_else(|| InputFormat::from_path(Path::new(&path)));
                        read_one(path, format)
                    }
                }
            },
        )
}

/// The files an input names: itself, or for a directory every file below it with a known ending.
fn expand_input(input: &str) -> Vec<Result<String, IngestError>> {
    let path = Path::new(input);
    if input == "-" || !path.is_dir() {
        return vec![Ok(input.to_string())];
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    walk(path, &mut files, &mut errors);
    files.sort();
    let mut out: Vec<Result<String, IngestError>> = errors.into_iter().map(Err).collect();
    out.extend(
        files
            .into_iter()
            .map(|p| Ok(p.to_string_lossy().into_owned())),
    );
    out
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<IngestError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(io_error(&dir.to_string_lossy(), &e));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files, errors);
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            DIRECTORY_EXTENSIONS
                .iter()
                .any(|k| e.eq_ignore_ascii_case(k))
        }) && (InputFormat::from_path(&path) == InputFormat::Warc
            || !path.to_string_lossy().to_ascii_lowercase().ends_with(".gz"))
        {
            files.push(path);
        }
    }
}

fn read_one(
    path: String,
    format: InputFormat,
) -> Box<dyn Iterator<Item = Result<Page, IngestError>>> {
    let reader: Box<dyn Read> = if path == "-" {
        Box::new(io::stdin())
    } else {
        match File::open(&path) {
            Ok(f) => Box::new(f),
            Err(e) => return Box::new(std::iter::once(Err(io_error(&path, &e)))),
        }
    };
    match format {
        InputFormat::Text => Box::new(std::iter::once(text::read_text_page(&path, reader))),
        InputFormat::Jsonl => Box::new(jsonl::JsonlPages::new(path, BufReader::new(reader))),
        InputFormat::Html => Box::new(std::iter::once(html::read_html_page(&path, reader))),
        InputFormat::Warc => Box::new(warc::WarcPages::new(path, reader)),
    }
}

pub(crate) fn io_error(path: &str, e: &io::Error) -> IngestError {
    IngestError::new(
        Origin {
            path: path.to_string(),
            line: None,
        },
        IngestErrorKind::Io(e.to_string()),
    )
}

/// Reads lines as raw bytes (a bad line must not end the file), yielding 1-based numbers.
pub(crate) fn next_raw_line<R: BufRead>(reader: &mut R, buf: &mut Vec<u8>) -> io::Result<bool> {
    buf.clear();
    Ok(reader.read_until(b'\n', buf)? > 0)
}
