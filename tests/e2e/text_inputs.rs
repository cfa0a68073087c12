//! Hostile and careless text, round three: what Windows editors and shells put in text files
//! (a byte-order mark, CR LF, UTF-16), control characters, invisible marks and endless lines, in
//! every text input that is not a scan: typed secrets, manifests, logs, names and the documents
//! and messages they end up in.

use breakglass::evidence::audit;
use breakglass::exit::Exit;

use crate::ceremony::{TEMPLATE, age_keygen, protect, write};
use crate::support::{run_in, seal_ana_and_ben};

const PASSPHRASE: &str = "CorrectHorse-Battery-Staple-42";

/// `seal` of a 2-of-2 ceremony for custodians A and B into `out`, with `extra` arguments.
fn seal_a_and_b(dir: &std::path::Path, out: &str, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["seal", "-k", "2", "--custodian", "A", "--custodian", "B", "--out", out];
    args.extend_from_slice(extra);
    run_in(dir, &args, None)
}

/// `seal --policy breakglass.toml` with custodian 2's passphrase from `file`.
fn seal_policy(dir: &std::path::Path, file: &str) -> crate::support::Run {
    let passphrase = format!("2={file}");
    run_in(
        dir,
        &[
            "seal",
            "--policy",
            "breakglass.toml",
            "--custodian-passphrase-file",
            &passphrase,
        ],
        None,
    )
}

/// A secret or passphrase file is one line a person can read back and type: a byte-order mark and
/// CR LF are dropped (Notepad, PowerShell), and a control or invisible character, a second line
/// or UTF-16 is refused by its position and code point, never echoing the secret. Before, the
/// mark and the characters were sealed as part of the secret, so what was recovered was not what
/// anyone could see or type.
#[test]
fn typed_secrets_lose_a_bom_and_refuse_what_cannot_be_seen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    std::fs::write(path.join("bom.txt"), format!("\u{FEFF}{PASSPHRASE}\r\n")).unwrap();
    let seal = |file: &str, out: &str| seal_a_and_b(path, out, &["--kind", "passphrase", "--secret-file", file]);
    let sealed = seal("bom.txt", "bom");
    assert_eq!(sealed.code, i32::from(Exit::Ok), "{}", sealed.all());
    let recovered = run_in(
        path,
        &[
            "recover",
            "bom/sheet-1-a.pdf",
            "bom/sheet-2-b.pdf",
            "--out",
            "recovered",
        ],
        None,
    );
    assert_eq!(recovered.code, i32::from(Exit::Ok), "{}", recovered.all());
    let text = std::fs::read_to_string(path.join("recovered/passphrase.txt")).unwrap();
    assert_eq!(
        text.trim_end_matches('\n'),
        PASSPHRASE,
        "no byte-order mark, no CR sealed"
    );

    for (name, bytes, said) in [
        (
            "escape.txt",
            "Correct\x1b[2JHorse-Battery".as_bytes(),
            "character 8 is U+001B",
        ),
        (
            "bidi.txt",
            "Correct\u{202E}Horse-Battery".as_bytes(),
            "character 8 is U+202E",
        ),
        (
            "zero-width.txt",
            "CorrectHorse\u{200B}-Battery".as_bytes(),
            "character 13 is U+200B",
        ),
        ("nul.txt", b"CorrectHorse\0Battery".as_slice(), "character 13 is U+0000"),
        (
            "two-lines.txt",
            b"CorrectHorse\nBattery\n".as_slice(),
            "more than one line",
        ),
        ("utf16.txt", b"\xFF\xFEC\0o\0r\0".as_slice(), "UTF-16"),
        ("blank.txt", b"   \r\n".as_slice(), "the secret is empty"),
    ] {
        std::fs::write(path.join(name), bytes).unwrap();
        let refused = seal(name, &format!("out-{name}"));
        refused.exits_with(Exit::BadRequest, said);
        assert!(
            !refused.all().contains("Horse") && !refused.all().contains("Battery"),
            "{}",
            refused.all()
        );
        assert!(!path.join(format!("out-{name}")).exists());
    }
}

/// A custodian's passphrase file at seal follows the same rule; at verify a share passphrase
/// file saved with a byte-order mark and CR LF (PowerShell's `Set-Content -Encoding utf8`)
/// opens the share sealed from a plain one, where before it was "wrong passphrase", and so does
/// an identity file saved by Notepad (age read the mark as "non-identity data on line 1").
#[test]
fn custodian_passphrase_and_identity_files_saved_on_windows_open_their_shares() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    let chen = age_keygen(path, "chen.key");
    let policy = protect(
        &protect(TEMPLATE, "Ben Okafor", "protection = \"passphrase\""),
        "Chen Li",
        &format!("protection = \"recipient\"\nrecipient = \"{chen}\""),
    );
    write(path, "breakglass.toml", &policy);
    write(path, "invisible.txt", "ben's zebra\u{200B} passphrase\n");
    let refused = seal_policy(path, "invisible.txt");
    refused.exits_with(
        Exit::Unreadable,
        "invisible.txt cannot be used as the custodian passphrase: character 12 is U+200B",
    );
    assert!(!refused.all().contains("zebra"), "{}", refused.all());
    assert!(!path.join("envelopes").exists());

    write(path, "ben.txt", "ben's zebra passphrase\n");
    let sealed = seal_policy(path, "ben.txt");
    assert_eq!(sealed.code, i32::from(Exit::Ok), "{}", sealed.all());
    write(path, "ben-windows.txt", "\u{FEFF}ben's zebra passphrase\r\n");
    let identity = std::fs::read_to_string(path.join("chen.key")).unwrap();
    write(
        path,
        "chen-notepad.key",
        &format!("\u{FEFF}{}", identity.replace('\n', "\r\n")),
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(identity.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(path.join("chen-utf16.key"), utf16).unwrap();
    let verify = |identity: &str| {
        let args = [
            "verify",
            "--manifest",
            "envelopes/manifest.json",
            "envelopes/sheet-2-ben-okafor.pdf",
            "envelopes/sheet-3-chen-li.pdf",
            "envelopes/sheet-4-dana-novak.pdf",
            "--share-passphrase-file",
            "2=ben-windows.txt",
            "--identity",
            identity,
        ];
        run_in(path, &args, None)
    };
    let opened = verify("chen-notepad.key");
    assert_eq!(opened.code, i32::from(Exit::Ok), "{}", opened.all());
    assert!(opened.stdout.contains("VERIFIED"), "{}", opened.stdout);
    verify("chen-utf16.key").exits_with(
        Exit::Unreadable,
        "cannot read identity file chen-utf16.key: it is UTF-16 text",
    );
}

/// A policy nested past the TOML reader's depth is named in words, without the "line 0" it
/// was reported at (`breakglass.toml:0: recursion limit`).
#[test]
fn a_policy_nested_too_deeply_is_named_without_a_line_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let deep = format!("{TEMPLATE}\n[{}]\n", vec!["a"; 50_000].join("."));
    write(dir.path(), "deep.toml", &deep);
    let run = run_in(dir.path(), &["check-policy", "deep.toml"], None);
    run.exits_with(
        Exit::Policy,
        "deep.toml: tables or arrays are nested too deeply for a breakglass policy",
    );
    assert!(!run.stderr.contains(":0:"), "{}", run.stderr);
}

fn drill_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "drill",
        "--manifest",
        "out/manifest.json",
        "out/sheet-1-ana-ruiz.pdf",
        "out/sheet-2-ben-okafor.pdf",
    ];
    args.extend_from_slice(extra);
    args
}

/// Outside text in a drill report (the operator, the note, a name from the manifest) is escaped
/// for Markdown, and a control character or invisible mark in it is now written as a visible
/// `\u{..}` too: before, an escape sequence went raw into `drill.md` and acted when an auditor
/// printed the file in a terminal, and a direction override reordered the line.
#[test]
fn documents_show_control_characters_and_invisible_marks_as_visible_escapes() {
    let sealed = seal_ana_and_ben();
    let run = sealed.run(&drill_args(&[
        "--operator",
        "op\x1b]0;owned\x07",
        "--note",
        "note \x1b[2J cleared \u{202E}txt.exe",
        "--report",
        "drill.md",
    ]));
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let report = std::fs::read_to_string(sealed.path("drill.md")).unwrap();
    assert!(
        !report.contains('\x1b') && !report.contains('\x07') && !report.contains('\u{202E}'),
        "{report}"
    );
    assert!(report.contains("op\\\\u{1b}\\]0;owned\\\\u{7}"), "{report}");
    assert!(
        report.contains("note \\\\u{1b}\\[2J cleared \\\\u{202e}txt.exe"),
        "{report}"
    );
}

/// What Windows does to text files: Notepad's byte-order mark before a manifest, and git's
/// `core.autocrlf` turning a log's LF into CR LF. Before, the manifest was "not a breakglass
/// manifest (expected value at line 1 column 1)" and the log "is broken: line 1 is not a log
/// record (no hash at the end)", with nothing wrong in either. Text after the manifest's
/// closing brace, which was silently ignored, is now refused.
#[test]
fn windows_byte_order_marks_and_line_endings_keep_manifest_and_log_readable() {
    let sealed = seal_ana_and_ben();
    let manifest = std::fs::read(sealed.manifest()).unwrap();
    std::fs::write(sealed.manifest(), [b"\xEF\xBB\xBF".as_slice(), &manifest].concat()).unwrap();
    let log_path = sealed.out.join("breakglass-log.jsonl");
    let log = std::fs::read_to_string(&log_path).unwrap();
    std::fs::write(&log_path, format!("\u{FEFF}{}", log.replace('\n', "\r\n"))).unwrap();
    let verified = sealed.run(&["log", "verify", "--manifest", "out/manifest.json"]);
    assert_eq!(verified.code, i32::from(Exit::Ok), "{}", verified.all());
    let drill = sealed.run(&drill_args(&[]));
    assert_eq!(drill.code, i32::from(Exit::Ok), "{}", drill.all());
    let verified = sealed.run(&["log", "verify", "--manifest", "out/manifest.json"]);
    assert_eq!(verified.code, i32::from(Exit::Ok), "{}", verified.all());
    assert!(verified.stdout.contains('2'), "{}", verified.stdout);

    std::fs::write(
        sealed.manifest(),
        [manifest.as_slice(), b"{\"format\": \"x\"}\n"].concat(),
    )
    .unwrap();
    let doubled = sealed.run(&drill_args(&[]));
    doubled.exits_with(Exit::Manifest, "not a breakglass manifest (trailing characters");
}

/// Where a report, a policy or a ceremony folder is to be written is checked before anything
/// runs: a dangling symbolic link or a missing folder used to be found only after the drill
/// was recorded, leaving a log record that names a report never written (and the advice to
/// "check free space"); a symbolic link as `--out` failed after sealing; names Windows cannot
/// hold (`CON`, a trailing dot) were written and could not be copied to Windows.
#[cfg(unix)]
#[test]
fn output_destinations_are_checked_before_anything_runs() {
    let sealed = seal_ana_and_ben();
    let log_path = sealed.out.join("breakglass-log.jsonl");
    let records = || std::fs::read_to_string(&log_path).unwrap().lines().count();
    let before = records();
    std::os::unix::fs::symlink(sealed.path("nowhere.md"), sealed.path("dangling.md")).unwrap();
    let cases = [
        (
            "dangling.md",
            Exit::OutputExists,
            "dangling.md is a symbolic link; give the real path",
        ),
        (
            "missing/drill.md",
            Exit::WriteFailed,
            "the folder missing does not exist; create it first",
        ),
        (
            "CON.md",
            Exit::Usage,
            "CON.md: Windows cannot hold a file or folder of this name",
        ),
        ("drill.", Exit::Usage, "drill.: Windows cannot hold"),
    ];
    for (report, exit, said) in cases {
        let run = sealed.run(&drill_args(&["--report", report]));
        run.exits_with(exit, said);
        assert!(run.stderr.contains("the drill was not run"), "{}", run.stderr);
        assert_eq!(records(), before, "{report}: nothing recorded");
    }
    assert!(!sealed.path("nowhere.md").exists());

    std::fs::create_dir(sealed.path("empty")).unwrap();
    std::os::unix::fs::symlink(sealed.path("empty"), sealed.path("linked")).unwrap();
    let seal = |out: &str| seal_a_and_b(sealed.dir.path(), out, &[]);
    seal("linked").exits_with(
        Exit::OutputExists,
        "linked is a symbolic link; give the real path (nothing was written)",
    );
    seal("out.").exits_with(Exit::Usage, "out.: Windows cannot hold");
    seal("aux").exits_with(Exit::Usage, "aux: Windows cannot hold");
    assert!(!sealed.path("out.").exists() && !sealed.path("aux").exists());
    assert_eq!(std::fs::read_dir(sealed.path("empty")).unwrap().count(), 0);
    sealed
        .run(&["init", "nul.toml"])
        .exits_with(Exit::Usage, "nul.toml: Windows cannot hold");
}

/// A message quoting a 100 000-character name keeps its beginning and its fix, not the whole name.
#[test]
fn an_endless_name_in_a_message_is_shortened_in_the_middle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let long = "a".repeat(100_000);
    let run = run_in(
        dir.path(),
        &[
            "seal",
            "-k",
            "2",
            "--custodian",
            &long,
            "--custodian",
            "B",
            "--out",
            "out",
        ],
        None,
    );
    run.exits_with(Exit::BadRequest, "characters left out");
    let line = run
        .stderr
        .lines()
        .find(|line| line.starts_with("error:"))
        .expect("an error line");
    assert!(line.chars().count() < 1100, "{} characters", line.chars().count());
    assert!(
        line.ends_with("printable characters (no invisible or control characters)"),
        "{line}"
    );
}

/// A label or account holding a direction override or zero-width space is refused as itself;
/// before, the label passed its own check and failed later as "the instructions contains the
/// character '\u{202e}'", the account as a "ceremony record template".
#[test]
fn invisible_marks_in_a_label_or_account_are_named_as_such() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seal = |extra: &[&str]| seal_a_and_b(dir.path(), "out", extra);
    seal(&["--label", "bg\u{202E}10-gb"])
        .exits_with(Exit::BadRequest, "the label must be at most 64 printable characters");
    seal(&["--label", "bg\u{200B}01"]).exits_with(Exit::BadRequest, "no invisible or control characters");
    let account = seal(&["--account", "bg01\x1b[2J@contoso.onmicrosoft.com"]);
    assert_ne!(account.code, 0, "{}", account.all());
    assert!(
        account
            .stderr
            .contains("is not of the form user@tenant.onmicrosoft.com"),
        "{}",
        account.stderr
    );
    assert!(!dir.path().join("out").exists());
}

/// Typed copies saved by Notepad with a byte-order mark, or pasted through a chat client that
/// slipped in zero-width spaces: before, the mark hid the share's header line, the file still
/// read "OK" (its vault lines) and the quorum failed with "only 0 of the 3 shares needed".
#[test]
fn typed_copies_with_a_byte_order_mark_or_zero_width_spaces_still_hold_their_share() {
    let dir = tempfile::tempdir().expect("tempdir");
    let vectors = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/v1/ceremony-1");
    // A copy of the frozen manifest, so that verify's log record lands in the temporary folder.
    std::fs::copy(vectors.join("manifest.json"), dir.path().join("manifest.json")).unwrap();
    let mut args = vec!["verify".to_owned(), "--manifest".to_owned(), "manifest.json".to_owned()];
    for index in 1..=3 {
        let typed = std::fs::read_to_string(vectors.join(format!("typed-{index}.txt"))).unwrap();
        let name = format!("typed-{index}.txt");
        let marked = format!("\u{FEFF}{}", typed.replacen(' ', " \u{200B}", 2).replace('\n', "\r\n"));
        std::fs::write(dir.path().join(&name), marked).unwrap();
        args.push(name);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = run_in(dir.path(), &args, None);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert!(run.stdout.contains("SHARE 3 ok (typed)"), "{}", run.stdout);

    // Windows PowerShell 5.1's `>` and Notepad's "Unicode" save UTF-16 (little-endian, and
    // big-endian for "Unicode big endian"): read as the text it is, not "not a text file".
    for (index, big_endian) in [(1, false), (2, true)] {
        let typed = std::fs::read_to_string(vectors.join(format!("typed-{index}.txt"))).unwrap();
        let units = "\u{FEFF}"
            .chars()
            .chain(typed.replace('\n', "\r\n").chars())
            .collect::<String>();
        let bytes: Vec<u8> = units
            .encode_utf16()
            .flat_map(|unit| {
                if big_endian {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                }
            })
            .collect();
        std::fs::write(dir.path().join(format!("typed-{index}.txt")), bytes).unwrap();
    }
    let run = run_in(dir.path(), &args, None);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert!(
        run.stdout.contains("SHARE 1 ok (typed)") && run.stdout.contains("SHARE 2 ok (typed)"),
        "{}",
        run.stdout
    );
}

/// A log whose record holds a 70 000-character operator (written by hand, or by an older
/// version that took any `--operator`): `log show` panicked ("Formatting argument out of
/// range", the formatter's widths stop at 65 535); now each column is cut and padded by hand.
/// `--operator` and `--note` are bounded where they are given, and a usage error that quotes
/// such a value, or an escape sequence, is escaped and shortened like every other message.
#[test]
fn endless_log_fields_and_arguments_neither_panic_nor_flood_the_screen() {
    let sealed = seal_ana_and_ben();
    let log_path = sealed.out.join("breakglass-log.jsonl");
    let mut record = audit::Record::new(audit::Action::Drill, None, Exit::Ok, 1_795_000_000);
    record.operator = Some("o".repeat(70_000));
    audit::append(&log_path, record).expect("appended");
    let shown = sealed.run(&["log", "show", "--manifest", "out/manifest.json"]);
    assert_eq!(shown.code, i32::from(Exit::Ok), "{}", shown.all());
    assert!(
        shown.stdout.lines().all(|line| line.chars().count() < 400),
        "{}",
        shown.stdout.len()
    );
    assert!(shown.stdout.contains("characters left out"), "{}", shown.stdout);

    let long = "o".repeat(70_000);
    let refused = sealed.run(&drill_args(&["--operator", &long]));
    refused.exits_with(Exit::Usage, "70000 characters; give at most 100");
    assert!(
        refused.stderr.lines().all(|line| line.chars().count() < 1100),
        "{}",
        refused.stderr.len()
    );
    let note = "n".repeat(2001);
    sealed
        .run(&drill_args(&["--note", &note]))
        .exits_with(Exit::Usage, "2001 characters; give at most 2000");
    let hostile = sealed.run(&["seal", "--paper", "a3\u{202E}\x1b[2J"]);
    assert_eq!(hostile.code, i32::from(Exit::Usage), "{}", hostile.all());
    assert!(
        !hostile.stderr.contains('\u{202E}') && !hostile.stderr.contains('\x1b'),
        "{:?}",
        hostile.stderr
    );
    assert!(hostile.stderr.contains("\\u{202e}"), "{}", hostile.stderr);
}
