//! Saving a model directory whole: written into a temporary directory beside the target, then
//! swapped in ([`super::ModelBundle::save`]).

use super::{io, manifest, MANIFEST_FILE};
use crate::error::ModelError;
use std::path::Path;

/// Where [`ModelBundle::save`] writes a model: the directory, resolved, and what was there.
pub(super) struct SaveTarget {
    /// The existing directory's metadata (`None`: there is none yet).
    old: Option<std::fs::Metadata>,
    /// The directory's resolved path.
    target: std::path::PathBuf,
    /// Its name and parent directory.
    name: String,
    parent: std::path::PathBuf,
}

impl SaveTarget {
    /// Where the model goes: an existing directory (or a link to one) by its resolved path,
    /// so `.`, `..` and symbolic links name the directory itself. Refuses an existing path that
    /// is not an empty or model directory.
    pub(super) fn of(dir: &Path) -> Result<Self, ModelError> {
        let old = match std::fs::metadata(dir) {
            Ok(meta) => Some(meta),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(dir, e)),
        };
        let target = match &old {
            Some(_) => std::fs::canonicalize(dir).map_err(|e| io(dir, e))?,
            None => dir.to_path_buf(),
        };
        if let Some(meta) = &old {
            let refuse = |message: &str| ModelError::Io {
                path: dir.display().to_string(),
                message: message.to_string(),
            };
            if !meta.is_dir() {
                return Err(refuse("exists and is not a directory"));
            }
            let is_model =
                target.join("model.json").exists() || target.join(MANIFEST_FILE).exists();
            let is_empty = std::fs::read_dir(&target)
                .map_err(|e| io(dir, e))?
                .next()
                .is_none();
            if !is_model && !is_empty {
                return Err(refuse(
                    "exists and is not a pagesift model directory (no model.json or \
                     manifest.json): refusing to replace it",
                ));
            }
        }
        let name = target
            .file_name()
            .ok_or_else(|| ModelError::Io {
                path: dir.display().to_string(),
                message: "not a directory name a model can be written to".into(),
            })?
            .to_string_lossy()
            .into_owned();
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| io(&parent, e))?;
        Ok(SaveTarget {
            old,
            target,
            name,
            parent,
        })
    }

    /// The new model, whole (its files and their manifest), in a fresh directory beside the
    /// target.
    pub(super) fn write_staging(
        &self,
        files: &[(&str, &str)],
    ) -> Result<tempfile::TempDir, ModelError> {
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{}.", self.name))
            .suffix(".partial")
            .tempdir_in(&self.parent)
            .map_err(|e| io(&self.parent, e))?;
        for (file_name, text) in files {
            let path = staging.path().join(file_name);
            std::fs::write(&path, text).map_err(|e| io(&path, e))?;
        }
        let manifest_path = staging.path().join(MANIFEST_FILE);
        std::fs::write(&manifest_path, manifest(files)).map_err(|e| io(&manifest_path, e))?;
        // The temporary directory is private (0700); the model gets the old directory's
        // permissions, or the usual 0755.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let permissions = self
                .old
                .as_ref()
                .map(|m| m.permissions())
                .unwrap_or_else(|| std::fs::Permissions::from_mode(0o755));
            std::fs::set_permissions(staging.path(), permissions)
                .map_err(|e| io(staging.path(), e))?;
        }
        Ok(staging)
    }

    /// The swap: the old directory is renamed onto an empty directory of its own (removed
    /// when `aside` is dropped), the new one renamed in; if that fails, the old one is put
    /// back.
    pub(super) fn swap_in(&self, staging: tempfile::TempDir) -> Result<(), ModelError> {
        let target = &self.target;
        let aside = match &self.old {
            Some(_) => {
                let aside = tempfile::Builder::new()
                    .prefix(&format!(".{}.", self.name))
                    .suffix(".old")
                    .tempdir_in(&self.parent)
                    .map_err(|e| io(&self.parent, e))?;
                std::fs::rename(target, aside.path()).map_err(|e| io(target, e))?;
                Some(aside)
            }
            None => None,
        };
        if let Err(e) = std::fs::rename(staging.path(), target) {
            if let Some(aside) = &aside {
                let _ = std::fs::rename(aside.path(), target);
            }
            return Err(io(target, e));
        }
        // The new model is in place: the staging directory must not be removed with `staging`.
        let _ = staging.keep();
        drop(aside);
        Ok(())
    }
}
