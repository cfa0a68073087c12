//! `breakglass status`: find the ceremonies, assess them, print, and exit with the worst
//! concern's code so a monitoring job can act on it.

use std::path::{Path, PathBuf};

use breakglass::evidence::audit;
use breakglass::evidence::json::Schema;
use breakglass::evidence::json::reports::StatusBody;
use breakglass::evidence::status::{self, CeremonyFiles, CeremonyStatus};
use breakglass::exit::Exit;
use breakglass::platform::clock;

use super::Failure;

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Directories to search for manifest.json (and their subdirectories, 4 levels deep).
    /// Default: the current directory, unless --manifest is given.
    #[arg(value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// A ceremony's manifest.json (repeatable).
    #[arg(long = "manifest", value_name = "FILE")]
    manifests: Vec<PathBuf>,
    /// Warn this many days before a secret, certificate or rotation date.
    #[arg(long, default_value_t = status::DEFAULT_WARN_DAYS, value_name = "DAYS")]
    warn_days: u32,
    /// Print one JSON document (schema breakglass.status/1, docs/JSON.md) instead of text; the
    /// exit code is unchanged.
    #[arg(long)]
    json: bool,
}

/// How deep below each directory manifests are looked for.
const MAX_DEPTH: usize = 4;

fn is_breakglass_manifest(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .is_ok_and(|value| value.get("format").and_then(|f| f.as_str()) == Some(breakglass::evidence::manifest::FORMAT))
}

/// Finds `manifest.json` files below `dir` (hidden directories and symbolic links skipped).
fn find(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let entries = std::fs::read_dir(dir).map_err(|error| {
        Failure::new(
            Exit::Unreadable,
            format!(
                "cannot read the directory {}: {}; check the path",
                dir.display(),
                breakglass::platform::input::io_reason(&error)
            ),
        )
    })?;
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name();
        let Ok(kind) = entry.file_type() else { continue };
        let path = entry.path();
        if kind.is_file() && name == "manifest.json" {
            let limit = breakglass::evidence::manifest::MAX_BYTES as u64;
            let bytes = breakglass::platform::input::read(&path, limit).unwrap_or_default();
            if is_breakglass_manifest(&bytes) {
                found.push(path);
            }
        } else if kind.is_dir() && depth < MAX_DEPTH && !name.to_string_lossy().starts_with('.') {
            find(&path, depth + 1, found)?;
        }
    }
    Ok(())
}

fn load(path: &Path) -> Result<CeremonyFiles, Failure> {
    let manifest = super::read_manifest(path)?;
    let log_path = audit::default_path(path);
    let log = audit::read(&log_path).map_err(|error| error.to_string());
    Ok(CeremonyFiles {
        manifest_path: path.to_owned(),
        manifest,
        log_path,
        log,
    })
}

fn print_human(statuses: &[CeremonyStatus]) {
    for status in statuses {
        outln!(
            "Ceremony {}-{} \"{}\" ({})",
            &status.ceremony_id[..5],
            &status.ceremony_id[5..],
            status.label,
            status.manifest
        );
        outln!(
            "  sealed        {} ({} ago)",
            clock::day_of(&status.created),
            status::days(status.age_days)
        );
        if let Some(new) = &status.replaced_by {
            outln!("  replaced by   ceremony {new}: nothing more to do for this one");
            outln!();
            continue;
        }
        match &status.last_drill {
            Some(last) => outln!(
                "  last drill    {} {} (exit {}, log record {})",
                last.time,
                last.result.as_str(),
                last.exit_code,
                last.seq
            ),
            None => outln!("  last drill    never"),
        }
        let when = if status.days_until_drill < 0 {
            format!("OVERDUE by {}", status::days(-status.days_until_drill))
        } else {
            format!("in {}", status::days(status.days_until_drill))
        };
        outln!(
            "  next drill    {} ({when}; every {} days)",
            clock::day_of(&status.next_drill_due),
            status.drill_interval_days
        );
        match &status.last_signin_check {
            Some(last) => outln!(
                "  last sign-in  {} {} (alert {}, log record {})",
                last.time,
                last.result.as_str(),
                match last.alert_fired {
                    Some(true) => "fired",
                    Some(false) => "did not fire",
                    None => "not recorded",
                },
                last.seq
            ),
            None => outln!("  last sign-in  never recorded (breakglass signin-check)"),
        }
        let when = if status.days_until_signin_check < 0 {
            format!("OVERDUE by {}", status::days(-status.days_until_signin_check))
        } else {
            format!("in {}", status::days(status.days_until_signin_check))
        };
        outln!(
            "  next sign-in  {} ({when}; every {} days)",
            clock::day_of(&status.next_signin_check_due),
            breakglass::evidence::signin::INTERVAL_DAYS
        );
        if !status.envelopes.is_empty() {
            let serials: Vec<String> = status
                .envelopes
                .iter()
                .map(|envelope| format!("{} {}", envelope.index, envelope.serial))
                .collect();
            outln!("  envelopes     {}", serials.join(", "));
        }
        for deadline in &status.deadlines {
            let when = if deadline.days_left < 0 {
                format!("{} ago", status::days(-deadline.days_left))
            } else {
                format!("in {}", status::days(deadline.days_left))
            };
            outln!(
                "  {:13} {} ({when}, {})",
                deadline.what,
                clock::day_of(&deadline.at),
                deadline.state
            );
        }
        if !status.never_verified.is_empty() {
            let names: Vec<String> = status
                .never_verified
                .iter()
                .map(|share| format!("{} ({})", share.index, share.custodian.as_deref().unwrap_or("?")))
                .collect();
            let noun = if names.len() == 1 { "sheet" } else { "sheets" };
            outln!("  never verified {noun} {}", names.join(", "));
        }
        match &status.log.problem {
            Some(problem) => outln!("  log           {}: {problem}", status.log.path),
            None => outln!(
                "  log           {}, chain intact",
                super::wording::count(status.log.records, "record", "records")
            ),
        }
        match status.worst() {
            None => outln!("  status        OK"),
            Some(worst) => {
                outln!("  status        ATTENTION (exit {})", Exit::from(worst));
                for finding in &status.findings {
                    outln!("    - {}", finding.message);
                }
            }
        }
        outln!();
    }
}

/// The ceremonies `args` names, assessed at `now`.
fn gather(args: &StatusArgs, now: i64) -> Result<Vec<CeremonyStatus>, Failure> {
    let mut paths = args.manifests.clone();
    let dirs = if args.dirs.is_empty() && args.manifests.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.dirs.clone()
    };
    for dir in &dirs {
        find(dir, 0, &mut paths)?;
    }
    if paths.is_empty() {
        let places: Vec<String> = dirs.iter().map(|dir| dir.display().to_string()).collect();
        return Err(Failure::new(
            Exit::NoCeremony,
            format!(
                "no breakglass manifest.json found in {} (searched {MAX_DEPTH} levels deep); give the directory holding the ceremonies, or --manifest FILE",
                places.join(", ")
            ),
        ));
    }
    paths.sort();
    paths.dedup();
    let ceremonies = paths.iter().map(|path| load(path)).collect::<Result<Vec<_>, _>>()?;
    Ok(status::assess(&ceremonies, now, args.warn_days))
}

/// The exit code and message of the worst concern over every ceremony.
fn verdict(statuses: &[CeremonyStatus]) -> Result<(), Failure> {
    let Some(worst) = statuses.iter().filter_map(CeremonyStatus::worst).min() else {
        return Ok(());
    };
    let attention = statuses.iter().filter(|status| status.worst().is_some()).count();
    let first = statuses
        .iter()
        .flat_map(|status| status.findings.iter().map(move |finding| (status, finding)))
        .filter(|(_, finding)| finding.concern == worst)
        .map(|(status, finding)| format!("ceremony {}: {}", status.ceremony_id, finding.message))
        .next()
        .unwrap_or_default();
    Err(Failure::new(
        Exit::from(worst),
        format!(
            "{attention} of {} need{} attention; worst: {first}",
            super::wording::count(statuses.len(), "ceremony", "ceremonies"),
            if attention == 1 { "s" } else { "" }
        ),
    ))
}

/// Runs `status`.
pub fn run(args: StatusArgs) -> Result<(), Failure> {
    let now = clock::now_unix();
    let (statuses, outcome) = match gather(&args, now) {
        Ok(statuses) => {
            let outcome = verdict(&statuses);
            (statuses, outcome)
        }
        Err(failure) => (Vec::new(), Err(failure)),
    };
    if args.json {
        let body = StatusBody::new(clock::rfc3339(now), args.warn_days, statuses);
        return super::json::finish(Schema::Status, body, outcome);
    }
    if !statuses.is_empty() {
        print_human(&statuses);
        outln!("{}", status::CLAIMS_NOTE);
    }
    if outcome.is_ok() {
        outln!(
            "{} OK.",
            match statuses.len() {
                1 => "The ceremony is".to_owned(),
                count => format!("All {count} ceremonies are"),
            }
        );
    }
    outcome
}
