//! Survival labels (`[label] time_column = "..."`): every snapshot row gets the days from the
//! snapshot to churn (event) or to `data_end` (censored), instead of a fixed outcome window;
//! censored rows are kept.

use crate::subs::Period;

/// Days from snapshot `t` to the account's next churn (event) or, when it has not churned by
/// `data_end` (exclusive), to `data_end` (censored).
pub(crate) fn time_to_churn(periods: &[Period], t: i32, data_end: i32) -> (i32, bool) {
    match periods.iter().filter_map(|p| p.end).filter(|&c| c >= t).min() {
        Some(c) => (c - t, true),
        None => (data_end - t, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_to_the_next_churn_or_to_data_end() {
        let periods = [Period { start: 0, end: Some(40) }, Period { start: 60, end: Some(100) }];
        assert_eq!(time_to_churn(&periods, 10, 500), (30, true));
        assert_eq!(time_to_churn(&periods, 40, 500), (0, true));
        assert_eq!(time_to_churn(&periods, 70, 500), (30, true));
        let open = [Period { start: 0, end: Some(40) }, Period { start: 60, end: None }];
        assert_eq!(time_to_churn(&open, 70, 500), (430, false));
    }
}
