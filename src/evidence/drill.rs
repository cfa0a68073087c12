//! Drills: prove, on a schedule and in front of witnesses, that the custodians' sheets still
//! recover the secret, without anyone seeing it.
//!
//! A drill is `verify` against the manifest (which already rebuilds the key and decrypts the
//! payload in memory) plus a record of who brought which sheet and how it read. The payload is
//! dropped, and so wiped, before this module returns; nothing secret leaves it.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::ceremony::seal::holds_secret;
use crate::ceremony::verify::{self, InputReport, Source, VerifyError};
use crate::evidence::audit::{self, Action, InputRecord, ReadMethod, Record};
use crate::evidence::manifest::Manifest;
use crate::exit::Exit;

pub mod report;

/// The public facts of a proven quorum (the payload itself is gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quorum {
    /// Share indices proven to rebuild the vault key.
    pub agreeing: Vec<u8>,
    /// Shares read that do not combine with the others (forged or damaged).
    pub disagreeing: Vec<u8>,
    /// Inputs holding no share whose VAULT codes are not the proven vault's.
    pub foreign_vaults: Vec<String>,
    /// k.
    pub threshold: u8,
    /// n.
    pub shares: u8,
    /// The vault's recipient, rebuilt from the shares.
    pub recipient: String,
    /// Kind of the payload that decrypted.
    pub payload_kind: String,
}

impl Quorum {
    /// The shares this quorum found, for the verdict.
    pub fn shares(&self) -> crate::ceremony::verdict::Shares<'_> {
        crate::ceremony::verdict::Shares {
            agreeing: &self.agreeing,
            disagreeing: &self.disagreeing,
            foreign_vaults: &self.foreign_vaults,
        }
    }
}

/// What a drill found.
#[derive(Debug)]
pub struct Drill {
    /// Each input as read.
    pub reports: Vec<InputReport>,
    /// The quorum, or why it was not proven.
    pub quorum: Result<Quorum, VerifyError>,
    /// Seconds between the oldest and newest input file.
    pub first_to_last_seconds: Option<u64>,
    /// The note to record (`None` if none was given or it was withheld).
    pub note: Option<String>,
    /// True if the note given contained the secret and was therefore not recorded.
    pub note_withheld: bool,
    /// The operator to record (`None` if none was given or it was withheld).
    pub operator: Option<String>,
    /// True if the operator given contained the secret and was therefore not recorded.
    pub operator_withheld: bool,
}

/// Runs a drill on `inputs` against `manifest`. `note` is the operator's free text and
/// `operator` their name; each is kept out of the record if it contains the secret (typed in
/// by mistake).
pub fn run(inputs: &[PathBuf], manifest: &Manifest, note: Option<String>, operator: Option<String>) -> Drill {
    run_on(verify::read_inputs(inputs), inputs, manifest, note, operator, None)
}

/// [`run`] on inputs already read (and their protected shares opened); `locked` is why a
/// protected share could not be opened, which fails the drill.
pub fn run_on(
    reports: Vec<InputReport>,
    inputs: &[PathBuf],
    manifest: &Manifest,
    note: Option<String>,
    operator: Option<String>,
    locked: Option<VerifyError>,
) -> Drill {
    let mut note_withheld = false;
    let mut operator_withheld = false;
    let proven = match locked {
        Some(error) => Err(error),
        None => verify::prove(&reports, Some(manifest)),
    };
    let quorum = proven.map(|proof| {
        let secret = proof.payload.secret.expose();
        note_withheld = note.as_ref().is_some_and(|text| holds_secret(text.as_bytes(), secret));
        operator_withheld = operator
            .as_ref()
            .is_some_and(|name| holds_secret(name.as_bytes(), secret));
        Quorum {
            agreeing: proof.agreeing.clone(),
            disagreeing: proof.disagreeing.clone(),
            foreign_vaults: proof.foreign_vaults.clone(),
            threshold: proof.threshold,
            shares: proof.shares,
            recipient: proof.recipient.clone(),
            payload_kind: proof.payload.kind.as_str().to_owned(),
        }
        // `proof` (payload and key) is dropped and wiped here.
    });
    Drill {
        first_to_last_seconds: first_to_last(inputs),
        reports,
        quorum,
        note: if note_withheld { None } else { note },
        note_withheld,
        operator: if operator_withheld { None } else { operator },
        operator_withheld,
    }
}

impl Drill {
    /// True if and only if every input is sound and the quorum is proven with no forged share.
    pub fn succeeded(&self) -> bool {
        self.reports.iter().all(|report| report.problems.is_empty())
            && self
                .quorum
                .as_ref()
                .is_ok_and(|quorum| quorum.disagreeing.is_empty() && quorum.foreign_vaults.is_empty())
    }

    /// Distinct share indices read from the inputs.
    pub fn shares_read(&self) -> Vec<u8> {
        let mut indices: Vec<u8> = self
            .reports
            .iter()
            .flat_map(|report| report.shares().into_iter().map(|(_, index)| index))
            .collect();
        indices.sort_unstable();
        indices.dedup();
        indices
    }

    /// The log record for this drill. `exit` and `message` are the command's outcome.
    pub fn record(
        &self,
        manifest: &Manifest,
        exit: Exit,
        message: Option<String>,
        operator: Option<String>,
        now: i64,
    ) -> Record {
        let mut record = Record::new(Action::Drill, Some(manifest.ceremony_id.as_str().to_owned()), exit, now);
        let shares = match &self.quorum {
            Ok(quorum) if exit.is_ok() => quorum.agreeing.clone(),
            _ => self.shares_read(),
        };
        record.shares = audit::share_refs(&shares, Some(manifest));
        record.inputs = self.reports.iter().map(input_record).collect();
        record.first_to_last_seconds = self.first_to_last_seconds;
        record.message = message;
        record.operator = operator;
        record.note = self.note.clone();
        record
    }
}

/// How one input was read, for the log.
pub fn input_record(report: &InputReport) -> InputRecord {
    let typed = report.blocks.iter().any(|found| found.source == Source::Typed);
    let mut fallback_passes: Vec<String> = report
        .blocks
        .iter()
        .filter_map(|found| match found.source {
            Source::Qr(pass) if pass != "direct" => Some(pass.to_owned()),
            _ => None,
        })
        .collect();
    fallback_passes.sort();
    fallback_passes.dedup();
    let qr = report.blocks.iter().any(|found| matches!(found.source, Source::Qr(_)));
    let read = match (qr, typed) {
        (false, false) => ReadMethod::None,
        (false, true) => ReadMethod::Typed,
        (true, true) => ReadMethod::Mixed,
        // A scan that needed a fallback pass, or that would stop reading if it faded a little
        // more (scan health), is weak: the custodian should reprint or rescan it.
        (true, false) if fallback_passes.is_empty() && report.health.as_ref().is_none_or(|health| health.good()) => {
            ReadMethod::Qr
        }
        (true, false) => ReadMethod::QrWeak,
    };
    let mut shares: Vec<u8> = report.shares().into_iter().map(|(_, index)| index).collect();
    shares.sort_unstable();
    shares.dedup();
    InputRecord {
        input: report.name(),
        shares,
        read,
        fallback_passes,
        problems: report.problems.iter().map(ToString::to_string).collect(),
    }
}

/// Seconds between the oldest and the newest input file (by modification time): how long it
/// took to scan or type the quorum, when each custodian's sheet is scanned as they arrive.
pub fn first_to_last(inputs: &[PathBuf]) -> Option<u64> {
    let times: Vec<SystemTime> = inputs
        .iter()
        .filter_map(|path| std::fs::metadata(Path::new(path)).and_then(|m| m.modified()).ok())
        .collect();
    let first = times.iter().min()?;
    let last = times.iter().max()?;
    Some(last.duration_since(*first).map(|d| d.as_secs()).unwrap_or(0))
}

/// "12 min 34 s", "2 h 05 min", "40 s".
pub fn format_duration(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min {:02} s", seconds / 60, seconds % 60),
        _ => format!("{} h {:02} min", seconds / 3600, seconds % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_to_last_uses_modification_times() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        let b = dir.path().join("b.txt");
        std::fs::write(&a, "a").unwrap();
        std::fs::write(&b, "b").unwrap();
        let base = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_790_000_000);
        std::fs::File::options()
            .write(true)
            .open(&a)
            .unwrap()
            .set_modified(base)
            .unwrap();
        std::fs::File::options()
            .write(true)
            .open(&b)
            .unwrap()
            .set_modified(base + std::time::Duration::from_secs(754))
            .unwrap();
        assert_eq!(first_to_last(&[b.clone(), a.clone()]), Some(754));
        assert_eq!(first_to_last(&[a]), Some(0));
        assert_eq!(first_to_last(&[dir.path().join("missing")]), None);
    }
}
