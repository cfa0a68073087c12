//! The fields of each command's document after the shared envelope (docs/JSON.md).

use serde::Serialize;

use super::inputs::{InputJson, QuorumJson};
use super::log::RecordJson;
use crate::evidence::assess::Assessment;
use crate::evidence::status::{self, CeremonyStatus};
use crate::exit::Exit;

/// `verify --json`.
#[derive(Debug, Serialize)]
pub struct VerifyBody {
    /// Every input is sound and the quorum is proven (exactly when the exit code is 0).
    pub verified: bool,
    /// The `--manifest` path as given.
    pub manifest: Option<String>,
    /// One per input (per sheet of a multi-sheet file), in the order given.
    pub inputs: Vec<InputJson>,
    /// The proven quorum.
    pub quorum: Option<QuorumJson>,
    /// Scan-health and envelope warnings; they do not change the exit code.
    pub warnings: Vec<String>,
}

/// `drill --json`: `verify`'s fields, then what the drill recorded.
#[derive(Debug, Serialize)]
pub struct DrillBody {
    /// The drill passed (exactly when the exit code is 0).
    pub passed: bool,
    /// The `--manifest` path as given.
    pub manifest: String,
    /// One per input, the same shape as `verify`'s.
    pub inputs: Vec<InputJson>,
    /// The proven quorum.
    pub quorum: Option<QuorumJson>,
    /// Scan-health warnings and withheld fields.
    pub warnings: Vec<String>,
    /// The log appended to.
    pub log: String,
    /// The record as written; `None` when nothing was recorded.
    pub record: Option<RecordJson>,
    /// The report written for signature.
    pub report: Option<String>,
    /// The note held the secret and was not recorded.
    pub note_withheld: bool,
    /// The operator name held the secret and was not recorded.
    pub operator_withheld: bool,
}

/// One ceremony in `status --json`.
#[derive(Debug, Serialize)]
pub struct CeremonyJson {
    /// Its state.
    #[serde(flatten)]
    pub status: CeremonyStatus,
    /// The exit code its worst concern maps to (0 when none).
    pub exit_code: Exit,
}

/// `status --json`.
#[derive(Debug, Serialize)]
pub struct StatusBody {
    /// When assessed (RFC 3339 UTC).
    pub now: String,
    /// Days of warning before a deadline.
    pub warn_days: u32,
    /// The manifest fields `status` takes on trust.
    pub manifest_claims: &'static [&'static str],
    /// Every ceremony found, by manifest path.
    pub ceremonies: Vec<CeremonyJson>,
}

impl StatusBody {
    /// The body for `statuses` assessed at `now`.
    pub fn new(now: String, warn_days: u32, statuses: Vec<CeremonyStatus>) -> Self {
        Self {
            now,
            warn_days,
            manifest_claims: &status::MANIFEST_CLAIMS,
            ceremonies: statuses
                .into_iter()
                .map(|status| CeremonyJson {
                    exit_code: status.worst().map_or(Exit::Ok, Exit::from),
                    status,
                })
                .collect(),
        }
    }
}

/// `signin-check --json`.
#[derive(Debug, Serialize)]
pub struct SigninBody {
    /// The log appended to.
    pub log: String,
    /// The record as written; `None` when nothing was recorded.
    pub record: Option<RecordJson>,
}

/// `assess --json`.
#[derive(Debug, Serialize)]
pub struct AssessBody {
    /// The assessment (its own format, docs/ASSESS.md); `None` when it could not be made.
    pub assessment: Option<Assessment>,
}
