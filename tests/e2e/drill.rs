//! Drills, the tamper-evident log and `status`, end to end: seal -> drill with k sheets and
//! with k-1 -> log verify finds tampering at the right line -> status exit codes as the clock
//! moves (BREAKGLASS_NOW, never sleeping) -> nothing any of them writes or prints holds the secret.

use std::path::{Path, PathBuf};

use breakglass::exit::Exit;
use breakglass::paper::scan::pdf;
use breakglass::platform::clock;

use crate::support::{Run, run_with_env, tool, typed_copy};

const DAY: i64 = 86_400;
/// 2026-09-21T14:13:20Z.
const T0: i64 = 1_790_000_000;

/// A 2-of-3 ceremony sealed at `T0` in a scratch directory (sheets in `out/`).
struct Ceremony {
    dir: tempfile::TempDir,
}

impl Ceremony {
    fn seal(extra: &[&str], stdin: Option<&[u8]>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec![
            "seal",
            "--out",
            "out",
            "--threshold",
            "2",
            "--custodian",
            "Ana Ruiz",
            "--custodian",
            "Ben Okafor",
            "--custodian",
            "Chen Li",
            "--label",
            "contoso bg-01",
        ];
        args.extend_from_slice(extra);
        let now = T0.to_string();
        let run = run_with_env(dir.path(), &args, stdin, &[("BREAKGLASS_NOW", &now)]);
        assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
        Self { dir }
    }

    fn at(&self, days: i64, args: &[&str]) -> Run {
        let now = (T0 + days * DAY).to_string();
        run_with_env(
            self.dir.path(),
            args,
            None,
            &[("BREAKGLASS_NOW", &now), ("USER", "ops-laptop")],
        )
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn sheet(&self, index: usize) -> String {
        format!("out/{}", crate::support::sheet_name(&self.path("out"), index))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("out/breakglass-log.jsonl")).unwrap()
    }

    fn write_log(&self, text: &str) {
        std::fs::write(self.path("out/breakglass-log.jsonl"), text).unwrap();
    }

    fn records(&self) -> Vec<serde_json::Value> {
        let run = self.at(0, &["log", "show", "--manifest", "out/manifest.json", "--json"]);
        assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
        let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        value["records"].as_array().unwrap().clone()
    }
}

fn error_line(run: &Run) -> String {
    run.stderr
        .lines()
        .find(|line| line.starts_with("error:"))
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn drills_with_k_and_k_minus_one_sheets_are_logged_and_tampering_is_found_at_its_line() {
    let ceremony = Ceremony::seal(&[], None);
    let seal_records = ceremony.records();
    assert_eq!(seal_records.len(), 1, "seal starts the log");
    assert_eq!(seal_records[0]["action"], "seal");

    // Ben types his sheet; Ana brings hers as the PDF.
    std::fs::write(
        ceremony.path("ben-typed.txt"),
        typed_copy(&ceremony.path(&ceremony.sheet(2))),
    )
    .unwrap();
    let sheet1 = ceremony.sheet(1);
    let passed = ceremony.at(
        10,
        &[
            "drill",
            "--manifest",
            "out/manifest.json",
            &sheet1,
            "ben-typed.txt",
            "--note",
            "Q4 drill, witness Chen Li",
            "--operator",
            "Dana Auditor",
            "--report",
            "drill-YYYY-MM-DD.pdf",
        ],
    );
    assert_eq!(passed.code, i32::from(Exit::Ok), "{}", passed.all());
    assert!(passed.stdout.contains("DRILL PASSED"), "{}", passed.stdout);
    let again = ceremony.at(
        10,
        &[
            "drill",
            "--manifest",
            "out/manifest.json",
            &sheet1,
            "ben-typed.txt",
            "--report",
            "drill-YYYY-MM-DD.pdf",
        ],
    );
    assert_eq!(
        again.code,
        i32::from(Exit::OutputExists),
        "an existing report is never replaced: {}",
        again.all()
    );
    assert!(error_line(&again).contains("already exists"), "{}", again.all());
    let failed = ceremony.at(11, &["drill", "--manifest", "out/manifest.json", &ceremony.sheet(3)]);
    assert_eq!(
        failed.code,
        i32::from(Exit::TooFewShares),
        "the same code verify uses: {}",
        failed.all()
    );
    assert!(failed.stdout.contains("DRILL FAILED"), "{}", failed.stdout);

    let records = ceremony.records();
    let actions: Vec<&str> = records.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["seal", "drill", "drill"]);
    let drill = &records[1];
    assert_eq!(drill["result"], "success");
    assert_eq!(drill["time"], clock::rfc3339(T0 + 10 * DAY));
    assert_eq!(drill["operator"], "Dana Auditor");
    assert_eq!(drill["note"], "Q4 drill, witness Chen Li");
    assert_eq!(
        drill["shares"],
        serde_json::json!([{"index": 1, "custodian": "Ana Ruiz"}, {"index": 2, "custodian": "Ben Okafor"}])
    );
    let reads: Vec<&str> = drill["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|input| input["read"].as_str().unwrap())
        .collect();
    assert_eq!(reads, ["qr", "typed"]);
    assert!(drill["first_to_last_seconds"].is_u64());
    let failure = &records[2];
    assert_eq!(
        (failure["result"].as_str(), failure["exit_code"].as_u64()),
        (Some("failure"), Some(u64::from(Exit::TooFewShares.code())))
    );
    assert_eq!(failure["operator"], "ops-laptop", "operator defaults to $USER");
    assert!(failure["message"].as_str().unwrap().contains("only 1 of the 2 shares"));

    // The report: one page, the verdict and the log record's hash.
    let report = ceremony.path(&format!("drill-{}.pdf", clock::date(T0 + 10 * DAY)));
    let pages = pdf::rasterise(&std::fs::read(&report).unwrap(), 30.0).unwrap();
    assert_eq!(pages.len(), 1);
    if let Some(pdftotext) = tool("pdftotext") {
        let text = crate::support::external(&pdftotext, &[&report.display().to_string(), "-"], ceremony.dir.path());
        assert!(
            text.contains("BREAKGLASS DRILL REPORT") && text.contains("PASSED"),
            "{text}"
        );
        assert!(text.contains(drill["hash"].as_str().unwrap()), "{text}");
        assert!(text.contains("Chen Li"), "absent custodian listed: {text}");
        // What an auditor signs for: the drill's facts as logged, how each sheet was read, the
        // note, the statement, and a line each to sign.
        for fact in [
            "contoso bg-01",
            "Dana Auditor",
            "Q4 drill, witness Chen Li",
            &clock::rfc3339(T0 + 10 * DAY),
            "any 2 of 3 sheets recover it",
            "Next drill due",
            "typed copy",
            "ben-typed.txt",
            "Ana Ruiz",
            "The secret was not shown",
            "no secret on this page",
        ] {
            assert!(text.contains(fact), "{fact}: {text}");
        }
        for role in ["Operator: name ___", "Witness: name ___", "Auditor: name ___"] {
            assert!(text.contains(role), "{role}: {text}");
        }
        assert_eq!(text.matches("Signature ___").count(), 3, "{text}");
    }

    let verified = ceremony.at(12, &["log", "verify", "--manifest", "out/manifest.json"]);
    assert_eq!(verified.code, i32::from(Exit::Ok), "{}", verified.all());
    assert!(verified.stdout.contains("intact: 3 records"), "{}", verified.stdout);

    // Tampering, each detected at the right line.
    let original = ceremony.log();
    let lines: Vec<&str> = original.lines().collect();
    let check = |text: String, line: usize, what: &str| {
        ceremony.write_log(&text);
        let run = ceremony.at(12, &["log", "verify", "--manifest", "out/manifest.json"]);
        assert_eq!(run.code, i32::from(Exit::Log), "{what}: {}", run.all());
        let error = error_line(&run);
        assert!(error.contains(&format!("line {line} ")), "{what}: {error}");
        error
    };
    let edited = check(
        original.replace("\"result\":\"failure\"", "\"result\":\"success\""),
        3,
        "edit",
    );
    assert!(edited.contains("was altered"), "{edited}");
    let deleted = check(format!("{}\n{}\n", lines[0], lines[2]), 2, "delete");
    assert!(deleted.contains("removed, inserted or reordered"), "{deleted}");
    check(format!("{}\n{}\n{}\n", lines[0], lines[2], lines[1]), 2, "reorder");
    check(
        format!("{}\n{}\n{}\n{}\n", lines[0], lines[1], lines[1], lines[2]),
        3,
        "insert",
    );
    let truncated = check(original[..original.len() - 20].to_owned(), 3, "truncate");
    assert!(truncated.contains("incomplete"), "{truncated}");

    // A broken log is never extended: the drill result is printed but not recorded.
    let refused = ceremony.at(
        13,
        &["drill", "--manifest", "out/manifest.json", &sheet1, "ben-typed.txt"],
    );
    assert_eq!(refused.code, i32::from(Exit::Log), "{}", refused.all());
    assert!(
        error_line(&refused).contains("the drill passed but was not recorded"),
        "{}",
        refused.all()
    );
    assert_eq!(ceremony.log(), original[..original.len() - 20], "nothing appended");
    let shown = ceremony.at(13, &["log", "show", "--manifest", "out/manifest.json"]);
    assert_eq!(
        shown.code,
        i32::from(Exit::Log),
        "show prints the intact part, then fails: {}",
        shown.all()
    );
    assert!(shown.stdout.contains("Dana Auditor"), "{}", shown.stdout);

    // verify appends too, and --no-log opts out.
    ceremony.write_log(&original);
    let verify = ceremony.at(
        14,
        &["verify", "--manifest", "out/manifest.json", &sheet1, "ben-typed.txt"],
    );
    assert_eq!(verify.code, i32::from(Exit::Ok), "{}", verify.all());
    let quiet = ceremony.at(
        14,
        &[
            "verify",
            "--no-log",
            "--manifest",
            "out/manifest.json",
            &sheet1,
            "ben-typed.txt",
        ],
    );
    assert_eq!(quiet.code, i32::from(Exit::Ok), "{}", quiet.all());
    let records = ceremony.records();
    assert_eq!(records.len(), 4);
    assert_eq!(
        (records[3]["action"].as_str(), records[3]["result"].as_str()),
        (Some("verify"), Some("success"))
    );
}

#[test]
fn status_exit_codes_follow_the_clock() {
    let expires = clock::date(T0 + 120 * DAY);
    let ceremony = Ceremony::seal(
        &["--kind", "client-secret", "--secret-file", "-", "--expires", &expires],
        Some(b"Q~s3cr3t-client-value-for-status-test"),
    );
    let status = |days: i64| ceremony.at(days, &["status"]);
    let fresh = status(1);
    assert_eq!(
        fresh.code,
        i32::from(Exit::NeverVerified),
        "sheets never verified: {}",
        fresh.all()
    );
    assert!(
        fresh
            .stdout
            .contains("never verified sheets 1 (Ana Ruiz), 2 (Ben Okafor), 3 (Chen Li)")
    );

    let sheets: Vec<String> = (1..=3).map(|i| ceremony.sheet(i)).collect();
    let mut verify = vec!["verify", "--manifest", "out/manifest.json"];
    verify.extend(sheets.iter().map(String::as_str));
    assert_eq!(ceremony.at(2, &verify).code, i32::from(Exit::Ok));
    let good = status(3);
    assert_eq!(good.code, i32::from(Exit::Ok), "{}", good.all());
    assert!(
        good.stdout
            .contains("next drill    2026-12-20 (in 87 days; every 90 days)"),
        "{}",
        good.stdout
    );

    // The sign-in check has its own 90 days; done on day 10, it is not what this test is about.
    assert_eq!(ceremony.at(10, &signin_check("yes")).code, i32::from(Exit::Ok));

    // Day 95: the drill is overdue (20) and the secret expires within 30 days (21): worst wins.
    let overdue = status(95);
    assert_eq!(overdue.code, i32::from(Exit::DrillOverdue), "{}", overdue.all());
    assert!(overdue.stdout.contains("secret expires"), "{}", overdue.stdout);

    // A drill on day 94 resets the drill clock; the expiry warning remains.
    let drill = ceremony.at(
        94,
        &["drill", "--manifest", "out/manifest.json", &sheets[0], &sheets[2]],
    );
    assert_eq!(drill.code, i32::from(Exit::Ok), "{}", drill.all());
    assert_eq!(status(95).code, i32::from(Exit::ExpiresSoon));
    assert_eq!(
        ceremony.at(95, &["status", "--warn-days", "10"]).code,
        i32::from(Exit::Ok)
    );
    let expired = ceremony.at(125, &["status", "--json"]);
    assert_eq!(expired.code, i32::from(Exit::Expired), "{}", expired.all());
    let json: serde_json::Value = serde_json::from_str(&expired.stdout).unwrap();
    assert_eq!(json["exit_code"], Exit::Expired.code());
    assert_eq!(json["ceremonies"][0]["findings"][0]["concern"], "expired");
    assert_eq!(json["ceremonies"][0]["last_drill"]["result"], "success");

    // A failed drill is worse than an overdue one.
    let failed = ceremony.at(100, &["drill", "--manifest", "out/manifest.json", &sheets[1]]);
    assert_eq!(failed.code, i32::from(Exit::TooFewShares));
    assert_eq!(status(101).code, i32::from(Exit::LastDrillFailed));

    // A tampered log outranks an overdue drill, and status names it.
    let log = ceremony.log().replacen("ops-laptop", "someone-else", 1);
    ceremony.write_log(&log);
    let broken = ceremony.at(3, &["status", "--manifest", "out/manifest.json"]);
    assert_eq!(broken.code, i32::from(Exit::Log), "{}", broken.all());
    assert!(error_line(&broken).contains("line 2 was altered"), "{}", broken.all());

    let empty = tempfile::tempdir().unwrap();
    let none = run_with_env(empty.path(), &["status"], None, &[]);
    assert_eq!(none.code, i32::from(Exit::NoCeremony), "{}", none.all());
    assert!(
        error_line(&none).contains("no breakglass manifest.json found"),
        "{}",
        none.all()
    );
}

fn files_under(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

/// Secret hygiene: no file that seal, drill, verify, status and log write, and nothing they
/// print, holds the secret, even when the operator pastes it into a drill note.
#[test]
fn nothing_drill_verify_status_or_log_write_or_print_holds_the_secret() {
    use base64::Engine;
    let secret = "Drill-Hygiene-Secret-4kP9-Wq2Z";
    let ceremony = Ceremony::seal(&["--secret-file", "-", "--kind", "passphrase"], Some(secret.as_bytes()));
    let (one, two) = (ceremony.sheet(1), ceremony.sheet(2));
    let note = format!("pasted by mistake: {secret}");
    let mut runs = vec![
        ceremony.at(
            1,
            &[
                "drill",
                "--manifest",
                "out/manifest.json",
                &one,
                &two,
                "--note",
                &note,
                "--report",
                "report.pdf",
                "--json",
            ],
        ),
        ceremony.at(
            2,
            &[
                "drill",
                "--manifest",
                "out/manifest.json",
                &one,
                &two,
                "--report",
                "human.pdf",
            ],
        ),
        ceremony.at(
            2,
            &[
                "drill",
                "--manifest",
                "out/manifest.json",
                &one,
                &two,
                "--note",
                &note,
                "--report",
                "report.md",
            ],
        ),
        ceremony.at(3, &["drill", "--manifest", "out/manifest.json", &one]),
        ceremony.at(4, &["verify", "--manifest", "out/manifest.json", &one, &two]),
        ceremony.at(5, &["status"]),
        ceremony.at(5, &["status", "--json"]),
        ceremony.at(5, &["log", "show", "--manifest", "out/manifest.json"]),
        ceremony.at(5, &["log", "show", "--manifest", "out/manifest.json", "--json"]),
        ceremony.at(5, &["log", "verify", "--manifest", "out/manifest.json", "--json"]),
    ];
    assert_eq!(runs[0].code, i32::from(Exit::Ok), "{}", runs[0].all());
    // The same report as Markdown, for a wiki or a ticket: it carries the record's hash.
    let markdown = std::fs::read_to_string(ceremony.path("report.md")).unwrap();
    let record = ceremony.records().into_iter().nth(3).unwrap();
    assert!(
        markdown.starts_with("# BREAKGLASS DRILL REPORT: PASSED\n"),
        "{markdown}"
    );
    assert!(markdown.contains(record["hash"].as_str().unwrap()), "{markdown}");
    assert!(markdown.contains("| Operator | ops-laptop |"), "{markdown}");
    assert!(
        runs[0]
            .stderr
            .contains("the note contains the secret, so it was not recorded")
    );
    let json: serde_json::Value = serde_json::from_str(&runs[0].stdout).unwrap();
    assert_eq!(json["note_withheld"], true);
    assert!(json["record"].get("note").is_none());
    let recovered = ceremony.at(
        6,
        &["recover", "--print", "--manifest", "out/manifest.json", &one, &two],
    );
    assert_eq!(recovered.stdout, format!("{secret}\n"), "recover still reveals it");
    runs.push(Run {
        code: 0,
        stdout: String::new(),
        stderr: recovered.stderr,
    });

    let forms = [
        secret.to_owned(),
        secret.to_lowercase(),
        secret.bytes().map(|b| format!("{b:02x}")).collect::<String>(),
        base64::engine::general_purpose::STANDARD.encode(secret),
    ];
    let mut outputs: Vec<(String, Vec<u8>)> = runs
        .iter()
        .enumerate()
        .map(|(i, run)| (format!("run {i}"), run.all().into_bytes()))
        .collect();
    let mut files = Vec::new();
    files_under(ceremony.dir.path(), &mut files);
    assert!(files.iter().any(|path| path.ends_with("report.pdf")));
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        if path.extension().is_some_and(|e| e == "pdf") {
            for page in pdf::rasterise(&bytes, 40.0).unwrap() {
                outputs.push((format!("{} pixels", path.display()), page.into_raw()));
            }
        }
        outputs.push((path.display().to_string(), bytes));
    }
    for (name, bytes) in &outputs {
        for form in &forms {
            assert!(
                !bytes.windows(form.len()).any(|window| window == form.as_bytes()),
                "{name} contains the secret"
            );
        }
    }
}

#[test]
fn a_sign_in_check_has_its_own_record_and_its_own_90_days_in_status() {
    let ceremony = Ceremony::seal(&[], None);
    let sheets: Vec<String> = (1..=3).map(|i| ceremony.sheet(i)).collect();
    let mut verify = vec!["verify", "--manifest", "out/manifest.json"];
    verify.extend(sheets.iter().map(String::as_str));
    assert_eq!(ceremony.at(1, &verify).code, i32::from(Exit::Ok));
    let status = |days: i64| ceremony.at(days, &["status", "--json"]);
    let fresh = status(2);
    assert_eq!(fresh.code, i32::from(Exit::Ok), "{}", fresh.all());
    let json: serde_json::Value = serde_json::from_str(&fresh.stdout).unwrap();
    assert_eq!(json["ceremonies"][0]["last_signin_check"], serde_json::Value::Null);
    assert_eq!(
        json["ceremonies"][0]["next_signin_check_due"],
        clock::rfc3339(T0 + 90 * DAY)
    );
    let text = ceremony.at(2, &["status"]);
    assert!(
        text.stdout
            .contains("  last sign-in  never recorded (breakglass signin-check)\n"),
        "{}",
        text.stdout
    );

    // A drill on day 89 keeps the paper in date; on day 91 only the sign-in check is overdue.
    let drill = ceremony.at(
        89,
        &["drill", "--manifest", "out/manifest.json", &sheets[0], &sheets[1]],
    );
    assert_eq!(drill.code, i32::from(Exit::Ok), "{}", drill.all());
    let overdue = status(91);
    assert_eq!(overdue.code, i32::from(Exit::DrillOverdue), "{}", overdue.all());
    let json: serde_json::Value = serde_json::from_str(&overdue.stdout).unwrap();
    let concerns: Vec<&str> = json["ceremonies"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["concern"].as_str().unwrap())
        .collect();
    assert_eq!(concerns, ["signin-check-overdue"]);

    let check = |days: i64, alert: &str| ceremony.at(days, &signin_check(alert));
    let passed = check(92, "yes");
    assert_eq!(passed.code, i32::from(Exit::Ok), "{}", passed.all());
    assert!(passed.stdout.contains("Next sign-in check due by"), "{}", passed.stdout);
    let record = ceremony.records().pop().unwrap();
    assert_eq!(record["action"], "signin-check");
    assert_eq!(record["alert_fired"], true);
    assert_eq!(record["result"], "success");
    let fine = ceremony.at(93, &["status"]);
    assert_eq!(fine.code, i32::from(Exit::Ok), "{}", fine.all());
    let next = format!(
        "  next sign-in  {} (in 89 days; every 90 days)",
        clock::date(T0 + 182 * DAY)
    );
    assert!(fine.stdout.contains(&next), "{}", fine.stdout);

    // A sign-in whose alert did not fire is a failed check, and status says so.
    let silent = check(94, "no");
    assert_eq!(silent.code, i32::from(Exit::LastDrillFailed), "{}", silent.all());
    assert!(error_line(&silent).contains("alert did not fire"), "{}", silent.all());
    let failed = status(95);
    assert_eq!(failed.code, i32::from(Exit::LastDrillFailed), "{}", failed.all());
    let json: serde_json::Value = serde_json::from_str(&failed.stdout).unwrap();
    assert_eq!(
        json["ceremonies"][0]["findings"][0]["concern"],
        "last-signin-check-failed"
    );
}

#[test]
fn envelope_serials_recorded_at_a_drill_are_what_status_lists_and_verify_checks() {
    let ceremony = Ceremony::seal(&["--seal-serial", "1=TE-1", "--seal-serial", "2=TE-2"], None);
    let sheets: Vec<String> = (1..=3).map(|i| ceremony.sheet(i)).collect();
    let drill = |extra: &[&str]| {
        let mut args = vec!["drill", "--manifest", "out/manifest.json"];
        args.extend_from_slice(extra);
        args.extend([sheets[0].as_str(), sheets[1].as_str()]);
        ceremony.at(1, &args)
    };
    // A share the ceremony does not have is refused before anything is recorded.
    let records = ceremony.records().len();
    let refused = drill(&["--envelope", "7=TE-70"]);
    assert_eq!(refused.code, i32::from(Exit::Usage), "{}", refused.all());
    assert_eq!(ceremony.records().len(), records);

    let resealed = drill(&["--envelope", "1=TE-9"]);
    assert_eq!(resealed.code, i32::from(Exit::Ok), "{}", resealed.all());
    let record = ceremony.records().pop().unwrap();
    assert_eq!(
        record["envelopes"],
        serde_json::json!([{"index": 1, "custodian": "Ana Ruiz", "serial": "TE-9"}])
    );
    let status = ceremony.at(2, &["status", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(
        json["ceremonies"][0]["envelopes"],
        serde_json::json!([
            {"index": 1, "custodian": "Ana Ruiz", "serial": "TE-9"},
            {"index": 2, "custodian": "Ben Okafor", "serial": "TE-2"}
        ])
    );
    assert!(
        ceremony
            .at(2, &["status"])
            .stdout
            .contains("  envelopes     1 TE-9, 2 TE-2\n")
    );

    let verify = |serial: &str| {
        let envelope = format!("1={serial}");
        ceremony.at(
            3,
            &[
                "verify",
                "--manifest",
                "out/manifest.json",
                "--envelope",
                &envelope,
                &sheets[0],
                &sheets[1],
            ],
        )
    };
    let current = verify("te-9");
    assert_eq!(current.code, i32::from(Exit::Ok), "{}", current.all());
    assert!(!current.stderr.contains("envelope"), "{}", current.all());
    let old = verify("TE-1");
    assert_eq!(old.code, i32::from(Exit::Ok), "{}", old.all());
    assert!(
        old.stderr.contains(
            "warning: the envelope of share 1 (Ana Ruiz) carries TE-1, an earlier serial: the latest recorded is TE-9"
        ),
        "{}",
        old.all()
    );
    assert!(verify("TE-5").stderr.contains("which was never recorded"));
}

/// `signin-check` of the test ceremony: signed in, the alert as `alert_fired` says.
fn signin_check(alert_fired: &str) -> [&str; 7] {
    [
        "signin-check",
        "--manifest",
        "out/manifest.json",
        "--signed-in",
        "yes",
        "--alert-fired",
        alert_fired,
    ]
}
