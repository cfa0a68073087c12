//! `breakglass log verify|show`, and the appending of records by verify, recover and drill.

use std::path::{Path, PathBuf};

use breakglass::evidence::audit::{self, Action, Log, Record};
use breakglass::exit::Exit;
use breakglass::platform::clock;

use super::Failure;

/// Where a command records what it did (shared by verify, recover and drill).
#[derive(Debug, Clone, clap::Args)]
pub struct LogTarget {
    /// Append the record to this log instead of breakglass-log.jsonl beside the manifest.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Record nothing (for a manifest on read-only media).
    #[arg(long, conflicts_with = "log")]
    pub no_log: bool,
    /// Who runs this, for the log (default: the login name, $USER or $LOGNAME).
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
}

impl LogTarget {
    /// The operator's name.
    pub fn operator(&self) -> Option<String> {
        audit::operator_name(self.operator.as_deref())
    }
}

/// Where and as whom drill and signin-check record what was done: recording is their purpose,
/// so unlike [`LogTarget`] there is no `--no-log`.
#[derive(Debug, Clone, clap::Args)]
pub struct RecordArgs {
    /// Append the record to this log instead of breakglass-log.jsonl beside the manifest.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Who did it, for the log (default: the login name, $USER or $LOGNAME).
    #[arg(long, value_name = "NAME")]
    operator: Option<String>,
    /// Free-text note for the log and any report (the task done, witnesses, the ticket, anything
    /// unusual). Never the secret.
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
}

impl RecordArgs {
    /// The log the record goes to: the one given, else the manifest's.
    pub fn log_path(&self, manifest: &Path) -> PathBuf {
        self.log.clone().unwrap_or_else(|| audit::default_path(manifest))
    }

    /// The operator's name.
    pub fn operator(&self) -> Option<String> {
        audit::operator_name(self.operator.as_deref())
    }

    /// The note, unless blank.
    pub fn note(&self) -> Option<String> {
        self.note.clone().filter(|note| !note.trim().is_empty())
    }
}

/// Arguments naming a log to read.
#[derive(Debug, clap::Args)]
pub struct LogFileArgs {
    /// manifest.json whose log (breakglass-log.jsonl beside it) to read.
    #[arg(long, value_name = "FILE", required_unless_present = "log", conflicts_with = "log")]
    manifest: Option<PathBuf>,
    /// The log file itself.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Print JSON (schema in docs/LOG.md) instead of text.
    #[arg(long)]
    json: bool,
}

/// Arguments of `log verify`.
#[derive(Debug, clap::Args)]
pub struct LogVerifyArgs {
    #[command(flatten)]
    file: LogFileArgs,
    /// A record hash kept outside the log (the SHA-256 on a signed drill report, or the head
    /// `log verify` printed last time; 16 or more hex digits): fail unless the intact chain still
    /// holds that record, which catches records dropped from the end and a re-hashed chain.
    #[arg(long, value_name = "HASH")]
    expect_head: Option<String>,
}

/// `breakglass log` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum LogCommand {
    /// Check the log's hash chain and name the first broken record.
    #[command(
        after_help = "Examples:\n  breakglass log verify --manifest envelopes/manifest.json\n  breakglass log verify --log envelopes/breakglass-log.jsonl --json\n  breakglass log verify --manifest envelopes/manifest.json --expect-head 3f0c9a1e7b2d4c58"
    )]
    Verify(LogVerifyArgs),
    /// Print the log as a table (records after a break are not trusted and not shown).
    #[command(
        after_help = "Examples:\n  breakglass log show --manifest envelopes/manifest.json\n  breakglass log show --log envelopes/breakglass-log.jsonl --json"
    )]
    Show(LogFileArgs),
    /// Remove the unfinished last line an interrupted append left (a crash or full disk during
    /// an older version's write), keeping every intact record; any other break is left alone.
    #[command(
        after_help = "Examples:\n  breakglass log repair --manifest envelopes/manifest.json\n  breakglass log repair --log envelopes/breakglass-log.jsonl"
    )]
    Repair(LogFileArgs),
}

/// What a command learnt that its record should say (public facts only).
#[derive(Debug, Default)]
pub struct Seen {
    /// The ceremony, when the sheets proved one.
    pub ceremony: Option<String>,
    /// Shares proven (or read).
    pub shares: Vec<u8>,
    /// The operator name given holds the secret (typed in by mistake): it is not recorded.
    pub operator_holds_secret: bool,
}

impl Seen {
    /// Notes whether the operator name to record holds `secret`, once the secret is known.
    pub fn check_operator(&mut self, target: &LogTarget, secret: &[u8]) {
        self.operator_holds_secret = target
            .operator()
            .is_some_and(|name| breakglass::ceremony::seal::holds_secret(name.as_bytes(), secret));
    }
}

fn log_failure(error: audit::LogError) -> Failure {
    Failure::new(Exit::Log, error.to_string())
}

/// Appends the record of a verify or recovery whose outcome is `result`, and returns the
/// command's outcome. A log that cannot be written fails a successful verify (`strict`); for a
/// recovery, which has already handed out the secret, it is a warning.
pub fn record(
    action: Action,
    target: &LogTarget,
    manifest_path: Option<&Path>,
    seen: &Seen,
    result: Result<(), Failure>,
    strict: bool,
) -> Result<(), Failure> {
    if target.no_log {
        return result;
    }
    let manifest = manifest_path.and_then(|path| super::read_manifest(path).ok());
    let Some(path) = audit::log_for(target.log.as_deref(), manifest_path, manifest.as_ref()) else {
        return result;
    };
    let (exit, message) = match &result {
        Ok(()) => (Exit::Ok, None),
        Err(failure) => (failure.code, Some(failure.message.clone())),
    };
    if seen.operator_holds_secret {
        errln!("warning: the operator name contains the secret, so it was not recorded");
    }
    let entry = audit::CommandRecord {
        action,
        manifest: manifest.as_ref(),
        proven_ceremony: seen.ceremony.clone(),
        shares: &seen.shares,
        exit,
        message,
        operator: target.operator(),
        operator_holds_secret: seen.operator_holds_secret,
    }
    .build(clock::now_unix());
    match audit::append(&path, entry) {
        Ok(_) => result,
        Err(error) if result.is_err() || !strict => {
            errln!("warning: {error}");
            result
        }
        Err(error) => Err(log_failure(error)),
    }
}

fn log_path(args: &LogFileArgs) -> PathBuf {
    match (&args.log, &args.manifest) {
        (Some(log), _) => log.clone(),
        (None, Some(manifest)) => audit::default_path(manifest),
        (None, None) => PathBuf::from(audit::FILE_NAME),
    }
}

fn read(args: &LogFileArgs) -> Result<(PathBuf, Log), Failure> {
    let path = log_path(args);
    if !path.exists() {
        return Err(Failure::new(
            Exit::Log,
            format!(
                "there is no log at {}; give --log FILE, or the --manifest of a ceremony sealed by this version",
                path.display()
            ),
        ));
    }
    let log = audit::read(&path).map_err(log_failure)?;
    Ok((path, log))
}

fn chain_json(path: &Path, log: &Log) -> serde_json::Value {
    serde_json::json!({
        "log": path.display().to_string(),
        "records": log.entries.len(),
        "intact": log.broken.is_none(),
        "head": log.entries.last().map(|entry| entry.hash.clone()),
        "first_broken_line": log.broken.as_ref().map(|broken| broken.line),
        "problem": log.broken.as_ref().map(|broken| broken.problem.to_string()),
    })
}

fn broken_failure(path: &Path, log: &Log) -> Option<Failure> {
    log.broken.as_ref().map(|broken| {
        Failure::new(
            Exit::Log,
            format!(
                "the log {} is broken: {broken}; the {} record(s) before it are intact. Compare with a copy kept elsewhere (git, the signed drill reports)",
                path.display(),
                log.entries.len()
            ),
        )
    })
}

/// `breakglass log verify`.
fn verify(verify_args: &LogVerifyArgs) -> Result<(), Failure> {
    let args = &verify_args.file;
    let (path, log) = read(args)?;
    let anchored = verify_args.expect_head.as_deref().map(|hash| log.find_anchor(hash));
    if args.json {
        let mut value = chain_json(&path, &log);
        if let Some(anchored) = &anchored {
            value["expected_head_found"] = anchored.is_ok().into();
            value["records_after_expected_head"] = anchored.as_ref().ok().map(|(_, after)| *after).into();
        }
        outln!("{value}");
    } else if log.broken.is_none() {
        match log.entries.last() {
            Some(last) => outln!(
                "Log {} intact: {} record(s), the last on {} (record {}, hash {}).",
                path.display(),
                log.entries.len(),
                last.record.time,
                last.record.seq,
                last.hash
            ),
            None => outln!("Log {} is empty.", path.display()),
        }
        if let Some(Ok((entry, after))) = &anchored {
            outln!(
                "The expected record {} (record {}) is in the chain, followed by {after} record(s).",
                entry.hash,
                entry.record.seq
            );
        }
    }
    if let Some(failure) = broken_failure(&path, &log) {
        return Err(failure);
    }
    match anchored {
        Some(Err(error)) => Err(Failure::new(Exit::Log, format!("the log {}: {error}", path.display()))),
        _ => Ok(()),
    }
}

fn shares_cell(record: &Record) -> String {
    record
        .shares
        .iter()
        .map(|share| match &share.custodian {
            Some(name) => format!("{} {name}", share.index),
            None => share.index.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `breakglass log show`.
fn show(args: &LogFileArgs) -> Result<(), Failure> {
    let (path, log) = read(args)?;
    if args.json {
        let records: Vec<serde_json::Value> = log
            .entries
            .iter()
            .map(|entry| {
                let mut value = serde_json::to_value(&entry.record).expect("a record serialises");
                value["hash"] = serde_json::Value::String(entry.hash.clone());
                value
            })
            .collect();
        outln!(
            "{}",
            serde_json::json!({ "chain": chain_json(&path, &log), "records": records })
        );
    } else {
        let rows: Vec<[String; 8]> = log
            .entries
            .iter()
            .map(|entry| {
                let record = &entry.record;
                [
                    record.seq.to_string(),
                    record.time.clone(),
                    record.action.as_str().to_owned(),
                    record.ceremony_id.clone().unwrap_or_else(|| "-".into()),
                    format!("{} ({})", record.result.as_str(), record.exit_code),
                    record.operator.clone().unwrap_or_else(|| "-".into()),
                    shares_cell(record),
                    record
                        .note
                        .clone()
                        .or_else(|| record.message.clone())
                        .unwrap_or_default()
                        .replace(['\n', '\r'], " "),
                ]
            })
            .collect();
        let header = [
            "#",
            "time",
            "action",
            "ceremony",
            "result",
            "operator",
            "shares",
            "note / message",
        ]
        .map(str::to_owned);
        let mut widths = header.clone().map(|cell| cell.chars().count());
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for row in std::iter::once(&header).chain(&rows) {
            let cells: Vec<String> = row
                .iter()
                .zip(widths)
                .map(|(cell, width)| format!("{cell:width$}"))
                .collect();
            outln!("{}", cells.join("  ").trim_end());
        }
    }
    broken_failure(&path, &log).map_or(Ok(()), Err)
}

/// `breakglass log repair`.
fn repair(args: &LogFileArgs) -> Result<(), Failure> {
    let path = log_path(args);
    let removed = audit::repair_torn_tail(&path).map_err(log_failure)?;
    let log = audit::read(&path).map_err(log_failure)?;
    if args.json {
        let mut value = chain_json(&path, &log);
        value["removed_bytes"] = removed.into();
        outln!("{value}");
    } else if removed == 0 {
        outln!("Log {} ends cleanly: nothing to repair.", path.display());
    } else {
        outln!(
            "Log {}: removed an unfinished last line ({removed} bytes); {} intact record(s) kept.",
            path.display(),
            log.entries.len()
        );
    }
    Ok(())
}

/// Runs a `log` subcommand.
pub fn run(command: LogCommand) -> Result<(), Failure> {
    match command {
        LogCommand::Verify(args) => verify(&args),
        LogCommand::Show(args) => show(&args),
        LogCommand::Repair(args) => repair(&args),
    }
}
