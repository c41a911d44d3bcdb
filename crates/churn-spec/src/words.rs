//! Risk drivers in words: a feature column's value said the way a customer-success manager
//! reads it, built from the feature dictionary's definition (the validated plan behind it) and
//! the value. `post_count_velocity_28d = -0.6` reads `28-day post events fell 60%`;
//! `days_since_any = 41` reads `days since last activity: 41`.
//!
//! Two forms: [`DriverWords::short`] (a CSV cell) and [`DriverWords::long`] (a sentence, the
//! JSONL `text` field). Columns the plan cannot phrase (purchase cycles, BG/NBD) fall back to
//! `name: value`, still with the dictionary's rounding.

use std::collections::HashMap;

use crate::view::{AggView, OpView, SourceView};
use crate::FeatureDictionary;

/// How the value of one column is phrased.
#[derive(Debug, Clone, PartialEq)]
enum Phrase {
    Window {
        ev: String,
        w: i32,
        agg: AggView,
    },
    Velocity {
        ev: String,
        w: i32,
        agg: AggView,
        bounded: bool,
    },
    Trend {
        ev: String,
        p: i32,
        agg: AggView,
        normalize: bool,
    },
    Recency {
        ev: String,
    },
    Tenure,
    Stickiness {
        ev: String,
        short: i32,
        long: i32,
    },
    /// `name: value` with the definition's first clause (ratios, cycles, ...).
    Plain {
        what: String,
    },
}

/// Where a value stands against the training rows, said in words after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// At or above the 90th percentile of the training rows.
    High,
    /// At or below the 10th percentile.
    Low,
}

impl Level {
    /// `high` (percentile >= 90), `low` (<= 10), or nothing, from a percentile in 0-100.
    pub fn of_percentile(p: Option<f64>) -> Option<Level> {
        match p {
            Some(p) if p >= 90.0 => Some(Level::High),
            Some(p) if p <= 10.0 => Some(Level::Low),
            _ => None,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Level::High => "high",
            Level::Low => "low",
        }
    }
}

/// The phrasing of every column of a feature dictionary, by column name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DriverWords {
    phrases: HashMap<String, (Phrase, bool)>,
}

impl FeatureDictionary {
    /// The words of every column (an empty set when the spec no longer validates).
    pub fn driver_words(&self) -> DriverWords {
        let Ok(plan) = self.spec.plan_view() else { return DriverWords::default() };
        let mut phrases = HashMap::new();
        for (def, src) in plan.columns.iter().zip(&plan.sources) {
            let ev = def.event_type.clone().unwrap_or_default();
            let first_clause = def.definition.split(", ").next().unwrap_or(&def.definition).to_string();
            let plain = (Phrase::Plain { what: def.name.clone() }, false);
            let phrase = match src {
                SourceView::Num(i) => match &plan.ops[*i] {
                    (OpView::Window { w, agg, .. }, log) => (Phrase::Window { ev, w: *w, agg: *agg }, *log),
                    (OpView::Velocity { w, agg, bounded, .. }, log) => {
                        (Phrase::Velocity { ev, w: *w, agg: *agg, bounded: *bounded }, *log)
                    }
                    (OpView::Trend { p, agg, normalize, .. }, log) => {
                        (Phrase::Trend { ev, p: *p, agg: *agg, normalize: *normalize }, *log)
                    }
                    (OpView::Recency { .. }, log) => (Phrase::Recency { ev }, *log),
                    (OpView::Tenure, log) => (Phrase::Tenure, *log),
                    (OpView::Stickiness { short, long, .. }, log) => {
                        (Phrase::Stickiness { ev, short: *short, long: *long }, *log)
                    }
                    (OpView::Ratio { .. }, log) => (Phrase::Plain { what: first_clause }, *log),
                    _ => plain,
                },
                _ => plain,
            };
            phrases.insert(def.name.clone(), phrase);
        }
        DriverWords { phrases }
    }
}

/// Rounds for words: integers as integers, else 3 significant decimals at most.
fn num(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if (x - x.round()).abs() < 1e-9 {
        return format!("{}", x.round() as i64);
    }
    let d = if x.abs() >= 100.0 {
        0
    } else if x.abs() >= 10.0 {
        1
    } else {
        2
    };
    let s = format!("{x:.d$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// `post events`, `activity` (any event), `post value`.
fn what(ev: &str, agg: AggView) -> String {
    let any = ev == "any" || ev.is_empty();
    match (agg, any) {
        (AggView::Count, true) => "events".into(),
        (AggView::Count, false) => format!("{ev} events"),
        (AggView::Sum, true) => "total value".into(),
        (AggView::Sum, false) => format!("{ev} total"),
        (AggView::Mean, true) => "mean value".into(),
        (AggView::Mean, false) => format!("{ev} mean value"),
        (AggView::ActiveDays, true) => "active days".into(),
        (AggView::ActiveDays, false) => format!("days with {ev}"),
    }
}

fn period(p: i32) -> (String, String) {
    match p {
        7 => ("weekly".into(), "a week".into()),
        28..=31 => ("monthly".into(), "a month".into()),
        1 => ("daily".into(), "a day".into()),
        _ => (format!("{p}-day"), format!("per {p} days")),
    }
}

/// The relative change `a / b - 1` of a velocity value.
fn change(v: f64, bounded: bool) -> Option<f64> {
    if bounded {
        // v = (a - b) / (a + b)  =>  a / b - 1 = 2v / (1 - v); v = 1: none before.
        (v < 1.0).then(|| 2.0 * v / (1.0 - v))
    } else {
        Some(v)
    }
}

impl DriverWords {
    /// Whether the dictionary phrases `name`.
    pub fn knows(&self, name: &str) -> bool {
        self.phrases.contains_key(name)
    }

    /// The compact form (a CSV cell): `28-day post events fell 60%`, `days since last
    /// activity: 41 (high)`. `None` for a column not in the dictionary or a missing value.
    pub fn short(&self, name: &str, value: &str, level: Option<Level>) -> Option<String> {
        self.say(name, value, level, false)
    }

    /// The sentence (JSONL `text`): `post events in the last 28 days fell 60% from the 28 days
    /// before`.
    pub fn long(&self, name: &str, value: &str, level: Option<Level>) -> Option<String> {
        self.say(name, value, level, true)
    }

    fn say(&self, name: &str, value: &str, level: Option<Level>, long: bool) -> Option<String> {
        let (phrase, log1p) = self.phrases.get(name)?;
        let v = value.trim();
        let mut text = match (v.parse::<f64>().ok().filter(|x| x.is_finite()), phrase) {
            (None, Phrase::Plain { what }) if !v.is_empty() => format!("{what}: {v}"),
            (None, _) => return None,
            (Some(x), phrase) => {
                // log1p columns: the value before the transform.
                let x = if *log1p { x.signum() * x.abs().exp_m1() } else { x };
                say_number(phrase, x, long)
            }
        };
        if let Some(l) = level {
            text.push_str(&format!(" ({})", l.word()));
        }
        Some(text)
    }
}

fn say_number(phrase: &Phrase, x: f64, long: bool) -> String {
    match phrase {
        Phrase::Window { ev, w, agg } => {
            let what = what(ev, *agg);
            if long {
                format!("{what} in the last {w} days: {}", num(x))
            } else {
                format!("{w}-day {what}: {}", num(x))
            }
        }
        Phrase::Velocity { ev, w, agg, bounded } => {
            let what = what(ev, *agg);
            let moved = match change(x, *bounded) {
                None => "started (none the period before)".to_string(),
                Some(c) if c.abs() < 0.005 => "unchanged".to_string(),
                Some(c) if c < 0.0 => format!("fell {}%", num((-100.0 * c).min(100.0))),
                Some(c) => format!("rose {}%", num(100.0 * c)),
            };
            if long {
                format!("{what} in the last {w} days {moved} against the {w} days before")
            } else {
                format!("{w}-day {what} {moved}")
            }
        }
        Phrase::Trend { ev, p, agg, normalize } => {
            let (adj, per) = period(*p);
            let what = what(ev, *agg);
            let by = if *normalize { format!("{}% of the mean", num(100.0 * x.abs())) } else { num(x.abs()) };
            let dir = if x < 0.0 {
                format!("falling by {by} {per}")
            } else if x > 0.0 {
                format!("rising by {by} {per}")
            } else {
                "flat".to_string()
            };
            if long {
                format!("{adj} {what} {dir} (least-squares trend)")
            } else {
                format!("{adj} {what} {dir}")
            }
        }
        Phrase::Recency { ev } => {
            let what = if ev == "any" || ev.is_empty() { "activity".to_string() } else { ev.clone() };
            if long {
                format!("days since the last {what}: {}", num(x))
            } else {
                format!("days since last {what}: {}", num(x))
            }
        }
        Phrase::Tenure => format!("tenure: {} days", num(x)),
        Phrase::Stickiness { ev, short, long: l } => {
            let what = if ev == "any" || ev.is_empty() { "active days".to_string() } else { format!("days with {ev}") };
            if long {
                format!("{}% of the {what} of the last {l} days fell in the last {short}", num(100.0 * x))
            } else {
                format!("{short}/{l}-day stickiness: {}%", num(100.0 * x))
            }
        }
        Phrase::Plain { what } => format!("{what}: {}", num(x)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_words() {
        assert_eq!(num(41.0), "41");
        assert_eq!(num(0.2916666), "0.29");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(250.4), "250");
    }

    #[test]
    fn bounded_velocity_is_the_same_change() {
        // a = 4, b = 10: unbounded (a - b) / b = -0.6, bounded (a - b) / (a + b) = -6/14.
        let u = change(-0.6, false).unwrap();
        let b = change(-6.0 / 14.0, true).unwrap();
        assert!((u - b).abs() < 1e-12 && (u + 0.6).abs() < 1e-12);
        assert_eq!(change(1.0, true), None);
        assert_eq!(change(-1.0, true), Some(-1.0));
    }
}
