//! `breakglass assess`: the level from an answers file, evidence proven from sealed ceremonies,
//! their logs and a policy file in git, JSON and reports, and bad answers or model files.

use std::path::Path;

use breakglass::exit::Exit;

use crate::support::{APP_CERTIFICATE, external, run_in, run_with_env, seal_with_stdin, tool};

/// `BREAKGLASS_NOW` for the runs below: 2026-11-25T12:30:45Z.
const NOW: i64 = 1_795_609_845;

fn now_env(seconds: i64) -> String {
    seconds.to_string()
}

/// Every asked practice of the first `levels` levels answered yes, as an answers file.
fn answers_up_to(dir: &Path, levels: &[&str], extra: &str) -> String {
    let template = run_in(dir, &["assess", "--answers-template"], None);
    assert_eq!(template.code, i32::from(Exit::Ok), "{}", template.all());
    let mut text = String::from("[answers]\n");
    for line in template.stdout.lines() {
        let Some(answer) = line.strip_prefix("# ").filter(|rest| rest.ends_with(" = true")) else {
            continue;
        };
        if levels.iter().any(|level| answer.starts_with(&format!("{level}-"))) {
            text.push_str(answer);
            text.push('\n');
        }
    }
    text.push_str(extra);
    text
}

/// The assessment in `assess --json`'s document, after checking the envelope (docs/JSON.md).
fn json(run: &crate::support::Run) -> serde_json::Value {
    crate::support::json_document(run, "breakglass.assess/1")["assessment"].clone()
}

fn practice<'a>(value: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    value["levels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|level| level["practices"].as_array().unwrap())
        .find(|practice| practice["id"] == id)
        .unwrap_or_else(|| panic!("no practice {id}"))
}

fn finding<'a>(value: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    value["records"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["evidence"] == key)
        .unwrap_or_else(|| panic!("no finding {key}"))
}

#[test]
fn answers_file_gives_the_expected_level_and_what_is_missing_next() {
    let dir = tempfile::tempdir().unwrap();
    let answers = answers_up_to(
        dir.path(),
        &["reactive", "baseline"],
        "controlled-access-reviews = true\ncontrolled-admin-consent = false\n\
         [notes]\ncontrolled-admin-consent = \"planned for Q3\"\n",
    );
    std::fs::write(dir.path().join("answers.toml"), answers).unwrap();
    let run = run_in(dir.path(), &["assess", "--answers", "answers.toml", "--no-input"], None);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert!(
        run.stdout.contains("Level reached: 3 of 7, Baseline Hygiene"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("KuShuSec") && run.stdout.contains("v1.1"),
        "no credit:\n{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Missing for level 4, Controlled (7 practices; breakglass helps with 2)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "[ ] controlled-admin-consent: Consent grants to apps need an administrator's approval. (answered no)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("breakglass helps: breakglass seal --kind fido2-pin"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("[ ] controlled-access-reviews"), "{}", run.stdout);

    // Without a terminal and without an answers file nothing is asked: level 1, the floor.
    let bare = run_in(dir.path(), &["assess"], None);
    assert_eq!(bare.code, i32::from(Exit::Ok), "{}", bare.all());
    assert!(
        bare.stdout.contains("Level reached: 1 of 7, Unprepared"),
        "{}",
        bare.stdout
    );
    assert!(
        bare.stdout.contains("Unanswered, counted as not in place (35)"),
        "{}",
        bare.stdout
    );
}

#[test]
fn evidence_is_proven_from_a_sealed_fido2_ceremony_and_a_drill_in_its_log() {
    let sealed = seal_with_stdin(
        &[
            "--kind",
            "fido2-pin",
            "--secret-file",
            "-",
            "--key-serial",
            "YK5-21984512",
            "--threshold",
            "2",
            "--custodian",
            "Ana Ruiz",
            "--custodian",
            "Ben Okafor",
        ],
        Some(b"730514\n"),
    );
    let dir = sealed.dir.path();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sealed.manifest()).unwrap()).unwrap();
    let ceremony = manifest["ceremony_id"].as_str().unwrap();
    std::fs::write(
        dir.join("answers.toml"),
        answers_up_to(dir, &["reactive", "baseline"], "reactive-offline-credentials = false\n")
            .replace("reactive-offline-credentials = true\n", ""),
    )
    .unwrap();
    let env_now = now_env(NOW);
    let args = ["assess", "--answers", "answers.toml", "--json", "--no-input"];
    let run = run_with_env(dir, &args, None, &[("BREAKGLASS_NOW", &env_now)]);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let value = json(&run);
    assert_eq!(value["format"], "breakglass-assessment");
    assert_eq!(value["model"]["author"], "KuShuSec");
    assert_eq!(finding(&value, "offline-backup")["proved"], true);
    assert_eq!(finding(&value, "fido2-pin-sealed")["proved"], true);
    assert!(
        finding(&value, "fido2-pin-sealed")["detail"]
            .as_str()
            .unwrap()
            .contains("YK5-21984512")
    );
    assert_eq!(finding(&value, "drill-within-90-days")["proved"], false);
    assert_eq!(finding(&value, "app-certificate-sealed")["proved"], false);
    assert_eq!(practice(&value, "controlled-fido2-mfa")["source"], "proved");
    assert_eq!(practice(&value, "isolated-offline-backup")["source"], "proved");
    // The answer "no" stands against the records, and the conflict is reported.
    let offline = practice(&value, "reactive-offline-credentials");
    assert_eq!(
        (&offline["source"], &offline["in_place"]),
        (&"answered".into(), &false.into())
    );
    assert_eq!(value["level"], 1, "{}", run.stdout);
    assert_eq!(value["conflicts"].as_array().unwrap().len(), 1);
    assert_eq!(value["records"]["manifests"].as_array().unwrap().len(), 1);

    // A drill logged 10 days ago proves quarterly testing; 91 days later it no longer does.
    let drilled = NOW - 10 * 86_400;
    let manifest_path = sealed.manifest().display().to_string();
    let (sheet_1, sheet_2) = (
        sealed.sheet(1).display().to_string(),
        sealed.sheet(2).display().to_string(),
    );
    let passed = run_with_env(
        dir,
        &["drill", "--manifest", &manifest_path, &sheet_1, &sheet_2],
        None,
        &[("BREAKGLASS_NOW", &now_env(drilled))],
    );
    assert_eq!(passed.code, i32::from(Exit::Ok), "{}", passed.all());
    let failed = run_with_env(
        dir,
        &["drill", "--manifest", &manifest_path, &sheet_1],
        None,
        &[("BREAKGLASS_NOW", &now_env(NOW - 5 * 86_400))],
    );
    assert_eq!(failed.code, i32::from(Exit::TooFewShares), "{}", failed.all());
    let text_args = ["assess", "--no-input", "--dir", "out"];
    let recent = run_with_env(dir, &text_args, None, &[("BREAKGLASS_NOW", &env_now)]);
    assert_eq!(recent.code, i32::from(Exit::Ok), "{}", recent.all());
    assert!(
        recent
            .stdout
            .contains(&format!("[x] drill-within-90-days: ceremony {ceremony}")),
        "{}",
        recent.stdout
    );
    assert!(recent.stdout.contains("(10 days ago)"), "{}", recent.stdout);
    let later = now_env(drilled + 91 * 86_400);
    let stale = run_with_env(dir, &text_args, None, &[("BREAKGLASS_NOW", &later)]);
    assert_eq!(stale.code, i32::from(Exit::Ok), "{}", stale.all());
    assert!(
        stale
            .stdout
            .contains("[ ] drill-within-90-days: the last successful drill")
            && stale.stdout.contains("more than 90 days ago"),
        "{}",
        stale.stdout
    );

    // A drill record written by hand (not in the hash chain) proves nothing.
    let log_path = sealed.out.join("breakglass-log.jsonl");
    let mut log = std::fs::read_to_string(&log_path).unwrap();
    log.push_str(&format!(
        "{{\"time\":\"2026-11-24T00:00:00Z\",\"action\":\"drill\",\"ceremony_id\":\"{ceremony}\",\"result\":\"success\"}}\n"
    ));
    std::fs::write(&log_path, log).unwrap();
    let forged = run_with_env(dir, &text_args, None, &[("BREAKGLASS_NOW", &env_now)]);
    assert!(forged.stdout.contains("(10 days ago)"), "{}", forged.all());
    assert!(forged.all().contains("hash chain breaks at line"), "{}", forged.all());
}

#[test]
fn a_certificate_ceremony_proves_the_app_and_its_expiry() {
    let sealed = seal_with_stdin(&APP_CERTIFICATE, None);
    let run = sealed.run(&["assess", "--no-input", "--json"]);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let value = json(&run);
    assert_eq!(finding(&value, "app-certificate-sealed")["proved"], true);
    assert_eq!(finding(&value, "expiry-defined")["proved"], true);
    assert_eq!(finding(&value, "fido2-pin-sealed")["proved"], false);
    assert_eq!(practice(&value, "secure-breakglass-app")["source"], "proved");
    assert_eq!(practice(&value, "secure-breakglass-app-scoped")["source"], "unanswered");
}

#[test]
fn a_policy_file_counts_only_when_sealed_unchanged_and_tracked_by_git() {
    let Some(git) = tool("git") else { return };
    let sealed = seal_with_stdin(&[], None);
    let dir = sealed.dir.path();
    let policy = "[ceremony]\nthreshold = 3\n";
    std::fs::write(dir.join("breakglass.toml"), policy).unwrap();
    // Seal does not take a policy in this build: record the policy's hash as a policy seal would.
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sealed.manifest()).unwrap()).unwrap();
    manifest["policy_sha256"] = breakglass::crypto::digest::sha256_hex(policy.as_bytes()).into();
    std::fs::remove_file(sealed.manifest()).unwrap();
    std::fs::write(sealed.manifest(), serde_json::to_string_pretty(&manifest).unwrap()).unwrap();

    let policy_finding = |expect: &str| {
        let run = sealed.run(&["assess", "--no-input"]);
        assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
        assert!(run.stdout.contains(expect), "wanted {expect:?}:\n{}", run.stdout);
    };
    policy_finding("[ ] policy-in-git: ceremony");
    policy_finding("but it is not in a git repository");
    external(&git, &["init", "--quiet"], dir);
    policy_finding("git does not track it");
    external(&git, &["add", "breakglass.toml"], dir);
    policy_finding("[x] policy-in-git: ceremony");
    std::fs::write(dir.join("breakglass.toml"), format!("{policy}# edited\n")).unwrap();
    policy_finding("no sealed ceremony was sealed from ./breakglass.toml as it is now");
    let missing = sealed.run(&["assess", "--no-input", "--policy", "absent.toml"]);
    missing.exits_with(Exit::Unreadable, "cannot read the policy file absent.toml");
}

#[test]
fn reports_are_written_as_markdown_and_pdf_and_never_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let answers = answers_up_to(
        dir.path(),
        &["reactive"],
        "[notes]\nreactive-account-exists = \"bg01 and bg02\"\n",
    );
    std::fs::write(dir.path().join("answers.toml"), answers).unwrap();
    let base = ["assess", "--answers", "answers.toml", "--no-input", "--report"];
    let run = run_in(dir.path(), &[&base[..], &["report.md"]].concat(), None);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let markdown = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(markdown.contains("## Level reached: 2 of 7, Reactive"), "{markdown}");
    assert!(
        markdown.contains("KuShuSec") && markdown.contains("bg01 and bg02"),
        "{markdown}"
    );
    let again = run_in(dir.path(), &[&base[..], &["report.md"]].concat(), None);
    assert_eq!(again.code, i32::from(Exit::OutputExists), "{}", again.all());
    assert_eq!(std::fs::read_to_string(dir.path().join("report.md")).unwrap(), markdown);
    let wrong = run_in(dir.path(), &[&base[..], &["report.docx"]].concat(), None);
    wrong.exits_with(Exit::Usage, "name a .md (Markdown) or .pdf file");

    let run = run_in(
        dir.path(),
        &[&base[..], &["report.pdf", "--paper", "letter"]].concat(),
        None,
    );
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let pdf = std::fs::read(dir.path().join("report.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let Some(pdftotext) = tool("pdftotext") else { return };
    let text = external(&pdftotext, &["-layout", "report.pdf", "-"], dir.path());
    assert!(text.contains("Level reached: 2 of 7, Reactive"), "{text}");
    assert!(text.contains("KuShuSec"), "{text}");
    // The PDF is the Markdown report, printed: its sections, the note and the line to sign.
    for heading in markdown.lines().filter_map(|line| line.strip_prefix("## ")) {
        assert!(text.contains(heading), "{heading}: {text}");
    }
    assert!(text.contains("bg01 and bg02"), "{text}");
    assert!(text.contains("Assessed by: ___"), "{text}");
    let pages = text.matches('\u{c}').count();
    // Body text is 10 pt and sign-off lines have room to sign: three pages at most.
    assert!((1..=3).contains(&pages), "{pages} pages");
}

#[test]
fn bad_answers_and_model_files_are_refused_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("answers.toml"),
        "[answers]\nreactive-account-exists = true\nreactive-acount-exists = true\n",
    )
    .unwrap();
    let run = run_in(dir.path(), &["assess", "--answers", "answers.toml"], None);
    assert_eq!(run.code, i32::from(Exit::Answers), "{}", run.all());
    assert!(
        run.stderr
            .contains("answers.toml: line 3: unknown practice id \"reactive-acount-exists\""),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    std::fs::write(dir.path().join("yes.toml"), "[answers]\nbaseline-some-pim = yes\n").unwrap();
    let run = run_in(dir.path(), &["assess", "--answers", "yes.toml"], None);
    run.exits_with(Exit::Answers, "yes.toml: line 2: ");
    let run = run_in(dir.path(), &["assess", "--answers", "absent.toml"], None);
    assert_eq!(run.code, i32::from(Exit::Answers), "{}", run.all());

    let model = breakglass::evidence::assess::model::BUILT_IN.replacen(
        "evidence = \"drill-within-90-days\"",
        "evidence = \"drill-within-a-year\"",
        1,
    );
    std::fs::write(dir.path().join("model.toml"), &model).unwrap();
    let run = run_in(dir.path(), &["assess", "--model", "model.toml"], None);
    run.exits_with(Exit::Model, "model.toml: line ");
    assert!(run.stderr.contains("drill-within-a-year"), "{}", run.stderr);

    // A new model version is only an edit of the data file.
    let next = breakglass::evidence::assess::model::BUILT_IN
        .replacen("version = \"1.1\"", "version = \"1.2\"", 1)
        .replacen("name = \"Isolated Resilience\"", "name = \"Isolated & Independent\"", 1);
    std::fs::write(dir.path().join("v12.toml"), next).unwrap();
    std::fs::write(dir.path().join("v11.toml"), "model_version = \"1.1\"\n").unwrap();
    let run = run_in(
        dir.path(),
        &["assess", "--model", "v12.toml", "--answers", "v11.toml"],
        None,
    );
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert!(
        run.stdout.contains("v1.2") && run.stdout.contains("7 Isolated & Independent"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("written for model v1.1, scoring against v1.2"),
        "{}",
        run.stderr
    );

    let run = run_in(dir.path(), &["assess", "--dir", "absent"], None);
    assert_eq!(run.code, i32::from(Exit::Unreadable), "{}", run.all());
}
