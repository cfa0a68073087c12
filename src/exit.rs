//! Exit codes: a contract with scripts and monitoring jobs, and stored in every log record
//! (`status` reads them back). One enum, each library error mapped to its code by `From`, so a
//! new error cannot silently become "internal error"; the `--help` text, the man page and the
//! README table are made from (or tested against) [`Exit::ALL`]. Numbers never change meaning.

use crate::ceremony::selfcheck::SelfCheckError;
use crate::ceremony::verify::{InputProblem, VerifyError};
use crate::evidence::assess::answers::AnswersError;
use crate::evidence::assess::evidence::EvidenceError;
use crate::evidence::assess::model::ModelError;
use crate::evidence::audit::LogError;
use crate::evidence::manifest::ManifestError;
use crate::evidence::status::Concern;
use crate::platform::output::OutputError;

/// How a command ended, as its process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Exit {
    /// Everything present is valid (and, for verify/recover/reseal/drill, the quorum is proven).
    Ok = 0,
    /// A bug or an unexpected system failure.
    Internal = 1,
    /// Bad command line (clap's own code).
    Usage = 2,
    /// An input file cannot be read at all.
    Unreadable = 3,
    /// An input was read but holds no valid breakglass data, or a block failed its checks.
    Damaged = 4,
    /// Fewer distinct shares than the threshold.
    TooFewShares = 5,
    /// Shares do not agree: forged, damaged or conflicting shares.
    SharesDisagree = 6,
    /// Sheets of another ceremony, or not the manifest's.
    WrongCeremony = 7,
    /// The vault is incomplete, altered, or does not decrypt.
    Vault = 8,
    /// The output already exists; nothing was written.
    OutputExists = 9,
    /// Writing the output failed; nothing was left behind.
    WriteFailed = 10,
    /// `seal` could not read back its own sheets.
    SelfCheck = 11,
    /// The same share given more than once, leaving too few.
    DuplicateShares = 12,
    /// The manifest cannot be read or is invalid.
    Manifest = 13,
    /// The ceremony request or the imported secret is unusable.
    BadRequest = 14,
    /// The machine is online and `--require-offline` was given.
    Online = 15,
    /// A custodian-protected share cannot be opened: wrong or missing passphrase or identity.
    ShareLocked = 16,
    /// The ceremony policy file is invalid.
    Policy = 17,
    /// The log cannot be read or its hash chain is broken (nothing was appended).
    Log = 18,
    /// `status` found no ceremony (no manifest.json) where it looked.
    NoCeremony = 19,
    /// `status`: a drill is overdue.
    DrillOverdue = 20,
    /// `status`: a secret, certificate or rotation date falls within the warning window.
    ExpiresSoon = 21,
    /// `status`: a secret or certificate has expired, or rotation is overdue.
    Expired = 22,
    /// `status`: some custodians' sheets have never been verified (and nothing worse).
    NeverVerified = 23,
    /// `status`: the last drill failed and none has passed since.
    LastDrillFailed = 24,
    /// `assess`: the maturity model file cannot be read or breaks its rules.
    Model = 25,
    /// `assess`: the answers file cannot be read, or names a practice the model does not have.
    Answers = 26,
    /// Reading an input ran past its time budget: not a breakglass sheet.
    GaveUp = 27,
}

impl Exit {
    /// Every exit code, in numeric order.
    pub const ALL: [Exit; 28] = [
        Exit::Ok,
        Exit::Internal,
        Exit::Usage,
        Exit::Unreadable,
        Exit::Damaged,
        Exit::TooFewShares,
        Exit::SharesDisagree,
        Exit::WrongCeremony,
        Exit::Vault,
        Exit::OutputExists,
        Exit::WriteFailed,
        Exit::SelfCheck,
        Exit::DuplicateShares,
        Exit::Manifest,
        Exit::BadRequest,
        Exit::Online,
        Exit::ShareLocked,
        Exit::Policy,
        Exit::Log,
        Exit::NoCeremony,
        Exit::DrillOverdue,
        Exit::ExpiresSoon,
        Exit::Expired,
        Exit::NeverVerified,
        Exit::LastDrillFailed,
        Exit::Model,
        Exit::Answers,
        Exit::GaveUp,
    ];

    /// The number the process exits with (and the log records).
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The exit code a number stands for (a log record read back), if it is one of ours.
    pub fn from_code(code: u8) -> Option<Exit> {
        Self::ALL.get(usize::from(code)).copied()
    }

    /// Whether this is success.
    pub const fn is_ok(self) -> bool {
        matches!(self, Exit::Ok)
    }

    /// What the code means, as the README's table and `--help` say it.
    pub const fn meaning(self) -> &'static str {
        match self {
            Exit::Ok => "success: every input is sound (and, for verify/recover/reseal/drill, the quorum is proven)",
            Exit::Internal => "internal error (a bug; please report it)",
            Exit::Usage => "usage error: bad or missing arguments",
            Exit::Unreadable => {
                "an input cannot be read: missing, empty, not a PDF/image/text file, HEIC, too large (including a PDF whose streams inflate or whose drawing work exceeds its cap), encrypted PDF"
            }
            Exit::Damaged => {
                "an input holds no readable sheet, or a block fails its checks (damaged or mistyped line, truncated block, QR codes missing)"
            }
            Exit::TooFewShares => "too few distinct shares for the threshold",
            Exit::SharesDisagree => {
                "shares disagree: a forged or damaged share, or two different shares with the same number"
            }
            Exit::WrongCeremony => "wrong ceremony: sheets of different ceremonies, or not the manifest's",
            Exit::Vault => "the vault is incomplete, altered, or does not decrypt",
            Exit::OutputExists => "the output already exists; nothing was written",
            Exit::WriteFailed => "writing the output failed; nothing was left behind",
            Exit::SelfCheck => "`seal` could not read back its own sheets; nothing was kept",
            Exit::DuplicateShares => "the same share was given more than once, leaving too few",
            Exit::Manifest => "the manifest cannot be read or is not a breakglass manifest",
            Exit::BadRequest => {
                "the ceremony request is unusable (threshold, custodian names, secret too large for paper, an imported secret that fails its checks)"
            }
            Exit::Online => "the machine is online and `--require-offline` was given",
            Exit::ShareLocked => {
                "a protected share cannot be opened: its passphrase or identity is wrong or missing (the message names the custodian), or the age plugin its identity needs is missing or reports an error"
            }
            Exit::Policy => "the ceremony policy file is invalid (every problem is listed with its line)",
            Exit::Log => {
                "the log cannot be read or its hash chain is broken (`log verify`, `log show`; `drill` and `verify` when their record cannot be appended; nothing is appended to a broken log)"
            }
            Exit::NoCeremony => "`status` found no ceremony where it looked",
            Exit::DrillOverdue => "`status`: a drill or a sign-in check is overdue",
            Exit::ExpiresSoon => "`status`: a secret, certificate or rotation date is within the warning window",
            Exit::Expired => "`status`: a secret or certificate expired, or rotation is overdue",
            Exit::NeverVerified => "`status`: some sheets have never been verified (and nothing worse)",
            Exit::LastDrillFailed => {
                "`status`: the last drill or sign-in check failed; `signin-check`: the sign-in or its alert did not work"
            }
            Exit::Model => "`assess`: the model file (`--model`) cannot be read or breaks its rules",
            Exit::Answers => {
                "`assess`: the answers file cannot be read, is not valid TOML, or names a practice the model does not have"
            }
            Exit::GaveUp => {
                "reading an input ran past its time budget (30 s a page, 900 s a file) or its page is crowded with QR finder patterns: \"gave up on X after N s: not a breakglass sheet\""
            }
        }
    }

    /// The exit-code section of `--help` and the man page.
    pub fn help_text() -> String {
        let mut text = String::from("Exit codes:\n");
        for exit in Self::ALL {
            text.push_str(&format!("  {:>2}  {}\n", exit.code(), exit.meaning().replace('`', "")));
        }
        text.push_str(&format!("  {}", Self::status_order_note().replace('`', "")));
        text
    }

    /// The README's exit-code table (Markdown), checked against the README by a test.
    pub fn markdown_table() -> String {
        let mut table = String::from("| code | meaning |\n|---:|---|\n");
        for exit in Self::ALL {
            table.push_str(&format!("| {} | {} |\n", exit.code(), exit.meaning()));
        }
        table.push('\n');
        table.push_str(&Self::status_order_note());
        table
    }

    /// `status` exits with its worst finding; this says which is worst.
    pub fn status_order_note() -> String {
        let mut order: Vec<String> = Concern::WORST_FIRST
            .iter()
            .map(|concern| Exit::from(*concern).code().to_string())
            .collect();
        // A drill's and a sign-in check's concerns share their codes and rank side by side.
        order.dedup();
        format!(
            "`status` exits with its worst finding, in this order: {}.",
            order.join(", ")
        )
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}", self.code())
    }
}

/// In JSON (`--json` reports), an exit code is its number.
impl serde::Serialize for Exit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.code())
    }
}

impl From<Exit> for i32 {
    fn from(exit: Exit) -> i32 {
        i32::from(exit.code())
    }
}

impl From<Exit> for u8 {
    fn from(exit: Exit) -> u8 {
        exit.code()
    }
}

impl From<&InputProblem> for Exit {
    fn from(problem: &InputProblem) -> Self {
        match problem {
            InputProblem::Unreadable(crate::paper::scan::ScanError::GaveUp { .. }) => Exit::GaveUp,
            InputProblem::Unreadable(_) => Exit::Unreadable,
            InputProblem::NoData | InputProblem::Damaged(_) | InputProblem::Incomplete(_) => Exit::Damaged,
        }
    }
}

impl From<&VerifyError> for Exit {
    fn from(error: &VerifyError) -> Self {
        match error {
            VerifyError::NothingRead => Exit::Damaged,
            VerifyError::MixedCeremonies { .. } | VerifyError::ForeignSheets { .. } => Exit::WrongCeremony,
            VerifyError::ManifestKeyMismatch | VerifyError::ManifestMismatch(_) => Exit::WrongCeremony,
            VerifyError::InconsistentHeaders | VerifyError::ConflictingShares { .. } => Exit::SharesDisagree,
            VerifyError::SharesDisagree(_) | VerifyError::ForgedShares { .. } => Exit::SharesDisagree,
            VerifyError::TooFewShares { .. } => Exit::TooFewShares,
            VerifyError::DuplicateShares { .. } => Exit::DuplicateShares,
            VerifyError::VaultIncomplete(_) | VerifyError::VaultTampered(_) | VerifyError::Vault(_) => Exit::Vault,
            VerifyError::ForeignVaultCopies { .. } => Exit::Vault,
            VerifyError::Payload(_) => Exit::Vault,
            VerifyError::ShareLocked(_) => Exit::ShareLocked,
        }
    }
}

impl From<&OutputError> for Exit {
    fn from(error: &OutputError) -> Self {
        match error {
            OutputError::Exists(_) | OutputError::FileExists(_) | OutputError::Link(_) => Exit::OutputExists,
            OutputError::NotPortable(_) => Exit::Usage,
            OutputError::NoFolder(_) | OutputError::Io { .. } => Exit::WriteFailed,
        }
    }
}

/// Errors whose every variant has the same exit code.
macro_rules! one_exit_code {
    ($($error:ty => $exit:expr),* $(,)?) => {
        $(
            impl From<&$error> for Exit {
                fn from(_: &$error) -> Self {
                    $exit
                }
            }
        )*
    };
}

one_exit_code! {
    LogError => Exit::Log,
    ManifestError => Exit::Manifest,
    SelfCheckError => Exit::SelfCheck,
    ModelError => Exit::Model,
    AnswersError => Exit::Answers,
}

impl From<&EvidenceError> for Exit {
    fn from(error: &EvidenceError) -> Self {
        match error {
            EvidenceError::Dir { .. } | EvidenceError::Policy { .. } => Exit::Unreadable,
        }
    }
}

impl From<Concern> for Exit {
    fn from(concern: Concern) -> Self {
        match concern {
            Concern::Expired => Exit::Expired,
            Concern::LastDrillFailed | Concern::LastSigninCheckFailed => Exit::LastDrillFailed,
            Concern::LogBroken => Exit::Log,
            Concern::DrillOverdue | Concern::SigninCheckOverdue => Exit::DrillOverdue,
            Concern::ExpiresSoon => Exit::ExpiresSoon,
            Concern::NeverVerified => Exit::NeverVerified,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_its_position_and_reads_back() {
        for (position, exit) in Exit::ALL.iter().enumerate() {
            assert_eq!(usize::from(exit.code()), position);
            assert_eq!(Exit::from_code(exit.code()), Some(*exit));
        }
        assert_eq!(Exit::from_code(28), None);
    }

    #[test]
    fn the_readme_table_is_the_enum() {
        let readme = include_str!("../README.md");
        assert!(
            readme.contains(&Exit::markdown_table()),
            "README.md's exit-code table differs from breakglass::exit::Exit; paste in:\n{}",
            Exit::markdown_table()
        );
    }

    #[test]
    fn worst_first_is_the_order_status_ranks_by() {
        assert!(Concern::WORST_FIRST.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn help_lists_every_code() {
        let help = Exit::help_text();
        for exit in Exit::ALL {
            assert!(help.contains(&format!("  {:>2}  ", exit.code())), "{exit:?}");
        }
        assert!(help.ends_with("in this order: 22, 24, 18, 20, 21, 23."), "{help}");
    }
}
