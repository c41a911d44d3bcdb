//! Reading input files: gzip detection, headers, and a two-thread chunked line reader for the
//! (large) activity table.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::mpsc;

use crate::error::{closest, io_err, FeatureError};

/// Opens a CSV file, transparently decompressing gzip (detected by its magic bytes, so the
/// extension does not matter).
pub(crate) fn open(path: &Path) -> Result<Box<dyn Read + Send>, FeatureError> {
    let f = File::open(path).map_err(io_err(path))?;
    let mut br = BufReader::with_capacity(1 << 20, f);
    let head = br.fill_buf().map_err(io_err(path))?;
    if head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b {
        Ok(Box::new(BufReader::with_capacity(1 << 20, flate2::read::MultiGzDecoder::new(br))))
    } else {
        Ok(Box::new(br))
    }
}

/// Display name of a file in messages: its file name.
pub(crate) fn display_name(path: &Path) -> String {
    path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// The header of a file and column lookup with suggestions.
pub(crate) struct Header {
    pub(crate) file: String,
    pub(crate) names: Vec<String>,
}

impl Header {
    pub(crate) fn parse(file: &str, line: &[u8]) -> Result<Header, FeatureError> {
        let line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(line);
        let mut rec = csv::StringRecord::new();
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => return Err(FeatureError::EmptyFile { file: file.to_string() }),
            Err(e) => {
                return Err(FeatureError::BadRow {
                    file: file.to_string(),
                    line: 1,
                    message: format!("cannot read the header: {e}"),
                })
            }
        }
        Ok(Header { file: file.to_string(), names: rec.iter().map(|s| s.trim().to_string()).collect() })
    }

    /// Index of `column`, or a `MissingColumn` error naming the spec `field`.
    pub(crate) fn find(&self, column: &str, field: &str) -> Result<usize, FeatureError> {
        self.names.iter().position(|n| n == column).ok_or_else(|| FeatureError::MissingColumn {
            file: self.file.clone(),
            column: column.to_string(),
            field: field.to_string(),
            suggestion: closest(column, self.names.iter().map(|s| s.as_str())),
            available: self.names.join(", "),
        })
    }
}

const CHUNK: usize = 1 << 22;

/// Streams `reader` in chunks of whole lines on a background thread (so decompression and
/// reading overlap with parsing) and calls `f(chunk)` for each, in order, on the calling thread.
/// The first chunk starts with the header line. A read error stops the stream.
pub(crate) fn for_each_chunk<F>(path: &Path, mut reader: Box<dyn Read + Send>, mut f: F) -> Result<(), FeatureError>
where
    F: FnMut(&[u8]) -> Result<(), FeatureError>,
{
    let (tx, rx) = mpsc::sync_channel::<std::io::Result<Vec<u8>>>(3);
    let (back_tx, back_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut carry: Vec<u8> = Vec::new();
            loop {
                let mut buf = back_rx.try_recv().unwrap_or_default();
                buf.clear();
                buf.extend_from_slice(&carry);
                carry.clear();
                // Fill to about CHUNK bytes.
                let mut eof = false;
                let target = CHUNK.max(buf.len() + (1 << 16));
                while buf.len() < target {
                    let old = buf.len();
                    buf.resize(target, 0);
                    match reader.read(&mut buf[old..]) {
                        Ok(0) => {
                            buf.truncate(old);
                            eof = true;
                            break;
                        }
                        Ok(n) => buf.truncate(old + n),
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(old),
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    }
                }
                if !eof {
                    match buf.iter().rposition(|&b| b == b'\n') {
                        Some(p) => {
                            carry.extend_from_slice(&buf[p + 1..]);
                            buf.truncate(p + 1);
                        }
                        None => {
                            // A very long line: keep reading into the carry.
                            carry = std::mem::take(&mut buf);
                            continue;
                        }
                    }
                }
                if !buf.is_empty() && tx.send(Ok(buf)).is_err() {
                    return;
                }
                if eof {
                    return;
                }
            }
        });
        let result = (|| {
            for msg in rx.iter() {
                let chunk = msg.map_err(io_err(path))?;
                f(&chunk)?;
                let _ = back_tx.send(chunk);
            }
            Ok(())
        })();
        drop(rx);
        result
    })
}

/// Splits one CSV line into field byte ranges (trimmed). Handles quoted fields (without
/// embedded newlines). Returns `false` when a quoted field is malformed.
pub(crate) fn split_line(line: &[u8], out: &mut Vec<(usize, usize)>, scratch: &mut Vec<u8>) -> bool {
    out.clear();
    if !line.contains(&b'"') {
        let mut start = 0;
        for (i, &b) in line.iter().enumerate() {
            if b == b',' {
                out.push(trim_range(line, start, i));
                start = i + 1;
            }
        }
        out.push(trim_range(line, start, line.len()));
        return true;
    }
    // Slow path: unquote into `scratch`; ranges then index into `scratch`.
    scratch.clear();
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(line);
    let mut rec = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => {
            for field in rec.iter() {
                let s = scratch.len();
                scratch.extend_from_slice(field);
                out.push(trim_range(scratch, s, scratch.len()));
            }
            true
        }
        _ => false,
    }
}

#[inline]
pub(crate) fn trim_range(b: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && (b[s] == b' ' || b[s] == b'\t') {
        s += 1;
    }
    while e > s && (b[e - 1] == b' ' || b[e - 1] == b'\t') {
        e -= 1;
    }
    (s, e)
}

/// Parses a finite number: a fast path for plain non-negative integers, `str::parse` otherwise.
#[inline]
pub(crate) fn parse_number(b: &[u8]) -> Option<f64> {
    if !b.is_empty() && b.len() <= 15 && b.iter().all(|c| c.is_ascii_digit()) {
        let mut v: u64 = 0;
        for &c in b {
            v = v * 10 + (c - b'0') as u64;
        }
        return Some(v as f64);
    }
    let s = std::str::from_utf8(b).ok()?;
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

/// A case-sensitive map from byte strings to small integers, with an FxHash-style hasher.
#[derive(Default)]
pub(crate) struct FxBuild;

impl std::hash::BuildHasher for FxBuild {
    type Hasher = FxHasher;
    fn build_hasher(&self) -> FxHasher {
        FxHasher(0)
    }
}

/// A fast non-cryptographic hasher (the rustc "Fx" hash); account ids are not adversarial here.
pub(crate) struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(a)).wrapping_mul(SEED);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ b as u64).wrapping_mul(SEED);
        }
        self.0 = h;
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ i as u64).wrapping_mul(SEED);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.0 = (self.0.rotate_left(5) ^ i as u64).wrapping_mul(SEED);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Byte-string keyed map.
pub(crate) type ByteMap<V> = std::collections::HashMap<Box<[u8]>, V, FxBuild>;

/// Account id -> index, open addressing with the first 16 bytes of each key stored inline, so a
/// lookup usually touches one cache line (the activity table is read in arbitrary order).
pub(crate) struct AccountIndex {
    slots: Vec<Slot>,
    /// Full keys, for ids longer than 16 bytes.
    keys: Vec<Box<[u8]>>,
    len: usize,
}

#[derive(Clone, Copy, Default)]
struct Slot {
    /// Hash with the low bit set; 0 = empty.
    tag: u64,
    idx: u32,
    len: u32,
    key: [u8; 16],
}

/// The first 16 bytes of `b`, zero-padded, as one integer.
#[inline]
fn pad16(b: &[u8]) -> u128 {
    let mut k = [0u8; 16];
    let n = b.len().min(16);
    k[..n].copy_from_slice(&b[..n]);
    u128::from_ne_bytes(k)
}

/// Byte-string equality that avoids a `memcmp` call for short strings.
#[inline]
pub(crate) fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 16 {
        for i in 0..a.len() {
            if a[i] != b[i] {
                return false;
            }
        }
        true
    } else {
        a == b
    }
}

fn hash_bytes(b: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = FxHasher(0);
    h.write(b);
    h.write_usize(b.len());
    // Final avalanche so that the low bits used for the slot index are well mixed.
    let mut x = h.finish();
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x | 1
}

impl AccountIndex {
    pub(crate) fn new() -> AccountIndex {
        AccountIndex { slots: vec![Slot::default(); 1024], keys: Vec::new(), len: 0 }
    }

    #[inline]
    fn find(&self, key: &[u8], tag: u64) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut i = (tag >> 1) as usize & mask;
        let padded = pad16(key);
        loop {
            let s = &self.slots[i];
            if s.tag == 0 {
                return Err(i);
            }
            if s.tag == tag
                && s.len as usize == key.len()
                && u128::from_ne_bytes(s.key) == padded
                && (key.len() <= 16 || *self.keys[s.idx as usize] == *key)
            {
                return Ok(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// The index of `key`.
    #[inline]
    pub(crate) fn get(&self, key: &[u8]) -> Option<u32> {
        self.find(key, hash_bytes(key)).ok().map(|i| self.slots[i].idx)
    }

    /// Inserts `key` with the next index (its insertion rank) unless present; returns its index.
    pub(crate) fn insert(&mut self, key: &[u8]) -> u32 {
        let tag = hash_bytes(key);
        match self.find(key, tag) {
            Ok(i) => self.slots[i].idx,
            Err(i) => {
                let idx = self.len as u32;
                let mut k = [0u8; 16];
                let n = key.len().min(16);
                k[..n].copy_from_slice(&key[..n]);
                self.slots[i] = Slot { tag, idx, len: key.len() as u32, key: k };
                self.keys.push(if key.len() > 16 { key.into() } else { Box::default() });
                self.len += 1;
                if self.len * 2 > self.slots.len() {
                    self.grow();
                }
                idx
            }
        }
    }

    fn grow(&mut self) {
        let doubled = vec![Slot::default(); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        let mask = self.slots.len() - 1;
        for s in old.into_iter().filter(|s| s.tag != 0) {
            let mut i = (s.tag >> 1) as usize & mask;
            while self.slots[i].tag != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_index_grows_and_handles_long_keys() {
        let mut ix = AccountIndex::new();
        let keys: Vec<String> = (0..5000)
            .map(|i| if i % 3 == 0 { format!("a-very-long-account-identifier-{i}") } else { format!("{i}") })
            .collect();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(ix.insert(k.as_bytes()), i as u32);
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(ix.get(k.as_bytes()), Some(i as u32), "{k}");
            assert_eq!(ix.insert(k.as_bytes()), i as u32);
        }
        assert_eq!(ix.get(b"a-very-long-account-identifier-1"), None);
        assert_eq!(ix.get(b""), None);
        assert_eq!(ix.get(b"5000"), None);
    }

    #[test]
    fn split_line_fast_and_quoted() {
        let (mut f, mut s) = (Vec::new(), Vec::new());
        assert!(split_line(b"a, b ,,c", &mut f, &mut s));
        let line = b"a, b ,,c";
        let got: Vec<&[u8]> = f.iter().map(|&(x, y)| &line[x..y]).collect();
        assert_eq!(got, vec![&b"a"[..], b"b", b"", b"c"]);
        assert!(split_line(b"\"x,1\",\"say \"\"hi\"\"\",3", &mut f, &mut s));
        let got: Vec<&[u8]> = f.iter().map(|&(x, y)| &s[x..y]).collect();
        assert_eq!(got, vec![&b"x,1"[..], b"say \"hi\"", b"3"]);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number(b"42"), Some(42.0));
        assert_eq!(parse_number(b"-1.5"), Some(-1.5));
        assert_eq!(parse_number(b"1e3"), Some(1000.0));
        assert_eq!(parse_number(b""), None);
        assert_eq!(parse_number(b"NaN"), None);
        assert_eq!(parse_number(b"inf"), None);
        assert_eq!(parse_number(b"12abc"), None);
        assert!(eq_bytes(b"abc", b"abc") && !eq_bytes(b"abc", b"abd") && !eq_bytes(b"ab", b"ab\0"));
    }
}
