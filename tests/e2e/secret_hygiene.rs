//! Secret hygiene of a policy ceremony with custodian-protected shares: the secret, the
//! custodians' passphrases, their age identities and the vault identity appear in no file that
//! `seal`, `verify` or `recover --out` writes (PDFs read as bytes and as extracted text), nor in
//! anything they print, except where `recover` is asked to reveal the secret. The plain demo
//! ceremony is covered by `round_trip::the_secret_is_in_no_output_but_recover`.

use std::path::{Path, PathBuf};

use breakglass::exit::Exit;

use base64::Engine;

use crate::ceremony::{TEMPLATE, age_keygen, protect, write};
use crate::support::{pdf_text, run_in};

const SECRET: &str = "Hygiene-Policy-Secret-4kR8-Wq2Z";
const BEN_PASSPHRASE: &str = "ben's hygiene passphrase 51";

/// The forms a leaked value could take: as is, lower case, hex, base64.
fn forms(value: &str) -> Vec<String> {
    vec![
        value.to_owned(),
        value.to_lowercase(),
        value.bytes().map(|b| format!("{b:02x}")).collect(),
        base64::engine::general_purpose::STANDARD.encode(value),
    ]
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn protected_policy_ceremony_leaks_no_secret_passphrase_or_identity() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    let chen = age_keygen(path, "chen.key");
    let chen_identity = std::fs::read_to_string(path.join("chen.key"))
        .expect("identity")
        .lines()
        .find(|line| line.starts_with("AGE-SECRET-KEY-"))
        .expect("secret key line")
        .to_owned();
    let policy = protect(
        &protect(TEMPLATE, "Ben Okafor", "protection = \"passphrase\""),
        "Chen Li",
        &format!("protection = \"recipient\"\nrecipient = \"{chen}\""),
    )
    .replace("kind = \"passphrase\"", "kind = \"passphrase\"\nfile = \"secret.txt\"")
    .replace("style = \"chars\"\n", "")
    .replace("bits = 128\n", "");
    write(path, "breakglass.toml", &policy);
    write(path, "secret.txt", &format!("{SECRET}\n"));
    write(path, "ben.txt", &format!("{BEN_PASSPHRASE}\n"));
    let inputs = ["breakglass.toml", "secret.txt", "ben.txt", "chen.key"];

    let mut printed = Vec::new();
    let seal = run_in(
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
    assert_eq!(seal.code, i32::from(Exit::Ok), "{}", seal.all());
    printed.push(("seal output", seal.all()));

    let sheets = [
        "envelopes/sheet-2-ben-okafor.pdf",
        "envelopes/sheet-3-chen-li.pdf",
        "envelopes/sheet-4-dana-novak.pdf",
    ];
    let keys = ["--share-passphrase-file", "2=ben.txt", "--identity", "chen.key"];
    let with = |command: &[&str]| {
        let mut args = command.to_vec();
        args.extend_from_slice(&["--manifest", "envelopes/manifest.json"]);
        args.extend_from_slice(&keys);
        args.extend_from_slice(&sheets);
        run_in(path, &args, None)
    };
    let verify = with(&["verify"]);
    assert_eq!(verify.code, i32::from(Exit::Ok), "{}", verify.all());
    printed.push(("verify output", verify.all()));
    let json = with(&["verify", "--json"]);
    assert_eq!(json.code, i32::from(Exit::Ok), "{}", json.all());
    printed.push(("verify --json output", json.all()));
    let recover = with(&["recover", "--out", "recovered"]);
    assert_eq!(recover.code, i32::from(Exit::Ok), "{}", recover.all());
    printed.push(("recover --out output", recover.all()));
    let export = with(&["recover", "--export-age-identity"]);
    assert_eq!(export.code, i32::from(Exit::Ok), "{}", export.all());
    printed.push(("recover --export-age-identity stderr", export.stderr.clone()));
    let vault_identity = export.stdout.trim().to_owned();
    assert!(vault_identity.starts_with("AGE-SECRET-KEY-1"), "{vault_identity}");

    // The intended output: the secret, in the file recover was asked to write.
    let recovered = files_under(&path.join("recovered"));
    let revealing: Vec<&PathBuf> = recovered
        .iter()
        .filter(|file| String::from_utf8_lossy(&std::fs::read(file).expect("read")).contains(SECRET))
        .collect();
    assert_eq!(
        revealing.len(),
        1,
        "recover --out writes the secret once: {recovered:?}"
    );

    let mut outputs: Vec<(String, Vec<u8>)> = printed
        .into_iter()
        .map(|(name, text)| (name.to_owned(), text.into_bytes()))
        .collect();
    for file in files_under(path) {
        let relative = file.strip_prefix(path).expect("inside").display().to_string();
        if inputs.contains(&relative.as_str()) || revealing.contains(&&file) {
            continue;
        }
        if file.extension().is_some_and(|extension| extension == "pdf") {
            outputs.push((format!("{relative} (text)"), pdf_text(&file).into_bytes()));
        }
        outputs.push((relative, std::fs::read(&file).expect("read output")));
    }
    let names: Vec<&str> = outputs.iter().map(|(name, _)| name.as_str()).collect();
    for expected in [
        "envelopes/manifest.json",
        "envelopes/runbook.md",
        "envelopes/runbook.pdf (text)",
        "envelopes/ceremony-record.pdf (text)",
        "envelopes/sheet-2-ben-okafor.pdf (text)",
    ] {
        assert!(names.contains(&expected), "{expected} is checked: {names:?}");
    }

    let secrets = [
        ("the secret", SECRET),
        ("Ben's passphrase", BEN_PASSPHRASE),
        ("Chen's identity", chen_identity.as_str()),
        ("the vault identity", vault_identity.as_str()),
    ];
    for (what, value) in secrets {
        for form in forms(value) {
            for (name, bytes) in &outputs {
                assert!(
                    !bytes.windows(form.len()).any(|window| window == form.as_bytes()),
                    "{name} contains {what}"
                );
            }
        }
    }
}
