//! Publishing the outputs of a run all together, and keeping temporary files from leaking.
//!
//! * [`Publication`]: every output of a run is written and synced under a temporary name
//!   first ([`crate::output::AtomicFile::finish`]); only when all of them are complete are
//!   they renamed into place, so a run that fails half-way (the summary cannot be written, too
//!   many rejects, disk full) publishes nothing new and leaves earlier outputs untouched.
//! * Temporary files are registered while they exist; [`remove_live_temps`] removes them (the
//!   command-line tool calls it from its SIGTERM/SIGINT/SIGHUP handler), and
//!   [`remove_stale_temps`] removes those that a killed run (a dead process) left behind.
//! * [`check_distinct`]: no two paths of a run (inputs or outputs) may be the same file, so an
//!   output never replaces an input or another output.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{CoreError, Result};
use crate::output::Staged;

static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A registered temporary file; unregistered when dropped.
pub struct LiveTemp(PathBuf);

impl LiveTemp {
    /// Registers `path` for [`remove_live_temps`].
    pub fn register(path: &Path) -> LiveTemp {
        if let Ok(mut live) = LIVE.lock() {
            live.push(path.to_path_buf());
        }
        LiveTemp(path.to_path_buf())
    }
}

impl Drop for LiveTemp {
    fn drop(&mut self) {
        if let Ok(mut live) = LIVE.lock() {
            if let Some(i) = live.iter().rposition(|p| *p == self.0) {
                live.swap_remove(i);
            }
        }
    }
}

/// Removes every temporary file of this process still being written (for signal handlers,
/// which exit without running destructors). Returns how many were removed.
pub fn remove_live_temps() -> usize {
    let paths = match LIVE.lock() {
        Ok(mut live) => std::mem::take(&mut *live),
        Err(_) => return 0,
    };
    paths.iter().filter(|p| std::fs::remove_file(p).is_ok()).count()
}

/// The name prefix of this toolkit's temporary files for target file name `name`, written by
/// process `pid` (a random suffix follows).
pub fn temp_prefix(name: &str, pid: u32) -> String {
    format!(".{name}.churn-tmp-{pid}-")
}

/// Whether process `pid` is known to have ended (Linux `/proc`; elsewhere never known).
fn process_gone(pid: u32) -> bool {
    Path::new("/proc/self").exists() && !Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes from `dir` the temporary files of target name `name` that a process which no
/// longer runs left behind: this toolkit's `.<name>.churn-tmp-<pid>-*` and the
/// `.<name>.tmp-<pid>` of earlier versions. Files of running processes are left alone.
/// Returns how many were removed.
pub fn remove_stale_temps(dir: &Path, name: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let new = format!(".{name}.churn-tmp-");
    let old = format!(".{name}.tmp-");
    let mut removed = 0;
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(file) = file.to_str() else { continue };
        let pid = if let Some(rest) = file.strip_prefix(&new) {
            rest.split('-').next()
        } else if let Some(rest) = file.strip_prefix(&old) {
            Some(rest)
        } else {
            continue;
        };
        let Some(pid) = pid.and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid == std::process::id() || !process_gone(pid) {
            continue;
        }
        if e.file_type().is_ok_and(|t| t.is_file()) && std::fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The outputs of one run, staged until all are complete.
#[derive(Default)]
pub struct Publication {
    staged: Vec<Staged>,
}

impl Publication {
    /// An empty publication.
    pub fn new() -> Publication {
        Publication::default()
    }

    /// Adds a complete output.
    pub fn add(&mut self, file: Staged) {
        self.staged.push(file);
    }

    /// The targets staged so far, in order.
    pub fn targets(&self) -> Vec<PathBuf> {
        self.staged.iter().map(|s| s.target().to_path_buf()).collect()
    }

    /// Renames every staged file into place, in the order added. Dropped instead, nothing is
    /// published and the temporaries are removed.
    pub fn publish(self) -> Result<()> {
        for s in self.staged {
            s.publish()?;
        }
        Ok(())
    }
}

/// What identifies a path's file: the canonical path of an existing file; for a file still to
/// be created, its canonical folder joined with its name.
fn identity(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    dir.canonicalize().ok().map(|d| d.join(name))
}

#[cfg(unix)]
fn same_inode(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_inode(_: &Path, _: &Path) -> bool {
    false
}

/// Refuses two of `paths` (each with the option or role that named it) that are the same file:
/// the same path, the same file through a symbolic link or `..`, or a hard link.
pub fn check_distinct(paths: &[(&str, &Path)]) -> Result<()> {
    let ids: Vec<Option<PathBuf>> = paths.iter().map(|(_, p)| identity(p)).collect();
    for i in 0..paths.len() {
        for j in i + 1..paths.len() {
            let same = match (&ids[i], &ids[j]) {
                (Some(a), Some(b)) => a == b,
                _ => paths[i].1 == paths[j].1,
            } || same_inode(paths[i].1, paths[j].1);
            if same {
                return Err(CoreError::SamePath {
                    path: paths[j].1.to_path_buf(),
                    first: paths[i].0.to_string(),
                    second: paths[j].0.to_string(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::AtomicFile;
    use std::io::Write;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        v.sort();
        v
    }

    #[test]
    fn nothing_is_published_unless_everything_is() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.json"));
        std::fs::write(&a, "old").unwrap();
        {
            let mut pubn = Publication::new();
            let mut f = AtomicFile::create(&a).unwrap();
            f.write_all(b"new").unwrap();
            pubn.add(f.finish().unwrap());
            // The second output fails (its folder is missing): the run stops, nothing moves.
            assert!(AtomicFile::create(&dir.path().join("missing/b.json")).is_err());
        }
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old");
        assert_eq!(names(dir.path()), ["a.csv"]);
        let mut pubn = Publication::new();
        for (p, text) in [(&a, "A"), (&b, "B")] {
            let mut f = AtomicFile::create(p).unwrap();
            f.write_all(text.as_bytes()).unwrap();
            pubn.add(f.finish().unwrap());
        }
        assert_eq!(pubn.targets(), [a.clone(), b.clone()]);
        pubn.publish().unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "A");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "B");
        assert_eq!(names(dir.path()), ["a.csv", "b.json"]);
    }

    #[test]
    fn live_temps_are_removed_on_request_and_stale_ones_of_dead_processes() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("s.csv");
        let f = AtomicFile::create(&target).unwrap();
        assert_eq!(names(dir.path()).len(), 1);
        assert!(remove_live_temps() >= 1);
        assert!(names(dir.path()).is_empty());
        drop(f);
        // A dead process's temporaries (pid beyond any pid_max) go, other files stay.
        let dead = 4_194_999u32;
        for n in [format!("{}abc", temp_prefix("s.csv", dead)), format!(".s.csv.tmp-{dead}"), "keep.csv".into()] {
            std::fs::write(dir.path().join(n), "x").unwrap();
        }
        std::fs::write(dir.path().join(format!("{}abc", temp_prefix("s.csv", std::process::id()))), "x").unwrap();
        if Path::new("/proc/self").exists() {
            assert_eq!(remove_stale_temps(dir.path(), "s.csv"), 2);
            assert_eq!(names(dir.path()).len(), 2);
        }
    }

    #[test]
    fn the_same_file_under_two_names_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("in.csv"), "x").unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        let ok = check_distinct(&[("--data", &d.join("in.csv")), ("--out", &d.join("out.csv"))]);
        assert!(ok.is_ok());
        let e = check_distinct(&[("--data", &d.join("in.csv")), ("--out", &d.join("sub/../in.csv"))]).unwrap_err();
        assert_eq!(e.to_string(), format!("--data and --out name the same file {}", d.join("sub/../in.csv").display()));
        let e = check_distinct(&[("--out", &d.join("o.csv")), ("--summary", &d.join("sub/../o.csv"))]);
        assert!(e.is_err(), "two outputs still to be created");
        #[cfg(unix)]
        {
            std::fs::hard_link(d.join("in.csv"), d.join("hard.csv")).unwrap();
            assert!(check_distinct(&[("--data", &d.join("in.csv")), ("--out", &d.join("hard.csv"))]).is_err());
            std::os::unix::fs::symlink(d.join("in.csv"), d.join("soft.csv")).unwrap();
            assert!(check_distinct(&[("--data", &d.join("in.csv")), ("--out", &d.join("soft.csv"))]).is_err());
        }
    }
}
