//! Rasterising PDF sheets in-process with `hayro` (pure Rust, no poppler), so `verify` can
//! check the very files `seal` wrote, on a machine with nothing else installed.
//!
//! A PDF is a program, and a hostile one can ask for gigabytes (a stream that inflates 1000-fold,
//! an image of a billion pixels) or for endless drawing (form XObjects that call each other eight
//! times over eight levels, millions of tiny rectangles). Before anything is rendered, every
//! stream's inflated size and every image's size are measured against caps, and each page is
//! first interpreted without drawing, counting its drawing work against a cap; only then is it
//! rendered, at a size capped in pixels. Breakglass sheets and office scans are far below every
//! cap (`docs/BAD-INPUT.md`).

use std::io::Write;
use std::sync::{Arc, mpsc};

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_interpret::hayro_syntax::Filter;
use hayro::hayro_interpret::hayro_syntax::object::{Array, Dict, Name, Object, Stream};
use hayro::hayro_syntax::DecryptionError;
use hayro::hayro_syntax::{LoadPdfError, Pdf};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings, render};
use image::GrayImage;

use super::ScanError;
use super::budget::Budget;
use super::guard::contain;
use super::pdf_work;
pub use super::pdf_work::MAX_DRAW_UNITS;

/// Pages read at most: a stack of 2 x 255 double-sided sheets fed through a document feeder,
/// with room to spare. Pages are rendered one at a time, so memory does not grow with the count.
pub const MAX_PAGES: usize = 1100;
/// Largest inflated size of one stream. A sheet's content is tens of kilobytes; a 600 dpi
/// grey A4 scan stored as a flate image is 35 MB.
pub const MAX_STREAM_BYTES: u64 = 64 * 1024 * 1024;
/// Largest inflated size of all streams together (a long scanned batch stores its pages as
/// JPEG, which does not count here).
pub const MAX_TOTAL_STREAM_BYTES: u64 = 1024 * 1024 * 1024;
/// Largest image in a PDF, in pixels times colour channels: a 600 dpi grey A4 or Letter scan
/// (35 million) or a 300 dpi colour one. JPEG 2000 decoding needs several bytes per sample on
/// top.
pub const MAX_IMAGE_SAMPLES: u64 = 40_000_000;
/// Longest side of a rendered page in pixels, whatever a hostile MediaBox says.
const MAX_SIDE_PX: f32 = 8_000.0;
/// Largest rendered page in pixels: A4 at 300 dpi is 8.7 million (35 MB as RGBA).
const MAX_PAGE_PIXELS: f32 = 12_000_000.0;
/// Smallest and largest page side in points that can hold a sheet: one inch, and the 200 inches
/// PDF itself allows.
const PAGE_SIDE_PT: std::ops::RangeInclusive<f32> = 72.0..=14_400.0;

/// Renders every page (up to [`MAX_PAGES`]) at `dpi` to greyscale.
pub fn rasterise(bytes: &[u8], dpi: f32) -> Result<Vec<GrayImage>, ScanError> {
    let document = Document::open(bytes)?;
    let mut budget = Budget::new();
    (0..document.page_count())
        .map(|page| {
            budget.start_page();
            document.render(page, dpi, &budget)
        })
        .collect()
}

/// Stack of the thread a page is rendered on: the renderer recurses into nested forms and
/// patterns (up to 50 levels deep).
const RENDER_STACK_BYTES: usize = 32 * 1024 * 1024;

/// An opened PDF whose streams and images passed their caps.
pub struct Document {
    pdf: Arc<Pdf>,
}

impl Document {
    /// Opens a PDF, measuring every stream and image against the caps first.
    pub fn open(bytes: &[u8]) -> Result<Self, ScanError> {
        check_raw_streams(bytes)?;
        let loaded =
            contain(|| Pdf::new(bytes.to_vec())).ok_or(ScanError::BadPdf("the PDF reader failed on this file"))?;
        let pdf = loaded.map_err(|error| match error {
            LoadPdfError::Decryption(DecryptionError::PasswordProtected) => ScanError::EncryptedPdf,
            LoadPdfError::Decryption(_) => ScanError::EncryptedPdf,
            LoadPdfError::Invalid => ScanError::BadPdf("the file is damaged or not a PDF"),
        })?;
        contain(|| check_objects(&pdf)).ok_or(ScanError::BadPdf("the PDF reader failed on this file"))??;
        let pages = contain(|| pdf.pages().len()).ok_or(ScanError::BadPdf("the PDF reader failed on this file"))?;
        if pages == 0 {
            return Err(ScanError::BadPdf("the PDF has no pages"));
        }
        if pages > MAX_PAGES {
            return Err(ScanError::TooLarge(format!(
                "{pages} pages; split it into files of at most {MAX_PAGES} pages"
            )));
        }
        Ok(Self { pdf: Arc::new(pdf) })
    }

    /// Number of pages.
    pub fn page_count(&self) -> usize {
        self.pdf.pages().len()
    }

    /// Renders page `index` (from 0) to greyscale at `dpi` (less for pages too large to render
    /// at `dpi` within [`MAX_PAGE_PIXELS`]), after counting its drawing work.
    ///
    /// The counted work bounds what the renderer is asked to do, but the renderer itself cannot
    /// be stopped, so it runs on a thread of its own: when the page's deadline passes first, the
    /// page is given up at the deadline and the thread is left to finish in the background (it
    /// holds its own reference to the document and a page-sized buffer at most).
    pub fn render(&self, index: usize, dpi: f32, budget: &Budget) -> Result<GrayImage, ScanError> {
        let page = &self.pdf.pages()[index];
        let (width_pt, height_pt) = page.render_dimensions();
        if !(PAGE_SIDE_PT.contains(&width_pt) && PAGE_SIDE_PT.contains(&height_pt)) {
            return Err(ScanError::BadPdf(
                "a page is smaller than an inch or larger than 200 inches, so it cannot hold a sheet",
            ));
        }
        let scale = (dpi / 72.0)
            .min(MAX_SIDE_PX / width_pt.max(height_pt))
            .min((MAX_PAGE_PIXELS / (width_pt * height_pt)).sqrt());
        pdf_work::count(page, scale, budget)?;
        let pdf = Arc::clone(&self.pdf);
        let (sender, receiver) = mpsc::sync_channel(1);
        let spawned = std::thread::Builder::new()
            .name("pdf-page".to_string())
            .stack_size(RENDER_STACK_BYTES)
            .spawn(move || {
                let _ = sender.send(render_page(&pdf, index, scale));
            });
        if spawned.is_err() {
            return render_page(&self.pdf, index, scale);
        }
        match receiver.recv_timeout(budget.remaining()) {
            Ok(rendered) => rendered,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let exhausted = budget.exhausted().unwrap_or_else(|| budget.gave_up_on_page());
                Err(ScanError::GaveUp {
                    what: exhausted.what,
                    seconds: exhausted.seconds,
                })
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err(ScanError::BadPdf("the PDF reader failed on a page of this file"))
            }
        }
    }
}

/// Renders one page at `scale` on white and turns it grey.
fn render_page(pdf: &Pdf, index: usize, scale: f32) -> Result<GrayImage, ScanError> {
    let page = &pdf.pages()[index];
    let pixmap_settings = PixmapSettings {
        x_scale: scale,
        y_scale: scale,
        bg_color: WHITE,
    };
    let cache = RenderCache::new();
    let interpreter = InterpreterSettings::default();
    let settings = RenderSettings::default();
    let pixmap = contain(|| render(page, &cache, &interpreter, &settings, &pixmap_settings))
        .ok_or(ScanError::BadPdf("the PDF reader failed on a page of this file"))?;
    let (width, height) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
    let gray = luma(pixmap.data_as_u8_slice());
    GrayImage::from_raw(width, height, gray).ok_or(ScanError::BadPdf("a page rendered to an unexpected size"))
}

/// Grey levels of the rendered page's RGBA pixels (drawn on white, so opaque).
fn luma(rgba: &[u8]) -> Vec<u8> {
    let (pixels, _) = rgba.as_chunks::<4>();
    let mut gray = vec![0u8; pixels.len()];
    for (out, &[red, green, blue, _]) in gray.iter_mut().zip(pixels) {
        *out = super::raster::luma(red, green, blue);
    }
    gray
}

/// Counts inflated bytes up to a cap, keeping only the first two (to spot a second layer).
struct CappedCount {
    written: u64,
    cap: u64,
    head: Vec<u8>,
}

impl Write for CappedCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.head.len() < 2 {
            self.head.extend(buf.iter().take(2 - self.head.len()));
        }
        self.written += buf.len() as u64;
        if self.written > self.cap {
            return Err(std::io::Error::other("over the cap"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How many bytes `data` inflates to (zlib, or raw deflate as lenient readers accept), up to
/// `cap + 1`, and whether the result looks like zlib data again. Data that is not deflate at
/// all counts as 0.
fn inflated_size(data: &[u8], cap: u64) -> (u64, bool) {
    let zlib_head = |bytes: &[u8]| {
        bytes.len() == 2 && bytes[0] & 0x0f == 8 && (u16::from(bytes[0]) * 256 + u16::from(bytes[1])) % 31 == 0
    };
    let mut counter = CappedCount {
        written: 0,
        cap,
        head: Vec::new(),
    };
    {
        let mut decoder = flate2::write::ZlibDecoder::new(&mut counter);
        let _ = decoder.write_all(data);
        let _ = decoder.try_finish();
    }
    if counter.written > 0 {
        return (counter.written, zlib_head(&counter.head));
    }
    let mut raw = CappedCount {
        written: 0,
        cap,
        head: Vec::new(),
    };
    {
        let mut decoder = flate2::write::DeflateDecoder::new(&mut raw);
        let _ = decoder.write_all(data);
        let _ = decoder.try_finish();
    }
    (raw.written, false)
}

fn stream_too_large() -> ScanError {
    ScanError::TooLarge(format!(
        "a PDF stream inflates past {} MB",
        MAX_STREAM_BYTES / (1024 * 1024)
    ))
}

/// Measures every `stream ... endstream` in the raw file as if it were deflated, before the
/// PDF reader (which inflates cross-reference and object streams while opening) sees it.
fn check_raw_streams(bytes: &[u8]) -> Result<(), ScanError> {
    let mut total = 0u64;
    let mut at = 0;
    while let Some(found) = find(&bytes[at..], b"stream") {
        let mut start = at + found + b"stream".len();
        at = start;
        if bytes[..start - b"stream".len()].ends_with(b"end") {
            continue;
        }
        match bytes.get(start..start + 2) {
            Some(b"\r\n") => start += 2,
            Some([b'\n', _]) | Some([b'\r', _]) => start += 1,
            _ => continue,
        }
        let end = find(&bytes[start..], b"endstream").map_or(bytes.len(), |end| start + end);
        let (size, layered) = inflated_size(&bytes[start..end], MAX_STREAM_BYTES);
        // A stream inside a stream (filters applied twice) multiplies; look one level deeper.
        let nested = if layered && size <= MAX_STREAM_BYTES {
            let mut inner = Vec::new();
            let mut decoder = flate2::write::ZlibDecoder::new(&mut inner);
            let _ = decoder.write_all(&bytes[start..end]);
            let _ = decoder.try_finish();
            drop(decoder);
            inflated_size(&inner, MAX_STREAM_BYTES).0
        } else {
            0
        };
        if size > MAX_STREAM_BYTES || nested > MAX_STREAM_BYTES {
            return Err(stream_too_large());
        }
        total += size + nested;
        if total > MAX_TOTAL_STREAM_BYTES {
            return Err(ScanError::TooLarge(format!(
                "the PDF's streams inflate past {} MB in all",
                MAX_TOTAL_STREAM_BYTES / (1024 * 1024)
            )));
        }
        at = end;
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// Checks the objects the raw scan cannot judge: images by their declared size, and streams
/// under LZW or run-length coding by decoding them against the cap.
fn check_objects(pdf: &Pdf) -> Result<(), ScanError> {
    for object in pdf.objects() {
        let Object::Stream(stream) = object else { continue };
        check_image(&stream)?;
        let filters = stream.filters();
        if filters
            .iter()
            .any(|filter| matches!(filter, Filter::LzwDecode | Filter::RunLengthDecode))
        {
            let decoded = lzw_or_run_length_size(&stream);
            if decoded > MAX_STREAM_BYTES {
                return Err(stream_too_large());
            }
        }
    }
    Ok(())
}

fn check_image(stream: &Stream<'_>) -> Result<(), ScanError> {
    let dict = stream.dict();
    let is_image = dict
        .get::<Name>(b"Subtype".as_slice())
        .is_some_and(|name| name.as_ref() == b"Image");
    if !is_image {
        return Ok(());
    }
    let side = |key: &[u8]| dict.get::<i64>(key).unwrap_or(0).max(0) as u64;
    let (width, height) = (side(b"Width"), side(b"Height"));
    let channels = image_channels(dict);
    if width.saturating_mul(height).saturating_mul(channels) > MAX_IMAGE_SAMPLES {
        return Err(ScanError::TooLarge(format!(
            "an image in the PDF is {width} x {height} pixels of {channels} colour channel{}, over {} million samples",
            if channels == 1 { "" } else { "s" },
            MAX_IMAGE_SAMPLES / 1_000_000
        )));
    }
    Ok(())
}

/// Colour channels of an image, from its colour space: one for grey, masks and indexed colour,
/// three for RGB, `/N` for an ICC profile; four (the most any has) when the space is not named
/// plainly or lives inside the image data (JPEG 2000).
fn image_channels(dict: &Dict<'_>) -> u64 {
    const WORST: u64 = 4;
    if dict.get::<bool>(b"ImageMask".as_slice()) == Some(true) {
        return 1;
    }
    let by_name = |name: &[u8]| match name {
        b"DeviceGray" | b"CalGray" | b"G" | b"Indexed" | b"I" => Some(1),
        b"DeviceRGB" | b"CalRGB" | b"RGB" | b"Lab" => Some(3),
        b"DeviceCMYK" | b"CMYK" => Some(4),
        _ => None,
    };
    if let Some(name) = dict.get::<Name>(b"ColorSpace".as_slice()) {
        return by_name(name.as_ref()).unwrap_or(WORST);
    }
    let Some(array) = dict.get::<Array>(b"ColorSpace".as_slice()) else {
        return WORST;
    };
    let mut entries = array.iter::<Object>();
    match entries.next() {
        Some(Object::Name(family)) if family.as_ref() == b"ICCBased" => match entries.next() {
            Some(Object::Stream(profile)) => match profile.dict().get::<i64>(b"N".as_slice()) {
                Some(count @ 1..=4) => count as u64,
                _ => WORST,
            },
            _ => WORST,
        },
        Some(Object::Name(family)) => by_name(family.as_ref()).unwrap_or(WORST),
        _ => WORST,
    }
}

/// Decoded size of a stream whose filters include LZW or run-length, up to just past the cap
/// (the decoders here stop early; the PDF reader's own would not).
fn lzw_or_run_length_size(stream: &Stream<'_>) -> u64 {
    let mut data = stream.raw_data().into_owned();
    for filter in stream.filters() {
        data = match filter {
            Filter::LzwDecode => capped_lzw(&data),
            Filter::RunLengthDecode => capped_run_length(&data),
            Filter::FlateDecode => {
                let mut out = Vec::new();
                let mut decoder = flate2::write::ZlibDecoder::new(&mut out);
                let _ = decoder.write_all(&data);
                let _ = decoder.try_finish();
                drop(decoder);
                out
            }
            _ => return data.len() as u64,
        };
        if data.len() as u64 > MAX_STREAM_BYTES {
            break;
        }
    }
    data.len() as u64
}

fn capped_lzw(data: &[u8]) -> Vec<u8> {
    let mut decoder = weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
    let mut out = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut input = data;
    while (out.len() as u64) <= MAX_STREAM_BYTES {
        let result = decoder.decode_bytes(input, &mut buffer);
        out.extend_from_slice(&buffer[..result.consumed_out]);
        input = &input[result.consumed_in..];
        match result.status {
            Ok(weezl::LzwStatus::Ok) if result.consumed_in + result.consumed_out > 0 => {}
            _ => break,
        }
    }
    out
}

fn capped_run_length(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(&length) = data.get(at) {
        if (out.len() as u64) > MAX_STREAM_BYTES || length == 128 {
            break;
        }
        if length < 128 {
            let run = &data[(at + 1).min(data.len())..(at + 2 + usize::from(length)).min(data.len())];
            out.extend_from_slice(run);
            at += 2 + usize::from(length);
        } else {
            let byte = data.get(at + 1).copied().unwrap_or(0);
            out.extend(std::iter::repeat_n(byte, 257 - usize::from(length)));
            at += 2;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PDF without a cross-reference table (the reader rebuilds it) holding `objects`.
    fn pdf(objects: &[&str]) -> Vec<u8> {
        let mut out = String::from("%PDF-1.4\n");
        for (number, object) in objects.iter().enumerate() {
            out.push_str(&format!("{} 0 obj\n{object}\nendobj\n", number + 1));
        }
        out.push_str("trailer\n<< /Root 1 0 R >>\n%%EOF\n");
        out.into_bytes()
    }

    #[test]
    fn oversized_images_and_sliver_pages_are_refused() {
        let page = |media_box: &str| format!("<< /Type /Page /Parent 2 0 R /MediaBox [{media_box}] /Contents 4 0 R >>");
        let catalog = "<< /Type /Catalog /Pages 2 0 R >>";
        let pages = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
        let content = "<< /Length 12 >>\nstream\n0 0 1 1 re f\nendstream";
        let image = "<< /Type /XObject /Subtype /Image /Width 20000 /Height 20000 /BitsPerComponent 8 /ColorSpace /DeviceGray /Length 1 >>\nstream\n0\nendstream";
        let error = Document::open(&pdf(&[catalog, pages, &page("0 0 612 792"), content, image]))
            .err()
            .expect("refused");
        assert!(error.to_string().contains("20000 x 20000"), "{error}");
        let sliver = Document::open(&pdf(&[catalog, pages, &page("0 0 14400 0.01"), content])).unwrap();
        let error = sliver.render(0, 150.0, &Budget::new()).unwrap_err();
        assert!(error.to_string().contains("smaller than an inch"), "{error}");
        let letter = Document::open(&pdf(&[catalog, pages, &page("0 0 612 792"), content])).unwrap();
        assert_eq!(letter.render(0, 72.0, &Budget::new()).unwrap().dimensions(), (612, 792));
    }

    #[test]
    fn a_page_the_renderer_cannot_finish_in_time_is_given_up_at_the_deadline() {
        // A shading whose PostScript function runs a thousand operators for every pixel: cheap
        // to count (one fill), seconds to render. The renderer cannot be stopped, so the page
        // is given up when its deadline passes.
        let catalog = "<< /Type /Catalog /Pages 2 0 R >>";
        let pages = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
        let page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Shading << /S 5 0 R >> >> >>";
        let content = "<< /Length 4 >>\nstream\n/S sh\nendstream";
        let shading = "<< /ShadingType 1 /ColorSpace /DeviceGray /Domain [0 612 0 792] /Function 6 0 R >>";
        let program = format!("{{ {} }}", "dup pop ".repeat(1000));
        let function = format!(
            "<< /FunctionType 4 /Domain [0 612 0 792] /Range [0 1] /Length {} >>\nstream\n{program}\nendstream",
            program.len()
        );
        let document = Document::open(&pdf(&[catalog, pages, page, content, shading, &function])).unwrap();
        let budget = Budget::with_limits(
            std::time::Duration::from_millis(200),
            std::time::Duration::from_secs(60),
        );
        let error = document.render(0, 150.0, &budget).unwrap_err();
        assert!(matches!(error, ScanError::GaveUp { what: "a page", .. }), "{error}");
    }

    #[test]
    fn a_600_dpi_grey_scan_fits_and_a_colour_one_is_refused_by_its_channels() {
        let catalog = "<< /Type /Catalog /Pages 2 0 R >>";
        let pages = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
        let page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>";
        let content = "<< /Length 12 >>\nstream\n0 0 1 1 re f\nendstream";
        let image = |space: &str| {
            format!(
                "<< /Type /XObject /Subtype /Image /Width 5100 /Height 6600 /BitsPerComponent 8 /ColorSpace {space} /Length 1 >>\nstream\n0\nendstream"
            )
        };
        for grey in ["/DeviceGray", "[/Indexed /DeviceRGB 255 <00>]", "[/ICCBased 6 0 R]"] {
            let profile = "<< /N 1 /Length 1 >>\nstream\n0\nendstream";
            assert!(
                Document::open(&pdf(&[catalog, pages, page, content, &image(grey), profile])).is_ok(),
                "{grey}"
            );
        }
        for colour in ["/DeviceRGB", "/Unknown", "[/ICCBased 6 0 R]"] {
            let profile = "<< /N 3 /Length 1 >>\nstream\n0\nendstream";
            let error = Document::open(&pdf(&[catalog, pages, page, content, &image(colour), profile]))
                .err()
                .expect("refused");
            assert!(error.to_string().contains("5100 x 6600"), "{colour}: {error}");
        }
    }

    #[test]
    fn a_rendered_page_is_grey_by_the_usual_weights() {
        let pixels = [255, 255, 255, 255, 0, 0, 0, 255, 10, 200, 30, 255, 255, 0, 0, 255];
        assert_eq!(luma(&pixels), vec![255, 0, 123, 76]);
    }
}
