//! Property tests of the CSV reader and the number and date parsers against independent
//! references (the `csv` crate's writer, Rust's float formatting, a calendar walk).

use churn_core::date::{format_date, parse_date};
use churn_core::table::parse_number;
use churn_core::Table;
use proptest::prelude::*;

fn field() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(','),
            Just('"'),
            Just('\n'),
            Just('\r'),
            Just(' '),
            Just('é'),
            Just('='),
            proptest::char::range('a', 'z')
        ],
        0..8,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the fields hold (commas, quotes, line breaks), a file written by the `csv`
    /// crate reads back field for field.
    #[test]
    fn csv_round_trips(
        width in 2usize..5,
        rows in proptest::collection::vec(proptest::collection::vec(field(), 4), 1..20),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut w = csv::Writer::from_path(&path).unwrap();
        let headers: Vec<String> = (0..width).map(|i| format!("c{i}")).collect();
        w.write_record(&headers).unwrap();
        for r in &rows {
            w.write_record(&r[..width]).unwrap();
        }
        w.flush().unwrap();
        drop(w);
        let t = Table::read(&path).unwrap();
        prop_assert_eq!(t.headers(), &headers[..]);
        prop_assert_eq!(t.n_rows(), rows.len());
        for (i, r) in rows.iter().enumerate() {
            for (j, f) in r[..width].iter().enumerate() {
                prop_assert_eq!(t.field(i, j), f.as_str());
            }
        }
    }

    /// Arbitrary bytes never panic the reader.
    #[test]
    fn csv_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &bytes).unwrap();
        let _ = Table::read(&path);
    }

    /// Every finite float round-trips through its shortest text and its exponent form; the
    /// parser returns only finite values, whatever the text.
    #[test]
    fn numbers_round_trip(x in any::<f64>().prop_filter("finite", |x| x.is_finite()), junk in ".{0,12}") {
        prop_assert_eq!(parse_number(&x.to_string()), Some(x));
        prop_assert_eq!(parse_number(&format!("{x:e}")), Some(x));
        if let Some(v) = parse_number(&junk) {
            prop_assert!(v.is_finite());
        }
    }

    /// `parse_date(format_date(d)) == d` over years 1..9999, and each day follows the one
    /// before it on the calendar (the next day of the month, or the 1st).
    #[test]
    fn dates_round_trip(d in -719_162i32..2_932_896, junk in ".{0,14}") {
        let text = format_date(d);
        prop_assert_eq!(parse_date(&text), Some(d));
        let next = format_date(d + 1);
        let day: u32 = text[8..10].parse().unwrap();
        let day2: u32 = next[8..10].parse().unwrap();
        prop_assert!(
            (text[..7] == next[..7] && day2 == day + 1) || (day2 == 1 && (28..=31).contains(&day)),
            "{} -> {}", text, next
        );
        let _ = parse_date(&junk);
    }
}
