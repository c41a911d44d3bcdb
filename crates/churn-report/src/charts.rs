//! Charts drawn with plotters: the same drawing code renders an SVG string (inlined in
//! `report.html`) and PNG bytes (written beside it, linked from `report.md`).

use std::sync::OnceLock;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::error::{ReportError, Result};
use crate::report::Report;

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/DejaVuSans-LICENSE.txt`), registered
/// as plotters' `sans-serif` so charts render without system fonts.
pub(crate) static FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Chart size in pixels.
pub const SIZE: (u32, u32) = (640, 440);

const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(255, 127, 14);
const GREY: RGBColor = RGBColor(150, 150, 150);
const GREEN: RGBColor = RGBColor(44, 160, 44);

/// Every chart of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChartKind {
    /// ROC curve.
    Roc,
    /// Precision-recall curve.
    PrecisionRecall,
    /// Reliability curve, raw and calibrated.
    Calibration,
    /// Lift by decile.
    Lift,
    /// Cumulative gains.
    Gains,
    /// Score distribution by outcome.
    Distribution,
    /// Feature importance.
    Importance,
}

impl ChartKind {
    /// All charts, in report order.
    pub const ALL: [ChartKind; 7] = [
        ChartKind::Roc,
        ChartKind::PrecisionRecall,
        ChartKind::Calibration,
        ChartKind::Lift,
        ChartKind::Gains,
        ChartKind::Distribution,
        ChartKind::Importance,
    ];

    /// File stem and HTML id suffix.
    pub fn name(self) -> &'static str {
        match self {
            ChartKind::Roc => "roc",
            ChartKind::PrecisionRecall => "precision_recall",
            ChartKind::Calibration => "calibration",
            ChartKind::Lift => "lift",
            ChartKind::Gains => "gains",
            ChartKind::Distribution => "score_distribution",
            ChartKind::Importance => "feature_importance",
        }
    }

    /// Human title.
    pub fn title(self) -> &'static str {
        match self {
            ChartKind::Roc => "ROC curve",
            ChartKind::PrecisionRecall => "Precision-recall curve",
            ChartKind::Calibration => "Calibration (reliability, equal-width bins)",
            ChartKind::Lift => "Lift by decile",
            ChartKind::Gains => "Cumulative gains",
            ChartKind::Distribution => "Score distribution by outcome",
            ChartKind::Importance => "Feature importance",
        }
    }
}

/// A rendered chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Which chart.
    pub kind: ChartKind,
    /// SVG document.
    pub svg: String,
    /// PNG file bytes.
    pub png: Vec<u8>,
}

pub(crate) fn ensure_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ReportError::Chart { chart: "any", reason: "the bundled font could not be loaded".into() })
    }
}

/// Renders one chart as SVG.
pub fn svg(kind: ChartKind, report: &Report) -> Result<String> {
    ensure_font()?;
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, SIZE).into_drawing_area();
        draw(kind, &root, report).map_err(|e| ReportError::Chart { chart: kind.name(), reason: e.to_string() })?;
        root.present().map_err(|e| ReportError::Chart { chart: kind.name(), reason: e.to_string() })?;
    }
    Ok(s)
}

/// Renders one chart as PNG bytes.
pub fn png(kind: ChartKind, report: &Report) -> Result<Vec<u8>> {
    ensure_font()?;
    let mut buf = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
    {
        // plotters' own bitmap text drops glyph bearings: see `glyphs`.
        let backend = crate::glyphs::FixedText::new(BitMapBackend::with_buffer(&mut buf, SIZE), FONT)
            .ok_or(ReportError::Chart { chart: kind.name(), reason: "the bundled font could not be loaded".into() })?;
        let root = backend.into_drawing_area();
        draw(kind, &root, report).map_err(|e| ReportError::Chart { chart: kind.name(), reason: e.to_string() })?;
        root.present().map_err(|e| ReportError::Chart { chart: kind.name(), reason: e.to_string() })?;
    }
    Ok(encode_png(SIZE.0, SIZE.1, &buf))
}

/// Renders every chart in both formats.
pub fn all(report: &Report) -> Result<Vec<Chart>> {
    ChartKind::ALL.iter().map(|&kind| Ok(Chart { kind, svg: svg(kind, report)?, png: png(kind, report)? })).collect()
}

/// A chart over `[x] × [y]` in plain numbers.
pub(crate) type UnitChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

pub(crate) type DrawResult<DB> = std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw<DB: DrawingBackend>(kind: ChartKind, root: &DrawingArea<DB, Shift>, r: &Report) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    match kind {
        ChartKind::Roc => roc(root, r),
        ChartKind::PrecisionRecall => precision_recall(root, r),
        ChartKind::Calibration => calibration(root, r),
        ChartKind::Lift => lift(root, r),
        ChartKind::Gains => gains(root, r),
        ChartKind::Distribution => distribution(root, r),
        ChartKind::Importance => importance(root, r),
    }
}

pub(crate) fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().into()
}

pub(crate) fn unit_chart<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> std::result::Result<UnitChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    ChartBuilder::on(root)
        .caption(title, font(18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(52)
        .build_cartesian_2d(x, y)
}

pub(crate) fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut UnitChart<'a, DB>,
    pos: SeriesLabelPosition,
) -> DrawResult<DB> {
    chart
        .configure_series_labels()
        .position(pos)
        .label_font(font(13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
}

fn roc<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &Report) -> DrawResult<DB> {
    let mut chart = unit_chart(root, ChartKind::Roc.title(), 0.0..1.0, 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc("false-positive rate")
        .y_desc("true-positive rate (recall)")
        .label_style(font(12))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    chart
        .draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], GREY.stroke_width(1)))?
        .label("chance")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], GREY));
    let c = &r.curves.roc;
    chart
        .draw_series(LineSeries::new(c.x.iter().zip(&c.y).map(|(&a, &b)| (a, b)), BLUE.stroke_width(2)))?
        .label(format!(
            "{} AUC {:.3} [{:.3}, {:.3}]",
            r.model.learner, r.metrics.auc, r.metrics.auc_ci.lo, r.metrics.auc_ci.hi
        ))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], BLUE.stroke_width(2)));
    let t = &r.thresholds.max_f1;
    chart
        .draw_series([Circle::new((t.fpr, t.recall), 5, ORANGE.filled())])?
        .label(format!("max F1 at p >= {:.3}", t.threshold))
        .legend(|(x, y)| Circle::new((x + 9, y), 4, ORANGE.filled()));
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

fn precision_recall<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &Report) -> DrawResult<DB> {
    let mut chart = unit_chart(root, ChartKind::PrecisionRecall.title(), 0.0..1.0, 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc("recall")
        .y_desc("precision")
        .label_style(font(12))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let base = r.metrics.base_rate;
    chart
        .draw_series(LineSeries::new([(0.0, base), (1.0, base)], GREY.stroke_width(1)))?
        .label(format!("churn rate {base:.3}"))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], GREY));
    let c = &r.curves.pr;
    chart
        .draw_series(LineSeries::new(c.x.iter().zip(&c.y).map(|(&a, &b)| (a, b)), BLUE.stroke_width(2)))?
        .label(format!("PR-AUC {:.3} [{:.3}, {:.3}]", r.metrics.pr_auc, r.metrics.pr_auc_ci.lo, r.metrics.pr_auc_ci.hi))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], BLUE.stroke_width(2)));
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// Fewer non-empty equal-width bins than this: the probabilities are crowded into a corner
/// (low churn rates), and the calibration chart plots quantile bins on axes zoomed to the data.
pub const MIN_SPREAD_BINS: usize = 5;

/// Whether equal-width reliability bins collapse (fewer than [`MIN_SPREAD_BINS`] non-empty).
pub fn collapsed(rows: &[churn_eval::ReliabilityRow]) -> bool {
    rows.len() < MIN_SPREAD_BINS
}

fn calibration<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &Report) -> DrawResult<DB> {
    let zoom = collapsed(&r.calibration.calibrated.equal_width) || collapsed(&r.calibration.raw.equal_width);
    let bins = |rel: &'_ crate::report::Reliability| -> Vec<(f64, f64)> {
        let rows = if zoom { &rel.quantile } else { &rel.equal_width };
        rows.iter().map(|b| (b.mean_predicted, b.observed_rate)).collect()
    };
    let top = if zoom {
        let m = [&r.calibration.raw, &r.calibration.calibrated]
            .iter()
            .flat_map(|rel| bins(rel))
            .map(|(x, y)| x.max(y))
            .fold(0.0, f64::max);
        (m * 1.15).clamp(0.005, 1.0)
    } else {
        1.0
    };
    let title = if zoom { "Calibration (reliability, quantile bins, zoomed)" } else { ChartKind::Calibration.title() };
    let mut chart = unit_chart(root, title, 0.0..top, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("mean predicted probability")
        .y_desc("observed churn rate")
        .label_style(font(12))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    chart
        .draw_series(LineSeries::new([(0.0, 0.0), (top, top)], GREY.stroke_width(1)))?
        .label("perfect")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], GREY));
    for (rel, color, name) in
        [(&r.calibration.raw, ORANGE, "raw"), (&r.calibration.calibrated, BLUE, "Platt-calibrated")]
    {
        let pts = bins(rel);
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))?
            .label(format!("{name} (ECE {:.3})", rel.ece))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2)));
        chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

fn lift<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &Report) -> DrawResult<DB> {
    let k = r.lift.len() as f64;
    let top = r.lift.iter().map(|l| l.lift).fold(1.0, f64::max) * 1.1;
    let mut chart = unit_chart(root, ChartKind::Lift.title(), 0.5..k + 0.5, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("decile (1 = highest scores)")
        .y_desc("lift")
        .x_labels(r.lift.len())
        .x_label_formatter(&|v| if (v - v.round()).abs() < 1e-9 { format!("{v:.0}") } else { String::new() })
        .label_style(font(12))
        .light_line_style(WHITE.mix(0.0))
        .disable_x_mesh()
        .draw()?;
    chart
        .draw_series(r.lift.iter().map(|l| {
            Rectangle::new([(l.decile as f64 - 0.38, 0.0), (l.decile as f64 + 0.38, l.lift)], BLUE.mix(0.8).filled())
        }))?
        .label("lift (decile churn rate / overall)")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], BLUE.filled()));
    chart
        .draw_series(LineSeries::new(
            r.lift.iter().map(|l| (l.decile as f64, l.cumulative_lift)),
            ORANGE.stroke_width(2),
        ))?
        .label("cumulative lift")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], ORANGE.stroke_width(2)));
    chart.draw_series(LineSeries::new([(0.5, 1.0), (k + 0.5, 1.0)], GREY.stroke_width(1)))?;
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

fn gains<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &Report) -> DrawResult<DB> {
    let mut chart = unit_chart(root, ChartKind::Gains.title(), 0.0..1.0, 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc("share of accounts contacted (highest scores first)")
        .y_desc("share of churners found")
        .label_style(font(12))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    chart
        .draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], GREY.stroke_width(1)))?
        .label("random")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], GREY));
    let n = r.metrics.n as f64;
    let mut pts = vec![(0.0, 0.0)];
    let mut seen = 0usize;
    for l in &r.lift {
        seen += l.count;
        pts.push((seen as f64 / n, l.cumulative_gain));
    }
    chart
        .draw_series(LineSeries::new(pts.clone(), GREEN.stroke_width(2)))?
        .label("model")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], GREEN.stroke_width(2)));
    chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, GREEN.filled())))?;
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

fn distribution<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &Report) -> DrawResult<DB> {
    let d = &r.score_distribution;
    let (nc, nr) = (d.churned.iter().sum::<usize>().max(1) as f64, d.retained.iter().sum::<usize>().max(1) as f64);
    let share_c: Vec<f64> = d.churned.iter().map(|&c| c as f64 / nc).collect();
    let share_r: Vec<f64> = d.retained.iter().map(|&c| c as f64 / nr).collect();
    let top = share_c.iter().chain(&share_r).copied().fold(0.01, f64::max) * 1.1;
    // Edges span [0, 1], or the data's range when the probabilities are crowded (see build.rs).
    let (x0, x1) = (d.edges[0], d.edges[d.edges.len() - 1]);
    let mut chart = unit_chart(root, ChartKind::Distribution.title(), x0..x1, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("calibrated churn probability")
        .y_desc("share of the outcome's accounts")
        .label_style(font(12))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for (shares, color, name, offset) in [(&share_r, BLUE, "retained", 0.0), (&share_c, ORANGE, "churned", 0.5)] {
        chart
            .draw_series(d.edges.windows(2).zip(shares.iter()).map(|(e, &s)| {
                let w = e[1] - e[0];
                let x0 = e[0] + w * (0.05 + offset * 0.9);
                Rectangle::new([(x0, 0.0), (x0 + w * 0.45, s)], color.mix(0.85).filled())
            }))?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

fn importance<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &Report) -> DrawResult<DB> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let fi = &r.feature_importance;
    let (items, what) = if fi.permutation.is_empty() {
        (&fi.inputs, "importance")
    } else {
        (&fi.permutation, "AUC drop when shuffled")
    };
    let top: Vec<_> = items.iter().take(15).collect();
    let n = top.len().max(1) as f64;
    let xmax = top.iter().map(|i| i.value).fold(0.0, f64::max).max(1e-9) * 1.05;
    let xmin = top.iter().map(|i| i.value).fold(0.0, f64::min);
    let mut chart = ChartBuilder::on(root)
        .caption(format!("{} ({what})", ChartKind::Importance.title()), font(18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(8)
        .build_cartesian_2d(xmin..xmax, -0.5..n - 0.5)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(what)
        .label_style(font(12))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let y = |rank: usize| n - 1.0 - rank as f64;
    chart.draw_series(top.iter().enumerate().map(|(rank, imp)| {
        Rectangle::new([(0.0, y(rank) - 0.4), (imp.value, y(rank) + 0.4)], BLUE.mix(0.35).filled())
    }))?;
    let pad = (xmax - xmin) * 0.01;
    let style = font(12).pos(Pos::new(HPos::Left, VPos::Center));
    chart.draw_series(top.iter().enumerate().map(|(rank, imp)| {
        Text::new(
            format!("{}  {}", imp.name, crate::render::f4(imp.value)),
            (xmin.min(0.0) + pad, y(rank)),
            style.clone(),
        )
    }))?;
    Ok(())
}

/// Encodes an RGB8 buffer as PNG (filter 0, zlib via flate2).
pub(crate) fn encode_png(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut raw = Vec::with_capacity(rgb.len() + height as usize);
    for row in rgb.chunks(width as usize * 3) {
        raw.push(0);
        raw.extend_from_slice(row);
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw).expect("in-memory write");
    let idat = z.finish().expect("in-memory write");
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    for (kind, data) in [(b"IHDR", &ihdr[..]), (b"IDAT", &idat[..]), (b"IEND", &[][..])] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    static TABLE: OnceLock<[u32; 256]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (n, e) in t.iter_mut().enumerate() {
            let mut c = n as u32;
            for _ in 0..8 {
                c = if c & 1 == 1 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
            }
            *e = c;
        }
        t
    });
    !bytes.iter().fold(!0u32, |c, &b| table[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_decimals_never_print_negative_zero() {
        use crate::render::f4;
        assert_eq!(f4(-0.00001), "0.0000");
        assert_eq!(f4(-0.0), "0.0000");
        assert_eq!(f4(-0.00005001), "-0.0001");
        assert_eq!(f4(0.85), "0.8500");
        assert_eq!(f4(-12.5), "-12.5000");
    }

    #[test]
    fn crc32_matches_the_png_spec_check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        // The IEND chunk's CRC is fixed by the spec.
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
    }
}
