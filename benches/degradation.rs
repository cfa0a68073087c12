//! Scan robustness under controlled damage, release build: `cargo bench --bench degradation`.
//!
//! The printed QR codes are the main way back to the secret, and their error-correction level
//! (Q) and module size (0.6 mm) were chosen for robustness. This bench measures that choice
//! rather than assuming it. It seals two demo ceremonies in memory (a generated passphrase, and a
//! provided file large enough that the vault spans two codes), rasterises sheet 1 of each
//! in-process, applies reproducible damage (rotation, blur, JPEG, salt-and-pepper noise, uneven
//! light, occlusion, perspective), and counts the codes read back by breakglass's own decoder and
//! by `zbarimg` when it is installed. To show what Q buys over M at the same module size, it also
//! draws the same payloads at level M and at level Q on synthetic pages (same positions, 0.6 mm
//! modules, white quiet zone of at least 4 modules) and damages those the same way. A second
//! table adds harsher conditions, since the fixed list leaves M and Q both near 100%.
//!
//! A last table covers what office scanners and phones write rather than damage to the paper:
//! TIFF (LZW, JPEG, a CCITT G4 fax at 200 x 100 dpi), WebP, BMP, a transparent PNG, yellowed
//! faded paper and a pen line across a finder pattern of every code; since session 7 also the TIFF
//! layouts the `tiff` crate refuses (CCITT Group 3, FillOrder 2, palette, LZW tiles, grey with
//! alpha) and a dark scanner lid around a skewed page. Those files are made from
//! the 300 dpi page by ImageMagick (`/usr/bin/convert`, skipped when missing) and read from their
//! bytes, as `verify` reads a file. `cargo bench --bench degradation -- office` runs only that
//! table.
//!
//! Nothing is downloaded: every input is generated. The ceremony's keys and passphrase are random
//! on each run, but payload sizes, layout and every degradation (noise from a PRNG seeded per
//! condition) are fixed. Clear-cut conditions repeat exactly; borderline ones (a code at the edge
//! of its error-correction capacity) can move by a code or two between runs, because the module
//! pattern differs.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use breakglass::ceremony::seal::{self, ProvidedSecret, PublicFacts, SecretInput};
use breakglass::ceremony::verify;
use breakglass::crypto::secret::SecretBytes;
use breakglass::kinds::SecretKind;
use breakglass::kinds::passphrase::generate::Policy;
use breakglass::paper::render::Paper;
use breakglass::paper::render::qr::{EcLevel, QUIET_ZONE, QrMatrix, encode_with_level};
use breakglass::paper::scan::{pdf, qr};
use image::codecs::jpeg::JpegEncoder;
use image::{GrayImage, ImageFormat, Luma, imageops};
use rxing::common::HybridBinarizer;
use rxing::multi::MultipleBarcodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource};

/// Resolutions at which only the clean page is read.
const CLEAN_ONLY_DPI: [u32; 3] = [100, 200, 600];
/// Resolutions at which every degradation is applied.
const FULL_DPI: [u32; 2] = [150, 300];
/// Resolution of the reference render used to locate the codes on the page.
const REFERENCE_DPI: u32 = 300;
/// Module size of the printed codes, used for the synthetic pages too.
const MODULE_MM: f64 = breakglass::paper::render::MODULE_MM as f64;
/// Size of the provided secret: its vault (payload header and about 200 bytes of age overhead
/// included) fills most of two codes of 400 bytes while leaving room for age's random header
/// padding; 540 bytes already needs three codes.
const FILE_SECRET_BYTES: usize = 480;
/// Share of the page area hidden by the occlusion condition.
const OCCLUDED_SHARE: f64 = 0.10;
/// Where the occluder's corner sits inside the sheet's last code, as a fraction of its side:
/// at 0.6 it hides the bottom-right 40% x 40% of that code (16% of its area, including the
/// bottom-right alignment pattern but no finder pattern).
const OCCLUDER_CORNER: f64 = 0.6;
/// Grey level of the occluder (a sticker or a stain rather than clean paper).
const OCCLUDER_GREY: u8 = 190;
/// How far the top edge shrinks in the perspective condition, as a fraction of the width.
const PERSPECTIVE_SHRINK: f64 = 0.06;
/// Brightness at the right edge in the uneven-lighting condition (1.0 at the left edge).
const DARKEST_GAIN: f64 = 0.45;

/// One kind of damage applied to a whole page image.
#[derive(Clone, Copy, Debug)]
enum Degradation {
    Clean,
    Rotate(f64),
    Rotate90,
    Rotate180,
    Rotate270,
    Blur(f32),
    Jpeg(u8),
    SaltPepper(u8),
    Lighting,
    /// [`OCCLUDED_SHARE`] of the page hidden; the field is the occluder's corner inside the last
    /// code, as a fraction of its side (see [`OCCLUDER_CORNER`]).
    Occlusion(f64),
    Perspective,
    /// A hand-held phone photo: uneven light, rotated 7 degrees, blur sigma 1 px, JPEG quality 50.
    Photo,
}

const DEGRADATIONS: [Degradation; 16] = [
    Degradation::Rotate(3.0),
    Degradation::Rotate(7.0),
    Degradation::Rotate(15.0),
    Degradation::Rotate90,
    Degradation::Rotate180,
    Degradation::Rotate270,
    Degradation::Blur(1.0),
    Degradation::Blur(2.0),
    Degradation::Jpeg(30),
    Degradation::Jpeg(50),
    Degradation::Jpeg(90),
    Degradation::SaltPepper(5),
    Degradation::SaltPepper(15),
    Degradation::Lighting,
    Degradation::Occlusion(OCCLUDER_CORNER),
    Degradation::Perspective,
];

/// Harsher conditions beyond the fixed list, read at [`STRESS_DPI`] only: the fixed list leaves
/// M and Q both at 100% almost everywhere, so these look for where error correction decides.
const STRESS: [Degradation; 8] = [
    Degradation::Blur(1.5),
    Degradation::SaltPepper(25),
    Degradation::SaltPepper(35),
    Degradation::Occlusion(0.7),
    Degradation::Occlusion(0.55),
    Degradation::Occlusion(0.5),
    Degradation::Jpeg(15),
    Degradation::Photo,
];
/// Resolution of the stress conditions: the low end of what `verify` is meant to read.
const STRESS_DPI: u32 = 150;

impl Degradation {
    fn name(self) -> String {
        match self {
            Self::Clean => "clean".into(),
            Self::Rotate(degrees) => format!("rotate {degrees} deg (bilinear)"),
            Self::Rotate90 => "rotate 90 deg".into(),
            Self::Rotate180 => "rotate 180 deg".into(),
            Self::Rotate270 => "rotate 270 deg".into(),
            Self::Blur(sigma) => format!("gaussian blur sigma {sigma:.1} px"),
            Self::Jpeg(quality) => format!("JPEG quality {quality}"),
            Self::SaltPepper(percent) => format!("salt-and-pepper {percent}%"),
            Self::Lighting => format!("light gradient 1.0 -> {DARKEST_GAIN}"),
            Self::Occlusion(corner) => format!(
                "{:.0}% of page occluded, {:.0}% of the last code (at Q)",
                OCCLUDED_SHARE * 100.0,
                (1.0 - corner).powi(2) * 100.0
            ),
            Self::Perspective => format!("perspective, top edge -{:.0}%", PERSPECTIVE_SHRINK * 100.0),
            Self::Photo => "photo: light, rotate 7, blur 1.0, JPEG 50".into(),
        }
    }

    fn apply(self, page: &GrayImage, target: CodeBox, dpi: u32, seed: u64) -> GrayImage {
        match self {
            Self::Clean => page.clone(),
            Self::Rotate(degrees) => rotate_bilinear(page, degrees),
            Self::Rotate90 => imageops::rotate90(page),
            Self::Rotate180 => imageops::rotate180(page),
            Self::Rotate270 => imageops::rotate270(page),
            Self::Blur(sigma) => imageops::blur(page, sigma),
            Self::Jpeg(quality) => jpeg_round_trip(page, quality),
            Self::SaltPepper(percent) => salt_and_pepper(page, f64::from(percent) / 100.0, seed),
            Self::Lighting => light_gradient(page, DARKEST_GAIN),
            Self::Occlusion(corner) => occlude(page, occluder(target, corner).to_px(dpi)),
            Self::Perspective => perspective(page, PERSPECTIVE_SHRINK),
            Self::Photo => {
                let lit = light_gradient(page, DARKEST_GAIN);
                jpeg_round_trip(&imageops::blur(&rotate_bilinear(&lit, 7.0), 1.0), 50)
            }
        }
    }
}

/// Where a printed code sits: centre in mm from the page's top-left corner, side in mm.
#[derive(Clone, Copy, Debug)]
struct CodeBox {
    centre: (f64, f64),
    side: f64,
}

/// A rectangle on the page, in millimetres from the top-left corner.
#[derive(Clone, Copy, Debug)]
struct MmRect {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

/// A rectangle in pixels, right and bottom exclusive.
#[derive(Clone, Copy, Debug)]
struct PxRect {
    left: u32,
    top: u32,
    right: u32,
    bottom: u32,
}

impl MmRect {
    fn to_px(self, dpi: u32) -> PxRect {
        let scale = f64::from(dpi) / 25.4;
        PxRect {
            left: (self.left * scale).round() as u32,
            top: (self.top * scale).round() as u32,
            right: (self.right * scale).round() as u32,
            bottom: (self.bottom * scale).round() as u32,
        }
    }
}

/// Sheet 1 of a demo ceremony, with what the bench needs to know about it.
struct Sheet {
    name: String,
    pdf: Vec<u8>,
    /// The QR payloads printed on the sheet, in layout order.
    payloads: Vec<String>,
    /// Centre of each printed code, in mm from the page's top-left corner.
    centres: Vec<(f64, f64)>,
    /// The code the occlusion conditions damage: the last one on the sheet, at level Q.
    target: CodeBox,
    /// Size of the encrypted vault printed on the sheet.
    vault_bytes: usize,
}

/// Which image of a sheet is read.
#[derive(Clone, Copy, Debug)]
enum PageKind {
    SyntheticM,
    SyntheticQ,
    Real,
}

const PAGE_KINDS: [PageKind; 3] = [PageKind::SyntheticM, PageKind::SyntheticQ, PageKind::Real];

/// Codes read from one damaged image.
#[derive(Clone, Copy, Debug, Default)]
struct Outcome {
    breakglass: usize,
    zbar: Option<usize>,
    /// Decoded texts that are not one of the sheet's payloads (misreads).
    unexpected: usize,
}

fn hints() -> DecodeHints {
    DecodeHints {
        TryHarder: Some(true),
        PossibleFormats: Some(std::collections::HashSet::from([BarcodeFormat::QR_CODE])),
        ..Default::default()
    }
}

/// Finds the centre of each code on a clean render (the corners the detector reports, averaged).
fn locate_codes(page: &GrayImage, payloads: &[String]) -> Vec<(f64, f64)> {
    let source = Luma8LuminanceSource::new(page.as_raw().clone(), page.width(), page.height())
        .expect("a greyscale page is a valid luminance source");
    let results = QrReader
        .decode_multiple_with_hints(&mut BinaryBitmap::new(HybridBinarizer::new(source)), &hints())
        .expect("the clean reference render decodes");
    let mm_per_px = 25.4 / f64::from(REFERENCE_DPI);
    payloads
        .iter()
        .map(|payload| {
            let result = results
                .iter()
                .find(|result| result.getText() == payload)
                .expect("every code decodes on the clean reference render");
            let points = result.getPoints();
            let count = points.len().max(1) as f64;
            let x = points.iter().map(|point| f64::from(point.x)).sum::<f64>() / count;
            let y = points.iter().map(|point| f64::from(point.y)).sum::<f64>() / count;
            (x * mm_per_px, y * mm_per_px)
        })
        .collect()
}

/// The occluder: a rectangle of [`OCCLUDED_SHARE`] of the page whose top-left corner lies inside
/// `target` (at `corner` of its side), reaching right to the page edge and down over the text
/// below. The same rectangle is used on the real and both synthetic pages: a smaller M code at
/// the same centre loses a little less of its area, as it would under the same stain.
fn occluder(target: CodeBox, corner: f64) -> MmRect {
    let (page_width, page_height) = Paper::A4.size_mm();
    let (page_width, page_height) = (f64::from(page_width), f64::from(page_height));
    let offset = (corner - 0.5) * target.side;
    let (left, top) = (target.centre.0 + offset, target.centre.1 + offset);
    let height = OCCLUDED_SHARE * page_width * page_height / (page_width - left);
    MmRect {
        left,
        top,
        right: page_width,
        bottom: (top + height).min(page_height),
    }
}

fn prepare_sheet(name: String, secret: SecretInput) -> Sheet {
    let ceremony = seal::seal(common::request("degradation bench", 5, 3, secret)).expect("seal the demo ceremony");
    let vault_bytes = ceremony.manifest.ciphertext_bytes;
    let sheet = ceremony.sheets.into_iter().next().expect("a ceremony has sheets");
    let payloads: Vec<String> = sheet
        .blocks
        .iter()
        .map(|block| block.qr_payload().to_string())
        .collect();
    let reference = pdf::rasterise(&sheet.pdf, REFERENCE_DPI as f32).expect("rasterise the reference render");
    let centres = locate_codes(&reference[0], &payloads);
    let last = payloads.last().expect("a sheet has codes");
    let target = CodeBox {
        centre: *centres.last().expect("a sheet has codes"),
        side: encode_with_level(last, EcLevel::Q).expect("the payload encodes").width as f64 * MODULE_MM,
    };
    Sheet {
        name,
        pdf: sheet.pdf.to_vec(),
        payloads,
        centres,
        target,
        vault_bytes,
    }
}

/// Draws `codes` centred at the given points (mm) on a white page, anti-aliased by 4x4
/// supersampling like a rasterised vector code.
fn synthetic_page(width: u32, height: u32, dpi: u32, codes: &[(QrMatrix, (f64, f64))]) -> GrayImage {
    const SAMPLES: u32 = 4;
    let mut page = GrayImage::from_pixel(width, height, Luma([255]));
    let px_per_mm = f64::from(dpi) / 25.4;
    let module_px = MODULE_MM * px_per_mm;
    for (matrix, (centre_x, centre_y)) in codes {
        let side = matrix.width as f64 * module_px;
        let left = centre_x * px_per_mm - side / 2.0;
        let top = centre_y * px_per_mm - side / 2.0;
        let columns = (left.floor().max(0.0) as u32)..((left + side).ceil().min(f64::from(width)) as u32);
        let rows = (top.floor().max(0.0) as u32)..((top + side).ceil().min(f64::from(height)) as u32);
        let is_dark = |px: f64, py: f64| {
            let column = ((px - left) / module_px).floor();
            let row = ((py - top) / module_px).floor();
            let limit = matrix.width as f64;
            (0.0..limit).contains(&column)
                && (0.0..limit).contains(&row)
                && matrix.dark[row as usize * matrix.width + column as usize]
        };
        for y in rows {
            for x in columns.clone() {
                let mut dark = 0;
                for sy in 0..SAMPLES {
                    for sx in 0..SAMPLES {
                        let px = f64::from(x) + (f64::from(sx) + 0.5) / f64::from(SAMPLES);
                        let py = f64::from(y) + (f64::from(sy) + 0.5) / f64::from(SAMPLES);
                        dark += u32::from(is_dark(px, py));
                    }
                }
                let area = SAMPLES * SAMPLES;
                page.put_pixel(x, y, Luma([(255 - (255 * dark + area / 2) / area) as u8]));
            }
        }
    }
    page
}

/// Bilinear sample with white outside the image.
fn sample_bilinear(page: &GrayImage, x: f64, y: f64) -> u8 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |px: f64, py: f64| {
        if px < 0.0 || py < 0.0 || px >= f64::from(page.width()) || py >= f64::from(page.height()) {
            255.0
        } else {
            f64::from(page.get_pixel(px as u32, py as u32)[0])
        }
    };
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
    let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
    (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8
}

/// Rotates about the centre onto a canvas large enough for the whole page, white fill.
fn rotate_bilinear(page: &GrayImage, degrees: f64) -> GrayImage {
    let (width, height) = (f64::from(page.width()), f64::from(page.height()));
    let (sin, cos) = degrees.to_radians().sin_cos();
    let out_width = (width * cos.abs() + height * sin.abs()).ceil() as u32;
    let out_height = (width * sin.abs() + height * cos.abs()).ceil() as u32;
    let (centre_x, centre_y) = (width / 2.0, height / 2.0);
    let (out_centre_x, out_centre_y) = (f64::from(out_width) / 2.0, f64::from(out_height) / 2.0);
    GrayImage::from_fn(out_width, out_height, |x, y| {
        let dx = f64::from(x) + 0.5 - out_centre_x;
        let dy = f64::from(y) + 0.5 - out_centre_y;
        let source_x = cos * dx + sin * dy + centre_x - 0.5;
        let source_y = -sin * dx + cos * dy + centre_y - 0.5;
        Luma([sample_bilinear(page, source_x, source_y)])
    })
}

fn jpeg_round_trip(page: &GrayImage, quality: u8) -> GrayImage {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(page)
        .expect("JPEG-encode a greyscale page");
    image::load_from_memory_with_format(&bytes, ImageFormat::Jpeg)
        .expect("decode the JPEG just written")
        .to_luma8()
}

/// xorshift64*: a tiny deterministic PRNG, so noise is the same on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Sets `fraction` of the pixels to pure black or pure white, half each.
fn salt_and_pepper(page: &GrayImage, fraction: f64, seed: u64) -> GrayImage {
    let mut rng = XorShift(seed | 1);
    let threshold = (fraction * 4_294_967_296.0) as u64;
    let mut noisy = page.clone();
    for pixel in noisy.pixels_mut() {
        let draw = rng.next();
        if draw >> 32 < threshold {
            pixel[0] = if draw & (1 << 16) == 0 { 0 } else { 255 };
        }
    }
    noisy
}

/// Multiplies by a left-to-right gain from 1.0 down to `darkest` (a lamp to one side).
fn light_gradient(page: &GrayImage, darkest: f64) -> GrayImage {
    let span = f64::from(page.width().saturating_sub(1).max(1));
    GrayImage::from_fn(page.width(), page.height(), |x, y| {
        let gain = 1.0 - (1.0 - darkest) * f64::from(x) / span;
        Luma([(f64::from(page.get_pixel(x, y)[0]) * gain).round() as u8])
    })
}

fn occlude(page: &GrayImage, rect: PxRect) -> GrayImage {
    let mut covered = page.clone();
    for y in rect.top..rect.bottom.min(page.height()) {
        for x in rect.left..rect.right.min(page.width()) {
            covered.put_pixel(x, y, Luma([OCCLUDER_GREY]));
        }
    }
    covered
}

type Matrix3 = [[f64; 3]; 3];

/// The projective map of the unit square onto `quad` (corners for (0,0), (1,0), (1,1), (0,1)),
/// after Heckbert, "Fundamentals of Texture Mapping and Image Warping" (1989).
fn square_to_quad(quad: [(f64, f64); 4]) -> Matrix3 {
    let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = quad;
    let (dx3, dy3) = (x0 - x1 + x2 - x3, y0 - y1 + y2 - y3);
    if dx3.abs() < 1e-12 && dy3.abs() < 1e-12 {
        return [[x1 - x0, x2 - x1, x0], [y1 - y0, y2 - y1, y0], [0.0, 0.0, 1.0]];
    }
    let (dx1, dx2, dy1, dy2) = (x1 - x2, x3 - x2, y1 - y2, y3 - y2);
    let denominator = dx1 * dy2 - dx2 * dy1;
    let g = (dx3 * dy2 - dx2 * dy3) / denominator;
    let h = (dx1 * dy3 - dx3 * dy1) / denominator;
    [
        [x1 - x0 + g * x1, x3 - x0 + h * x3, x0],
        [y1 - y0 + g * y1, y3 - y0 + h * y3, y0],
        [g, h, 1.0],
    ]
}

fn invert(m: &Matrix3) -> Matrix3 {
    let cofactor = |r0: usize, r1: usize, c0: usize, c1: usize| m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
    let adjugate = [
        [cofactor(1, 2, 1, 2), -cofactor(0, 2, 1, 2), cofactor(0, 1, 1, 2)],
        [-cofactor(1, 2, 0, 2), cofactor(0, 2, 0, 2), -cofactor(0, 1, 0, 2)],
        [cofactor(1, 2, 0, 1), -cofactor(0, 2, 0, 1), cofactor(0, 1, 0, 1)],
    ];
    let determinant = m[0][0] * adjugate[0][0] + m[0][1] * adjugate[1][0] + m[0][2] * adjugate[2][0];
    adjugate.map(|row| row.map(|value| value / determinant))
}

fn project(m: &Matrix3, x: f64, y: f64) -> (f64, f64) {
    let w = m[2][0] * x + m[2][1] * y + m[2][2];
    (
        (m[0][0] * x + m[0][1] * y + m[0][2]) / w,
        (m[1][0] * x + m[1][1] * y + m[1][2]) / w,
    )
}

/// A mild keystone: the top edge shrinks by `shrink` of the width (a page photographed from
/// slightly below its centre), the bottom edge stays put, white fill.
fn perspective(page: &GrayImage, shrink: f64) -> GrayImage {
    let (width, height) = (f64::from(page.width()), f64::from(page.height()));
    let inset = width * shrink / 2.0;
    let to_square = invert(&square_to_quad([
        (inset, 0.0),
        (width - inset, 0.0),
        (width, height),
        (0.0, height),
    ]));
    GrayImage::from_fn(page.width(), page.height(), |x, y| {
        let (u, v) = project(&to_square, f64::from(x) + 0.5, f64::from(y) + 0.5);
        Luma([sample_bilinear(page, u * width - 0.5, v * height - 0.5)])
    })
}

fn zbar_available() -> bool {
    Command::new("zbarimg")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Codes `zbarimg` reads from `png`: distinct output lines that are one of `payloads`, and the
/// other `BG1-` lines (misreads).
fn zbar_count(png: &Path, payloads: &[String]) -> (usize, usize) {
    let output = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(png)
        .output()
        .expect("run zbarimg");
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines: Vec<&str> = text.lines().filter(|line| line.starts_with("BG1-")).collect();
    lines.sort_unstable();
    lines.dedup();
    let known = lines.iter().filter(|line| payloads.iter().any(|p| p == *line)).count();
    (known, lines.len() - known)
}

fn breakglass_count(image: &GrayImage, payloads: &[String]) -> (usize, usize) {
    let found = qr::read_all(image, &verify::page_complete);
    let known = found.iter().filter(|code| payloads.contains(&code.text)).count();
    (known, found.len() - known)
}

struct Job {
    row: usize,
    sheet: usize,
    kind: PageKind,
}

fn main() {
    let started = Instant::now();
    let zbar = zbar_available();
    let scratch = tempfile::tempdir().expect("create a scratch directory");
    let office_only = std::env::args().any(|arg| arg == "office");

    let file_secret: Vec<u8> = (0..FILE_SECRET_BYTES).map(|i| (i * 151 + 7) as u8).collect();
    let sheets = [
        prepare_sheet(
            "generated passphrase (128 bits)".into(),
            SecretInput::GeneratePassphrase(Policy::default()),
        ),
        prepare_sheet(
            format!("provided file of {FILE_SECRET_BYTES} bytes"),
            SecretInput::Provided(Box::new(ProvidedSecret {
                kind: SecretKind::File,
                secret: SecretBytes::from_slice(&file_secret),
                file_name: None,
                metadata: Vec::new(),
                public: PublicFacts::default(),
            })),
        ),
    ];
    assert_eq!(
        sheets[1].payloads.len(),
        3,
        "the provided-file sheet should hold a share and a vault of two codes"
    );
    if office_only {
        office_classes(&sheets, zbar, scratch.path());
        return;
    }

    println!("# QR codes per sheet (module 0.6 mm, side includes the 4-module quiet zones)\n");
    println!("| sheet | code | payload chars | M: version, modules, side | Q: version, modules, side | Q/M area |");
    println!("|---|---|---:|---|---|---:|");
    for sheet in &sheets {
        for (index, payload) in sheet.payloads.iter().enumerate() {
            let m = encode_with_level(payload, EcLevel::M).expect("encode at M");
            let q = encode_with_level(payload, EcLevel::Q).expect("encode at Q");
            let side = |matrix: &QrMatrix| (matrix.width + 2 * QUIET_ZONE) as f64 * MODULE_MM;
            let code = if index == 0 {
                "share".into()
            } else {
                format!("vault {index}")
            };
            println!(
                "| {} | {code} | {} | v{}, {}, {:.1} mm | v{}, {}, {:.1} mm | {:.2} |",
                sheet.name,
                payload.len(),
                m.version,
                m.width,
                side(&m),
                q.version,
                q.width,
                side(&q),
                (side(&q) / side(&m)).powi(2)
            );
        }
    }

    let mut all_dpi: Vec<u32> = CLEAN_ONLY_DPI.iter().chain(&FULL_DPI).copied().collect();
    all_dpi.sort_unstable();
    let mut rows: Vec<Row> = Vec::new();
    for &dpi in &all_dpi {
        rows.push(Row::fixed(dpi, Degradation::Clean));
        if FULL_DPI.contains(&dpi) {
            rows.extend(DEGRADATIONS.iter().map(|&degradation| Row::fixed(dpi, degradation)));
        }
    }
    rows.extend(STRESS.iter().map(|&degradation| Row {
        dpi: STRESS_DPI,
        degradation,
        stress: true,
    }));

    // Undamaged pages per (dpi, sheet): synthetic M, synthetic Q, the real sheet.
    let mut bases: HashMap<(u32, usize), [GrayImage; 3]> = HashMap::new();
    for &dpi in &all_dpi {
        for (index, sheet) in sheets.iter().enumerate() {
            let real = pdf::rasterise(&sheet.pdf, dpi as f32)
                .expect("rasterise the sheet")
                .swap_remove(0);
            let synthetic = |level: EcLevel| {
                let codes: Vec<(QrMatrix, (f64, f64))> = sheet
                    .payloads
                    .iter()
                    .zip(&sheet.centres)
                    .map(|(payload, &centre)| (encode_with_level(payload, level).expect("encode"), centre))
                    .collect();
                synthetic_page(real.width(), real.height(), dpi, &codes)
            };
            bases.insert((dpi, index), [synthetic(EcLevel::M), synthetic(EcLevel::Q), real]);
        }
    }

    let jobs: Vec<Job> = (0..rows.len())
        .flat_map(|row| (0..sheets.len()).flat_map(move |sheet| PAGE_KINDS.map(|kind| Job { row, sheet, kind })))
        .collect();
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let outcomes = breakglass::platform::parallel::map(
        &jobs,
        |job| {
            let Row { dpi, degradation, .. } = rows[job.row];
            let sheet = &sheets[job.sheet];
            let base = &bases[&(dpi, job.sheet)][job.kind as usize];
            // One seed per condition, shared by the three pages so they get the same noise.
            let seed = 0x9E37_79B9_7F4A_7C15 ^ ((job.row as u64) << 32) ^ u64::from(dpi);
            let image = degradation.apply(base, sheet.target, dpi, seed);
            let (breakglass, mut unexpected) = breakglass_count(&image, &sheet.payloads);
            let zbar = match job.kind {
                PageKind::Real if zbar => {
                    let png = scratch
                        .path()
                        .join(format!("job-{}-{}-{}.png", job.row, job.sheet, job.kind as usize));
                    image.save(&png).expect("write the scratch PNG");
                    let (known, misread) = zbar_count(&png, &sheet.payloads);
                    // Best effort: the scratch directory is removed at the end anyway.
                    let _ = std::fs::remove_file(&png);
                    unexpected += misread;
                    Some(known)
                }
                _ => None,
            };
            Outcome {
                breakglass,
                zbar,
                unexpected,
            }
        },
        &|_| {},
    );

    // Codes per row and column, summed over both sheets.
    let mut table = vec![[0usize; 4]; rows.len()];
    let mut misreads = 0;
    for (job, outcome) in jobs.iter().zip(&outcomes) {
        let cells = &mut table[job.row];
        match job.kind {
            PageKind::SyntheticM => cells[0] += outcome.breakglass,
            PageKind::SyntheticQ => cells[1] += outcome.breakglass,
            PageKind::Real => {
                cells[2] += outcome.breakglass;
                cells[3] += outcome.zbar.unwrap_or(0);
            }
        }
        misreads += outcome.unexpected;
    }

    let expected = sheets.iter().map(|sheet| sheet.payloads.len()).sum();
    let described: Vec<String> = sheets
        .iter()
        .map(|sheet| {
            format!(
                "{} ({}-byte vault, {} codes)",
                sheet.name,
                sheet.vault_bytes,
                sheet.payloads.len()
            )
        })
        .collect();
    println!("\nSheets: {}.", described.join("; "));
    println!("Cells are decoded/expected over both sheets; the synthetic pages are read by breakglass's decoder.");
    let (stress, fixed): (Vec<_>, Vec<_>) = rows.iter().zip(&table).partition(|(row, _)| row.stress);
    print_section("Codes decoded per condition", &fixed, expected, zbar);
    print_section(
        "Stress conditions beyond the fixed list (where error correction decides)",
        &stress,
        expected,
        zbar,
    );
    println!("\nmisreads (decoded text that is not a payload of the sheet): {misreads}");
    office_classes(&sheets, zbar, scratch.path());
    println!(
        "total time {:.1} s on {workers} threads",
        started.elapsed().as_secs_f64()
    );
}

/// One line of the table: a resolution and a degradation.
#[derive(Clone, Copy, Debug)]
struct Row {
    dpi: u32,
    degradation: Degradation,
    /// One of the [`STRESS`] conditions rather than the fixed list.
    stress: bool,
}

impl Row {
    fn fixed(dpi: u32, degradation: Degradation) -> Self {
        Self {
            dpi,
            degradation,
            stress: false,
        }
    }
}

/// Prints a Markdown table of `rows` (codes decoded per column) and a total per column.
fn print_section(title: &str, rows: &[(&Row, &[usize; 4])], expected: usize, zbar: bool) {
    let cell = |decoded: usize| format!("{decoded}/{expected}");
    println!("\n# {title}\n");
    println!("| dpi | degradation | M synthetic | Q synthetic | real sheet (breakglass) | real sheet (zbar) |");
    println!("|---:|---|---:|---:|---:|---:|");
    for (row, cells) in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            row.dpi,
            row.degradation.name(),
            cell(cells[0]),
            cell(cells[1]),
            cell(cells[2]),
            if zbar { cell(cells[3]) } else { "n/a".into() },
        );
    }
    println!("\nTotals over {} conditions:\n", rows.len());
    let total = expected * rows.len();
    let columns = [
        "M synthetic",
        "Q synthetic",
        "real sheet (breakglass)",
        "real sheet (zbar)",
    ];
    for (column, name) in columns.iter().enumerate() {
        if column == 3 && !zbar {
            println!("- {name}: n/a (zbarimg not installed)");
            continue;
        }
        let decoded: usize = rows.iter().map(|(_, cells)| cells[column]).sum();
        let complete = rows.iter().filter(|(_, cells)| cells[column] == expected).count();
        println!(
            "- {name}: {decoded}/{total} codes ({:.1}%), every code read in {complete}/{} conditions",
            100.0 * decoded as f64 / total as f64,
            rows.len()
        );
    }
}

/// A file an office scanner or phone could write, made from the 300 dpi page by ImageMagick.
struct OfficeClass {
    name: &'static str,
    /// File name (its extension picks the format).
    file: &'static str,
    /// `convert` arguments between the input page and the output file.
    args: fn(&Sheet) -> Vec<String>,
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// A black pen line, 8 px wide at 300 dpi (0.68 mm, more than a module), drawn through the
/// top-left finder pattern of every code on the sheet.
fn pen_lines(sheet: &Sheet) -> Vec<String> {
    let px = |mm: f64| mm * f64::from(REFERENCE_DPI) / 25.4;
    let mut args = words("-stroke black -strokewidth 8");
    for (payload, &(x, y)) in sheet.payloads.iter().zip(&sheet.centres) {
        let side = encode_with_level(payload, EcLevel::Q).expect("encodes").width as f64 * MODULE_MM;
        let (fx, fy) = (
            px(x - side / 2.0 + 3.5 * MODULE_MM),
            px(y - side / 2.0 + 3.5 * MODULE_MM),
        );
        args.push("-draw".into());
        args.push(format!(
            "line {:.0},{:.0} {:.0},{:.0}",
            fx - 60.0,
            fy - 42.0,
            fx + 60.0,
            fy + 42.0
        ));
    }
    args
}

const OFFICE_CLASSES: [OfficeClass; 15] = [
    OfficeClass {
        name: "TIFF, LZW",
        file: "lzw.tif",
        args: |_| words("-compress LZW"),
    },
    OfficeClass {
        name: "TIFF, JPEG quality 80",
        file: "jpeg.tif",
        args: |_| words("-compress JPEG -quality 80"),
    },
    OfficeClass {
        name: "fax TIFF, CCITT G4, 200 x 100 dpi, 1 bit",
        file: "fax.tif",
        args: |_| {
            words(
                "-resize 66.667%x33.333%! -threshold 50% -type bilevel -units PixelsPerInch -density 200x100 -compress Group4",
            )
        },
    },
    OfficeClass {
        name: "WebP, lossy quality 80",
        file: "scan.webp",
        args: |_| words("-quality 80"),
    },
    OfficeClass {
        name: "BMP",
        file: "scan.bmp",
        args: |_| Vec::new(),
    },
    OfficeClass {
        name: "transparent PNG (ink as opacity over black)",
        file: "transparent.png",
        args: |_| words("-alpha copy -channel A -negate +channel -channel RGB -evaluate set 0 +channel"),
    },
    OfficeClass {
        name: "yellowed paper, ink at 30 % contrast, noise",
        file: "yellowed.png",
        args: |_| {
            words(
                "-colorspace sRGB +level 70%,100% ( +clone -fill #f2e4b8 -colorize 100 ) -compose multiply -composite -attenuate 0.4 +noise Gaussian",
            )
        },
    },
    OfficeClass {
        name: "same at 20 % contrast, JPEG 70",
        file: "yellowed.jpg",
        args: |_| {
            words(
                "-colorspace sRGB +level 80%,100% ( +clone -fill #f2e4b8 -colorize 100 ) -compose multiply -composite -attenuate 0.6 +noise Gaussian -quality 70",
            )
        },
    },
    OfficeClass {
        name: "pen line across the top-left finder pattern of every code",
        file: "pen.png",
        args: pen_lines,
    },
    // Session 7's variations: TIFF layouts the `tiff` crate refuses, and scanner geometry.
    OfficeClass {
        name: "fax TIFF, CCITT Group 3 (1D), 1 bit",
        file: "g3.tif",
        args: |_| words("-threshold 50% -monochrome -compress Fax"),
    },
    OfficeClass {
        name: "TIFF, CCITT G4, bits least-significant first (FillOrder 2)",
        file: "g4-lsb.tif",
        args: |_| words("-threshold 50% -monochrome -compress Group4 -define tiff:fill-order=lsb"),
    },
    OfficeClass {
        name: "TIFF, palette of 16 colours, LZW",
        file: "palette.tif",
        args: |_| words("-colors 16 -type Palette -compress LZW"),
    },
    OfficeClass {
        name: "TIFF, LZW in 256 x 256 tiles",
        file: "tiles.tif",
        args: |_| words("-define tiff:tile-geometry=256x256 -compress LZW"),
    },
    OfficeClass {
        name: "TIFF, grey with an alpha channel",
        file: "grey-alpha.tif",
        args: |_| words("-alpha on -compress LZW"),
    },
    OfficeClass {
        name: "dark scanner lid around the page, 2 degrees skew",
        file: "lid.png",
        args: |_| words("-background #181818 -rotate 2 -bordercolor #181818 -border 100"),
    },
];

/// Codes read per office-scanner class over both sheets, by breakglass (from the file's bytes,
/// as `verify` reads it) and by `zbarimg` on the same file.
fn office_classes(sheets: &[Sheet], zbar: bool, scratch: &Path) {
    if !Path::new("/usr/bin/convert").exists() {
        println!("\n# Office scanner classes\n\nn/a: ImageMagick (/usr/bin/convert) is not installed");
        return;
    }
    let expected: usize = sheets.iter().map(|sheet| sheet.payloads.len()).sum();
    println!("\n# Office scanner classes (300 dpi page, converted by ImageMagick; codes read over both sheets)\n");
    println!("| class | breakglass | zbar | breakglass read time |");
    println!("|---|---:|---:|---:|");
    let pages: Vec<_> = sheets
        .iter()
        .enumerate()
        .map(|(index, sheet)| {
            let page = pdf::rasterise(&sheet.pdf, REFERENCE_DPI as f32)
                .expect("rasterise the sheet")
                .swap_remove(0);
            let path = scratch.join(format!("office-{index}.png"));
            page.save(&path).expect("write the page");
            path
        })
        .collect();
    let mut misreads = 0;
    for class in &OFFICE_CLASSES {
        let (mut ours, mut theirs, mut took) = (0, 0, 0.0);
        for (index, (sheet, page)) in sheets.iter().zip(&pages).enumerate() {
            let out = scratch.join(format!("{index}-{}", class.file));
            let status = Command::new("/usr/bin/convert")
                .arg(page)
                .args((class.args)(sheet))
                .arg(&out)
                .status()
                .expect("run convert");
            assert!(status.success(), "convert failed for {}", class.name);
            let bytes = std::fs::read(&out).expect("read the converted file");
            let started = Instant::now();
            let texts: Vec<String> = breakglass::paper::scan::scan_bytes(&bytes, &verify::page_complete)
                .map(|scanned| scanned.codes().map(|code| code.text.clone()).collect())
                .unwrap_or_default();
            took += started.elapsed().as_secs_f64();
            let known = sheet.payloads.iter().filter(|payload| texts.contains(payload)).count();
            ours += known;
            misreads += texts.iter().filter(|text| !sheet.payloads.contains(text)).count();
            if zbar {
                let (known, misread) = zbar_count(&out, &sheet.payloads);
                theirs += known;
                misreads += misread;
            }
        }
        println!(
            "| {} | {ours}/{expected} | {} | {:.0} ms |",
            class.name,
            if zbar {
                format!("{theirs}/{expected}")
            } else {
                "n/a".into()
            },
            took * 1000.0 / sheets.len() as f64
        );
    }
    println!("\nmisreads in the office classes: {misreads}");
}
