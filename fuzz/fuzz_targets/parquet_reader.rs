//! Any bytes as a Parquet data file: the scorer's reader yields blocks or an error, never
//! panics or hangs.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(data).expect("write");
    if let Ok(mut src) = churn_score::parquet::ParquetSource::open(f.path()) {
        let mut out = Vec::new();
        for _ in 0..1000 {
            match src.next_block(256, &mut out) {
                Ok(n) if n > 0 => out.clear(),
                _ => break,
            }
        }
    }
});
