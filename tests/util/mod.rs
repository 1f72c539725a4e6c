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

/// Checks the span invariants of one labelled page against its text: sorted, non-overlapping,
/// on UTF-8 boundaries, `text` equal to the bytes at the offsets, every non-whitespace byte covered.
pub fn assert_spans_cover(text: &str, page: &serde_json::Value) {
    let spans = page["spans"].as_array().expect("spans");
    let mut covered = vec![false; text.len()];
    let mut last_end = 0;
    for span in spans {
        let (start, end) = (
            span["start"].as_u64().unwrap() as usize,
            span["end"].as_u64().unwrap() as usize,
        );
        assert!(
            start >= last_end && start < end && end <= text.len(),
            "bad span {span}"
        );
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        assert_eq!(
            &text[start..end],
            span["text"].as_str().unwrap(),
            "span text differs from the source"
        );
        let score = span["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
        covered[start..end].fill(true);
        last_end = end;
    }
    for (i, c) in text.char_indices() {
        assert!(
            c.is_whitespace() || covered[i],
            "byte {i} ({c:?}) is not covered"
        );
    }
}
