//! The printed paper format: what is on a sheet, character by character.
//!
//! Formats are contracts with sheets printed years ago, so each version lives in its own module
//! and is never changed once released (`docs/FORMAT.md`, frozen vectors in `tests/vectors/`).
//! A new version is added beside the old ones and the decoder dispatches on the magic.

pub mod base32;
pub mod v1;

pub use v1 as latest;

/// Paper format version a ceremony's sheets are written in, as the manifest records it
/// (`paper_format`). Only version 1 exists; a manifest naming another is refused rather than
/// read as if it were.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PaperFormat {
    /// `BG1` ([`v1`]).
    #[default]
    #[serde(rename = "BG1")]
    Bg1,
}
