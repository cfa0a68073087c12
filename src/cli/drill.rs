//! `breakglass drill`: verify a quorum against the manifest, record it in the log, and
//! optionally write a report for the auditor to sign. Never shows the secret.

use std::path::{Path, PathBuf};

use breakglass::ceremony::verdict;
use breakglass::ceremony::verify::VerifyError;
use breakglass::evidence::audit::{self, Entry};
use breakglass::evidence::drill::{self, Drill, Quorum};
use breakglass::evidence::json::Schema;
use breakglass::evidence::json::inputs::{InputJson, QuorumFacts, QuorumJson};
use breakglass::evidence::json::log::RecordJson;
use breakglass::evidence::json::reports::DrillBody;
use breakglass::evidence::manifest::Manifest;
use breakglass::exit::Exit;
use breakglass::platform::clock;
use breakglass::platform::output::OutputError;

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
    /// Print one JSON document (schema breakglass.drill/1, docs/JSON.md) instead of text; the
    /// exit code is unchanged.
    #[arg(long)]
    json: bool,
    /// The new envelope a sheet was sealed into after this drill, as SHARE=SERIAL (repeatable):
    /// recorded in the log, so `status` and `verify --envelope` check envelopes against it.
    #[arg(long = "envelope", value_name = "SHARE=SERIAL")]
    envelopes: Vec<String>,
    #[command(flatten)]
    keys: super::unlock::ShareKeyArgs,
    /// Sheets: PDFs, scans (PNG, JPEG, TIFF; never phone photos), or text files of typed lines.
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
    super::verify::print_inputs(&drill.reports, Some(manifest), shares, message, &|line| {
        outln!("{line}")
    });
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
        // Why is the one error line the command ends with.
        Some(_) => outln!("DRILL FAILED (exit {code})."),
    }
}

/// The drill's document with nothing read yet (a failure before the sheets were read).
fn empty_body(args: &DrillArgs) -> DrillBody {
    DrillBody {
        passed: false,
        manifest: args.manifest.display().to_string(),
        inputs: Vec::new(),
        quorum: None,
        warnings: Vec::new(),
        log: log_path(args).display().to_string(),
        record: None,
        report: None,
        note_withheld: false,
        operator_withheld: false,
    }
}

fn log_path(args: &DrillArgs) -> PathBuf {
    args.record.log_path(&args.manifest)
}

/// Runs `drill`.
pub fn run(args: DrillArgs) -> Result<(), Failure> {
    let mut body = empty_body(&args);
    let outcome = drill_and_record(&args, &mut body);
    if args.json {
        return super::json::finish(Schema::Drill, body, outcome);
    }
    outcome
}

/// Runs the drill, prints it for people unless `--json`, and fills in `body` as it goes.
fn drill_and_record(args: &DrillArgs, body: &mut DrillBody) -> Result<(), Failure> {
    let manifest = super::read_manifest(&args.manifest)?;
    let now = clock::now_unix();
    let report = args
        .report
        .as_ref()
        .map(|template| drill::report::path_for(template, now));
    if let Some(report) = &report {
        // Checked before the drill runs, so that a report that cannot be written never leaves
        // a record behind naming it.
        breakglass::platform::output::check_new_file(report).map_err(|error| match error {
            OutputError::FileExists(_) => Failure::new(
                Exit::OutputExists,
                format!(
                    "the report {} already exists; choose another --report name (nothing was recorded)",
                    report.display()
                ),
            ),
            error => Failure::new(Exit::from(&error), format!("{error}; the drill was not run")),
        })?;
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
    fill(body, &drill, &manifest, message.is_none());
    if !args.json {
        print_human(&drill, &manifest, code, message.as_deref());
    }
    for warning in withheld(&drill) {
        errln!("warning: {warning}");
    }
    let log_path = log_path(args);
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
    body.record = Some(RecordJson::from(&entry));
    if let Some(report) = &report {
        write_report(report, &manifest, &entry, &log_path, now)?;
        body.report = Some(report.display().to_string());
    }
    if !args.json {
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

/// The fields the drill kept out of its record because they held the secret.
fn withheld(drill: &Drill) -> Vec<&'static str> {
    let mut warnings = Vec::new();
    if drill.note_withheld {
        warnings.push("the note contains the secret, so it was not recorded");
    }
    if drill.operator_withheld {
        warnings.push("the operator name contains the secret, so it was not recorded");
    }
    warnings
}

/// What the drill read and proved, in `verify --json`'s shapes.
fn fill(body: &mut DrillBody, drill: &Drill, manifest: &Manifest, passed: bool) {
    body.passed = passed;
    body.inputs = drill
        .reports
        .iter()
        .map(|report| InputJson::new(report, Some(manifest)))
        .collect();
    body.quorum = drill.quorum.as_ref().ok().map(|quorum| {
        let facts = QuorumFacts {
            ceremony: manifest.ceremony_id.as_str(),
            threshold: quorum.threshold,
            shares: quorum.shares,
            agreeing: &quorum.agreeing,
            disagreeing: &quorum.disagreeing,
            recipient: &quorum.recipient,
            payload_kind: &quorum.payload_kind,
        };
        QuorumJson::new(&facts, Some(manifest))
    });
    body.warnings = drill
        .reports
        .iter()
        .filter_map(|report| verdict::health_warning(report, Some(manifest)))
        .chain(withheld(drill).into_iter().map(str::to_owned))
        .collect();
    body.note_withheld = drill.note_withheld;
    body.operator_withheld = drill.operator_withheld;
}

fn write_report(path: &Path, manifest: &Manifest, entry: &Entry, log_path: &Path, now: i64) -> Result<(), Failure> {
    let bytes = drill::report::for_path(path, manifest, entry, log_path, now);
    breakglass::platform::output::write_new_file(path, &bytes)
        .map_err(|error| Failure::new(Exit::from(&error), error.to_string()))
}
