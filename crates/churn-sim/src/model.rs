//! The generative model: one account at a time, from one random stream per account.
//!
//! Every account draws its static attributes and then walks day by day through its life:
//! a latent engagement (an Ornstein-Uhlenbeck wobble around the account's own level plus a
//! decline offset) drives usage, tickets, NPS answers, plan changes and the daily churn
//! hazard. Rows are formatted straight into the chunk's byte buffers.

use churn_core::rng::Rng;

use crate::fmt::{date_bytes, push_fixed4, push_hms, push_uint, push_uint_padded};
use crate::math::{exp, ln, normal, powf};

/// The event types of `usage.csv` / `events.csv`, in the order rows are written within a day.
pub const EVENT_TYPES: [&str; 6] =
    ["login", "dashboard_view", "report_export", "api_call", "invite_user", "integration_sync"];

const LOGIN: usize = 0;
const API_CALL: usize = 3;
const INTEGRATION_SYNC: usize = 5;

/// Per event type: base rate as a multiple of the account's weekday login rate, sensitivity
/// of the log-rate to engagement, weekend factor, and whether timestamps follow office hours.
struct EventParams {
    base: f64,
    sensitivity: f64,
    weekend: f64,
    human: bool,
}

const EVENT_PARAMS: [EventParams; 6] = [
    EventParams { base: 1.0, sensitivity: 1.0, weekend: 0.2, human: true },
    EventParams { base: 2.0, sensitivity: 1.2, weekend: 0.2, human: true },
    EventParams { base: 0.2, sensitivity: 1.6, weekend: 0.1, human: true },
    // api_call and integration_sync only exist for accounts with an integration; their
    // base rate is set per account below.
    EventParams { base: 0.0, sensitivity: 0.6, weekend: 0.8, human: false },
    EventParams { base: 0.02, sensitivity: 2.0, weekend: 0.1, human: true },
    EventParams { base: 0.0, sensitivity: 0.3, weekend: 1.0, human: false },
];

/// Days simulated (without output and without churn) before the window so that accounts
/// enter it in every phase: healthy, declining, recovering.
const BURN_IN_DAYS: i32 = 120;
/// Baseline daily churn hazard (reasons unrelated to usage: budget cuts, acquisitions).
const BASE_HAZARD: f64 = 0.0001;
/// Daily probability that a healthy, mature growth-plan account starts declining.
const DECLINE_ONSET: f64 = 0.0015;
/// Log-hazard per unit of engagement below the account's own level.
const HAZARD_PER_DEFICIT: f64 = 2.5;
/// Ceiling of the daily churn hazard.
const MAX_HAZARD: f64 = 0.2;
/// Log-hazard per unit of falling engagement trend (7-day minus 28-day average).
const HAZARD_PER_TREND: f64 = 1.0;
/// Daily probability of an NPS survey answer.
const NPS_DAILY: f64 = 1.0 / 150.0;

/// A subscription plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    Starter,
    Growth,
    Enterprise,
}

impl Plan {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Plan::Starter => "starter",
            Plan::Growth => "growth",
            Plan::Enterprise => "enterprise",
        }
    }

    /// Multiplier of churn and decline hazards.
    fn risk(self) -> f64 {
        match self {
            Plan::Starter => 1.4,
            Plan::Growth => 1.0,
            Plan::Enterprise => 0.55,
        }
    }

    fn up(self) -> Option<Plan> {
        match self {
            Plan::Starter => Some(Plan::Growth),
            Plan::Growth => Some(Plan::Enterprise),
            Plan::Enterprise => None,
        }
    }

    fn down(self) -> Option<Plan> {
        match self {
            Plan::Starter => None,
            Plan::Growth => Some(Plan::Starter),
            Plan::Enterprise => Some(Plan::Growth),
        }
    }
}

const REGIONS: [(&str, f64); 4] = [("NA", 0.45), ("EMEA", 0.30), ("APAC", 0.17), ("LATAM", 0.08)];

/// Validated settings shared by all workers.
pub(crate) struct Ctx {
    pub seed: u64,
    pub start: i32,
    pub days: u32,
    pub cutoff: i32,
    pub horizon: u32,
    pub raw_events: bool,
    pub id_width: usize,
    /// `YYYY-MM-DD` of every day of the window.
    pub dates: Vec<[u8; 10]>,
}

impl Ctx {
    fn end(&self) -> i32 {
        self.start + self.days as i32
    }
}

/// Indices of the per-file buffers of a chunk.
pub(crate) const F_ACCOUNTS: usize = 0;
pub(crate) const F_SUBSCRIPTIONS: usize = 1;
pub(crate) const F_USAGE: usize = 2;
pub(crate) const F_TICKETS: usize = 3;
pub(crate) const F_NPS: usize = 4;
pub(crate) const F_SNAPSHOT: usize = 5;
pub(crate) const F_EVENTS: usize = 6;
/// Number of output files (events included).
pub(crate) const N_FILES: usize = 7;

/// Base file names and CSV headers, indexed by the `F_*` constants.
pub(crate) const FILES: [(&str, &str); N_FILES] = [
    ("accounts", "account_id,plan,mrr,seats,region,signup_date\n"),
    ("subscriptions", "account_id,start_date,end_date,mrr,plan\n"),
    ("usage", "account_id,date,event_type,count\n"),
    ("tickets", "account_id,date,priority\n"),
    ("nps", "account_id,date,score\n"),
    (
        "snapshot",
        "account_id,plan,mrr,seats,region,tenure_days,logins_30d,events_30d,active_days_30d,\
events_prev_30d,usage_velocity_30d,usage_trend_8w,days_since_last_event,tickets_90d,last_nps,churned\n",
    ),
    ("events", "account_id,timestamp,event_type\n"),
];

/// Counters of one chunk (summed into the summary).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Stats {
    pub accounts: u64,
    pub churned: u64,
    pub subscriptions: u64,
    pub usage_rows: u64,
    pub events: u64,
    pub tickets: u64,
    pub nps: u64,
    pub snapshot_rows: u64,
    pub snapshot_churned: u64,
}

impl Stats {
    pub(crate) fn add(&mut self, o: &Stats) {
        self.accounts += o.accounts;
        self.churned += o.churned;
        self.subscriptions += o.subscriptions;
        self.usage_rows += o.usage_rows;
        self.events += o.events;
        self.tickets += o.tickets;
        self.nps += o.nps;
        self.snapshot_rows += o.snapshot_rows;
        self.snapshot_churned += o.snapshot_churned;
    }
}

struct Subscription {
    start: i32,
    end: Option<i32>,
    mrr: u32,
    plan: Plan,
}

/// Reusable per-worker memory.
pub(crate) struct Scratch {
    day_total: Vec<u32>,
    day_login: Vec<u32>,
    tickets: Vec<(i32, u8)>,
    nps: Vec<(i32, u8)>,
    subs: Vec<Subscription>,
    events: Vec<u32>,
    id: Vec<u8>,
}

impl Scratch {
    pub(crate) fn new(days: u32) -> Self {
        Scratch {
            day_total: vec![0; days as usize],
            day_login: vec![0; days as usize],
            tickets: Vec::new(),
            nps: Vec::new(),
            subs: Vec::new(),
            events: Vec::new(),
            id: Vec::new(),
        }
    }
}

const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

enum Phase {
    Healthy,
    /// Engagement offset falls by `rate` per day (log units).
    Declining {
        rate: f64,
        recover_on: Option<i32>,
    },
    Recovering,
}

/// Uniform in `[lo, hi)`.
#[inline]
fn uniform(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.next_f64()
}

/// `1 / k` for the Poisson inversion loop (`INV[0]` unused).
static INV: [f64; 256] = {
    let mut t = [0.0; 256];
    let mut k = 1;
    while k < 256 {
        t[k] = 1.0 / k as f64;
        k += 1;
    }
    t
};

/// Poisson draw: inversion for small means, a rounded normal for large ones.
#[inline]
fn poisson(rng: &mut Rng, lambda: f64) -> u32 {
    if lambda < 30.0 {
        let u = rng.next_f64();
        let mut p = exp(-lambda);
        let mut f = p;
        let mut k = 0usize;
        while u > f && k < INV.len() - 1 {
            k += 1;
            p *= lambda * INV[k];
            f += p;
        }
        k as u32
    } else {
        let x = lambda + lambda.sqrt() * normal(rng);
        x.round().max(0.0) as u32
    }
}

/// Monday = 0 .. Sunday = 6 (1970-01-01 was a Thursday).
#[inline]
fn weekday(day: i32) -> i32 {
    (day + 3).rem_euclid(7)
}

/// A second of the day for one event: office hours (bell around 13:00) for human events
/// with some spread, uniform for machine events. One random draw per event.
#[inline]
fn event_second(rng: &mut Rng, human: bool) -> u32 {
    let r = rng.next_u64();
    if !human || (r & 0xF) < 3 {
        (((r >> 32) * 86_400) >> 32) as u32
    } else {
        let m = (1u64 << 20) as f64;
        let s =
            ((r >> 4) & 0xF_FFFF) as f64 / m + ((r >> 24) & 0xF_FFFF) as f64 / m + ((r >> 44) & 0xF_FFFF) as f64 / m;
        // Irwin-Hall(3): mean 1.5, sd 0.5 -> 13:00 +- 3 h, within 04:00..22:00.
        let secs = 13.0 * 3600.0 + (s - 1.5) * 6.0 * 3600.0;
        secs.clamp(0.0, 86_399.0) as u32
    }
}

fn draw_plan(rng: &mut Rng) -> Plan {
    let u = rng.next_f64();
    if u < 0.6 {
        Plan::Starter
    } else if u < 0.9 {
        Plan::Growth
    } else {
        Plan::Enterprise
    }
}

/// Log-uniform integer in `[lo, hi]`.
fn log_uniform(rng: &mut Rng, lo: u32, hi: u32) -> u32 {
    let x = exp(uniform(rng, ln(lo as f64), ln(hi as f64 + 1.0)));
    (x as u32).clamp(lo, hi)
}

fn draw_seats(rng: &mut Rng, plan: Plan) -> u32 {
    match plan {
        Plan::Starter => 1 + rng.below(5) as u32,
        Plan::Growth => log_uniform(rng, 5, 50),
        Plan::Enterprise => log_uniform(rng, 50, 500),
    }
}

fn price(rng: &mut Rng, plan: Plan, seats: u32) -> u32 {
    let (base, lo, hi) = match plan {
        Plan::Starter => (19.0, 15.0, 25.0),
        Plan::Growth => (99.0, 25.0, 40.0),
        Plan::Enterprise => (1500.0, 30.0, 60.0),
    };
    (base + seats as f64 * uniform(rng, lo, hi)).round() as u32
}

/// Simulates account `index` and appends its rows to `bufs`.
pub(crate) fn simulate_account(
    ctx: &Ctx,
    index: u64,
    bufs: &mut [Vec<u8>; N_FILES],
    sc: &mut Scratch,
    stats: &mut Stats,
) {
    let mut rng = Rng::derive(ctx.seed, index);
    // Timestamps come from their own stream so that usage is the same with or without
    // raw events.
    let mut ts_rng = Rng::derive(ctx.seed, index | (1 << 63));
    let start = ctx.start;
    let end = ctx.end();

    // ---- static attributes
    let plan0 = draw_plan(&mut rng);
    let seats = draw_seats(&mut rng, plan0);
    let mrr0 = price(&mut rng, plan0, seats);
    let region = {
        let u = rng.next_f64();
        let mut acc = 0.0;
        let mut pick = REGIONS[REGIONS.len() - 1].0;
        for (name, w) in REGIONS {
            acc += w;
            if u < acc {
                pick = name;
                break;
            }
        }
        pick
    };
    let signup = if rng.next_f64() < 0.22 {
        start + rng.below(ctx.days as u64) as i32
    } else {
        // Older customers: exponential tenure with a 600-day mean, at most ~6 years.
        let age = (-ln(1.0 - rng.next_f64()) * 600.0).min(2190.0) as i32;
        start - 1 - age
    };
    // Weekday login rate of a healthy account, and its integration volume.
    let level = 0.7 * powf(seats as f64, 0.7) * exp(0.4 * normal(&mut rng));
    let integration_p = match plan0 {
        Plan::Starter => 0.15,
        Plan::Growth => 0.5,
        Plan::Enterprise => 0.8,
    };
    let integrated = rng.next_f64() < integration_p;
    let api_base = if integrated { 3.0 * powf(level, 0.8) * uniform(&mut rng, 0.5, 2.0) } else { 0.0 };
    let sync_base = if integrated { uniform(&mut rng, 1.0, 6.0) } else { 0.0 };
    let mut base = [0.0f64; 6];
    for (k, p) in EVENT_PARAMS.iter().enumerate() {
        base[k] = p.base * level;
    }
    base[API_CALL] = api_base;
    base[INTEGRATION_SYNC] = sync_base;

    // ---- id prefix "A0001,"
    sc.id.clear();
    sc.id.push(b'A');
    push_uint_padded(&mut sc.id, index + 1, ctx.id_width);
    let id_len = sc.id.len();
    sc.id.push(b',');

    // ---- daily walk
    sc.day_total.iter_mut().for_each(|x| *x = 0);
    sc.day_login.iter_mut().for_each(|x| *x = 0);
    sc.tickets.clear();
    sc.nps.clear();
    sc.subs.clear();
    sc.subs.push(Subscription { start: signup, end: None, mrr: mrr0, plan: plan0 });
    let mut plan = plan0;
    let mut mrr = mrr0;
    let mut level_mult = 1.0f64;
    let mut changes = 0u32;

    let begin = if signup >= start { signup } else { signup.max(start - BURN_IN_DAYS) };
    let mut phase = Phase::Healthy;
    let mut decline = 0.0f64;
    let mut wobble = 0.2 * normal(&mut rng);
    let mut short = 0.0f64;
    let mut long = 0.0f64;
    let mut ticket_load = 0.0f64;
    let mut last_nps: Option<u8> = None;
    let mut churn_day: Option<i32> = None;
    let ticket_base = 0.006 * powf(seats as f64, 0.45);
    // exp(-tenure / 90) and exp(-tenure / 120), updated by one multiplication a day.
    let mut young90 = exp(-((begin - signup) as f64) / 90.0);
    let mut young120 = exp(-((begin - signup) as f64) / 120.0);
    let (step90, step120) = (exp(-1.0 / 90.0), exp(-1.0 / 120.0));

    for day in begin..end {
        let in_window = day >= start;
        let new_risk = 1.0 + 2.0 * young90;

        // Decline phases: onset, decay of the offset, optional recovery.
        match phase {
            Phase::Healthy => {
                let p = DECLINE_ONSET * plan.risk() * (1.0 + young120);
                if rng.next_f64() < p {
                    let rate = uniform(&mut rng, 0.02, 0.045);
                    let recover_on = if rng.next_f64() < 0.35 { Some(day + 10 + rng.below(35) as i32) } else { None };
                    phase = Phase::Declining { rate, recover_on };
                }
            }
            Phase::Declining { rate, recover_on } => {
                decline = (decline - rate).max(-4.0);
                if recover_on == Some(day) {
                    phase = Phase::Recovering;
                }
            }
            Phase::Recovering => {
                decline *= 0.9;
                if decline > -0.05 {
                    decline = 0.0;
                    phase = Phase::Healthy;
                }
            }
        }
        wobble = 0.75 * wobble + 0.13 * normal(&mut rng);
        let e = decline + wobble;
        short += (e - short) / 7.0;
        long += (e - long) / 28.0;

        // Churn hazard.
        let nps_mult = match last_nps {
            Some(s) if s <= 6 => 1.5,
            Some(s) if s >= 9 => 0.75,
            _ => 1.0,
        };
        let x = HAZARD_PER_DEFICIT * (-e).max(0.0)
            + HAZARD_PER_TREND * (long - short).max(0.0)
            + 0.15 * ticket_load.min(8.0);
        let hazard = (BASE_HAZARD * plan.risk() * new_risk * nps_mult * exp(x)).min(MAX_HAZARD);
        if rng.next_f64() < hazard {
            if in_window {
                churn_day = Some(day);
                break;
            }
            // Burn-in: the customer base we observe is the survivors; start afresh.
            phase = Phase::Healthy;
            decline = 0.0;
            ticket_load = 0.0;
        }

        // Plan changes: upgrades of thriving accounts, downgrades of declining ones.
        if in_window && changes < 2 && day > signup {
            let u = rng.next_f64();
            let change = if matches!(phase, Phase::Declining { .. }) && decline < -0.7 {
                if u < 0.004 {
                    plan.down().map(|p| (p, false))
                } else {
                    None
                }
            } else if matches!(phase, Phase::Healthy) && wobble > 0.2 && u < 0.0006 {
                plan.up().map(|p| (p, true))
            } else {
                None
            };
            if let Some((new_plan, upgrade)) = change {
                let factor = if upgrade {
                    // More seats in use after an upgrade.
                    level_mult *= 1.3;
                    uniform(&mut rng, 1.8, 2.6)
                } else {
                    uniform(&mut rng, 0.4, 0.65)
                };
                mrr = ((mrr as f64 * factor).round() as u32).max(1);
                plan = new_plan;
                if let Some(last) = sc.subs.last_mut() {
                    last.end = Some(day);
                }
                sc.subs.push(Subscription { start: day, end: None, mrr, plan });
                changes += 1;
            }
        }

        // Usage.
        if in_window {
            let di = (day - start) as usize;
            let weekend = weekday(day) >= 5;
            let mut total = 0u32;
            sc.events.clear();
            for (k, p) in EVENT_PARAMS.iter().enumerate() {
                let b = base[k];
                if b == 0.0 {
                    continue;
                }
                let mut lambda = b * exp(p.sensitivity * e);
                if k != INTEGRATION_SYNC && k != API_CALL {
                    lambda *= level_mult;
                }
                if weekend {
                    lambda *= p.weekend;
                }
                let c = poisson(&mut rng, lambda);
                if c == 0 {
                    continue;
                }
                total += c;
                if k == LOGIN {
                    sc.day_login[di] = c;
                }
                let u = &mut bufs[F_USAGE];
                u.extend_from_slice(&sc.id);
                u.extend_from_slice(&ctx.dates[di]);
                u.push(b',');
                u.extend_from_slice(EVENT_TYPES[k].as_bytes());
                u.push(b',');
                push_uint(u, c as u64);
                u.push(b'\n');
                stats.usage_rows += 1;
                if ctx.raw_events {
                    for _ in 0..c {
                        sc.events.push((event_second(&mut ts_rng, p.human) << 3) | k as u32);
                    }
                }
            }
            sc.day_total[di] = total;
            stats.events += total as u64;
            if ctx.raw_events && !sc.events.is_empty() {
                sc.events.sort_unstable();
                let ev = &mut bufs[F_EVENTS];
                for &x in &sc.events {
                    ev.extend_from_slice(&sc.id);
                    ev.extend_from_slice(&ctx.dates[di]);
                    ev.push(b'T');
                    push_hms(ev, x >> 3);
                    ev.push(b',');
                    ev.extend_from_slice(EVENT_TYPES[(x & 7) as usize].as_bytes());
                    ev.push(b'\n');
                }
            }
        }

        // Support tickets: more, and more urgent, when engagement is down.
        let ticket_rate = ticket_base * exp((-e).max(0.0));
        ticket_load *= 0.95;
        if rng.next_f64() < ticket_rate {
            ticket_load += 1.0;
            let u = rng.next_f64();
            let stressed = e < -1.0;
            let priority = if u < if stressed { 0.12 } else { 0.04 } {
                3
            } else if u < if stressed { 0.40 } else { 0.18 } {
                2
            } else if u < 0.75 {
                1
            } else {
                0
            };
            if in_window {
                sc.tickets.push((day, priority));
            }
        }

        // NPS answers: sparse, lower when engagement is down.
        if rng.next_f64() < NPS_DAILY {
            let score = (8.0 + 1.6 * e + 1.3 * normal(&mut rng)).round().clamp(0.0, 10.0) as u8;
            last_nps = Some(score);
            if in_window {
                sc.nps.push((day, score));
            }
        }
        young90 *= step90;
        young120 *= step120;
    }
    if let Some(d) = churn_day {
        if let Some(last) = sc.subs.last_mut() {
            last.end = Some(d);
        }
        stats.churned += 1;
    }
    stats.accounts += 1;

    // ---- accounts.csv
    let a = &mut bufs[F_ACCOUNTS];
    a.extend_from_slice(&sc.id);
    a.extend_from_slice(plan0.name().as_bytes());
    a.push(b',');
    push_uint(a, mrr0 as u64);
    a.push(b',');
    push_uint(a, seats as u64);
    a.push(b',');
    a.extend_from_slice(region.as_bytes());
    a.push(b',');
    a.extend_from_slice(&date_bytes(signup));
    a.push(b'\n');

    // ---- subscriptions.csv
    let s = &mut bufs[F_SUBSCRIPTIONS];
    for sub in &sc.subs {
        s.extend_from_slice(&sc.id);
        s.extend_from_slice(&date_bytes(sub.start));
        s.push(b',');
        if let Some(e) = sub.end {
            s.extend_from_slice(&date_bytes(e));
        }
        s.push(b',');
        push_uint(s, sub.mrr as u64);
        s.push(b',');
        s.extend_from_slice(sub.plan.name().as_bytes());
        s.push(b'\n');
        stats.subscriptions += 1;
    }

    // ---- tickets.csv, nps.csv
    let t = &mut bufs[F_TICKETS];
    for &(day, p) in &sc.tickets {
        t.extend_from_slice(&sc.id);
        t.extend_from_slice(&ctx.dates[(day - start) as usize]);
        t.push(b',');
        t.extend_from_slice(PRIORITIES[p as usize].as_bytes());
        t.push(b'\n');
    }
    stats.tickets += sc.tickets.len() as u64;
    let n = &mut bufs[F_NPS];
    for &(day, score) in &sc.nps {
        n.extend_from_slice(&sc.id);
        n.extend_from_slice(&ctx.dates[(day - start) as usize]);
        n.push(b',');
        push_uint(n, score as u64);
        n.push(b'\n');
    }
    stats.nps += sc.nps.len() as u64;

    // ---- snapshot.csv
    write_snapshot_row(ctx, sc, &sc.id[..id_len], seats, region, signup, churn_day, &mut bufs[F_SNAPSHOT], stats);
}

/// Snapshot features at the cut-off, from data strictly before it.
#[allow(clippy::too_many_arguments)]
fn write_snapshot_row(
    ctx: &Ctx,
    sc: &Scratch,
    id: &[u8],
    seats: u32,
    region: &str,
    signup: i32,
    churn_day: Option<i32>,
    out: &mut Vec<u8>,
    stats: &mut Stats,
) {
    let cut = ctx.cutoff;
    if signup >= cut || churn_day.is_some_and(|d| d < cut) {
        return;
    }
    let ci = (cut - ctx.start) as usize; // index of the cut-off day; >= 60 by validation
    let sum = |v: &[u32]| v.iter().map(|&x| x as u64).sum::<u64>();
    let logins_30d = sum(&sc.day_login[ci - 30..ci]);
    let events_30d = sum(&sc.day_total[ci - 30..ci]);
    let events_prev_30d = sum(&sc.day_total[ci - 60..ci - 30]);
    let active_days_30d = sc.day_total[ci - 30..ci].iter().filter(|&&x| x > 0).count();
    let velocity = velocity(events_30d, events_prev_30d);
    let mut weeks = [0u64; 8];
    for (w, total) in weeks.iter_mut().enumerate() {
        let from = ci - 56 + 7 * w;
        *total = sum(&sc.day_total[from..from + 7]);
    }
    let trend = trend(&weeks);
    let last_event = sc.day_total[..ci].iter().rposition(|&x| x > 0);
    let tickets_90d = sc.tickets.iter().filter(|&&(d, _)| d < cut && d >= cut - 90).count();
    let last_nps = sc.nps.iter().rev().find(|&&(d, _)| d < cut).map(|&(_, s)| s);
    let sub = sc.subs.iter().rev().find(|s| s.start < cut).unwrap_or(&sc.subs[0]);
    let churned = churn_day.is_some_and(|d| d < cut + ctx.horizon as i32);

    out.extend_from_slice(id);
    out.push(b',');
    out.extend_from_slice(sub.plan.name().as_bytes());
    out.push(b',');
    push_uint(out, sub.mrr as u64);
    out.push(b',');
    push_uint(out, seats as u64);
    out.push(b',');
    out.extend_from_slice(region.as_bytes());
    out.push(b',');
    push_uint(out, (cut - signup) as u64);
    for v in [logins_30d, events_30d, active_days_30d as u64, events_prev_30d] {
        out.push(b',');
        push_uint(out, v);
    }
    out.push(b',');
    push_fixed4(out, velocity);
    out.push(b',');
    push_fixed4(out, trend);
    out.push(b',');
    if let Some(i) = last_event {
        push_uint(out, (ci - i) as u64);
    }
    out.push(b',');
    push_uint(out, tickets_90d as u64);
    out.push(b',');
    if let Some(s) = last_nps {
        push_uint(out, s as u64);
    }
    out.push(b',');
    out.push(if churned { b'1' } else { b'0' });
    out.push(b'\n');
    stats.snapshot_rows += 1;
    stats.snapshot_churned += churned as u64;
}

/// `(now - prev) / prev`; when `prev` is 0: 0 if `now` is 0 too, else 1 (+100%).
pub(crate) fn velocity(now: u64, prev: u64) -> f64 {
    if prev == 0 {
        if now == 0 {
            0.0
        } else {
            1.0
        }
    } else {
        (now as f64 - prev as f64) / prev as f64
    }
}

/// Least-squares slope of weekly totals (oldest first) divided by their mean; 0 when all
/// are 0. Unit: share of the average week gained (or lost) per week.
pub(crate) fn trend(weeks: &[u64; 8]) -> f64 {
    let mean = weeks.iter().sum::<u64>() as f64 / 8.0;
    if mean == 0.0 {
        return 0.0;
    }
    let mut sxy = 0.0;
    for (i, &w) in weeks.iter().enumerate() {
        sxy += (i as f64 - 3.5) * w as f64;
    }
    // sum of (i - 3.5)^2 for i in 0..8 = 42
    sxy / 42.0 / mean
}
