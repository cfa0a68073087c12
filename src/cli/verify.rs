//! `breakglass verify`: per-input report, then the quorum proof. Never shows the secret.

use std::path::PathBuf;

use breakglass::ceremony::verify::{self, InputReport, Proof, ReadOptions, Source, VerifyError};
use breakglass::evidence::audit::Action;
use breakglass::evidence::manifest::Manifest;
use breakglass::paper::format::v1::Part;

use super::progress::Progress;
use super::unlock::{ShareKeyArgs, unlock_all};
use super::{Failure, VerifyArgs, exit, read_manifest};

pub(super) fn describe_input(report: &InputReport, manifest: Option<&Manifest>) -> String {
    let name = report.path.display();
    let mut parts = Vec::new();
    for (ceremony, index) in report.shares() {
        let holder = manifest
            .and_then(|m| m.custodian_name(index))
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let shares = report.blocks.first().map(|b| b.block.header.shares).unwrap_or(0);
        parts.push(format!("share {index} of {shares}{holder}, ceremony {ceremony}"));
    }
    let mut blocks: Vec<String> = report
        .blocks
        .iter()
        .map(|found| {
            let what = match found.block.header.part {
                Part::Share { index } => format!("SHARE {index}"),
                Part::ProtectedShare { index } => format!("PROTECTED SHARE {index}"),
                Part::Vault { chunk, of } => format!("VAULT {chunk}/{of}"),
            };
            let how = match &found.source {
                Source::Qr("direct") => "QR".to_owned(),
                Source::Qr(pass) => format!("QR, needed {pass} - scan is weak"),
                Source::Typed => "typed".to_owned(),
            };
            format!("{what} ok ({how})")
        })
        .collect();
    blocks.sort();
    let status = if report.problems.is_empty() { "OK" } else { "PROBLEM" };
    let mut line = format!("{status:7} {name}: ");
    if parts.is_empty() && blocks.is_empty() {
        line.push_str("nothing readable");
    } else {
        if !parts.is_empty() {
            line.push_str(&parts.join("; "));
            line.push_str(": ");
        }
        line.push_str(&blocks.join(", "));
    }
    for problem in &report.problems {
        line.push_str(&format!("\n        {name}: {problem}"));
    }
    line
}

/// Where the per-input report goes: stdout for verify, stderr for recover (whose stdout may
/// carry the secret and nothing else).
#[derive(Clone, Copy)]
pub enum Report {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// Everything read and proven, before anything is printed (text and JSON reports are made
/// from it).
pub struct Collected {
    /// The manifest, when given.
    pub manifest: Option<Manifest>,
    /// One report per input, in the order given.
    pub reports: Vec<InputReport>,
    /// The worst per-input problem, if any.
    pub input_failure: Option<Failure>,
    /// The quorum proof, or why it failed.
    pub outcome: Result<Proof, VerifyError>,
}

/// "sheet 3 (Chen Li)" for an input holding share 3, else the file name.
pub fn sheet_name(report: &InputReport, manifest: Option<&Manifest>) -> String {
    match report.shares().first() {
        Some((_, index)) => match manifest.and_then(|m| m.custodian_name(*index)) {
            Some(name) => format!("sheet {index} ({name})"),
            None => format!("sheet {index}"),
        },
        None => report.path.display().to_string(),
    }
}

/// The scan-health warning for one input ("sheet 3 (Chen Li): decodes but is fading: reprint
/// it"), or `None` when its margin is good or it was typed.
pub fn health_warning(report: &InputReport, manifest: Option<&Manifest>) -> Option<String> {
    let advice = report.health.as_ref()?.advice()?;
    Some(format!("{}: {advice}", sheet_name(report, manifest)))
}

/// Reads every input (with a progress bar when there are several) and proves the quorum,
/// printing nothing. Fails only when the manifest cannot be read.
pub fn collect(
    inputs: &[PathBuf],
    manifest_path: Option<&PathBuf>,
    keys: &ShareKeyArgs,
    options: ReadOptions,
) -> Result<Collected, Failure> {
    let manifest = manifest_path.map(|path| read_manifest(path)).transpose()?;
    collect_against(inputs, manifest, keys, options)
}

/// [`collect`] against a manifest already read (so a command that checked it reads it once).
fn collect_against(
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
    let input_failure = worst_input(&reports);
    let outcome = verify::prove(&reports, manifest.as_ref());
    Ok(Collected {
        manifest,
        reports,
        input_failure,
        outcome,
    })
}

/// The worst problem among the inputs (the lowest exit code), named with its file.
pub(super) fn worst_input(reports: &[InputReport]) -> Option<Failure> {
    reports
        .iter()
        .flat_map(|report| {
            report.problems.iter().map(move |problem| {
                Failure::new(
                    exit::for_input(problem),
                    format!("{}: {problem}", report.path.display()),
                )
            })
        })
        .min_by_key(|failure| failure.code)
}

/// "1 (Ana Ruiz), 2 (Ben Okafor)" for share indices.
pub(super) fn holders(indices: &[u8], manifest: Option<&Manifest>) -> String {
    indices
        .iter()
        .map(|&index| match manifest.and_then(|m| m.custodian_name(index)) {
            Some(name) => format!("{index} ({name})"),
            None => index.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The failure to report for a failed quorum: when an input was bad, the bad input is the
/// cause to report.
pub(super) fn quorum_failure(error: &VerifyError, input_failure: Option<&Failure>) -> Failure {
    match input_failure {
        Some(first) => Failure::new(first.code, first.message.clone()),
        None => Failure::new(exit::for_verify(error), error.to_string()),
    }
}

/// For a proven quorum (the `agreeing` shares, and the `disagreeing` ones that do not combine
/// with them): the forged-share failure, else the worst input failure.
pub(super) fn proven_problem(
    agreeing: &[u8],
    disagreeing: &[u8],
    collected_failure: Option<Failure>,
    manifest: Option<&Manifest>,
) -> Option<Failure> {
    let forged = (!disagreeing.is_empty()).then(|| {
        let error = VerifyError::ForgedShares {
            agreeing: holders(agreeing, manifest),
            disagreeing: holders(disagreeing, manifest),
        };
        Failure::new(exit::for_verify(&error), error.to_string())
    });
    forged.or(collected_failure)
}

/// Reads all inputs, prints the per-input report, proves the quorum against `manifest` (read by
/// the caller). Returns the proof and the worst per-input failure, if any.
pub fn gather(
    inputs: &[PathBuf],
    manifest: Option<Manifest>,
    keys: &ShareKeyArgs,
    report: Report,
) -> Result<(Proof, Option<Failure>), Failure> {
    let collected = collect_against(inputs, manifest, keys, ReadOptions::default())?;
    print_text(collected, report)
}

/// Prints the text report of `collected`; returns the proof and the worst per-input failure.
fn print_text(collected: Collected, report: Report) -> Result<(Proof, Option<Failure>), Failure> {
    let say = |line: String| match report {
        Report::Stdout => outln!("{line}"),
        Report::Stderr => errln!("{line}"),
    };
    let Collected {
        manifest,
        reports,
        input_failure,
        outcome,
    } = collected;
    let manifest = manifest.as_ref();
    for report in &reports {
        say(describe_input(report, manifest));
        if let Some(warning) = health_warning(report, manifest) {
            say(format!("        {warning}"));
        }
    }
    let proof = match outcome {
        Ok(proof) => proof,
        Err(error) => {
            if input_failure.is_some() && !matches!(error, VerifyError::NothingRead) {
                say(format!("Quorum not proven: {error}"));
            }
            return Err(quorum_failure(&error, input_failure.as_ref()));
        }
    };
    say(format!(
        "Quorum: shares {} rebuild the vault key of ceremony {} ({} of {} needed).",
        holders(&proof.agreeing, manifest),
        proof.ceremony,
        proof.threshold,
        proof.shares
    ));
    match manifest {
        Some(_) => say(format!(
            "Vault key matches the manifest ({}); the vault decrypts; payload: {}.",
            proof.recipient,
            proof.payload.kind.as_str()
        )),
        None => say(format!(
            "Vault key {}; the vault decrypts; payload: {} (no manifest given).",
            proof.recipient,
            proof.payload.kind.as_str()
        )),
    }
    let problem = proven_problem(&proof.agreeing, &proof.disagreeing, input_failure, manifest);
    Ok((proof, problem))
}

/// Runs `verify`, and records it in the log when a manifest or `--log` is given.
pub fn run(args: VerifyArgs) -> Result<(), Failure> {
    let mut seen = super::log::Seen::default();
    let result = check(&args, &mut seen);
    let manifest = args.manifest.as_deref();
    super::log::record(Action::Verify, &args.log, manifest, &seen, result, true)
}

fn check(args: &VerifyArgs, seen: &mut super::log::Seen) -> Result<(), Failure> {
    let options = ReadOptions { health: true };
    if args.json {
        return super::verify_json::run(args, options, seen);
    }
    let collected = collect(&args.inputs, args.manifest.as_ref(), &args.keys, options)?;
    let warnings = collected
        .reports
        .iter()
        .filter(|report| health_warning(report, collected.manifest.as_ref()).is_some())
        .count();
    let (proof, problem) = print_text(collected, Report::Stdout)?;
    seen.ceremony = Some(proof.ceremony.as_str().to_owned());
    seen.shares = proof.agreeing.clone();
    seen.check_operator(&args.log, proof.payload.secret.expose());
    drop(proof);
    if let Some(problem) = problem {
        outln!("NOT VERIFIED: the quorum works, but not every sheet given is sound (see above).");
        return Err(problem);
    }
    outln!("VERIFIED: every sheet given is sound and they recover the secret (not shown).");
    if warnings > 0 {
        outln!("{warnings} sheet(s) read with little margin left (see above): replace them before the next check.");
    }
    Ok(())
}

/// The JSON report's verdict on `collected`: the proof, and the failure to exit with.
pub fn verdict(collected: &Collected) -> (Option<&Proof>, Option<Failure>) {
    match &collected.outcome {
        Ok(proof) => {
            let failure = collected
                .input_failure
                .as_ref()
                .map(|failure| Failure::new(failure.code, failure.message.clone()));
            let problem = proven_problem(
                &proof.agreeing,
                &proof.disagreeing,
                failure,
                collected.manifest.as_ref(),
            );
            (Some(proof), problem)
        }
        Err(error) => (None, Some(quorum_failure(error, collected.input_failure.as_ref()))),
    }
}
