//! Whether risk drivers dominate a scoring run's time: measured per block by the workers
//! ([`crate::ScoreSummary::driver_seconds`] of [`crate::ScoreSummary::work_seconds`]), not
//! guessed from the model's size.

/// Share of the work at or above which drivers are said to dominate.
pub const DOMINANT_SHARE: f64 = 0.5;

/// Runs shorter than this (wall clock, seconds) are not worth a remark.
pub const MIN_SECONDS: f64 = 1.0;

/// The stderr line for a run whose workers spent `driver_seconds` of `work_seconds` computing
/// drivers and that took `wall_seconds`; `None` when drivers do not dominate or the run was short.
pub fn drivers_dominate(work_seconds: f64, driver_seconds: f64, wall_seconds: f64) -> Option<String> {
    if !(work_seconds > 0.0 && wall_seconds >= MIN_SECONDS) {
        return None;
    }
    let share = (driver_seconds / work_seconds).clamp(0.0, 1.0);
    (share >= DOMINANT_SHARE).then(|| {
        format!(
            "note: risk drivers took {:.0}% of the scoring time ({:.1} of {:.1} s of work); \
             --drivers 0 scores without them, about {:.1}x faster",
            100.0 * share,
            driver_seconds,
            work_seconds,
            1.0 / (1.0 - share).max(1e-3)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_so_only_when_drivers_take_most_of_a_long_run() {
        let m = drivers_dominate(10.0, 8.0, 6.0).unwrap();
        assert!(m.contains("80% of the scoring time (8.0 of 10.0 s of work)") && m.contains("--drivers 0"), "{m}");
        assert!(m.contains("about 5.0x faster"), "{m}");
        assert_eq!(drivers_dominate(10.0, 4.9, 6.0), None);
        assert!(drivers_dominate(10.0, 5.0, 6.0).is_some());
        // Short runs: no remark, whatever the share.
        assert_eq!(drivers_dominate(0.5, 0.45, 0.3), None);
        assert_eq!(drivers_dominate(0.0, 0.0, 2.0), None);
    }
}
