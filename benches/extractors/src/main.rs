//! `extract-baselines`: the main text of each page of a JSONL index, by one of two Rust
//! extractors that `scripts/web_benchmark.py run` scores beside pagesift and trafilatura.
//!
//! ```text
//! extract-baselines --extractor dom_smoothie|rs_trafilatura INDEX.jsonl [--out OUT.jsonl]
//! ```
//!
//! INDEX.jsonl has one page a line with at least `id` and `html` (a path to the page's HTML,
//! gzipped or not: the format `web_benchmark.py split` writes). Output: one `{"id", "text"}` line
//! per page, in index order, to OUT.jsonl or standard output. Last line on standard error: a JSON
//! summary `{"extractor", "pages", "errors", "bytes", "seconds"}`.
//!
//! - `dom_smoothie` (0.19, a port of Readability.js): `Readability::new(html, None, config)` with
//!   `TextMode::Formatted`, then `parse()`; the text is the article's `text_content`.
//! - `rs_trafilatura` (rs-trafilatura 0.2.2): `extract_with_options(html, &Options::default())`;
//!   the text is `content_text`.
//!
//! Both get the same decoded text, as trafilatura decodes its input: UTF-8 when the bytes are
//! valid UTF-8; otherwise the byte-order mark or the `<meta>` charset of the first 4 KiB (through
//! encoding_rs); otherwise Windows-1252. Neither is given the page's URL (trafilatura is not).
//!
//! `seconds` times decoding and extraction only (from the bytes in memory to the text, as the
//! benchmark times trafilatura), one page after another on one thread: reading the files,
//! gunzipping and writing the output are outside it. A page whose extraction fails or panics
//! gets empty text and a message on standard error; the batch goes on.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::Instant;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Extractor {
    DomSmoothie,
    RsTrafilatura,
}

impl Extractor {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "dom_smoothie" => Some(Self::DomSmoothie),
            "rs_trafilatura" => Some(Self::RsTrafilatura),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::DomSmoothie => "dom_smoothie",
            Self::RsTrafilatura => "rs_trafilatura",
        }
    }

    /// The page's main text, or why there is none.
    fn extract(self, html: &str) -> Result<String, String> {
        match self {
            Self::DomSmoothie => {
                let config = dom_smoothie::Config {
                    text_mode: dom_smoothie::TextMode::Formatted,
                    ..dom_smoothie::Config::default()
                };
                let mut readability = dom_smoothie::Readability::new(html, None, Some(config))
                    .map_err(|e| e.to_string())?;
                let article = readability.parse().map_err(|e| e.to_string())?;
                Ok(article.text_content.to_string())
            }
            Self::RsTrafilatura => {
                let result =
                    rs_trafilatura::extract_with_options(html, &rs_trafilatura::Options::default())
                        .map_err(|e| e.to_string())?;
                Ok(result.content_text)
            }
        }
    }
}

const USAGE: &str =
    "usage: extract-baselines --extractor dom_smoothie|rs_trafilatura INDEX.jsonl [--out OUT.jsonl]";

/// How far into a page a `<meta>` charset is looked for.
const META_PRESCAN_BYTES: usize = 4096;

/// The page's text: UTF-8 if valid, else BOM, else `<meta>` charset, else Windows-1252.
fn decode(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    let encoding = Encoding::for_bom(bytes)
        .map(|(encoding, _)| encoding)
        .or_else(|| meta_charset(bytes))
        .unwrap_or(WINDOWS_1252);
    // `decode` strips a BOM it recognises and replaces malformed sequences with U+FFFD.
    encoding.decode(bytes).0.into_owned()
}

/// The encoding named by `<meta charset=…>` or `<meta http-equiv=content-type content="…;
/// charset=…">` near the top of the page (an ASCII-incompatible one, e.g. UTF-16, read as UTF-8).
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(META_PRESCAN_BYTES)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(found) = find(&lower[from..], b"<meta") {
        let tag_start = from + found + b"<meta".len();
        let tag_end = find(&lower[tag_start..], b">").map_or(lower.len(), |e| tag_start + e);
        let tag = &lower[tag_start..tag_end];
        if let Some(at) = find(tag, b"charset") {
            let rest = &tag[at + b"charset".len()..];
            let rest = trim_start(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = trim_start(rest);
                let rest = rest
                    .strip_prefix(b"\"")
                    .or_else(|| rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                let rest = trim_start(rest);
                let end = rest
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || b"_:.-".contains(b)))
                    .unwrap_or(rest.len());
                if let Some(encoding) = Encoding::for_label(&rest[..end]) {
                    return Some(if encoding.is_ascii_compatible() {
                        encoding
                    } else {
                        UTF_8
                    });
                }
            }
        }
        from = tag_end;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// The file's bytes, gunzipped if they start with the gzip magic.
fn read_html(path: &str) -> io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    File::open(path)?.read_to_end(&mut raw)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut out)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

struct Args {
    extractor: Extractor,
    index: String,
    out: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut extractor = None;
    let mut index = None;
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--extractor" => {
                let name = args.next().ok_or("--extractor needs a value")?;
                extractor = Some(
                    Extractor::parse(&name).ok_or_else(|| format!("unknown extractor {name:?}"))?,
                );
            }
            "--out" => out = Some(args.next().ok_or("--out needs a value")?),
            "-h" | "--help" => return Err(String::new()),
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}")),
            _ if index.is_none() => index = Some(arg),
            _ => return Err(format!("unexpected argument {arg}")),
        }
    }
    Ok(Args {
        extractor: extractor.ok_or("--extractor is required")?,
        index: index.ok_or("the index file is required")?,
        out,
    })
}

fn run(args: &Args) -> Result<(), String> {
    let index = File::open(&args.index).map_err(|e| format!("{}: {e}", args.index))?;
    let mut pages: Vec<(String, Vec<u8>)> = Vec::new();
    let mut errors = 0usize;
    for (number, line) in BufReader::new(index).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", args.index))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| format!("{}:{}: {e}", args.index, number + 1))?;
        let id = record["id"]
            .as_str()
            .ok_or_else(|| format!("{}:{}: no \"id\"", args.index, number + 1))?
            .to_owned();
        let html = match record["html"].as_str() {
            Some(path) => read_html(path).unwrap_or_else(|e| {
                eprintln!("{id}: cannot read {path}: {e}");
                errors += 1;
                Vec::new()
            }),
            None => {
                eprintln!("{id}: no \"html\" path");
                errors += 1;
                Vec::new()
            }
        };
        pages.push((id, html));
    }

    // Panics are caught per page; keep the default hook's message off stderr's summary line by
    // printing our own.
    panic::set_hook(Box::new(|_| {}));
    let extractor = args.extractor;
    let mut texts = Vec::with_capacity(pages.len());
    let start = Instant::now();
    for (id, bytes) in &pages {
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| extractor.extract(&decode(bytes))));
        texts.push(match outcome {
            Ok(Ok(text)) => text,
            Ok(Err(message)) => {
                eprintln!("{id}: {}: {message}", extractor.name());
                errors += 1;
                String::new()
            }
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                eprintln!("{id}: {} panicked: {message}", extractor.name());
                errors += 1;
                String::new()
            }
        });
    }
    let seconds = start.elapsed().as_secs_f64();

    let sink: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(File::create(path).map_err(|e| format!("{path}: {e}"))?),
        None => Box::new(io::stdout().lock()),
    };
    let mut sink = BufWriter::new(sink);
    for ((id, _), text) in pages.iter().zip(&texts) {
        let line = serde_json::json!({ "id": id, "text": text });
        writeln!(sink, "{line}").map_err(|e| e.to_string())?;
    }
    sink.flush().map_err(|e| e.to_string())?;
    let summary = serde_json::json!({
        "extractor": extractor.name(),
        "pages": pages.len(),
        "errors": errors,
        "bytes": pages.iter().map(|(_, b)| b.len()).sum::<usize>(),
        "seconds": seconds,
    });
    eprintln!("{summary}");
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("extract-baselines: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(if message.is_empty() { 0 } else { 2 });
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("extract-baselines: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_before_a_declared_latin1() {
        let page = "<meta charset=iso-8859-1><p>caf\u{e9}</p>".as_bytes();
        assert!(decode(page).contains("caf\u{e9}"));
    }

    #[test]
    fn decodes_the_declared_charset_when_not_utf8() {
        let page = b"<meta http-equiv=Content-Type content='text/html; charset=windows-1251'><p>\xcf\xf0\xe8</p>";
        assert!(decode(page).contains("\u{41f}\u{440}\u{438}"));
        let page = b"<META CHARSET=\"ISO-8859-1\"><p>caf\xe9</p>";
        assert!(decode(page).contains("caf\u{e9}"));
    }

    #[test]
    fn falls_back_to_windows_1252() {
        assert!(decode(b"<p>\x93quoted\x94</p>").contains("\u{201c}quoted\u{201d}"));
    }
}
