//! Line numbers of CSV records that are right whatever the line ends.
//!
//! The `csv` crate's `Position` of a record is where the reader began looking for it: just
//! after the previous record's terminator. After a CRLF that is the `\n` (not yet counted, so
//! `line()` is one too low), and blank lines before the record are included (so `line()` names
//! the first blank line). [`LineFeeds`] wraps the byte stream the csv reader pulls and notes
//! the offset of every `\r` and `\n`; [`LineIndex::line_at`] skips the line-end bytes at the
//! start position and returns the 1-based line of the record's first byte: one plus the line
//! feeds before it. The index keeps only what the reader has read ahead of the last record.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};

/// A reader that notes the offset of every `\r` and `\n` it passes on.
pub struct LineFeeds<R> {
    inner: R,
    offset: u64,
    feeds: Arc<Mutex<Feeds>>,
}

/// Line ends (offset, whether it is a `\n`) read but not yet passed, and the `\n`s passed.
#[derive(Debug, Default)]
struct Feeds {
    ahead: VecDeque<(u64, bool)>,
    passed: u64,
}

/// The line ends seen so far, shared with the [`LineFeeds`] reader.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    feeds: Arc<Mutex<Feeds>>,
}

impl<R: Read> LineFeeds<R> {
    /// Wraps `inner`, and the index its line feeds go to.
    pub fn new(inner: R) -> (LineFeeds<R>, LineIndex) {
        let feeds = Arc::new(Mutex::new(Feeds::default()));
        (LineFeeds { inner, offset: 0, feeds: Arc::clone(&feeds) }, LineIndex { feeds })
    }
}

impl<R: Read> Read for LineFeeds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut q = self.feeds.lock().unwrap_or_else(PoisonError::into_inner);
        q.ahead
            .extend(memchr::memchr2_iter(b'\r', b'\n', &buf[..n]).map(|i| (self.offset + i as u64, buf[i] == b'\n')));
        self.offset += n as u64;
        Ok(n)
    }
}

impl LineIndex {
    /// The 1-based line of the record the csv reader reports at byte `byte`: the line ends
    /// from there on (the `\n` of a CRLF, blank lines) are skipped first. Calls must come in
    /// non-decreasing `byte` order (records in file order).
    pub fn line_at(&self, byte: u64) -> u64 {
        let mut q = self.feeds.lock().unwrap_or_else(PoisonError::into_inner);
        let mut at = byte;
        while let Some(&(offset, lf)) = q.ahead.front() {
            if offset > at {
                break;
            }
            if offset == at {
                at += 1; // a line end where the record would start: the record starts later
            }
            q.ahead.pop_front();
            q.passed += u64::from(lf);
        }
        1 + q.passed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each record's line by the index, read through the csv crate as `Table::read` does.
    fn lines(data: &str) -> Vec<u64> {
        let (r, index) = LineFeeds::new(data.as_bytes());
        let mut reader = csv::ReaderBuilder::new().buffer_capacity(8).from_reader(r);
        let _ = reader.byte_headers().unwrap();
        let mut rec = csv::StringRecord::new();
        let mut out = Vec::new();
        while reader.read_record(&mut rec).unwrap() {
            out.push(index.line_at(rec.position().unwrap().byte()));
        }
        out
    }

    /// Brute force: the 1-based line of the first byte of each data line that starts a record
    /// (no quoted newlines in these inputs), counted by splitting on `\n`.
    #[test]
    fn lf_crlf_and_mixed_line_ends_give_the_file_lines() {
        assert_eq!(lines("a,b\n1,2\n3,4\n5,6\n"), [2, 3, 4]);
        assert_eq!(lines("a,b\r\n1,2\r\n3,4\r\n5,6\r\n"), [2, 3, 4]);
        assert_eq!(lines("a,b\r\n1,2\n3,4\r\n5,6"), [2, 3, 4]);
        // A quoted field spanning lines: the next record starts two lines on.
        assert_eq!(lines("a,b\r\n\"x\r\ny\",1\r\n2,3\r\n"), [2, 4]);
        // Blank lines are skipped by the reader and still counted.
        assert_eq!(lines("a,b\r\n\r\n1,2\r\n\r\n\r\n3,4\r\n"), [3, 6]);
    }

    #[test]
    fn the_csv_crate_alone_is_one_line_short_after_a_crlf() {
        // Why this module exists: if the csv crate fixes this, the index is still right.
        let mut reader = csv::Reader::from_reader("a,b\r\n1,2\r\n".as_bytes());
        let rec = reader.records().next().unwrap().unwrap();
        assert_eq!(rec.position().unwrap().line(), 1);
        assert_eq!(lines("a,b\r\n1,2\r\n"), [2]);
    }
}
