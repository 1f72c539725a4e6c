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

/// Runs `pagesift ARGS` with `stdin` piped in.
pub fn pagesift(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pagesift"));
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
    Path::new(env!("CARGO_MANIFEST_DIR"))
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

/// Checks one labelled page against its text: the span invariants of [`check_cover`], each
/// `text` equal to the bytes at its offsets, scores between 0 and 1.
pub fn assert_spans_cover(text: &str, page: &serde_json::Value) {
    let spans = page["spans"].as_array().expect("spans");
    let mut ranges = Vec::with_capacity(spans.len());
    for span in spans {
        let (start, end) = (
            span["start"].as_u64().unwrap() as usize,
            span["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            text.get(start..end),
            span["text"].as_str(),
            "span text differs from the source"
        );
        let score = span["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
        ranges.push((start, end));
    }
    if let Err(message) = check_cover(text, &ranges) {
        panic!("{message}");
    }
}
