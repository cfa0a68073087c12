//! `status`: is each ceremony still fit for an emergency? Drill due, expiries, rotation,
//! sheets never verified, and whether the log can be trusted.
//!
//! A pure function of the manifests, their logs and an injected `now`, so every date rule is
//! unit-tested without clocks or files, and a monitoring job gets the same answer as a person.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Serialize;

use crate::evidence::audit::{self, Action, Log, Outcome, ShareRef};
use crate::evidence::manifest::{DEFAULT_DRILL_INTERVAL_DAYS, Manifest};
use crate::evidence::signin;
use crate::platform::clock;

const DAY: i64 = 86_400;

/// The manifest fields `status` draws on that only the manifest holds: nothing signs it, so
/// they are claims until `verify --manifest` or a drill reads the sheets (which confirms the
/// ceremony, counts, vault, key and secret kind; see docs/LOG.md, "What the records rest on").
pub const MANIFEST_CLAIMS: [&str; 7] = [
    "created",
    "secret_kind",
    "secret_expires",
    "certificate",
    "rotation_days",
    "drill_interval_days",
    "custodians",
];

/// One line saying so, for people.
pub const CLAIMS_NOTE: &str = "Dates, kind and custodians are the manifest's claims: `verify --manifest` or a drill checks the manifest against the sheets, `log verify --expect-head HASH` checks the log against a drill report.";

/// Days before an expiry or rotation date when `status` starts warning, unless told otherwise.
pub const DEFAULT_WARN_DAYS: u32 = 30;

/// One ceremony to assess.
#[derive(Debug)]
pub struct CeremonyFiles {
    /// Where its manifest is.
    pub manifest_path: PathBuf,
    /// The manifest.
    pub manifest: Manifest,
    /// Where its log is.
    pub log_path: PathBuf,
    /// The log, or why it could not be read.
    pub log: Result<Log, String>,
}

/// Something that needs attention, worst first (the derived order is the precedence).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Concern {
    /// A secret or certificate has expired, or rotation is overdue: access may already fail.
    Expired,
    /// The most recent drill failed: access is not proven to work.
    LastDrillFailed,
    /// The most recent sign-in check failed: the account or its alert does not work.
    LastSigninCheckFailed,
    /// The log cannot be read or its chain is broken: the history cannot be trusted.
    LogBroken,
    /// No successful drill within the interval.
    DrillOverdue,
    /// No successful sign-in check within 90 days.
    SigninCheckOverdue,
    /// An expiry or rotation date falls within the warning window.
    ExpiresSoon,
    /// Some custodians' sheets have never been verified since sealing.
    NeverVerified,
}

impl Concern {
    /// Every concern, worst first (the order `status` picks its exit code by).
    pub const WORST_FIRST: [Concern; 8] = [
        Concern::Expired,
        Concern::LastDrillFailed,
        Concern::LastSigninCheckFailed,
        Concern::LogBroken,
        Concern::DrillOverdue,
        Concern::SigninCheckOverdue,
        Concern::ExpiresSoon,
        Concern::NeverVerified,
    ];
}

/// A concern with its explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind.
    pub concern: Concern,
    /// One line for a person.
    pub message: String,
}

/// A date something falls due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// "client secret expires", "certificate expires", "rotation due".
    pub what: String,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// Whole days left (negative once passed).
    pub days_left: i64,
    /// `ok`, `soon` (within the warning window) or `passed`.
    pub state: &'static str,
}

/// The last drill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DrillSummary {
    /// When.
    pub time: String,
    /// How it went.
    pub result: Outcome,
    /// Its exit code.
    pub exit_code: u8,
    /// Its record number in the log.
    pub seq: u64,
}

/// The last sign-in check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SigninSummary {
    /// When.
    pub time: String,
    /// How it went.
    pub result: Outcome,
    /// Whether the sign-in alert fired.
    pub alert_fired: Option<bool>,
    /// Its record number in the log.
    pub seq: u64,
}

/// An envelope serial to check an envelope against: the latest recorded for its share.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnvelopeState {
    /// The share in the envelope.
    pub index: u8,
    /// Its custodian.
    pub custodian: Option<String>,
    /// The serial the envelope should carry.
    pub serial: String,
}

/// The log's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogState {
    /// The file.
    pub path: String,
    /// Records trusted (up to the first break).
    pub records: usize,
    /// True if and only if the file was read and its chain is whole (a missing log is intact).
    pub intact: bool,
    /// What is wrong, if anything.
    pub problem: Option<String>,
}

/// The state of one ceremony.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CeremonyStatus {
    /// manifest.json.
    pub manifest: String,
    /// Ceremony id.
    pub ceremony_id: String,
    /// Label.
    pub label: String,
    /// When sealed.
    pub created: String,
    /// Whole days since sealing.
    pub age_days: i64,
    /// The ceremony that replaced this one (then nothing else is a concern).
    pub replaced_by: Option<String>,
    /// Days between drills.
    pub drill_interval_days: u32,
    /// The most recent drill.
    pub last_drill: Option<DrillSummary>,
    /// The most recent successful drill.
    pub last_successful_drill: Option<String>,
    /// When the next drill is due (RFC 3339 UTC): interval after the last successful drill, or
    /// after sealing.
    pub next_drill_due: String,
    /// Whole days until then (negative when overdue).
    pub days_until_drill: i64,
    /// The most recent sign-in check (`signin-check`).
    pub last_signin_check: Option<SigninSummary>,
    /// When the next sign-in check is due (RFC 3339 UTC): 90 days after the last successful
    /// one, or after sealing.
    pub next_signin_check_due: String,
    /// Whole days until then (negative when overdue).
    pub days_until_signin_check: i64,
    /// The serial each envelope should carry now (recorded at sealing, or re-sealed later).
    pub envelopes: Vec<EnvelopeState>,
    /// Expiry and rotation dates.
    pub deadlines: Vec<Deadline>,
    /// Custodians whose sheet never took part in a successful verify or drill.
    pub never_verified: Vec<ShareRef>,
    /// The log.
    pub log: LogState,
    /// What needs attention, worst first.
    pub findings: Vec<Finding>,
}

impl CeremonyStatus {
    /// The worst concern, if any.
    pub fn worst(&self) -> Option<Concern> {
        self.findings.iter().map(|finding| finding.concern).min()
    }
}

/// "1 day", "12 days".
pub fn days(count: i64) -> String {
    format!("{count} {}", if count == 1 { "day" } else { "days" })
}

fn days_left(at: i64, now: i64) -> i64 {
    (at - now).div_euclid(DAY)
}

fn deadline(what: &str, at: i64, now: i64, warn_days: u32) -> Deadline {
    let state = if now >= at {
        "passed"
    } else if at - now <= i64::from(warn_days) * DAY {
        "soon"
    } else {
        "ok"
    };
    Deadline {
        what: what.to_owned(),
        at: clock::rfc3339(at),
        days_left: days_left(at, now),
        state,
    }
}

/// Assesses every ceremony at `now` (Unix seconds), warning `warn_days` before deadlines.
pub fn assess(ceremonies: &[CeremonyFiles], now: i64, warn_days: u32) -> Vec<CeremonyStatus> {
    ceremonies
        .iter()
        .map(|files| {
            let replaced_by = ceremonies
                .iter()
                .find(|other| other.manifest.replaces.as_ref() == Some(&files.manifest.ceremony_id))
                .map(|other| other.manifest.ceremony_id.as_str().to_owned());
            assess_one(files, replaced_by, now, warn_days)
        })
        .collect()
}

fn assess_one(files: &CeremonyFiles, replaced_by: Option<String>, now: i64, warn_days: u32) -> CeremonyStatus {
    let manifest = &files.manifest;
    let created = manifest.created.unix();
    let empty = Log::default();
    let (log, log_state) = match &files.log {
        Ok(log) => (
            log,
            LogState {
                path: files.log_path.display().to_string(),
                records: log.entries.len(),
                intact: log.broken.is_none(),
                problem: log.broken.as_ref().map(ToString::to_string),
            },
        ),
        Err(reason) => (
            &empty,
            LogState {
                path: files.log_path.display().to_string(),
                records: 0,
                intact: false,
                problem: Some(reason.clone()),
            },
        ),
    };
    let records: Vec<_> = log
        .entries
        .iter()
        .map(|entry| &entry.record)
        .filter(|record| record.ceremony_id.as_deref() == Some(manifest.ceremony_id.as_str()))
        .collect();
    let replaced_by = replaced_by.or_else(|| {
        records
            .iter()
            .rev()
            .find(|record| record.action == Action::Reseal)
            .and_then(|record| record.replaced_by.clone())
    });
    let drills = of_action(&records, Action::Drill);
    let last_drill = drills.last().map(|record| DrillSummary {
        time: record.time.clone(),
        result: record.result,
        exit_code: record.exit_code,
        seq: record.seq,
    });
    let last_success = last_success_time(&drills);
    let interval = manifest.drill_interval_days.unwrap_or(DEFAULT_DRILL_INTERVAL_DAYS);
    let due = last_success.unwrap_or(created) + i64::from(interval) * DAY;
    let checks = of_action(&records, Action::SigninCheck);
    let last_signin_check = checks.last().map(|record| SigninSummary {
        time: record.time.clone(),
        result: record.result,
        alert_fired: record.alert_fired,
        seq: record.seq,
    });
    let last_signin_success = last_success_time(&checks);
    let signin_due = last_signin_success.unwrap_or(created) + i64::from(signin::INTERVAL_DAYS) * DAY;
    let envelopes: Vec<EnvelopeState> = audit::envelope_serials(manifest, log)
        .into_iter()
        .map(|(index, serial)| EnvelopeState {
            index,
            custodian: manifest.custodian_name(index).map(str::to_owned),
            serial,
        })
        .collect();

    let mut deadlines = Vec::new();
    if let Some(day) = manifest.secret_expires {
        // A secret expiring on a date is valid through that day (as `recover` says).
        deadlines.push(deadline("secret expires", day.end(), now, warn_days));
    }
    if let Some(certificate) = &manifest.certificate {
        deadlines.push(deadline(
            "certificate expires",
            certificate.not_after.unix(),
            now,
            warn_days,
        ));
    }
    if let Some(days) = manifest.rotation_days {
        deadlines.push(deadline(
            "rotation due",
            created + i64::from(days) * DAY,
            now,
            warn_days,
        ));
    }

    let verified: BTreeSet<u8> = records
        .iter()
        .filter(|record| matches!(record.action, Action::Verify | Action::Drill) && record.result == Outcome::Success)
        .flat_map(|record| record.shares.iter().map(|share| share.index))
        .collect();
    let never_verified: Vec<ShareRef> = manifest
        .custodians
        .iter()
        .filter(|custodian| !verified.contains(&custodian.index))
        .map(|custodian| ShareRef {
            index: custodian.index,
            custodian: Some(custodian.name.clone()),
        })
        .collect();

    let mut findings = Vec::new();
    if replaced_by.is_none() {
        for passed in deadlines.iter().filter(|d| d.state == "passed") {
            findings.push(Finding {
                concern: Concern::Expired,
                message: format!(
                    "{} {} ({} ago)",
                    passed.what,
                    clock::day_of(&passed.at),
                    days(-passed.days_left)
                ),
            });
        }
        if let Some(last) = &last_drill
            && last.result == Outcome::Failure
        {
            findings.push(Finding {
                concern: Concern::LastDrillFailed,
                message: format!("the last drill, on {}, failed (exit {})", last.time, last.exit_code),
            });
        }
        if let Some(last) = &last_signin_check
            && last.result == Outcome::Failure
        {
            findings.push(Finding {
                concern: Concern::LastSigninCheckFailed,
                message: format!("the last sign-in check, on {}, failed", last.time),
            });
        }
        if let Some(problem) = &log_state.problem {
            findings.push(Finding {
                concern: Concern::LogBroken,
                message: format!("log {}: {problem}", log_state.path),
            });
        }
        if now > due {
            findings.push(Finding {
                concern: Concern::DrillOverdue,
                message: format!(
                    "drill overdue since {} ({}; every {interval} days)",
                    clock::date(due),
                    days((now - due).div_euclid(DAY))
                ),
            });
        }
        if now > signin_due {
            findings.push(Finding {
                concern: Concern::SigninCheckOverdue,
                message: format!(
                    "sign-in check overdue since {} ({}; every {} days: sign in with the account and record it with `breakglass signin-check`)",
                    clock::date(signin_due),
                    days((now - signin_due).div_euclid(DAY)),
                    signin::INTERVAL_DAYS
                ),
            });
        }
        for soon in deadlines.iter().filter(|d| d.state == "soon") {
            findings.push(Finding {
                concern: Concern::ExpiresSoon,
                message: format!(
                    "{} {} (in {})",
                    soon.what,
                    clock::day_of(&soon.at),
                    days(soon.days_left)
                ),
            });
        }
        if !never_verified.is_empty() {
            let names: Vec<String> = never_verified
                .iter()
                .map(|share| format!("{} ({})", share.index, share.custodian.as_deref().unwrap_or("?")))
                .collect();
            findings.push(Finding {
                concern: Concern::NeverVerified,
                message: format!(
                    "{} never verified: {}",
                    if names.len() == 1 { "sheet" } else { "sheets" },
                    names.join(", ")
                ),
            });
        }
        findings.sort_by_key(|finding| finding.concern);
    }
    CeremonyStatus {
        manifest: files.manifest_path.display().to_string(),
        ceremony_id: manifest.ceremony_id.as_str().to_owned(),
        label: manifest.label.clone(),
        created: manifest.created.to_string(),
        age_days: (now - created).div_euclid(DAY),
        replaced_by,
        drill_interval_days: interval,
        last_drill,
        last_successful_drill: last_success.map(clock::rfc3339),
        next_drill_due: clock::rfc3339(due),
        days_until_drill: days_left(due, now),
        last_signin_check,
        next_signin_check_due: clock::rfc3339(signin_due),
        days_until_signin_check: days_left(signin_due, now),
        envelopes,
        deadlines,
        never_verified,
        log: log_state,
        findings,
    }
}

/// The records of one action (drills, sign-in checks), oldest first.
fn of_action<'a>(records: &[&'a audit::Record], action: Action) -> Vec<&'a audit::Record> {
    records
        .iter()
        .copied()
        .filter(|record| record.action == action)
        .collect()
}

/// When the last successful one of `records` happened (each check's clock runs from it).
fn last_success_time(records: &[&audit::Record]) -> Option<i64> {
    records
        .iter()
        .rev()
        .find(|record| record.result == Outcome::Success)
        .and_then(|record| clock::parse_rfc3339(&record.time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::audit::{self, Record};

    const SEALED: i64 = 1_790_000_000; // 2026-09-21T14:13:20Z

    fn manifest() -> Manifest {
        let text = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/vectors/v1/ceremony-1/manifest.json"
        ))
        .unwrap();
        let mut manifest = Manifest::parse(&text).unwrap();
        manifest.created = crate::platform::dates::UtcTime::from_unix(SEALED);
        manifest
    }

    fn log(records: &[(Action, u8, i64, &[u8])]) -> Log {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(audit::FILE_NAME);
        for &(action, code, time, shares) in records {
            let mut record = Record::new(
                action,
                Some(manifest().ceremony_id.as_str().to_owned()),
                crate::exit::Exit::from_code(code).unwrap(),
                time,
            );
            record.shares = audit::share_refs(shares, None);
            audit::append(&path, record).unwrap();
        }
        audit::read(&path).unwrap()
    }

    fn status(manifest: Manifest, log: Result<Log, String>, now: i64) -> CeremonyStatus {
        let files = CeremonyFiles {
            manifest_path: "m/manifest.json".into(),
            manifest,
            log_path: "m/breakglass-log.jsonl".into(),
            log,
        };
        assess(&[files], now, DEFAULT_WARN_DAYS).remove(0)
    }

    fn concerns(status: &CeremonyStatus) -> Vec<Concern> {
        status.findings.iter().map(|finding| finding.concern).collect()
    }

    #[test]
    fn drill_due_counts_from_the_last_successful_drill_or_the_seal() {
        let fresh = status(manifest(), Ok(Log::default()), SEALED + 10 * DAY);
        assert_eq!(fresh.days_until_drill, 80);
        assert_eq!(fresh.next_drill_due, clock::rfc3339(SEALED + 90 * DAY));
        assert_eq!(concerns(&fresh), [Concern::NeverVerified]);
        assert_eq!(fresh.never_verified.len(), 5);

        let overdue = status(manifest(), Ok(Log::default()), SEALED + 91 * DAY);
        assert_eq!(
            concerns(&overdue),
            [
                Concern::DrillOverdue,
                Concern::SigninCheckOverdue,
                Concern::NeverVerified
            ]
        );

        let all: &[u8] = &[1, 2, 3, 4, 5];
        let drilled = log(&[
            (Action::Seal, 0, SEALED, all),
            (Action::Drill, 0, SEALED + 80 * DAY, all),
            (Action::SigninCheck, 0, SEALED + 85 * DAY, &[]),
        ]);
        let status = status(manifest(), Ok(drilled), SEALED + 91 * DAY);
        assert_eq!(concerns(&status), []);
        assert_eq!(status.days_until_drill, 79);
        assert_eq!(status.last_drill.unwrap().result, Outcome::Success);
    }

    #[test]
    fn the_sign_in_check_counts_its_own_90_days_and_a_failed_one_is_reported() {
        let all: &[u8] = &[1, 2, 3, 4, 5];
        let fresh = status(manifest(), Ok(Log::default()), SEALED + 10 * DAY);
        assert_eq!(fresh.next_signin_check_due, clock::rfc3339(SEALED + 90 * DAY));
        assert_eq!(fresh.last_signin_check, None);
        let checked = log(&[
            (Action::Drill, 0, SEALED + 89 * DAY, all),
            (Action::SigninCheck, 0, SEALED + 30 * DAY, &[]),
        ]);
        let status_at = |log: Log, days: i64| status(manifest(), Ok(log), SEALED + days * DAY);
        let fine = status_at(checked.clone(), 100);
        assert_eq!(concerns(&fine), []);
        assert_eq!(fine.days_until_signin_check, 20);
        let late = status_at(checked, 121);
        assert_eq!(concerns(&late), [Concern::SigninCheckOverdue]);
        // A failed check does not reset the clock, and outranks everything but expiry.
        let failed = log(&[
            (Action::Drill, 0, SEALED + 89 * DAY, all),
            (Action::SigninCheck, 0, SEALED + 30 * DAY, &[]),
            (Action::SigninCheck, 24, SEALED + 60 * DAY, &[]),
        ]);
        let status = status_at(failed, 100);
        assert_eq!(concerns(&status), [Concern::LastSigninCheckFailed]);
        assert_eq!(status.days_until_signin_check, 20);
        assert_eq!(
            crate::exit::Exit::from(Concern::LastSigninCheckFailed),
            crate::exit::Exit::LastDrillFailed
        );
    }

    #[test]
    fn a_failed_last_drill_does_not_reset_the_clock_and_is_reported() {
        let some: &[u8] = &[1, 2, 3];
        let drills = log(&[
            (Action::Drill, 0, SEALED + DAY, some),
            (Action::Drill, 5, SEALED + 95 * DAY, &[4]),
        ]);
        let status = status(manifest(), Ok(drills), SEALED + 95 * DAY);
        assert_eq!(
            concerns(&status),
            [
                Concern::LastDrillFailed,
                Concern::DrillOverdue,
                Concern::SigninCheckOverdue,
                Concern::NeverVerified
            ]
        );
        let names: Vec<u8> = status.never_verified.iter().map(|share| share.index).collect();
        assert_eq!(names, [4, 5], "a failed drill verifies nothing");
    }

    #[test]
    fn expiry_and_rotation_warn_then_expire() {
        let mut manifest = manifest();
        manifest.secret_expires = crate::platform::dates::Day::parse(&clock::date(SEALED + 60 * DAY));
        manifest.rotation_days = Some(365);
        let all: &[u8] = &[1, 2, 3, 4, 5];
        let verified = || Ok(log(&[(Action::Verify, 0, SEALED, all)]));
        let early = status(manifest.clone(), verified(), SEALED + 20 * DAY);
        assert_eq!(concerns(&early), []);
        let soon = status(manifest.clone(), verified(), SEALED + 40 * DAY);
        assert_eq!(concerns(&soon), [Concern::ExpiresSoon]);
        assert_eq!(soon.deadlines[0].state, "soon");
        // Valid through the expiry day itself.
        let last_day = status(manifest.clone(), verified(), SEALED + 60 * DAY);
        assert_eq!(last_day.deadlines[0].state, "soon");
        let expired = status(manifest.clone(), verified(), SEALED + 62 * DAY);
        assert_eq!(concerns(&expired), [Concern::Expired]);
        assert_eq!(expired.worst(), Some(Concern::Expired));
        let rotation = &expired.deadlines[1];
        assert_eq!((rotation.what.as_str(), rotation.state), ("rotation due", "ok"));
    }

    #[test]
    fn a_broken_log_is_a_concern_and_only_its_intact_part_counts() {
        let mut broken = log(&[(Action::Drill, 0, SEALED + DAY, &[1, 2, 3, 4, 5])]);
        broken.broken = Some(audit::ChainBreak {
            line: 2,
            problem: audit::Break::Edited,
        });
        let status = status(manifest(), Ok(broken), SEALED + 2 * DAY);
        assert_eq!(concerns(&status), [Concern::LogBroken]);
        assert!(!status.log.intact);
        let unreadable = super::tests::status(manifest(), Err("cannot read".into()), SEALED + DAY);
        assert_eq!(concerns(&unreadable), [Concern::LogBroken, Concern::NeverVerified]);
    }

    #[test]
    fn a_replaced_ceremony_raises_nothing() {
        let old = manifest();
        let mut new = manifest();
        new.ceremony_id = crate::paper::format::v1::CeremonyId::parse("ABCDEFGHJK").unwrap();
        new.replaces = Some(old.ceremony_id.clone());
        let files = |manifest: Manifest| CeremonyFiles {
            manifest_path: "m".into(),
            manifest,
            log_path: "l".into(),
            log: Ok(Log::default()),
        };
        let statuses = assess(&[files(old), files(new)], SEALED + 400 * DAY, 30);
        assert_eq!(statuses[0].replaced_by.as_deref(), Some("ABCDEFGHJK"));
        assert!(statuses[0].findings.is_empty());
        assert_eq!(statuses[1].worst(), Some(Concern::DrillOverdue));
    }
}
