//! Output files that are either complete or absent: written under a temporary name in the
//! target's folder, then renamed over the target on success. A failed or interrupted run
//! leaves no half-written file behind.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{CoreError, Result};
use crate::publish::{remove_stale_temps, temp_prefix, LiveTemp};

/// A file being written; call [`AtomicFile::commit`] to publish it (or [`AtomicFile::finish`]
/// to stage it for a [`crate::publish::Publication`] of several files). Dropped without a
/// commit, the temporary file is removed.
///
/// The temporary file is created by `tempfile` in the target's folder with a random name and
/// `O_EXCL` (a planted file or symbolic link cannot redirect the write), named
/// `.<target name>.churn-tmp-<pid>-<random>` so that temporaries a killed run left behind can be
/// recognised and removed by the next run (see [`remove_stale_temps`]). While it exists it is
/// registered, so that SIGTERM, SIGINT and SIGHUP handlers can remove it
/// ([`crate::publish::remove_live_temps`]).
pub struct AtomicFile {
    target: PathBuf,
    writer: Option<BufWriter<NamedTempFile>>,
    live: Option<LiveTemp>,
}

/// A fully written, synced temporary file waiting to be renamed over its target. Dropped
/// unpublished, it is removed.
pub struct Staged {
    target: PathBuf,
    tmp: NamedTempFile,
    _live: LiveTemp,
}

impl Staged {
    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Where the complete file lies until it is published (a temporary name in the target's
    /// folder), for reading it back.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Renames the file into place.
    pub fn publish(self) -> Result<()> {
        let Staged { target, tmp, _live } = self;
        tmp.persist(&target).map_err(|e| CoreError::io(&target, e.error))?;
        Ok(())
    }
}

impl AtomicFile {
    /// Starts writing `target` (its folder must exist; it must not be a folder).
    pub fn create(target: &Path) -> Result<AtomicFile> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(CoreError::Io {
                path: target.into(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("folder {} does not exist", dir.display()),
                ),
            });
        }
        if target.is_dir() {
            return Err(CoreError::Io {
                path: target.into(),
                source: std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a folder, not a file"),
            });
        }
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
        remove_stale_temps(&dir, &name);
        let tmp = tempfile::Builder::new()
            .prefix(&temp_prefix(&name, std::process::id()))
            .tempfile_in(&dir)
            .map_err(|e| CoreError::io(target, e))?;
        let live = LiveTemp::register(tmp.path());
        Ok(AtomicFile { target: target.into(), writer: Some(BufWriter::with_capacity(1 << 20, tmp)), live: Some(live) })
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes and syncs the file without publishing it.
    pub fn finish(mut self) -> Result<Staged> {
        let w = self.writer.take().expect("writer present until commit");
        let live = self.live.take().expect("registered until commit");
        let tmp = w.into_inner().map_err(|e| CoreError::io(&self.target, e.into_error()))?;
        tmp.as_file().sync_all().map_err(|e| CoreError::io(&self.target, e))?;
        Ok(Staged { target: std::mem::take(&mut self.target), tmp, _live: live })
    }

    /// Flushes, syncs and renames the file into place. On failure the temporary is removed.
    pub fn commit(self) -> Result<()> {
        self.finish()?.publish()
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.as_mut().expect("writer present until commit").write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.writer.as_mut().expect("writer present until commit").write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.as_mut().expect("writer present until commit").flush()
    }
}

/// Writes `bytes` to `target` atomically.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(target)?;
    f.write_all(bytes).map_err(|e| CoreError::io(target, e))?;
    f.commit()
}

/// Appends the decimal digits of `v`, without allocating: the integer formatting of the
/// output hot loops (simulator, scorer).
#[inline]
pub fn push_uint(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_publishes_and_drop_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        {
            let mut f = AtomicFile::create(&p).unwrap();
            f.write_all(b"partial").unwrap();
            assert!(!p.exists());
        }
        assert!(!p.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "temporary file left behind");
        write_atomic(&p, b"done").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"done");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let e = AtomicFile::create(&dir.path().join("no/such/dir/x.csv")).err().unwrap().to_string();
        assert!(e.contains("does not exist"), "{e}");
    }
}
