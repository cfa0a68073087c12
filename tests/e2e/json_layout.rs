//! Every `--json` command prints one document in the envelope docs/JSON.md gives, with its
//! fields in the documented order, on success and on failure; `drill` reports its inputs and
//! quorum in `verify`'s shapes.

use breakglass::exit::Exit;

use crate::support::{json_document, run_in, seal_two};

/// The top-level fields after the envelope, in the order printed.
fn body_keys(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|line| line.starts_with("  \"") && !line.starts_with("   "))
        .filter_map(|line| line.split('"').nth(1))
        .skip(4)
        .map(str::to_owned)
        .collect()
}

fn keys(object: &serde_json::Value) -> Vec<String> {
    object.as_object().unwrap().keys().cloned().collect()
}

fn sheet(dir: &std::path::Path, index: usize) -> String {
    format!("o/{}", crate::support::sheet_name(&dir.join("o"), index))
}

#[test]
fn every_json_command_prints_the_shared_envelope_and_its_documented_fields_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    seal_two(dir, "Ana Ruiz", "Ben Okafor").exits_with(Exit::Ok, "");
    let (one, two) = (sheet(dir, 1), sheet(dir, 2));
    let manifest = "o/manifest.json";

    let verify = run_in(dir, &["verify", "--json", "--manifest", manifest, &one, &two], None);
    let verified = json_document(&verify, "breakglass.verify/1");
    assert_eq!(
        body_keys(&verify.stdout),
        ["verified", "manifest", "inputs", "quorum", "warnings"]
    );
    assert_eq!(verified["verified"], true);

    let drill = run_in(dir, &["drill", "--json", "--manifest", manifest, &one, &two], None);
    let drilled = json_document(&drill, "breakglass.drill/1");
    assert_eq!(
        body_keys(&drill.stdout),
        [
            "passed",
            "manifest",
            "inputs",
            "quorum",
            "warnings",
            "log",
            "record",
            "report",
            "note_withheld",
            "operator_withheld"
        ]
    );
    assert_eq!(drilled["passed"], true);
    assert_eq!(drilled["quorum"], verified["quorum"], "drill's quorum is verify's");
    for (drilled, verified) in drilled["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(verified["inputs"].as_array().unwrap())
    {
        assert_eq!(keys(drilled), keys(verified), "drill's inputs are verify's");
        assert_eq!(drilled["shares"], verified["shares"]);
    }
    let log = std::fs::read_to_string(dir.join("o/breakglass-log.jsonl")).unwrap();
    let stored: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(drilled["record"], stored, "the record printed is the record stored");

    let signin = run_in(
        dir,
        &[
            "signin-check",
            "--json",
            "--manifest",
            manifest,
            "--signed-in",
            "yes",
            "--alert-fired",
            "no",
        ],
        None,
    );
    assert_eq!(signin.code, i32::from(Exit::LastDrillFailed), "{}", signin.all());
    let signed = json_document(&signin, "breakglass.signin-check/1");
    assert_eq!(body_keys(&signin.stdout), ["log", "record"]);
    assert_eq!(signed["record"]["alert_fired"], false);

    let status = run_in(dir, &["status", "--json", "--manifest", manifest], None);
    let state = json_document(&status, "breakglass.status/1");
    assert_eq!(
        body_keys(&status.stdout),
        ["now", "warn_days", "manifest_claims", "ceremonies"]
    );
    assert_eq!(state["ceremonies"][0]["exit_code"], status.code);
    let ceremony_keys: Vec<String> = status
        .stdout
        .lines()
        .filter(|line| line.starts_with("      \"") && !line.starts_with("       "))
        .filter_map(|line| line.split('"').nth(1))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        ceremony_keys.first().map(String::as_str),
        Some("manifest"),
        "declared order, not sorted"
    );
    assert_eq!(ceremony_keys.last().map(String::as_str), Some("exit_code"));

    for (args, schema, fields) in [
        (
            vec!["log", "verify"],
            "breakglass.log-verify/1",
            vec!["log", "chain", "expected_head"],
        ),
        (
            vec!["log", "show"],
            "breakglass.log-show/1",
            vec!["log", "chain", "records"],
        ),
        (
            vec!["log", "repair"],
            "breakglass.log-repair/1",
            vec!["log", "chain", "removed_bytes"],
        ),
    ] {
        let mut args = args;
        args.extend(["--json", "--manifest", manifest]);
        let run = run_in(dir, &args, None);
        assert_eq!(run.code, 0, "{}", run.all());
        let document = json_document(&run, schema);
        assert_eq!(body_keys(&run.stdout), fields, "{schema}");
        assert_eq!(
            document["chain"]["records"], 4,
            "{schema}: seal, verify, drill, sign-in check"
        );
    }
    let shown = json_document(
        &run_in(dir, &["log", "show", "--json", "--manifest", manifest], None),
        "breakglass.log-show/1",
    );
    assert_eq!(shown["records"][2], stored, "log show prints records as stored");

    let assess = run_in(dir, &["assess", "--json", "--no-input", "--dir", "o"], None);
    let assessed = json_document(&assess, "breakglass.assess/1");
    assert_eq!(body_keys(&assess.stdout), ["assessment"]);
    assert_eq!(assessed["assessment"]["format"], "breakglass-assessment");
}

#[test]
fn a_failure_after_parsing_is_still_one_document_with_its_error_and_empty_fields() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let missing = "missing/manifest.json";
    for (args, schema, exit, empty) in [
        (
            vec!["verify", "--json", "--manifest", missing, "a.pdf"],
            "breakglass.verify/1",
            Exit::Manifest,
            "inputs",
        ),
        (
            vec!["drill", "--json", "--manifest", missing, "a.pdf"],
            "breakglass.drill/1",
            Exit::Manifest,
            "inputs",
        ),
        (
            vec!["status", "--json", "missing"],
            "breakglass.status/1",
            Exit::Unreadable,
            "ceremonies",
        ),
        (
            vec![
                "signin-check",
                "--json",
                "--manifest",
                missing,
                "--signed-in",
                "yes",
                "--alert-fired",
                "yes",
            ],
            "breakglass.signin-check/1",
            Exit::Manifest,
            "record",
        ),
        (
            vec!["log", "show", "--json", "--manifest", missing],
            "breakglass.log-show/1",
            Exit::Log,
            "records",
        ),
        (
            vec!["log", "verify", "--json", "--manifest", missing],
            "breakglass.log-verify/1",
            Exit::Log,
            "chain",
        ),
        (
            vec!["assess", "--json", "--no-input", "--answers", "missing.toml"],
            "breakglass.assess/1",
            Exit::Answers,
            "assessment",
        ),
    ] {
        let run = run_in(dir, &args, None);
        assert_eq!(run.code, i32::from(exit), "{args:?}: {}", run.all());
        let document = json_document(&run, schema);
        let value = &document[empty];
        assert!(
            value.is_null() || value.as_array().is_some_and(Vec::is_empty),
            "{args:?}: {empty} is {value}"
        );
    }
}
