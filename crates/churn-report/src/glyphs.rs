//! Text for the PNG charts, placed glyph by glyph with each glyph's side bearing.
//!
//! plotters 0.3.7 draws bitmap text through its `ab_glyph` font code, which puts every glyph's
//! outline at the pen position and drops the glyph's left side bearing (`px_bounds().min.x`)
//! and the pen's fractional part. Narrow glyphs with wide bearings then sit against the
//! glyph before them: `0.013` reads `0. 013`, `[0.842, 0.869]` loses its comma's space. The SVG
//! backend is unaffected (the browser lays the text out). [`FixedText`] wraps a backend, passes
//! every drawing call through, and draws text itself with `ab_glyph` from the same bundled font:
//! pen positions in fractional pixels, kerning, bearings, the same layout box as plotters (so
//! every chart keeps its layout) and the same anchor and rotation rules.

use ab_glyph::{point, Font, FontRef, ScaleFont};
use plotters::prelude::DrawingBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontTransform};

/// A drawing backend whose text is drawn by [`layout`] and ab_glyph; everything else goes to
/// the wrapped backend.
pub(crate) struct FixedText<B> {
    inner: B,
    font: FontRef<'static>,
}

impl<B> FixedText<B> {
    /// Wraps `inner`; `font` is the bytes of the TrueType font every text is drawn in.
    pub(crate) fn new(inner: B, font: &'static [u8]) -> Option<FixedText<B>> {
        Some(FixedText { inner, font: FontRef::try_from_slice(font).ok()? })
    }
}

/// One glyph's coverage, in pixels relative to the text's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Coverage {
    pub x: i32,
    pub y: i32,
    pub c: f32,
}

/// Rasterises `text` at `size` pixels: pen advances and kerning in fractional pixels, each
/// glyph at its own pixel bounds. The baseline sits `size / 2` below the top, as in plotters, so
/// that the text fills the same layout box (`layout_box`) plotters measured.
pub(crate) fn layout(font: &FontRef<'_>, size: f32, text: &str) -> Vec<Coverage> {
    let scaled = font.as_scaled(size);
    let mut out = Vec::new();
    let mut pen = 0f32;
    let mut prev = None;
    for ch in text.chars() {
        let id = scaled.glyph_id(ch);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        prev = Some(id);
        let glyph = id.with_scale_and_position(size, point(pen, size / 2.0));
        if let Some(outline) = font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            let (x0, y0) = (b.min.x as i32, b.min.y as i32);
            outline.draw(|x, y, c| {
                if c > 0.0 {
                    out.push(Coverage { x: x0 + x as i32, y: y0 + y as i32, c });
                }
            });
        }
        pen += scaled.h_advance(id);
    }
    out
}

impl<B: DrawingBackend> DrawingBackend for FixedText<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        // The box plotters measured (and laid the chart out by): anchor within it.
        let ((min_x, min_y), (max_x, max_y)) =
            style.layout_box(text).map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let trans: FontTransform = style.transform();
        let (w, h) = self.get_size();
        for g in layout(&self.font, style.size() as f32, text) {
            let (x, y) = trans.transform(g.x + dx - min_x, g.y + dy - min_y);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                let c = BackendColor { alpha: color.alpha * f64::from(g.c.min(1.0)), rgb: color.rgb };
                self.inner.draw_pixel((x, y), c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> FontRef<'static> {
        FontRef::try_from_slice(crate::charts::FONT).unwrap()
    }

    /// Columns (x) holding ink, as a sorted, de-duplicated list.
    fn ink_columns(cov: &[Coverage]) -> Vec<i32> {
        let mut xs: Vec<i32> = cov.iter().filter(|g| g.c > 0.25).map(|g| g.x).collect();
        xs.sort_unstable();
        xs.dedup();
        xs
    }

    /// The blank columns between the ink of two strings drawn one after the other.
    fn gaps(text: &str) -> Vec<i32> {
        let xs = ink_columns(&layout(&font(), 13.0, text));
        xs.windows(2).filter(|w| w[1] - w[0] > 1).map(|w| w[1] - w[0] - 1).collect()
    }

    #[test]
    fn the_decimal_point_sits_between_its_digits() {
        // `0.013`: the point's ink is as far from the 0 before it as from the 0 after it (within
        // a pixel), instead of touching the first 0 (plotters: the point at the pen position).
        let f = font();
        let scaled = f.as_scaled(13.0);
        let adv = |c| scaled.h_advance(scaled.glyph_id(c));
        let cov = layout(&f, 13.0, "0.0");
        let point_start = adv('0');
        let point_end = point_start + adv('.');
        let dot: Vec<i32> = ink_columns(&cov)
            .into_iter()
            .filter(|&x| x as f32 >= point_start.floor() && (x as f32) < point_end)
            .collect();
        assert!(!dot.is_empty());
        // The dot's ink is inside its own advance box and not at its left edge.
        let left = *dot.first().unwrap() as f32 - point_start;
        let right = point_end - (*dot.last().unwrap() as f32 + 1.0);
        assert!(left >= 0.5 && right >= 0.5 && (left - right).abs() <= 1.5, "left {left} right {right}");
    }

    #[test]
    fn digits_are_evenly_spaced() {
        // In `888`, the blank gaps between the digits are equal up to one pixel of rounding.
        let g = gaps("888");
        assert_eq!(g.len(), 2, "{g:?}");
        assert!((g[0] - g[1]).abs() <= 1, "{g:?}");
    }

    #[test]
    fn the_baseline_is_shared_by_every_glyph() {
        // The bottom of `x`, `0` and `.` (no descenders) is the same row.
        let f = font();
        let bottom = |t: &str| layout(&f, 13.0, t).iter().filter(|g| g.c > 0.25).map(|g| g.y).max().unwrap();
        assert_eq!(bottom("x"), bottom("0"));
        assert_eq!(bottom("."), bottom("0"));
        // A descender goes below it.
        assert!(bottom("p") > bottom("0"));
    }
}
