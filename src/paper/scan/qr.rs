//! Finding and reading every QR code on a page image.
//!
//! Uses rxing's port of the ZXing-C++ QR detector, which read 138 of 140 degraded test images
//! where `rqrr` read 45 (`docs/DEPENDENCIES.md`). Scans vary (300 dpi flatbed, phone photo,
//! speckled fax), so decoding runs a sequence of passes from cheap to expensive and stops as
//! soon as the caller says it has everything it expects.

use std::borrow::Cow;
use std::collections::HashSet;

use image::GrayImage;
use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::multi::MultipleBarcodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource};

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

fn hints() -> DecodeHints {
    DecodeHints {
        TryHarder: Some(true),
        PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
        ..Default::default()
    }
}

#[derive(Clone, Copy)]
enum Binarizer {
    Hybrid,
    Global,
}

fn read_pass(image: &GrayImage, binarizer: Binarizer) -> Vec<String> {
    let (width, height) = image.dimensions();
    let decoded = contain(|| {
        let source = Luma8LuminanceSource::new(image.as_raw().clone(), width, height).ok()?;
        let mut reader = QrReader;
        let results = match binarizer {
            Binarizer::Hybrid => {
                reader.decode_multiple_with_hints(&mut BinaryBitmap::new(HybridBinarizer::new(source)), &hints())
            }
            Binarizer::Global => reader
                .decode_multiple_with_hints(&mut BinaryBitmap::new(GlobalHistogramBinarizer::new(source)), &hints()),
        };
        results.ok()
    });
    decoded
        .flatten()
        .unwrap_or_default()
        .iter()
        .map(|result| result.getText().to_owned())
        .collect()
}

/// Shrinks by an integer factor with a box filter (averaging also cancels fine noise).
pub fn box_downscale(image: &GrayImage, factor: u32) -> GrayImage {
    if factor <= 1 {
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

/// The texts of the QR codes the cheapest pass ("direct") reads from `image`, taken as is.
/// Scan-health estimation uses it on degraded copies of a working copy.
pub fn read_direct(image: &GrayImage) -> Vec<String> {
    read_pass(image, Binarizer::Hybrid)
}

/// Reads every QR code in `image`. `complete` is asked after each pass whether the codes found
/// so far are all that is expected; decoding stops early when it says yes.
pub fn read_all(image: &GrayImage, complete: &dyn Fn(&[FoundQr]) -> bool) -> Vec<FoundQr> {
    let (working, working_factor) = working_copy(image);
    let mut found: Vec<FoundQr> = Vec::new();
    let add = |texts: Vec<String>, pass: &'static str, found: &mut Vec<FoundQr>| {
        for text in texts {
            if !found.iter().any(|known| known.text == text) {
                found.push(FoundQr { text, pass });
            }
        }
    };
    type Pass<'a> = (&'static str, Box<dyn Fn() -> Vec<String> + 'a>);
    let passes: Vec<Pass> = vec![
        ("direct", Box::new(|| read_pass(&working, Binarizer::Hybrid))),
        (
            "half-scale",
            Box::new(|| read_pass(&box_downscale(&working, 2), Binarizer::Hybrid)),
        ),
        (
            "median-filter",
            Box::new(|| read_pass(&median3(&working), Binarizer::Hybrid)),
        ),
        (
            "contrast-stretch",
            Box::new(|| read_pass(&stretch_contrast(&working), Binarizer::Global)),
        ),
        ("global-threshold", Box::new(|| read_pass(&working, Binarizer::Global))),
        (
            "median-half-scale",
            Box::new(|| read_pass(&box_downscale(&median3(&working), 2), Binarizer::Hybrid)),
        ),
        (
            "full-resolution",
            Box::new(|| {
                if working_factor > 1 {
                    read_pass(image, Binarizer::Hybrid)
                } else {
                    Vec::new()
                }
            }),
        ),
    ];
    for (name, pass) in passes {
        add(pass(), name, &mut found);
        if !found.is_empty() && complete(&found) {
            break;
        }
    }
    found
}
