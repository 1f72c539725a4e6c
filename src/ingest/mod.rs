//! Ingest: files, directories, JSON Lines and stdin → a stream of `Result<Page, IngestError>`.
//!
//! A bad record is an `Err` in the stream, naming its file and line; the records after it still come.

mod batch;
mod content_pages;
mod html;
mod json;
mod jsonl;
pub mod sniff;
mod text;
mod warc;

use batch::Metered;
pub use batch::{Batch, BatchLimits, BatchStream, ReadMeter};
pub use content_pages::read_content_pages;
pub use html::{HtmlSource, Record};
pub use jsonl::{parse_gold_line, parse_page_line, read_gold_file};

use crate::error::{IngestError, IngestErrorKind};
use crate::types::{Origin, Page};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// How an input is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// The whole file is one plain-text page.
    Text,
    /// One JSON object per line with a `text` or `html` field (the gold format is accepted too).
    Jsonl,
    /// A JSON file: an array of such objects, or one object, pretty-printed or not.
    Json,
    /// The whole file is one HTML page.
    Html,
    /// A WARC file (gzip-compressed or not): its HTML `response` records.
    Warc,
}

impl InputFormat {
    /// The format a file name implies, text when it implies none (see [`InputFormat::named_by`]).
    pub fn from_path(path: &Path) -> InputFormat {
        Self::named_by(path).unwrap_or(InputFormat::Text)
    }

    /// The format a file name says: `.jsonl`/`.ndjson`, `.html`/`.htm`/`.xhtml`, `.warc`,
    /// `.txt`/`.text`/`.md`, each also with `.gz` after it (gzip is unpacked by its magic bytes,
    /// whatever the name); `None` for any other name (`.php`, `.json`, a bare `.gz`, no ending)
    /// and for standard input, whose format is guessed from the content ([`sniff`]).
    pub fn named_by(path: &Path) -> Option<InputFormat> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ends = |suffixes: &[&str]| suffixes.iter().any(|s| name.ends_with(s));
        if ends(&[".jsonl", ".ndjson"]) {
            Some(InputFormat::Jsonl)
        } else if ends(&[".html", ".htm", ".xhtml"]) {
            Some(InputFormat::Html)
        } else if ends(&[".warc"]) {
            Some(InputFormat::Warc)
        } else if ends(&[".txt", ".text", ".md"]) {
            Some(InputFormat::Text)
        } else {
            None
        }
    }

    /// The name `--input-format` takes for it.
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Text => "text",
            InputFormat::Jsonl => "jsonl",
            InputFormat::Json => "json",
            InputFormat::Html => "html",
            InputFormat::Warc => "warc",
        }
    }
}

/// How inputs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// A page (text or HTML file, JSONL line, WARC record) larger than this is an error, so one
    /// giant record cannot exhaust memory; WARC records also stop decompressing past twice this.
    pub max_page_bytes: usize,
    /// Decode invalid UTF-8 with U+FFFD instead of skipping the page (the output says `lossy`).
    pub lossy: bool,
    /// Follow symbolic links below an input directory (`--follow`); without it they are reported
    /// and passed over.
    pub follow_links: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_page_bytes: 32 << 20,
            lossy: false,
            follow_links: false,
        }
    }
}

/// A whole file (one page) read under the page limit, with its origin for errors.
/// `size_hint`: the file's length when known (the buffer is allocated once instead of grown).
pub(crate) fn read_whole_file(
    path: &str,
    reader: impl Read,
    options: ReadOptions,
    size_hint: Option<u64>,
) -> Result<(Origin, Vec<u8>), IngestError> {
    let origin = Origin {
        path: path.to_string(),
        line: None,
    };
    let capacity = size_hint.map_or(0, |len| {
        usize::try_from(len).map_or(options.max_page_bytes, |len| {
            len.min(options.max_page_bytes)
        })
    });
    match read_limited(
        reader,
        options.max_page_bytes,
        Vec::with_capacity(capacity + 1),
    ) {
        Ok(bytes) => Ok((origin, bytes)),
        Err(kind) => Err(IngestError::new(origin, kind)),
    }
}

/// Reads at most `limit` bytes into `bytes`; more is [`IngestErrorKind::TooLarge`].
fn read_limited(
    reader: impl Read,
    limit: usize,
    mut bytes: Vec<u8>,
) -> Result<Vec<u8>, IngestErrorKind> {
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| IngestErrorKind::Io(e.to_string()))?;
    if bytes.len() > limit {
        return Err(IngestErrorKind::TooLarge { limit });
    }
    Ok(bytes)
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
    read_inputs_with(inputs, forced, ReadOptions::default())
}

/// [`read_inputs`] with limits and lossy decoding set.
pub fn read_inputs_with(
    inputs: &[String],
    forced: Option<InputFormat>,
    options: ReadOptions,
) -> impl Iterator<Item = Result<Page, IngestError>> + '_ {
    read_records_with(inputs, forced, options).map(|r| r.and_then(Record::into_page))
}

/// [`read_inputs_with`], HTML left unparsed: callers parse it where they have the cores
/// ([`Record::into_page`]).
pub fn read_records_with(
    inputs: &[String],
    forced: Option<InputFormat>,
    options: ReadOptions,
) -> impl Iterator<Item = Result<Record, IngestError>> + '_ {
    read_records_metered(inputs, forced, options, Arc::default())
}

/// What reading found out, shared with the caller as it goes.
#[derive(Debug, Default)]
struct ReadState {
    /// Bytes read from input files (and standard input).
    bytes: AtomicU64,
    /// Inputs whose format was guessed from their content, not yet told.
    guesses: std::sync::Mutex<Vec<(String, InputFormat)>>,
}

/// [`read_records_with`], keeping `read` up to date.
fn read_records_metered(
    inputs: &[String],
    forced: Option<InputFormat>,
    options: ReadOptions,
    read: Arc<ReadState>,
) -> impl Iterator<Item = Result<Record, IngestError>> + '_ {
    inputs
        .iter()
        .flat_map(move |input| expand_input(input, options.follow_links).into_iter())
        .flat_map(
            move |entry| -> Box<dyn Iterator<Item = Result<Record, IngestError>>> {
                match entry {
                    Err(e) => Box::new(std::iter::once(Err(e))),
                    Ok(path) => {
                        let format = forced.or_else(|| InputFormat::named_by(Path::new(&path)));
                        read_one(path, format, options, read.clone())
                    }
                }
            },
        )
}

/// The pages of a batch of records, in order, their HTML parsed on every core.
pub fn into_pages(records: Vec<Record>) -> Vec<Result<Page, IngestError>> {
    crate::parallel::map_biggest_first(records, Record::bytes, Record::into_page)
}

/// A page given in memory as text, read as a JSON Lines record's `"text"` field is: a leading
/// byte-order mark dropped, a blank page an error ([`IngestErrorKind::Empty`]). Errors name `id`
/// as their place; `url` feeds the URL features, as a record's `"url"` does.
pub fn page_from_text(id: &str, text: String, url: Option<&str>) -> Result<Page, IngestError> {
    let origin = Origin {
        path: id.to_string(),
        line: None,
    };
    // As a JSON Lines `text`: a leading byte-order mark is dropped, and offsets map past it.
    let source_len = text.len();
    match text::decode_utf8_mapped(text.into_bytes(), false) {
        Ok((text, _, map)) => Ok(Page {
            id: id.to_string(),
            origin,
            url: url.map(str::to_string),
            text,
            markup: map.map(|map| Arc::new(crate::html::Markup::text_only(map, source_len))),
            lossy: false,
        }),
        Err(kind) => Err(IngestError::new(origin, kind)),
    }
}

/// A page given in memory as HTML bytes, its text extracted with offsets into `html`.
/// `charset` is what the transport said (`None`: a byte-order mark, a `<meta charset>` or the
/// default decide, as for an HTML file; `Some("utf-8")` for HTML that was a Unicode string
/// already, as a JSON Lines `"html"` field is). Errors name `id`.
pub fn page_from_html(
    id: &str,
    html: Vec<u8>,
    url: Option<&str>,
    charset: Option<&str>,
) -> Result<Page, IngestError> {
    let origin = Origin {
        path: id.to_string(),
        line: None,
    };
    html::html_page(
        id.to_string(),
        origin,
        url.map(str::to_string),
        html,
        charset,
    )
}

/// The files an input names: itself, or for a directory every file below it with a known
/// ending, in sorted order. Symbolic links below it are reported and passed over unless `follow`;
/// followed, a link back to a directory being walked is reported as a loop. A file reached twice
/// (two links, a hard link) is read once, under its first path.
fn expand_input(input: &str, follow: bool) -> Vec<Result<String, IngestError>> {
    let path = Path::new(input);
    if input == "-" || !path.is_dir() {
        return vec![Ok(input.to_string())];
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let at = |p: &Path| Origin {
        path: p.to_string_lossy().into_owned(),
        line: None,
    };
    for entry in walkdir::WalkDir::new(path)
        .follow_links(follow)
        .sort_by_file_name()
    {
        match entry {
            Err(e) => {
                let place = at(e.path().unwrap_or(path));
                let message = match (e.loop_ancestor(), e.io_error()) {
                    (Some(ancestor), _) => format!(
                        "symbolic link loop (back to {}): not followed",
                        ancestor.display()
                    ),
                    (None, Some(io)) => io.to_string(),
                    (None, None) => e.to_string(),
                };
                errors.push(IngestError::new(place, IngestErrorKind::Io(message)));
            }
            Ok(entry) => {
                let file_type = entry.file_type();
                if file_type.is_symlink() {
                    // Only links the walk would have read (a directory, a known ending).
                    if entry.path().is_dir() || walked(entry.path()) {
                        errors.push(IngestError::new(
                            at(entry.path()),
                            IngestErrorKind::LinkNotFollowed,
                        ));
                    }
                } else if file_type.is_file() && walked(entry.path()) {
                    let key = file_key(&entry);
                    files.push((entry.into_path(), key));
                }
            }
        }
    }
    files.sort();
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Result<String, IngestError>> = errors.into_iter().map(Err).collect();
    out.extend(
        files
            .into_iter()
            .filter(|(_, key)| key.is_none_or(|k| seen.insert(k)))
            .map(|(p, _)| Ok(p.to_string_lossy().into_owned())),
    );
    out
}

/// A file's identity (device and inode), to read a file reached by two paths once.
#[cfg(unix)]
fn file_key(entry: &walkdir::DirEntry) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    entry.metadata().ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_key(_: &walkdir::DirEntry) -> Option<(u64, u64)> {
    None
}

/// Whether walking a directory reads this file: it has a known ending (`.gz` only after one:
/// `.html.gz`, `.warc.gz`, not a bare `.gz`).
pub fn walked(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        DIRECTORY_EXTENSIONS
            .iter()
            .any(|k| e.eq_ignore_ascii_case(k))
    }) && InputFormat::named_by(path).is_some()
}

/// Reads one input in `format`, or in the format its first bytes suggest (noted in `read`).
fn read_one(
    path: String,
    format: Option<InputFormat>,
    options: ReadOptions,
    read: Arc<ReadState>,
) -> Box<dyn Iterator<Item = Result<Record, IngestError>>> {
    let (reader, size_hint): (Box<dyn Read>, _) = if path == "-" {
        (Box::new(Metered(io::stdin(), read.clone())), None)
    } else {
        match File::open(&path) {
            Ok(f) => {
                let size_hint = f.metadata().ok().map(|m| m.len());
                (Box::new(Metered(f, read.clone())), size_hint)
            }
            Err(e) => return Box::new(std::iter::once(Err(io_error(&path, &e)))),
        }
    };
    let (format, reader) = match format {
        Some(format) => (format, reader),
        None => match sniff::sniff_reader(reader) {
            Ok((format, reader)) => {
                if let Ok(mut guesses) = read.guesses.lock() {
                    guesses.push((path.clone(), format));
                }
                (format, reader)
            }
            Err(e) => return Box::new(std::iter::once(Err(io_error(&path, &e)))),
        },
    };
    // A WARC reader unpacks its gzip members itself (and stops a bomb per record); any other
    // gzip stream is unpacked as it is read, its compressed length no hint of the page's.
    let (reader, size_hint) = if format == InputFormat::Warc {
        (reader, size_hint)
    } else {
        match sniff::gunzip(reader) {
            Ok((true, reader)) => (reader, None),
            Ok((false, reader)) => (reader, size_hint),
            Err(e) => return Box::new(std::iter::once(Err(io_error(&path, &e)))),
        }
    };
    read_stream_records(path, format, reader, options, size_hint)
}

/// The pages of one stream in `format`; `name` stands for it in ids and errors. (The fuzz
/// targets read through this too.)
pub fn read_stream(
    path: String,
    format: InputFormat,
    reader: Box<dyn Read>,
    options: ReadOptions,
) -> Box<dyn Iterator<Item = Result<Page, IngestError>>> {
    Box::new(
        read_stream_records(path, format, reader, options, None)
            .map(|r| r.and_then(Record::into_page)),
    )
}

fn read_stream_records(
    path: String,
    format: InputFormat,
    reader: Box<dyn Read>,
    options: ReadOptions,
    size_hint: Option<u64>,
) -> Box<dyn Iterator<Item = Result<Record, IngestError>>> {
    match format {
        InputFormat::Text => Box::new(std::iter::once(
            text::read_text_file(&path, reader, options, size_hint).map(Record::Page),
        )),
        InputFormat::Jsonl => Box::new(
            jsonl::JsonlPages::new(path, BufReader::new(reader), options)
                .map(|r| r.map(Record::Page)),
        ),
        InputFormat::Html => Box::new(std::iter::once(html::read_html_record(
            &path, reader, options, size_hint,
        ))),
        InputFormat::Json => Box::new(
            json::read_json_pages(&path, reader, options)
                .into_iter()
                .map(|r| r.map(Record::Page)),
        ),
        InputFormat::Warc => Box::new(warc::WarcPages::new(path, reader, options)),
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
    Ok(next_line_within(reader, buf, usize::MAX)? != Line::End)
}

/// What [`next_line_within`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    End,
    Read,
    /// Longer than the limit: skipped to its end without keeping it.
    TooLong,
}

/// Reads one line into `buf` unless it is longer than `limit` bytes, in which case the rest of
/// it is read and dropped (memory stays at `limit` whatever the line's length).
pub(crate) fn next_line_within<R: BufRead>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Line> {
    buf.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if !too_long {
            if buf.len() + take > limit.saturating_add(1) {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&chunk[..take]);
            }
        }
        reader.consume(take);
        if done {
            break;
        }
    }
    Ok(match (any, too_long) {
        (false, _) => Line::End,
        (true, true) => Line::TooLong,
        (true, false) => Line::Read,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use batch::batches;

    fn ids(batch: &Batch) -> Vec<String> {
        batch
            .iter()
            .map(|r| r.as_ref().map_or("error".into(), |r| r.id().to_string()))
            .collect()
    }

    #[test]
    fn gzip_files_are_unpacked_by_their_bytes_and_a_broken_one_is_named() {
        use std::io::Write;
        let gzip = |bytes: &[u8]| {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(bytes).unwrap();
            gz.finish().unwrap()
        };
        let html = b"<html><body><p>Our clinic treats knee pain.</p></body></html>";
        let dir = tempfile::tempdir().unwrap();
        let write =
            |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
        write("a.html", html);
        write("b.html.gz", &gzip(html));
        write(
            "c.jsonl.gz",
            &gzip(b"{\"id\": \"c1\", \"text\": \"Plain words.\"}\n"),
        );
        write("d.html.gz", &gzip(html)[..20]); // cut short
        write("e.gz", &gzip(html)); // a bare .gz is not walked, but read when named
        let dir_name = dir.path().to_string_lossy().into_owned();
        let pages: Vec<_> = read_inputs(std::slice::from_ref(&dir_name), None).collect();
        assert_eq!(pages.len(), 4, "{pages:?}");
        let (a, b) = (pages[0].as_ref().unwrap(), pages[1].as_ref().unwrap());
        assert_eq!(a.text, b.text);
        assert!(b.markup.is_some(), "read as HTML");
        assert_eq!(pages[2].as_ref().unwrap().id, "c1");
        let err = pages[3].as_ref().unwrap_err().to_string();
        assert!(err.contains("d.html.gz") && err.contains("gzip"), "{err}");
        let bare = dir.path().join("e.gz").to_string_lossy().into_owned();
        let page = read_inputs(&[bare], None).next().unwrap().unwrap();
        assert_eq!(page.text, a.text);
    }

    #[test]
    fn a_text_given_in_memory_keeps_offsets_past_a_byte_order_mark() {
        let page = page_from_text("p", "\u{feff}Call us today.".to_string(), None).unwrap();
        assert_eq!(page.text, "Call us today.");
        let markup = page.markup.as_deref().expect("a map past the mark");
        assert_eq!(
            markup.source_range(crate::types::ByteRange::new(0, 4)),
            Some(crate::types::ByteRange::new(3, 7))
        );
        assert!(page_from_text("q", "plain".to_string(), None)
            .unwrap()
            .markup
            .is_none());
    }

    #[test]
    fn batches_end_at_the_page_count_or_the_byte_budget() {
        let page =
            |id: &str, bytes: usize| Ok(Record::Page(Page::from_text(id, &"x".repeat(bytes))));
        let records = vec![
            page("a", 10),
            page("b", 10),
            page("c", 10),
            page("big", 100),
            page("d", 10),
            Err(io_error("bad.txt", &io::Error::other("unreadable"))),
            page("e", 10),
        ];
        let limits = BatchLimits {
            pages: 3,
            bytes: 50,
        };
        let cut: Vec<Vec<String>> = batches(records.into_iter(), limits)
            .map(|b| ids(&b))
            .collect();
        assert_eq!(
            cut,
            [
                vec!["a", "b", "c"],
                // The byte budget ends a batch after the record that crosses it.
                vec!["big"],
                vec!["d", "error", "e"],
            ]
        );
        assert_eq!(batches(std::iter::empty(), limits).count(), 0);
    }

    #[test]
    fn reading_ahead_gives_the_same_batches() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..25 {
            std::fs::write(dir.path().join(format!("{i:02}.txt")), format!("Page {i}.")).unwrap();
        }
        let inputs = [dir.path().to_string_lossy().into_owned()];
        let limits = BatchLimits {
            pages: 4,
            bytes: usize::MAX,
        };
        let collect = |read_ahead: bool| -> Vec<Vec<String>> {
            BatchStream::start(&inputs, None, ReadOptions::default(), limits, read_ahead)
                .map(|b| ids(&b))
                .collect()
        };
        let inline = collect(false);
        assert_eq!(inline.len(), 7);
        assert!(inline[..6].iter().all(|b| b.len() == 4));
        assert_eq!(collect(true), inline);
        for read_ahead in [false, true] {
            let mut stream =
                BatchStream::start(&inputs, None, ReadOptions::default(), limits, read_ahead);
            assert_eq!(stream.next().map(|b| ids(&b)), Some(inline[0].clone()));
        }
    }

    /// A caller that gives up (a bad model) drops the stream at once, even while its reader is
    /// stuck on an input that never ends (a pipe nobody writes to).
    #[cfg(unix)]
    #[test]
    fn dropping_the_stream_does_not_wait_for_a_stuck_reader() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.txt");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("no mkfifo here: skipped");
            return;
        }
        let inputs = [fifo.to_string_lossy().into_owned()];
        let (dropped, done) = std::sync::mpsc::channel();
        let caller = {
            let inputs = inputs.clone();
            std::thread::spawn(move || {
                let stream = BatchStream::start(
                    &inputs,
                    None,
                    ReadOptions::default(),
                    BatchLimits::default(),
                    true,
                );
                std::thread::sleep(std::time::Duration::from_millis(50));
                drop(stream);
                dropped.send(()).unwrap();
            })
        };
        let returned = done.recv_timeout(std::time::Duration::from_secs(10));
        // Free the reader whatever happened (opening the pipe for writing ends its wait).
        drop(std::fs::OpenOptions::new().write(true).open(&fifo));
        caller.join().unwrap();
        assert!(
            returned.is_ok(),
            "dropping the stream waited for its reader"
        );
    }
}
