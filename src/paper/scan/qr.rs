//! Finding and reading every QR code on a page image.
//!
//! Uses rxing's port of the ZXing-C++ QR detector, which read 138 of 140 degraded test images
//! where `rqrr` read 45 (`docs/DEPENDENCIES.md`). Scans vary (300 dpi flatbed, phone photo,
//! speckled fax), so decoding runs a sequence of passes from cheap to expensive and stops as
//! soon as the caller says it has everything it expects.

use std::borrow::Cow;

use image::GrayImage;
use rxing::common::{BitMatrix, DetectorRXingResult, GlobalHistogramBinarizer, HybridBinarizer};
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, GenerateFinderPatternSets, SampleQR};
use rxing::{Binarizer as _, Luma8LuminanceSource};

use super::budget::{Budget, Exhausted};
use super::guard::contain;

/// One QR code read from an image.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundQr {
    /// The decoded text.
    pub text: String,
    /// Name of the pass that first read it (for scan-health reporting).
    pub pass: &'static str,
}

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
fn decode_matrix(matrix: &BitMatrix, budget: &Budget) -> (Vec<String>, Option<Exhausted>) {
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
            texts.push(decoded.text());
        }
    }
    (texts, None)
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
    let mut runs: Vec<(bool, u32)> = Vec::new();
    for x in 0..matrix.width() {
        let dark = matrix.get(x, y);
        match runs.last_mut() {
            Some((colour, length)) if *colour == dark => *length += 1,
            _ => runs.push((dark, 1)),
        }
    }
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

fn read_pass(image: &GrayImage, binarizer: Binarizer, budget: &Budget) -> (Vec<String>, Option<Exhausted>) {
    let (width, height) = image.dimensions();
    if width < MIN_SIDE || height < MIN_SIDE {
        return (Vec::new(), None);
    }
    let decoded = contain(|| {
        let source = Luma8LuminanceSource::new(image.as_raw().clone(), width, height).ok()?;
        let matrix = match binarizer {
            Binarizer::Hybrid => HybridBinarizer::new(source).get_black_matrix().ok()?.clone(),
            Binarizer::Global => GlobalHistogramBinarizer::new(source).get_black_matrix().ok()?.clone(),
        };
        Some(decode_matrix(&matrix, budget))
    });
    decoded.flatten().unwrap_or_default()
}

/// Shrinks by an integer factor with a box filter (averaging also cancels fine noise).
pub fn box_downscale(image: &GrayImage, factor: u32) -> GrayImage {
    if factor <= 1 || image.width() == 0 || image.height() == 0 {
        return image.clone();
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

/// 3x3 median filter: removes salt-and-pepper noise that defeats block binarisers.
pub fn median3(image: &GrayImage) -> GrayImage {
    let (width, height) = image.dimensions();
    GrayImage::from_fn(width, height, |x, y| {
        let mut window = [0u8; 9];
        let mut count = 0;
        for dy in -1i64..=1 {
            for dx in -1i64..=1 {
                let sx = (i64::from(x) + dx).clamp(0, i64::from(width) - 1) as u32;
                let sy = (i64::from(y) + dy).clamp(0, i64::from(height) - 1) as u32;
                window[count] = image.get_pixel(sx, sy)[0];
                count += 1;
            }
        }
        window.sort_unstable();
        image::Luma([window[4]])
    })
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
    let mut histogram = [0usize; 256];
    for pixel in image.iter() {
        histogram[usize::from(*pixel)] += 1;
    }
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
    GrayImage::from_fn(width * x_factor, height * y_factor, |x, y| {
        *image.get_pixel(x / x_factor, y / y_factor)
    })
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
    // Summed-area table, one row and column of zeros in front.
    let mut sums = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(image.as_raw()[y * w + x]);
            sums[(y + 1) * (w + 1) + x + 1] = sums[y * (w + 1) + x + 1] + row;
        }
    }
    let raw = image.as_raw();
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let (top, bottom) = (y.saturating_sub(radius), (y + radius + 1).min(h));
        for x in 0..w {
            let (left, right) = (x.saturating_sub(radius), (x + radius + 1).min(w));
            let area = ((bottom - top) * (right - left)) as u64;
            let total = sums[bottom * (w + 1) + right] + sums[top * (w + 1) + left]
                - sums[top * (w + 1) + right]
                - sums[bottom * (w + 1) + left];
            // Darker than 94% of the local mean is ink: a margin that keeps paper grain white.
            let ink = u64::from(raw[y * w + x]) * 100 * area < total * 94;
            out.push(if ink { 0 } else { 255 });
        }
    }
    GrayImage::from_raw(width, height, out).expect("the buffer has width x height pixels")
}

/// The texts of the QR codes the cheapest pass ("direct") reads from `image`, taken as is.
/// Scan-health estimation uses it on degraded copies of a working copy.
pub fn read_direct(image: &GrayImage) -> Vec<String> {
    read_pass(image, Binarizer::Hybrid, &Budget::new()).0
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
    let image = &page.gray;
    let (working, working_factor) = working_copy(image);
    let brightest = page.brightest.as_ref().map(|brightest| working_copy(brightest).0);
    let mut found: Vec<FoundQr> = Vec::new();
    let add = |texts: Vec<String>, pass: &'static str, found: &mut Vec<FoundQr>| {
        for text in texts {
            if !found.iter().any(|known| known.text == text) {
                found.push(FoundQr { text, pass });
            }
        }
    };
    let stretchable = u64::from(working.width()) * u64::from(working.height()) * 2 <= MAX_STRETCHED_PIXELS;
    type Pass<'a> = (&'static str, Box<dyn Fn() -> (Vec<String>, Option<Exhausted>) + 'a>);
    let none = || (Vec::new(), None);
    let passes: Vec<Pass> = vec![
        ("direct", Box::new(|| read_pass(&working, Binarizer::Hybrid, budget))),
        (
            "half-scale",
            Box::new(|| read_pass(&box_downscale(&working, 2), Binarizer::Hybrid, budget)),
        ),
        (
            "median-filter",
            Box::new(|| read_pass(&median3(&working), Binarizer::Hybrid, budget)),
        ),
        (
            "contrast-stretch",
            Box::new(|| read_pass(&stretch_contrast(&working), Binarizer::Global, budget)),
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
            Box::new(|| read_pass(&adaptive_threshold(&working), Binarizer::Global, budget)),
        ),
        (
            "median-half-scale",
            Box::new(|| read_pass(&box_downscale(&median3(&working), 2), Binarizer::Hybrid, budget)),
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
                let (mut texts, exhausted) = read_pass(&stretch(&working, 1, 2), Binarizer::Hybrid, budget);
                if exhausted.is_some() {
                    return (texts, exhausted);
                }
                let (wide, exhausted) = read_pass(&stretch(&working, 2, 1), Binarizer::Hybrid, budget);
                texts.extend(wide);
                (texts, exhausted)
            }),
        ),
    ];
    for (name, pass) in passes {
        let (texts, exhausted) = pass();
        add(texts, name, &mut found);
        if !found.is_empty() && complete(&found) {
            break;
        }
        if exhausted.is_some() {
            return (found, exhausted);
        }
    }
    (found, None)
}
