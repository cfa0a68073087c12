//! The frozen log vector (tests/vectors/log-v1): a real log of the ceremony-1 vector (a seal
//! record written by an independent Python implementation, then two drills and a verify
//! appended by breakglass). Every future version must read it the same way, write records
//! byte for byte the same way, and agree with the reference checker in docs/reference.

use std::path::{Path, PathBuf};

use breakglass::evidence::audit::{self, Action, Outcome};
use breakglass::exit::Exit;

use crate::support::{external, run_in, run_with_env, tool};

fn vector() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/log-v1/breakglass-log.jsonl")
}

const HEAD: &str = "b3697db7193feedc6ac8f822b6cf8cb43edd4a8b3a2c0d815d360e84b500ba20";

#[test]
fn log_vector_chains_and_its_records_serialise_byte_for_byte() {
    let bytes = std::fs::read(vector()).unwrap();
    let log = audit::parse(&bytes);
    assert_eq!(log.broken, None);
    let summary: Vec<(Action, Outcome, u8)> = log
        .entries
        .iter()
        .map(|entry| (entry.record.action, entry.record.result, entry.record.exit_code))
        .collect();
    assert_eq!(
        summary,
        [
            (Action::Seal, Outcome::Success, 0),
            (Action::Drill, Outcome::Success, 0),
            (Action::Drill, Outcome::Failure, 5),
            (Action::Verify, Outcome::Success, 0),
        ]
    );
    assert_eq!(log.head(), HEAD);
    let drill = &log.entries[1].record;
    assert_eq!(drill.first_to_last_seconds, Some(695));
    assert_eq!(drill.note.as_deref(), Some("Q4 drill; witness: Chen Li"));
    let text = String::from_utf8(bytes).unwrap();
    for (line, entry) in text.lines().zip(&log.entries) {
        let body = serde_json::to_string(&entry.record).unwrap();
        let rebuilt = format!("{},\"hash\":\"{}\"}}", body.strip_suffix('}').unwrap(), entry.hash);
        assert_eq!(
            line, rebuilt,
            "record {} no longer serialises as frozen",
            entry.record.seq
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let run = run_in(
        dir.path(),
        &["log", "verify", "--log", &vector().display().to_string()],
        None,
    );
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert!(run.stdout.contains(&format!(
        "intact: 4 records, the last on 2027-03-01T09:20:00Z (record 4, hash {HEAD})"
    )));
}

#[test]
fn log_vector_status_reports_the_failed_last_drill() {
    let dir = tempfile::tempdir().unwrap();
    let ceremony = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/v1/ceremony-1/manifest.json");
    std::fs::copy(ceremony, dir.path().join("manifest.json")).unwrap();
    std::fs::copy(vector(), dir.path().join("breakglass-log.jsonl")).unwrap();
    // 2027-03-02T00:00:00Z
    let run = run_with_env(
        dir.path(),
        &["status", "--json"],
        None,
        &[("BREAKGLASS_NOW", "1803945600")],
    );
    assert_eq!(run.code, i32::from(Exit::LastDrillFailed), "{}", run.all());
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let status = &json["ceremonies"][0];
    assert_eq!(status["last_successful_drill"], "2026-12-01T10:15:00Z");
    assert_eq!(status["next_drill_due"], "2027-03-01T10:15:00Z");
    assert_eq!(status["never_verified"], serde_json::json!([]));
    let concerns: Vec<&str> = status["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["concern"].as_str().unwrap())
        .collect();
    // The vector has no sign-in check, so its 90 days since sealing have run out too.
    assert_eq!(concerns, ["last-drill-failed", "drill-overdue", "signin-check-overdue"]);
}

/// The Python checker in docs/reference follows docs/LOG.md alone; it must agree with
/// breakglass on the vector and on a tampered copy.
#[test]
fn reference_checker_agrees_on_the_log_vector() {
    let Some(python) = tool("python3") else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("docs/reference/log_verify.py").display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let output = external(&python, &[&script, &vector().display().to_string()], dir.path());
    assert_eq!(output.trim(), format!("intact: 4 records, head {HEAD}"));
    let tampered = std::fs::read_to_string(vector()).unwrap().replace("\"ben\"", "\"eve\"");
    let path = dir.path().join("tampered.jsonl");
    std::fs::write(&path, &tampered).unwrap();
    let status = std::process::Command::new(&python)
        .args([&script, &path.display().to_string()])
        .output()
        .unwrap();
    assert!(!status.status.success());
    assert_eq!(
        String::from_utf8_lossy(&status.stdout).trim(),
        "line 3: altered: its hash does not match its contents"
    );
    assert_eq!(
        audit::parse(tampered.as_bytes()).broken.map(|broken| broken.line),
        Some(3)
    );
}
