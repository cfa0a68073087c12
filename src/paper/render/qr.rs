//! QR codes as vector shapes.
//!
//! Modules are drawn as filled rectangles, one per horizontal run of dark modules, in a single
//! fill operation: crisp on any printer at any resolution (a raster QR at 1 px per module failed
//! to decode at 150 dpi in the dependency trial), and small once the stream is compressed.

pub use qrcode::EcLevel;
use qrcode::{Color, QrCode};

/// Quiet zone around each code, in modules (the standard's minimum).
pub const QUIET_ZONE: usize = 4;

/// A QR code as a square grid of modules.
#[derive(Clone, Debug)]
pub struct QrMatrix {
    /// Modules per side (without quiet zone).
    pub width: usize,
    /// Row-major, `true` for dark.
    pub dark: Vec<bool>,
    /// QR version chosen (1..=40).
    pub version: i16,
}

/// Error-correction level of printed codes: Q (25%) restores codes damaged by creases, stains
/// and speckle that M (15%) does not, at a size that still fits a sheet (`docs/FORMAT.md`).
pub const EC_LEVEL: EcLevel = EcLevel::Q;

/// Encodes `payload` (alphanumeric-mode text) into a QR matrix at [`EC_LEVEL`].
pub fn encode(payload: &str) -> Result<QrMatrix, qrcode::types::QrError> {
    encode_with_level(payload, EC_LEVEL)
}

/// Encodes at a chosen error-correction level (for measurements that compare levels).
pub fn encode_with_level(payload: &str, level: EcLevel) -> Result<QrMatrix, qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), level)?;
    let version = match code.version() {
        qrcode::Version::Normal(number) | qrcode::Version::Micro(number) => number,
    };
    let dark = code.to_colors().into_iter().map(|color| color == Color::Dark).collect();
    Ok(QrMatrix {
        width: code.width(),
        dark,
        version,
    })
}

/// Horizontal runs of dark modules: `(row, first column, length)`, row 0 at the top.
pub fn dark_runs(matrix: &QrMatrix) -> Vec<(usize, usize, usize)> {
    let mut runs = Vec::new();
    for row in 0..matrix.width {
        let mut column = 0;
        while column < matrix.width {
            if matrix.dark[row * matrix.width + column] {
                let start = column;
                while column < matrix.width && matrix.dark[row * matrix.width + column] {
                    column += 1;
                }
                runs.push((row, start, column - start));
            } else {
                column += 1;
            }
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let matrix = encode("BG1-SHARE-7K3M9QXA2B-K3-N5-S2-B113-ABC 01ABCDEF").unwrap();
        let covered: usize = dark_runs(&matrix).iter().map(|run| run.2).sum();
        assert_eq!(covered, matrix.dark.iter().filter(|&&dark| dark).count());
        assert_eq!(matrix.dark.len(), matrix.width * matrix.width);
    }
}
