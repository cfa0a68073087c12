//! Exit codes: a documented contract (README "Exit codes"), one per class of problem.

use breakglass::ceremony::verify::{InputProblem, VerifyError};
use breakglass::paper::scan::ScanError;
use breakglass::platform::output::OutputError;

/// Everything present is valid (and, for verify/recover, the quorum is proven).
pub const OK: u8 = 0;
/// A bug or an unexpected system failure.
pub const INTERNAL: u8 = 1;
/// Bad command line (clap's own code).
pub const USAGE: u8 = 2;
/// An input file cannot be read at all.
pub const UNREADABLE: u8 = 3;
/// An input was read but holds no valid breakglass data, or a block failed its checks.
pub const DAMAGED: u8 = 4;
/// Fewer distinct shares than the threshold.
pub const TOO_FEW: u8 = 5;
/// Shares do not agree: forged, damaged or conflicting shares.
pub const DISAGREE: u8 = 6;
/// Sheets of another ceremony, or not the manifest's.
pub const WRONG_CEREMONY: u8 = 7;
/// The vault is incomplete, altered, or does not decrypt.
pub const VAULT: u8 = 8;
/// The output already exists; nothing was written.
pub const EXISTS: u8 = 9;
/// Writing the output failed; nothing was left behind.
pub const WRITE: u8 = 10;
/// `seal` could not read back its own sheets.
pub const SELF_CHECK: u8 = 11;
/// The same share given more than once, leaving too few.
pub const DUPLICATE: u8 = 12;
/// The manifest cannot be read or is invalid.
pub const MANIFEST: u8 = 13;
/// The ceremony parameters or secret are unusable.
pub const BAD_REQUEST: u8 = 14;
/// The machine is online and `--require-offline` was given.
pub const ONLINE: u8 = 15;
/// A custodian-protected share cannot be opened: wrong or missing passphrase or identity.
pub const SHARE_LOCKED: u8 = 16;
/// The ceremony policy file is invalid.
pub const POLICY: u8 = 17;
/// Reading an input ran past its time budget: not a breakglass sheet.
pub const GAVE_UP: u8 = 27;
/// `assess`: the maturity model file cannot be read or breaks its rules.
pub const MODEL: u8 = 25;
/// `assess`: the answers file cannot be read, or names a practice the model does not have.
pub const ANSWERS: u8 = 26;

/// The log cannot be read or its hash chain is broken (nothing was appended).
pub const LOG: u8 = 18;
/// `status` found no ceremony (no manifest.json) where it looked.
pub const NO_CEREMONY: u8 = 19;
/// `status`: a drill is overdue.
pub const DRILL_OVERDUE: u8 = 20;
/// `status`: a secret, certificate or rotation date falls within the warning window.
pub const EXPIRES_SOON: u8 = 21;
/// `status`: a secret or certificate has expired, or rotation is overdue.
pub const EXPIRED: u8 = 22;
/// `status`: some custodians' sheets have never been verified (and nothing worse).
pub const NEVER_VERIFIED: u8 = 23;
/// `status`: the last drill failed and none has passed since.
pub const LAST_DRILL_FAILED: u8 = 24;

/// Exit code for a per-input problem.
pub fn for_input(problem: &InputProblem) -> u8 {
    match problem {
        InputProblem::Unreadable(ScanError::GaveUp { .. }) => GAVE_UP,
        InputProblem::Unreadable(_) => UNREADABLE,
        InputProblem::NoData | InputProblem::Damaged(_) | InputProblem::Incomplete(_) => DAMAGED,
    }
}

/// Exit code for a quorum failure.
pub fn for_verify(error: &VerifyError) -> u8 {
    match error {
        VerifyError::NothingRead => DAMAGED,
        VerifyError::MixedCeremonies { .. } | VerifyError::ForeignSheets { .. } => WRONG_CEREMONY,
        VerifyError::ManifestKeyMismatch | VerifyError::ManifestMismatch(_) => WRONG_CEREMONY,
        VerifyError::InconsistentHeaders | VerifyError::ConflictingShares { .. } => DISAGREE,
        VerifyError::SharesDisagree(_) | VerifyError::ForgedShares { .. } => DISAGREE,
        VerifyError::TooFewShares { .. } => TOO_FEW,
        VerifyError::DuplicateShares { .. } => DUPLICATE,
        VerifyError::VaultIncomplete(_) | VerifyError::VaultTampered(_) | VerifyError::Vault(_) => VAULT,
        VerifyError::Payload(_) => VAULT,
        VerifyError::ShareLocked(_) => SHARE_LOCKED,
        _ => INTERNAL,
    }
}

/// Exit code for an output failure.
pub fn for_output(error: &OutputError) -> u8 {
    match error {
        OutputError::Exists(_) | OutputError::FileExists(_) => EXISTS,
        _ => WRITE,
    }
}
