//! `breakglass verify`: per-input report, then the quorum proof. Never shows the secret.

use std::path::PathBuf;

use breakglass::audit::Action;
use breakglass::format::v1::Part;
use breakglass::manifest::Manifest;
use breakglass::verify::{self, InputReport, Proof, Source, VerifyError};

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

/// Reads all inputs, prints the per-input report, proves the quorum. Returns the proof and the
/// worst per-input failure, if any.
pub fn gather(
    inputs: &[PathBuf],
    manifest_path: Option<&PathBuf>,
    report: Report,
) -> Result<(Proof, Option<Failure>), Failure> {
    let say = |line: String| match report {
        Report::Stdout => println!("{line}"),
        Report::Stderr => eprintln!("{line}"),
    };
    let manifest = manifest_path.map(|path| read_manifest(path)).transpose()?;
    let reports = verify::read_inputs(inputs);
    for report in &reports {
        say(describe_input(report, manifest.as_ref()));
    }
    let input_failure = reports.iter().flat_map(|report| {
        report.problems.iter().map(move |problem| {
            Failure::new(
                exit::for_input(problem),
                format!("{}: {problem}", report.path.display()),
            )
        })
    });
    let input_failure = input_failure.min_by_key(|failure| failure.code);
    // When the quorum fails and an input was bad, the bad input is the cause to report.
    let proof = verify::prove(&reports, manifest.as_ref()).map_err(|error| match input_failure.as_ref() {
        Some(first) => {
            if !matches!(error, VerifyError::NothingRead) {
                say(format!("Quorum not proven: {error}"));
            }
            Failure::new(first.code, first.message.clone())
        }
        None => Failure::new(exit::for_verify(&error), error.to_string()),
    })?;
    let holders = |indices: &[u8]| -> String {
        indices
            .iter()
            .map(|&index| match manifest.as_ref().and_then(|m| m.custodian_name(index)) {
                Some(name) => format!("{index} ({name})"),
                None => index.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    say(format!(
        "Quorum: shares {} rebuild the vault key of ceremony {} ({} of {} needed).",
        holders(&proof.agreeing),
        proof.ceremony,
        proof.threshold,
        proof.shares
    ));
    match &manifest {
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
    let forged = (!proof.disagreeing.is_empty()).then(|| {
        let error = VerifyError::ForgedShares {
            agreeing: holders(&proof.agreeing),
            disagreeing: holders(&proof.disagreeing),
        };
        Failure::new(exit::for_verify(&error), error.to_string())
    });
    Ok((proof, forged.or(input_failure)))
}

/// Runs `verify`, and records it in the log when a manifest or `--log` is given.
pub fn run(args: VerifyArgs) -> Result<(), Failure> {
    let mut seen = super::log::Seen::default();
    let result = check(&args, &mut seen);
    let manifest = args.manifest.as_deref();
    super::log::record(Action::Verify, &args.log, manifest, &seen, result, true)
}

fn check(args: &VerifyArgs, seen: &mut super::log::Seen) -> Result<(), Failure> {
    let (proof, problem) = gather(&args.inputs, args.manifest.as_ref(), Report::Stdout)?;
    seen.ceremony = Some(proof.ceremony.as_str().to_owned());
    seen.shares = proof.agreeing.clone();
    drop(proof);
    if let Some(problem) = problem {
        println!("NOT VERIFIED: the quorum works, but not every sheet given is sound (see above).");
        return Err(problem);
    }
    println!("VERIFIED: every sheet given is sound and they recover the secret (not shown).");
    Ok(())
}
