//! `breakglass drill`: verify a quorum against the manifest, record it in the log, and
//! optionally write a report for the auditor to sign. Never shows the secret.

use std::path::{Path, PathBuf};

use breakglass::ceremony::verdict;
use breakglass::ceremony::verify::VerifyError;
use breakglass::evidence::audit::{self, Entry};
use breakglass::evidence::drill::{self, Drill, Quorum};
use breakglass::evidence::manifest::Manifest;
use breakglass::exit::Exit;
use breakglass::platform::clock;

use super::Failure;

#[derive(Debug, clap::Args)]
pub struct DrillArgs {
    /// manifest.json written by seal (the drill proves the sheets are this ceremony's).
    #[arg(long, value_name = "FILE")]
    manifest: PathBuf,
    #[command(flatten)]
    record: super::log::RecordArgs,
    /// Write a one-page PDF report to sign (Markdown if FILE ends in .md); YYYY-MM-DD in the name
    /// becomes the drill's date.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Print the record as JSON (schema in docs/LOG.md) instead of text.
    #[arg(long)]
    json: bool,
    /// The new envelope a sheet was sealed into after this drill, as SHARE=SERIAL (repeatable):
    /// recorded in the log, so `status` and `verify --envelope` check envelopes against it.
    #[arg(long = "envelope", value_name = "SHARE=SERIAL")]
    envelopes: Vec<String>,
    #[command(flatten)]
    keys: super::unlock::ShareKeyArgs,
    /// Sheets: PDFs, PNG/JPEG scans or photos, or text files of typed lines.
    #[arg(required = true, value_name = "SHEET")]
    inputs: Vec<PathBuf>,
}

/// The exit code and message verify would give for this drill.
fn outcome(drill: &Drill, manifest: &Manifest) -> (Exit, Option<String>) {
    match verdict::verdict(
        &drill.reports,
        drill.quorum.as_ref().map(Quorum::shares),
        Some(manifest),
    ) {
        None => (Exit::Ok, None),
        Some(problem) => (problem.exit, Some(problem.message)),
    }
}

fn print_human(drill: &Drill, manifest: &Manifest, code: Exit, message: Option<&str>) {
    let shares = drill.quorum.as_ref().ok().map(Quorum::shares);
    super::verify::print_inputs(&drill.reports, Some(manifest), shares, &|line| outln!("{line}"));
    if let Ok(quorum) = &drill.quorum {
        let names: Vec<String> = audit::share_refs(&quorum.agreeing, Some(manifest))
            .iter()
            .map(|share| match &share.custodian {
                Some(name) => format!("{} ({name})", share.index),
                None => share.index.to_string(),
            })
            .collect();
        outln!(
            "Quorum: shares {} rebuild the manifest's vault key ({} of {} needed); the vault decrypts; payload: {} (not shown).",
            names.join(", "),
            quorum.threshold,
            quorum.shares,
            quorum.payload_kind
        );
    }
    if let Some(seconds) = drill.first_to_last_seconds {
        outln!(
            "First to last sheet: {}.",
            breakglass::evidence::drill::format_duration(seconds)
        );
    }
    match message {
        None => outln!(
            "DRILL PASSED: ceremony {} ({}) recovers from these sheets.",
            manifest.ceremony(),
            manifest.label
        ),
        Some(message) => outln!("DRILL FAILED (exit {code}): {message}"),
    }
}

/// Runs `drill`.
pub fn run(args: DrillArgs) -> Result<(), Failure> {
    let manifest = super::read_manifest(&args.manifest)?;
    let now = clock::now_unix();
    let report = args
        .report
        .as_ref()
        .map(|template| drill::report::path_for(template, now));
    if let Some(report) = &report
        && report.exists()
    {
        return Err(Failure::new(
            Exit::OutputExists,
            format!(
                "the report {} already exists; choose another --report name (nothing was recorded)",
                report.display()
            ),
        ));
    }
    let envelopes = breakglass::evidence::envelope::parse_all(&args.envelopes, &manifest)
        .map_err(|error| Failure::new(Exit::Usage, format!("--envelope: {error} (nothing was recorded)")))?;
    let note = args.record.note();
    let options = breakglass::ceremony::verify::ReadOptions {
        health: true,
        ..Default::default()
    };
    let mut reports = breakglass::ceremony::verify::read_inputs_with(&args.inputs, options, &|_| {});
    let locked = super::unlock::unlock_all(&mut reports, Some(&manifest), &args.keys)
        .err()
        .map(|failure| VerifyError::ShareLocked(failure.message));
    let operator = args.record.operator();
    let drill = drill::run_on(reports, &args.inputs, &manifest, note, operator, locked);
    let (code, message) = outcome(&drill, &manifest);
    if !args.json {
        print_human(&drill, &manifest, code, message.as_deref());
    }
    if drill.note_withheld {
        errln!("warning: the note contains the secret, so it was not recorded");
    }
    if drill.operator_withheld {
        errln!("warning: the operator name contains the secret, so it was not recorded");
    }
    let log_path = args.record.log_path(&args.manifest);
    let mut record = drill.record(&manifest, code, message.clone(), drill.operator.clone(), now);
    record.report = report.as_ref().map(|path| path.display().to_string());
    record.envelopes = envelopes;
    let entry = audit::append(&log_path, record).map_err(|error| {
        let outcome = match &message {
            None => "the drill passed".to_owned(),
            Some(message) => format!("the drill failed (exit {code}: {message})"),
        };
        Failure::new(Exit::Log, format!("{outcome} but was not recorded: {error}"))
    })?;
    if let Some(report) = &report {
        write_report(report, &manifest, &entry, &log_path, now)?;
    }
    if args.json {
        let mut record = serde_json::to_value(&entry.record).expect("a record serialises");
        record["hash"] = serde_json::Value::String(entry.hash.clone());
        outln!(
            "{}",
            serde_json::json!({
                "log": log_path.display().to_string(),
                "record": record,
                "note_withheld": drill.note_withheld,
                "operator_withheld": drill.operator_withheld,
            })
        );
    } else {
        outln!(
            "Recorded as record {} of {} (hash {}).",
            entry.record.seq,
            log_path.display(),
            &entry.hash[..16]
        );
        if let Some(report) = &report {
            outln!("Report for signature: {}", report.display());
        }
    }
    match message {
        None => Ok(()),
        Some(message) => Err(Failure::new(code, message)),
    }
}

fn write_report(path: &Path, manifest: &Manifest, entry: &Entry, log_path: &Path, now: i64) -> Result<(), Failure> {
    let bytes = drill::report::for_path(path, manifest, entry, log_path, now);
    breakglass::platform::output::write_new_file(path, &bytes)
        .map_err(|error| Failure::new(Exit::from(&error), error.to_string()))
}
