//! Proof, right after sealing, that the sheets on disk read back.
//!
//! The written PDFs go through exactly the path `verify` uses (rasterise, find QR codes,
//! check every line), each sheet must give back precisely the blocks that were encoded, and
//! all shares together must combine into the manifest's vault key and open the vault.

use std::path::Path;

use crate::ceremony::seal::SealedSheet;
use crate::ceremony::verify;
use crate::evidence::manifest::Manifest;
use crate::paper::format::v1;

/// Resolution the self-check first renders each sheet at. Sheets are clean vector drawings
/// with modules of 0.5 to 0.6 mm (2.0 to 2.4 pixels at 100 dpi); they read completely by the
/// first pass down to 70 dpi (docs/PERFORMANCE.md, "Sealing"), and reading a third of
/// verify's 150 dpi pixels halves the check's cost. A page not read completely is read again at
/// [`crate::paper::scan::PDF_RETRY_DPI`], exactly as `verify` does, so a lower first try can
/// cost time but never fail a good sheet.
pub const SELF_CHECK_DPI: f32 = 100.0;

/// Why a freshly written ceremony failed its self-check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SelfCheckError {
    /// A sheet did not read back completely.
    #[error("sheet {file} does not read back ({reason}); the ceremony was not saved")]
    Sheet {
        /// The sheet's file name.
        file: String,
        /// What went wrong.
        reason: String,
    },
    /// The sheets read back but do not prove the quorum.
    #[error("the sheets read back but do not recover the vault ({0}); the ceremony was not saved")]
    Quorum(String),
}

/// Checks the sheets written into `dir` against what was sealed.
pub fn check(dir: &Path, sheets: &[SealedSheet], manifest: &Manifest) -> Result<(), SelfCheckError> {
    check_with_progress(dir, sheets, manifest, &|_| {})
}

/// [`check`], calling `done(count)` as sheets are read back (for a progress bar).
pub fn check_with_progress(
    dir: &Path,
    sheets: &[SealedSheet],
    manifest: &Manifest,
    done: &(dyn Fn(usize) + Sync),
) -> Result<(), SelfCheckError> {
    let paths: Vec<_> = sheets.iter().map(|sheet| dir.join(&sheet.file_name)).collect();
    let options = verify::ReadOptions {
        pdf_dpi: Some(SELF_CHECK_DPI),
        single_sheet: true,
        ..verify::ReadOptions::default()
    };
    let mut reports = verify::read_inputs_with(&paths, options, done);
    for (sheet, report) in sheets.iter().zip(&reports) {
        let fail = |reason: String| SelfCheckError::Sheet {
            file: sheet.file_name.clone(),
            reason,
        };
        if let Some(problem) = report.problems.first() {
            return Err(fail(problem.to_string()));
        }
        for encoded in &sheet.blocks {
            let expected = v1::decode_text(&encoded.qr_payload())
                .ok()
                .and_then(|mut blocks| blocks.pop())
                .and_then(Result::ok)
                .ok_or_else(|| fail("a block does not decode from its own encoding".into()))?;
            if !report.blocks.iter().any(|found| found.block == expected) {
                return Err(fail(format!("QR code {} was not read back", encoded.lines[0])));
            }
        }
        if report.blocks.len() != sheet.blocks.len() {
            return Err(fail("unexpected extra QR codes were read".into()));
        }
    }
    for locked in verify::locked_shares(&reports) {
        let plain = sheets
            .iter()
            .find(|sheet| sheet.index == locked.index)
            .and_then(|sheet| sheet.unprotected_share.as_ref())
            .ok_or_else(|| {
                SelfCheckError::Quorum(format!("protected share {} is not one that was sealed", locked.index))
            })?;
        verify::unlock_share(&mut reports, &locked, plain);
    }
    let proof = verify::prove(&reports, Some(manifest)).map_err(|error| SelfCheckError::Quorum(error.to_string()))?;
    if proof.agreeing.len() != sheets.len() || !proof.disagreeing.is_empty() {
        return Err(SelfCheckError::Quorum(
            "not every share combines with the others".into(),
        ));
    }
    Ok(())
}
