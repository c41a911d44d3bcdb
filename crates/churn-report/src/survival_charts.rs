//! Charts of survival reports, drawn with the plotters machinery of [`crate::charts`] and
//! inlined as SVG in `report.html`: Kaplan-Meier churn curves by risk tier, and calibration at
//! every horizon (mean predicted churn vs Kaplan-Meier churn, by decile of prediction).

use churn_survival::KaplanMeier;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::charts::{ensure_font, font, legend, unit_chart, DrawResult, SIZE};
use crate::error::{ReportError, Result};
use crate::survival::SurvivalRows;

const COLORS: [RGBColor; 6] = [
    RGBColor(44, 160, 44),
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Points of a curve per series: `(label, points)`.
type Series = Vec<(String, Vec<(f64, f64)>)>;

fn km_churn(o: &SurvivalRows, rows: &[usize], t: f64) -> Option<f64> {
    let time: Vec<f64> = rows.iter().map(|&i| o.time[i]).collect();
    let event: Vec<bool> = rows.iter().map(|&i| o.event[i]).collect();
    KaplanMeier::fit(&time, &event).ok().map(|km| 1.0 - km.at_clamped(t))
}

/// Kaplan-Meier churn `1 − KM(t)` of every risk tier's rows, on 100 steps up to `longest`.
pub fn km_by_tier(o: &SurvivalRows, longest: f64) -> Series {
    let mut out = Vec::new();
    for (k, name) in o.tier_names.iter().enumerate() {
        let rows: Vec<usize> = (0..o.time.len()).filter(|&i| o.tier.get(i) == Some(&k)).collect();
        if rows.is_empty() {
            continue;
        }
        let time: Vec<f64> = rows.iter().map(|&i| o.time[i]).collect();
        let event: Vec<bool> = rows.iter().map(|&i| o.event[i]).collect();
        let Ok(km) = KaplanMeier::fit(&time, &event) else { continue };
        let pts = (0..=100).map(|s| longest * s as f64 / 100.0).map(|t| (t, 1.0 - km.at_clamped(t))).collect();
        out.push((format!("{name} ({} rows)", rows.len()), pts));
    }
    out
}

/// Per horizon: (mean predicted churn, Kaplan-Meier churn) of each decile of prediction.
pub fn calibration_by_horizon(o: &SurvivalRows, horizons: &[f64]) -> Series {
    let mut out = Vec::new();
    for (k, &h) in horizons.iter().enumerate() {
        let risk: Vec<f64> = o.surv[k].iter().map(|s| 1.0 - s).collect();
        let mut order: Vec<usize> = (0..risk.len()).collect();
        order.sort_by(|&a, &b| risk[a].total_cmp(&risk[b]));
        let mut pts = Vec::new();
        for d in 0..10 {
            let rows = &order[d * order.len() / 10..(d + 1) * order.len() / 10];
            if rows.is_empty() {
                continue;
            }
            let predicted = rows.iter().map(|&i| risk[i]).sum::<f64>() / rows.len() as f64;
            if let Some(observed) = km_churn(o, rows, h) {
                pts.push((predicted, observed));
            }
        }
        out.push((format!("within {h}"), pts));
    }
    out
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    (x_desc, y_desc): (&str, &str),
    x_max: f64,
    series: &Series,
    diagonal: bool,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let top = series.iter().flat_map(|(_, p)| p.iter().map(|q| q.1)).fold(0.05, f64::max) * 1.1;
    let x_max = if diagonal { x_max.max(top) } else { x_max };
    let top = if diagonal { top.max(x_max) } else { top }.min(1.0);
    let mut chart = unit_chart(root, title, 0.0..x_max, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(font(12))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    if diagonal {
        let grey = RGBColor(150, 150, 150);
        chart
            .draw_series(LineSeries::new([(0.0, 0.0), (top, top)], grey.stroke_width(1)))?
            .label("perfect")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], grey));
    }
    for (k, (name, pts)) in series.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))?
            .label(name.clone())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2)));
        if diagonal {
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        }
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

fn svg(
    name: &'static str,
    f: impl for<'a> Fn(&DrawingArea<SVGBackend<'a>, Shift>) -> DrawResult<SVGBackend<'a>>,
) -> Result<String> {
    ensure_font()?;
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, SIZE).into_drawing_area();
        f(&root).map_err(|e| ReportError::Chart { chart: name, reason: e.to_string() })?;
        root.present().map_err(|e| ReportError::Chart { chart: name, reason: e.to_string() })?;
    }
    Ok(s)
}

/// The two charts as `(file stem, title, SVG)`; none without the report's rows.
pub fn all(o: Option<&SurvivalRows>, horizons: &[f64], unit: &str) -> Result<Vec<(&'static str, String, String)>> {
    let Some(o) = o else { return Ok(Vec::new()) };
    let longest = horizons.last().copied().unwrap_or(1.0);
    let km = km_by_tier(o, longest);
    let cal = calibration_by_horizon(o, horizons);
    let t1 = "Kaplan-Meier churn by risk tier".to_string();
    let t2 = "Calibration at each horizon (deciles vs Kaplan-Meier)".to_string();
    let time = format!("time ({unit})");
    Ok(vec![
        (
            "km_by_tier",
            t1.clone(),
            svg("km_by_tier", |r| draw(r, &t1, (&time, "churned (1 - KM)"), longest, &km, false))?,
        ),
        (
            "calibration_by_horizon",
            t2.clone(),
            svg("calibration_by_horizon", |r| {
                draw(r, &t2, ("mean predicted churn", "Kaplan-Meier churn"), 0.0, &cal, true)
            })?,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kaplan_meier_by_tier_by_hand() {
        // Tier a: churn at 1, censored at 2 -> 1 - KM = 0.5 from t = 1 on. Tier b: churns at 3
        // and 4 -> 0 before 3, 0.5 on [3, 4), 1 from 4.
        let o = SurvivalRows {
            time: vec![1.0, 2.0, 3.0, 4.0],
            event: vec![true, false, true, true],
            surv: vec![vec![0.5; 4]],
            tier_names: vec!["a".into(), "b".into(), "empty".into()],
            tier: vec![0, 0, 1, 1],
        };
        let s = km_by_tier(&o, 4.0);
        assert_eq!(s.len(), 2, "empty tiers have no curve");
        assert_eq!(s[0].0, "a (2 rows)");
        let at = |k: usize, t: f64| s[k].1.iter().find(|p| p.0 == t).unwrap().1;
        assert_eq!((at(0, 0.0), at(0, 1.0), at(0, 4.0)), (0.0, 0.5, 0.5));
        assert_eq!((at(1, 2.0), at(1, 3.0), at(1, 4.0)), (0.0, 0.5, 1.0));
        assert_eq!(s[0].1.len(), 101);
        let svgs = all(Some(&o), &[4.0], "days").unwrap();
        assert_eq!(svgs.len(), 2);
        assert!(svgs[0].2.contains("Kaplan-Meier churn by risk tier") && svgs[0].2.contains("a (2 rows)"));
    }
}
