//! The verdict on a set of sheets: one rule for `verify`, `verify --json`, `recover`, `reseal`
//! and `drill`, so they cannot disagree on what a forged share or a bad input means.
//!
//! The verdict is sound only when every input is sound and the quorum is proven with no share
//! that disagrees; otherwise it names the one problem to report (with its exit code): a failed
//! quorum's cause, else a forged share, else the worst input.

use crate::ceremony::verify::{InputReport, Proof, VerifyError};
use crate::evidence::manifest::Manifest;
use crate::exit::Exit;

/// One problem to report: what it is (one line, with what to do next) and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The exit code.
    pub exit: Exit,
    /// One-line message.
    pub message: String,
}

impl Problem {
    /// A problem from a library error.
    pub fn of<E>(error: &E) -> Self
    where
        for<'a> Exit: From<&'a E>,
        E: std::fmt::Display,
    {
        Self {
            exit: Exit::from(error),
            message: error.to_string(),
        }
    }
}

/// The outcome of a command that did its work anyway from the sheets that agree (`recover`
/// handed the secret out, `reseal` sealed anew): still the worst problem's exit code, so exit 0
/// keeps meaning that every input was sound, with `done` saying what was done despite it.
pub fn done_despite(problem: Option<Problem>, done: &str) -> Result<(), Problem> {
    match problem {
        None => Ok(()),
        Some(problem) => Err(Problem {
            exit: problem.exit,
            message: format!("{} ({done})", problem.message),
        }),
    }
}

/// The shares a quorum proof found: those that rebuild the key, and those that do not combine
/// with them.
#[derive(Debug, Clone, Copy)]
pub struct Shares<'a> {
    /// Share indices proven to rebuild the vault key.
    pub agreeing: &'a [u8],
    /// Shares read that do not combine with the others (forged or damaged).
    pub disagreeing: &'a [u8],
    /// Inputs holding no share whose VAULT codes are not the proven vault's.
    pub foreign_vaults: &'a [String],
}

impl<'a> Shares<'a> {
    /// The shares `proof` found.
    pub fn of(proof: &'a Proof) -> Self {
        Self {
            agreeing: &proof.agreeing,
            disagreeing: &proof.disagreeing,
            foreign_vaults: &proof.foreign_vaults,
        }
    }

    /// True when the proof set `report`'s sheet aside: its share does not combine with the
    /// others, or its VAULT codes are not the proven vault's. Its own checks may still pass.
    pub fn set_aside(&self, report: &InputReport) -> bool {
        report
            .shares()
            .iter()
            .any(|(_, index)| self.disagreeing.contains(index))
            || self.foreign_vaults.contains(&report.name())
    }
}

/// The worst problem among the inputs (the lowest exit code), named with its file.
pub fn worst_input(reports: &[InputReport]) -> Option<Problem> {
    reports
        .iter()
        .flat_map(|report| {
            report.problems.iter().map(move |problem| Problem {
                exit: Exit::from(problem),
                message: format!("{}: {problem}", report.name()),
            })
        })
        .min_by_key(|problem| problem.exit)
}

/// "1 (Ana Ruiz), 2 (Ben Okafor)" for share indices.
pub fn holders(indices: &[u8], manifest: Option<&Manifest>) -> String {
    indices
        .iter()
        .map(|&index| match manifest.and_then(|m| m.custodian_name(index)) {
            Some(name) => format!("{index} ({name})"),
            None => index.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The verdict on `reports` given the quorum `outcome`: `None` when every input is sound and
/// the quorum is proven without a disagreeing share, else the problem to report.
pub fn verdict(
    reports: &[InputReport],
    outcome: Result<Shares<'_>, &VerifyError>,
    manifest: Option<&Manifest>,
) -> Option<Problem> {
    let input = worst_input(reports);
    match outcome {
        // When an input was bad, the bad input is the cause to report.
        Err(error) => Some(input.unwrap_or_else(|| Problem::of(error))),
        Ok(shares) if !shares.disagreeing.is_empty() => Some(Problem::of(&VerifyError::ForgedShares {
            agreeing: holders(shares.agreeing, manifest),
            disagreeing: holders(shares.disagreeing, manifest),
            several: shares.disagreeing.len() > 1,
        })),
        Ok(shares) if !shares.foreign_vaults.is_empty() => Some(Problem::of(&VerifyError::ForeignVaultCopies {
            inputs: shares.foreign_vaults.join(", "),
        })),
        Ok(_) => input,
    }
}

/// "sheet 3 (Chen Li)" for an input holding share 3, else the file name.
pub fn sheet_name(report: &InputReport, manifest: Option<&Manifest>) -> String {
    match report.shares().first() {
        Some((_, index)) => match manifest.and_then(|m| m.custodian_name(*index)) {
            Some(name) => format!("sheet {index} ({name})"),
            None => format!("sheet {index}"),
        },
        None => report.name(),
    }
}

/// The scan-health warning for one input ("sheet 3 (Chen Li): decodes but is fading: reprint
/// it"), or `None` when its margin is good or it was typed.
pub fn health_warning(report: &InputReport, manifest: Option<&Manifest>) -> Option<String> {
    let advice = report.health.as_ref()?.advice()?;
    Some(format!("{}: {advice}", sheet_name(report, manifest)))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::ceremony::verify::InputProblem;

    fn report(name: &str, problems: Vec<InputProblem>) -> InputReport {
        InputReport {
            path: PathBuf::from(name),
            pages: Vec::new(),
            kind: None,
            blocks: Vec::new(),
            problems,
            health: None,
        }
    }

    #[test]
    fn sound_only_when_every_input_is_sound_and_no_share_disagrees() {
        let good = [report("a.png", Vec::new())];
        let shares = Shares {
            agreeing: &[1, 2],
            disagreeing: &[],
            foreign_vaults: &[],
        };
        assert_eq!(verdict(&good, Ok(shares), None), None);

        let forged = Shares {
            agreeing: &[1, 2],
            disagreeing: &[3],
            foreign_vaults: &[],
        };
        let problem = verdict(&good, Ok(forged), None).unwrap();
        assert_eq!(problem.exit, Exit::SharesDisagree);
        assert!(
            problem.message.contains("share 3 does not belong"),
            "{}",
            problem.message
        );

        let back_page = ["back.png".to_owned()];
        let foreign = Shares {
            agreeing: &[1, 2],
            disagreeing: &[],
            foreign_vaults: &back_page,
        };
        let problem = verdict(&good, Ok(foreign), None).unwrap();
        assert_eq!(problem.exit, Exit::Vault);
        assert!(
            problem
                .message
                .starts_with("back.png: its VAULT codes are not this ceremony's"),
            "{}",
            problem.message
        );

        let bad = [report("a.png", Vec::new()), report("b.png", vec![InputProblem::NoData])];
        let problem = verdict(&bad, Ok(shares), None).unwrap();
        assert_eq!(problem.exit, Exit::Damaged);
        assert!(problem.message.starts_with("b.png: "), "{}", problem.message);
    }

    #[test]
    fn a_bad_input_is_the_cause_of_a_failed_quorum() {
        let too_few = VerifyError::TooFewShares {
            have: 1,
            need: 2,
            present: "1".into(),
        };
        let bad = [report("b.png", vec![InputProblem::NoData])];
        assert_eq!(verdict(&bad, Err(&too_few), None).unwrap().exit, Exit::Damaged);
        let good = [report("a.png", Vec::new())];
        assert_eq!(verdict(&good, Err(&too_few), None).unwrap().exit, Exit::TooFewShares);
    }
}
