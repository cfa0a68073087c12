//! Rendering custodian sheets as PDF.
//!
//! Pure: a [`SheetModel`] of strings in, PDF bytes out. It knows nothing of shares or the
//! paper format's rules; the seal step prepares every string that is printed.

pub mod document;
pub mod font;
mod page;
pub mod qr;
mod sheet;
pub mod text;

pub use sheet::{MODULE_MM, render_sheet, render_sheets};

/// Paper sizes sheets can be printed on (named in the manifest as [`Paper::name`] says).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// ISO A4, 210 x 297 mm.
    #[default]
    A4,
    /// US Letter, 8.5 x 11 in.
    Letter,
}

impl Paper {
    /// Width and height in millimetres.
    pub fn size_mm(self) -> (f32, f32) {
        match self {
            Self::A4 => (210.0, 297.0),
            Self::Letter => (215.9, 279.4),
        }
    }

    /// Name as written in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Self::A4 => "a4",
            Self::Letter => "letter",
        }
    }
}

/// One block of data on a sheet: its QR code and its typed lines carry the same text, which for
/// an unprotected share is the share itself: wiped on drop, never printed by `Debug`, not `Clone`.
pub struct SheetBlock {
    /// Caption under the QR code, e.g. "SHARE 2 of 5".
    pub caption: String,
    /// The QR payload.
    pub qr_payload: String,
    /// The same data as printed lines for typing.
    pub printed_lines: Vec<String>,
}

impl Drop for SheetBlock {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.qr_payload);
        zeroize::Zeroize::zeroize(&mut self.printed_lines);
    }
}

impl std::fmt::Debug for SheetBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SheetBlock")
            .field("caption", &self.caption)
            .field("lines", &self.printed_lines.len())
            .finish_non_exhaustive()
    }
}

/// Everything printed on one custodian's sheet (not `Clone`: its blocks may hold a share).
#[derive(Debug)]
pub struct SheetModel {
    /// Paper size.
    pub paper: Paper,
    /// Title line, e.g. "BREAKGLASS EMERGENCY ACCESS".
    pub title: String,
    /// Right-aligned headline, e.g. "SHARE 2 OF 5".
    pub headline: String,
    /// Labelled facts (label, custodian, ceremony...), printed as a two-column table.
    pub facts: Vec<(String, String)>,
    /// Data blocks: QR codes side by side, then their typed lines.
    pub blocks: Vec<SheetBlock>,
    /// Plain-language instructions: paragraphs separated by blank lines; a paragraph whose
    /// first line starts with `# ` is a heading.
    pub instructions: String,
    /// Heading above the typed lines.
    pub typed_heading: String,
    /// Footer on every page.
    pub footer: String,
    /// PDF document title (metadata).
    pub document_title: String,
    /// Whom to call, printed on every sheet: (role, name and number).
    pub contacts: Vec<(String, String)>,
    /// Heading above the contacts, e.g. "Who to call".
    pub contacts_heading: String,
    /// Printed at the top of every page after the first, so a loose page names its custodian,
    /// share and ceremony (the footer adds "page x of y").
    pub page_header: String,
    /// Serial of the tamper-evident envelope the sheet goes into, printed in the custody box
    /// (a blank to fill in by hand when unknown at sealing).
    pub seal_serial: Option<String>,
}

/// Rendering failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// A QR payload is too large for a QR code.
    #[error("a block is too large for one QR code ({0})")]
    QrTooLarge(String),
    /// Text that the PDF's fonts cannot show.
    #[error(
        "{field} contains the character {character:?}, which the PDF font cannot print (it covers Latin, Greek and Cyrillic); write it in one of those scripts"
    )]
    Unprintable {
        /// Which field.
        field: String,
        /// The offending character.
        character: char,
    },
    /// The blocks do not fit the paper even at the smallest module size.
    #[error("the QR codes do not fit on {0} paper")]
    DoesNotFit(&'static str),
}
