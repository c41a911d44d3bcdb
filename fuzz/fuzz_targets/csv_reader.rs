//! Any bytes as a CSV data file: the table reader returns a table or an error, never panics.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(data).expect("write");
    if let Ok(t) = churn_core::Table::read(f.path()) {
        for r in 0..t.n_rows() {
            for c in 0..t.n_cols() {
                let _ = churn_core::table::parse_number(t.field(r, c));
            }
        }
    }
});
