//! Reading CSV, gzipped CSV and Parquet files.
//!
//! [`Table`] holds a whole file in memory as one byte buffer plus field offsets (no per-field
//! allocation), for training and evaluation. [`open_csv`] gives a streaming reader for scoring.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::{closest_name, CoreError, Result};

/// Opens a file for reading, transparently decompressing gzip (detected by its magic bytes,
/// so the extension does not matter). The one place every reader of the toolkit opens files.
pub fn open_decompressed(path: &Path) -> std::io::Result<Box<dyn BufRead + Send>> {
    // Small buffers: large reads (the activity chunks) bypass them instead of being copied twice.
    let mut br = BufReader::with_capacity(1 << 16, File::open(path)?);
    let head = br.fill_buf()?;
    if head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b {
        Ok(Box::new(BufReader::with_capacity(1 << 16, flate2::read::MultiGzDecoder::new(br))))
    } else {
        Ok(Box::new(br))
    }
}

/// [`open_decompressed`] with the toolkit's error type.
pub fn open_maybe_gz(path: &Path) -> Result<Box<dyn Read + Send>> {
    Ok(Box::new(open_decompressed(path).map_err(|e| CoreError::io(path, e))?))
}

/// A CSV reader over a possibly gzipped file, with its header already read and checked.
pub struct CsvSource {
    /// The file being read.
    pub path: PathBuf,
    /// Header names, trimmed of surrounding white space (and a UTF-8 byte-order mark).
    pub headers: Vec<String>,
    /// The underlying reader, positioned at the first data record.
    pub reader: csv::Reader<crate::lines::LineFeeds<Box<dyn Read + Send>>>,
    /// Line numbers of records (the csv crate's are one short after a CRLF).
    pub lines: crate::lines::LineIndex,
}

impl CsvSource {
    /// The 1-based file line where a record read from [`CsvSource::reader`] starts; records
    /// must be asked about in file order.
    pub fn line(&self, pos: &csv::Position) -> u64 {
        self.lines.line_at(pos.byte())
    }

    /// [`csv_error`] with the line counted right.
    pub fn error(&self, e: &csv::Error) -> CoreError {
        match (e.kind(), e.position()) {
            (csv::ErrorKind::Io(_), _) | (_, None) => csv_error(&self.path, e),
            (_, Some(p)) => {
                CoreError::Csv { path: self.path.clone(), line: self.lines.line_at(p.byte()), message: e.to_string() }
            }
        }
    }
}

/// Opens `path` as CSV and reads its header. An empty file is an error; a header with a
/// repeated name is an error.
pub fn open_csv(path: &Path) -> Result<CsvSource> {
    let (inner, lines) = crate::lines::LineFeeds::new(open_maybe_gz(path)?);
    let mut reader =
        csv::ReaderBuilder::new().has_headers(true).flexible(true).buffer_capacity(1 << 16).from_reader(inner);
    let raw = reader.byte_headers().map_err(|e| csv_error(path, &e))?.clone();
    let headers = header_names(path, &raw.iter().collect::<Vec<_>>())?;
    Ok(CsvSource { path: path.into(), headers, reader, lines })
}

/// The column names of a header record: trimmed of surrounding white space (and a UTF-8
/// byte-order mark). An empty header is an error; so is a repeated name.
pub fn header_names(path: &Path, raw: &[&[u8]]) -> Result<Vec<String>> {
    if raw.is_empty() || (raw.len() == 1 && raw[0].is_empty()) {
        return Err(CoreError::EmptyFile { path: path.into(), header_only: false });
    }
    let mut headers = Vec::with_capacity(raw.len());
    // A set, not `headers.contains`: a header of 100,000 columns is checked in milliseconds.
    let mut seen = std::collections::HashSet::with_capacity(raw.len());
    for (i, h) in raw.iter().enumerate() {
        let mut s = String::from_utf8_lossy(h).trim().to_string();
        if i == 0 {
            s = s.trim_start_matches('\u{feff}').to_string();
        }
        if !seen.insert(s.clone()) {
            return Err(CoreError::DuplicateColumn { path: path.into(), column: s });
        }
        headers.push(s);
    }
    Ok(headers)
}

/// Turns a csv crate error into a [`CoreError`] naming the file and line.
pub fn csv_error(path: &Path, e: &csv::Error) -> CoreError {
    if let csv::ErrorKind::Io(io) = e.kind() {
        return CoreError::Io { path: path.into(), source: std::io::Error::new(io.kind(), io.to_string()) };
    }
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    CoreError::Csv { path: path.into(), line, message: e.to_string() }
}

/// Looks a column up by name, with a "did you mean" suggestion when it is missing.
pub fn find_column(path: &Path, headers: &[String], name: &str) -> Result<usize> {
    headers.iter().position(|h| h == name).ok_or_else(|| CoreError::MissingColumn {
        path: path.into(),
        column: name.to_string(),
        suggestion: closest_name(name, headers.iter().map(String::as_str)),
    })
}

/// `s.trim()`, without the Unicode scan when the text starts and ends with a printable ASCII
/// byte (almost every field): then there is nothing to trim.
#[inline]
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// True for the texts that mean "no value": empty or blank, `NA`, `N/A`, `NaN`, `null`,
/// `None` (any case). Missing values stay missing: they are never read as zero.
#[inline]
pub fn is_missing(s: &str) -> bool {
    // Fast path: a value starting with anything but white space or `n`/`N` is present.
    match s.as_bytes().first() {
        None => return true,
        Some(b) if !b.is_ascii_whitespace() && !b.eq_ignore_ascii_case(&b'n') => return false,
        _ => {}
    }
    let t = s.trim();
    t.is_empty()
        || t.eq_ignore_ascii_case("na")
        || t.eq_ignore_ascii_case("n/a")
        || t.eq_ignore_ascii_case("nan")
        || t.eq_ignore_ascii_case("null")
        || t.eq_ignore_ascii_case("none")
}

/// Parses a number (surrounding white space allowed); `None` for text that is not a finite
/// number.
#[inline]
pub fn parse_number(s: &str) -> Option<f64> {
    parse_number_bytes(trim(s).as_bytes())
}

/// Parses a finite number from bytes already trimmed: a fast path for plain non-negative
/// integers of up to 15 digits (exact in `f64`), `str::parse` otherwise. The one number parser
/// of the toolkit, shared by the table reader, scoring and the features engine.
#[inline]
pub fn parse_number_bytes(b: &[u8]) -> Option<f64> {
    if !b.is_empty() && b.len() <= 15 && b.iter().all(u8::is_ascii_digit) {
        let v = b.iter().fold(0u64, |v, &c| v * 10 + u64::from(c - b'0'));
        return Some(v as f64);
    }
    let v: f64 = std::str::from_utf8(b).ok()?.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Parses a boolean word: true/false, yes/no, t/f, y/n (any case).
pub fn parse_bool(s: &str) -> Option<bool> {
    let t = trim(s);
    const TRUE: [&str; 4] = ["true", "yes", "t", "y"];
    const FALSE: [&str; 4] = ["false", "no", "f", "n"];
    if TRUE.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Some(true)
    } else if FALSE.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Some(false)
    } else {
        None
    }
}

/// A whole CSV file in memory: one byte buffer, field end offsets, and each row's line number.
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    headers: Vec<String>,
    data: String,
    ends: Vec<usize>,
    lines: Vec<u64>,
    fingerprint: u64,
}

impl Table {
    /// Reads a CSV, gzipped CSV or Parquet file, recognised by its first bytes (`PAR1` for
    /// Parquet, `1f 8b` for gzip). Rows must have as many fields as the header. Parquet values
    /// become the text described in [`crate::parquet`] (a null is an empty field), and a row's
    /// "line" is its 1-based row number.
    pub fn read(path: &Path) -> Result<Table> {
        if crate::parquet::is_parquet(path)? {
            return Self::read_parquet(path);
        }
        let mut src = open_csv(path)?;
        let width = src.headers.len();
        let mut b = Builder::new(&src.headers);
        let mut rec = csv::StringRecord::new();
        loop {
            match src.reader.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => return Err(src.error(&e)),
            }
            let line = match rec.position() {
                Some(p) => src.line(p),
                None => b.lines.len() as u64 + 2,
            };
            if rec.len() == 1 && rec[0].trim().is_empty() && width > 1 {
                continue; // a blank line
            }
            b.push(path, &rec, width, line)?;
        }
        b.finish(path, src.headers)
    }

    /// Reads a Parquet file through [`crate::parquet::ParquetSource`]: blocks of CSV text, parsed
    /// as CSV records, so that every command sees the same fields as the scorer.
    fn read_parquet(path: &Path) -> Result<Table> {
        let mut src = crate::parquet::ParquetSource::open(path)?;
        let raw: Vec<&[u8]> = src.headers().iter().map(|h| h.as_bytes()).collect();
        let headers = header_names(path, &raw)?;
        let width = headers.len();
        let mut b = Builder::new(&headers);
        let mut block = Vec::new();
        let mut rec = csv::StringRecord::new();
        loop {
            block.clear();
            if src.next_block(1 << 16, &mut block)? == 0 {
                break;
            }
            let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&block[..]);
            loop {
                let row = b.lines.len() as u64 + 1;
                match reader.read_record(&mut rec) {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => {
                        let message = match e.kind() {
                            csv::ErrorKind::Utf8 { .. } => "a text value is not valid UTF-8".to_string(),
                            _ => e.to_string(),
                        };
                        return Err(CoreError::Csv { path: path.into(), line: row, message });
                    }
                }
                b.push(path, &rec, width, row)?;
            }
        }
        b.finish(path, headers)
    }

    /// Builds a table from in-memory rows (for tests and generated data).
    pub fn from_rows(path: impl Into<PathBuf>, headers: Vec<String>, rows: &[Vec<String>]) -> Table {
        let mut data = String::new();
        let mut ends = Vec::new();
        let mut fp = Fnv64::new();
        for r in rows {
            assert_eq!(r.len(), headers.len(), "row width must match the header");
            for f in r {
                data.push_str(f);
                ends.push(data.len());
                fp.write(f.as_bytes());
            }
        }
        let lines = (0..rows.len() as u64).map(|i| i + 2).collect();
        Table { path: path.into(), headers, data, ends, lines, fingerprint: fp.finish() }
    }

    /// The file the table was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Column names.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Number of data rows.
    pub fn n_rows(&self) -> usize {
        self.lines.len()
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.headers.len()
    }

    /// The text of row `row`, column `col`.
    #[inline]
    pub fn field(&self, row: usize, col: usize) -> &str {
        let k = row * self.headers.len() + col;
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.data[start..self.ends[k]]
    }

    /// The 1-based file line of data row `row` (the header is line 1).
    pub fn line(&self, row: usize) -> u64 {
        self.lines[row]
    }

    /// Index of a column by name, with a suggestion when missing.
    pub fn column_index(&self, name: &str) -> Result<usize> {
        find_column(&self.path, &self.headers, name)
    }

    /// FNV-1a 64-bit hash of the header and every field: identifies the data a model saw.
    pub fn fingerprint(&self) -> String {
        format!("fnv1a64:{:016x}", self.fingerprint)
    }

    /// A copy with the fields at `cells` (row, column) emptied, i.e. missing. Path, line
    /// numbers and fingerprint stay those of the file read (training reports which values it
    /// set aside, and the model still identifies the data as read).
    pub fn with_cleared(&self, cells: &[(usize, usize)]) -> Table {
        let w = self.headers.len();
        let cleared: HashSet<usize> = cells.iter().map(|&(i, j)| i * w + j).collect();
        let mut data = String::with_capacity(self.data.len());
        let mut ends = Vec::with_capacity(self.ends.len());
        for k in 0..self.ends.len() {
            if !cleared.contains(&k) {
                data.push_str(self.field(k / w, k % w));
            }
            ends.push(data.len());
        }
        Table {
            path: self.path.clone(),
            headers: self.headers.clone(),
            data,
            ends,
            lines: self.lines.clone(),
            fingerprint: self.fingerprint,
        }
    }
}

/// The rows of a [`Table`] being read, and their running fingerprint.
struct Builder {
    data: String,
    ends: Vec<usize>,
    lines: Vec<u64>,
    fp: Fnv64,
}

impl Builder {
    fn new(headers: &[String]) -> Builder {
        let mut fp = Fnv64::new();
        for h in headers {
            fp.write(h.as_bytes());
            fp.write(&[0x1f]);
        }
        Builder { data: String::new(), ends: Vec::new(), lines: Vec::new(), fp }
    }

    fn push(&mut self, path: &Path, rec: &csv::StringRecord, width: usize, line: u64) -> Result<()> {
        if rec.len() != width {
            return Err(CoreError::RaggedRow { path: path.into(), line, expected: width, found: rec.len() });
        }
        for f in rec.iter() {
            self.data.push_str(f);
            self.ends.push(self.data.len());
            self.fp.write(f.as_bytes());
            self.fp.write(&[0x1f]);
        }
        self.fp.write(&[0x1e]);
        self.lines.push(line);
        Ok(())
    }

    fn finish(self, path: &Path, headers: Vec<String>) -> Result<Table> {
        if self.lines.is_empty() {
            return Err(CoreError::EmptyFile { path: path.into(), header_only: true });
        }
        let Builder { data, ends, lines, fp } = self;
        Ok(Table { path: path.into(), headers, data, ends, lines, fingerprint: fp.finish() })
    }
}

/// FNV-1a, 64 bit: a stable, dependency-free fingerprint (not a cryptographic hash).
#[derive(Debug, Clone, Copy)]
pub struct Fnv64(u64);

impl Fnv64 {
    /// A fresh hasher.
    pub fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
    /// Feeds bytes.
    #[inline]
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    /// The hash so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

impl Default for Fnv64 {
    fn default() -> Self {
        Self::new()
    }
}

impl std::hash::Hasher for Fnv64 {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        Fnv64::write(self, bytes)
    }
}

/// A `HashMap` hasher for short keys such as category names: FNV-1a, far cheaper than SipHash
/// on the scoring hot path (keys come from the model file, not from an adversary).
pub type FnvBuildHasher = std::hash::BuildHasherDefault<Fnv64>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn line_numbers_are_the_file_lines_with_lf_crlf_and_blank_lines() {
        let dir = tempfile::tempdir().unwrap();
        // Data lines (1-based, header = 1): `a` on 2, `b` on 4 (after a blank line), `c` on 5
        // with a quoted value spanning lines 5-6, `d` on 8 (after a blank line).
        let lines = ["id,x", "a,1", "", "b,2", "c,\"two", "lines\"", "", "d,4"];
        let want = [2u64, 4, 5, 8];
        for (name, end) in [("lf.csv", "\n"), ("crlf.csv", "\r\n")] {
            let p = write(dir.path(), name, &(lines.join(end) + end));
            let t = Table::read(&p).unwrap();
            let got: Vec<u64> = (0..t.n_rows()).map(|r| t.line(r)).collect();
            assert_eq!(got, want, "{name}");
            assert_eq!(t.field(3, 0), "d");
            // An error names the right line too: a ragged row on line 4.
            let bad = lines.iter().map(|l| if l.starts_with("b,") { "b,2,extra" } else { l }).collect::<Vec<_>>();
            let p = write(dir.path(), name, &(bad.join(end) + end));
            let e = Table::read(&p).unwrap_err().to_string();
            assert!(e.contains("line 4"), "{name}: {e}");
        }
    }

    #[test]
    fn reads_plain_and_gzip_identically() {
        let dir = tempfile::tempdir().unwrap();
        let text = "id,x,label\na,1.5,Yes\nb, ,No\n";
        let p = write(dir.path(), "d.csv", text);
        let gz = dir.path().join("d.csv.gz");
        let mut enc = flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::fast());
        enc.write_all(text.as_bytes()).unwrap();
        enc.finish().unwrap();
        let a = Table::read(&p).unwrap();
        let b = Table::read(&gz).unwrap();
        assert_eq!(a.n_rows(), 2);
        assert_eq!(a.field(1, 1), " ");
        assert_eq!(a.field(0, 2), "Yes");
        assert_eq!(a.line(1), 3);
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert!(is_missing(a.field(1, 1)));
    }

    #[test]
    fn errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "e.csv", "");
        assert!(matches!(Table::read(&p), Err(CoreError::EmptyFile { header_only: false, .. })));
        let p = write(dir.path(), "h.csv", "a,b\n");
        assert!(matches!(Table::read(&p), Err(CoreError::EmptyFile { header_only: true, .. })));
        let p = write(dir.path(), "r.csv", "a,b\n1,2\n3\n");
        let e = Table::read(&p).unwrap_err().to_string();
        assert!(e.ends_with("r.csv line 3: expected 2 fields (as in the header), found 1"), "{e}");
        let p = write(dir.path(), "d.csv", "a,b,a\n1,2,3\n");
        assert!(Table::read(&p).unwrap_err().to_string().contains("column `a` appears more than once"));
        let missing = dir.path().join("nope.csv");
        assert!(matches!(Table::read(&missing), Err(CoreError::FileNotFound { .. })));
    }

    #[test]
    fn missing_tokens_and_parsers() {
        for m in ["", "  ", "NA", "n/a", "NaN", "null", "None"] {
            assert!(is_missing(m), "{m:?}");
        }
        assert!(!is_missing("0"));
        assert_eq!(parse_number(" 2.5 "), Some(2.5));
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("1,5"), None);
        assert_eq!(parse_bool("Yes"), Some(true));
        assert_eq!(parse_bool("FALSE"), Some(false));
        assert_eq!(parse_bool("1"), None);
    }

    #[test]
    fn trim_agrees_with_str_trim() {
        for t in ["", " ", "a", " a", "a ", "\ta b\n", "a b", "\u{a0}x", "x\u{2003}", "é", "\u{3000}"] {
            assert_eq!(trim(t), t.trim(), "{t:?}");
        }
    }
}
