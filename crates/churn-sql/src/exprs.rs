//! The SQL expression of each planned numeric column, one method per feature family.
//!
//! Windowed aggregates are collected (deduplicated) into the look-back join `z_win` and read
//! as `w.z_x{i}`; whole-history statistics name the running aggregates (`r.`), the gap medians
//! (`md_{ch}.`) and the snapshot (`s.`) that `features.rs` joins, and record which channels
//! need them.

use churn_features::{AggView, CycleView, OpView};

use crate::{Dialect, SqlError};

/// Builds the column expressions of a plan, in op order.
pub(crate) struct Exprs {
    d: Dialect,
    /// `format = "usage"`: counts are the value column.
    usage: bool,
    /// The activity table has a value column.
    has_val: bool,
    /// Declared event types; channel `nty` is `any`.
    nty: usize,
    /// The aggregates of the look-back join, deduplicated.
    pub(crate) aggs: Vec<String>,
    /// Channels whose last activity day recency reads.
    pub(crate) recency: Vec<usize>,
    /// Channels whose whole-history purchase-cycle aggregates are read.
    pub(crate) cycle: Vec<usize>,
    /// Channels whose gap median is read.
    pub(crate) median: Vec<usize>,
    /// The expression of each op so far (ratios read earlier ones).
    pub(crate) exprs: Vec<String>,
}

fn note(need: &mut Vec<usize>, ch: usize) {
    if !need.contains(&ch) {
        need.push(ch);
    }
}

impl Exprs {
    pub(crate) fn new(d: Dialect, usage: bool, has_val: bool, nty: usize) -> Exprs {
        Exprs {
            d,
            usage,
            has_val,
            nty,
            aggs: Vec::new(),
            recency: Vec::new(),
            cycle: Vec::new(),
            median: Vec::new(),
            exprs: Vec::new(),
        }
    }

    /// The column suffix of a channel: its index, or `any`.
    pub(crate) fn chn(&self, ch: usize) -> String {
        if ch == self.nty {
            "any".to_string()
        } else {
            ch.to_string()
        }
    }

    fn rows_of(&self, ch: usize) -> String {
        format!("dd.z_r_{}", self.chn(ch))
    }

    fn metric(&self, ch: usize, agg: AggView) -> String {
        match agg {
            AggView::Count if self.usage => format!("dd.z_v_{}", self.chn(ch)),
            AggView::Sum if self.has_val => format!("dd.z_v_{}", self.chn(ch)),
            _ => self.rows_of(ch),
        }
    }

    fn is_float(&self, agg: AggView) -> bool {
        self.has_val && (self.usage || agg == AggView::Sum)
    }

    fn dbl(&self, e: String) -> String {
        self.d.to_double(&e)
    }

    fn zero(&self) -> String {
        self.d.double(0.0)
    }

    /// An aggregate of the look-back join (deduplicated): `w.z_x{i}`.
    fn add(&mut self, e: String) -> String {
        let i = match self.aggs.iter().position(|x| *x == e) {
            Some(i) => i,
            None => {
                self.aggs.push(e);
                self.aggs.len() - 1
            }
        };
        format!("w.z_x{i}")
    }

    /// The sum of `e` over the days `[t - lo, t - hi)`.
    fn sum_over(&mut self, e: String, lo: i32, hi: i32, float: bool) -> String {
        let range = if hi == 0 {
            format!("dd.z_d >= s.z_t - {lo}")
        } else {
            format!("dd.z_d >= s.z_t - {lo} AND dd.z_d < s.z_t - {hi}")
        };
        let z = if float { self.zero() } else { format!("CAST(0 AS {})", self.d.int_type()) };
        self.add(format!("COALESCE(SUM(CASE WHEN {range} THEN {e} END), {z})"))
    }

    /// An aggregation of channel `ch` over `[t - lo, t - hi)`.
    fn window(&mut self, ch: usize, agg: AggView, lo: i32, hi: i32) -> String {
        let active = format!("CASE WHEN {} > 0 THEN 1 ELSE 0 END", self.rows_of(ch));
        match agg {
            AggView::ActiveDays => {
                let act = self.sum_over(active, lo, hi, false);
                self.dbl(act)
            }
            AggView::Mean => {
                let act = self.sum_over(active, lo, hi, false);
                let sm = self.sum_over(self.metric(ch, AggView::Sum), lo, hi, self.is_float(AggView::Sum));
                format!(
                    "CASE WHEN {act} > 0 THEN {} / {} ELSE {} END",
                    self.dbl(sm),
                    self.dbl(act.clone()),
                    self.zero()
                )
            }
            _ => {
                let s = self.sum_over(self.metric(ch, agg), lo, hi, self.is_float(agg));
                self.dbl(s)
            }
        }
    }

    fn velocity(&mut self, ch: usize, win: i32, agg: AggView, bounded: bool, zero: f64) -> String {
        let x = self.window(ch, agg, win, 0);
        let y = self.window(ch, agg, 2 * win, win);
        if bounded {
            format!("CASE WHEN ({x}) + ({y}) <> 0 THEN (({x}) - ({y})) / (({x}) + ({y})) ELSE {} END", self.zero())
        } else {
            format!(
                "CASE WHEN ({y}) <> 0 THEN (({x}) - ({y})) / ({y}) WHEN ({x}) = 0 THEN {} ELSE {} END",
                self.zero(),
                self.d.double(zero)
            )
        }
    }

    fn trend(&mut self, ch: usize, n: i32, p: i32, agg: AggView, normalize: bool) -> String {
        let d = self.d;
        let span = n * p;
        let idx = d.idiv(&format!("dd.z_d - s.z_t + {span}"), &p.to_string());
        let weight = format!("(2 * {idx} - {})", n - 1);
        let m = self.metric(ch, agg);
        let num = self.sum_over(format!("{weight} * {m}"), span, 0, self.is_float(agg));
        let denom = (n as i64) * ((n as i64) * (n as i64) - 1);
        // slope = sum (i - mean i) y_i / sum (i - mean i)^2 = num / (n (n^2 - 1) / 6)
        let slope = format!("{} * 6 / {}", self.dbl(num), d.double(denom as f64));
        if normalize {
            let tot = self.sum_over(m, span, 0, self.is_float(agg));
            let tot = self.dbl(tot);
            format!("CASE WHEN {tot} <> 0 THEN ({slope}) / ({tot} / {}) ELSE {} END", d.double(n as f64), self.zero())
        } else {
            slope
        }
    }

    fn cycle(&mut self, ch: usize, stat: CycleView) -> String {
        let c = self.chn(ch);
        let rc = |x: &str| format!("r.z_{x}_{c}");
        let gap_mean = format!(
            "{} / {}",
            self.dbl(format!("{} - {}", rc("last"), rc("first"))),
            self.dbl(format!("{} - 1", rc("n")))
        );
        match stat {
            CycleView::ActiveDays(wd) => return self.window(ch, AggView::ActiveDays, wd, 0),
            CycleView::ValueSum(wd) => return self.window(ch, AggView::Sum, wd, 0),
            CycleView::ValueMean(wd) => {
                let r = self.sum_over(self.rows_of(ch), wd, 0, false);
                let v = self.sum_over(format!("dd.z_v_{c}"), wd, 0, true);
                return format!("CASE WHEN {r} > 0 THEN {} / {} END", self.dbl(v), self.dbl(r.clone()));
            }
            CycleView::ValueTrend(n, p) => return self.trend(ch, n, p, AggView::Sum, true),
            CycleView::GapMedian => {
                note(&mut self.median, ch);
                return format!("md_{c}.z_med");
            }
            _ => note(&mut self.cycle, ch),
        }
        match stat {
            CycleView::Days => self.dbl(rc("n")),
            CycleView::GapMean => format!("CASE WHEN {} >= 2 THEN {gap_mean} END", rc("n")),
            CycleView::GapLast => {
                format!("CASE WHEN {} >= 2 THEN {} END", rc("n"), self.dbl(format!("{} - {}", rc("last"), rc("prev"))))
            }
            CycleView::Overdue => {
                format!(
                    "CASE WHEN {} >= 2 THEN {} / ({gap_mean}) END",
                    rc("n"),
                    self.dbl(format!("s.z_t - {}", rc("last")))
                )
            }
            _ => format!("CASE WHEN {} > 0 THEN {} / {} END", rc("rr"), rc("vv"), self.dbl(rc("rr"))),
        }
    }

    fn recency(&mut self, ch: usize, never: Option<f64>) -> String {
        note(&mut self.recency, ch);
        let fallback = match never {
            Some(v) => self.d.double(v),
            None => self.dbl("s.z_t - s.z_fs".into()),
        };
        let c = self.chn(ch);
        format!("CASE WHEN r.z_last_{c} IS NULL THEN {fallback} ELSE {} END", self.dbl(format!("s.z_t - r.z_last_{c}")))
    }

    /// Appends the expression of one op (with its `log1p`).
    pub(crate) fn push(&mut self, op: &OpView, log1p: bool) -> Result<(), SqlError> {
        let e = match *op {
            OpView::Window { ch, w, agg } => self.window(ch, agg, w, 0),
            OpView::Velocity { ch, w, agg, bounded, zero } => self.velocity(ch, w, agg, bounded, zero),
            OpView::Trend { ch, n, p, agg, normalize } => self.trend(ch, n, p, agg, normalize),
            OpView::Cycle { ch, stat } => self.cycle(ch, stat),
            OpView::Recency { ch, never } => self.recency(ch, never),
            OpView::Tenure => self.dbl("s.z_t - s.z_fs".into()),
            OpView::Ratio { num, den, zero } => {
                let (x, y) = (&self.exprs[num], &self.exprs[den]);
                format!("CASE WHEN ({y}) <> 0 THEN ({x}) / ({y}) ELSE {} END", self.d.double(zero))
            }
            OpView::Stickiness { ch, short, long } => {
                let l = self.window(ch, AggView::ActiveDays, long, 0);
                let sh = self.window(ch, AggView::ActiveDays, short, 0);
                format!("CASE WHEN {l} > 0 THEN {sh} / {l} ELSE {} END", self.zero())
            }
            OpView::Unsupported { .. } => return Err(SqlError::Internal("unsupported op".into())),
        };
        let d = self.d;
        let e = if log1p {
            format!("CASE WHEN ({e}) < 0 THEN -{} ELSE {} END", d.ln1p(&format!("(-({e}))")), d.ln1p(&format!("({e})")))
        } else {
            e
        };
        self.exprs.push(e);
        Ok(())
    }
}
