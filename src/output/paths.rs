//! Output paths checked before a run reads anything: an output must not be one of the inputs
//! (the run would replace what it reads), and two outputs must not be the same file (their lines
//! would be mixed into a corrupt file).

use super::atomic::{destination, Destination};
use std::path::{Path, PathBuf};

/// The file an output path will replace, made absolute and with its symlinks resolved; `None`
/// for stdout, FIFOs and devices (streams, not files to compare) and for paths that cannot be
/// resolved (creating them will fail with its own message).
fn output_key(path: &Path) -> Option<PathBuf> {
    let Ok(Destination::Replace(file)) = destination(path) else {
        return None;
    };
    if let Ok(canonical) = std::fs::canonicalize(&file) {
        return Some(canonical);
    }
    let name = file.file_name()?;
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(name))
}

/// Refuses outputs that are inputs, or that name the same file twice. `outputs` pairs each
/// output's option name (`--output`) with its path; `inputs` are the paths as given (`-` and
/// paths that do not exist are passed over; a directory counts for the files below it that
/// `walked` says the run would read).
pub fn check_outputs(
    inputs: &[String],
    outputs: &[(&str, &Path)],
    walked: impl Fn(&Path) -> bool,
) -> Result<(), String> {
    let keys: Vec<(&str, &Path, PathBuf)> = outputs
        .iter()
        .filter_map(|&(option, path)| output_key(path).map(|key| (option, path, key)))
        .collect();
    for (i, (option, path, key)) in keys.iter().enumerate() {
        if let Some((other, other_path, _)) = keys[..i].iter().find(|(_, _, k)| k == key) {
            return Err(format!(
                "{other} {} and {option} {} are the same file: refusing to write two outputs into one",
                other_path.display(),
                path.display()
            ));
        }
    }
    for input in inputs.iter().filter(|i| i.as_str() != "-") {
        let Ok(canonical) = std::fs::canonicalize(input) else {
            continue;
        };
        let is_dir = canonical.is_dir();
        for (option, path, key) in &keys {
            let read = if is_dir {
                key.starts_with(&canonical) && key.is_file() && walked(key)
            } else {
                *key == canonical
            };
            if read {
                return Err(format!(
                    "{option} {} is also an input ({input}): refusing to overwrite it",
                    path.display()
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_that_is_an_input_or_another_output_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("p.jsonl");
        std::fs::write(&input, "{}\n").unwrap();
        let inputs = [input.to_string_lossy().into_owned()];
        let all = |_: &Path| true;
        let err = check_outputs(&inputs, &[("--output", &input)], all).unwrap_err();
        assert!(err.contains("is also an input"), "{err}");
        // The same file by another spelling.
        let other = dir.path().join(".").join("p.jsonl");
        assert!(check_outputs(&inputs, &[("--summary", &other)], all).is_err());
        // Under an input directory, when the walk reads it.
        let dirs = [dir.path().to_string_lossy().into_owned()];
        assert!(check_outputs(&dirs, &[("--output", &input)], all).is_err());
        assert!(check_outputs(&dirs, &[("--output", &input)], |_| false).is_ok());
        let s = dir.path().join("s.csv");
        let err = check_outputs(
            &inputs,
            &[("--output", &s), ("--summary", &s), ("--errors", &s)],
            all,
        )
        .unwrap_err();
        assert!(err.contains("are the same file"), "{err}");
        let t = dir.path().join("t.csv");
        assert!(check_outputs(&inputs, &[("--output", &s), ("--summary", &t)], all).is_ok());
        // Streams are not files to compare.
        let null = Path::new("/dev/null");
        assert!(check_outputs(&inputs, &[("--output", null), ("--summary", null)], all).is_ok());
    }
}
