//! `breakglass verify`: per-input report, then the quorum proof. Never shows the secret.

use breakglass::ceremony::verdict::{self, Problem, Shares};
use breakglass::ceremony::verify::{InputReport, Proof, ReadOptions, Source, VerifyError};
use breakglass::evidence::audit::Action;
use breakglass::evidence::manifest::Manifest;
use breakglass::exit::Exit;
use breakglass::paper::format::v1::Part;

use super::sheets::{self, Collected};
use super::{Failure, VerifyArgs};

/// One input's line of the text report: which sheet, which blocks read and how, its problems.
/// `set_aside`: the quorum proof set this sheet aside although its own checks pass. A problem
/// whose line is `error` is left out: the command ends with it on standard error, printed once.
fn describe_input(report: &InputReport, manifest: Option<&Manifest>, set_aside: bool, error: Option<&str>) -> String {
    let name = report.name();
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
    let status = match (report.problems.is_empty(), set_aside) {
        (false, _) => "PROBLEM",
        (true, true) => "SET ASIDE",
        (true, false) => "OK",
    };
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
        let problem = format!("{name}: {problem}");
        if error != Some(problem.as_str()) {
            line.push_str(&format!("\n        {problem}"));
        }
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

/// Prints the per-input lines of the text report (each input, then its scan-health warning);
/// `shares` is what the quorum proof found, when it was proven; `error` is the message the
/// command will end with, left out of the input it comes from.
pub(super) fn print_inputs(
    reports: &[InputReport],
    manifest: Option<&Manifest>,
    shares: Option<Shares<'_>>,
    error: Option<&str>,
    say: &dyn Fn(String),
) {
    for report in reports {
        let set_aside = shares.is_some_and(|shares| shares.set_aside(report));
        say(describe_input(report, manifest, set_aside, error));
        if let Some(warning) = verdict::health_warning(report, manifest) {
            say(format!("        {warning}"));
        }
    }
}

/// Prints the text report of `collected`; returns the proof and the verdict's problem, if any
/// (a failed quorum is the `Err`).
fn print_text(collected: Collected, report: Report) -> Result<(Proof, Option<Problem>), Failure> {
    let say = |line: String| match report {
        Report::Stdout => outln!("{line}"),
        Report::Stderr => errln!("{line}"),
    };
    let problem = collected.verdict();
    let shares = collected.outcome.as_ref().ok().map(Shares::of);
    let error = problem.as_ref().map(|problem| problem.message.as_str());
    print_inputs(&collected.reports, collected.manifest.as_ref(), shares, error, &say);
    let Collected {
        manifest,
        reports,
        outcome,
    } = collected;
    let manifest = manifest.as_ref();
    let proof = match outcome {
        Ok(proof) => proof,
        Err(error) => {
            let inputs_bad = reports.iter().any(|report| !report.problems.is_empty());
            if inputs_bad && !matches!(error, VerifyError::NothingRead) {
                say(format!("Quorum not proven: {error}"));
            }
            return Err(Failure::from(problem.unwrap_or_else(|| Problem::of(&error))));
        }
    };
    say(format!(
        "Quorum: shares {} rebuild the vault key of ceremony {} ({} of {} needed).",
        verdict::holders(&proof.agreeing, manifest),
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
    Ok((proof, problem))
}

/// Reads all inputs, prints the per-input report (on `report`), proves the quorum against
/// `manifest` (read by the caller). Returns the proof and the verdict's problem, if any.
pub fn gather(
    inputs: &[std::path::PathBuf],
    manifest: Option<Manifest>,
    keys: &super::unlock::ShareKeyArgs,
    report: Report,
) -> Result<(Proof, Option<Problem>), Failure> {
    let collected = sheets::collect(inputs, manifest, keys, ReadOptions::default())?;
    print_text(collected, report)
}

/// Warnings for the envelopes given with `--envelope` that are not the latest recorded for
/// their share (the log beside the manifest, or `--log`).
pub(super) fn envelope_warnings(args: &VerifyArgs, manifest: Option<&Manifest>) -> Result<Vec<String>, Failure> {
    let Some(manifest) = manifest.filter(|_| !args.envelopes.is_empty()) else {
        return Ok(Vec::new());
    };
    let seen = breakglass::evidence::envelope::parse_all(&args.envelopes, manifest)
        .map_err(|error| Failure::new(Exit::Usage, format!("--envelope: {error}")))?;
    let log_path = args
        .log
        .log
        .clone()
        .or_else(|| args.manifest.as_deref().map(breakglass::evidence::audit::default_path));
    let log = match log_path {
        Some(path) if path.exists() => breakglass::evidence::audit::read(&path)
            .map_err(|error| Failure::new(Exit::Log, format!("cannot check the envelope serials: {error}")))?,
        _ => breakglass::evidence::audit::Log::default(),
    };
    Ok(seen
        .iter()
        .filter_map(|envelope| breakglass::evidence::envelope::check(envelope, manifest, &log))
        .collect())
}

/// Runs `verify`, and records it in the log when a manifest or `--log` is given.
pub fn run(args: VerifyArgs) -> Result<(), Failure> {
    let mut seen = super::log::Seen::default();
    let result = check(&args, &mut seen);
    let manifest = args.manifest.as_deref();
    super::log::record(Action::Verify, &args.log, manifest, &seen, result, true)
}

fn check(args: &VerifyArgs, seen: &mut super::log::Seen) -> Result<(), Failure> {
    let options = ReadOptions {
        health: true,
        ..ReadOptions::default()
    };
    if args.json {
        return super::verify_json::run(args, options, seen);
    }
    let manifest = args.manifest.as_deref().map(super::read_manifest).transpose()?;
    let envelope_warnings = envelope_warnings(args, manifest.as_ref())?;
    let collected = sheets::collect(&args.inputs, manifest, &args.keys, options)?;
    let warnings = collected
        .reports
        .iter()
        .filter(|report| verdict::health_warning(report, collected.manifest.as_ref()).is_some())
        .count();
    let (proof, problem) = print_text(collected, Report::Stdout)?;
    seen.ceremony = Some(proof.ceremony.as_str().to_owned());
    seen.shares = proof.agreeing.clone();
    seen.check_operator(&args.log, proof.payload.secret.expose());
    drop(proof);
    if let Some(problem) = problem {
        outln!("NOT VERIFIED: the quorum works, but not every sheet given is sound (see above).");
        return Err(problem.into());
    }
    outln!("VERIFIED: every sheet given is sound and they recover the secret (not shown).");
    for warning in &envelope_warnings {
        errln!("warning: {warning}");
    }
    if warnings > 0 {
        outln!(
            "{} read with little margin left (see above): replace {} before the next check.",
            super::wording::count(warnings, "sheet", "sheets"),
            if warnings == 1 { "it" } else { "them" }
        );
    }
    Ok(())
}
