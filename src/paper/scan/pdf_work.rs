//! How much work a PDF page asks of the renderer, measured before it is rendered.
//!
//! The renderer (`hayro`) offers no way to stop half-way, so a page is first interpreted with a
//! device that draws nothing and only adds up what drawing would cost, at the scale the page
//! will be rendered at. Besides the operators of the page itself, this follows everything the
//! renderer would interpret on its own: the drawing procedures of Type 3 glyphs, the cells of
//! tiling patterns (once per tile copy the renderer would draw) and soft masks. Costs are in
//! units of about one small filled path; clip layers and transparency groups cost more (each is
//! a layer the renderer composites), and fills, shadings and images cost by the pixels they
//! cover. The interpretation itself stops at the page's deadline.

use std::collections::HashSet;
use std::ops::Range;

use hayro::hayro_interpret::font::{Glyph, GlyphRun};
use hayro::hayro_interpret::hayro_syntax::page::Page;
use hayro::hayro_interpret::kurbo::{Affine, BezPath, Rect, Shape};
use hayro::hayro_interpret::pattern::{Pattern, TilingPattern};
use hayro::hayro_interpret::util::x_y_advances;
use hayro::hayro_interpret::{
    BlendMode, CacheKey, ClipPath, Context, Device, DrawMode, DrawProps, Image, ImageDrawProps, InterpreterCache,
    InterpreterSettings, Paint, SoftMask, interpret_page,
};

use super::ScanError;
use super::budget::Budget;
use super::guard::contain;

/// Drawing work allowed per page. A breakglass sheet at 300 dpi costs about twenty thousand
/// units and a 600 dpi scanned page a few thousand; a million renders in a few seconds.
pub const MAX_DRAW_UNITS: u64 = 1_000_000;
/// Cost of one clip layer or transparency group: the renderer keeps and composites a layer
/// for each (measured: a full-page clip costs what about sixty small fills cost).
const LAYER_UNITS: u64 = 64;
/// Pixels covered per unit of work by a solid fill.
const PIXELS_PER_UNIT: f64 = 1024.0;
/// Pixels covered per unit of work by a fill the renderer computes pixel by pixel: an image,
/// a tiling pattern or a shading (measured: a page-sized patterned fill at 150 dpi takes about
/// 100 ms, so a million units stays within a few seconds).
const PAINTED_PIXELS_PER_UNIT: f64 = 64.0;
/// Largest tile a tiling pattern may ask the renderer to allocate, in pixels (the largest page).
const MAX_TILE_PIXELS: f64 = 12_000_000.0;

/// Interprets `page` at `scale` without drawing, refusing it when it asks for more than
/// [`MAX_DRAW_UNITS`] of work or runs past the page's deadline. Returns the units counted.
pub fn count(page: &Page<'_>, scale: f32, budget: &Budget) -> Result<u64, ScanError> {
    let mut counter = WorkCounter {
        units: 0,
        multiplier: 1,
        budget,
        over: None,
        masks_seen: HashSet::new(),
    };
    let cache = InterpreterCache::new();
    let (width, height) = page.render_dimensions();
    let scale = f64::from(scale);
    let finished = contain(|| {
        let mut context = Context::new(
            Affine::scale(scale),
            Rect::new(0.0, 0.0, f64::from(width) * scale, f64::from(height) * scale),
            &cache,
            page.xref(),
            InterpreterSettings::default(),
        );
        interpret_page(page, &mut context, &mut counter);
    });
    match counter.over {
        Some(Over::Deadline) => {
            let exhausted = budget.exhausted().unwrap_or_else(|| budget.gave_up_on_page());
            Err(ScanError::GaveUp {
                what: exhausted.what,
                seconds: exhausted.seconds,
            })
        }
        Some(Over::Work) => Err(ScanError::TooLarge(format!(
            "a page asks for more than {MAX_DRAW_UNITS} units of drawing work"
        ))),
        Some(Over::Tile) => Err(ScanError::TooLarge(
            "a page's pattern asks for a tile larger than a page".to_string(),
        )),
        None => finished
            .map(|()| counter.units)
            .ok_or(ScanError::BadPdf("the PDF reader failed on a page of this file")),
    }
}

/// Why counting stopped early.
#[derive(Clone, Copy)]
enum Over {
    Work,
    Deadline,
    Tile,
}

/// A device that draws nothing and counts the work a page asks for, stopping the interpreter
/// (by unwinding, caught by [`contain`]) once the cap or the deadline is passed.
struct WorkCounter<'b> {
    units: u64,
    /// How many times the content being interpreted will be drawn (tile copies of the patterns
    /// it sits in).
    multiplier: u64,
    budget: &'b Budget,
    over: Option<Over>,
    /// Soft masks already counted: the renderer draws each once per page.
    masks_seen: HashSet<u128>,
}

impl WorkCounter<'_> {
    fn add(&mut self, units: u64) {
        self.units = self.units.saturating_add(units.saturating_mul(self.multiplier));
        if self.units > MAX_DRAW_UNITS {
            self.stop(Over::Work);
        }
        if self.budget.exhausted().is_some() {
            self.stop(Over::Deadline);
        }
    }

    fn stop(&mut self, why: Over) -> ! {
        self.over = Some(why);
        std::panic::panic_any("drawing work over the cap")
    }

    fn covering(&mut self, area: Rect, pixels_per_unit: f64) {
        let pixels = area.width().abs() * area.height().abs();
        self.add(pixel_units(pixels, pixels_per_unit));
    }

    /// A path drawn with `props`: one unit, its segments, the pixels it covers, and whatever
    /// its paint and soft mask make the renderer interpret.
    fn draw<'a>(&mut self, bbox: Rect, segments: usize, props: &DrawProps<'a>, is_stroke: bool) {
        let device_bbox = props.transform.transform_rect_bbox(bbox);
        self.add(1 + segments as u64 / 8);
        self.soft_mask(props.soft_mask.as_ref());
        match &props.paint {
            Paint::Color(_) => self.covering(device_bbox, PIXELS_PER_UNIT),
            Paint::Pattern(pattern) => {
                self.covering(device_bbox, PAINTED_PIXELS_PER_UNIT);
                if let Pattern::Tiling(tiling) = pattern.as_ref() {
                    self.tiling(tiling, device_bbox, is_stroke);
                }
            }
        }
    }

    fn soft_mask<'a>(&mut self, mask: Option<&SoftMask<'a>>) {
        if let Some(mask) = mask
            && self.masks_seen.insert(mask.cache_key())
        {
            self.add(LAYER_UNITS);
            mask.interpret(self);
        }
    }

    /// A tiling pattern filling `area` (device pixels): the renderer draws the cell once per
    /// tile copy into a tile of its own, as `hayro`'s `tiling_paint` lays them out.
    fn tiling<'a>(&mut self, tiling: &TilingPattern<'a>, area: Rect, is_stroke: bool) {
        let area = tiling.matrix.inverse().transform_rect_bbox(area);
        let (x_advance, y_advance) = x_y_advances(&tiling.matrix);
        let x = tile_axis(
            x_advance.length(),
            tiling.bbox.x0..tiling.bbox.x1,
            tiling.x_step,
            area.x0..area.x1,
        );
        let y = tile_axis(
            y_advance.length(),
            tiling.bbox.y0..tiling.bbox.y1,
            tiling.y_step,
            area.y0..area.y1,
        );
        let (Some(x), Some(y)) = (x, y) else {
            self.stop(Over::Work)
        };
        let tile_pixels = x.size.min(65_535.0) * y.size.min(65_535.0);
        if tile_pixels > MAX_TILE_PIXELS {
            self.stop(Over::Tile);
        }
        self.add(LAYER_UNITS + pixel_units(tile_pixels, PIXELS_PER_UNIT));
        let copies = x.copies.saturating_mul(y.copies);
        if copies == 0 {
            return;
        }
        let outer = self.multiplier;
        self.multiplier = outer.saturating_mul(copies);
        self.add(1);
        let _ = tiling.interpret(self, Affine::IDENTITY, is_stroke);
        self.multiplier = outer;
    }
}

fn pixel_units(pixels: f64, pixels_per_unit: f64) -> u64 {
    if pixels.is_finite() {
        (pixels / pixels_per_unit) as u64
    } else {
        u64::MAX
    }
}

/// One axis of a pattern's tile: its size in pixels and how many copies of the cell are drawn
/// into it. `None` for a step the renderer cannot lay out (zero or not a number).
struct TileAxis {
    size: f64,
    copies: u64,
}

fn tile_axis(scale: f64, cell: Range<f64>, step: f32, area: Range<f64>) -> Option<TileAxis> {
    let step = f64::from(step.abs());
    if !(step.is_finite() && step > 0.0 && scale.is_finite() && cell.start.is_finite() && cell.end.is_finite()) {
        return None;
    }
    let count = |from: f64, to: f64| {
        let copies = to - from + 1.0;
        if copies.is_finite() {
            copies.max(0.0) as u64
        } else {
            u64::MAX
        }
    };
    let scale = (step * scale).round().max(1.0) / step;
    let visible = (area.end - area.start).max(0.0);
    if visible >= step {
        Some(TileAxis {
            size: (step * scale).round(),
            copies: count((-(cell.end - cell.start) / step).floor() + 1.0, 0.0),
        })
    } else {
        let start = cell.start + ((area.start - cell.start) * scale).floor() / scale;
        Some(TileAxis {
            size: ((area.end - start) * scale).ceil().max(1.0),
            copies: count(
                ((area.start - cell.end) / step).ceil(),
                ((area.end - cell.start) / step).floor(),
            ),
        })
    }
}

impl<'a> Device<'a> for WorkCounter<'_> {
    fn draw_path(&mut self, path: &BezPath, props: DrawProps<'a>, mode: &DrawMode) {
        self.draw(path.bounding_box(), path.elements().len(), &props, is_stroke(mode));
    }

    fn draw_rect(&mut self, rect: &Rect, props: DrawProps<'a>, mode: &DrawMode) {
        self.draw(*rect, 0, &props, is_stroke(mode));
    }

    fn push_clip_path(&mut self, clip_path: &ClipPath) {
        self.add(LAYER_UNITS + clip_path.path.elements().len() as u64 / 8);
    }

    fn push_transparency_group(&mut self, _: f32, mask: Option<SoftMask<'a>>, _: BlendMode) {
        self.add(LAYER_UNITS);
        self.soft_mask(mask.as_ref());
    }

    fn draw_glyph_run(&mut self, run: &GlyphRun<'_, 'a>, props: DrawProps<'a>, _: &DrawMode) {
        self.add(1 + run.glyphs().len() as u64 / 8);
        self.soft_mask(props.soft_mask.as_ref());
        for glyph in run.glyphs() {
            if let Glyph::Type3(procedure) = &**glyph {
                self.add(1);
                procedure.interpret(self, props.transform, glyph.transform(), &props.paint);
            }
        }
    }

    fn draw_image(&mut self, image: Image<'a, '_>, props: ImageDrawProps<'a>) {
        let drawn = props.transform.transform_rect_bbox(Rect::new(0.0, 0.0, 1.0, 1.0));
        let samples = f64::from(image.width()) * f64::from(image.height());
        self.add(1 + pixel_units(samples, PIXELS_PER_UNIT));
        self.covering(drawn, PAINTED_PIXELS_PER_UNIT);
        self.soft_mask(props.soft_mask.as_ref());
    }

    fn pop_clip(&mut self) {}

    fn pop_transparency_group(&mut self) {}
}

fn is_stroke(mode: &DrawMode) -> bool {
    matches!(mode, DrawMode::Stroke(_) | DrawMode::FillAndStroke(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_axes_follow_the_renderer_layout() {
        // A cell of 10 repeated every 10 over 100 visible: one copy in a 10-pixel tile.
        let repeat = tile_axis(1.0, 0.0..10.0, 10.0, 0.0..100.0).unwrap();
        assert_eq!((repeat.size, repeat.copies), (10.0, 1));
        // A 600-wide cell every 0.25: 2400 copies per axis.
        let tiny = tile_axis(1.0, 0.0..600.0, 0.25, 0.0..600.0).unwrap();
        assert_eq!(tiny.copies, 2400);
        // A step wider than the area: the copies that touch it, in a tile the area's size.
        let wide = tile_axis(2.0, 0.0..50.0, 1000.0, 0.0..100.0).unwrap();
        assert_eq!((wide.size, wide.copies), (200.0, 1));
        assert!(tile_axis(1.0, 0.0..10.0, 0.0, 0.0..100.0).is_none());
        assert!(tile_axis(1.0, 0.0..10.0, f32::NAN, 0.0..100.0).is_none());
    }
}
