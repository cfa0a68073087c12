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
use super::{MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, ScanError};

/// Resolution ratio from which pixels are taken as non-square (fax: 200 x 100 dpi is 2).
const NON_SQUARE: f64 = 1.4;
/// Spread between an RGB pixel's channels below which it counts as grey.
const GREY_SPREAD: u8 = 24;

fn too_large(width: u32, height: u32) -> Result<(), ScanError> {
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
        return Err(ScanError::TooLarge(format!("{width}x{height} pixels")));
    }
    Ok(())
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
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Bmp) => {}
        _ => return Err(ScanError::UnknownKind),
    }
    let (width, height) = reader
        .into_dimensions()
        .map_err(|error| ScanError::BadImage(error.to_string()))?;
    too_large(width, height)?;
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| ScanError::BadImage(error.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_PIXELS * 4);
    reader.limits(limits);
    let decoded = contain(|| reader.decode())
        .ok_or_else(|| ScanError::BadImage("the image decoder failed".into()))?
        .map_err(|error| ScanError::BadImage(error.to_string()))?;
    Ok(page_from(decoded))
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
fn from_samples(width: u32, height: u32, samples: &[u8], channels: usize) -> PageImage {
    match channels {
        3 => from_pixels::<3>(width, height, samples),
        _ => from_pixels::<4>(width, height, samples),
    }
}

/// [`from_samples`] for `N` samples a pixel: a fixed-size pixel and a page buffer written in
/// place let the loop vectorise (the grey conversion was a quarter of a 300 dpi verify).
fn from_pixels<const N: usize>(width: u32, height: u32, samples: &[u8]) -> PageImage {
    let on_white = |value: u8, alpha: u8| {
        ((u32::from(value) * u32::from(alpha) + 255 * (255 - u32::from(alpha)) + 127) / 255) as u8
    };
    let composite = |pixel: &[u8; N]| -> [u8; 3] {
        let colour = [pixel[0], pixel[1], pixel[2]];
        match pixel.get(3) {
            Some(&alpha) if alpha < 255 => colour.map(|value| on_white(value, alpha)),
            _ => colour,
        }
    };
    let (pixels, _) = samples.as_chunks::<N>();
    let mut gray = vec![0u8; pixels.len()];
    let mut coloured = false;
    for (out, pixel) in gray.iter_mut().zip(pixels) {
        let [r, g, b] = composite(pixel);
        coloured |= r.max(g).max(b) - r.min(g).min(b) > GREY_SPREAD;
        *out = luma(r, g, b);
    }
    let image = |pixels: Vec<u8>| GrayImage::from_raw(width, height, pixels).expect("width x height pixels");
    let brightest = coloured.then(|| {
        let pixels = pixels.iter().map(|pixel| {
            let [r, g, b] = composite(pixel);
            r.max(g).max(b)
        });
        image(pixels.collect())
    });
    PageImage {
        gray: image(gray),
        brightest,
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
    too_large(width, height)?;
    let colour = decoder.colortype().map_err(tiff_error)?;
    let (x_dpi, y_dpi) = (
        resolution(&mut decoder, Tag::XResolution),
        resolution(&mut decoder, Tag::YResolution),
    );
    let decoded = contain(|| decoder.read_image())
        .ok_or_else(|| ScanError::BadImage("the TIFF decoder failed".into()))?
        .map_err(tiff_error)?;
    let page = tiff_pixels(width, height, colour, decoded)?;
    Ok(square_pixels(page, x_dpi, y_dpi))
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
