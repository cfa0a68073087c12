//! Decoding scans and photos (PNG, JPEG, TIFF, WebP, BMP) to the grey page the QR reader wants.
//!
//! Office scanners write TIFF (LZW, CCITT G4 fax, JPEG; often several pages in one file) and
//! fax machines store 200 x 100 dpi pixels that are twice as tall as wide; photos may carry a
//! transparent background or colour. Each page is decoded on its own, refused before its
//! pixels are allocated when too large, laid onto white paper, and stretched back to square
//! pixels when the file says they are not.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageFormat, ImageReader, Limits};
use tiff::decoder::{Decoder as TiffDecoder, DecodingResult};
use tiff::tags::Tag;

use super::guard::contain;
use super::qr::{self, PageImage};
use super::tiff_chunks::Layout;
use super::{MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, ScanError};

/// Resolution ratio from which pixels are taken as non-square (fax: 200 x 100 dpi is 2).
const NON_SQUARE: f64 = 1.4;
/// Spread between an RGB pixel's channels below which it counts as grey.
const GREY_SPREAD: u8 = 24;

/// Largest scan read at all: Legal paper at 1200 dpi (10 200 x 16 800). Scanners offer 1200 dpi
/// while the reader needs no more than 600, so a page past [`MAX_IMAGE_PIXELS`] is shrunk by a
/// whole factor as it is decoded, never kept at full size beside its grey page.
const MAX_SCAN_PIXELS: u64 = 172_000_000;
/// Longest side of a scan read at all (Legal's 14 inches at 1200 dpi).
const MAX_SCAN_SIDE: u32 = 17_000;

fn fits(width: u32, height: u32) -> bool {
    width <= MAX_IMAGE_SIDE && height <= MAX_IMAGE_SIDE && u64::from(width) * u64::from(height) <= MAX_IMAGE_PIXELS
}

/// The whole factor a page of this size is shrunk by when decoded (1: kept as it is), or
/// `TooLarge` past [`MAX_SCAN_PIXELS`], refused from the header before pixels are allocated.
pub(super) fn shrink_factor(width: u32, height: u32) -> Result<u32, ScanError> {
    if width > MAX_SCAN_SIDE || height > MAX_SCAN_SIDE || u64::from(width) * u64::from(height) > MAX_SCAN_PIXELS {
        return Err(ScanError::TooLarge(format!("{width}x{height} pixels")));
    }
    Ok((1..=4)
        .find(|factor| fits(width / factor, height / factor))
        .unwrap_or(4))
}

/// `page` shrunk by `factor` (a box filter, as the reader's own half-scale passes use).
fn shrink(page: PageImage, factor: u32) -> PageImage {
    if factor <= 1 {
        return page;
    }
    PageImage {
        gray: qr::box_downscale(&page.gray, factor),
        brightest: page.brightest.map(|brightest| qr::box_downscale(&brightest, factor)),
    }
}

fn is_tiff(bytes: &[u8]) -> bool {
    matches!(image::guess_format(bytes), Ok(ImageFormat::Tiff))
}

fn tiff_decoder(bytes: &[u8]) -> Result<TiffDecoder<Cursor<&[u8]>>, ScanError> {
    let mut limits = tiff::decoder::Limits::default();
    limits.decoding_buffer_size = (MAX_IMAGE_PIXELS * 4) as usize;
    contain(|| TiffDecoder::new(Cursor::new(bytes)).map(|decoder| decoder.with_limits(limits)))
        .ok_or_else(|| ScanError::BadImage("the TIFF decoder failed".into()))?
        .map_err(|error| ScanError::BadImage(error.to_string()))
}

/// Number of pages (images) in the file: the directories of a TIFF, else 1.
pub fn page_count(bytes: &[u8]) -> Result<usize, ScanError> {
    if !is_tiff(bytes) {
        return Ok(1);
    }
    let mut decoder = tiff_decoder(bytes)?;
    let mut count = 1;
    while decoder.more_images() {
        if count >= super::pdf::MAX_PAGES {
            return Err(ScanError::TooLarge(format!(
                "more than {} pages; split it into smaller files",
                super::pdf::MAX_PAGES
            )));
        }
        contain(|| decoder.next_image())
            .ok_or_else(|| ScanError::BadImage("the TIFF decoder failed".into()))?
            .map_err(|error| ScanError::BadImage(error.to_string()))?;
        count += 1;
    }
    Ok(count)
}

/// Decodes an image (its first page) to greyscale, refusing oversized ones before allocating
/// their pixels.
pub fn decode_image(bytes: &[u8]) -> Result<GrayImage, ScanError> {
    decode_page(bytes, 0).map(|page| page.gray)
}

/// Decodes page `index` (from 0) of an image file.
pub fn decode_page(bytes: &[u8], index: usize) -> Result<PageImage, ScanError> {
    if is_tiff(bytes) {
        return decode_tiff_page(bytes, index);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| ScanError::BadImage(error.to_string()))?;
    let format = reader.format();
    match format {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Bmp) => {}
        _ => return Err(ScanError::UnknownKind),
    }
    let (width, height) = reader
        .into_dimensions()
        .map_err(|error| ScanError::BadImage(error.to_string()))?;
    let factor = shrink_factor(width, height)?;
    if format == Some(ImageFormat::Png)
        && let Some(page) = decode_png_rows(bytes, factor)?
    {
        return Ok(page);
    }
    if format == Some(ImageFormat::Jpeg) && factor > 1 {
        return decode_large_jpeg(bytes, width, height, factor);
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| ScanError::BadImage(error.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SCAN_SIDE);
    limits.max_image_height = Some(MAX_SCAN_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_PIXELS * 4);
    reader.limits(limits);
    let decoded = contain(|| reader.decode())
        .ok_or_else(|| ScanError::BadImage("the image decoder failed".into()))?
        .map_err(|error| match error {
            image::ImageError::Limits(_) => ScanError::TooLarge(format!("{width}x{height} pixels")),
            other => ScanError::BadImage(other.to_string()),
        })?;
    Ok(shrink(page_from(decoded), factor))
}

/// A JPEG past [`MAX_IMAGE_PIXELS`] (a 1200 dpi scan), decoded straight to grey levels: a colour
/// page at full size would be three times the grey one (417 MB for A4), and the reader needs only
/// the shrunk grey page. `zune-jpeg` is the decoder `image` itself uses.
fn decode_large_jpeg(bytes: &[u8], width: u32, height: u32, factor: u32) -> Result<PageImage, ScanError> {
    use zune_core::bytestream::ZCursor;
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .set_max_width(MAX_SCAN_SIDE as usize)
        .set_max_height(MAX_SCAN_SIDE as usize)
        .jpeg_set_out_colorspace(ColorSpace::Luma);
    let pixels = contain(|| zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options).decode())
        .ok_or_else(|| ScanError::BadImage("the JPEG decoder failed".into()))?
        .map_err(|error| ScanError::BadImage(format!("{error:?}")))?;
    let gray = GrayImage::from_raw(width, height, pixels)
        .ok_or_else(|| ScanError::BadImage("the JPEG holds fewer pixels than it declares".into()))?;
    Ok(shrink(PageImage::from(gray), factor))
}

/// Decodes an 8-bit, non-interlaced PNG (what scanners and `pdftoppm` write) a row at a time
/// straight into grey levels, the way [`from_samples`] makes them from a whole decoded image:
/// a 300 dpi RGB page is never held as 26 MB of samples (decoding it whole and converting it
/// was a quarter of a 300 dpi verify). The brightest channel is made too when a coloured pixel
/// turns up, by decoding again from the start (a colour photo shows colour in its first rows).
/// `None` for any other PNG (16-bit, interlaced), which the general decoder reads.
fn decode_png_rows(bytes: &[u8], factor: u32) -> Result<Option<PageImage>, ScanError> {
    match png_rows(bytes, false, factor)? {
        PngRows::Other => Ok(None),
        PngRows::Page(page) => Ok(Some(page)),
        PngRows::Coloured => match png_rows(bytes, true, factor)? {
            PngRows::Page(page) => Ok(Some(page)),
            PngRows::Other | PngRows::Coloured => Ok(None),
        },
    }
}

/// What one row-by-row decoding of a PNG gave.
enum PngRows {
    /// Not an 8-bit non-interlaced PNG.
    Other,
    /// A coloured pixel was found while the brightest channel was not being made.
    Coloured,
    /// The page.
    Page(PageImage),
}

/// Page rows shrunk by a whole factor as they arrive (a 1200 dpi scan): the sums of one output
/// row are kept, never the full-size page.
struct RowShrinker {
    factor: usize,
    width: usize,
    sums: Vec<u32>,
    rows_summed: usize,
    out: Vec<u8>,
}

impl RowShrinker {
    fn new(width: usize, height: usize, factor: usize) -> Self {
        let width = width / factor;
        Self {
            factor,
            width,
            sums: vec![0; if factor > 1 { width } else { 0 }],
            rows_summed: 0,
            out: Vec::with_capacity(width * (height / factor)),
        }
    }

    fn push(&mut self, row: &[u8]) {
        if self.factor == 1 {
            self.out.extend_from_slice(&row[..self.width]);
            return;
        }
        for (sum, block) in self.sums.iter_mut().zip(row.chunks_exact(self.factor)) {
            *sum += block.iter().map(|&value| u32::from(value)).sum::<u32>();
        }
        self.rows_summed += 1;
        if self.rows_summed == self.factor {
            let area = (self.factor * self.factor) as u32;
            self.out
                .extend(self.sums.iter().map(|sum| ((sum + area / 2) / area) as u8));
            self.sums.iter_mut().for_each(|sum| *sum = 0);
            self.rows_summed = 0;
        }
    }

    fn finish(self) -> GrayImage {
        let height = self.out.len() / self.width.max(1);
        GrayImage::from_raw(self.width as u32, height as u32, self.out).expect("width x height pixels")
    }
}

fn png_rows(bytes: &[u8], with_brightest: bool, factor: u32) -> Result<PngRows, ScanError> {
    let bad = |error: png::DecodingError| match error {
        png::DecodingError::LimitsExceeded => ScanError::TooLarge("a PNG row is too large".into()),
        other => ScanError::BadImage(other.to_string()),
    };
    contain(|| {
        // Rows only: the decoder itself needs a few rows of the image, never the page.
        let limits = png::Limits { bytes: 4 * 1024 * 1024 };
        let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().map_err(bad)?;
        let info = reader.info();
        let (width, height, interlaced) = (info.width, info.height, info.interlaced);
        shrink_factor(width, height)?;
        let (colour, depth) = reader.output_color_type();
        let channels = match colour {
            png::ColorType::Grayscale => 1,
            png::ColorType::GrayscaleAlpha => 2,
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            png::ColorType::Indexed => return Ok(PngRows::Other),
        };
        if interlaced || depth != png::BitDepth::Eight {
            return Ok(PngRows::Other);
        }
        let (w, h) = (width as usize, height as usize);
        let factor = factor as usize;
        let mut gray = RowShrinker::new(w, h, factor);
        let mut brightest = with_brightest.then(|| RowShrinker::new(w, h, factor));
        let (mut gray_row, mut brightest_row_buffer) = (vec![0u8; w], vec![0u8; w]);
        for _ in 0..h {
            let row = reader
                .next_row()
                .map_err(bad)?
                .ok_or_else(|| ScanError::BadImage("the PNG ends before its last row".into()))?;
            let samples = row.data();
            if samples.len() < w * channels {
                return Err(ScanError::BadImage("a PNG row is shorter than the image".into()));
            }
            let out = &mut gray_row[..];
            let coloured = match channels {
                1 => {
                    out.copy_from_slice(&samples[..w]);
                    false
                }
                2 => grey_row::<2>(samples, out),
                3 => grey_row::<3>(samples, out),
                _ => grey_row::<4>(samples, out),
            };
            gray.push(&gray_row);
            match brightest.as_mut() {
                Some(brightest) if channels > 2 => {
                    let out = &mut brightest_row_buffer[..];
                    match channels {
                        3 => brightest_row::<3>(samples, out),
                        _ => brightest_row::<4>(samples, out),
                    }
                    brightest.push(out);
                }
                Some(brightest) => brightest.push(&gray_row),
                None if coloured => return Ok(PngRows::Coloured),
                None => {}
            }
        }
        Ok(PngRows::Page(PageImage {
            gray: gray.finish(),
            brightest: brightest.map(RowShrinker::finish),
        }))
    })
    .ok_or_else(|| ScanError::BadImage("the PNG decoder failed".into()))?
}

/// Grey levels (and the brightest channel of colour images) of a decoded image, transparent
/// pixels laid onto white.
fn page_from(decoded: DynamicImage) -> PageImage {
    match decoded {
        // A greyscale scan is already what the reader wants; `into_luma8` would convert it
        // pixel by pixel anyway (a fifth of a 300 dpi verify).
        DynamicImage::ImageLuma8(gray) => PageImage::from(gray),
        other if !other.color().has_alpha() && !other.color().has_color() => PageImage::from(other.into_luma8()),
        // Colour without transparency is read as it is: no RGBA copy of a 300 dpi page.
        DynamicImage::ImageRgb8(rgb) => from_samples(rgb.width(), rgb.height(), rgb.as_raw(), 3),
        other => {
            let rgba = other.into_rgba8();
            from_rgba(rgba.width(), rgba.height(), rgba.as_raw())
        }
    }
}

/// Lays RGBA pixels onto white paper; keeps the brightest channel when the image has colour.
fn from_rgba(width: u32, height: u32, rgba: &[u8]) -> PageImage {
    from_samples(width, height, rgba, 4)
}

/// Grey levels of RGB (`channels` 3) or RGBA (4) samples, transparent pixels laid onto white,
/// and the brightest channel as a second page only when the image has colour (most scans are
/// grey, so that buffer is not made for them).
pub(super) fn from_samples(width: u32, height: u32, samples: &[u8], channels: usize) -> PageImage {
    match channels {
        3 => from_pixels::<3>(width, height, samples),
        _ => from_pixels::<4>(width, height, samples),
    }
}

/// [`from_samples`] for `N` samples a pixel: a fixed-size pixel and a page buffer written in
/// place let the loop vectorise (the grey conversion was a quarter of a 300 dpi verify).
fn from_pixels<const N: usize>(width: u32, height: u32, samples: &[u8]) -> PageImage {
    let mut gray = vec![0u8; samples.len() / N];
    let coloured = grey_row::<N>(samples, &mut gray);
    let image = |pixels: Vec<u8>| GrayImage::from_raw(width, height, pixels).expect("width x height pixels");
    let brightest = coloured.then(|| {
        let mut brightest = vec![0u8; gray.len()];
        brightest_row::<N>(samples, &mut brightest);
        image(brightest)
    });
    PageImage {
        gray: image(gray),
        brightest,
    }
}

/// A pixel of `N` samples (grey and alpha, RGB or RGBA) as RGB laid onto white paper.
fn composite<const N: usize>(pixel: &[u8; N]) -> [u8; 3] {
    let on_white = composite_on_white;
    let (colour, alpha) = match N {
        2 => ([pixel[0]; 3], pixel[1]),
        _ => ([pixel[0], pixel[1], pixel[2]], pixel.get(3).copied().unwrap_or(255)),
    };
    if alpha < 255 {
        colour.map(|value| on_white(value, alpha))
    } else {
        colour
    }
}

/// A sample of coverage `alpha` laid onto white paper.
pub(super) fn composite_on_white(value: u8, alpha: u8) -> u8 {
    ((u32::from(value) * u32::from(alpha) + 255 * (255 - u32::from(alpha)) + 127) / 255) as u8
}

/// Writes the grey level of each pixel of `samples` (`N` samples a pixel) into `out`; true
/// when a pixel has colour.
fn grey_row<const N: usize>(samples: &[u8], out: &mut [u8]) -> bool {
    let (pixels, _) = samples.as_chunks::<N>();
    let mut coloured = false;
    for (out, pixel) in out.iter_mut().zip(pixels) {
        let [r, g, b] = composite(pixel);
        coloured |= r.max(g).max(b) - r.min(g).min(b) > GREY_SPREAD;
        *out = luma(r, g, b);
    }
    coloured
}

/// Writes the brightest channel of each pixel of `samples` into `out`.
fn brightest_row<const N: usize>(samples: &[u8], out: &mut [u8]) {
    let (pixels, _) = samples.as_chunks::<N>();
    for (out, pixel) in out.iter_mut().zip(pixels) {
        let [r, g, b] = composite(pixel);
        *out = r.max(g).max(b);
    }
}

/// Grey level of a colour: (299 R + 587 G + 114 B) / 1000, rounded down. The division is a
/// multiply and shift, exact for every sum up to 255 000 (a test checks them all), which
/// page-sized loops run several times faster than a division.
pub(super) fn luma(red: u8, green: u8, blue: u8) -> u8 {
    let sum = u32::from(red) * 299 + u32::from(green) * 587 + u32::from(blue) * 114;
    ((u64::from(sum) * 4_294_968) >> 32) as u8
}

fn tiff_error(error: tiff::TiffError) -> ScanError {
    match error {
        tiff::TiffError::LimitsExceeded => ScanError::TooLarge("a TIFF page is too large".into()),
        other => ScanError::BadImage(other.to_string()),
    }
}

/// The resolution tag as a number (a rational in TIFF).
fn resolution(decoder: &mut TiffDecoder<Cursor<&[u8]>>, tag: Tag) -> Option<f64> {
    use tiff::decoder::ifd::Value;
    match decoder.find_tag(tag).ok()?? {
        Value::Rational(numerator, denominator) if denominator > 0 => {
            Some(f64::from(numerator) / f64::from(denominator))
        }
        Value::Short(value) => Some(f64::from(value)),
        Value::Unsigned(value) => Some(f64::from(value)),
        Value::Float(value) => Some(f64::from(value)),
        Value::Double(value) => Some(value),
        _ => None,
    }
    .filter(|value| value.is_finite() && *value > 0.0)
}

fn decode_tiff_page(bytes: &[u8], index: usize) -> Result<PageImage, ScanError> {
    let mut decoder = tiff_decoder(bytes)?;
    contain(|| decoder.seek_to_image(index))
        .ok_or_else(|| ScanError::BadImage("the TIFF decoder failed".into()))?
        .map_err(tiff_error)?;
    let (width, height) = decoder.dimensions().map_err(tiff_error)?;
    let factor = shrink_factor(width, height)?;
    let (x_dpi, y_dpi) = (
        resolution(&mut decoder, Tag::XResolution),
        resolution(&mut decoder, Tag::YResolution),
    );
    if let Ok(layout) = Layout::read(&mut decoder)
        && layout.needs_own_decoder()
    {
        let page =
            contain(|| layout.decode(bytes)).ok_or_else(|| ScanError::BadImage("the TIFF decoder failed".into()))??;
        return Ok(square_pixels(page, x_dpi, y_dpi));
    }
    let colour = decoder.colortype().map_err(tiff_error)?;
    let decoded = contain(|| decoder.read_image())
        .ok_or_else(|| ScanError::BadImage("the TIFF decoder failed".into()))?
        .map_err(tiff_error)?;
    let page = tiff_pixels(width, height, colour, decoded)?;
    Ok(square_pixels(shrink(page, factor), x_dpi, y_dpi))
}

/// Converts a decoded TIFF page (already black-is-zero: the decoder inverts white-is-zero fax
/// pages) to a page image.
fn tiff_pixels(
    width: u32,
    height: u32,
    colour: tiff::ColorType,
    decoded: DecodingResult,
) -> Result<PageImage, ScanError> {
    use tiff::ColorType;
    let unsupported = || ScanError::BadImage(format!("TIFF colour type {colour:?}"));
    let (w, h) = (width as usize, height as usize);
    let samples: Vec<u8> = match decoded {
        DecodingResult::U8(bytes) => bytes,
        DecodingResult::U16(words) => words.iter().map(|word| (word >> 8) as u8).collect(),
        _ => return Err(unsupported()),
    };
    let need = |per_pixel: usize| {
        if samples.len() < w * h * per_pixel {
            Err(ScanError::BadImage(
                "a TIFF page holds fewer pixels than it declares".into(),
            ))
        } else {
            Ok(())
        }
    };
    match colour {
        ColorType::Gray(1) => {
            let row_bytes = w.div_ceil(8);
            if samples.len() < row_bytes * h {
                return Err(ScanError::BadImage(
                    "a TIFF page holds fewer pixels than it declares".into(),
                ));
            }
            let gray = GrayImage::from_fn(width, height, |x, y| {
                let byte = samples[y as usize * row_bytes + x as usize / 8];
                image::Luma([if byte & (0x80 >> (x % 8)) != 0 { 255 } else { 0 }])
            });
            Ok(PageImage::from(gray))
        }
        ColorType::Gray(8 | 16) => {
            need(1)?;
            let mut samples = samples;
            samples.truncate(w * h);
            Ok(PageImage::from(
                GrayImage::from_raw(width, height, samples).ok_or_else(unsupported)?,
            ))
        }
        ColorType::GrayA(8 | 16) => {
            need(2)?;
            let rgba: Vec<u8> = samples
                .chunks_exact(2)
                .take(w * h)
                .flat_map(|pixel| [pixel[0], pixel[0], pixel[0], pixel[1]])
                .collect();
            Ok(from_rgba(width, height, &rgba))
        }
        ColorType::RGB(8 | 16) | ColorType::YCbCr(8) => {
            need(3)?;
            let rgba: Vec<u8> = samples
                .chunks_exact(3)
                .take(w * h)
                .flat_map(|pixel| [pixel[0], pixel[1], pixel[2], 255])
                .collect();
            Ok(from_rgba(width, height, &rgba))
        }
        ColorType::RGBA(8 | 16) => {
            need(4)?;
            Ok(from_rgba(width, height, &samples[..w * h * 4]))
        }
        ColorType::CMYK(8) => {
            need(4)?;
            let rgba: Vec<u8> = samples
                .chunks_exact(4)
                .take(w * h)
                .flat_map(|pixel| {
                    let ink = |channel: u8| ((255 - u32::from(channel)) * (255 - u32::from(pixel[3])) / 255) as u8;
                    [ink(pixel[0]), ink(pixel[1]), ink(pixel[2]), 255]
                })
                .collect();
            Ok(from_rgba(width, height, &rgba))
        }
        _ => Err(unsupported()),
    }
}

/// Stretches a page whose pixels are not square (a fax's 200 x 100 dpi) back to square.
fn square_pixels(page: PageImage, x_dpi: Option<f64>, y_dpi: Option<f64>) -> PageImage {
    let (Some(x_dpi), Some(y_dpi)) = (x_dpi, y_dpi) else {
        return page;
    };
    let ratio = x_dpi / y_dpi;
    let (x_factor, y_factor) = if ratio >= NON_SQUARE {
        (1, ratio.round().min(4.0) as u32)
    } else if ratio <= 1.0 / NON_SQUARE {
        ((1.0 / ratio).round().min(4.0) as u32, 1)
    } else {
        return page;
    };
    let (width, height) = page.gray.dimensions();
    if u64::from(width * x_factor) * u64::from(height * y_factor) > MAX_IMAGE_PIXELS {
        return page;
    }
    PageImage {
        gray: qr::stretch(&page.gray, x_factor, y_factor),
        brightest: page
            .brightest
            .map(|brightest| qr::stretch(&brightest, x_factor, y_factor)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_divides_exactly_by_a_thousand() {
        for sum in 0u64..=255_000 {
            assert_eq!((sum * 4_294_968) >> 32, sum / 1000, "{sum}");
        }
        assert_eq!(luma(255, 255, 255), 255);
        assert_eq!(luma(10, 200, 30), 123);
        assert_eq!(luma(255, 0, 0), 76);
    }

    /// `image` encoded as PNG.
    fn png_of(image: DynamicImage) -> Vec<u8> {
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .expect("encodes");
        bytes
    }

    #[test]
    fn png_rows_give_what_decoding_the_whole_image_gives() {
        // Grey for the first 40 rows, then a coloured pixel: the row decoder finds colour late
        // and must still give the brightest channel of the rows before it.
        let (width, height) = (37u32, 53u32);
        let channel = |x: u32, y: u32, shift: u32| ((x * 29 + y * 13 + shift) % 256) as u8;
        let rgba = image::RgbaImage::from_fn(width, height, |x, y| {
            let grey = channel(x, y, 0);
            let alpha = if (x + y) % 5 == 0 { 128 } else { 255 };
            if y >= 40 && x == 3 {
                image::Rgba([250, 10, 10, 255])
            } else {
                image::Rgba([grey, grey.saturating_add(5), grey, alpha])
            }
        });
        let images = [
            DynamicImage::ImageRgba8(rgba.clone()),
            DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(rgba.clone()).into_rgb8()),
            DynamicImage::ImageLumaA8(DynamicImage::ImageRgba8(rgba.clone()).into_luma_alpha8()),
            DynamicImage::ImageLuma8(DynamicImage::ImageRgba8(rgba).into_luma8()),
        ];
        for image in images {
            let colour = image.color();
            let bytes = png_of(image.clone());
            let rows = decode_png_rows(&bytes, 1)
                .expect("decodes")
                .expect("an 8-bit PNG is read by rows");
            let whole = page_from(image::load_from_memory(&bytes).expect("decodes"));
            assert_eq!(rows.gray, whole.gray, "{colour:?}");
            assert_eq!(rows.brightest, whole.brightest, "{colour:?}");
        }
    }

    #[test]
    fn pages_past_the_image_limit_are_shrunk_to_fit_and_rows_shrink_as_a_whole_page_would() {
        // A4 at 300 and 600 dpi as they are; at 1200 dpi halved; Legal at 1200 dpi too; past it
        // refused.
        assert_eq!(shrink_factor(2481, 3508), Ok(1));
        assert_eq!(shrink_factor(4961, 7016), Ok(1));
        assert_eq!(shrink_factor(9922, 14032), Ok(2));
        assert_eq!(shrink_factor(10200, 16800), Ok(2));
        assert!(matches!(shrink_factor(12000, 17000), Err(ScanError::TooLarge(_))));
        let page = GrayImage::from_fn(37, 23, |x, y| image::Luma([((x * 31 + y * 17) % 256) as u8]));
        for factor in [1, 2, 3] {
            let mut rows = RowShrinker::new(37, 23, factor);
            page.rows().for_each(|row| {
                let row: Vec<u8> = row.map(|pixel| pixel[0]).collect();
                rows.push(&row);
            });
            let expected = if factor == 1 {
                page.clone()
            } else {
                let cropped = image::imageops::crop_imm(
                    &page,
                    0,
                    0,
                    37 / factor as u32 * factor as u32,
                    23 / factor as u32 * factor as u32,
                )
                .to_image();
                qr::box_downscale(&cropped, factor as u32)
            };
            assert_eq!(rows.finish(), expected, "factor {factor}");
        }
    }

    #[test]
    fn sixteen_bit_pngs_are_left_to_the_whole_image_decoder() {
        let deep = image::ImageBuffer::<image::Rgb<u16>, _>::from_fn(9, 7, |x, y| {
            image::Rgb([(x * 7000) as u16, (y * 9000) as u16, 300])
        });
        let bytes = png_of(DynamicImage::ImageRgb16(deep));
        assert!(decode_png_rows(&bytes, 1).expect("decodes").is_none());
        let page = decode_page(&bytes, 0).expect("decodes");
        assert_eq!(page.gray.dimensions(), (9, 7));
    }

    #[test]
    fn colour_pixels_keep_their_brightest_channel_and_transparency_turns_white() {
        let rgb = from_samples(2, 1, &[200, 40, 40, 90, 90, 90], 3);
        assert_eq!(rgb.gray.as_raw(), &vec![luma(200, 40, 40), 90]);
        assert_eq!(rgb.brightest.map(|page| page.into_raw()), Some(vec![200, 90]));
        let clear = from_samples(2, 1, &[0, 0, 0, 0, 0, 0, 0, 255], 4);
        assert_eq!(clear.gray.as_raw(), &vec![255, 0]);
        assert!(clear.brightest.is_none());
    }
}
