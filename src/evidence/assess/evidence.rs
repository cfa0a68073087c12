//! What breakglass can prove about maturity from its own records: the `manifest.json` files that
//! `seal` wrote, the `breakglass-log.jsonl` beside each, and the policy file a ceremony was
//! sealed from. Each kind of [`Evidence`] gets a [`Finding`] that says what was found either way,
//! so a report can show why a practice was or was not proven.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;

use super::model::Evidence;
use crate::evidence::manifest::{self, Manifest};
use crate::kinds::SecretKind;
use crate::platform::input;

/// How many directory levels below `--dir` are searched for manifests.
pub const MAX_DEPTH: usize = 3;
/// A drill proves quarterly testing when it is at most this old.
pub const DRILL_WINDOW_DAYS: i64 = 90;
/// Name of the log beside a manifest.
pub const LOG_NAME: &str = crate::evidence::audit::FILE_NAME;
/// Directory entries looked at before the search gives up (a mistaken `--dir /`).
const MAX_ENTRIES: usize = 20_000;

/// What was found for one kind of evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Which evidence.
    pub evidence: Evidence,
    /// True if the records prove it.
    pub proved: bool,
    /// What was found (or why it is not proven), in one sentence.
    pub detail: String,
}

/// Everything read from the records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Records {
    /// The directory searched (as displayed: reports and JSON carry text, not OS paths).
    pub dir: String,
    /// Sound manifests found, in path order.
    pub manifests: Vec<String>,
    /// One finding per kind of evidence, in [`Evidence::ALL`] order.
    pub findings: Vec<Finding>,
    /// Things skipped on the way (unreadable manifests, unparsable log lines), one line each.
    pub warnings: Vec<String>,
}

impl Records {
    /// The finding for `evidence`.
    pub fn finding(&self, evidence: Evidence) -> Option<&Finding> {
        self.findings.iter().find(|finding| finding.evidence == evidence)
    }

    /// True if the records prove `evidence`.
    pub fn proves(&self, evidence: Evidence) -> bool {
        self.finding(evidence).is_some_and(|finding| finding.proved)
    }
}

/// Problems that stop the search.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// The directory to search cannot be read.
    #[error("cannot read the directory {path}: {reason}; give --dir the folder that holds the ceremonies")]
    Dir {
        /// The directory.
        path: PathBuf,
        /// The OS's reason.
        reason: String,
    },
    /// A policy file named with `--policy` cannot be read.
    #[error("cannot read the policy file {path}: {reason}; check --policy")]
    Policy {
        /// The file.
        path: PathBuf,
        /// The OS's reason.
        reason: String,
    },
}

/// A manifest found on disk.
struct Found {
    path: PathBuf,
    manifest: Manifest,
}

/// Searches `dir` (and up to [`MAX_DEPTH`] levels below) for the records, and decides each kind
/// of evidence. `policy` is the policy file to check (default `dir/breakglass.toml`); `now` is
/// Unix seconds (from `clock::now_unix`).
pub fn gather(dir: &Path, policy: Option<&Path>, now: i64) -> Result<Records, EvidenceError> {
    fs::read_dir(dir).map_err(|error| EvidenceError::Dir {
        path: dir.to_owned(),
        reason: crate::platform::input::io_reason(&error),
    })?;
    let mut warnings = Vec::new();
    let mut paths = Vec::new();
    let mut visited = 0;
    find_manifests(dir, 0, &mut paths, &mut visited, &mut warnings);
    paths.sort();
    let mut found = Vec::new();
    for path in paths {
        match read_manifest(&path) {
            Ok(manifest) => found.push(Found { path, manifest }),
            Err(reason) => warnings.push(format!("{}: {reason}; ignored", path.display())),
        }
    }
    let policy_finding = policy_in_git(dir, policy, &found)?;
    let findings = vec![
        offline_backup(dir, &found),
        drill(&found, now, &mut warnings),
        first_match(&found, Evidence::ExpiryDefined, expiry),
        first_match(&found, Evidence::Fido2PinSealed, |manifest| {
            (manifest.secret_kind == SecretKind::Fido2Pin).then(|| match manifest.key_serials.as_slice() {
                [] => "seals a FIDO2 PIN".to_owned(),
                [serial] => format!("seals the PIN of FIDO2 key {serial}"),
                serials => format!("seals the PIN of FIDO2 keys {}", serials.join(", ")),
            })
        }),
        policy_finding,
        first_match(&found, Evidence::AppCertificateSealed, |manifest| {
            (manifest.secret_kind == SecretKind::Certificate).then(|| match &manifest.certificate {
                Some(certificate) => format!(
                    "seals the app certificate {} (thumbprint {})",
                    certificate.subject, certificate.sha1_thumbprint
                ),
                None => "seals an app certificate".to_owned(),
            })
        }),
    ];
    Ok(Records {
        dir: dir.display().to_string(),
        manifests: found.iter().map(|found| found.path.display().to_string()).collect(),
        findings,
        warnings,
    })
}

fn find_manifests(dir: &Path, depth: usize, out: &mut Vec<PathBuf>, visited: &mut usize, warnings: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        warnings.push(format!("{}: cannot be read; not searched", dir.display()));
        return;
    };
    for entry in entries.flatten() {
        *visited += 1;
        if *visited == MAX_ENTRIES {
            warnings.push(format!(
                "stopped searching after {MAX_ENTRIES} files; point --dir at the folder that holds the ceremonies"
            ));
        }
        if *visited >= MAX_ENTRIES {
            return;
        }
        let name = entry.file_name();
        // Hidden entries hold seal's half-written staging directories and .git: never records.
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_file() && name == "manifest.json" {
            out.push(entry.path());
        } else if kind.is_dir() && depth < MAX_DEPTH {
            find_manifests(&entry.path(), depth + 1, out, visited, warnings);
        }
    }
}

fn read_manifest(path: &Path) -> Result<Manifest, String> {
    let bytes = input::read(path, manifest::MAX_BYTES as u64).map_err(|error| format!("cannot be read ({error})"))?;
    Manifest::parse(&bytes).map_err(|error| error.to_string())
}

fn ceremony_at(found: &Found) -> String {
    format!(
        "ceremony {} ({})",
        found.manifest.ceremony_id.as_str(),
        found.path.display()
    )
}

fn offline_backup(dir: &Path, found: &[Found]) -> Finding {
    let evidence = Evidence::OfflineBackup;
    match found {
        [] => Finding {
            evidence,
            proved: false,
            detail: format!(
                "no manifest.json written by breakglass seal under {} ({MAX_DEPTH} levels deep)",
                dir.display()
            ),
        },
        [one] => Finding {
            evidence,
            proved: true,
            detail: format!("{} was sealed onto paper on {}", ceremony_at(one), one.manifest.created),
        },
        [first, ..] => Finding {
            evidence,
            proved: true,
            detail: format!(
                "{} sealed ceremonies, the first {} on {}",
                found.len(),
                ceremony_at(first),
                first.manifest.created
            ),
        },
    }
}

/// The first manifest for which `test` has something to say proves `evidence`.
fn first_match(found: &[Found], evidence: Evidence, test: impl Fn(&Manifest) -> Option<String>) -> Finding {
    for one in found {
        if let Some(what) = test(&one.manifest) {
            return Finding {
                evidence,
                proved: true,
                detail: format!(
                    "{} {what} (its manifest says so; verify or a drill checks it against the sheets)",
                    ceremony_at(one)
                ),
            };
        }
    }
    Finding {
        evidence,
        proved: false,
        detail: if found.is_empty() {
            "no sealed ceremony found".to_owned()
        } else {
            format!(
                "none of the {} sealed ceremonies shows {}",
                found.len(),
                evidence.describe()
            )
        },
    }
}

fn expiry(manifest: &Manifest) -> Option<String> {
    if let Some(date) = &manifest.secret_expires {
        return Some(format!("records the secret's expiry, {date}"));
    }
    if let Some(certificate) = &manifest.certificate {
        return Some(format!("records the certificate's expiry, {}", certificate.not_after));
    }
    manifest
        .rotation_days
        .map(|days| format!("sets rotation after {days} days"))
}

fn drill(found: &[Found], now: i64, warnings: &mut Vec<String>) -> Finding {
    let evidence = Evidence::DrillWithin90Days;
    // The latest successful drill not after now, per ceremony, over all logs.
    let mut latest: Option<(i64, String)> = None;
    let mut logs = 0;
    for one in found {
        let log = one.path.with_file_name(LOG_NAME);
        if !log.exists() {
            continue;
        }
        logs += 1;
        // Only records whose hash chain is intact count: an edited or appended-by-hand line
        // proves nothing.
        let parsed = match crate::evidence::audit::read(&log) {
            Ok(parsed) => parsed,
            Err(error) => {
                warnings.push(format!("{error}; its drills are not counted"));
                continue;
            }
        };
        if let Some(broken) = &parsed.broken {
            warnings.push(format!(
                "{}: the hash chain breaks at line {} ({}); only the {} before it {}",
                log.display(),
                broken.line,
                broken.problem,
                crate::wording::count(parsed.entries.len(), "record", "records"),
                if parsed.entries.len() == 1 { "counts" } else { "count" }
            ));
        }
        let mut future = 0;
        for entry in &parsed.entries {
            let record = &entry.record;
            let Some(time) = crate::platform::clock::parse_rfc3339(&record.time) else {
                continue;
            };
            if record.action != crate::evidence::audit::Action::Drill
                || record.result != crate::evidence::audit::Outcome::Success
                || record.ceremony_id.as_deref() != Some(one.manifest.ceremony_id.as_str())
            {
                continue;
            }
            if time > now {
                future += 1;
                continue;
            }
            if latest.as_ref().is_none_or(|(best, _)| time > *best) {
                latest = Some((
                    time,
                    format!("{} ({})", one.manifest.ceremony_id.as_str(), log.display()),
                ));
            }
        }
        if future > 0 {
            warnings.push(format!(
                "{}: {} dated after now ({}); ignored, check the clock",
                log.display(),
                crate::wording::count(future, "drill record", "drill records"),
                crate::platform::clock::rfc3339(now)
            ));
        }
    }
    let window = DRILL_WINDOW_DAYS * 86_400;
    match latest {
        Some((time, what)) => {
            let days = (now - time) / 86_400;
            let when = format!("{} ({days} days ago)", crate::platform::clock::rfc3339(time));
            if now - time <= window {
                Finding {
                    evidence,
                    proved: true,
                    detail: format!("ceremony {what} was drilled successfully on {when}"),
                }
            } else {
                Finding {
                    evidence,
                    proved: false,
                    detail: format!(
                        "the last successful drill, of ceremony {what}, was on {when}: more than {DRILL_WINDOW_DAYS} days ago"
                    ),
                }
            }
        }
        None => Finding {
            evidence,
            proved: false,
            detail: if logs == 0 {
                format!("no {LOG_NAME} beside any sealed ceremony")
            } else {
                format!(
                    "no successful drill in the {} found",
                    crate::wording::count(logs, "log", "logs")
                )
            },
        },
    }
}

fn policy_in_git(dir: &Path, policy: Option<&Path>, found: &[Found]) -> Result<Finding, EvidenceError> {
    let evidence = Evidence::PolicyInGit;
    let not = |detail: String| Finding {
        evidence,
        proved: false,
        detail,
    };
    let path = policy
        .map(Path::to_owned)
        .unwrap_or_else(|| dir.join("breakglass.toml"));
    let bytes = match input::read(&path, crate::ceremony::policy::MAX_BYTES as u64) {
        Ok(bytes) => bytes,
        Err(error) if policy.is_some() => {
            return Err(EvidenceError::Policy {
                path,
                reason: error.to_string(),
            });
        }
        Err(_) => {
            return Ok(not(format!(
                "no policy file {} (--policy names another)",
                path.display()
            )));
        }
    };
    let hash = crate::crypto::digest::sha256_hex(&bytes);
    let Some(sealed) = found
        .iter()
        .find(|one| one.manifest.policy_sha256.as_deref() == Some(hash.as_str()))
    else {
        return Ok(not(format!(
            "no sealed ceremony was sealed from {} as it is now (SHA-256 {})",
            path.display(),
            &hash[..16]
        )));
    };
    Ok(match git_tracks(&path) {
        Ok(()) => Finding {
            evidence,
            proved: true,
            detail: format!(
                "{} was sealed from {}, which git tracks",
                ceremony_at(sealed),
                path.display()
            ),
        },
        Err(reason) => not(format!(
            "{} was sealed from {}, but {reason}",
            ceremony_at(sealed),
            path.display()
        )),
    })
}

/// Asks the local git whether `path` is tracked: `git ls-files --error-unmatch` reads only the
/// repository's index, so nothing is fetched and nothing changes. `core.fsmonitor` is switched
/// off because a repository's own config could otherwise make git run a program.
fn git_tracks(path: &Path) -> Result<(), String> {
    let directory = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().ok_or("the policy path names no file")?;
    let output = Command::new("git")
        .arg("-C")
        .arg(directory)
        .args(["-c", "core.fsmonitor=false", "ls-files", "--error-unmatch", "--"])
        .arg(name)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => "git is not installed, so whether git tracks it is unknown".to_owned(),
            _ => format!("git could not run ({error})"),
        })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("not a git repository") {
        Err("it is not in a git repository".to_owned())
    } else if stderr.contains("did not match") {
        Err("git does not track it (git add it and commit)".to_owned())
    } else {
        Err(format!(
            "git cannot tell whether it is tracked ({})",
            stderr.lines().next().unwrap_or("no message").trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest_json(kind: &str, extra: &str) -> String {
        format!(
            r#"{{"format":"breakglass-manifest","version":1,"paper_format":"BG1","ceremony_id":"ABCDEFGHJK",
            "label":"t","created":"2026-01-01T00:00:00Z","threshold":1,"shares":1,
            "custodians":[{{"index":1,"name":"A","sheet":"s.pdf"}}],"vault_recipient":"age1x",
            "ciphertext_sha256":"{}","ciphertext_bytes":1,"secret_kind":"{kind}","paper":"a4",
            "tool_version":"0"{extra}}}"#,
            "0".repeat(64)
        )
    }

    #[test]
    fn records_prove_what_the_manifests_and_logs_show() {
        let root = tempfile::tempdir().unwrap();
        let now = 1_795_609_845;
        let empty = gather(root.path(), None, now).unwrap();
        assert!(empty.findings.iter().all(|finding| !finding.proved));
        assert_eq!(empty.findings.len(), Evidence::ALL.len());

        let deep = root.path().join("a/b/c");
        fs::create_dir_all(&deep).unwrap();
        fs::write(
            deep.join("manifest.json"),
            manifest_json("fido2-pin", r#","key_serials":["123"]"#),
        )
        .unwrap();
        let too_deep = root.path().join("a/b/c/d");
        fs::create_dir_all(&too_deep).unwrap();
        fs::write(too_deep.join("manifest.json"), manifest_json("certificate", "")).unwrap();
        let hidden = root.path().join(".staging");
        fs::create_dir_all(&hidden).unwrap();
        fs::write(hidden.join("manifest.json"), manifest_json("certificate", "")).unwrap();
        fs::write(root.path().join("a/manifest.json"), "{}").unwrap();
        let at = |text: &str| crate::platform::clock::parse_rfc3339(text).unwrap();
        let append = |action, code, time: &str| {
            let record = crate::evidence::audit::Record::new(
                action,
                Some("ABCDEFGHJK".into()),
                crate::exit::Exit::from_code(code).unwrap(),
                at(time),
            );
            crate::evidence::audit::append(&deep.join(LOG_NAME), record).unwrap();
        };
        append(crate::evidence::audit::Action::Drill, 0, "2026-10-01T00:00:00Z");
        append(crate::evidence::audit::Action::Drill, 5, "2026-11-20T00:00:00Z");
        append(crate::evidence::audit::Action::Verify, 0, "2026-11-21T00:00:00Z");
        let mut text = fs::read_to_string(deep.join(LOG_NAME)).unwrap();
        text.push_str("not json\n");
        fs::write(deep.join(LOG_NAME), text).unwrap();

        let records = gather(root.path(), None, now).unwrap();
        assert_eq!(
            records.manifests,
            vec![deep.join("manifest.json").display().to_string()]
        );
        assert!(records.proves(Evidence::OfflineBackup));
        assert!(records.proves(Evidence::Fido2PinSealed));
        assert!(
            records
                .finding(Evidence::Fido2PinSealed)
                .unwrap()
                .detail
                .contains("123")
        );
        assert!(
            !records.proves(Evidence::AppCertificateSealed),
            "deeper than 3 levels or hidden"
        );
        assert!(!records.proves(Evidence::ExpiryDefined));
        assert!(records.proves(Evidence::DrillWithin90Days), "{:?}", records.findings);
        assert!(
            records
                .warnings
                .iter()
                .any(|warning| warning.contains("a/manifest.json"))
        );
        assert!(
            records
                .warnings
                .iter()
                .any(|warning| warning.contains("hash chain breaks at line 4"))
        );

        let later = now + 91 * 86_400;
        let stale = gather(root.path(), None, later).unwrap();
        let finding = stale.finding(Evidence::DrillWithin90Days).unwrap();
        assert!(
            !finding.proved && finding.detail.contains("more than 90 days"),
            "{finding:?}"
        );
        let earlier = gather(root.path(), None, now - 60 * 86_400).unwrap();
        assert!(!earlier.proves(Evidence::DrillWithin90Days));
        assert!(
            earlier
                .warnings
                .iter()
                .any(|warning| warning.contains("dated after now"))
        );
    }

    #[test]
    fn expiry_and_a_missing_policy_file() {
        let root = tempfile::tempdir().unwrap();
        fs::write(
            root.path().join("manifest.json"),
            manifest_json("client-secret", r#","secret_expires":"2027-01-01""#),
        )
        .unwrap();
        let records = gather(root.path(), None, 0).unwrap();
        assert!(
            records
                .finding(Evidence::ExpiryDefined)
                .unwrap()
                .detail
                .contains("2027-01-01")
        );
        assert!(!records.proves(Evidence::PolicyInGit));
        let missing = root.path().join("nope.toml");
        assert!(matches!(
            gather(root.path(), Some(&missing), 0),
            Err(EvidenceError::Policy { .. })
        ));
        assert!(matches!(
            gather(&root.path().join("absent"), None, 0),
            Err(EvidenceError::Dir { .. })
        ));
    }
}
