//! The activity table's parsers: from a block of lines to compact records (account, day,
//! channel, value), with the first error and the unknown accounts in order.

use churn_core::blocks::RecordReader;
use churn_core::date::parse_date;

use crate::error::FeatureError;
use crate::input::{
    below_comma16, parse_iso_date, parse_number, prefix16, trim_range, word16, AccountIndex, ByteMap, FxBuild,
    NumericIds,
};

/// Columns of the activity table and what a parser needs to read it (shared by the parsers).
pub(crate) struct Ctx<'a> {
    pub(crate) file: String,
    pub(crate) names: Vec<String>,
    pub(crate) account: usize,
    pub(crate) time: usize,
    pub(crate) typ: usize,
    pub(crate) value: Option<usize>,
    /// The largest of the column indices above.
    pub(crate) max: usize,
    pub(crate) accounts: &'a AccountIndex,
    /// A faster exact lookup when the ids allow one.
    pub(crate) numeric: Option<NumericIds>,
    pub(crate) types: TypeLookup,
}

/// Event type -> channel: a collision-free hash table of the declared types' 16-byte prefixes
/// when there is one (types of at most 16 bytes), otherwise a map.
pub(crate) struct TypeLookup {
    /// (prefix, length + 1 (0 = empty slot), channel) per slot.
    pub(crate) table: Vec<(u128, usize, usize)>,
    pub(crate) mult: u64,
    pub(crate) shift: u32,
    pub(crate) map: Option<ByteMap<usize>>,
}

impl TypeLookup {
    pub(crate) fn new(ids: &[String]) -> TypeLookup {
        let keys: Vec<(u128, usize)> = ids.iter().map(|t| (crate::input::pad16(t.as_bytes()), t.len())).collect();
        if ids.iter().all(|t| t.len() <= 16) {
            let mut mult: u64 = 0x9e37_79b9_7f4a_7c15;
            for bits in (ids.len().max(1) * 2).next_power_of_two().trailing_zeros().max(3)..=12 {
                for _ in 0..64 {
                    let mut table = vec![(0u128, 0usize, 0usize); 1 << bits];
                    let shift = 64 - bits;
                    let ok = keys.iter().enumerate().all(|(ch, &(pad, len))| {
                        let slot = &mut table[Self::slot(pad, len, mult, shift)];
                        let free = slot.1 == 0;
                        *slot = (pad, len + 1, ch);
                        free
                    });
                    if ok {
                        return TypeLookup { table, mult, shift, map: None };
                    }
                    // Next odd multiplier (splitmix64 step).
                    mult = mult.wrapping_add(0x9e37_79b9_7f4a_7c15);
                    let mut z = mult;
                    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                    mult = (z ^ (z >> 31)) | 1;
                }
            }
        }
        let mut map = ByteMap::with_hasher(FxBuild);
        for (i, t) in ids.iter().enumerate() {
            map.entry(t.as_bytes().into()).or_insert(i);
        }
        TypeLookup { table: Vec::new(), mult: 0, shift: 0, map: Some(map) }
    }

    #[inline]
    pub(crate) fn slot(pad: u128, len: usize, mult: u64, shift: u32) -> usize {
        ((pad as u64 ^ (pad >> 64) as u64 ^ len as u64).wrapping_mul(mult) >> shift) as usize
    }

    /// The channel of `key` (whose [`prefix16`] is `pad`).
    #[inline(always)]
    pub(crate) fn get(&self, key: &[u8], pad: u128) -> Option<usize> {
        if let Some(m) = &self.map {
            return m.get(key).copied();
        }
        let &(p, l, ch) = &self.table[Self::slot(pad, key.len(), self.mult, self.shift)];
        (p == pad && l == key.len() + 1).then_some(ch)
    }
}

/// One parsed activity row.
#[derive(Clone, Copy)]
pub(crate) struct Rec {
    pub(crate) acc: u32,
    pub(crate) day: i32,
    /// Channel, `u32::MAX` for undeclared types.
    pub(crate) ch: u32,
}

/// What a parser made of one chunk.
#[derive(Default)]
pub(crate) struct Parsed {
    pub(crate) recs: Vec<Rec>,
    /// The value of each record (only with a value column).
    pub(crate) vals: Vec<f64>,
    /// Lines in the chunk.
    pub(crate) lines: u64,
    /// Data rows (lines that are not blank).
    pub(crate) rows: u64,
    pub(crate) unknown_rows: u64,
    /// Distinct unknown accounts, in order of first appearance in the chunk.
    pub(crate) unknown: Vec<Box<[u8]>>,
    pub(crate) unlisted_rows: u64,
    /// The first error, its line counted from the chunk's first line (1).
    pub(crate) err: Option<FeatureError>,
}

impl Parsed {
    pub(crate) fn clear(&mut self) {
        self.recs.clear();
        self.vals.clear();
        self.lines = 0;
        self.rows = 0;
        self.unknown_rows = 0;
        self.unknown.clear();
        self.unlisted_rows = 0;
        self.err = None;
    }
}

/// Byte ranges of the fields a row needs.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) account: (usize, usize),
    pub(crate) time: (usize, usize),
    pub(crate) typ: (usize, usize),
    pub(crate) value: Option<(usize, usize)>,
}

/// One parser thread's state: reusable buffers and caches of the last date and account.
pub(crate) struct Parser<'a> {
    pub(crate) ctx: &'a Ctx<'a>,
    /// Start of each field of the current line up to field `max + 1` (so field `k <= max` is
    /// `bounds[k] .. bounds[k + 1] - 1`), then a slot for the fields after those.
    pub(crate) bounds: Vec<usize>,
    pub(crate) fields: Vec<(usize, usize)>,
    pub(crate) scratch: Vec<u8>,
    /// Splits the lines with quotes.
    pub(crate) records: RecordReader,
    /// The first 10 bytes of the last date parsed by the fast path (`u128::MAX`: none), its day.
    pub(crate) last_date: u128,
    pub(crate) last_day: i32,
    /// The last account id: prefix, length (`usize::MAX`: none), the id if longer than 16 bytes,
    /// and its index.
    pub(crate) last_acc: u128,
    pub(crate) last_acc_len: usize,
    pub(crate) last_acc_long: Vec<u8>,
    pub(crate) last_idx: Option<u32>,
    /// Unknown accounts seen in the current chunk.
    pub(crate) seen_unknown: ByteMap<()>,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(ctx: &'a Ctx<'a>) -> Parser<'a> {
        Parser {
            ctx,
            bounds: vec![0; ctx.max + 3],
            fields: Vec::with_capacity(16),
            scratch: Vec::new(),
            records: RecordReader::new(),
            last_date: u128::MAX,
            last_day: 0,
            last_acc: 0,
            last_acc_len: usize::MAX,
            last_acc_long: Vec::new(),
            last_idx: None,
            seen_unknown: ByteMap::with_hasher(FxBuild),
        }
    }

    /// Parses a chunk of whole lines into `out` (stops at the first error, left in `out.err`).
    pub(crate) fn parse(&mut self, data: &[u8], out: &mut Parsed) {
        self.seen_unknown.clear();
        if let Err(e) = self.parse_lines(data, out) {
            out.err = Some(e);
        }
    }

    /// Splits the chunk into lines and fields: from each field's start, the next byte below `,`
    /// is found eight bytes at a time (fields of a fixed width take the same path every line, so
    /// the branches are well predicted). Commas and newlines split; any other such byte (space,
    /// tab, carriage return, quote, control byte) marks its line as one to read the careful way
    /// (trimming, quotes). The other lines are split at the commas found.
    pub(crate) fn parse_lines(&mut self, data: &[u8], out: &mut Parsed) -> Result<(), FeatureError> {
        let last_slot = self.ctx.max + 2;
        let n = data.len();
        let (mut line_start, mut ncommas, mut line) = (0usize, 0usize, 0u64);
        let mut odd = false;
        let mut p = 0;
        self.bounds[0] = 0;
        while p < n {
            let mut m = below_comma16(word16(data, p));
            while m == 0 {
                p += 16;
                if p >= n {
                    break;
                }
                m = below_comma16(word16(data, p));
            }
            if m == 0 {
                break;
            }
            let pos = p + (m.trailing_zeros() / 8) as usize;
            p = pos + 1;
            let c = data[pos];
            if c == b',' {
                ncommas += 1;
                self.bounds[ncommas.min(last_slot)] = p;
            } else if c == b'\n' {
                line += 1;
                self.bounds[(ncommas + 1).min(last_slot)] = p;
                if odd {
                    self.odd_line(data, line_start, pos, ncommas, line, out)?;
                    odd = false;
                } else {
                    self.clean_line(data, line_start, pos, ncommas, line, out)?;
                }
                line_start = p;
                ncommas = 0;
                self.bounds[0] = p;
            } else {
                odd = true;
            }
        }
        if line_start < n {
            line += 1;
            self.bounds[(ncommas + 1).min(last_slot)] = n + 1;
            if odd {
                self.odd_line(data, line_start, n, ncommas, line, out)?;
            } else {
                self.clean_line(data, line_start, n, ncommas, line, out)?;
            }
        }
        out.lines = line;
        Ok(())
    }

    /// The line `data[s..e]` (without its newline) with `ncommas` commas, the first ones in
    /// `self.commas`, and no other byte below `,`: nothing to trim, no quotes.
    #[inline(always)]
    pub(crate) fn clean_line(
        &mut self,
        data: &[u8],
        s: usize,
        e: usize,
        ncommas: usize,
        line: u64,
        out: &mut Parsed,
    ) -> Result<(), FeatureError> {
        if ncommas < self.ctx.max {
            if ncommas == 0 && s == e {
                return Ok(()); // blank
            }
            return Err(self.short_row(ncommas + 1, line));
        }
        let bounds = &self.bounds[..];
        let field = |k: usize| (bounds[k], bounds[k + 1] - 1);
        let f = Fields {
            account: field(self.ctx.account),
            time: field(self.ctx.time),
            typ: field(self.ctx.typ),
            value: self.ctx.value.map(field),
        };
        self.record(data, f, line, out)
    }

    /// A line with spaces, tabs, a carriage return, quotes or control bytes.
    #[cold]
    #[inline(never)]
    pub(crate) fn odd_line(
        &mut self,
        data: &[u8],
        s: usize,
        e: usize,
        ncommas: usize,
        line: u64,
        out: &mut Parsed,
    ) -> Result<(), FeatureError> {
        if data[s..e].contains(&b'"') {
            self.quoted_line(&data[s..e], line, out)
        } else {
            self.plain_line(data, s, e, ncommas, line, out)
        }
    }

    /// The line `data[s..e]` (without its newline, and without quotes) with `ncommas` commas,
    /// its fields in `self.bounds`.
    pub(crate) fn plain_line(
        &mut self,
        data: &[u8],
        s: usize,
        mut e: usize,
        ncommas: usize,
        line: u64,
        out: &mut Parsed,
    ) -> Result<(), FeatureError> {
        if e > s && data[e - 1] == b'\r' {
            e -= 1;
        }
        if ncommas == 0 && data[s..e].iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(());
        }
        if ncommas < self.ctx.max {
            return Err(self.short_row(ncommas + 1, line));
        }
        let bounds = &self.bounds[..];
        // The last field ends at `e` (before a carriage return).
        let field = |k: usize| trim_range(data, bounds[k], if k < ncommas { bounds[k + 1] - 1 } else { e });
        let f = Fields {
            account: field(self.ctx.account),
            time: field(self.ctx.time),
            typ: field(self.ctx.typ),
            value: self.ctx.value.map(field),
        };
        self.record(data, f, line, out)
    }

    /// A line (without its newline) that may contain quotes, through the CSV parser.
    pub(crate) fn quoted_line(&mut self, text: &[u8], line: u64, out: &mut Parsed) -> Result<(), FeatureError> {
        let mut fields = std::mem::take(&mut self.fields);
        let mut scratch = std::mem::take(&mut self.scratch);
        let r = self.quoted_line_inner(text, line, out, &mut fields, &mut scratch);
        self.fields = fields;
        self.scratch = scratch;
        r
    }

    pub(crate) fn quoted_line_inner(
        &mut self,
        mut text: &[u8],
        line: u64,
        out: &mut Parsed,
        fields: &mut Vec<(usize, usize)>,
        scratch: &mut Vec<u8>,
    ) -> Result<(), FeatureError> {
        if let [rest @ .., b'\r'] = text {
            text = rest;
        }
        if text.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(());
        }
        // The fields, unquoted into `scratch` by churn-core's record reader, trimmed.
        fields.clear();
        scratch.clear();
        let (mut input, mut at) = (text, line);
        let Some(rec) = self.records.next_record(&mut input, &mut at) else {
            return Err(FeatureError::BadRow {
                file: self.ctx.file.clone(),
                line,
                message: "malformed quoted field (quoted fields may not span lines)".into(),
            });
        };
        scratch.extend_from_slice(rec.fields);
        let mut start = 0;
        for &end in rec.ends {
            fields.push(trim_range(scratch, start, end));
            start = end;
        }
        if fields.len() <= self.ctx.max {
            return Err(self.short_row(fields.len(), line));
        }
        let f = Fields {
            account: fields[self.ctx.account],
            time: fields[self.ctx.time],
            typ: fields[self.ctx.typ],
            value: self.ctx.value.map(|c| fields[c]),
        };
        self.record(scratch, f, line, out)
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn short_row(&self, found: usize, line: u64) -> FeatureError {
        FeatureError::BadRow {
            file: self.ctx.file.clone(),
            line,
            message: format!("expected {} fields, found {found}", self.ctx.names.len()),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn bad(&self, col: usize, value: &[u8], line: u64, expected: &str) -> FeatureError {
        FeatureError::BadValue {
            file: self.ctx.file.clone(),
            line,
            column: self.ctx.names[col].clone(),
            value: String::from_utf8_lossy(value).into_owned(),
            expected: expected.to_string(),
        }
    }

    /// One data row whose fields are the given ranges of `buf`.
    #[inline(always)]
    pub(crate) fn record(&mut self, buf: &[u8], f: Fields, line: u64, out: &mut Parsed) -> Result<(), FeatureError> {
        out.rows += 1;
        // Date: consecutive rows usually share the day.
        let (ts, te) = f.time;
        let tb = &buf[ts..te];
        let fast = tb.len() >= 10 && (tb.len() == 10 || tb[10] == b'T' || tb[10] == b' ');
        let day = if fast && prefix16(buf, ts, ts + 10) == self.last_date {
            self.last_day
        } else if let Some(d) = parse_iso_date(tb) {
            self.last_date = prefix16(buf, ts, ts + 10);
            self.last_day = d;
            d
        } else {
            std::str::from_utf8(tb)
                .ok()
                .and_then(parse_date)
                .ok_or_else(|| self.bad(self.ctx.time, tb, line, "a date"))?
        };
        let value = match (self.ctx.value, f.value) {
            (Some(c), Some((vs, ve))) => {
                let vb = &buf[vs..ve];
                Some(parse_number(vb).ok_or_else(|| self.bad(c, vb, line, "a number"))?)
            }
            _ => None,
        };
        // Account: consecutive rows often share it.
        let (as_, ae) = f.account;
        let ab = &buf[as_..ae];
        let pad = prefix16(buf, as_, ae);
        let idx = if ab.len() == self.last_acc_len
            && pad == self.last_acc
            && (ab.len() <= 16 || ab == self.last_acc_long.as_slice())
        {
            self.last_idx
        } else {
            let i = match &self.ctx.numeric {
                Some(n) => n.get(ab, pad),
                None => self.ctx.accounts.get_padded(ab, pad),
            };
            self.last_acc = pad;
            self.last_acc_len = ab.len();
            if ab.len() > 16 {
                self.last_acc_long.clear();
                self.last_acc_long.extend_from_slice(ab);
            }
            self.last_idx = i;
            i
        };
        let Some(idx) = idx else {
            out.unknown_rows += 1;
            if !self.seen_unknown.contains_key(ab) {
                self.seen_unknown.insert(ab.into(), ());
                out.unknown.push(ab.into());
            }
            return Ok(());
        };
        // Event type.
        let (ys, ye) = f.typ;
        let ch = self.ctx.types.get(&buf[ys..ye], prefix16(buf, ys, ye));
        if ch.is_none() {
            out.unlisted_rows += 1;
        }
        out.recs.push(Rec { acc: idx, day, ch: ch.map(|c| c as u32).unwrap_or(u32::MAX) });
        if let Some(v) = value {
            out.vals.push(v);
        }
        Ok(())
    }
}
