//! Turning a user's input file into the texts printed on a sheet.
//!
//! An input is a PDF (a sheet as sealed, or a batch from a document feeder), a scan or photo
//! (PNG, JPEG, TIFF with any number of pages, WebP, BMP), or a text file of typed lines. This
//! module knows nothing of the paper format: it returns the raw texts (QR payloads per page, or
//! the typed file's content) and lets the caller decide when a page has been read completely.
//! Every page is read, one at a time (so memory does not grow with the page count), within a
//! time budget ([`budget`]).

mod budget;
mod guard;
pub mod health;
pub mod pdf;
mod pdf_work;
pub mod qr;
mod raster;
mod tiff_chunks;

use std::path::Path;

use image::GrayImage;

use crate::platform::input::{self, InputError};

pub use budget::{Budget, INPUT_SECONDS, PAGE_SECONDS};
pub use health::ScanHealth;
pub use qr::{FoundQr, PageImage, Region};
pub use raster::{decode_image, decode_page};

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
    #[error("the file is empty; give a sheet's PDF, a scan of it, or its typed lines")]
    Empty,
    /// Over [`MAX_FILE_BYTES`] or the image limits.
    #[error("the file is too large to be a sheet ({0}); scan at 300 to 600 dpi")]
    TooLarge(String),
    /// Neither PDF, a readable image, nor UTF-8 text.
    #[error(
        "not a PDF, image (PNG, JPEG, TIFF, WebP, BMP) or text file; save the scan as PDF, PNG or JPEG, or type the lines into a text file"
    )]
    UnknownKind,
    /// A HEIC/HEIF (or AVIF) phone photo: no kept pure-Rust decoder exists.
    #[error(
        "HEIC/HEIF photos are not read; convert it to JPEG first (e.g. `heif-convert photo.heic photo.jpg`, or export as JPEG from the phone), or better, scan the sheet on a flatbed"
    )]
    Heic,
    /// An image that does not decode.
    #[error("the image is damaged or in an unsupported format ({0}); save the scan again as PNG or JPEG")]
    BadImage(String),
    /// An encrypted PDF.
    #[error("the PDF is password-protected; print or export it without a password and scan that")]
    EncryptedPdf,
    /// A PDF that does not render.
    #[error("{0}; print the sheet and scan it, or give the original PDF")]
    BadPdf(&'static str),
    /// Reading ran past its time budget ([`budget`]).
    #[error(
        "gave up on {what} after {seconds} s: not a breakglass sheet; give the sheet's own PDF or a plain scan of it"
    )]
    GaveUp {
        /// "a page" or "the file".
        what: &'static str,
        /// The limit that ran out.
        seconds: u64,
    },
}

/// What kind of input a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A PDF, rasterised in-process.
    Pdf,
    /// A scan or photo (a multi-page TIFF included).
    Image,
    /// Typed lines.
    Text,
}

/// The codes read on one page.
#[derive(Clone, Debug, Default)]
pub struct ScannedPage {
    /// Page number, from 1.
    pub number: usize,
    /// Each QR code read on it.
    pub codes: Vec<FoundQr>,
    /// Its scan health, when asked for ([`ScanOptions::health`]) and codes were read.
    pub health: Option<ScanHealth>,
}

/// The texts read from one input.
#[derive(Debug)]
pub struct ScannedInput {
    /// What the input was.
    pub kind: InputKind,
    /// For PDFs and images: every page that held a QR code, in page order. For text: empty.
    pub pages: Vec<ScannedPage>,
    /// For text files: the content.
    pub typed: Option<String>,
    /// Pages looked at (1 for single images and text).
    pub page_count: usize,
}

impl ScannedInput {
    /// Every code read, all pages together.
    pub fn codes(&self) -> impl Iterator<Item = &FoundQr> {
        self.pages.iter().flat_map(|page| &page.codes)
    }

    /// The scan health of all pages together, when asked for and codes were read.
    pub fn health(&self) -> Option<ScanHealth> {
        let mut pages = self.pages.iter().filter_map(|page| page.health.clone()).peekable();
        pages.peek()?;
        let mut all = ScanHealth::default();
        pages.for_each(|page| all.merge(page));
        Some(all)
    }
}

/// What to do beyond reading the codes.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScanOptions {
    /// Estimate the scan health of PDFs and images ([`health`]); costs a few more decodes.
    pub health: bool,
    /// Resolution PDF pages are first rendered at, instead of [`PDF_DPI`]; a page not read
    /// completely is rendered again at [`PDF_RETRY_DPI`] either way.
    pub pdf_dpi: Option<f32>,
    /// The file holds exactly one sheet (seal's self-check reading the PDFs it just wrote):
    /// reading stops at the page that completes it. The back of a certificate sheet holds only
    /// text, and reading a page without codes runs every pass at two resolutions.
    pub single_sheet: bool,
}

/// Reads a file's bytes with a size limit.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, ScanError> {
    let bytes = input::read(path, MAX_FILE_BYTES).map_err(|error| match error {
        InputError::TooLarge(_) => ScanError::TooLarge(format!(
            "more than {} MB; split a scanned batch into files of at most {} MB",
            MAX_FILE_BYTES >> 20,
            MAX_FILE_BYTES >> 20
        )),
        InputError::Io(error) => ScanError::Io(crate::platform::input::io_reason(&error)),
        error => ScanError::Io(error.to_string()),
    })?;
    if bytes.is_empty() {
        return Err(ScanError::Empty);
    }
    Ok(bytes)
}

/// True for an ISO base media file whose brand is HEIC/HEIF or AVIF (phone photos).
fn is_heif(bytes: &[u8]) -> bool {
    const BRANDS: [&[u8; 4]; 10] = [
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis",
    ];
    bytes.get(4..8) == Some(b"ftyp")
        && bytes
            .get(8..12)
            .is_some_and(|brand| BRANDS.iter().any(|known| *known == brand))
}

/// Decides what `bytes` are from their content, not their name.
pub fn classify(bytes: &[u8]) -> Result<InputKind, ScanError> {
    if bytes.is_empty() {
        return Err(ScanError::Empty);
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(InputKind::Pdf);
    }
    if is_heif(bytes) {
        return Err(ScanError::Heic);
    }
    if image::guess_format(bytes).is_ok() {
        return Ok(InputKind::Image);
    }
    if utf16_text(bytes).is_some() {
        return Ok(InputKind::Text);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok(InputKind::Text),
        _ => Err(ScanError::UnknownKind),
    }
}

/// The text of a UTF-16 file that starts with its byte-order mark (Windows PowerShell 5.1's `>`
/// and Notepad's "Unicode" save typed copies so), without the mark; `None` for anything else,
/// or for UTF-16 that is not text (an unpaired surrogate, a NUL).
fn utf16_text(bytes: &[u8]) -> Option<String> {
    let big_endian = match bytes.get(..2)? {
        [0xFF, 0xFE] => false,
        [0xFE, 0xFF] => true,
        _ => return None,
    };
    let (units, rest) = bytes[2..].as_chunks::<2>();
    if !rest.is_empty() {
        return None;
    }
    let units = units.iter().map(|&pair| {
        if big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    });
    let text: String = char::decode_utf16(units).collect::<Result<_, _>>().ok()?;
    (!text.contains('\0')).then_some(text)
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
    scan_bytes_within(bytes, complete, options, Budget::new())
}

/// [`scan_bytes_with`] within a given budget.
pub fn scan_bytes_within(
    bytes: &[u8],
    complete: &dyn Fn(&[FoundQr]) -> bool,
    options: ScanOptions,
    mut budget: Budget,
) -> Result<ScannedInput, ScanError> {
    match classify(bytes)? {
        InputKind::Text => {
            if bytes.len() > MAX_TEXT_BYTES {
                return Err(ScanError::TooLarge(format!("{} bytes of text", bytes.len())));
            }
            let text = utf16_text(bytes).unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned());
            Ok(ScannedInput {
                kind: InputKind::Text,
                pages: Vec::new(),
                typed: Some(text),
                page_count: 1,
            })
        }
        InputKind::Image => {
            let count = raster::page_count(bytes)?;
            let render = |index: usize, _retry: bool, _: &Budget| decode_page(bytes, index);
            let pages = read_pages(count, &render, false, complete, options, &mut budget)?;
            Ok(ScannedInput {
                kind: InputKind::Image,
                pages,
                typed: None,
                page_count: count,
            })
        }
        InputKind::Pdf => {
            let document = pdf::Document::open(bytes)?;
            let count = document.page_count();
            let render = |index: usize, retry: bool, budget: &Budget| {
                let dpi = if retry {
                    PDF_RETRY_DPI
                } else {
                    options.pdf_dpi.unwrap_or(PDF_DPI)
                };
                document.render(index, dpi, budget).map(PageImage::from)
            };
            let pages = read_pages(count, &render, true, complete, options, &mut budget)?;
            Ok(ScannedInput {
                kind: InputKind::Pdf,
                pages,
                typed: None,
                page_count: count,
            })
        }
    }
}

/// True when a page holds (almost) no ink: fewer than 1 in 5000 pixels clearly darker than the
/// paper. The blank backs of single-sided sheets fed through a duplex scanner are skipped.
fn looks_blank(image: &GrayImage) -> bool {
    let histogram = qr::histogram(image.as_raw());
    let total = image.as_raw().len();
    let mut seen = 0;
    let mut paper = 255usize;
    // The paper's grey: the level 95% of pixels are at or below (so a few specks of glare or
    // white margins do not count).
    for (level, count) in histogram.iter().enumerate() {
        seen += count;
        if seen * 100 >= total * 95 {
            paper = level;
            break;
        }
    }
    let ink: usize = histogram[..paper.saturating_sub(24)].iter().sum();
    ink * 5000 < total
}

/// Reads `count` pages in order, each rendered by `render(index, retry)` (retry: a sharper
/// rendering, for PDFs). A page holding only part of a sheet (the back of a double-sided
/// certificate sheet) is judged complete together with the page before it.
fn read_pages(
    count: usize,
    render: &dyn Fn(usize, bool, &Budget) -> Result<PageImage, ScanError>,
    can_retry: bool,
    complete: &dyn Fn(&[FoundQr]) -> bool,
    options: ScanOptions,
    budget: &mut Budget,
) -> Result<Vec<ScannedPage>, ScanError> {
    let mut pages: Vec<ScannedPage> = Vec::new();
    let mut context: Vec<FoundQr> = Vec::new();
    for index in 0..count {
        budget.start_page();
        if let Some(exhausted) = budget.exhausted() {
            return Err(ScanError::GaveUp {
                what: exhausted.what,
                seconds: exhausted.seconds,
            });
        }
        let image = render(index, false, budget)?;
        if count > 1 && looks_blank(&image.gray) {
            context.clear();
            continue;
        }
        let with_context = |found: &[FoundQr]| {
            let mut all = context.clone();
            all.extend(found.iter().cloned());
            complete(&all)
        };
        let (mut codes, exhausted) = qr::read_page(&image, &with_context, budget);
        let mut read_at = image;
        let mut retried = false;
        if can_retry && exhausted.is_none() && !with_context(&codes) {
            let sharper = render(index, true, budget)?;
            let known = codes.clone();
            let (more, _) = qr::read_page(
                &sharper,
                &|found: &[FoundQr]| {
                    let mut all = known.clone();
                    all.extend(found.iter().cloned());
                    with_context(&all)
                },
                budget,
            );
            for code in more {
                if !codes.iter().any(|known| known.text == code.text) {
                    retried = true;
                    codes.push(code);
                }
            }
            read_at = sharper;
            // Where the first rendering's codes lie is in its own pixels, not the sharper
            // page's: scan health tests that page whole.
            codes.iter_mut().for_each(|code| code.region = None);
        }
        if codes.is_empty() {
            if let Some(exhausted) = exhausted {
                return Err(ScanError::GaveUp {
                    what: exhausted.what,
                    seconds: exhausted.seconds,
                });
            }
            context.clear();
            continue;
        }
        let health = options.health.then(|| {
            let mut health = health::estimate(&read_at.gray, &codes, !can_retry);
            if retried {
                health.merge(ScanHealth {
                    concerns: vec![health::Concern::WeakRead(health::PDF_RETRY_PASS)],
                });
            }
            health
        });
        let sheet_complete = with_context(&codes);
        context = if sheet_complete {
            Vec::new()
        } else {
            let mut joined = context.clone();
            joined.extend(codes.iter().cloned());
            joined
        };
        pages.push(ScannedPage {
            number: index + 1,
            codes,
            health,
        });
        if options.single_sheet && sheet_complete {
            break;
        }
    }
    Ok(pages)
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
    use std::io::Cursor;

    use image::ImageFormat;

    use super::*;

    #[test]
    fn classification_is_by_content() {
        assert_eq!(classify(b"%PDF-1.7\n"), Ok(InputKind::Pdf));
        assert_eq!(classify(b"\x89PNG\r\n\x1a\n0000"), Ok(InputKind::Image));
        assert_eq!(classify(b"\xff\xd8\xff\xe0"), Ok(InputKind::Image));
        assert_eq!(classify(b"BG1-SHARE\n"), Ok(InputKind::Text));
        assert_eq!(classify(b"\xFF\xFEB\0G\x001\0"), Ok(InputKind::Text));
        assert_eq!(classify(b"\xFE\xFF\0B\0G\x001"), Ok(InputKind::Text));
        assert_eq!(utf16_text(b"\xFF\xFEB\0G\x001\0").as_deref(), Some("BG1"));
        assert_eq!(
            classify(b"\xFF\xFEB\0\0\0"),
            Err(ScanError::UnknownKind),
            "a NUL is not text"
        );
        assert_eq!(
            classify(b"\xFF\xFE\x00\xD8A\0"),
            Err(ScanError::UnknownKind),
            "an unpaired surrogate"
        );
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

    /// A TIFF of `pages` pages, each holding the test code.
    fn pages_of_codes(pages: usize) -> Vec<u8> {
        let (code, _) = qr::drawn_code(4);
        let mut bytes = Vec::new();
        let mut encoder = tiff::encoder::TiffEncoder::new(Cursor::new(&mut bytes)).unwrap();
        for _ in 0..pages {
            encoder
                .write_image::<tiff::encoder::colortype::Gray8>(code.width(), code.height(), code.as_raw())
                .unwrap();
        }
        bytes
    }

    #[test]
    fn a_single_sheet_file_is_read_up_to_the_page_that_completes_it() {
        let bytes = pages_of_codes(3);
        let complete = |found: &[FoundQr]| !found.is_empty();
        let batch = scan_bytes_with(&bytes, &complete, ScanOptions::default()).unwrap();
        assert_eq!(batch.pages.len(), 3, "a batch is read to its last page");
        let single = ScanOptions {
            single_sheet: true,
            ..ScanOptions::default()
        };
        let sheet = scan_bytes_with(&bytes, &complete, single).unwrap();
        assert_eq!(sheet.pages.len(), 1);
        assert_eq!(sheet.pages[0].codes[0].text, qr::PAYLOAD);
    }

    #[test]
    fn garbage_pdfs_are_errors_not_panics() {
        assert!(matches!(
            scan_bytes(b"%PDF-1.4 garbage", &|_| true),
            Err(ScanError::BadPdf(_))
        ));
    }
}
