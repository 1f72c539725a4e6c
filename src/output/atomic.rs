//! Output files that appear whole or not at all: a regular file is written to a temporary file
//! beside it, `.NAME.XXXXXX.partial` (an unpredictable name, created with `O_EXCL`, so a planted
//! symlink cannot redirect it), which is renamed over it only when the run finishes. A run that
//! fails, or whose reader goes away, removes its temporary files; a run that is killed leaves the
//! old file untouched and its partial file behind, from which `--resume` continues.
//!
//! Not every output path is a file to replace. A symlink is followed, and its resolved target is
//! replaced (the link stays a link). A FIFO, a terminal or another device (`/dev/stdout`,
//! `/dev/null`), and `-`, are written through as a stream: renaming a file over them would turn
//! them into regular files.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// A file being written under a temporary name, or a stream written through.
pub struct AtomicFile {
    inner: Inner,
}

enum Inner {
    /// A regular file (or none yet): written beside the target, renamed over it at commit.
    Replace {
        target: PathBuf,
        out: BufWriter<NamedTempFile>,
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
    // This process's stdout under its other names: written to the open descriptor itself, so a
    // stdout redirected to a file (`>> log`) is appended to, neither replaced nor reopened.
    if [
        "-",
        "/dev/stdout",
        "/dev/fd/1",
        "/proc/self/fd/1",
        "/proc/thread-self/fd/1",
    ]
    .iter()
    .any(|name| target.as_os_str() == *name)
    {
        return Ok(Destination::Stdout);
    }
    // Anything else under /dev or /proc (`/dev/stderr`, `/dev/fd/3`) is written through, even
    // when it resolves to a regular file.
    if (target.starts_with("/dev") || target.starts_with("/proc")) && target.exists() {
        return Ok(Destination::Stream(target.to_path_buf()));
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

/// The name every temporary file of `target` starts with: `.NAME.` (it ends with `.partial`).
pub fn partial_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    format!(".{name}.")
}

/// The temporary files of `target` left by killed runs (`.NAME.XXXXXX.partial`, or the
/// `.NAME.partial` of older versions): regular files only, never symlinks, newest first.
pub fn partial_files(target: &Path) -> io::Result<Vec<PathBuf>> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let prefix = partial_prefix(target);
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with(&prefix) && name.ends_with(".partial")) {
            continue;
        }
        let meta = std::fs::symlink_metadata(entry.path())?;
        if meta.file_type().is_file() {
            found.push((meta.modified().ok(), entry.path()));
        }
    }
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

/// A new temporary file beside `target`, with the permissions `target` has (or would get from
/// `File::create`: 0666 less the umask).
fn temp_beside(target: &Path) -> io::Result<NamedTempFile> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let prefix = partial_prefix(target);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".partial");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let file = builder.tempfile_in(dir)?;
    if let Ok(meta) = std::fs::metadata(target) {
        // Best effort: the replaced file keeps its mode.
        let _ = file.as_file().set_permissions(meta.permissions());
    }
    Ok(file)
}

impl AtomicFile {
    /// Starts a new temporary file beside `target`, or opens a stream.
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let inner = match destination(target)? {
            Destination::Stdout => Inner::Stream(BufWriter::new(Box::new(io::stdout()))),
            Destination::Stream(path) => {
                let file = OpenOptions::new().write(true).open(path)?;
                Inner::Stream(BufWriter::new(Box::new(file)))
            }
            Destination::Replace(target) => Inner::Replace {
                out: BufWriter::new(temp_beside(&target)?),
                target,
            },
        };
        Ok(AtomicFile { inner })
    }

    /// Continues a JSON Lines output: the newest partial file of a killed run (or else, or if the
    /// target is newer, the finished target), cut after its last complete line. Its complete
    /// lines are copied into a new temporary file, and the partial file it came from is removed.
    /// Returns the file and the lines.
    pub fn resume(target: &Path) -> io::Result<(AtomicFile, Vec<String>)> {
        let Destination::Replace(target) = destination(target)? else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "--resume needs a regular file to continue",
            ));
        };
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        // A partial file older than the finished target is from a run the target replaced.
        let partial = partial_files(&target)?
            .into_iter()
            .next()
            .filter(|p| !target.is_file() || modified(p) >= modified(&target));
        let source = partial
            .clone()
            .or_else(|| target.is_file().then(|| target.clone()));
        let mut out = BufWriter::new(temp_beside(&target)?);
        let mut lines = Vec::new();
        if let Some(source) = source {
            let mut reader = BufReader::new(File::open(&source)?);
            let mut line = Vec::new();
            loop {
                line.clear();
                let n = reader.read_until(b'\n', &mut line)?;
                // A last line without its newline was cut by the kill: it is dropped.
                if n == 0 || line.last() != Some(&b'\n') {
                    break;
                }
                out.write_all(&line)?;
                lines.push(String::from_utf8_lossy(&line[..n - 1]).into_owned());
            }
            out.flush()?;
        }
        if let Some(partial) = partial {
            // Its lines are in the new temporary file now.
            std::fs::remove_file(partial)?;
        }
        Ok((
            AtomicFile {
                inner: Inner::Replace { target, out },
            },
            lines,
        ))
    }

    /// Flushes; a file is synced and renamed over its target.
    pub fn commit(self) -> io::Result<()> {
        match self.inner {
            Inner::Replace { target, out } => {
                let file = out.into_inner().map_err(|e| e.into_error())?;
                file.as_file().sync_all()?;
                file.persist(&target).map_err(|e| e.error)?;
                Ok(())
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
        std::mem::forget(file); // killed: no commit, no clean-up
        let (mut file, lines) = AtomicFile::resume(&target).unwrap();
        assert_eq!(lines, ["{\"id\":\"a\"}", "{\"id\":\"b\"}"]);
        file.write_all(b"{\"id\":\"c\"}\n").unwrap();
        file.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n"
        );
        assert!(partial_files(&target).unwrap().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_partial_symlink_is_not_followed_and_a_failed_run_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jsonl");
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious\n").unwrap();
        std::os::unix::fs::symlink("victim.txt", dir.path().join(".out.jsonl.partial")).unwrap();
        let mut file = AtomicFile::create(&target).unwrap();
        file.write_all(b"new\n").unwrap();
        file.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new\n");
        // A symlink is not a partial file to resume from.
        assert!(partial_files(&target).unwrap().is_empty());
        let (file, lines) = AtomicFile::resume(&target).unwrap();
        assert_eq!(lines, ["new"]);
        drop(file);
        // Dropped without commit (an error, a closed pipe): no temporary file is left.
        let mut file = AtomicFile::create(&target).unwrap();
        file.write_all(b"half").unwrap();
        file.flush().unwrap();
        drop(file);
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".partial") && n != ".out.jsonl.partial")
            .collect();
        assert!(left.is_empty(), "{left:?}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new\n");
    }

    #[test]
    fn resume_prefers_a_finished_target_newer_than_the_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jsonl");
        let mut killed = AtomicFile::create(&target).unwrap();
        killed.write_all(b"stale\n").unwrap();
        killed.flush().unwrap();
        std::mem::forget(killed);
        std::thread::sleep(std::time::Duration::from_millis(20));
        // A later run finished without --resume.
        let mut done = AtomicFile::create(&target).unwrap();
        done.write_all(b"fresh\nlines\n").unwrap();
        done.commit().unwrap();
        let (file, lines) = AtomicFile::resume(&target).unwrap();
        assert_eq!(lines, ["fresh", "lines"]);
        drop(file);
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
        assert_eq!(
            destination(Path::new("/dev/stdout")).unwrap(),
            Destination::Stdout
        );
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
