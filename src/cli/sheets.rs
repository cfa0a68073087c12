//! Reading the sheets a command was given: every input read (with a progress bar when there
//! are several), protected shares opened, the quorum proven and the verdict taken, printing
//! nothing (the text and JSON reports are made from the result).

use std::path::PathBuf;

use breakglass::ceremony::verdict::{self, Problem, Shares};
use breakglass::ceremony::verify::{self, InputReport, Proof, ReadOptions, VerifyError};
use breakglass::evidence::manifest::Manifest;

use super::Failure;
use super::progress::Progress;
use super::unlock::{ShareKeyArgs, unlock_all};

/// Everything read and proven, before anything is printed.
pub struct Collected {
    /// The manifest, when given.
    pub manifest: Option<Manifest>,
    /// One report per input, in the order given.
    pub reports: Vec<InputReport>,
    /// The quorum proof, or why it failed.
    pub outcome: Result<Proof, VerifyError>,
}

impl Collected {
    /// The verdict: `None` when every input is sound and the quorum proven without a forged
    /// share, else the problem to report.
    pub fn verdict(&self) -> Option<Problem> {
        verdict::verdict(
            &self.reports,
            self.outcome.as_ref().map(Shares::of),
            self.manifest.as_ref(),
        )
    }
}

/// Reads every input against `manifest` (already read, so a command that checked it reads it
/// once) and proves the quorum, printing nothing but the progress bar.
pub fn collect(
    inputs: &[PathBuf],
    manifest: Option<Manifest>,
    keys: &ShareKeyArgs,
    options: ReadOptions,
) -> Result<Collected, Failure> {
    let progress = (inputs.len() > 1).then(|| Progress::bar(inputs.len() as u64, "Reading sheets"));
    let mut reports = verify::read_inputs_with(inputs, options, &|done| {
        if let Some(progress) = &progress {
            progress.set(done as u64, None);
        }
    });
    if let Some(progress) = progress {
        progress.finish();
    }
    unlock_all(&mut reports, manifest.as_ref(), keys)?;
    let outcome = verify::prove(&reports, manifest.as_ref());
    Ok(Collected {
        manifest,
        reports,
        outcome,
    })
}
