//! Reading input files: gzip detection, headers, and the small parsing helpers and lookup tables
//! the activity parsers share (the activity table's chunker, pipeline and record splitter are
//! churn-core's `blocks`).

use std::io::BufRead;
use std::path::Path;

use crate::error::{closest, io_err, FeatureError};

/// Opens a CSV file, transparently decompressing gzip (churn-core's opener).
pub(crate) fn open(path: &Path) -> Result<Box<dyn BufRead + Send>, FeatureError> {
    churn_core::table::open_decompressed(path).map_err(io_err(path))
}

/// A CSV reader over `path` (gzip or not; no header handling; rows of any width) and the index
/// giving each record's file line (`churn_core::lines`: the csv crate's line is one short after
/// a CRLF and counts blank lines before a record as its own).
pub(crate) type CsvReader = csv::Reader<churn_core::lines::LineFeeds<Box<dyn BufRead + Send>>>;

pub(crate) fn csv_reader(path: &Path) -> Result<(CsvReader, churn_core::lines::LineIndex), FeatureError> {
    let (input, lines) = churn_core::lines::LineFeeds::new(open(path)?);
    Ok((csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input), lines))
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

/// Checks the shape of a data record of a small table: `Ok(true)` for a blank line (to skip),
/// an error naming the line when it does not have `ncols` fields.
pub(crate) fn blank_or_checked(
    file: &str,
    line: u64,
    fields: usize,
    first_blank: bool,
    ncols: usize,
) -> Result<bool, FeatureError> {
    if fields == 1 && first_blank {
        return Ok(true);
    }
    if fields != ncols {
        return Err(FeatureError::BadRow {
            file: file.to_string(),
            line,
            message: format!("expected {ncols} fields, found {fields}"),
        });
    }
    Ok(false)
}

#[inline(always)]
pub(crate) fn trim_range(b: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    // Usual case: nothing to trim (space and tab are below '!').
    if s < e && b[s] > b' ' && b[e - 1] > b' ' {
        return (s, e);
    }
    while s < e && (b[s] == b' ' || b[s] == b'\t') {
        s += 1;
    }
    while e > s && (b[e - 1] == b' ' || b[e - 1] == b'\t') {
        e -= 1;
    }
    (s, e)
}

pub(crate) use churn_core::table::parse_number_bytes as parse_number;

/// Fast path of [`churn_core::date::parse_date`] for `YYYY-MM-DD` optionally followed by `T` or
/// a space and anything: the same day where it returns `Some`; `None` means "use parse_date".
#[inline]
pub(crate) fn parse_iso_date(b: &[u8]) -> Option<i32> {
    if b.len() < 10 || (b.len() > 10 && b[10] != b'T' && b[10] != b' ') || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let d = |i: usize| -> Option<u32> {
        let c = b[i].wrapping_sub(b'0');
        (c < 10).then_some(c as u32)
    };
    let y = d(0)? * 1000 + d(1)? * 100 + d(2)? * 10 + d(3)?;
    let m = d(5)? * 10 + d(6)?;
    let day = d(8)? * 10 + d(9)?;
    let y = y as i32;
    if !(1..=12).contains(&m) || day == 0 || day > churn_core::date::days_in_month(y, m) {
        return None;
    }
    Some(churn_core::date::days_from_civil(y, m, day))
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
    /// The first 16 bytes of the key, zero-padded, as in [`prefix16`].
    key: u128,
}

/// The first (up to) 16 bytes of `b`, zero-padded, as one little-endian integer.
#[inline]
pub(crate) fn pad16(b: &[u8]) -> u128 {
    let mut k = [0u8; 16];
    let n = b.len().min(16);
    k[..n].copy_from_slice(&b[..n]);
    u128::from_le_bytes(k)
}

/// `PREFIX_MASKS[n]` keeps the low `n` bytes of a `u128`.
const PREFIX_MASKS: [u128; 17] = {
    let mut m = [u128::MAX; 17];
    let mut i = 0;
    while i < 16 {
        m[i] = (1u128 << (8 * i)) - 1;
        i += 1;
    }
    m
};

/// [`pad16`] of `buf[s..e]`, with one unaligned 16-byte load when `buf` extends that far.
#[inline]
pub(crate) fn prefix16(buf: &[u8], s: usize, e: usize) -> u128 {
    match buf.get(s..s + 16) {
        Some(w) => u128::from_le_bytes(w.try_into().unwrap_or([0; 16])) & PREFIX_MASKS[(e - s).min(16)],
        None => pad16(&buf[s..e]),
    }
}

/// The sixteen bytes `data[off..off + 16]` as a little-endian integer, padded with 0xff past the
/// end (never a separator candidate for [`below_comma16`]).
#[inline]
pub(crate) fn word16(data: &[u8], off: usize) -> u128 {
    match data.get(off..off + 16) {
        Some(w) => u128::from_le_bytes(w.try_into().unwrap_or([0; 16])),
        None => {
            let rest = &data[off.min(data.len())..];
            let mut k = [0xffu8; 16];
            k[..rest.len()].copy_from_slice(rest);
            u128::from_le_bytes(k)
        }
    }
}

/// 0x80 in each byte of `w` below `,` (0x2c), 0 elsewhere: the candidates for the bytes a
/// CSV line is split at (comma, newline, double quote); exact, sixteen bytes at a time.
#[inline(always)]
pub(crate) fn below_comma16(w: u128) -> u128 {
    const LOW7: u128 = 0x7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f;
    // Bit 7 of each byte of `t` is set when its low seven bits are >= 0x2d (no carries
    // between bytes: 0x7f + 0x53 < 0x100).
    let t = (w & LOW7).wrapping_add(0x5353_5353_5353_5353_5353_5353_5353_5353);
    !(t | w) & !LOW7
}

/// Hash of `key` whose [`pad16`] is `pad`: the prefix and the length mixed in two multiplies,
/// the bytes after the 16th (rare) Fx-hashed; never 0.
#[inline]
fn hash_key(key: &[u8], pad: u128) -> u64 {
    let mut h = (pad as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ^ ((pad >> 64) as u64).wrapping_mul(0xc2b2_ae3d_27d4_eb4f)
        ^ key.len() as u64;
    if key.len() > 16 {
        use std::hash::Hasher;
        let mut fx = FxHasher(h);
        fx.write(&key[16..]);
        h = fx.finish();
    }
    // Final avalanche so that the low bits used for the slot index are well mixed.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h | 1
}

impl AccountIndex {
    pub(crate) fn new() -> AccountIndex {
        AccountIndex { slots: vec![Slot::default(); 1024], keys: Vec::new(), len: 0 }
    }

    #[inline]
    fn find(&self, key: &[u8], pad: u128, tag: u64) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut i = (tag >> 1) as usize & mask;
        loop {
            let s = &self.slots[i];
            if s.tag == 0 {
                return Err(i);
            }
            if s.tag == tag
                && s.len as usize == key.len()
                && s.key == pad
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
        self.get_padded(key, pad16(key))
    }

    /// The index of `key`, given its [`pad16`] (e.g. from [`prefix16`]).
    #[inline]
    pub(crate) fn get_padded(&self, key: &[u8], pad: u128) -> Option<u32> {
        self.find(key, pad, hash_key(key, pad)).ok().map(|i| self.slots[i].idx)
    }

    /// Inserts `key` with the next index (its insertion rank) unless present; returns its index.
    pub(crate) fn insert(&mut self, key: &[u8]) -> u32 {
        let pad = pad16(key);
        let tag = hash_key(key, pad);
        match self.find(key, pad, tag) {
            Ok(i) => self.slots[i].idx,
            Err(i) => {
                let idx = self.len as u32;
                self.slots[i] = Slot { tag, idx, len: key.len() as u32, key: pad };
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

/// Direct lookup for account ids that are one fixed prefix followed by a number (`A000123`,
/// `42`): the number indexes a table. Exact: every id in the table has that shape, and the shape
/// determines the id from its number (fixed width digits, or canonical digits without leading
/// zeros), so a key of another shape is simply absent.
pub(crate) struct NumericIds {
    prefix: Vec<u8>,
    /// [`pad16`] of the prefix.
    prefix_pad: u128,
    /// Width of the digits when it is the same for all ids; otherwise they are canonical.
    width: Option<usize>,
    /// Index of the id with each number, `u32::MAX` when none.
    table: Vec<u32>,
}

impl NumericIds {
    /// The lookup for `ids` (index = position), when they all have the shape and their numbers
    /// are small enough for a table of about four entries per id.
    pub(crate) fn new(ids: &[String]) -> Option<NumericIds> {
        fn split(id: &str) -> (&[u8], &[u8]) {
            let b = id.as_bytes();
            let d = b.iter().rev().take_while(|c| c.is_ascii_digit()).count();
            (&b[..b.len() - d], &b[b.len() - d..])
        }
        let (prefix, first) = split(ids.first()?);
        let limit = 4 * ids.len() as u64 + 1024;
        let canonical = |d: &[u8]| d.len() == 1 || d[0] != b'0';
        let mut fixed = true;
        let mut all_canonical = true;
        let mut numbers = Vec::with_capacity(ids.len());
        for id in ids {
            let (p, d) = split(id);
            if p != prefix || d.is_empty() || d.len() > 12 {
                return None;
            }
            fixed &= d.len() == first.len();
            all_canonical &= canonical(d);
            let v = d.iter().fold(0u64, |v, &c| v * 10 + (c - b'0') as u64);
            if v >= limit {
                return None;
            }
            numbers.push(v as usize);
        }
        if !fixed && !all_canonical {
            return None;
        }
        let mut table = vec![u32::MAX; numbers.iter().max().map_or(0, |m| m + 1)];
        for (i, &v) in numbers.iter().enumerate() {
            if table[v] != u32::MAX {
                return None; // ids are distinct, so this cannot happen; stay exact anyway
            }
            table[v] = i as u32;
        }
        Some(NumericIds {
            prefix: prefix.to_vec(),
            prefix_pad: pad16(prefix),
            width: fixed.then_some(first.len()),
            table,
        })
    }

    /// The index of `key`, whose [`pad16`] is `pad`.
    #[inline]
    pub(crate) fn get(&self, key: &[u8], pad: u128) -> Option<u32> {
        let plen = self.prefix.len();
        if key.len() <= plen {
            return None;
        }
        let same_prefix =
            if plen <= 16 { pad & PREFIX_MASKS[plen] == self.prefix_pad } else { key[..plen] == *self.prefix };
        if !same_prefix {
            return None;
        }
        let digits = &key[plen..];
        match self.width {
            Some(w) if digits.len() != w => return None,
            None if digits.len() > 1 && digits[0] == b'0' => return None,
            _ => {}
        }
        if digits.len() > 12 {
            return None;
        }
        let (mut v, mut bad) = (0usize, false);
        for &c in digits {
            let d = c.wrapping_sub(b'0');
            bad |= d > 9;
            v = v.wrapping_mul(10).wrapping_add(d as usize);
        }
        if bad {
            return None;
        }
        self.table.get(v).copied().filter(|&i| i != u32::MAX)
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
    fn below_comma_is_exact() {
        for b in 0..=255u8 {
            for pos in 0..16 {
                for fill in [b'a', 0xff, b'-', 0x7f] {
                    let mut w = [fill; 16];
                    w[pos] = b;
                    let m = below_comma16(u128::from_le_bytes(w));
                    let want = if b <= b',' { 0x80u128 << (8 * pos) } else { 0 };
                    assert_eq!(m, want, "byte {b:#x} at {pos} among {fill:#x}");
                }
            }
        }
        let mut abc = [0xff; 16];
        abc[..3].copy_from_slice(b"abc");
        assert_eq!(word16(b"abc", 0), u128::from_le_bytes(abc));
        assert_eq!(word16(b"abc", 3), u128::MAX);
        assert_eq!(word16(b"0123456789abcdefXYZ", 1), u128::from_le_bytes(*b"123456789abcdefX"));
    }

    #[test]
    fn prefixes() {
        let buf = b"0123456789abcdefghijklmnop";
        for s in 0..buf.len() {
            for e in s..=buf.len() {
                assert_eq!(prefix16(buf, s, e), pad16(&buf[s..e]), "{s}..{e}");
            }
        }
    }

    #[test]
    fn iso_dates_agree_with_parse_date() {
        use churn_core::date::parse_date;
        for s in [
            "2024-01-01",
            "2024-02-29T10:00:00",
            "2023-02-29",
            "2024-12-31 23:59",
            "2024-13-01",
            "2024-00-10",
            "2024-01-00",
            "2024-01-32",
            "1970-01-01",
            "0001-01-01",
            "9999-12-31",
            "2024/01/01",
            "2024-01-01x",
            "2024-1-01",
            "20240101",
            "2024-01-0a",
            "+024-01-01",
        ] {
            if let Some(d) = parse_iso_date(s.as_bytes()) {
                assert_eq!(Some(d), parse_date(s), "{s}");
            } else {
                assert!(
                    parse_date(s).is_none()
                        || !s.as_bytes()[..4].iter().all(u8::is_ascii_digit)
                        || s.as_bytes()[4] != b'-',
                    "{s}"
                );
            }
        }
        let d0 = parse_date("1999-01-01").unwrap();
        for k in 0..20_000 {
            let s = churn_core::date::format_date(d0 + k);
            assert_eq!(parse_iso_date(s.as_bytes()), parse_date(&s), "{s}");
        }
    }

    #[test]
    fn numeric_ids_are_exact() {
        let cases: Vec<Vec<String>> = vec![
            (0..300).map(|i| format!("A{i:06}")).collect(),
            (0..300).map(|i| format!("{i}")).collect(),
            (0..300).rev().map(|i| format!("user-{}", i * 3)).collect(),
        ];
        for ids in &cases {
            let n = NumericIds::new(ids).expect("numeric");
            for (i, id) in ids.iter().enumerate() {
                assert_eq!(n.get(id.as_bytes(), pad16(id.as_bytes())), Some(i as u32), "{id}");
            }
            for probe in [
                "", "A", "A0000000", "A00030", "A000300", "00", "007", "300", "user-", "user-1", "user-03", "a000001",
                "A-00001", "+1", "1 ", "user-900",
            ] {
                let want = ids.iter().position(|x| x == probe).map(|i| i as u32);
                assert_eq!(n.get(probe.as_bytes(), pad16(probe.as_bytes())), want, "{probe:?} in {}..", ids[0]);
            }
        }
        // Mixed widths with leading zeros, other prefixes, ids without digits, huge numbers.
        for ids in [vec!["A01", "A1"], vec!["A1", "B2"], vec!["x", "y"], vec!["1", "99999999999"], vec!["01", "002"]] {
            let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
            if let Some(n) = NumericIds::new(&ids) {
                for (i, id) in ids.iter().enumerate() {
                    assert_eq!(n.get(id.as_bytes(), pad16(id.as_bytes())), Some(i as u32), "{id}");
                }
            }
        }
        assert!(NumericIds::new(&["A01".to_string(), "A1".to_string()]).is_none());
        assert!(NumericIds::new(&["A1".to_string(), "B2".to_string()]).is_none());
        assert!(NumericIds::new(&[]).is_none());
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
    }
}
