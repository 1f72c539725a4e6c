//! Helpers for driving the real `pagesift` binary in a fresh temporary directory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary directory that holds a test's inputs and outputs.
pub struct Dir {
    pub tmp: tempfile::TempDir,
}

impl Dir {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Writes a file and returns its path as a string.
    pub fn create(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        path.to_string_lossy().into_owned()
    }
}

/// The `pagesift` binary (the command line crate's tests only).
pub fn bin() -> &'static str {
    match option_env!("CARGO_BIN_EXE_pagesift") {
        Some(bin) => bin,
        None => panic!("the binary is built for the command line's tests only"),
    }
}

/// The repository's root: this crate's directory for the library's tests, two levels up for the
/// command line's (crates/pagesift-cli).
pub fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    if here.join("models").is_dir() {
        here.to_path_buf()
    } else {
        here.join("../..")
    }
}

/// Runs `pagesift ARGS` with `stdin` piped in.
pub fn pagesift(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::piped());
    let mut child = cmd.spawn().expect("pagesift runs");
    {
        use std::io::Write;
        let mut input = child.stdin.take().unwrap();
        if let Some(bytes) = stdin {
            input.write_all(bytes).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The parsed JSON Lines of a `label` run.
pub fn pages(out: &Output) -> Vec<serde_json::Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// The repository's gold files (committed under `data/`).
pub fn data(name: &str) -> String {
    root()
        .join("data")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// The span invariants over byte ranges of `text`: sorted, non-empty, non-overlapping, on UTF-8
/// boundaries, and together covering every non-whitespace byte.
pub fn check_cover(text: &str, ranges: &[(usize, usize)]) -> Result<(), String> {
    let mut covered = vec![false; text.len()];
    let mut last_end = 0;
    for &(start, end) in ranges {
        if !(start >= last_end && start < end && end <= text.len()) {
            return Err(format!("range {start}..{end} after {last_end} in {text:?}"));
        }
        if !(text.is_char_boundary(start) && text.is_char_boundary(end)) {
            return Err(format!("range {start}..{end} is not on UTF-8 boundaries"));
        }
        covered[start..end].fill(true);
        last_end = end;
    }
    match text
        .char_indices()
        .find(|&(i, c)| !c.is_whitespace() && !covered[i])
    {
        Some((i, c)) => Err(format!("byte {i} ({c:?}) is not covered in {text:?}")),
        None => Ok(()),
    }
}

/// Checks one labelled page against its text: the span invariants of [`check_cover`] over
/// `text_start`/`text_end`, each `text` equal to the text at those offsets, scores between 0
/// and 1.
pub fn assert_spans_cover(text: &str, page: &serde_json::Value) {
    let spans = page["spans"].as_array().expect("spans");
    let mut ranges = Vec::with_capacity(spans.len());
    for span in spans {
        let (start, end) = (
            span["text_start"].as_u64().unwrap() as usize,
            span["text_end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            text.get(start..end),
            span["text"].as_str(),
            "span text differs from the page text"
        );
        let score = span["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
        ranges.push((start, end));
    }
    if let Err(message) = check_cover(text, &ranges) {
        panic!("{message}");
    }
}

/// For a text page, `start`/`end` are the text offsets themselves.
pub fn assert_offsets_are_text_offsets(page: &serde_json::Value) {
    for span in page["spans"].as_array().expect("spans") {
        assert_eq!(span["start"], span["text_start"]);
        assert_eq!(span["end"], span["text_end"]);
    }
}

/// The visible characters of an HTML fragment, by an independent, deliberately simple reading:
/// comments, script/style-like elements and tags removed, entities decoded, whitespace dropped.
pub fn visible_chars(html: &str) -> Vec<char> {
    let mut out = String::new();
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    while i < html.len() {
        let rest = &lower[i..];
        if rest.starts_with("<!--") {
            i += rest.find("-->").map_or(rest.len(), |e| e + 3);
        } else if let Some(tag) = ["script", "style", "template", "title", "textarea"]
            .iter()
            .find(|t| rest.starts_with(&format!("<{t}")))
        {
            let close = format!("</{tag}");
            i += rest.find(&close).map_or(rest.len(), |e| e + close.len());
        } else if rest.starts_with('<')
            && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!')
        {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            // An image's alt text and a button's value are visible text.
            if let Some(shown) = shown_by_tag(&html[i..i + end]) {
                out.push_str(shown);
            }
            i += end;
        } else {
            let c = html[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    html_escape::decode_html_entities(&out)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The alt texts of a page's images and the values of its submit and button inputs.
pub fn attribute_texts(html: &str) -> Vec<String> {
    let mut texts = Vec::new();
    let lower = html.to_ascii_lowercase();
    for (at, _) in lower.match_indices('<') {
        let Some(end) = lower[at..].find('>') else {
            break;
        };
        let shown = shown_by_tag(&html[at..at + end + 1]);
        texts.extend(shown.map(|s| html_escape::decode_html_entities(s).into_owned()));
    }
    texts
}

/// The text a start tag shows of its own: an `<img>`'s alt, a submit or button `<input>`'s value.
fn shown_by_tag(tag: &str) -> Option<&str> {
    let lower = tag.to_ascii_lowercase();
    if lower.starts_with("<img") {
        attribute(tag, "alt")
    } else if lower.starts_with("<input")
        && attribute(tag, "type")
            .is_some_and(|t| t.eq_ignore_ascii_case("submit") || t.eq_ignore_ascii_case("button"))
    {
        attribute(tag, "value")
    } else {
        None
    }
}

/// An attribute's value in a start tag, by a simple reading (quoted or bare, no repeats).
fn attribute<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(name) {
        let at = from + found;
        from = at + name.len();
        let before = lower[..at].chars().next_back();
        if !before.is_some_and(char::is_whitespace) || !lower[from..].starts_with('=') {
            continue;
        }
        let value = &tag[from + 1..];
        return Some(match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
            _ => value
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or(""),
        });
    }
    None
}

/// Every span's source range, sliced from the original HTML, holds the span's text once the
/// markup is stripped: the same first and last visible characters, and every visible character
/// of the span in order (hidden elements inside the range may add more).
pub fn assert_sources_hold(html: &str, page: &serde_json::Value) {
    for span in page["spans"].as_array().expect("spans") {
        let (start, end) = (
            span["start"].as_u64().unwrap() as usize,
            span["end"].as_u64().unwrap() as usize,
        );
        let slice = html
            .get(start..end)
            .unwrap_or_else(|| panic!("source range {start}..{end} is not on UTF-8 boundaries"));
        assert_source_holds(slice, span["text"].as_str().unwrap());
    }
}

/// One span's check for [`assert_sources_hold`], on its source slice already decoded.
pub fn assert_source_holds(slice: &str, text: &str) {
    let source = visible_chars(slice);
    let want: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert_eq!(source.first(), want.first(), "first character of {slice:?}");
    assert_eq!(source.last(), want.last(), "last character of {slice:?}");
    let mut rest = source.iter();
    assert!(
        want.iter().all(|c| rest.any(|s| s == c)),
        "{text:?} is not inside the source {slice:?}"
    );
}
