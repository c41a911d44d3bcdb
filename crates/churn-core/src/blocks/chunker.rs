//! Cutting a CSV byte stream into blocks of whole records, so that blocks can be parsed on
//! several cores at once (the one chunker of the workspace: scoring and the activity table).
//!
//! The reader thread only copies bytes and looks for the last record end of each block: when a
//! block holds no quote character (the common case) that is its last newline, found with one
//! backwards `memchr`; otherwise a small state machine over the quotes, commas and newlines
//! follows RFC 4180 quoting (a quote opens a quoted field only at the start of a field, `""`
//! inside one is an escaped quote), so a newline inside a quoted field never ends a block.

use std::io::Read;

/// Where a block of `buf` should end: just after the last record end at or before `limit`, or,
/// when no record ends there, just after the first record end past it; `None` when no record
/// ends in `buf`. `buf` starts at a record boundary. The answer depends only on the bytes, so
/// blocks (and everything summed per block) are the same however the input was read.
pub fn record_end(buf: &[u8], limit: usize) -> Option<usize> {
    let limit = limit.min(buf.len());
    if memchr::memchr(b'"', buf).is_none() {
        return memchr::memrchr(b'\n', &buf[..limit])
            .or_else(|| memchr::memchr(b'\n', &buf[limit..]).map(|i| i + limit))
            .map(|i| i + 1);
    }
    let mut last = None;
    let mut quoted = false;
    // Index just after the last delimiter or newline outside quotes: a field starts there.
    let mut field_start = 0usize;
    let mut it = memchr::memchr3_iter(b'"', b',', b'\n', buf);
    while let Some(i) = it.next() {
        match buf[i] {
            b'"' if quoted => {
                if buf.get(i + 1) == Some(&b'"') {
                    it.next(); // an escaped quote: still inside the field
                } else {
                    quoted = false;
                }
            }
            b'"' => quoted = i == field_start,
            _ if quoted => {}
            b',' => field_start = i + 1,
            _ => {
                field_start = i + 1;
                if i + 1 > limit {
                    return last.or(Some(i + 1));
                }
                last = Some(i + 1);
            }
        }
    }
    last
}

/// Reads a byte stream as blocks of whole records of about `target` bytes.
pub struct BlockReader<R> {
    reader: R,
    carry: Vec<u8>,
    eof: bool,
    target: usize,
}

impl<R: Read> BlockReader<R> {
    /// `start` holds bytes already read (after the header), `target` is the block size in bytes.
    pub fn new(reader: R, start: Vec<u8>, target: usize) -> BlockReader<R> {
        BlockReader { reader, carry: start, eof: false, target: target.max(1) }
    }

    /// Fills `buf` (cleared first) with the next block; `Ok(false)` at the end of the stream.
    /// A record longer than the target makes the block grow until the record ends; the last
    /// block may lack a final newline.
    pub fn next_block(&mut self, buf: &mut Vec<u8>) -> std::io::Result<bool> {
        buf.clear();
        buf.append(&mut self.carry);
        let mut want = self.target;
        loop {
            while !self.eof && buf.len() < want {
                let len = buf.len();
                let room = (want - len).max(1 << 16);
                buf.resize(len + room, 0);
                match self.reader.read(&mut buf[len..]) {
                    Ok(0) => {
                        buf.truncate(len);
                        self.eof = true;
                    }
                    Ok(n) => buf.truncate(len + n),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(len),
                    Err(e) => {
                        buf.truncate(len);
                        return Err(e);
                    }
                }
            }
            if self.eof {
                return Ok(!buf.is_empty());
            }
            match record_end(buf, self.target) {
                Some(cut) => {
                    self.carry.extend_from_slice(&buf[cut..]);
                    buf.truncate(cut);
                    return Ok(true);
                }
                None => want = buf.len() * 2,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_the_last_newline_outside_quotes() {
        let end = |b: &[u8]| record_end(b, b.len());
        assert_eq!(end(b"a,b\nc,d\ne"), Some(8));
        assert_eq!(end(b"a,b"), None);
        assert_eq!(end(b"a,\"x\ny\"\nb,\"p\nq"), Some(8));
        // Escaped quotes stay inside the field; a quote inside an unquoted field is literal.
        assert_eq!(end(b"\"a\"\"\nb\",c\nd"), Some(10));
        assert_eq!(end(b"ab\"c,d\ne,\"f\ng"), Some(7));
        assert_eq!(end(b"x,\"\"\ny"), Some(5));
        // The limit: the last end before it, else the first end after it.
        assert_eq!(record_end(b"a\nb\nc\n", 3), Some(2));
        assert_eq!(record_end(b"aaaa\nb\n", 2), Some(5));
        assert_eq!(record_end(b"\"a\"\nb\nc\n", 5), Some(4));
        assert_eq!(record_end(b"\"a\naa\"\nb\nc\n", 2), Some(7));
    }

    fn blocks(text: &[u8], target: usize) -> Vec<Vec<u8>> {
        let k = text.len().min(3);
        let mut r = BlockReader::new(&text[k..], text[..k].to_vec(), target);
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while r.next_block(&mut buf).unwrap() {
            out.push(buf.clone());
        }
        out
    }

    #[test]
    fn blocks_are_whole_records_and_lose_nothing() {
        let text = b"1,\"multi\nline\",x\n2,plain,y\n3,\"q\"\"uote\",z\n4,last,w";
        for target in [1, 2, 5, 17, 64, 1000] {
            let bs = blocks(text, target);
            assert_eq!(bs.concat(), text.to_vec(), "target {target}");
            for b in &bs[..bs.len() - 1] {
                assert_eq!(b.last(), Some(&b'\n'));
                // No block ends inside the quoted field of record 1.
                assert!(!b.ends_with(b"multi\n"), "target {target}: {:?}", String::from_utf8_lossy(b));
            }
        }
        assert!(blocks(b"", 8).is_empty());
    }
}
