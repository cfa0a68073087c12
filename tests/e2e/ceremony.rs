//! The ceremony as code: `init`, `check-policy`, `seal --policy`, custodian-protected shares.

use std::path::Path;

use breakglass::exit::Exit;

use crate::support::{Run, run_in};

pub(crate) const TEMPLATE: &str = include_str!("../../templates/breakglass.toml");

pub(crate) fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write fixture");
}

fn line_of(text: &str, needle: &str) -> usize {
    // The last occurrence: a duplicate is reported where it repeats.
    text.lines()
        .collect::<Vec<_>>()
        .iter()
        .rposition(|line| line.contains(needle))
        .expect("needle")
        + 1
}

/// The template with custodian `name`'s `protection = "none"` replaced by `with`.
pub(crate) fn protect(text: &str, name: &str, with: &str) -> String {
    let start = text.find(&format!("name = \"{name}\"")).expect("custodian");
    let offset = text[start..].find("protection = \"none\"").expect("protection") + start;
    format!(
        "{}{with}{}",
        &text[..offset],
        &text[offset + "protection = \"none\"".len()..]
    )
}

pub(crate) fn age_keygen(dir: &Path, name: &str) -> String {
    let output = std::process::Command::new("age-keygen")
        .arg("-o")
        .arg(dir.join(name))
        .output()
        .expect("age-keygen runs (Debian package age)");
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .trim()
        .strip_prefix("Public key: ")
        .expect("age-keygen prints the public key")
        .to_owned()
}

#[test]
fn init_writes_a_valid_policy_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_in(dir.path(), &["init"], None);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("breakglass.toml")).expect("written"),
        TEMPLATE
    );
    let check = run_in(dir.path(), &["check-policy", "breakglass.toml"], None);
    assert_eq!(check.code, i32::from(Exit::Ok), "{}", check.all());
    assert!(check.stdout.contains("3 of 5 custodians"), "{}", check.stdout);
    std::fs::write(dir.path().join("breakglass.toml"), "edited").expect("edit");
    let again = run_in(dir.path(), &["init"], None);
    again.exits_with(Exit::OutputExists, "already exists; choose another file name");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("breakglass.toml")).expect("kept"),
        "edited"
    );
}

/// Every policy validation error, each pointing at its line.
#[test]
fn check_policy_points_at_the_line_of_every_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(String, &str, &str)> = vec![
        (
            TEMPLATE.replace("threshold = 3", "threshold = 6"),
            "threshold = 6",
            "threshold 6 is more than the 5 custodians",
        ),
        (
            TEMPLATE.replace("threshold = 3", "threshold = 1"),
            "threshold = 1",
            "threshold 1 would let any single sheet",
        ),
        (
            TEMPLATE.replace("name = \"Chen Li\"", "name = \"Ben Okafor\""),
            "name = \"Ben Okafor\"",
            "is listed twice",
        ),
        (
            TEMPLATE.replace("paper = \"a4\"", "paper = \"a4\"\ncolour = \"red\""),
            "colour",
            "unknown field",
        ),
        (
            TEMPLATE
                .replace(
                    "kind = \"passphrase\"",
                    "kind = \"certificate\"\nsubject = \"CN=app\"\nvalid_days = 200",
                )
                .replace("style = \"chars\"\n", "")
                .replace("bits = 128\n", ""),
            "valid_days = 200",
            "past the certificate's 200-day validity",
        ),
        (
            TEMPLATE.replace("kind = \"passphrase\"", "kind = \"sticky-note\""),
            "sticky-note",
            "secret kind \"sticky-note\" is unknown",
        ),
        (
            protect(TEMPLATE, "Dana Novak", "protection = \"recipient\""),
            "protection = \"recipient\"",
            "no recipient",
        ),
        (
            protect(
                TEMPLATE,
                "Dana Novak",
                "protection = \"recipient\"\nrecipient = \"age1bogus\"",
            ),
            "age1bogus",
            "is not an age recipient",
        ),
        (
            TEMPLATE.replace("drill_interval_days = 90", "drill_interval_days = 0"),
            "drill_interval_days = 0",
            "drill_interval_days must be between 1 and 3650 days",
        ),
        (TEMPLATE.replace("threshold = 3\n", ""), "", "missing field `threshold`"),
    ];
    for (number, (text, needle, message)) in cases.iter().enumerate() {
        let name = format!("policy-{number}.toml");
        write(dir.path(), &name, text);
        let run: Run = run_in(dir.path(), &["check-policy", &name], None);
        assert_eq!(run.code, i32::from(Exit::Policy), "{message}: {}", run.all());
        assert!(run.stderr.contains(message), "{message}: {}", run.stderr);
        let line = if needle.is_empty() {
            1
        } else {
            line_of(text, needle.lines().next().expect("line"))
        };
        if !needle.is_empty() {
            assert!(
                run.stderr.contains(&format!("{name}:{line}: ")),
                "{message}: expected line {line}: {}",
                run.stderr
            );
        }
        let sealed = run_in(
            dir.path(),
            &["seal", "--policy", &name, "--out", &format!("out-{number}")],
            None,
        );
        assert_eq!(
            sealed.code,
            i32::from(Exit::Policy),
            "seal refuses it too: {}",
            sealed.all()
        );
        assert!(!dir.path().join(format!("out-{number}")).exists());
    }
}

#[test]
fn seal_from_a_policy_records_it_in_the_manifest() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "breakglass.toml", TEMPLATE);
    let run = run_in(
        dir.path(),
        &[
            "seal",
            "--policy",
            "breakglass.toml",
            "--seal-serial",
            "1=TE-0001",
            "--seal-serial",
            "5=TE-0005",
        ],
        None,
    );
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("envelopes/manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(manifest["label"], "contoso bg-01");
    assert_eq!(manifest["tenant"], "contoso.onmicrosoft.com");
    assert_eq!(manifest["account"], "bg01@contoso.onmicrosoft.com");
    assert_eq!(manifest["threshold"], 3);
    assert_eq!(manifest["drill_interval_days"], 90);
    assert_eq!(manifest["rotation_days"], 365);
    assert_eq!(
        manifest["policy_sha256"],
        breakglass::crypto::digest::sha256_hex(TEMPLATE.as_bytes())
    );
    assert_eq!(manifest["custodians"][0]["seal_serial"], "TE-0001");
    assert_eq!(manifest["custodians"][4]["seal_serial"], "TE-0005");
    assert_eq!(manifest["custodians"][1]["location"], "Bank deposit box 114");
    let text = crate::support::pdf_text(&dir.path().join("envelopes/sheet-1-ana-ruiz.pdf"));
    assert!(text.contains("TE-0001"), "{text}");
    assert!(text.contains("Witness signature"), "{text}");
    assert!(
        run.stderr.contains("share 5 for Emil Sørensen, envelope TE-0005"),
        "{}",
        run.stderr
    );

    // The runbook and the cover page carry this ceremony's facts, in Markdown and on paper.
    let ceremony = manifest["ceremony_id"].as_str().expect("id");
    let shown_id = format!("{}-{}", &ceremony[..5], &ceremony[5..]);
    let created = &manifest["created"].as_str().expect("created")[..10];
    let created_day = breakglass::platform::clock::parse_date(created).expect("date");
    let next_drill = breakglass::platform::clock::date(created_day + 90 * 86_400);
    let rotation = breakglass::platform::clock::date(created_day + 365 * 86_400);
    let markdown = std::fs::read_to_string(dir.path().join("envelopes/runbook.md")).expect("runbook.md");
    let runbook = crate::support::pdf_text(&dir.path().join("envelopes/runbook.pdf"));
    let record = crate::support::pdf_text(&dir.path().join("envelopes/ceremony-record.pdf"));
    for (name, text) in [("runbook.md", &markdown), ("runbook.pdf", &runbook)] {
        for fact in [
            "contoso bg-01",
            shown_id.as_str(),
            "3 of the 5",
            "Dana Novak",
            "Bank deposit box 114",
            "TE-0005",
            next_drill.as_str(),
            rotation.as_str(),
            "bg01@contoso.onmicrosoft.com",
            "SigninLogs",
            "age -d -i key.txt -o payload.txt vault.age",
            "Tell the security operations team",
        ] {
            assert!(text.contains(fact), "{name} lacks {fact:?}:\n{text}");
        }
    }
    for fact in [
        shown_id.as_str(),
        manifest["vault_recipient"].as_str().expect("recipient"),
        manifest["policy_sha256"].as_str().expect("policy hash"),
        "Emil Sørensen",
        "TE-0001",
        "Witness",
    ] {
        assert!(record.contains(fact), "ceremony-record.pdf lacks {fact:?}:\n{record}");
    }
}

/// A mixed ceremony: plain, passphrase-protected and age-recipient-protected shares.
#[test]
fn mixed_protection_ceremony_verifies_and_recovers_with_the_right_keys_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    let chen = age_keygen(path, "chen.key");
    age_keygen(path, "stranger.key");
    let policy = protect(
        &protect(TEMPLATE, "Ben Okafor", "protection = \"passphrase\""),
        "Chen Li",
        &format!("protection = \"recipient\"\nrecipient = \"{chen}\""),
    );
    write(path, "breakglass.toml", &policy);
    write(path, "ben.txt", "ben's long passphrase\n");
    write(path, "wrong.txt", "not ben's passphrase\n");

    let unasked = run_in(path, &["seal", "--policy", "breakglass.toml", "--out", "never"], None);
    unasked.exits_with(Exit::Usage, "--custodian-passphrase-file 2=FILE");
    assert!(!path.join("never").exists());

    let run = run_in(
        path,
        &[
            "seal",
            "--policy",
            "breakglass.toml",
            "--custodian-passphrase-file",
            "2=ben.txt",
        ],
        None,
    );
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let manifest = std::fs::read_to_string(path.join("envelopes/manifest.json")).expect("manifest");
    assert!(manifest.contains("\"kind\": \"passphrase\""), "{manifest}");
    assert!(manifest.contains(&chen), "{manifest}");
    let ben_text = crate::support::pdf_text(&path.join("envelopes/sheet-2-ben-okafor.pdf"));
    assert!(ben_text.contains("Protection"), "{ben_text}");
    assert!(ben_text.contains("PROTECTED SHARE 2"), "{ben_text}");

    let sheets = [
        "envelopes/sheet-2-ben-okafor.pdf",
        "envelopes/sheet-3-chen-li.pdf",
        "envelopes/sheet-4-dana-novak.pdf",
    ];
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "--manifest", "envelopes/manifest.json"];
        args.extend_from_slice(&sheets);
        args.extend_from_slice(extra);
        run_in(path, &args, None)
    };
    let no_keys = verify(&[]);
    no_keys.exits_with(Exit::ShareLocked, "share 2 (Ben Okafor) is protected by a passphrase");

    let wrong = verify(&["--share-passphrase-file", "2=wrong.txt", "--identity", "chen.key"]);
    wrong.exits_with(Exit::ShareLocked, "share 2 (Ben Okafor): wrong passphrase in wrong.txt");

    let no_identity = verify(&["--share-passphrase-file", "2=ben.txt"]);
    no_identity.exits_with(Exit::ShareLocked, "share 3 (Chen Li) is protected by an age identity");

    let stranger = verify(&["--share-passphrase-file", "2=ben.txt", "--identity", "stranger.key"]);
    stranger.exits_with(
        Exit::ShareLocked,
        "share 3 (Chen Li): none of the given identities opens it",
    );

    let good = verify(&["--share-passphrase-file", "2=ben.txt", "--identity", "chen.key"]);
    assert_eq!(good.code, i32::from(Exit::Ok), "{}", good.all());
    assert!(good.stdout.contains("VERIFIED"), "{}", good.stdout);

    // A drill opens protected shares the same way, and a wrong passphrase fails it (logged).
    let drill = |passphrase: &str| {
        let mut args = vec!["drill", "--manifest", "envelopes/manifest.json"];
        args.extend_from_slice(&sheets);
        args.extend_from_slice(&["--share-passphrase-file", passphrase, "-i", "chen.key"]);
        run_in(path, &args, None)
    };
    let passed = drill("2=ben.txt");
    assert_eq!(passed.code, i32::from(Exit::Ok), "{}", passed.all());
    assert!(passed.stdout.contains("DRILL PASSED"), "{}", passed.stdout);
    let failed = drill("2=wrong.txt");
    assert_eq!(failed.code, i32::from(Exit::ShareLocked), "{}", failed.all());
    assert!(
        failed.stderr.contains("share 2 (Ben Okafor): wrong passphrase"),
        "{}",
        failed.all()
    );
    let log = std::fs::read_to_string(path.join("envelopes/breakglass-log.jsonl")).expect("log");
    let last = log.lines().last().expect("a record");
    assert!(
        last.contains("\"action\":\"drill\"") && last.contains("\"result\":\"failure\""),
        "{last}"
    );

    // Plain sheets never ask for anything, even when other sheets of the ceremony are protected.
    let plain = run_in(
        path,
        &[
            "recover",
            "--manifest",
            "envelopes/manifest.json",
            "envelopes/sheet-1-ana-ruiz.pdf",
            "envelopes/sheet-4-dana-novak.pdf",
            "envelopes/sheet-5-emil-sorensen.pdf",
            "--print",
        ],
        None,
    );
    assert_eq!(plain.code, i32::from(Exit::Ok), "{}", plain.all());
    let protected = run_in(
        path,
        &[
            "recover",
            "--manifest",
            "envelopes/manifest.json",
            sheets[0],
            sheets[1],
            sheets[2],
            "--share-passphrase-file",
            "2=ben.txt",
            "-i",
            "chen.key",
            "--print",
        ],
        None,
    );
    assert_eq!(protected.code, i32::from(Exit::Ok), "{}", protected.all());
    assert_eq!(protected.stdout, plain.stdout, "both quorums rebuild the same secret");
}

/// A protected share is a standard age file: the Go age CLI opens it with the passphrase.
#[test]
fn a_protected_share_opens_with_the_age_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    let chen = age_keygen(path, "chen.key");
    let policy = protect(
        TEMPLATE,
        "Chen Li",
        &format!("protection = \"recipient\"\nrecipient = \"{chen}\""),
    );
    write(path, "breakglass.toml", &policy);
    let run = run_in(path, &["seal", "--policy", "breakglass.toml"], None);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let report = breakglass::ceremony::verify::read_input(&path.join("envelopes/sheet-3-chen-li.pdf"));
    let locked = breakglass::ceremony::verify::locked_shares(&[report]);
    assert_eq!(locked.len(), 1);
    std::fs::write(path.join("share3.age"), &locked[0].protected).expect("write");
    let output = std::process::Command::new("age")
        .args(["-d", "-i", "chen.key", "share3.age"])
        .current_dir(path)
        .output()
        .expect("age runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.stdout.len(), 113);
    assert_eq!(output.stdout[0], 3, "the plaintext is share 3 in the documented layout");

    // docs/RECOVERY-WITHOUT-BREAKGLASS.md: the opened share combines with two plain ones in the
    // reference combiner, which gives the same age identity as breakglass.
    let plain_hex = |sheet: &str| -> String {
        let report = breakglass::ceremony::verify::read_input(&path.join(sheet));
        let found = report
            .blocks
            .iter()
            .find(|found| {
                matches!(
                    found.block.header.part,
                    breakglass::paper::format::v1::Part::Share { .. }
                )
            })
            .expect("a plain share");
        found.block.data.iter().map(|byte| format!("{byte:02x}")).collect()
    };
    let opened: String = output.stdout.iter().map(|byte| format!("{byte:02x}")).collect();
    let combiner = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference/sss_combine.py");
    let combined = std::process::Command::new("python3")
        .arg(&combiner)
        .args([
            opened,
            plain_hex("envelopes/sheet-1-ana-ruiz.pdf"),
            plain_hex("envelopes/sheet-5-emil-sorensen.pdf"),
        ])
        .output()
        .expect("python3 runs");
    assert!(
        combined.status.success(),
        "{}",
        String::from_utf8_lossy(&combined.stderr)
    );
    let exported = run_in(
        path,
        &[
            "recover",
            "--export-age-identity",
            "envelopes/sheet-1-ana-ruiz.pdf",
            "envelopes/sheet-3-chen-li.pdf",
            "envelopes/sheet-5-emil-sorensen.pdf",
            "-i",
            "chen.key",
        ],
        None,
    );
    assert_eq!(exported.code, i32::from(Exit::Ok), "{}", exported.all());
    assert_eq!(
        String::from_utf8_lossy(&combined.stdout).trim(),
        exported.stdout.trim(),
        "the documented path and breakglass rebuild the same vault key"
    );
}

/// Re-seal: a quorum of old sheets becomes a new ceremony (new custodians and threshold) for the
/// same secret; the new manifest names the ceremony it replaces.
#[test]
fn reseal_replaces_a_ceremony_with_new_custodians() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    write(path, "old.toml", TEMPLATE);
    let sealed = run_in(path, &["seal", "--policy", "old.toml"], None);
    assert_eq!(sealed.code, i32::from(Exit::Ok), "{}", sealed.all());
    let start = TEMPLATE.find("[[custodian]]\nname = \"Dana Novak\"").expect("Dana");
    let new_policy = TEMPLATE[..start]
        .replace("threshold = 3", "threshold = 2")
        .replace("out = \"envelopes\"", "out = \"envelopes-2\"")
        + "[[custodian]]\nname = \"Farah Haddad\"\nrole = \"New security lead\"\n";
    write(path, "new.toml", &new_policy);
    let old_sheets = [
        "envelopes/sheet-1-ana-ruiz.pdf",
        "envelopes/sheet-4-dana-novak.pdf",
        "envelopes/sheet-5-emil-sorensen.pdf",
    ];
    let mut args = vec![
        "reseal",
        "--policy",
        "new.toml",
        "--manifest",
        "envelopes/manifest.json",
    ];
    args.extend_from_slice(&old_sheets);
    let run = run_in(path, &args, None);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let old: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path.join("envelopes/manifest.json")).expect("old")).expect("json");
    let new: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path.join("envelopes-2/manifest.json")).expect("new")).expect("json");
    assert_eq!(new["replaces"], old["ceremony_id"]);
    assert_ne!(new["ceremony_id"], old["ceremony_id"]);
    assert_ne!(new["vault_recipient"], old["vault_recipient"], "a new vault key");
    assert_eq!(new["threshold"], 2);
    assert_eq!(new["custodians"][3]["name"], "Farah Haddad");
    let record = crate::support::pdf_text(&path.join("envelopes-2/ceremony-record.pdf"));
    assert!(record.contains("Replaces ceremony"), "{record}");
    let old_log = std::fs::read_to_string(path.join("envelopes/breakglass-log.jsonl")).expect("old log");
    let last = old_log.lines().last().expect("a record");
    assert!(last.contains("\"action\":\"reseal\""), "{last}");
    assert!(last.contains(new["ceremony_id"].as_str().expect("id")), "{last}");
    let status = run_in(path, &["status", "--manifest", "envelopes/manifest.json"], None);
    assert_eq!(
        status.code,
        i32::from(Exit::Ok),
        "a replaced ceremony raises nothing: {}",
        status.all()
    );
    assert!(status.stdout.contains("replaced by"), "{}", status.stdout);

    let recover = |manifest: &str, sheets: &[&str]| {
        let mut args = vec!["recover", "--print", "--manifest", manifest];
        args.extend_from_slice(sheets);
        let run = run_in(path, &args, None);
        assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
        run.stdout
    };
    assert_eq!(
        recover(
            "envelopes-2/manifest.json",
            &[
                "envelopes-2/sheet-2-ben-okafor.pdf",
                "envelopes-2/sheet-4-farah-haddad.pdf"
            ]
        ),
        recover("envelopes/manifest.json", &old_sheets),
        "the same secret"
    );

    // Refused before any sheet is read: an existing output, and a policy of another kind.
    let again = run_in(path, &args, None);
    assert_eq!(again.code, i32::from(Exit::OutputExists), "{}", again.all());
    assert!(!again.stderr.contains("Quorum"), "{}", again.stderr);
    write(
        path,
        "cert.toml",
        &new_policy
            .replace("kind = \"passphrase\"", "kind = \"certificate\"\nsubject = \"CN=app\"")
            .replace("style = \"chars\"\n", "")
            .replace("bits = 128\n", "")
            .replace("envelopes-2", "envelopes-3"),
    );
    let mut wrong_kind = vec![
        "reseal",
        "--policy",
        "cert.toml",
        "--manifest",
        "envelopes/manifest.json",
    ];
    wrong_kind.extend_from_slice(&old_sheets);
    let refused = run_in(path, &wrong_kind, None);
    refused.exits_with(
        Exit::BadRequest,
        "the sheets hold a passphrase but the policy seals a certificate",
    );
    assert!(!path.join("envelopes-3").exists());
}
