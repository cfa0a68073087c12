//! Turning a user's input file into the texts printed on a sheet.
//!
//! An input is a PDF sheet, a scan or photo (PNG, JPEG), or a text file of typed lines. This
//! module knows nothing of the paper format: it returns the raw texts (QR payloads, or the typed
//! file's content) and lets the caller decide when a page has been read completely.

mod guard;
pub mod health;
pub mod pdf;
pub mod qr;

use std::io::Cursor;
use std::path::Path;

use image::{GrayImage, ImageFormat, ImageReader, Limits};

use crate::platform::input::{self, InputError};

pub use health::ScanHealth;
pub use qr::FoundQr;

/// Largest input file read at all.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Largest typed text file.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// Largest image side accepted; larger images are refused before pixels are allocated.
pub const MAX_IMAGE_SIDE: u32 = 12_000;
/// Largest decoded image in pixels (about A4 at 1000 dpi).
pub const MAX_IMAGE_PIXELS: u64 = 100_000_000;
/// Resolution PDFs are first rendered at; enough for 0.5 mm modules.
pub const PDF_DPI: f32 = 150.0;
/// Resolution for a second attempt when a PDF page did not read completely.
pub const PDF_RETRY_DPI: f32 = 300.0;

/// Why an input could not be read.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScanError {
    /// Missing, unreadable, a directory...
    #[error("cannot read the file: {0}; check the path")]
    Io(String),
    /// Zero bytes.
    #[error("the file is empty; give a sheet's PDF, a scan or photo of it, or its typed lines")]
    Empty,
    /// Over [`MAX_FILE_BYTES`] or the image limits.
    #[error("the file is too large to be a sheet ({0}); scan at 300 to 600 dpi")]
    TooLarge(String),
    /// Neither PDF, PNG/JPEG, nor UTF-8 text.
    #[error(
        "not a PDF, PNG/JPEG image or text file; save the scan as PDF, PNG or JPEG, or type the lines into a text file"
    )]
    UnknownKind,
    /// An image that does not decode.
    #[error("the image is damaged or in an unsupported format ({0}); save the scan again as PNG or JPEG")]
    BadImage(String),
    /// An encrypted PDF.
    #[error("the PDF is password-protected; print or export it without a password and scan that")]
    EncryptedPdf,
    /// A PDF that does not render.
    #[error("{0}; print the sheet and scan it, or give the original PDF")]
    BadPdf(&'static str),
}

/// What kind of input a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A PDF, rasterised in-process.
    Pdf,
    /// A scan or photo.
    Image,
    /// Typed lines.
    Text,
}

/// The texts read from one input.
#[derive(Debug)]
pub struct ScannedInput {
    /// What the input was.
    pub kind: InputKind,
    /// For PDFs and images: each QR code read (all pages). For text: empty.
    pub codes: Vec<FoundQr>,
    /// For text files: the content.
    pub typed: Option<String>,
    /// Pages looked at (1 for images and text).
    pub pages: usize,
    /// For PDFs and images whose codes were read, when asked for ([`ScanOptions::health`]).
    pub health: Option<ScanHealth>,
}

/// What to do beyond reading the codes.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScanOptions {
    /// Estimate the scan health of PDFs and images ([`health`]); costs a few more decodes.
    pub health: bool,
}

/// Reads a file's bytes with a size limit.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, ScanError> {
    let bytes = input::read(path, MAX_FILE_BYTES).map_err(|error| match error {
        InputError::TooLarge(_) => ScanError::TooLarge(format!("more than {MAX_FILE_BYTES} bytes")),
        InputError::Io(error) => ScanError::Io(error.kind().to_string()),
        error => ScanError::Io(error.to_string()),
    })?;
    if bytes.is_empty() {
        return Err(ScanError::Empty);
    }
    Ok(bytes)
}

/// Decides what `bytes` are from their content, not their name.
pub fn classify(bytes: &[u8]) -> Result<InputKind, ScanError> {
    if bytes.is_empty() {
        return Err(ScanError::Empty);
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(InputKind::Pdf);
    }
    if image::guess_format(bytes).is_ok() {
        return Ok(InputKind::Image);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok(InputKind::Text),
        _ => Err(ScanError::UnknownKind),
    }
}

/// Decodes an image to greyscale, refusing oversized ones before allocating their pixels.
pub fn decode_image(bytes: &[u8]) -> Result<GrayImage, ScanError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| ScanError::BadImage(error.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg) => {}
        _ => return Err(ScanError::UnknownKind),
    }
    let (width, height) = reader
        .into_dimensions()
        .map_err(|error| ScanError::BadImage(error.to_string()))?;
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
        return Err(ScanError::TooLarge(format!("{width}x{height} pixels")));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| ScanError::BadImage(error.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_PIXELS * 4);
    reader.limits(limits);
    let decoded = guard::contain(|| reader.decode())
        .ok_or_else(|| ScanError::BadImage("the image decoder failed".into()))?
        .map_err(|error| ScanError::BadImage(error.to_string()))?;
    // A greyscale scan is already what the reader wants; `into_luma8` would convert it pixel by
    // pixel anyway (a fifth of a 300 dpi verify).
    Ok(match decoded {
        image::DynamicImage::ImageLuma8(gray) => gray,
        other => other.into_luma8(),
    })
}

/// Reads one input. `complete` says, given the codes found on a page so far, whether that page
/// has been read completely (so decoding can stop, or try harder).
pub fn scan_bytes(bytes: &[u8], complete: &dyn Fn(&[FoundQr]) -> bool) -> Result<ScannedInput, ScanError> {
    scan_bytes_with(bytes, complete, ScanOptions::default())
}

/// [`scan_bytes`], with options.
pub fn scan_bytes_with(
    bytes: &[u8],
    complete: &dyn Fn(&[FoundQr]) -> bool,
    options: ScanOptions,
) -> Result<ScannedInput, ScanError> {
    match classify(bytes)? {
        InputKind::Text => {
            if bytes.len() > MAX_TEXT_BYTES {
                return Err(ScanError::TooLarge(format!("{} bytes of text", bytes.len())));
            }
            let text = String::from_utf8_lossy(bytes).into_owned();
            Ok(ScannedInput {
                kind: InputKind::Text,
                codes: Vec::new(),
                typed: Some(text),
                pages: 1,
                health: None,
            })
        }
        InputKind::Image => {
            let image = decode_image(bytes)?;
            let codes = qr::read_all(&image, complete);
            let health = (options.health && !codes.is_empty()).then(|| health::estimate(&image, &codes, true));
            Ok(ScannedInput {
                kind: InputKind::Image,
                codes,
                typed: None,
                pages: 1,
                health,
            })
        }
        InputKind::Pdf => {
            let pages = pdf::rasterise(bytes, PDF_DPI)?;
            let page_count = pages.len();
            let (mut codes, mut per_page) = read_pages(&pages, Vec::new(), complete);
            let mut read_pages_at = pages;
            let mut retried = false;
            if !complete(&codes) {
                let sharper = pdf::rasterise(bytes, PDF_RETRY_DPI)?;
                let first = codes.len();
                (codes, per_page) = read_pages(&sharper, codes, complete);
                retried = codes.len() > first;
                read_pages_at = sharper;
            }
            let health = (options.health && !codes.is_empty()).then(|| {
                let mut health = ScanHealth::default();
                if retried {
                    health.merge(ScanHealth {
                        concerns: vec![health::Concern::WeakRead(health::PDF_RETRY_PASS)],
                    });
                }
                for (page, found) in read_pages_at.iter().zip(&per_page) {
                    health.merge(health::estimate(page, found, false));
                }
                health
            });
            Ok(ScannedInput {
                kind: InputKind::Pdf,
                codes,
                typed: None,
                pages: page_count,
                health,
            })
        }
    }
}

/// Reads pages in order until the codes found so far (across pages) are complete. Returns all
/// codes, and the codes read on each page looked at (for scan health).
fn read_pages(
    pages: &[GrayImage],
    mut codes: Vec<FoundQr>,
    complete: &dyn Fn(&[FoundQr]) -> bool,
) -> (Vec<FoundQr>, Vec<Vec<FoundQr>>) {
    let mut per_page = Vec::new();
    for page in pages {
        if complete(&codes) {
            break;
        }
        let known = codes.clone();
        let found = qr::read_all(page, &|found: &[FoundQr]| {
            let mut all = known.clone();
            all.extend(found.iter().cloned());
            complete(&all)
        });
        for code in &found {
            if !codes.iter().any(|existing| existing.text == code.text) {
                codes.push(code.clone());
            }
        }
        per_page.push(found);
    }
    (codes, per_page)
}

/// Reads one input file.
pub fn scan_file(path: &Path, complete: &dyn Fn(&[FoundQr]) -> bool) -> Result<ScannedInput, ScanError> {
    scan_bytes(&read_bytes(path)?, complete)
}

/// [`scan_file`], with options.
pub fn scan_file_with(
    path: &Path,
    complete: &dyn Fn(&[FoundQr]) -> bool,
    options: ScanOptions,
) -> Result<ScannedInput, ScanError> {
    scan_bytes_with(&read_bytes(path)?, complete, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_is_by_content() {
        assert_eq!(classify(b"%PDF-1.7\n"), Ok(InputKind::Pdf));
        assert_eq!(classify(b"\x89PNG\r\n\x1a\n0000"), Ok(InputKind::Image));
        assert_eq!(classify(b"\xff\xd8\xff\xe0"), Ok(InputKind::Image));
        assert_eq!(classify(b"BG1-SHARE\n"), Ok(InputKind::Text));
        assert_eq!(classify(b"\x00\x01\x02\xfe"), Err(ScanError::UnknownKind));
        assert_eq!(classify(b""), Err(ScanError::Empty));
    }

    #[test]
    fn decompression_bombs_are_refused_before_decoding() {
        let mut png = Vec::new();
        let huge = image::GrayImage::new(1, 1);
        huge.write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        // Patch the IHDR width/height to 60000x60000; the CRC no longer matches, but the size
        // check must fire first.
        png[16..20].copy_from_slice(&60000u32.to_be_bytes());
        png[20..24].copy_from_slice(&60000u32.to_be_bytes());
        let error = decode_image(&png).unwrap_err();
        assert!(
            matches!(error, ScanError::TooLarge(_) | ScanError::BadImage(_)),
            "{error:?}"
        );
    }

    #[test]
    fn garbage_pdfs_are_errors_not_panics() {
        assert!(matches!(
            scan_bytes(b"%PDF-1.4 garbage", &|_| true),
            Err(ScanError::BadPdf(_))
        ));
    }
}
