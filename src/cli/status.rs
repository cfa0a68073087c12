//! `breakglass status`: find the ceremonies, assess them, print, and exit with the worst
//! concern's code so a monitoring job can act on it.

use std::path::{Path, PathBuf};

use breakglass::evidence::audit;
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
    /// Print JSON (schema in docs/LOG.md) instead of text.
    #[arg(long)]
    json: bool,
}

/// "OVERDUE by N days" when `days` is past, else "in N days".
fn due_in(days: i64) -> String {
    if days < 0 {
        format!("OVERDUE by {} days", -days)
    } else {
        format!("in {days} days")
    }
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
            "  sealed        {} ({} days ago)",
            clock::day_of(&status.created),
            status.age_days
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
        let when = due_in(status.days_until_drill);
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
        let when = due_in(status.days_until_signin_check);
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
                format!("{} days ago", -deadline.days_left)
            } else {
                format!("in {} days", deadline.days_left)
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

/// Runs `status`.
pub fn run(args: StatusArgs) -> Result<(), Failure> {
    let paths = breakglass::evidence::manifest::discover(&args.manifests, &args.dirs)
        .map_err(|error| Failure::new(Exit::from(&error), error.to_string()))?;
    let ceremonies = paths.iter().map(|path| load(path)).collect::<Result<Vec<_>, _>>()?;
    let now = clock::now_unix();
    let statuses = status::assess(&ceremonies, now, args.warn_days);
    let worst = statuses.iter().filter_map(CeremonyStatus::worst).min();
    let overall = worst.map_or(Exit::Ok, Exit::from);
    if args.json {
        let ceremonies: Vec<serde_json::Value> = statuses
            .iter()
            .map(|status| {
                let mut value = serde_json::to_value(status).expect("a status serialises");
                value["exit_code"] = status.worst().map_or(Exit::Ok, Exit::from).code().into();
                value
            })
            .collect();
        outln!(
            "{}",
            serde_json::json!({
                "now": clock::rfc3339(now),
                "warn_days": args.warn_days,
                "exit_code": overall,
                "manifest_claims": status::MANIFEST_CLAIMS,
                "ceremonies": ceremonies,
            })
        );
    } else {
        print_human(&statuses);
        outln!("{}", status::CLAIMS_NOTE);
    }
    match worst {
        None => {
            if !args.json {
                outln!(
                    "{} OK.",
                    match statuses.len() {
                        1 => "The ceremony is".to_owned(),
                        count => format!("All {count} ceremonies are"),
                    }
                );
            }
            Ok(())
        }
        Some(worst) => {
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
    }
}
