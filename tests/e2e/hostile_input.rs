//! Hostile input, round two (issue 14): files crafted to panic, hang, exhaust memory or fool a
//! reader. Each test is one class of attack, checked through the real binary.

use std::path::Path;

use breakglass::exit::Exit;

use crate::support::{Run, run_in, run_under_sh, seal_two};

/// A directory holding the frozen vector ceremony's manifest and a file that is no sheet, so
/// that `verify --manifest manifest.json notes.txt` fails fast and appends a record.
fn ceremony_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(VECTOR_MANIFEST, dir.path().join("manifest.json")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "no sheet here\n").unwrap();
    dir
}

const APPEND: [&str; 4] = ["verify", "--manifest", "manifest.json", "notes.txt"];
const LOG: &str = "breakglass-log.jsonl";

const VECTOR_MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/v1/ceremony-1/manifest.json");

/// The frozen vector manifest with `field` set to `value`, written as `dir/manifest.json`.
fn manifest_with(dir: &Path, field: &str, value: serde_json::Value) {
    let mut manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(VECTOR_MANIFEST).unwrap()).unwrap();
    manifest[field] = value;
    std::fs::write(dir.join("manifest.json"), serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
}

#[test]
fn manifest_dates_in_any_form_are_refused_not_sliced() {
    let dir = tempfile::tempdir().unwrap();
    for created in ["x", "", "2026-11-25\u{e9}12:30:4Z", "2026-11-25\u{e9}"] {
        manifest_with(dir.path(), "created", created.into());
        let run = run_in(dir.path(), &["status", "--manifest", "manifest.json"], None);
        run.exits_with(Exit::Manifest, "field created: not a YYYY-MM-DDTHH:MM:SSZ time");
        let run = run_in(dir.path(), &["status", "."], None);
        assert_ne!(run.code, 101, "{created:?}: {}", run.all());
    }
    manifest_with(dir.path(), "secret_expires", "2026-1\u{e9}-01".into());
    let run = run_in(dir.path(), &["status", "--manifest", "manifest.json"], None);
    run.exits_with(Exit::Manifest, "field secret_expires: not a YYYY-MM-DD date");
}

#[test]
fn endless_and_sparse_files_are_refused_before_reading() {
    let dir = ceremony_dir();
    let sparse = dir.path().join("sparse");
    std::fs::File::create(&sparse).unwrap().set_len(3 << 30).unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::File::create(&policy).unwrap().set_len(3 << 30).unwrap();
    std::fs::File::create(dir.path().join(LOG))
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    for (args, code, message) in [
        (
            &["status", "--manifest", "sparse"][..],
            Exit::Manifest,
            "it is larger than 1 MiB",
        ),
        (
            &["check-policy", "policy.toml"],
            Exit::Unreadable,
            "it is larger than 256 KiB",
        ),
        (&["log", "verify", "--log", LOG], Exit::Log, "larger than 64 MiB"),
        (&["verify", "sparse"], Exit::Unreadable, "too large"),
        (
            &["status", "--manifest", "/dev/zero"],
            Exit::Manifest,
            "it is a device, not a regular file",
        ),
        (
            &["log", "show", "--log", "/dev/zero"],
            Exit::Log,
            "it is a device, not a regular file",
        ),
        (&["verify", "/dev/zero"], Exit::Unreadable, "/dev/zero"),
        (
            &["seal", "--out", "o", "--sheet-template", "/dev/zero"],
            Exit::Unreadable,
            "it is a device, not a regular file",
        ),
        (
            &["seal", "--out", "o", "--secret-file", "/dev/zero", "--kind", "file"],
            Exit::Unreadable,
            "it is a device, not a regular file",
        ),
    ] {
        run_under_sh(dir.path(), "ulimit -v 4000000", args).exits_with(code, message);
    }
}

#[cfg(unix)]
#[test]
fn fifos_are_never_opened_for_reading_or_appending() {
    let dir = ceremony_dir();
    nix::unistd::mkfifo(&dir.path().join(LOG), nix::sys::stat::Mode::S_IRWXU).unwrap();
    nix::unistd::mkfifo(&dir.path().join("fifo"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    run_under_sh(dir.path(), ":", &["log", "show", "--log", LOG]).exits_with(Exit::Log, "named pipe (FIFO)");
    run_under_sh(dir.path(), ":", &["status", "."]).exits_with(Exit::Log, "named pipe (FIFO)");
    run_under_sh(dir.path(), ":", &APPEND).exits_with(Exit::Damaged, "named pipe (FIFO)");
    run_under_sh(dir.path(), ":", &["verify", "fifo"]).exits_with(Exit::Unreadable, "fifo");
    run_under_sh(dir.path(), ":", &["status", "--manifest", "fifo"]).exits_with(Exit::Manifest, "named pipe (FIFO)");
    run_under_sh(dir.path(), ":", &["check-policy", "fifo"]).exits_with(Exit::Unreadable, "named pipe (FIFO)");
}

#[cfg(unix)]
#[test]
fn the_log_is_never_appended_through_a_link_and_is_born_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = ceremony_dir();
    // Under umask 000 a new log is still 0600.
    run_under_sh(dir.path(), "umask 000", &APPEND).exits_with(Exit::Damaged, "no breakglass QR code");
    let mode = std::fs::metadata(dir.path().join(LOG)).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // A link to a log elsewhere, dangling or not, is refused and nothing is created or changed.
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("elsewhere.jsonl");
    std::fs::remove_file(dir.path().join(LOG)).unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join(LOG)).unwrap();
    run_under_sh(dir.path(), ":", &APPEND).exits_with(Exit::Damaged, "is a symbolic link; nothing was appended");
    assert!(!target.exists(), "a dangling link created a file outside the directory");
    std::fs::write(&target, b"").unwrap();
    run_under_sh(dir.path(), ":", &APPEND).exits_with(Exit::Damaged, "is a symbolic link; nothing was appended");
    assert_eq!(std::fs::read(&target).unwrap(), b"", "appended through the link");
}

#[test]
fn a_failed_append_leaves_no_partial_record_and_a_torn_tail_is_repaired() {
    let dir = ceremony_dir();
    run_under_sh(dir.path(), ":", &APPEND).exits_with(Exit::Damaged, "no breakglass QR code");
    let intact = std::fs::read(dir.path().join(LOG)).unwrap();
    // One 512-byte block: the second record (about 430 bytes) stops halfway (EFBIG).
    let run = run_under_sh(dir.path(), "trap '' XFSZ; ulimit -f 1", &APPEND);
    assert_eq!(run.code, i32::from(Exit::Damaged), "{}", run.all());
    assert!(run.stderr.contains("cannot append to the log"), "{}", run.stderr);
    assert_eq!(
        std::fs::read(dir.path().join(LOG)).unwrap(),
        intact,
        "the file was cut back"
    );
    run_under_sh(dir.path(), ":", &["log", "verify", "--log", LOG]).exits_with(Exit::Ok, "");
    // A tail torn by a crash (or an older version) is reported with its remedy, which keeps
    // every intact record.
    let mut torn = intact.clone();
    torn.extend_from_slice(br#"{"seq":2,"prev":"#);
    std::fs::write(dir.path().join(LOG), &torn).unwrap();
    run_under_sh(dir.path(), ":", &APPEND).exits_with(Exit::Damaged, "`breakglass log repair` removes it");
    let run = run_under_sh(dir.path(), ":", &["log", "repair", "--log", LOG]);
    run.exits_with(Exit::Ok, "");
    assert!(
        run.stdout
            .contains("removed an unfinished last line (16 bytes); 1 intact record kept"),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read(dir.path().join(LOG)).unwrap(), intact);
    run_under_sh(dir.path(), ":", &APPEND).exits_with(Exit::Damaged, "no breakglass QR code");
    let run = run_under_sh(dir.path(), ":", &["log", "verify", "--log", LOG]);
    assert!(
        run.code == i32::from(Exit::Ok) && run.stdout.contains("intact: 2 records"),
        "{}",
        run.all()
    );
    // Any other break is not for repair to decide.
    let mut edited = std::fs::read(dir.path().join(LOG)).unwrap();
    edited[60] ^= 1;
    std::fs::write(dir.path().join(LOG), &edited).unwrap();
    run_under_sh(dir.path(), ":", &["log", "repair", "--log", LOG]).exits_with(Exit::Log, "is broken at line 1");
    assert_eq!(std::fs::read(dir.path().join(LOG)).unwrap(), edited);
}

const SECRET: &[u8] = b"client-secret-value-Qx9~e4Lr.Tn2\n";

#[test]
fn no_template_may_put_the_secret_on_paper() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret.txt"), SECRET).unwrap();
    // The sheet template named on the command line is the secret file itself.
    let run = run_in(
        dir.path(),
        &[
            "seal",
            "--out",
            "o",
            "--secret-file",
            "secret.txt",
            "--kind",
            "file",
            "--sheet-template",
            "secret.txt",
            "--threshold",
            "2",
            "--custodian",
            "Ana",
            "--custodian",
            "Ben",
        ],
        None,
    );
    run.exits_with(Exit::BadRequest, "the sheet template contains the secret being sealed");
    assert!(!dir.path().join("o").exists(), "nothing written");
    // A policy's runbook template that quotes the secret (a template beside the policy).
    std::fs::create_dir(dir.path().join("policy")).unwrap();
    let mut quoting = b"# Runbook\nThe secret is ".to_vec();
    quoting.extend_from_slice(SECRET.trim_ascii());
    std::fs::write(dir.path().join("policy/runbook.md"), quoting).unwrap();
    std::fs::write(
        dir.path().join("policy/breakglass.toml"),
        "label = \"t\"\nthreshold = 2\nout = \"../o\"\nrunbook_template = \"runbook.md\"\n[secret]\nkind = \"file\"\nfile = \"../secret.txt\"\n[[custodian]]\nname = \"Ana\"\n[[custodian]]\nname = \"Ben\"\n",
    )
    .unwrap();
    let run = run_in(dir.path(), &["seal", "--policy", "policy/breakglass.toml"], None);
    run.exits_with(
        Exit::BadRequest,
        "the runbook_template contains the secret being sealed",
    );
    assert!(!dir.path().join("o").exists(), "nothing written");
    // Template paths are read from the policy's directory, and the error says so.
    std::fs::remove_file(dir.path().join("policy/runbook.md")).unwrap();
    let run = run_in(dir.path(), &["seal", "--policy", "policy/breakglass.toml"], None);
    run.exits_with(
        Exit::Unreadable,
        "a relative path is read from the policy file's directory",
    );
}

#[test]
fn an_operator_name_holding_the_secret_is_not_logged() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/v1/ceremony-1");
    for name in ["manifest.json", "typed-2.txt", "typed-3.txt", "typed-4.txt"] {
        std::fs::copy(vectors.join(name), dir.path().join(name)).unwrap();
    }
    let secret = std::fs::read_to_string(vectors.join("expected-secret.txt")).unwrap();
    let operator = format!("oops {}", secret.trim());
    let sheets = ["typed-2.txt", "typed-3.txt", "typed-4.txt"];
    for command in ["drill", "verify", "recover"] {
        let mut args = vec![command, "--manifest", "manifest.json", "--operator", &operator];
        if command == "recover" {
            args.push("--print");
        }
        args.extend(sheets);
        let run = run_in(dir.path(), &args, None);
        run.exits_with(
            Exit::Ok,
            "the operator name contains the secret, so it was not recorded",
        );
    }
    let log = std::fs::read_to_string(dir.path().join(LOG)).unwrap();
    assert_eq!(log.lines().count(), 3, "{log}");
    assert!(!log.contains(secret.trim()), "{log}");
}

#[test]
fn look_alike_custodian_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (first, second) in [
        ("Ana Ruiz", "Ana\u{a0}Ruiz"),
        ("Ana Ruiz", "\u{410}na Ruiz"),
        ("Ana Ruiz", "ana  ruiz"),
    ] {
        let run = seal_two(dir.path(), first, second);
        assert_eq!(
            run.code,
            i32::from(Exit::BadRequest),
            "{first:?} / {second:?}: {}",
            run.all()
        );
        assert!(
            run.stderr.contains("looks like \"Ana Ruiz\" on paper") || run.stderr.contains("is listed twice"),
            "{}",
            run.stderr
        );
    }
    let run = seal_two(dir.path(), "Ana", "B\u{200b}en");
    run.exits_with(Exit::BadRequest, "no invisible or control characters");
    std::fs::write(
        dir.path().join("p.toml"),
        "label = \"t\"\nthreshold = 2\n[secret]\nkind = \"passphrase\"\n[[custodian]]\nname = \"Ana Ruiz\"\n[[custodian]]\nname = \"Ana\u{a0}Ru\u{131}z\"\n",
    )
    .unwrap();
    run_in(dir.path(), &["check-policy", "p.toml"], None)
        .exits_with(Exit::Policy, "looks like \"Ana Ruiz\" on paper (first on line 6)");
}

/// The vector ceremony's typed sheet `index` with its block of `part` passed through `change`
/// (line checks recomputed, so only what the data means is wrong).
fn altered_typed_sheet(index: u8, vault: bool, change: impl Fn(&mut Vec<u8>)) -> String {
    altered_typed_blocks(index, vault, false, change)
}

/// [`altered_typed_sheet`], keeping only the VAULT blocks when `vault_only` (a certificate
/// sheet's back page, read alone).
fn altered_typed_blocks(index: u8, vault: bool, vault_only: bool, change: impl Fn(&mut Vec<u8>)) -> String {
    use breakglass::paper::format::v1;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/vectors/v1/ceremony-1/typed-{index}.txt"));
    let text = std::fs::read_to_string(path).unwrap();
    v1::decode_text(&text)
        .unwrap()
        .into_iter()
        .map(|block| block.unwrap())
        .filter(|block| !vault_only || matches!(block.header.part, v1::Part::Vault { .. }))
        .map(|block| {
            let mut data = block.data.to_vec();
            if matches!(block.header.part, v1::Part::Vault { .. }) == vault {
                change(&mut data);
            }
            v1::encode_block(&block.header, &data).unwrap().to_text().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `verify` of `sheets` against the ceremony's manifest, which must not call them sound.
fn verify_not_sound(dir: &Path, sheets: &[&str]) -> Run {
    let mut args = vec!["verify", "--no-log", "--manifest", "manifest.json"];
    args.extend_from_slice(sheets);
    let run = run_in(dir, &args, None);
    assert!(
        !run.stdout.contains("VERIFIED: every sheet given is sound"),
        "{sheets:?}: {}",
        run.all()
    );
    run
}

#[test]
fn sound_means_usable_by_the_documented_recovery() {
    let dir = ceremony_dir();
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/v1/ceremony-1");
    for name in ["typed-3.txt", "typed-4.txt"] {
        std::fs::copy(vectors.join(name), dir.path().join(name)).unwrap();
    }
    // One byte of share 2's own copy of the shared secretbox (bytes 33-112).
    std::fs::write(
        dir.path().join("box-2.txt"),
        altered_typed_sheet(2, false, |data| data[60] ^= 1),
    )
    .unwrap();
    // Share 2's sheet carrying a vault that is not this ceremony's, under this ceremony's id.
    std::fs::write(
        dir.path().join("vault-2.txt"),
        altered_typed_sheet(2, true, |data| {
            data.iter_mut().for_each(|byte| *byte = byte.wrapping_mul(7))
        }),
    )
    .unwrap();
    for sheet in ["box-2.txt", "vault-2.txt"] {
        let run = verify_not_sound(dir.path(), &[sheet, "typed-3.txt", "typed-4.txt"]);
        assert!(
            run.stdout.contains(&format!("SET ASIDE {sheet}: share 2 of 5")),
            "{}",
            run.all()
        );
        run.exits_with(Exit::SharesDisagree, "share 2 (Ben Okafor) does not belong to them");
        // Recovery still hands out the secret, rebuilt from the sheets that agree.
        let run = run_in(
            dir.path(),
            &[
                "recover",
                "--no-log",
                "--print",
                sheet,
                "typed-3.txt",
                "typed-4.txt",
                &vectors.join("typed-5.txt").display().to_string(),
            ],
            None,
        );
        run.exits_with(Exit::SharesDisagree, "the secret was still handed out");
        assert!(run.stdout.contains("Vector-Passphrase-2026-ok"), "{}", run.all());
    }
    // A page holding only VAULT codes (no share), from another vault under this ceremony's id:
    // the documented recovery could take its chunks, so it is named and the verdict is not sound.
    std::fs::write(
        dir.path().join("back-page.txt"),
        altered_typed_blocks(2, true, true, |data| {
            data.iter_mut().for_each(|byte| *byte = byte.wrapping_mul(7))
        }),
    )
    .unwrap();
    std::fs::copy(vectors.join("typed-2.txt"), dir.path().join("typed-2.txt")).unwrap();
    let run = verify_not_sound(
        dir.path(),
        &["typed-2.txt", "typed-3.txt", "typed-4.txt", "back-page.txt"],
    );
    // Its own line checks pass, but its line says it was set aside, not OK.
    assert!(
        run.stdout.contains("SET ASIDE back-page.txt: VAULT 1/1 ok"),
        "{}",
        run.all()
    );
    assert!(run.stdout.contains("OK      typed-2.txt"), "{}", run.all());
    run.exits_with(
        Exit::Vault,
        "back-page.txt: its VAULT codes are not this ceremony's vault",
    );
}

#[test]
fn the_manifest_is_checked_against_the_sheets_and_the_log_against_an_anchor() {
    let dir = ceremony_dir();
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/v1/ceremony-1");
    for name in ["typed-2.txt", "typed-3.txt", "typed-4.txt"] {
        std::fs::copy(vectors.join(name), dir.path().join(name)).unwrap();
    }
    // A manifest edited to claim another kind of secret: the sheets say otherwise.
    manifest_with(dir.path(), "secret_kind", "certificate".into());
    let sheets = ["typed-2.txt", "typed-3.txt", "typed-4.txt"];
    let mut args = vec!["verify", "--no-log", "--manifest", "manifest.json"];
    args.extend(sheets);
    run_in(dir.path(), &args, None).exits_with(
        Exit::WrongCeremony,
        "its secret_kind is not the kind of secret the sheets hold",
    );
    // What only the manifest holds is labelled as a claim.
    let run = run_in(dir.path(), &["status", "--manifest", "manifest.json"], None);
    assert!(run.stdout.contains("the manifest's claims"), "{}", run.all());
    std::fs::copy(VECTOR_MANIFEST, dir.path().join("manifest.json")).unwrap();

    // Two records; the first one's hash is the anchor a drill report would carry.
    run_under_sh(dir.path(), ":", &APPEND).exits_with(Exit::Damaged, "no breakglass QR code");
    let first = run_under_sh(dir.path(), ":", &["log", "verify", "--log", LOG, "--json"]);
    let first = crate::support::json_document(&first, "breakglass.log-verify/1");
    let anchor = first["chain"]["head"].as_str().unwrap().to_owned();
    run_under_sh(dir.path(), ":", &APPEND).exits_with(Exit::Damaged, "no breakglass QR code");
    let run = run_under_sh(
        dir.path(),
        ":",
        &["log", "verify", "--log", LOG, "--expect-head", &anchor[..16]],
    );
    assert!(
        run.code == 0 && run.stdout.contains("followed by 1 record."),
        "{}",
        run.all()
    );
    // Dropping the last record leaves a chain that checks; the anchor of that record catches it.
    let second = run_under_sh(dir.path(), ":", &["log", "verify", "--log", LOG, "--json"]);
    let second = crate::support::json_document(&second, "breakglass.log-verify/1");
    let text = std::fs::read_to_string(dir.path().join(LOG)).unwrap();
    std::fs::write(dir.path().join(LOG), format!("{}\n", text.lines().next().unwrap())).unwrap();
    run_under_sh(dir.path(), ":", &["log", "verify", "--log", LOG]).exits_with(Exit::Ok, "");
    run_under_sh(
        dir.path(),
        ":",
        &[
            "log",
            "verify",
            "--log",
            LOG,
            "--expect-head",
            second["chain"]["head"].as_str().unwrap(),
        ],
    )
    .exits_with(
        Exit::Log,
        "records were removed from the end, or the chain was rewritten",
    );
    run_under_sh(
        dir.path(),
        ":",
        &["log", "verify", "--log", LOG, "--expect-head", "xyz"],
    )
    .exits_with(Exit::Log, "not a record hash");
}

/// Outside text (a file name, a manifest's label, a log record's operator) carrying terminal
/// escape sequences reaches standard output and standard error only as visible `\u{..}` text.
#[test]
fn escape_sequences_from_outside_never_reach_the_terminal() {
    let dir = ceremony_dir();
    let hostile = "\u{1b}]0;owned\u{7}\u{1b}[2J";
    let shown = "\\u{1b}]0;owned\\u{7}\\u{1b}[2J";
    let clean = |run: &Run| {
        assert!(!run.all().contains('\u{1b}'), "raw escape printed: {:?}", run.all());
        assert!(!run.all().contains('\u{7}'), "raw bell printed: {:?}", run.all());
    };

    let missing = format!("sheet{hostile}.png");
    let run = run_under_sh(dir.path(), ":", &["verify", &missing]);
    clean(&run);
    assert!(run.stderr.contains(shown), "{}", run.stderr);

    let operator = format!("Eve{hostile}");
    let run = run_under_sh(
        dir.path(),
        ":",
        &[
            "verify",
            "--manifest",
            "manifest.json",
            "--operator",
            &operator,
            "notes.txt",
        ],
    );
    clean(&run);
    let run = run_under_sh(dir.path(), ":", &["log", "show", "--log", LOG]);
    clean(&run);
    assert!(run.stdout.contains(shown), "{}", run.stdout);

    manifest_with(dir.path(), "label", serde_json::Value::from(format!("label{hostile}")));
    let run = run_under_sh(dir.path(), ":", &["status", "--manifest", "manifest.json"]);
    clean(&run);
}
