//! Hostile and careless text, round three: what Windows editors and shells put in text files
//! (a byte-order mark, CR LF, UTF-16), control characters, invisible marks and endless lines, in
//! every text input that is not a scan: typed secrets, manifests, logs, names and the documents
//! and messages they end up in.

use breakglass::exit::Exit;

use crate::ceremony::{TEMPLATE, protect, write};
use crate::support::run_in;

const PASSPHRASE: &str = "CorrectHorse-Battery-Staple-42";

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
    let seal = |file: &str, out: &str| {
        let args = [
            "seal",
            "-k",
            "2",
            "--custodian",
            "A",
            "--custodian",
            "B",
            "--kind",
            "passphrase",
            "--secret-file",
            file,
            "--out",
            out,
        ];
        run_in(path, &args, None)
    };
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
/// opens the share sealed from a plain one, where before it was "wrong passphrase".
#[test]
fn custodian_passphrase_files_are_typed_lines_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    write(
        path,
        "breakglass.toml",
        &protect(TEMPLATE, "Ben Okafor", "protection = \"passphrase\""),
    );
    write(path, "invisible.txt", "ben's zebra\u{200B} passphrase\n");
    let refused = run_in(
        path,
        &[
            "seal",
            "--policy",
            "breakglass.toml",
            "--custodian-passphrase-file",
            "2=invisible.txt",
        ],
        None,
    );
    refused.exits_with(
        Exit::Unreadable,
        "invisible.txt cannot be used as the custodian passphrase: character 12 is U+200B",
    );
    assert!(!refused.all().contains("zebra"), "{}", refused.all());
    assert!(!path.join("envelopes").exists());

    write(path, "ben.txt", "ben's zebra passphrase\n");
    let sealed = run_in(
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
    assert_eq!(sealed.code, i32::from(Exit::Ok), "{}", sealed.all());
    write(path, "ben-windows.txt", "\u{FEFF}ben's zebra passphrase\r\n");
    let verify = run_in(
        path,
        &[
            "verify",
            "--manifest",
            "envelopes/manifest.json",
            "envelopes/sheet-1-ana-ruiz.pdf",
            "envelopes/sheet-2-ben-okafor.pdf",
            "envelopes/sheet-3-chen-li.pdf",
            "--share-passphrase-file",
            "2=ben-windows.txt",
        ],
        None,
    );
    assert_eq!(verify.code, i32::from(Exit::Ok), "{}", verify.all());
    assert!(verify.stdout.contains("VERIFIED"), "{}", verify.stdout);
}
