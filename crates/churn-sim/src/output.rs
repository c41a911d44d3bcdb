//! Output files: temporary names, in-order chunk writing, parallel-friendly gzip.
//!
//! Gzip output is one ordinary gzip member (readable by `flate2::read::GzDecoder`, `gzip -d`,
//! pandas ...). Workers deflate their chunks independently, ending each with a sync flush
//! (the last chunk of a file with the final block), pigz-style; the writer concatenates the
//! raw deflate data and combines the CRCs.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

use crate::SimError;

/// Deflate level of gzip output.
const GZIP_LEVEL: u32 = 1;

/// One chunk's bytes for one file, ready to be appended.
pub(crate) enum Payload {
    Plain(Vec<u8>),
    Gzip { deflated: Vec<u8>, crc: Crc, len: u64 },
}

/// Turns a chunk's CSV bytes into a payload. `last` marks the file's final chunk.
pub(crate) fn encode(data: Vec<u8>, gzip: bool, last: bool, path: &Path) -> Result<Payload, SimError> {
    if !gzip {
        return Ok(Payload::Plain(data));
    }
    let mut crc = Crc::new();
    crc.update(&data);
    let deflated = deflate(&data, last).map_err(|e| SimError::Io {
        action: "compress",
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    Ok(Payload::Gzip { deflated, crc, len: data.len() as u64 })
}

/// Raw deflate of `data`, ending with a sync flush, or with the final block when `last`.
fn deflate(data: &[u8], last: bool) -> Result<Vec<u8>, flate2::CompressError> {
    if data.is_empty() && !last {
        return Ok(Vec::new());
    }
    let mut c = Compress::new(Compression::new(GZIP_LEVEL), false);
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    let flush = if last { FlushCompress::Finish } else { FlushCompress::Sync };
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(4096));
        }
        let consumed = c.total_in() as usize;
        let status = c.compress_vec(&data[consumed..], &mut out, flush)?;
        let done_input = c.total_in() as usize == data.len();
        match status {
            Status::StreamEnd => break,
            // A sync flush is complete once all input is in and output space is left over.
            Status::Ok | Status::BufError if !last && done_input && out.capacity() > out.len() => break,
            _ => {}
        }
    }
    Ok(out)
}

/// An output file being written under a temporary name.
pub(crate) struct Sink {
    tmp: PathBuf,
    path: PathBuf,
    w: BufWriter<File>,
    gzip: bool,
    crc: Crc,
    len: u64,
    bytes: u64,
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> SimError + 'a {
    move |source| SimError::Io { action, path: path.to_path_buf(), source }
}

impl Sink {
    pub(crate) fn create(path: PathBuf, gzip: bool) -> Result<Sink, SimError> {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&tmp).map_err(io_err("create", &tmp))?;
        let mut sink =
            Sink { tmp, path, w: BufWriter::with_capacity(1 << 20, file), gzip, crc: Crc::new(), len: 0, bytes: 0 };
        if gzip {
            // Magic, deflate, no flags, mtime 0, no extra flags, OS unknown: reproducible.
            sink.raw(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])?;
        }
        Ok(sink)
    }

    pub(crate) fn tmp_path(&self) -> &Path {
        &self.tmp
    }

    fn raw(&mut self, b: &[u8]) -> Result<(), SimError> {
        self.bytes += b.len() as u64;
        self.w.write_all(b).map_err(io_err("write", &self.tmp))
    }

    pub(crate) fn write(&mut self, p: &Payload) -> Result<(), SimError> {
        match p {
            Payload::Plain(data) => self.raw(data),
            Payload::Gzip { deflated, crc, len } => {
                debug_assert!(self.gzip);
                self.crc.combine(crc);
                self.len += len;
                self.raw(deflated)
            }
        }
    }

    /// Writes the gzip trailer and flushes; returns the bytes written.
    pub(crate) fn finish(mut self) -> Result<(PathBuf, PathBuf, u64), SimError> {
        if self.gzip {
            let mut trailer = [0u8; 8];
            trailer[..4].copy_from_slice(&self.crc.sum().to_le_bytes());
            trailer[4..].copy_from_slice(&(self.len as u32).to_le_bytes());
            self.raw(&trailer)?;
        }
        let file = self.w.into_inner().map_err(|e| SimError::Io {
            action: "write",
            path: self.tmp.clone(),
            source: e.into_error(),
        })?;
        drop(file);
        Ok((self.tmp, self.path, self.bytes))
    }
}

/// Removes the temporary files it holds when dropped, unless they were renamed.
pub(crate) struct TmpGuard(pub Vec<PathBuf>);

impl Drop for TmpGuard {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read;

    #[test]
    fn chunked_deflate_is_one_valid_gzip_member() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv.gz");
        let mut sink = Sink::create(path.clone(), true).unwrap();
        let mut expected = Vec::new();
        let chunks: Vec<Vec<u8>> = (0..5u32)
            .map(|i| {
                (0..i * 20_000).map(|j| b"abc,12\n"[(j % 7) as usize] ^ ((j % 3 == 0) as u8 * (i as u8))).collect()
            })
            .collect();
        for (i, c) in chunks.iter().enumerate() {
            expected.extend_from_slice(c);
            sink.write(&encode(c.clone(), true, i == chunks.len() - 1, &path).unwrap()).unwrap();
        }
        let (tmp, _, bytes) = sink.finish().unwrap();
        let gz = fs::read(&tmp).unwrap();
        assert_eq!(gz.len() as u64, bytes);
        // GzDecoder reads a single member only: the whole stream must be one member.
        let mut back = Vec::new();
        GzDecoder::new(&gz[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, expected);
    }
}
