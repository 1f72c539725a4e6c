//! Output files that appear whole or not at all: everything is written to a `.NAME.partial` file
//! beside the target, which is renamed over the target only when the run finishes. A run that is
//! killed leaves the old target untouched and the partial file behind, from which `--resume`
//! continues.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A file being written under a temporary name.
pub struct AtomicFile {
    target: PathBuf,
    partial: PathBuf,
    out: BufWriter<File>,
}

/// The temporary name of `target`: `.NAME.partial` in the same directory (same file system, so
/// the final rename is atomic).
pub fn partial_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    target.with_file_name(format!(".{name}.partial"))
}

impl AtomicFile {
    /// Starts a new file (any earlier partial file is replaced).
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let partial = partial_path(target);
        let file = File::create(&partial)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            partial,
            out: BufWriter::new(file),
        })
    }

    /// Continues a JSON Lines output: the partial file of a killed run (or else a finished target),
    /// cut after its last complete line. Returns the file and the lines already there.
    pub fn resume(target: &Path) -> io::Result<(AtomicFile, Vec<String>)> {
        let partial = partial_path(target);
        if !partial.exists() && target.exists() {
            std::fs::copy(target, &partial)?;
        }
        let mut lines = Vec::new();
        let mut complete = 0u64;
        if partial.exists() {
            let mut reader = BufReader::new(File::open(&partial)?);
            let mut line = Vec::new();
            loop {
                line.clear();
                let n = reader.read_until(b'\n', &mut line)?;
                // A last line without its newline was cut by the kill: it is dropped.
                if n == 0 || line.last() != Some(&b'\n') {
                    break;
                }
                complete += n as u64;
                lines.push(String::from_utf8_lossy(&line[..n - 1]).into_owned());
            }
        }
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&partial)?;
        file.set_len(complete)?;
        file.seek(SeekFrom::End(0))?;
        Ok((
            AtomicFile {
                target: target.to_path_buf(),
                partial,
                out: BufWriter::new(file),
            },
            lines,
        ))
    }

    /// Flushes, syncs and renames the file over its target.
    pub fn commit(mut self) -> io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_all()?;
        std::fs::rename(&self.partial, &self.target)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_changes_only_at_commit_and_resume_drops_a_cut_line() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jsonl");
        std::fs::write(&target, "old\n").unwrap();
        let mut file = AtomicFile::create(&target).unwrap();
        file.write_all(b"{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":")
            .unwrap();
        file.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old\n");
        drop(file); // killed: no commit
        let (mut file, lines) = AtomicFile::resume(&target).unwrap();
        assert_eq!(lines, ["{\"id\":\"a\"}", "{\"id\":\"b\"}"]);
        file.write_all(b"{\"id\":\"c\"}\n").unwrap();
        file.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n"
        );
        assert!(!partial_path(&target).exists());
    }
}
