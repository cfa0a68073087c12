//! Finding and reading every QR code on a page image.
//!
//! Uses rxing's port of the ZXing-C++ QR detector, which read 138 of 140 degraded test images
//! where `rqrr` read 45 (`docs/DEPENDENCIES.md`). Scans vary (300 dpi flatbed, phone photo,
//! speckled fax), so decoding runs a sequence of passes from cheap to expensive and stops as
//! soon as the caller says it has everything it expects.

use std::borrow::Cow;

use image::GrayImage;
use rxing::common::cpp_essentials::ConcentricPattern;
use rxing::common::{BitMatrix, DetectorRXingResult, GlobalHistogramBinarizer, HybridBinarizer};
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, FinderPatternSet, GenerateFinderPatternSets, SampleQR};
use rxing::{Binarizer as _, Luma8LuminanceSource, Point};

use super::budget::{Budget, Exhausted};
use super::guard::contain;

/// One QR code read from an image.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundQr {
    /// The decoded text.
    pub text: String,
    /// Name of the pass that first read it (for scan-health reporting).
    pub pass: &'static str,
    /// Where it lies on the page's working copy ([`working_copy`]), when the direct pass read
    /// it (the other passes read copies of other sizes): lets scan health test the code alone.
    pub region: Option<Region>,
}

impl FoundQr {
    /// The same code with its place forgotten: scan health then tests the whole page, as for a
    /// code a recovery pass read (to compare the two).
    pub fn unplaced(&self) -> Self {
        Self {
            region: None,
            ..self.clone()
        }
    }
}

/// Where a code was read: the box its three finder patterns' centres and its fourth corner
/// span, in pixels, and the size of one module.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Region {
    /// Leftmost finder-pattern centre (or fourth corner).
    pub left: f32,
    /// Topmost.
    pub top: f32,
    /// Rightmost.
    pub right: f32,
    /// Lowest.
    pub bottom: f32,
    /// One module, in pixels (a finder pattern is seven).
    pub module: f32,
}

impl Region {
    fn of(set: &FinderPatternSet) -> Self {
        let corner = Point {
            x: set.tr.p.x + set.bl.p.x - set.tl.p.x,
            y: set.tr.p.y + set.bl.p.y - set.tl.p.y,
        };
        let points = [set.tl.p, set.tr.p, set.bl.p, corner];
        let sizes = [set.tl.size, set.tr.size, set.bl.size];
        Self {
            left: points.iter().map(|p| p.x).fold(f32::INFINITY, f32::min),
            top: points.iter().map(|p| p.y).fold(f32::INFINITY, f32::min),
            right: points.iter().map(|p| p.x).fold(f32::NEG_INFINITY, f32::max),
            bottom: points.iter().map(|p| p.y).fold(f32::NEG_INFINITY, f32::max),
            module: sizes.iter().sum::<i32>().max(3) as f32 / 21.0,
        }
    }
}

/// A code's text and where it was read.
type Read = (String, Region);

/// Long side, in pixels, of the first working copy of a large image: about A4 at 300 dpi,
/// plenty for sheets whose modules are 0.6 mm or larger.
const WORKING_LONG_SIDE: u32 = 3600;
/// Smallest side, in pixels, that can hold a QR code (version 1 at one pixel per module).
const MIN_SIDE: u32 = 21;
/// Finder patterns kept per pass, largest first. A sheet has at most a dozen codes (three
/// patterns each; 6 to 12 are found on a sealed sheet); text and noise add some false ones. A page tiled with finder
/// patterns has thousands, and pairing them all would take minutes.
const MAX_FINDER_PATTERNS: usize = 120;
/// Candidate triples of finder patterns sampled per pass (each costs a grid sample and an
/// error-correction attempt), most plausible first. A sheet needs a few dozen.
const MAX_CANDIDATE_SETS: usize = 600;
/// How often (in candidate sets) the deadline is looked at.
const DEADLINE_STRIDE: usize = 16;
/// Largest working copy stretched by the non-square-pixel passes (fax scans are small).
const MAX_STRETCHED_PIXELS: u64 = 12_000_000;

#[derive(Clone, Copy)]
enum Binarizer {
    Hybrid,
    Global,
}

/// Finds and decodes the QR codes in a binarised image, ZXing-C++'s multi-symbol loop with
/// limits: at most [`MAX_FINDER_PATTERNS`] patterns and [`MAX_CANDIDATE_SETS`] candidates, and
/// stopping when `budget` runs out. Returns what was read, and whether the budget ran out.
fn decode_matrix(matrix: &BitMatrix, budget: &Budget) -> (Vec<Read>, Option<Exhausted>) {
    if crowded_with_finders(matrix) {
        return (Vec::new(), Some(budget.gave_up_on_page()));
    }
    let mut patterns = FindFinderPatterns(matrix, true, 0);
    patterns.sort_by_key(|pattern| std::cmp::Reverse(pattern.size));
    patterns.truncate(MAX_FINDER_PATTERNS);
    let sets = GenerateFinderPatternSets(&mut patterns);
    let mut used = Vec::new();
    let mut texts = Vec::new();
    for (tried, set) in sets.iter().take(MAX_CANDIDATE_SETS).enumerate() {
        if tried % DEADLINE_STRIDE == 0
            && let Some(exhausted) = budget.exhausted()
        {
            return (texts, Some(exhausted));
        }
        if used.contains(&set.bl) || used.contains(&set.tl) || used.contains(&set.tr) {
            continue;
        }
        let Ok(detected) = SampleQR(matrix, set) else { continue };
        let Ok(decoded) = Decode(detected.getBits()) else {
            continue;
        };
        if decoded.isValid() {
            used.extend([set.bl, set.tl, set.tr]);
            texts.push((decoded.text(), Region::of(set)));
        }
    }
    (texts, None)
}

/// Candidate codes tried by [`repair_finders`] per pass: a sheet's codes give a few dozen
/// pairs of finder patterns and six guesses each.
const MAX_REPAIRS: usize = 400;

/// Reads codes that lost one of their three finder patterns (a pen line drawn across it, a
/// punched hole, a stain), which ZXing's detector cannot pair without. For each pair of found
/// patterns of about the same size, the third is guessed where a square code would have it (the
/// pair as a diagonal, or as one side, either way round), a clean finder pattern is painted
/// there on a copy of the page, and the code is sampled from the three. Error correction
/// restores the data modules under the damage; a wrong guess does not decode (Reed-Solomon and
/// the payload's own checksum), so guesses can only add codes that are really there.
fn repair_finders(matrix: &BitMatrix, budget: &Budget) -> (Vec<Read>, Option<Exhausted>) {
    let mut patterns = FindFinderPatterns(matrix, true, 0);
    patterns.sort_by_key(|pattern| std::cmp::Reverse(pattern.size));
    patterns.truncate(MAX_FINDER_PATTERNS);
    let mut texts: Vec<Read> = Vec::new();
    let mut tried = 0usize;
    for (index, &a) in patterns.iter().enumerate() {
        for &b in &patterns[index + 1..] {
            let (small, large) = (a.size.min(b.size), a.size.max(b.size));
            if small <= 0 || large * 10 > small * 13 {
                continue;
            }
            let module = (a.size + b.size) as f32 / 14.0;
            let apart = distance(a.p, b.p) / module;
            if !(12.0..=250.0).contains(&apart) {
                continue;
            }
            for set in guessed_sets(a, b) {
                tried += 1;
                if tried > MAX_REPAIRS {
                    return (texts, None);
                }
                if tried.is_multiple_of(DEADLINE_STRIDE)
                    && let Some(exhausted) = budget.exhausted()
                {
                    return (texts, Some(exhausted));
                }
                let Some(painted) = painted_set(matrix, &set, module) else {
                    continue;
                };
                let Ok(detected) = SampleQR(&painted.0, &painted.1) else {
                    continue;
                };
                let Ok(decoded) = Decode(detected.getBits()) else {
                    continue;
                };
                let text = decoded.text();
                if decoded.isValid() && !texts.iter().any(|(known, _)| *known == text) {
                    texts.push((text, Region::of(&painted.1)));
                }
            }
        }
    }
    (texts, None)
}

fn distance(a: Point, b: Point) -> f32 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

/// The six finder-pattern sets two found patterns may belong to, the third pattern guessed
/// (its `size` 0 marks it): `a` and `b` as the diagonal (the guess is the top-left corner, on
/// either side), or as a side with the guess square to it at either end, either side.
fn guessed_sets(a: ConcentricPattern, b: ConcentricPattern) -> Vec<FinderPatternSet> {
    let turn = |vector: Point, sign: f32| Point {
        x: -vector.y * sign,
        y: vector.x * sign,
    };
    let at = |p: Point| ConcentricPattern { p, size: 0 };
    let along = Point {
        x: b.p.x - a.p.x,
        y: b.p.y - a.p.y,
    };
    let middle = Point {
        x: (a.p.x + b.p.x) / 2.0,
        y: (a.p.y + b.p.y) / 2.0,
    };
    let mut sets = Vec::new();
    for sign in [1.0, -1.0] {
        let half = turn(
            Point {
                x: along.x / 2.0,
                y: along.y / 2.0,
            },
            sign,
        );
        sets.push(ordered(
            at(Point {
                x: middle.x + half.x,
                y: middle.y + half.y,
            }),
            a,
            b,
        ));
        let side = turn(along, sign);
        for (corner, other) in [(a, b), (b, a)] {
            let guess = at(Point {
                x: corner.p.x + side.x,
                y: corner.p.y + side.y,
            });
            sets.push(ordered(corner, other, guess));
        }
    }
    sets
}

/// The set with top-left `corner` and the other two as top-right and bottom-left, whichever way
/// round puts them clockwise (y grows downwards).
fn ordered(corner: ConcentricPattern, one: ConcentricPattern, two: ConcentricPattern) -> FinderPatternSet {
    let cross = (one.p.x - corner.p.x) * (two.p.y - corner.p.y) - (one.p.y - corner.p.y) * (two.p.x - corner.p.x);
    let (tr, bl) = if cross > 0.0 { (one, two) } else { (two, one) };
    FinderPatternSet { bl, tl: corner, tr }
}

/// A copy of `matrix` with a clean finder pattern (and its light border) painted at the guessed
/// member of `set`, squared to the code's axes, and the set with that member's size filled in;
/// `None` when the guess lies off the page.
fn painted_set(matrix: &BitMatrix, set: &FinderPatternSet, module: f32) -> Option<(BitMatrix, FinderPatternSet)> {
    let unit = |from: Point, to: Point| {
        let length = distance(from, to).max(f32::EPSILON);
        Point {
            x: (to.x - from.x) / length,
            y: (to.y - from.y) / length,
        }
    };
    let (across, down) = (unit(set.tl.p, set.tr.p), unit(set.tl.p, set.bl.p));
    let mut filled = *set;
    let guess = [&mut filled.tl, &mut filled.tr, &mut filled.bl]
        .into_iter()
        .find(|member| member.size == 0)?;
    guess.size = (module * 7.0).round() as i32;
    let centre = guess.p;
    let reach = module * 4.5 * std::f32::consts::SQRT_2;
    let (width, height) = (matrix.width() as f32, matrix.height() as f32);
    if centre.x - reach < 0.0 || centre.y - reach < 0.0 || centre.x + reach >= width || centre.y + reach >= height {
        return None;
    }
    let mut painted = matrix.clone();
    for y in (centre.y - reach) as u32..=(centre.y + reach) as u32 {
        for x in (centre.x - reach) as u32..=(centre.x + reach) as u32 {
            let (dx, dy) = (x as f32 + 0.5 - centre.x, y as f32 + 0.5 - centre.y);
            let s = (dx * across.x + dy * across.y) / module;
            let t = (dx * down.x + dy * down.y) / module;
            let ring = s.abs().max(t.abs());
            if ring < 1.5 || (2.5..3.5).contains(&ring) {
                painted.set(x, y);
            } else if ring < 4.5 {
                painted.unset(x, y);
            }
        }
    }
    Some((painted, filled))
}

/// True when many rows of `matrix` each cross more finder patterns (dark, light, dark three
/// times as wide, light, dark, across and down) than a sheet could hold side by side. The
/// finder search compares every candidate with every pattern found so far, so a page tiled
/// with thousands of patterns would take minutes; such a page is not a sheet. Each run found
/// across a row is checked down its centre column too, so the random runs of a noisy scan do
/// not count.
fn crowded_with_finders(matrix: &BitMatrix) -> bool {
    let height = matrix.height();
    let step = (height / 400).max(1) as usize;
    let mut sampled = 0usize;
    let mut crowded = 0usize;
    for y in (0..height).step_by(step) {
        sampled += 1;
        let confirmed = finder_runs(matrix, y)
            .into_iter()
            .filter(|&(centre, across)| finder_down(matrix, centre, y, across))
            .count();
        if confirmed > ROW_FINDER_HITS {
            crowded += 1;
        }
    }
    crowded * 10 > sampled
}

/// Centres and total widths of the finder-like runs crossing row `y`, in order.
fn finder_runs(matrix: &BitMatrix, y: u32) -> Vec<(u32, u32)> {
    let runs = row_runs(matrix, y);
    let mut found = Vec::new();
    let mut start = 0u32;
    for at in 0..runs.len() {
        if at + 5 <= runs.len() && runs[at].0 {
            let lengths = [0, 1, 2, 3, 4].map(|offset| runs[at + offset].1);
            if looks_like_finder(&lengths) {
                found.push((start + lengths[0] + lengths[1] + lengths[2] / 2, lengths.iter().sum()));
            }
        }
        start += runs[at].1;
    }
    found
}

/// The runs of one colour along row `y`, left to right, as (dark, length). Found a machine
/// word at a time (`getNextSet`/`getNextUnset` skip 32 pixels of paper per step): asking
/// pixel by pixel was a twentieth of a 300 dpi `verify`.
fn row_runs(matrix: &BitMatrix, y: u32) -> Vec<(bool, u32)> {
    let width = matrix.width() as usize;
    let row = matrix.getRow(y);
    let mut runs = Vec::new();
    let mut at = 0usize;
    let mut dark = width > 0 && row.get(0);
    while at < width {
        let end = if dark { row.getNextUnset(at) } else { row.getNextSet(at) }.min(width);
        runs.push((dark, (end - at) as u32));
        at = end;
        dark = !dark;
    }
    runs
}

/// True when the column through (`x`, `y`) also crosses a finder pattern about `across` pixels
/// tall.
fn finder_down(matrix: &BitMatrix, x: u32, y: u32, across: u32) -> bool {
    let height = matrix.height();
    let limit = across + 2;
    let run = |from: i64, step: i64, dark: bool| {
        let mut length = 0u32;
        let mut at = from;
        while at >= 0 && at < i64::from(height) && length <= limit && matrix.get(x, at as u32) == dark {
            length += 1;
            at += step;
        }
        (length, at)
    };
    if !matrix.get(x, y) {
        return false;
    }
    let (up, top) = run(i64::from(y), -1, true);
    let (down, bottom) = run(i64::from(y) + 1, 1, true);
    let (light_up, next_up) = run(top, -1, false);
    let (dark_up, _) = run(next_up, -1, true);
    let (light_down, next_down) = run(bottom, 1, false);
    let (dark_down, _) = run(next_down, 1, true);
    let lengths = [dark_up, light_up, up + down, light_down, dark_down];
    let total: u32 = lengths.iter().sum();
    looks_like_finder(&lengths) && total * 10 >= across * 6 && total * 10 <= across * 16
}

/// Finder-like runs per row beyond which a row counts as crowded: two codes side by side cross
/// four patterns, and text adds a few look-alikes.
const ROW_FINDER_HITS: usize = 16;

/// The 1:1:3:1:1 proportions of a finder pattern, with the tolerance of a rough scan.
fn looks_like_finder(runs: &[u32]) -> bool {
    let unit = (runs[0] + runs[1] + runs[3] + runs[4]) as f32 / 4.0;
    let near = |run: u32, modules: f32| (run as f32 - unit * modules).abs() <= unit * modules * 0.4 + 0.5;
    near(runs[0], 1.0) && near(runs[1], 1.0) && near(runs[2], 3.0) && near(runs[3], 1.0) && near(runs[4], 1.0)
}

fn read_pass(image: &GrayImage, binarizer: Binarizer, budget: &Budget) -> (Vec<Read>, Option<Exhausted>) {
    read_owned(image.clone(), binarizer, budget)
}

/// [`read_pass`] on a copy made for this pass, handed to the reader without copying it again.
fn read_owned(image: GrayImage, binarizer: Binarizer, budget: &Budget) -> (Vec<Read>, Option<Exhausted>) {
    let (width, height) = image.dimensions();
    if width < MIN_SIDE || height < MIN_SIDE {
        return (Vec::new(), None);
    }
    let decoded = contain(|| {
        let source = Luma8LuminanceSource::new(image.into_raw(), width, height).ok()?;
        let matrix = match binarizer {
            Binarizer::Hybrid => HybridBinarizer::new(source).get_black_matrix().ok()?.clone(),
            Binarizer::Global => GlobalHistogramBinarizer::new(source).get_black_matrix().ok()?.clone(),
        };
        Some(decode_matrix(&matrix, budget))
    });
    decoded.flatten().unwrap_or_default()
}

/// The finder-repair pass ([`repair_finders`]) on the hybrid-binarised `image`.
fn read_repairing(image: &GrayImage, budget: &Budget) -> (Vec<Read>, Option<Exhausted>) {
    let (width, height) = image.dimensions();
    if width < MIN_SIDE || height < MIN_SIDE {
        return (Vec::new(), None);
    }
    let decoded = contain(|| {
        let source = Luma8LuminanceSource::new(image.as_raw().clone(), width, height).ok()?;
        let matrix = HybridBinarizer::new(source).get_black_matrix().ok()?.clone();
        if crowded_with_finders(&matrix) {
            return Some((Vec::new(), Some(budget.gave_up_on_page())));
        }
        Some(repair_finders(&matrix, budget))
    });
    decoded.flatten().unwrap_or_default()
}

/// How many pixels have each grey level. Four tables filled in turn and added at the end: a page
/// is mostly paper white, and one table would make every pixel wait for the previous one's
/// count of the same level.
pub(super) fn histogram(pixels: &[u8]) -> [usize; 256] {
    let mut tables = [[0u32; 256]; 4];
    let (quads, rest) = pixels.as_chunks::<4>();
    for quad in quads {
        for (table, &pixel) in tables.iter_mut().zip(quad) {
            table[usize::from(pixel)] += 1;
        }
    }
    for &pixel in rest {
        tables[0][usize::from(pixel)] += 1;
    }
    std::array::from_fn(|level| tables.iter().map(|table| table[level] as usize).sum())
}

/// Shrinks by an integer factor with a box filter (averaging also cancels fine noise).
pub fn box_downscale(image: &GrayImage, factor: u32) -> GrayImage {
    if factor <= 1 || image.width() == 0 || image.height() == 0 {
        return image.clone();
    }
    if factor == 2 && image.width() >= 2 && image.height() >= 2 {
        return halve(image);
    }
    let (width, height) = (image.width() / factor, image.height() / factor);
    let area = factor * factor;
    let (source_width, source_height) = (image.width() as usize, image.height() as usize);
    let raw = image.as_raw();
    let (width, height) = (width.max(1), height.max(1));
    let mut sums = vec![0u32; width as usize];
    let mut out = Vec::with_capacity(width as usize * height as usize);
    for y in 0..height as usize {
        sums.iter_mut().for_each(|sum| *sum = 0);
        for dy in 0..factor as usize {
            let row = &raw[(y * factor as usize + dy).min(source_height - 1) * source_width..][..source_width];
            for (x, sum) in sums.iter_mut().enumerate() {
                for dx in 0..factor as usize {
                    *sum += u32::from(row[(x * factor as usize + dx).min(source_width - 1)]);
                }
            }
        }
        out.extend(sums.iter().map(|sum| ((sum + area / 2) / area) as u8));
    }
    GrayImage::from_raw(width, height, out).expect("the buffer has width x height pixels")
}

/// [`box_downscale`] by 2 (the half-scale passes and the sharpness test), pixel for pixel the
/// same: whole 2 x 2 blocks need no edge clamping, so the loop runs straight through two rows.
fn halve(image: &GrayImage) -> GrayImage {
    let (width, height) = (image.width() / 2, image.height() / 2);
    let stride = image.width() as usize;
    let raw = image.as_raw();
    let mut out = vec![0u8; width as usize * height as usize];
    for (y, row) in out.chunks_exact_mut(width as usize).enumerate() {
        let top = &raw[2 * y * stride..][..2 * width as usize];
        let bottom = &raw[(2 * y + 1) * stride..][..2 * width as usize];
        for ((pixel, upper), lower) in row
            .iter_mut()
            .zip(top.as_chunks::<2>().0)
            .zip(bottom.as_chunks::<2>().0)
        {
            let sum = u32::from(upper[0]) + u32::from(upper[1]) + u32::from(lower[0]) + u32::from(lower[1]);
            *pixel = ((sum + 2) / 4) as u8;
        }
    }
    GrayImage::from_raw(width, height, out).expect("the buffer has width x height pixels")
}

/// 3x3 median filter: removes salt-and-pepper noise that defeats block binarisers. Edge pixels
/// take their window from the nearest row and column inside the page.
pub fn median3(image: &GrayImage) -> GrayImage {
    let (width, height) = image.dimensions();
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 {
        return image.clone();
    }
    let raw = image.as_raw();
    // Each row with its first and last pixel repeated, so every window is three straight slices.
    let padded = |y: usize| {
        let row = &raw[y * w..][..w];
        let mut out = Vec::with_capacity(w + 2);
        out.push(row[0]);
        out.extend_from_slice(row);
        out.push(row[w - 1]);
        out
    };
    let mut out = Vec::with_capacity(w * h);
    let (mut above, mut here) = (padded(0), padded(0));
    for y in 0..h {
        let below = padded((y + 1).min(h - 1));
        let rows = [&above, &here, &below];
        for start in (0..w).step_by(MEDIAN_LANES) {
            let lanes = (w - start).min(MEDIAN_LANES);
            let mut window = [[0u8; MEDIAN_LANES]; 9];
            for (slot, lane) in window.iter_mut().enumerate() {
                let (row, dx) = (rows[slot / 3], slot % 3);
                lane[..lanes].copy_from_slice(&row[start + dx..][..lanes]);
            }
            out.extend_from_slice(&median_of_nine(&mut window)[..lanes]);
        }
        above = std::mem::replace(&mut here, below);
    }
    GrayImage::from_raw(width, height, out).expect("the buffer has width x height pixels")
}

/// Pixels [`median3`] works on at once: the comparisons run across lanes, which the compiler
/// turns into vector instructions.
const MEDIAN_LANES: usize = 32;

/// The median of each lane's nine values, by the classic 19-comparison exchange network
/// (Paeth; Devillard's "fast median search"): the sorted middle without sorting nine values.
fn median_of_nine(window: &mut [[u8; MEDIAN_LANES]; 9]) -> [u8; MEDIAN_LANES] {
    const EXCHANGES: [(usize, usize); 19] = [
        (1, 2),
        (4, 5),
        (7, 8),
        (0, 1),
        (3, 4),
        (6, 7),
        (1, 2),
        (4, 5),
        (7, 8),
        (0, 3),
        (5, 8),
        (4, 7),
        (3, 6),
        (1, 4),
        (2, 5),
        (4, 7),
        (4, 2),
        (6, 4),
        (4, 2),
    ];
    for (low, high) in EXCHANGES {
        let (first, second) = window.split_at_mut(low.max(high));
        let (lows, highs) = if low < high {
            (&mut first[low], &mut second[0])
        } else {
            (&mut second[0], &mut first[high])
        };
        for (lower, higher) in lows.iter_mut().zip(highs.iter_mut()) {
            let (a, b) = (*lower, *higher);
            *lower = a.min(b);
            *higher = a.max(b);
        }
    }
    window[4]
}

/// Stretches contrast so the darkest 1% maps to black and the brightest 1% to white (faded
/// prints and grey photos).
pub fn stretch_contrast(image: &GrayImage) -> GrayImage {
    let mut stretched = image.clone();
    stretch_contrast_in_place(&mut stretched);
    stretched
}

/// [`stretch_contrast`] on a copy the caller already owns (a degraded page made for scan
/// health): no second page-sized buffer.
pub fn stretch_contrast_in_place(image: &mut GrayImage) {
    let histogram = histogram(image.as_raw());
    let total = image.pixels().len().max(1);
    let cut = total / 100;
    let mut low = 0usize;
    let mut seen = 0usize;
    while low < 255 && seen + histogram[low] <= cut {
        seen += histogram[low];
        low += 1;
    }
    let mut high = 255usize;
    seen = 0;
    while high > 0 && seen + histogram[high] <= cut {
        seen += histogram[high];
        high -= 1;
    }
    if high <= low + 8 {
        return;
    }
    let span = (high - low) as f32;
    // A lookup table: the mapping depends on the grey value only, and a page has millions of
    // pixels but 256 values.
    let table: Vec<u8> = (0..=255u8)
        .map(|value| (((f32::from(value) - low as f32) / span) * 255.0).clamp(0.0, 255.0) as u8)
        .collect();
    for pixel in image.iter_mut() {
        *pixel = table[usize::from(*pixel)];
    }
}

/// The copy of `image` the first passes read: large images are box-downscaled so their long
/// side is at most about [`WORKING_LONG_SIDE`] pixels. Returns the copy (or the image itself
/// when it is small enough) and the factor.
pub fn working_copy(image: &GrayImage) -> (Cow<'_, GrayImage>, u32) {
    let long_side = image.width().max(image.height());
    let factor = long_side.div_ceil(WORKING_LONG_SIDE).max(1);
    if factor == 1 {
        // Already small enough: borrowed, not copied (a copy of a page is 9 MB of fresh memory).
        return (Cow::Borrowed(image), 1);
    }
    (Cow::Owned(box_downscale(image, factor)), factor)
}

/// Repeats every pixel `x_factor` times across and `y_factor` times down: a fax stored with
/// its raw 200 x 100 dpi pixels has codes squashed to half their height.
pub fn stretch(image: &GrayImage, x_factor: u32, y_factor: u32) -> GrayImage {
    let (x_factor, y_factor) = (x_factor.max(1), y_factor.max(1));
    let (width, height) = image.dimensions();
    let (wide, tall) = (width * x_factor, height * y_factor);
    let mut out = Vec::with_capacity(wide as usize * tall as usize);
    let mut stretched_row = Vec::with_capacity(wide as usize);
    for row in image.as_raw().chunks_exact(width.max(1) as usize) {
        stretched_row.clear();
        for &pixel in row {
            stretched_row.extend(std::iter::repeat_n(pixel, x_factor as usize));
        }
        for _ in 0..y_factor {
            out.extend_from_slice(&stretched_row);
        }
    }
    GrayImage::from_raw(wide, tall, out).expect("the buffer has the stretched size")
}

/// Binarises against the mean of a square window around each pixel (side about a fortieth of
/// the page): faded or yellowed paper whose ink is only a little darker than the paper around
/// it, and light that changes across the page, still separate.
pub fn adaptive_threshold(image: &GrayImage) -> GrayImage {
    let (width, height) = image.dimensions();
    if width == 0 || height == 0 {
        return image.clone();
    }
    let radius = (width.max(height) / 80).max(4) as usize;
    let (w, h) = (width as usize, height as usize);
    let raw = image.as_raw();
    let row = |y: usize| &raw[y * w..][..w];
    // The window slides down the page: each column's sum over the window's rows is kept up to
    // date a row at a time, and each row's window sums come from a running sum along it. Two
    // rows of numbers instead of a summed-area table of the whole page (73 MB at 300 dpi).
    let mut columns = vec![0u32; w];
    let mut along = vec![0u64; w + 1];
    let (mut top, mut bottom) = (0usize, 0usize);
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        while bottom < (y + radius + 1).min(h) {
            columns
                .iter_mut()
                .zip(row(bottom))
                .for_each(|(sum, &pixel)| *sum += u32::from(pixel));
            bottom += 1;
        }
        while top < y.saturating_sub(radius) {
            columns
                .iter_mut()
                .zip(row(top))
                .for_each(|(sum, &pixel)| *sum -= u32::from(pixel));
            top += 1;
        }
        for (x, &column) in columns.iter().enumerate() {
            along[x + 1] = along[x] + u64::from(column);
        }
        let rows = (bottom - top) as u64;
        out.extend(row(y).iter().enumerate().map(|(x, &pixel)| {
            let (left, right) = (x.saturating_sub(radius), (x + radius + 1).min(w));
            let area = rows * (right - left) as u64;
            let total = along[right] - along[left];
            // Darker than 94% of the local mean is ink: a margin that keeps paper grain white.
            if u64::from(pixel) * 100 * area < total * 94 {
                0
            } else {
                255
            }
        }));
    }
    GrayImage::from_raw(width, height, out).expect("the buffer has width x height pixels")
}

/// The texts of the QR codes the cheapest pass ("direct") reads from `image`, taken as is.
/// Scan-health estimation uses it on degraded copies of a working copy.
pub fn read_direct(image: GrayImage) -> Vec<String> {
    let (read, _) = read_owned(image, Binarizer::Hybrid, &Budget::new());
    read.into_iter().map(|(text, _)| text).collect()
}

/// A page to read: its grey levels, and for colour scans the brightest channel of each pixel,
/// in which coloured ink (a pen scribble) and yellowed paper turn white while black toner stays
/// black.
#[derive(Clone, Debug)]
pub struct PageImage {
    /// Luma.
    pub gray: GrayImage,
    /// max(R, G, B) per pixel, for colour images that are not grey.
    pub brightest: Option<GrayImage>,
}

impl From<GrayImage> for PageImage {
    fn from(gray: GrayImage) -> Self {
        Self { gray, brightest: None }
    }
}

/// Reads every QR code in `image`. `complete` is asked after each pass whether the codes found
/// so far are all that is expected; decoding stops early when it says yes.
pub fn read_all(image: &GrayImage, complete: &dyn Fn(&[FoundQr]) -> bool) -> Vec<FoundQr> {
    read_page(&PageImage::from(image.clone()), complete, &Budget::new()).0
}

/// [`read_all`] on a page that may carry its brightest channel, within `budget`. Returns the
/// codes read and, when the budget ran out before the page was complete, which limit.
pub fn read_page(
    page: &PageImage,
    complete: &dyn Fn(&[FoundQr]) -> bool,
    budget: &Budget,
) -> (Vec<FoundQr>, Option<Exhausted>) {
    read_page_squaring(page, complete, budget, true)
}

/// [`read_page`]; with `square`, a page whose codes the non-square-pixel pass showed to be
/// squashed (a fax saved without its resolution) is stretched back and read again with every
/// pass: one binariser on the stretched page missed codes that the others read.
fn read_page_squaring(
    page: &PageImage,
    complete: &dyn Fn(&[FoundQr]) -> bool,
    budget: &Budget,
    square: bool,
) -> (Vec<FoundQr>, Option<Exhausted>) {
    let image = &page.gray;
    let (working, working_factor) = working_copy(image);
    let brightest = page.brightest.as_ref().map(|brightest| working_copy(brightest).0);
    let mut found: Vec<FoundQr> = Vec::new();
    let add = |texts: Vec<Read>, pass: &'static str, found: &mut Vec<FoundQr>| {
        for (text, region) in texts {
            if !found.iter().any(|known| known.text == text) {
                let region = (pass == "direct").then_some(region);
                found.push(FoundQr { text, pass, region });
            }
        }
    };
    let stretchable = square && u64::from(working.width()) * u64::from(working.height()) * 2 <= MAX_STRETCHED_PIXELS;
    let squashed = std::cell::Cell::new(None);
    type Pass<'a> = (&'static str, Box<dyn Fn() -> (Vec<Read>, Option<Exhausted>) + 'a>);
    let none = || (Vec::new(), None);
    // Two passes read the median-filtered page: filtered once, when the first of them runs.
    let median = std::cell::OnceCell::new();
    let median_filtered = || median.get_or_init(|| median3(&working));
    let passes: Vec<Pass> = vec![
        ("direct", Box::new(|| read_pass(&working, Binarizer::Hybrid, budget))),
        (
            "half-scale",
            Box::new(|| read_owned(box_downscale(&working, 2), Binarizer::Hybrid, budget)),
        ),
        (
            "median-filter",
            Box::new(|| read_pass(median_filtered(), Binarizer::Hybrid, budget)),
        ),
        (
            "contrast-stretch",
            Box::new(|| read_owned(stretch_contrast(&working), Binarizer::Global, budget)),
        ),
        (
            "global-threshold",
            Box::new(|| read_pass(&working, Binarizer::Global, budget)),
        ),
        (
            "brightest-channel",
            Box::new(|| match &brightest {
                Some(brightest) => read_pass(brightest, Binarizer::Hybrid, budget),
                None => none(),
            }),
        ),
        (
            "adaptive-threshold",
            Box::new(|| read_owned(adaptive_threshold(&working), Binarizer::Global, budget)),
        ),
        (
            "median-half-scale",
            Box::new(|| read_owned(box_downscale(median_filtered(), 2), Binarizer::Hybrid, budget)),
        ),
        (
            "full-resolution",
            Box::new(|| {
                if working_factor > 1 {
                    read_pass(image, Binarizer::Hybrid, budget)
                } else {
                    none()
                }
            }),
        ),
        (
            "non-square-pixels",
            Box::new(|| {
                if !stretchable {
                    return none();
                }
                let (mut texts, exhausted) = read_owned(stretch(&working, 1, 2), Binarizer::Hybrid, budget);
                if !texts.is_empty() {
                    squashed.set(Some((1, 2)));
                }
                if exhausted.is_some() {
                    return (texts, exhausted);
                }
                let (wide, exhausted) = read_owned(stretch(&working, 2, 1), Binarizer::Hybrid, budget);
                if !wide.is_empty() && squashed.get().is_none() {
                    squashed.set(Some((2, 1)));
                }
                texts.extend(wide);
                (texts, exhausted)
            }),
        ),
        ("finder-repair", Box::new(|| read_repairing(&working, budget))),
    ];
    for (name, pass) in passes {
        let (texts, exhausted) = pass();
        add(texts, name, &mut found);
        if !found.is_empty() && complete(&found) {
            return (found, None);
        }
        if exhausted.is_some() {
            return (found, exhausted);
        }
    }
    let Some((across, down)) = squashed.get() else {
        return (found, None);
    };
    let squared = PageImage::from(stretch(&working, across, down));
    let known = found.clone();
    let with_known = |more: &[FoundQr]| {
        let mut all = known.clone();
        all.extend(more.iter().cloned());
        complete(&all)
    };
    let (more, exhausted) = read_page_squaring(&squared, &with_known, budget, false);
    for code in more {
        if !found.iter().any(|known| known.text == code.text) {
            found.push(FoundQr {
                text: code.text,
                pass: "non-square-pixels",
                region: None,
            });
        }
    }
    (found, exhausted)
}

/// A payload for tests drawn by [`drawn`].
#[cfg(test)]
pub(super) const PAYLOAD: &str = "BG1-SHARE-7K3M9QXA2B-K3-N5-S2-B113-ABC 01ABCDEF0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// [`PAYLOAD`] drawn at `pixels` a module on white, with a quiet zone, and its side in modules
/// (quiet zone excluded).
#[cfg(test)]
pub(super) fn drawn_code(pixels: u32) -> (GrayImage, usize) {
    use crate::paper::render::qr::{QUIET_ZONE, encode};
    let code = encode(PAYLOAD).expect("encodes");
    let side = (code.width + 2 * QUIET_ZONE) as u32 * pixels;
    let image = GrayImage::from_fn(side, side, |x, y| {
        let (column, row) = ((x / pixels) as usize, (y / pixels) as usize);
        let inside = |at: usize| at >= QUIET_ZONE && at < QUIET_ZONE + code.width;
        let dark = inside(column) && inside(row) && code.dark[(row - QUIET_ZONE) * code.width + column - QUIET_ZONE];
        image::Luma([if dark { 0 } else { 255 }])
    });
    (image, code.width)
}

/// The code of [`drawn_code`] laid on a larger white page with its top-left corner at
/// (`left`, `top`).
#[cfg(test)]
pub(super) fn code_on_page(pixels: u32, left: u32, top: u32) -> GrayImage {
    let (code, _) = drawn_code(pixels);
    let mut page = GrayImage::from_pixel(code.width() + left + 250, code.height() + top + 170, image::Luma([255]));
    image::imageops::replace(&mut page, &code, i64::from(left), i64::from(top));
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper::render::qr::QUIET_ZONE;

    fn drawn(pixels: u32) -> GrayImage {
        drawn_code(pixels).0
    }

    /// The median of each pixel's clamped 3 x 3 window, by sorting: what [`median3`] must give.
    fn median_by_sorting(image: &GrayImage) -> GrayImage {
        let (width, height) = image.dimensions();
        GrayImage::from_fn(width, height, |x, y| {
            let mut window = Vec::new();
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let sx = (i64::from(x) + dx).clamp(0, i64::from(width) - 1) as u32;
                    let sy = (i64::from(y) + dy).clamp(0, i64::from(height) - 1) as u32;
                    window.push(image.get_pixel(sx, sy)[0]);
                }
            }
            window.sort_unstable();
            image::Luma([window[4]])
        })
    }

    /// [`adaptive_threshold`] as first written, with a summed-area table of the whole page: what
    /// the sliding window must give.
    fn threshold_by_summed_area(image: &GrayImage) -> GrayImage {
        let (width, height) = image.dimensions();
        let radius = (width.max(height) / 80).max(4) as usize;
        let (w, h) = (width as usize, height as usize);
        let mut sums = vec![0u64; (w + 1) * (h + 1)];
        for y in 0..h {
            let mut row = 0u64;
            for x in 0..w {
                row += u64::from(image.as_raw()[y * w + x]);
                sums[(y + 1) * (w + 1) + x + 1] = sums[y * (w + 1) + x + 1] + row;
            }
        }
        GrayImage::from_fn(width, height, |x, y| {
            let (x, y) = (x as usize, y as usize);
            let (top, bottom) = (y.saturating_sub(radius), (y + radius + 1).min(h));
            let (left, right) = (x.saturating_sub(radius), (x + radius + 1).min(w));
            let area = ((bottom - top) * (right - left)) as u64;
            let total = sums[bottom * (w + 1) + right] + sums[top * (w + 1) + left]
                - sums[top * (w + 1) + right]
                - sums[bottom * (w + 1) + left];
            let ink = u64::from(image.as_raw()[y * w + x]) * 100 * area < total * 94;
            image::Luma([if ink { 0 } else { 255 }])
        })
    }

    #[test]
    fn the_sliding_window_threshold_matches_with_a_wide_window() {
        let image = GrayImage::from_fn(1000, 300, |x, y| {
            let wave = ((x as f32 / 37.0).sin() + (y as f32 / 23.0).cos()) * 60.0 + 128.0;
            image::Luma([(wave as u32 + (x * y) % 17) as u8])
        });
        assert_eq!(adaptive_threshold(&image), threshold_by_summed_area(&image));
    }

    proptest::proptest! {
        #[test]
        fn the_median_network_gives_the_sorted_middle_of_every_window(
            width in 1u32..80,
            height in 1u32..6,
            seed in proptest::prelude::any::<u64>(),
        ) {
            let image = GrayImage::from_fn(width, height, |x, y| {
                let mixed = seed ^ (u64::from(x) * 0x9E37_79B9_7F4A_7C15) ^ (u64::from(y) * 0xC2B2_AE3D_27D4_EB4F);
                image::Luma([(mixed.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8])
            });
            proptest::prop_assert_eq!(median3(&image), median_by_sorting(&image));
        }

        #[test]
        fn the_sliding_window_threshold_matches_the_summed_area_table(
            width in 1u32..120,
            height in 1u32..60,
            seed in proptest::prelude::any::<u64>(),
        ) {
            let image = GrayImage::from_fn(width, height, |x, y| {
                let mixed = seed ^ (u64::from(x / 3) * 0x9E37_79B9_7F4A_7C15) ^ (u64::from(y / 2) * 0xC2B2_AE3D_27D4_EB4F);
                image::Luma([(mixed.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8])
            });
            proptest::prop_assert_eq!(adaptive_threshold(&image), threshold_by_summed_area(&image));
        }

        #[test]
        fn stretching_repeats_every_pixel_across_and_down(
            width in 1u32..20,
            height in 1u32..20,
            x_factor in 1u32..4,
            y_factor in 1u32..4,
        ) {
            let image = GrayImage::from_fn(width, height, |x, y| image::Luma([(x * 31 + y * 7) as u8]));
            let stretched = stretch(&image, x_factor, y_factor);
            proptest::prop_assert_eq!(stretched.dimensions(), (width * x_factor, height * y_factor));
            for (x, y, pixel) in stretched.enumerate_pixels() {
                proptest::prop_assert_eq!(pixel, image.get_pixel(x / x_factor, y / y_factor));
            }
        }
    }

    #[test]
    fn the_direct_pass_says_where_each_code_lies() {
        let (pixels, left, top) = (4u32, 301u32, 177u32);
        let (_, modules) = drawn_code(pixels);
        let found = read_all(&code_on_page(pixels, left, top), &|found| !found.is_empty());
        assert_eq!(found.len(), 1);
        let region = found[0].region.expect("the direct pass says where the code is");
        // Finder-pattern centres lie 3.5 modules inside the code, which starts after the quiet
        // zone.
        let near = |value: f32, modules_in: f32, origin: u32| {
            let expected = origin as f32 + (QUIET_ZONE as f32 + modules_in) * pixels as f32;
            (value - expected).abs() <= pixels as f32
        };
        let far = modules as f32 - 3.5;
        assert!(
            near(region.left, 3.5, left) && near(region.right, far, left),
            "{region:?}"
        );
        assert!(
            near(region.top, 3.5, top) && near(region.bottom, far, top),
            "{region:?}"
        );
        assert!((region.module - pixels as f32).abs() <= 1.0, "{region:?}");
    }

    #[test]
    fn halving_matches_the_general_box_filter_pixel_for_pixel() {
        for (width, height) in [(7, 5), (8, 6), (2, 2), (31, 17)] {
            let image = GrayImage::from_fn(width, height, |x, y| image::Luma([((x * 37 + y * 101) % 256) as u8]));
            let general = {
                // The general path, as box_downscale runs it for any other factor.
                let (w, h) = (width / 2, height / 2);
                GrayImage::from_fn(w, h, |x, y| {
                    let sum: u32 = (0..2)
                        .flat_map(|dy| (0..2).map(move |dx| (2 * x + dx, 2 * y + dy)))
                        .map(|(sx, sy)| u32::from(image.get_pixel(sx, sy)[0]))
                        .sum();
                    image::Luma([((sum + 2) / 4) as u8])
                })
            };
            assert_eq!(halve(&image), general, "{width}x{height}");
        }
    }

    #[test]
    fn row_runs_match_the_pixels_one_by_one() {
        let widths = [1u32, 31, 32, 33, 64, 95, 200];
        for width in widths {
            let mut matrix = BitMatrix::new(width, 3).expect("matrix");
            for x in 0..width {
                // Runs of every length from 1 up, crossing word boundaries.
                if (x * x / 7 + x / 3) % 3 == 0 {
                    matrix.set(x, 1);
                }
            }
            matrix.set(0, 2);
            for y in 0..3 {
                let mut expected: Vec<(bool, u32)> = Vec::new();
                for x in 0..width {
                    let dark = matrix.get(x, y);
                    match expected.last_mut() {
                        Some((colour, length)) if *colour == dark => *length += 1,
                        _ => expected.push((dark, 1)),
                    }
                }
                assert_eq!(row_runs(&matrix, y), expected, "width {width}, row {y}");
            }
        }
    }

    #[test]
    fn the_histogram_counts_every_pixel_once() {
        let pixels: Vec<u8> = (0..1027u32).map(|i| (i * 7 % 256) as u8).collect();
        let mut expected = [0usize; 256];
        for &pixel in &pixels {
            expected[usize::from(pixel)] += 1;
        }
        assert_eq!(histogram(&pixels), expected);
    }

    #[test]
    fn a_clean_code_reads_on_the_first_pass() {
        let found = read_all(&drawn(6), &|found| !found.is_empty());
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].text.as_str(), found[0].pass), (PAYLOAD, "direct"));
    }

    #[test]
    fn a_pen_line_across_a_finder_pattern_is_read_by_restoring_the_pattern() {
        // An ink line a module and a half wide, drawn through the top-left finder pattern as a
        // pen stroke would be: no pass that reads the page as it is finds that pattern.
        let pixels = 6;
        let mut page = drawn(pixels);
        let centre = (
            (QUIET_ZONE as f32 + 3.5) * pixels as f32,
            (QUIET_ZONE as f32 + 3.5) * pixels as f32,
        );
        let (slope, half_width) = (0.7f32, 4.5f32);
        let norm = (1.0 + slope * slope).sqrt();
        for (x, y, pixel) in page.enumerate_pixels_mut() {
            let (dx, dy) = (x as f32 - centre.0, y as f32 - centre.1);
            if dx.abs() < 8.0 * pixels as f32 && (dy - slope * dx).abs() / norm < half_width {
                *pixel = image::Luma([0]);
            }
        }
        let found = read_all(&page, &|found| !found.is_empty());
        assert_eq!(found.len(), 1, "the code is read");
        assert_eq!((found[0].text.as_str(), found[0].pass), (PAYLOAD, "finder-repair"));
    }
}
