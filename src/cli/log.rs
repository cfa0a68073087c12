//! `breakglass log verify|show`, and the appending of records by verify, recover and drill.

use std::path::{Path, PathBuf};

use breakglass::evidence::audit::{self, Action, Log, Record};
use breakglass::evidence::json::Schema;
use breakglass::evidence::json::log::{Chain, ExpectedHead, LogRepairBody, LogShowBody, LogVerifyBody, RecordJson};
use breakglass::exit::Exit;
use breakglass::platform::clock;
use breakglass::platform::terminal::{self, MAX_MESSAGE_CHARS};

use super::Failure;

/// Widest column of `log show`'s table but the last (the note or message).
const COLUMN_CHARS: usize = 64;

/// Longest `--operator` recorded: a person's name or login.
pub const MAX_OPERATOR_CHARS: usize = 100;
/// Longest `--note` recorded: a few sentences for the log and the drill report's one page.
pub const MAX_NOTE_CHARS: usize = 2000;

/// `--operator` of at most [`MAX_OPERATOR_CHARS`] characters.
fn operator_arg(text: &str) -> Result<String, String> {
    bounded(text, MAX_OPERATOR_CHARS)
}

/// `--note` of at most [`MAX_NOTE_CHARS`] characters.
fn note_arg(text: &str) -> Result<String, String> {
    bounded(text, MAX_NOTE_CHARS)
}

fn bounded(text: &str, max_chars: usize) -> Result<String, String> {
    match text.chars().count() {
        count if count > max_chars => Err(format!("{count} characters; give at most {max_chars}")),
        _ => Ok(text.to_owned()),
    }
}

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
    #[arg(long, value_name = "NAME", value_parser = operator_arg)]
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
    #[arg(long, value_name = "NAME", value_parser = operator_arg)]
    operator: Option<String>,
    /// Free-text note for the log and any report (the task done, witnesses, the ticket, anything
    /// unusual). Never the secret.
    #[arg(long, value_name = "TEXT", value_parser = note_arg)]
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
    /// Print one JSON document (docs/JSON.md) instead of text; the exit code is unchanged.
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

fn broken_failure(path: &Path, log: &Log) -> Option<Failure> {
    log.broken.as_ref().map(|broken| {
        Failure::new(
            Exit::Log,
            format!(
                "the log {} is broken: {broken}; the {} before it {} intact. Compare with a copy kept elsewhere (git, the signed drill reports)",
                path.display(),
                super::wording::count(log.entries.len(), "record", "records"),
                if log.entries.len() == 1 { "is" } else { "are" }
            ),
        )
    })
}

/// `breakglass log verify`.
fn verify(verify_args: &LogVerifyArgs) -> Result<(), Failure> {
    let args = &verify_args.file;
    let mut body = LogVerifyBody {
        log: log_path(args).display().to_string(),
        chain: None,
        expected_head: None,
    };
    let outcome = read(args).and_then(|(path, log)| {
        let anchored = verify_args.expect_head.as_deref().map(|hash| log.find_anchor(hash));
        body.chain = Some(Chain::from(&log));
        body.expected_head = verify_args.expect_head.as_ref().map(|hash| ExpectedHead {
            hash: hash.clone(),
            found: matches!(anchored, Some(Ok(_))),
            records_after: match &anchored {
                Some(Ok((_, after))) => Some(*after),
                _ => None,
            },
        });
        if !args.json && log.broken.is_none() {
            match log.entries.last() {
                Some(last) => outln!(
                    "Log {} intact: {}, the last on {} (record {}, hash {}).",
                    path.display(),
                    super::wording::count(log.entries.len(), "record", "records"),
                    last.record.time,
                    last.record.seq,
                    last.hash
                ),
                None => outln!("Log {} is empty.", path.display()),
            }
            if let Some(Ok((entry, after))) = &anchored {
                outln!(
                    "The expected record {} (record {}) is in the chain, followed by {}.",
                    entry.hash,
                    entry.record.seq,
                    super::wording::count(*after, "record", "records")
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
    });
    if args.json {
        return super::json::finish(Schema::LogVerify, body, outcome);
    }
    outcome
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
    if args.json {
        let mut body = LogShowBody {
            log: log_path(args).display().to_string(),
            chain: None,
            records: Vec::new(),
        };
        let outcome = read(args).and_then(|(path, log)| {
            body.chain = Some(Chain::from(&log));
            body.records = log.entries.iter().map(RecordJson::from).collect();
            broken_failure(&path, &log).map_or(Ok(()), Err)
        });
        return super::json::finish(Schema::LogShow, body, outcome);
    }
    let (path, log) = read(args)?;
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
    // A log edited by hand (or an operator given as 70 000 characters) must neither widen every
    // row nor overflow the formatter's width (at most 65 535: it panicked): every column but the
    // last is cut at COLUMN_CHARS, the last at the length of a message line, and cells are
    // padded by hand.
    let rows: Vec<[String; 8]> = rows
        .into_iter()
        .map(|row| {
            let last = row.len() - 1;
            let mut column = 0;
            row.map(|cell| {
                column += 1;
                let limit = if column - 1 == last {
                    MAX_MESSAGE_CHARS
                } else {
                    COLUMN_CHARS
                };
                terminal::shorten(&cell, limit).into_owned()
            })
        })
        .collect();
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
            .map(|(cell, width)| format!("{cell}{}", " ".repeat(width.saturating_sub(cell.chars().count()))))
            .collect();
        outln!("{}", cells.join("  ").trim_end());
    }
    broken_failure(&path, &log).map_or(Ok(()), Err)
}

/// `breakglass log repair`.
fn repair(args: &LogFileArgs) -> Result<(), Failure> {
    let path = log_path(args);
    let mut body = LogRepairBody {
        log: path.display().to_string(),
        chain: None,
        removed_bytes: None,
    };
    let outcome = audit::repair_torn_tail(&path)
        .and_then(|removed| Ok((removed, audit::read(&path)?)))
        .map_err(log_failure)
        .map(|(removed, log)| {
            body.chain = Some(Chain::from(&log));
            body.removed_bytes = Some(removed);
            if args.json {
                return;
            }
            if removed == 0 {
                outln!("Log {} ends cleanly: nothing to repair.", path.display());
            } else {
                outln!(
                    "Log {}: removed an unfinished last line ({removed} bytes); {} kept.",
                    path.display(),
                    super::wording::count(log.entries.len(), "intact record", "intact records")
                );
            }
        });
    if args.json {
        return super::json::finish(Schema::LogRepair, body, outcome);
    }
    outcome
}

/// Runs a `log` subcommand.
pub fn run(command: LogCommand) -> Result<(), Failure> {
    match command {
        LogCommand::Verify(args) => verify(&args),
        LogCommand::Show(args) => show(&args),
        LogCommand::Repair(args) => repair(&args),
    }
}
