//! Output files that appear whole or not at all: a regular file is written to a `.NAME.partial`
//! file beside it, which is renamed over it only when the run finishes. A run that is killed
//! leaves the old file untouched and the partial file behind, from which `--resume` continues.
//!
//! Not every output path is a file to replace. A symlink is followed, and its resolved target is
//! replaced (the link stays a link). A FIFO, a terminal or another device (`/dev/stdout`,
//! `/dev/null`), and `-`, are written through as a stream: renaming a file over them would turn
//! them into regular files.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A file being written under a temporary name, or a stream written through.
pub struct AtomicFile {
    inner: Inner,
}

enum Inner {
    /// A regular file (or none yet): written beside the target, renamed over it at commit.
    Replace {
        target: PathBuf,
        partial: PathBuf,
        out: BufWriter<File>,
    },
    /// A FIFO, a device or stdout: written through.
    Stream(BufWriter<Box<dyn Write + Send>>),
}

/// What an output path names, once symlinks are followed.
#[derive(Debug, PartialEq, Eq)]
pub enum Destination {
    /// `-`: standard output.
    Stdout,
    /// A FIFO, a terminal, a socket or a device: written through.
    Stream(PathBuf),
    /// A regular file, or nothing yet: replaced whole. Symlinks are resolved.
    Replace(PathBuf),
}

/// Links followed at most when resolving an output path (as the kernel's ELOOP limit).
const MAX_LINKS: usize = 40;

/// Where writing to `target` goes: see [`Destination`].
pub fn destination(target: &Path) -> io::Result<Destination> {
    if target.as_os_str() == "-" {
        return Ok(Destination::Stdout);
    }
    match std::fs::metadata(target) {
        Ok(meta) if meta.is_dir() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a directory",
        )),
        Ok(meta) if meta.is_file() => Ok(Destination::Replace(std::fs::canonicalize(target)?)),
        Ok(_) => Ok(Destination::Stream(target.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            // Nothing there, or a dangling symlink: the file to create is the link's end.
            let mut path = target.to_path_buf();
            for _ in 0..MAX_LINKS {
                match std::fs::symlink_metadata(&path) {
                    Ok(meta) if meta.file_type().is_symlink() => {
                        let link = std::fs::read_link(&path)?;
                        path = match path.parent() {
                            Some(parent) => parent.join(link),
                            None => link,
                        };
                    }
                    _ => return Ok(Destination::Replace(path)),
                }
            }
            Err(io::Error::other("too many levels of symbolic links"))
        }
        Err(e) => Err(e),
    }
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
    /// Starts a new file (any earlier partial file is replaced), or opens a stream.
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let inner = match destination(target)? {
            Destination::Stdout => Inner::Stream(BufWriter::new(Box::new(io::stdout()))),
            Destination::Stream(path) => {
                let file = OpenOptions::new().write(true).open(path)?;
                Inner::Stream(BufWriter::new(Box::new(file)))
            }
            Destination::Replace(target) => {
                let partial = partial_path(&target);
                let file = File::create(&partial)?;
                Inner::Replace {
                    target,
                    partial,
                    out: BufWriter::new(file),
                }
            }
        };
        Ok(AtomicFile { inner })
    }

    /// Continues a JSON Lines output: the partial file of a killed run (or else a finished target),
    /// cut after its last complete line. Returns the file and the lines already there.
    pub fn resume(target: &Path) -> io::Result<(AtomicFile, Vec<String>)> {
        let Destination::Replace(target) = destination(target)? else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "--resume needs a regular file to continue",
            ));
        };
        let partial = partial_path(&target);
        if !partial.exists() && target.exists() {
            std::fs::copy(&target, &partial)?;
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
                inner: Inner::Replace {
                    target,
                    partial,
                    out: BufWriter::new(file),
                },
            },
            lines,
        ))
    }

    /// Flushes; a file is synced and renamed over its target.
    pub fn commit(self) -> io::Result<()> {
        match self.inner {
            Inner::Replace {
                target,
                partial,
                mut out,
            } => {
                out.flush()?;
                out.get_ref().sync_all()?;
                std::fs::rename(&partial, &target)
            }
            Inner::Stream(mut out) => out.flush(),
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Replace { out, .. } => out.write(buf),
            Inner::Stream(out) => out.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Replace { out, .. } => out.flush(),
            Inner::Stream(out) => out.flush(),
        }
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

    #[cfg(unix)]
    #[test]
    fn a_symlink_target_is_replaced_and_a_device_is_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.jsonl");
        std::fs::write(&real, "old\n").unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink("real.jsonl", &link).unwrap();
        let mut file = AtomicFile::create(&link).unwrap();
        file.write_all(b"new\n").unwrap();
        file.commit().unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new\n");
        // A dangling link: its end is created.
        let dangling = dir.path().join("dangling.jsonl");
        std::os::unix::fs::symlink("made.jsonl", &dangling).unwrap();
        let mut file = AtomicFile::create(&dangling).unwrap();
        file.write_all(b"made\n").unwrap();
        file.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("made.jsonl")).unwrap(),
            "made\n"
        );
        assert_eq!(
            destination(Path::new("/dev/null")).unwrap(),
            Destination::Stream("/dev/null".into())
        );
        assert_eq!(destination(Path::new("-")).unwrap(), Destination::Stdout);
        let mut null = AtomicFile::create(Path::new("/dev/null")).unwrap();
        null.write_all(b"gone").unwrap();
        null.commit().unwrap();
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
    }
}
