//! The files a sealed ceremony leaves in its output directory: one sheet per custodian, the
//! public files of its kind, the manifest, the ceremony record and runbook, and the log that
//! starts with the `seal` record. They are written into a staging directory, every sheet is
//! read back from its PDF (the self-check), and only then does the directory appear, whole.

use std::path::{Path, PathBuf};

use crate::ceremony::seal::SealedCeremony;
use crate::ceremony::selfcheck::{self, SelfCheckError};
use crate::evidence::audit::{self, Action, Record};
use crate::evidence::manifest::Manifest;
use crate::exit::Exit;
use crate::paper::render::RenderError;
use crate::paper::runbook;
use crate::platform::output::{OutputError, Staging};

/// The cover page of the ceremony record.
pub const RECORD_PDF: &str = "ceremony-record.pdf";
/// The runbook, printable.
pub const RUNBOOK_PDF: &str = "runbook.pdf";
/// The runbook, editable.
pub const RUNBOOK_MD: &str = "runbook.md";
/// The public record.
pub const MANIFEST_JSON: &str = "manifest.json";

/// Markdown templates of the runbook and the ceremony record.
pub struct PaperTrailTemplates {
    /// Runbook.
    pub runbook: String,
    /// Ceremony record (cover page).
    pub record: String,
}

impl Default for PaperTrailTemplates {
    fn default() -> Self {
        Self {
            runbook: runbook::RUNBOOK_TEMPLATE.to_owned(),
            record: runbook::RECORD_TEMPLATE.to_owned(),
        }
    }
}

/// Why a sealed ceremony could not be written; nothing is left behind.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The output directory could not be written.
    #[error("{0}")]
    Output(#[from] OutputError),
    /// A runbook or ceremony record template does not render.
    #[error("{0} (in a runbook or ceremony record template)")]
    Render(#[from] RenderError),
    /// A sheet did not read back.
    #[error("{0}")]
    SelfCheck(#[from] SelfCheckError),
}

impl From<&WriteError> for Exit {
    fn from(error: &WriteError) -> Self {
        match error {
            WriteError::Output(error) => Exit::from(error),
            WriteError::Render(_) => Exit::BadRequest,
            WriteError::SelfCheck(error) => Exit::from(error),
        }
    }
}

/// The first line of the ceremony's log, written with the sheets so it appears atomically.
pub fn seal_record(manifest: &Manifest, operator: Option<String>, now: i64) -> String {
    let mut record = Record::new(
        Action::Seal,
        Some(manifest.ceremony_id.as_str().to_owned()),
        Exit::Ok,
        now,
    );
    let indices: Vec<u8> = manifest.custodians.iter().map(|custodian| custodian.index).collect();
    record.shares = audit::share_refs(&indices, Some(manifest));
    record.operator = operator;
    audit::first_line(record).0
}

/// Writes `ceremony` into `out` (a new or empty directory), reads every sheet back, and only
/// then makes the directory appear; returns where it is. `on_check(done, total)` reports the
/// self-check's progress (it starts with `done` = 0).
pub fn write(
    ceremony: &SealedCeremony,
    out: &Path,
    templates: &PaperTrailTemplates,
    operator: Option<String>,
    now: i64,
    on_check: &(dyn Fn(usize, usize) + Sync),
) -> Result<PathBuf, WriteError> {
    let manifest = &ceremony.manifest;
    let paper = ceremony.paper;
    let staging = Staging::begin(out)?;
    for sheet in &ceremony.sheets {
        staging.write(&sheet.file_name, &sheet.pdf)?;
    }
    for (name, bytes) in &ceremony.public_files {
        staging.write(name, bytes)?;
    }
    staging.write(MANIFEST_JSON, manifest.to_json().as_bytes())?;
    let record = runbook::fill(&templates.record, manifest);
    staging.write(
        RECORD_PDF,
        &runbook::render(&record, manifest, paper, "ceremony record")?,
    )?;
    let runbook_text = runbook::runbook_markdown(manifest, &templates.runbook);
    staging.write(RUNBOOK_MD, runbook_text.as_bytes())?;
    staging.write(
        RUNBOOK_PDF,
        &runbook::render(&runbook_text, manifest, paper, "runbook")?,
    )?;
    staging.write(audit::FILE_NAME, seal_record(manifest, operator, now).as_bytes())?;
    let total = ceremony.sheets.len();
    on_check(0, total);
    selfcheck::check_with_progress(staging.path(), &ceremony.sheets, manifest, &|done| {
        on_check(done, total)
    })?;
    Ok(staging.commit()?)
}
