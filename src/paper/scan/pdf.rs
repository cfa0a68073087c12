//! Rasterising PDF sheets in-process with `hayro` (pure Rust, no poppler), so `verify` can
//! check the very files `seal` wrote, on a machine with nothing else installed.

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::DecryptionError;
use hayro::hayro_syntax::{LoadPdfError, Pdf};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings, render};
use image::GrayImage;

use super::ScanError;
use super::guard::contain;

/// Pages beyond this are ignored: a sheet has one or two.
pub const MAX_PAGES: usize = 8;
/// Longest side of a rendered page in pixels, whatever a hostile MediaBox says.
const MAX_SIDE_PX: f32 = 8_000.0;

/// Renders every page (up to [`MAX_PAGES`]) at `dpi` to greyscale.
pub fn rasterise(bytes: &[u8], dpi: f32) -> Result<Vec<GrayImage>, ScanError> {
    let loaded = contain(|| Pdf::new(bytes.to_vec())).ok_or(ScanError::BadPdf("the PDF reader failed on this file"))?;
    let pdf = loaded.map_err(|error| match error {
        LoadPdfError::Decryption(DecryptionError::PasswordProtected) => ScanError::EncryptedPdf,
        LoadPdfError::Decryption(_) => ScanError::EncryptedPdf,
        LoadPdfError::Invalid => ScanError::BadPdf("the file is damaged or not a PDF"),
    })?;
    let pages = contain(|| pdf.pages().len()).ok_or(ScanError::BadPdf("the PDF reader failed on this file"))?;
    if pages == 0 {
        return Err(ScanError::BadPdf("the PDF has no pages"));
    }
    let cache = RenderCache::new();
    let interpreter = InterpreterSettings::default();
    let settings = RenderSettings::default();
    let mut images = Vec::new();
    for page in pdf.pages().iter().take(MAX_PAGES) {
        let (width_pt, height_pt) = page.render_dimensions();
        let scale = (dpi / 72.0).min(MAX_SIDE_PX / width_pt.max(height_pt).max(1.0));
        let pixmap_settings = PixmapSettings {
            x_scale: scale,
            y_scale: scale,
            bg_color: WHITE,
        };
        let pixmap = contain(|| render(page, &cache, &interpreter, &settings, &pixmap_settings))
            .ok_or(ScanError::BadPdf("the PDF reader failed on a page of this file"))?;
        let (width, height) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
        let gray: Vec<u8> = pixmap
            .data_as_u8_slice()
            .chunks_exact(4)
            .map(|rgba| ((u32::from(rgba[0]) * 299 + u32::from(rgba[1]) * 587 + u32::from(rgba[2]) * 114) / 1000) as u8)
            .collect();
        images.push(
            GrayImage::from_raw(width, height, gray)
                .ok_or(ScanError::BadPdf("a page rendered to an unexpected size"))?,
        );
    }
    Ok(images)
}
