//! The Arrow `duration` columns of a Parquet file, from the Arrow schema its writer stored.
//!
//! Parquet has no duration type: Arrow writers (arrow-rs, pyarrow) store a `duration[unit]`
//! column as a plain 64-bit integer and record the Arrow type in the `ARROW:schema` footer key
//! (base64 of an Arrow IPC schema message, a FlatBuffer). Without it the column would read as
//! a raw count of microseconds; with it the reader gives seconds. Only what is needed is
//! decoded (top-level field names and whether their type is a duration, with its unit), with
//! every offset bounds-checked: a malformed schema yields no durations, never a panic.

use std::collections::HashMap;

/// The footer key Arrow writers store their schema under.
pub(crate) const ARROW_SCHEMA_KEY: &str = "ARROW:schema";

/// `Type` union tag of `Duration` in Arrow's `Schema.fbs`.
const TYPE_DURATION: u8 = 18;
/// `MessageHeader` union tag of `Schema` in Arrow's `Message.fbs`.
const HEADER_SCHEMA: u8 = 1;

/// Decimal places of seconds per Arrow `TimeUnit` (SECOND, MILLISECOND, MICROSECOND,
/// NANOSECOND): the scale at which the stored integer is a number of seconds.
fn unit_scale(unit: i16) -> Option<u32> {
    match unit {
        0 => Some(0),
        1 => Some(3),
        2 => Some(6),
        3 => Some(9),
        _ => None,
    }
}

/// Top-level duration columns of the base64 `ARROW:schema` value, by name, with the decimal
/// scale that turns their integers into seconds. Empty when the value cannot be decoded.
pub(crate) fn duration_scales(encoded: &str) -> HashMap<String, u32> {
    decode(encoded).unwrap_or_default()
}

fn decode(encoded: &str) -> Option<HashMap<String, u32>> {
    let bytes = base64_decode(encoded)?;
    // IPC encapsulation: an optional 0xFFFFFFFF continuation marker, then the message length.
    let body = if bytes.get(..4)? == [0xff; 4] { bytes.get(8..)? } else { bytes.get(4..)? };
    let fb = Fb(body);
    let message = fb.root()?;
    if fb.scalar_u8(message, 1)? != HEADER_SCHEMA {
        return None;
    }
    let schema = fb.table_field(message, 2)?;
    let mut out = HashMap::new();
    for field in fb.tables(schema, 1)? {
        if fb.scalar_u8(field, 2) != Some(TYPE_DURATION) {
            continue;
        }
        let name = fb.string(field, 0)?;
        let ty = fb.table_field(field, 3)?;
        // `Duration.unit` defaults to MILLISECOND when absent.
        let unit = fb.scalar_i16(ty, 0).unwrap_or(1);
        out.insert(name, unit_scale(unit)?);
    }
    Some(out)
}

/// A FlatBuffer, read with bounds checks.
struct Fb<'a>(&'a [u8]);

impl Fb<'_> {
    fn u32_at(&self, pos: usize) -> Option<u32> {
        Some(u32::from_le_bytes(self.0.get(pos..pos.checked_add(4)?)?.try_into().ok()?))
    }

    fn u16_at(&self, pos: usize) -> Option<u16> {
        Some(u16::from_le_bytes(self.0.get(pos..pos.checked_add(2)?)?.try_into().ok()?))
    }

    /// The table an unsigned offset at `pos` points to.
    fn follow(&self, pos: usize) -> Option<usize> {
        pos.checked_add(self.u32_at(pos)? as usize)
    }

    fn root(&self) -> Option<usize> {
        self.follow(0)
    }

    /// Where field `id` of the table at `table` is stored, if present.
    fn field(&self, table: usize, id: usize) -> Option<usize> {
        let soffset = self.u32_at(table)? as i32 as i64;
        let vtable = usize::try_from(table as i64 - soffset).ok()?;
        let vt_size = self.u16_at(vtable)? as usize;
        let slot = 4 + 2 * id;
        if slot + 2 > vt_size {
            return None;
        }
        match self.u16_at(vtable + slot)? {
            0 => None,
            off => table.checked_add(off as usize),
        }
    }

    fn scalar_u8(&self, table: usize, id: usize) -> Option<u8> {
        self.0.get(self.field(table, id)?).copied()
    }

    fn scalar_i16(&self, table: usize, id: usize) -> Option<i16> {
        Some(self.u16_at(self.field(table, id)?)? as i16)
    }

    fn table_field(&self, table: usize, id: usize) -> Option<usize> {
        self.follow(self.field(table, id)?)
    }

    fn string(&self, table: usize, id: usize) -> Option<String> {
        let s = self.follow(self.field(table, id)?)?;
        let len = self.u32_at(s)? as usize;
        let bytes = self.0.get(s + 4..(s + 4).checked_add(len)?)?;
        String::from_utf8(bytes.to_vec()).ok()
    }

    /// The tables of a vector-of-tables field.
    fn tables(&self, table: usize, id: usize) -> Option<Vec<usize>> {
        let v = self.follow(self.field(table, id)?)?;
        let len = self.u32_at(v)? as usize;
        if len > self.0.len() / 4 {
            return None;
        }
        (0..len).map(|i| self.follow(v + 4 + 4 * i)).collect()
    }
}

/// Standard base64 (RFC 4648, `+/`, `=` padding optional); `None` on any other character.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_examples() {
        // RFC 4648, section 10.
        for (plain, enc) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE=")]
        {
            assert_eq!(base64_decode(enc).unwrap(), plain.as_bytes());
        }
        assert_eq!(base64_decode("Zm9v!"), None);
    }

    #[test]
    fn garbage_is_no_duration_and_no_panic() {
        for s in ["", "AAAA", "/////wAAAAA=", "////////////////////////", "not base64!"] {
            assert!(duration_scales(s).is_empty(), "{s}");
        }
        // Every prefix of a real schema (the fixture's) decodes or gives nothing, never panics.
        let real = include_str!("../../churn-score/tests/fixtures/duration.arrow-schema.txt").trim();
        assert_eq!(
            duration_scales(real),
            HashMap::from([("wait_ms".to_string(), 3), ("session_us".to_string(), 6), ("gap_s".to_string(), 0)])
        );
        for k in 0..real.len() {
            let _ = duration_scales(&real[..k]);
        }
    }
}
