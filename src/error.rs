//! Errors, each naming the place it happened.

use crate::types::Origin;
use thiserror::Error;

/// One input record that could not be read. Never stops a batch: the caller reports it and goes on.
#[derive(Debug, Clone, Error, PartialEq)]
#[error("{origin}: {kind}")]
pub struct IngestError {
    /// Where the record was.
    pub origin: Origin,
    /// What was wrong with it.
    pub kind: IngestErrorKind,
    /// The page's id, when it was known before the error (an HTML page that does not parse, a
    /// WARC record whose payload is bad): `--errors` writes it.
    pub id: Option<String>,
}

impl IngestError {
    /// An error at `origin` with no id known.
    pub fn new(origin: Origin, kind: IngestErrorKind) -> Self {
        IngestError {
            origin,
            kind,
            id: None,
        }
    }

    /// The same error, naming the page's id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

/// What was wrong with an input record.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum IngestErrorKind {
    /// The input could not be read (the operating system's message).
    #[error("cannot read: {0}")]
    Io(String),
    /// The bytes are not UTF-8 (and `--lossy` was not given).
    #[error("not valid UTF-8 (first bad byte at offset {0})")]
    NotUtf8(usize),
    /// Text that opens with a UTF-16 byte-order mark holds an unpaired surrogate or ends on an
    /// odd byte (and `--lossy` was not given).
    #[error("not valid UTF-16 (first bad byte at offset {0})")]
    NotUtf16(usize),
    /// JSON or JSON Lines in UTF-16 (a byte-order mark says so): JSON is read as UTF-8 only.
    #[error("UTF-16 JSON; JSON and JSON Lines are read as UTF-8 (convert it, e.g. iconv -f UTF-16 -t UTF-8)")]
    Utf16Json,
    /// The page has no text.
    #[error("empty page (no text)")]
    Empty,
    /// The JSON Lines record is not a JSON object (the parser's message).
    #[error("not valid JSON: {0}")]
    BadJson(String),
    /// A JSON Lines record without a string `text` or `html`.
    #[error("no string field \"text\" or \"html\"")]
    MissingText,
    /// A record of a JSON file's array that could not be read.
    #[error("JSON record {record}: {message}")]
    JsonRecord {
        /// The record's place in the array, from 1.
        record: usize,
        /// What was wrong.
        message: String,
    },
    #[error("WARC record {record}: {message}")]
    /// A WARC record that could not be read.
    Warc {
        /// The record's number in its file, from 1.
        record: usize,
        /// What was wrong.
        message: String,
    },
    #[error("larger than the limit of {limit} bytes (--max-page-bytes)")]
    /// A page over `--max-page-bytes`.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The HTML could not be parsed, or has no visible text.
    #[error("cannot read HTML: {0}")]
    Html(String),
    /// Gold spans out of order, overlapping, off the text or not on character boundaries.
    #[error("bad gold spans: {0}")]
    BadSpans(String),
    /// A symbolic link inside a directory input, not followed without `--follow`.
    #[error("symbolic link not followed (--follow follows links)")]
    LinkNotFollowed,
}

/// A model that cannot be trained, saved or loaded.
#[derive(Debug, Error)]
pub enum ModelError {
    #[error("{path}: {message}")]
    /// A model file could not be read or written.
    Io {
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    #[error("{path}: not a pagesift model: {message}")]
    /// A model file that is not a pagesift model (bad JSON, wrong version, failed checksum, bad weights).
    Format {
        /// The file.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The tokenizer could not be trained, saved or loaded.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// Training failed (too few pages, a solver that did not move).
    #[error("training: {0}")]
    Training(String),
    /// A parameter out of its range.
    #[error("invalid parameter: {0}")]
    Param(String),
    /// A page cut into more blocks than a page may have (see `label::MAX_UNITS`).
    #[error("{units} blocks, more than the {limit} a page may have")]
    TooManyUnits {
        /// The page's units (blocks) after the cut by block.
        units: usize,
        /// The most a page may have.
        limit: usize,
    },
}

/// The error of pagesift's high-level calls ([`crate::Labeler::builtin`],
/// [`crate::Labeler::from_dir`], [`crate::Labeler::label_text`], [`crate::Labeler::label_html`]):
/// an input that could not be read, or a model that could not be loaded or used. The lower
/// layers return the kind they can fail with ([`IngestError`] for one record, [`ModelError`] for
/// a model), and both convert into this with `?`.
#[derive(Debug, Error)]
pub enum Error {
    /// The page could not be read (blank, no visible text, too large).
    #[error(transparent)]
    Input(#[from] IngestError),
    /// The model could not be loaded, or could not label the page (more blocks than a page may
    /// have).
    #[error(transparent)]
    Model(#[from] ModelError),
}
