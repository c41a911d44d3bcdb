//! Splitting CSV records into fields: the one field splitter of the block readers.
//!
//! A line without quotes or carriage returns (the common case) is split at its commas with
//! `memchr`; any other record goes through `csv-core` (RFC 4180 quoting, a quoted field may span
//! lines). Both give exactly the fields `csv-core` gives, and blank lines are skipped as
//! `csv-core` skips them.

/// Reads the records of a block of CSV text one by one, reusing its buffers.
pub struct RecordReader {
    csv: csv_core::Reader,
    /// Fields of a record read by `csv-core`, concatenated, and their ends.
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// Fields of a line without quotes, concatenated, and their ends.
    line_fields: Vec<u8>,
    line_ends: Vec<usize>,
}

impl Default for RecordReader {
    fn default() -> Self {
        RecordReader::new()
    }
}

/// One record: its fields concatenated, where each ends, and the line it starts on.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The line the record starts on (counted as the caller counts the input's first line).
    pub line: u64,
    /// The fields' bytes, unquoted and concatenated.
    pub fields: &'a [u8],
    /// The end of each field in `fields` (one per field).
    pub ends: &'a [usize],
}

impl Record<'_> {
    /// Field `j`.
    pub fn field(&self, j: usize) -> &[u8] {
        let start = if j == 0 { 0 } else { self.ends[j - 1] };
        &self.fields[start..self.ends[j]]
    }
}

impl RecordReader {
    /// A reader with empty buffers.
    pub fn new() -> RecordReader {
        RecordReader {
            csv: csv_core::Reader::new(),
            fields: vec![0; 1 << 12],
            ends: vec![0; 64],
            line_fields: Vec::with_capacity(1 << 12),
            line_ends: Vec::with_capacity(64),
        }
    }

    /// The next record at the front of `input`, which is advanced past it; `line` is the line
    /// of `input`'s first byte and is advanced likewise. `None` when only blank lines (or
    /// nothing) are left.
    pub fn next_record(&mut self, input: &mut &[u8], line: &mut u64) -> Option<Record<'_>> {
        loop {
            if input.is_empty() {
                return None;
            }
            let (text, rest, newline) = match memchr::memchr(b'\n', input) {
                Some(i) => (&input[..i], &input[i + 1..], 1),
                None => (*input, &input[input.len()..], 0),
            };
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            let at = *line;
            if memchr::memchr2(b'"', b'\r', text).is_none() {
                // No quotes: the record is this line, and its fields lie between the commas,
                // exactly as csv-core would read them (a blank line is skipped, as csv-core does).
                *input = rest;
                *line += newline;
                if text.is_empty() {
                    continue;
                }
                self.line_fields.clear();
                self.line_ends.clear();
                let mut start = 0;
                for i in memchr::memchr_iter(b',', text) {
                    self.line_fields.extend_from_slice(&text[start..i]);
                    self.line_ends.push(self.line_fields.len());
                    start = i + 1;
                }
                self.line_fields.extend_from_slice(&text[start..]);
                self.line_ends.push(self.line_fields.len());
                return Some(Record { line: at, fields: &self.line_fields, ends: &self.line_ends });
            }
            // Quotes (or a lone carriage return): csv-core reads one record, which may span
            // lines.
            self.csv.reset();
            let at = at - 1 + record_line(&self.csv, input);
            let (mut nout, mut nend) = (0usize, 0usize);
            let found = loop {
                let (res, nin, o, e) = self.csv.read_record(input, &mut self.fields[nout..], &mut self.ends[nend..]);
                *input = &input[nin..];
                nout += o;
                nend += e;
                match res {
                    csv_core::ReadRecordResult::InputEmpty => continue,
                    csv_core::ReadRecordResult::OutputFull => {
                        let n = self.fields.len();
                        self.fields.resize(n * 2, 0);
                    }
                    csv_core::ReadRecordResult::OutputEndsFull => {
                        let n = self.ends.len();
                        self.ends.resize(n * 2, 0);
                    }
                    csv_core::ReadRecordResult::End => break false,
                    csv_core::ReadRecordResult::Record => break true,
                }
            };
            *line += self.csv.line() - 1;
            if !found {
                return None;
            }
            return Some(Record { line: at, fields: &self.fields[..nout], ends: &self.ends[..nend] });
        }
    }
}

/// The line the next record starts on: the reader's line plus the blank lines it will skip.
fn record_line(csv: &csv_core::Reader, input: &[u8]) -> u64 {
    let blank = input.iter().take_while(|&&b| b == b'\n' || b == b'\r').filter(|&&b| b == b'\n').count();
    csv.line() + blank as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record of `text` as (line, fields), read by this reader.
    fn read_all(text: &[u8]) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut r = RecordReader::new();
        let (mut input, mut line) = (text, 1u64);
        let mut out = Vec::new();
        while let Some(rec) = r.next_record(&mut input, &mut line) {
            out.push((rec.line, (0..rec.ends.len()).map(|j| rec.field(j).to_vec()).collect()));
        }
        out
    }

    #[test]
    fn fields_are_those_of_the_csv_crate() {
        let text = b"a,b,,c\n\n1,\"x,1\",\"say \"\"hi\"\"\"\r\n\r\n2,\"multi\nline\",z\nab\"c,d\n  sp , x\n\"open\n";
        let got = read_all(text);
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&text[..]);
        let want: Vec<Vec<Vec<u8>>> =
            rdr.byte_records().map(|r| r.unwrap().iter().map(|f| f.to_vec()).collect()).collect();
        assert_eq!(got.iter().map(|r| r.1.clone()).collect::<Vec<_>>(), want);
        // The record lines, counted by hand: blank lines and a quoted newline move them on.
        assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 3, 5, 7, 8, 9]);
        assert!(read_all(b"\n\r\n").is_empty());
    }
}
