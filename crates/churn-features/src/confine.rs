//! Confinement of the files a spec names to the data folder.
//!
//! A spec travels inside model files, and a scheduled `churn score --as-of` follows whatever
//! spec the model at a path holds. The files it names must therefore stay inside the folder
//! the user passed (`--data-dir`, `--activity-dir`): a relative path without `..`, and no
//! symbolic link that leads out of the folder. Anything else is refused before it is opened.

use std::path::{Component, Path, PathBuf};

use crate::error::FeatureError;

/// `data_dir` joined with `file` (the value of spec field `field`), or an error when `file`
/// is absolute, climbs with `..`, or resolves (through symbolic links) outside `data_dir`.
/// A file that does not exist is returned as joined, for the reader to report.
pub fn confined_path(data_dir: &Path, field: &str, file: &str) -> Result<PathBuf, FeatureError> {
    let refuse = |why: &str| FeatureError::InvalidSpec {
        field: field.to_string(),
        message: format!(
            "'{}' {why}: the files of a spec must be inside the data folder {}",
            churn_core::excerpt(file),
            data_dir.display()
        ),
    };
    let rel = Path::new(file);
    if file.is_empty() {
        return Err(refuse("is empty"));
    }
    for c in rel.components() {
        match c {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err(refuse("climbs out with `..`")),
            Component::RootDir | Component::Prefix(_) => return Err(refuse("is an absolute path")),
        }
    }
    let joined = data_dir.join(rel);
    let (Ok(root), Ok(resolved)) = (data_dir.canonicalize(), joined.canonicalize()) else {
        return Ok(joined);
    };
    if !resolved.starts_with(&root) {
        return Err(refuse("leads outside through a symbolic link"));
    }
    Ok(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("data");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("a.csv"), "x\n").unwrap();
        std::fs::write(dir.path().join("secret.csv"), "x\n").unwrap();
        assert_eq!(confined_path(&d, "f", "a.csv").unwrap(), d.join("a.csv"));
        assert_eq!(confined_path(&d, "f", "./a.csv").unwrap(), d.join("./a.csv"));
        assert_eq!(confined_path(&d, "f", "missing.csv").unwrap(), d.join("missing.csv"));
        for bad in ["/proc/self/environ", "../secret.csv", "sub/../../secret.csv", ""] {
            let e = confined_path(&d, "static[0].file", bad).unwrap_err().to_string();
            assert!(e.starts_with("spec field `static[0].file`"), "{e}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.csv"), d.join("link.csv")).unwrap();
            let e = confined_path(&d, "activity.file", "link.csv").unwrap_err().to_string();
            assert!(e.contains("symbolic link"), "{e}");
            std::os::unix::fs::symlink(d.join("a.csv"), d.join("inside.csv")).unwrap();
            assert!(confined_path(&d, "activity.file", "inside.csv").is_ok());
        }
    }
}
