//! Scan health: how much worse a scan that reads today could get and still read.
//!
//! A sheet is checked at drills, years apart. A sheet whose codes read only just today (faded
//! toner, a grey photocopy, a blurry phone photo) may not read at the next drill, when it is
//! too late to reprint it from the other custodians' sheets. So for every page whose codes
//! were read, cheap degraded copies of it are read again with the cheapest decoding pass:
//!
//! - **fading**: the page's contrast is cut to [`FADE_TEST`] of what it is (ink that fades
//!   further, a paler copy); or, when the direct pass says where each code lies, each code's
//!   own part of the page to [`FADE_TEST_ALONE`]. If the codes no longer read, the print is
//!   fading: reprint it.
//! - **sharpness**: the page is box-downscaled by [`SHARPNESS_TEST`] (half the resolution, or
//!   twice the blur). If the codes no longer read, the scan is barely sharp enough: rescan it
//!   at 300 dpi, flat and in focus. Skipped for PDFs, whose resolution breakglass chooses.
//!
//! A code that needed a recovery pass (median filter, contrast stretch...) is already a weak
//! read, whatever the degraded copies say. Thresholds were measured with
//! `cargo bench --bench health` (docs/PERFORMANCE.md, "Scan health"); typed text has no scan
//! health. The library only measures; the command line decides how to say it.

use std::borrow::Cow;

use image::GrayImage;

use super::qr::{self, Region};

/// Share of the page's contrast kept by the fading test: a page must still read with its ink
/// this much paler. Measured (`cargo bench --bench health`, 150 and 300 dpi): fresh pages
/// survive fading to 8-25% and pages with half their ink left to 18-50%, so both pass at
/// 25% when sharp; pages with 30% or less of their ink still read but fail it, and are flagged
/// while a reprint is still possible.
pub const FADE_TEST: f32 = 0.25;
/// [`FADE_TEST`] for a code tested alone on its own part of the page ([`estimate`]): a code
/// alone survives a little more fading than the whole page it is on (fewer look-alike patterns
/// compete for the detector), so it must survive fading this much further to count as having
/// the margin the whole page's test asks. Measured side by side with `cargo bench --bench health`.
pub const FADE_TEST_ALONE: f32 = 0.2;
/// Noise of the simulated re-scan in the fading test, in grey levels either way: about what a
/// flatbed scanner or phone camera adds to a flat grey.
pub const SCANNER_NOISE: i32 = 6;
/// Downscale factor of the sharpness test: a page must still read at half its resolution.
pub const SHARPNESS_TEST: u32 = 2;
/// Name of the decoding "pass" recorded when a PDF read completely only at the retry
/// resolution ([`super::PDF_RETRY_DPI`]).
pub const PDF_RETRY_PASS: &str = "pdf-300-dpi";

/// Something that makes a readable page likely to stop reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Concern {
    /// The codes stop reading when the contrast is cut to [`FADE_TEST`]: the print is fading.
    Fading,
    /// The codes stop reading at half the resolution: the scan is barely sharp enough.
    Blurry,
    /// A code was read only by this recovery pass, not by the direct read.
    WeakRead(&'static str),
}

impl Concern {
    /// Stable identifier (for machine-readable reports).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Fading => "fading",
            Self::Blurry => "blurry",
            Self::WeakRead(_) => "weak-read",
        }
    }
}

/// The scan health of one input (all its pages that held codes).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ScanHealth {
    /// What could make it stop reading; empty when the margin is good.
    pub concerns: Vec<Concern>,
}

impl ScanHealth {
    /// True when no concern was found.
    pub fn good(&self) -> bool {
        self.concerns.is_empty()
    }

    fn add(&mut self, concern: Concern) {
        if !self.concerns.contains(&concern) {
            self.concerns.push(concern);
        }
    }

    /// "good" when no concern was found, else "low" (a stable identifier for reports).
    pub fn level(&self) -> &'static str {
        if self.good() { "good" } else { "low" }
    }

    /// What to tell the custodian, most serious concern first (fading outranks a poor scan:
    /// a rescan cannot fix faded ink), or `None` when the margin is good.
    pub fn advice(&self) -> Option<&'static str> {
        let weak = |passes: &[&str]| {
            self.concerns
                .iter()
                .any(|concern| matches!(concern, Concern::WeakRead(pass) if passes.contains(pass)))
        };
        // A restored corner square comes first: the degraded copies are read by the direct pass,
        // which cannot read such a code, so they would call it fading or blurry whatever its ink.
        if weak(&["finder-repair"]) {
            Some("decodes only with a code's corner square restored (a mark or hole across it): reprint it")
        } else if weak(&["non-square-pixels"]) {
            // Likewise for a page whose pixels had to be stretched square: the degraded copies
            // are not stretched, so they would call a sound sheet fading.
            Some(
                "decodes only with the scan's pixels stretched square (a fax, or a file that lost its resolution): rescan it at 300 dpi on a flatbed",
            )
        } else if self.concerns.contains(&Concern::Fading) || weak(&["contrast-stretch", "global-threshold"]) {
            Some("decodes but is fading: reprint it")
        } else if self.concerns.contains(&Concern::Blurry) || weak(&["half-scale", "full-resolution", PDF_RETRY_PASS]) {
            Some("decodes, but the scan is barely sharp enough: rescan it at 300 dpi, flat and in focus")
        } else if weak(&["median-filter", "median-half-scale"]) {
            Some("decodes only after filtering out specks: rescan it clean, and reprint it if the paper is soiled")
        } else if self.good() {
            None
        } else {
            Some("decodes only just: rescan it at 300 dpi, and reprint it if that does not help")
        }
    }

    /// Merges another page's health into this one.
    pub fn merge(&mut self, other: ScanHealth) {
        for concern in other.concerns {
            self.add(concern);
        }
    }
}

/// Cuts the contrast of `page` to `keep` (0 to 1) towards white, as ink fades on paper.
pub fn fade(page: &GrayImage, keep: f32) -> GrayImage {
    rescan(page, keep, 0)
}

/// Adds noise of plus or minus [`SCANNER_NOISE`] grey levels (near-uniform, from a fixed-seed
/// xorshift64* PRNG, eight pixels per draw), so the same page always gives the same verdict.
pub fn add_scanner_noise(page: &GrayImage) -> GrayImage {
    rescan(page, 1.0, SCANNER_NOISE)
}

/// [`fade`] then noise of plus or minus `noise` grey levels, in one pass over the pixels.
fn rescan(page: &GrayImage, keep: f32, noise: i32) -> GrayImage {
    let keep = keep.clamp(0.0, 1.0);
    let span = (2 * noise + 1) as u32;
    // One table for both steps, indexed by grey value and random byte: a page has millions of
    // pixels but 256 x 256 combinations.
    let mut table = vec![0u8; 256 * 256];
    for value in 0..=255u8 {
        let faded = (255.0 - (255.0 - f32::from(value)) * keep).round().clamp(0.0, 255.0) as i32;
        for byte in 0..=255u8 {
            let delta = ((u32::from(byte) * span) >> 8) as i32 - noise;
            table[usize::from(value) << 8 | usize::from(byte)] = (faded + delta).clamp(0, 255) as u8;
        }
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(page.as_raw().len());
    for pixels in page.as_raw().chunks(8) {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let draw = state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
        out.extend(
            pixels
                .iter()
                .zip(draw)
                .map(|(&pixel, byte)| table[usize::from(pixel) << 8 | usize::from(byte)]),
        );
    }
    GrayImage::from_raw(page.width(), page.height(), out).expect("same size as the page")
}

/// True if the direct read of `image` finds every text in `expected`.
pub fn reads_all(image: GrayImage, expected: &[String]) -> bool {
    let found = qr::read_direct(image);
    expected.iter().all(|text| found.contains(text))
}

/// True if `working` still reads after fading to `keep` of its contrast and being scanned
/// again: fade, add scanner noise, stretch the contrast back (as `verify`'s contrast pass
/// does), read directly. What decides is the ink's contrast against the noise, not the
/// binariser's handling of grey pages (which the contrast pass already covers).
pub fn survives_fading(working: &GrayImage, keep: f32, expected: &[String]) -> bool {
    let mut rescanned = rescan(working, keep, SCANNER_NOISE);
    qr::stretch_contrast_in_place(&mut rescanned);
    reads_all(rescanned, expected)
}

/// True if `working` still reads at 1/`factor` of its resolution (contrast stretched first,
/// so a grey page is not mistaken for a blurry one).
pub fn survives_downscaling(working: &GrayImage, factor: u32, expected: &[String]) -> bool {
    let mut smaller = qr::box_downscale(working, factor);
    qr::stretch_contrast_in_place(&mut smaller);
    reads_all(smaller, expected)
}

/// Light margin kept around a code when it is tested alone, in modules beyond its finder
/// patterns' centres (3.5 modules to the code's edge, then its 4-module quiet zone).
const CROP_MODULES: f32 = 8.0;
/// And in pixels, for the binariser's neighbourhood (8-pixel blocks, two blocks either side).
const CROP_PIXELS: f32 = 24.0;

/// The part of `working` around one code read there: the code, its quiet zone and the
/// binariser's reach, so the code reads on its own as it did on the page. The top-left corner
/// is at even coordinates, so halving it gives the very pixels halving the page would.
fn around(working: &GrayImage, region: Region) -> GrayImage {
    let margin = region.module * CROP_MODULES + CROP_PIXELS;
    let (width, height) = working.dimensions();
    let clamp = |value: f32, limit: u32| (value.max(0.0) as u32).min(limit);
    let left = clamp(region.left - margin, width) & !1;
    let top = clamp(region.top - margin, height) & !1;
    let right = clamp((region.right + margin).ceil(), width);
    let bottom = clamp((region.bottom + margin).ceil(), height);
    image::imageops::crop_imm(
        working,
        left,
        top,
        right.saturating_sub(left),
        bottom.saturating_sub(top),
    )
    .to_image()
}

/// A (degraded) copy of a page and the texts it must still read.
type Readable<'a> = (Cow<'a, GrayImage>, Vec<String>);

/// Estimates the health of one page, given the QR codes already read from it (text and the
/// pass that read each). `check_sharpness` is false for rendered PDFs.
///
/// When the direct pass read every code (it says where), the fading test reads each code alone,
/// on its own part of the page: a code is a tenth of a sheet, and the faded copy of the whole
/// page was the larger part of the health check, itself a third of a `verify`. Otherwise the
/// whole page is faded. The sharpness test reads the whole half-size page.
pub fn estimate(page: &GrayImage, codes: &[qr::FoundQr], check_sharpness: bool) -> ScanHealth {
    let mut health = ScanHealth::default();
    if codes.is_empty() {
        return health;
    }
    for code in codes.iter().filter(|code| code.pass != "direct") {
        health.add(Concern::WeakRead(code.pass));
    }
    let (working, _) = qr::working_copy(page);
    let located: Option<Vec<(Region, String)>> = codes
        .iter()
        .map(|code| code.region.map(|region| (region, code.text.clone())))
        .collect();
    let expected: Vec<String> = codes.iter().map(|code| code.text.clone()).collect();
    let (fading_tests, keep): (Vec<Readable<'_>>, f32) = match located {
        Some(located) => (
            located
                .into_iter()
                .map(|(region, text)| (Cow::Owned(around(&working, region)), vec![text]))
                .collect(),
            FADE_TEST_ALONE,
        ),
        None => (vec![(Cow::Borrowed(working.as_ref()), expected.clone())], FADE_TEST),
    };
    // The two tests are independent decodes: side by side they cost a scan's wait one, not two.
    let (fades, blurs) = std::thread::scope(|scope| {
        let sharpness =
            check_sharpness.then(|| scope.spawn(|| !survives_downscaling(&working, SHARPNESS_TEST, &expected)));
        let fades = fading_tests
            .iter()
            .any(|(image, expected)| !survives_fading(image, keep, expected));
        let blurs = sharpness.is_some_and(|test| test.join().unwrap_or(true));
        (fades, blurs)
    });
    if fades {
        health.add(Concern::Fading);
    }
    if blurs {
        health.add(Concern::Blurry);
    }
    health
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    #[test]
    fn the_table_driven_rescan_matches_the_formula_pixel_for_pixel() {
        // The scan-health thresholds were measured with this exact degradation: the fast
        // version must give the same bytes as the plain formula.
        let page = GrayImage::from_fn(61, 37, |x, y| Luma([((x * 7 + y * 13) % 256) as u8]));
        for (keep, noise) in [(0.25, SCANNER_NOISE), (1.0, SCANNER_NOISE), (0.5, 0)] {
            let span = (2 * noise + 1) as u32;
            let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
            let mut expected = Vec::new();
            for pixels in page.as_raw().chunks(8) {
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                let draw = state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
                for (&pixel, byte) in pixels.iter().zip(draw) {
                    let faded = (255.0 - (255.0 - f32::from(pixel)) * keep).round() as i32;
                    let delta = ((u32::from(byte) * span) >> 8) as i32 - noise;
                    expected.push((faded + delta).clamp(0, 255) as u8);
                }
            }
            assert_eq!(
                rescan(&page, keep, noise).into_raw(),
                expected,
                "keep {keep}, noise {noise}"
            );
        }
    }

    #[test]
    fn fading_moves_ink_towards_white_and_keeps_white() {
        let page = GrayImage::from_fn(3, 1, |x, _| Luma([[0u8, 128, 255][x as usize]]));
        let faded = fade(&page, 0.25);
        assert_eq!(faded.get_pixel(0, 0)[0], 191);
        assert_eq!(faded.get_pixel(1, 0)[0], 223);
        assert_eq!(faded.get_pixel(2, 0)[0], 255);
    }

    #[test]
    fn a_page_without_codes_has_no_concern_and_weak_passes_are_concerns() {
        let blank = GrayImage::from_pixel(50, 50, Luma([255]));
        assert!(estimate(&blank, &[], true).good());
        let weak = qr::FoundQr {
            text: "BG1-not-on-this-page".into(),
            pass: "median-filter",
            region: None,
        };
        let health = estimate(&blank, &[weak], false);
        assert_eq!(
            health.concerns,
            vec![Concern::WeakRead("median-filter"), Concern::Fading]
        );
        assert_eq!(health.level(), "low");
        assert_eq!(health.advice(), Some("decodes but is fading: reprint it"));
    }

    #[test]
    fn a_code_the_direct_pass_read_is_tested_on_its_own_part_of_the_page() {
        let page = qr::code_on_page(4, 301, 177);
        let found = qr::read_all(&page, &|found| !found.is_empty());
        let region = found[0].region.expect("read directly");
        let part = around(&page, region);
        assert!(
            part.width() * part.height() * 2 < page.width() * page.height(),
            "{:?}",
            part.dimensions()
        );
        assert!(reads_all(part, &[qr::PAYLOAD.to_owned()]), "the code reads on its own");
        // Aged copies the direct pass still reads: the code alone and the whole page agree.
        for keep in [1.0f32, 0.6, 0.5, 0.4] {
            let aged = add_scanner_noise(&fade(&page, keep));
            let found = qr::read_all(&aged, &|found| !found.is_empty());
            assert!(found[0].region.is_some(), "{keep}");
            let whole: Vec<qr::FoundQr> = found.iter().map(qr::FoundQr::unplaced).collect();
            assert_eq!(estimate(&aged, &found, true), estimate(&aged, &whole, true), "{keep}");
        }
    }

    #[test]
    fn advice_names_the_most_serious_concern() {
        let advice = |concerns: Vec<Concern>| ScanHealth { concerns }.advice();
        assert_eq!(advice(vec![]), None);
        // A fax read only by stretching its pixels is a weak scan of a sound sheet: not "fading".
        assert!(
            advice(vec![Concern::WeakRead("non-square-pixels"), Concern::Fading])
                .unwrap()
                .contains("stretched square")
        );
        assert_eq!(
            advice(vec![Concern::Blurry, Concern::Fading]),
            Some("decodes but is fading: reprint it")
        );
        assert!(advice(vec![Concern::Blurry]).unwrap().contains("rescan it at 300 dpi"));
        assert!(
            advice(vec![Concern::WeakRead("median-filter")])
                .unwrap()
                .contains("specks")
        );
        assert!(
            advice(vec![Concern::WeakRead(PDF_RETRY_PASS)])
                .unwrap()
                .contains("barely sharp")
        );
        // The degraded copies of a code read only by restoring its corner square never read,
        // so they add fading: the advice still names the mark across the code.
        assert!(
            advice(vec![Concern::WeakRead("finder-repair"), Concern::Fading])
                .unwrap()
                .contains("corner square restored")
        );
    }
}
