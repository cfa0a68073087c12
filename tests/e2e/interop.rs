//! Recovery without breakglass: `docs/reference/bg1.py` reads typed sheets,
//! `docs/reference/sss_combine.py` rebuilds the age identity and the vault file, and the Go age
//! CLI decrypts. No breakglass code takes part, so docs/RECOVERY-WITHOUT-BREAKGLASS.md is proven
//! to work, on a fresh ceremony and on the frozen one. Skipped when python3 or age is missing
//! unless BREAKGLASS_REQUIRE_TOOLS=1.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use breakglass::exit::Exit;

use crate::support::{APP_CERTIFICATE, external, seal, tool, typed_copy};

fn script(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/reference")
        .join(name)
        .display()
        .to_string()
}

/// Runs `python3 args...` in `dir` with `stdin`, returning its output whatever the exit status.
fn python_with_stdin(python: &Path, args: &[&str], stdin: &str, dir: &Path) -> Output {
    let mut child = Command::new(python)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("python3 finishes")
}

/// The bg1.py output for these typed files, one line per block.
fn blocks(python: &Path, typed: &[PathBuf], dir: &Path) -> String {
    let bg1 = script("bg1.py");
    let files: Vec<String> = typed.iter().map(|path| path.display().to_string()).collect();
    let mut args = vec![bg1.as_str()];
    args.extend(files.iter().map(String::as_str));
    external(python, &args, dir)
}

/// The share hex of the `SHARE <index>` line of bg1.py output.
fn share_hex(blocks: &str, index: u8) -> String {
    blocks
        .lines()
        .find_map(|line| match line.split(' ').collect::<Vec<_>>()[..] {
            [_, "SHARE", i, hex] if i == index.to_string() => Some(hex.to_owned()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("share {index} in bg1.py output:\n{blocks}"))
}

/// The documented path: bg1.py | sss_combine.py > key.txt; sss_combine.py --vault vault.age;
/// age -d -i key.txt vault.age. Returns the identity line and the decrypted payload.
fn recover_with_python_and_age(python: &Path, age: &Path, typed: &[PathBuf], dir: &Path) -> (String, String) {
    let blocks = blocks(python, typed, dir);
    std::fs::write(dir.join("blocks.txt"), &blocks).unwrap();
    let combined = python_with_stdin(python, &[&script("sss_combine.py")], &blocks, dir);
    let stderr = String::from_utf8_lossy(&combined.stderr);
    assert!(combined.status.success(), "sss_combine.py failed: {stderr}");
    assert!(stderr.contains("tag verified"), "{stderr}");
    let identity = String::from_utf8(combined.stdout).unwrap();
    assert!(
        identity.starts_with("AGE-SECRET-KEY-1") && identity.lines().count() == 1,
        "{identity}"
    );
    std::fs::write(dir.join("key.txt"), &identity).unwrap();
    external(
        python,
        &[&script("sss_combine.py"), "--vault", "vault.age", "blocks.txt"],
        dir,
    );
    let payload = external(age, &["-d", "-i", "key.txt", "vault.age"], dir);
    (identity, payload)
}

#[test]
fn python_and_go_age_recover_a_fresh_ceremony_without_breakglass_code() {
    let (Some(python), Some(age)) = (tool("python3"), tool("age")) else {
        return;
    };
    let sealed = seal(&[]);
    let passphrase = sealed.passphrase.clone().expect("demo ceremony shows its passphrase");
    let typed: Vec<PathBuf> = [1, 3, 5]
        .iter()
        .map(|&index| {
            let path = sealed.path(&format!("typed-{index}.txt"));
            std::fs::write(&path, typed_copy(&sealed.sheet(index))).unwrap();
            path
        })
        .collect();
    let (identity, payload) = recover_with_python_and_age(&python, &age, &typed, sealed.dir.path());
    assert!(payload.starts_with("breakglass-payload: 1\n"), "{payload}");
    assert!(payload.ends_with(&passphrase), "{payload}");

    let sheets: Vec<String> = [2, 4, 5]
        .iter()
        .map(|&index| sealed.sheet(index).display().to_string())
        .collect();
    let exported = sealed.run(&["recover", "--export-age-identity", &sheets[0], &sheets[1], &sheets[2]]);
    assert_eq!(exported.code, i32::from(Exit::Ok), "{}", exported.all());
    assert_eq!(
        exported.stdout, identity,
        "breakglass and the Python path rebuild the same key"
    );
}

#[test]
fn python_combine_refuses_too_few_shares_and_shares_of_another_ceremony() {
    let Some(python) = tool("python3") else { return };
    let combine = script("sss_combine.py");
    let one = seal(&[]);
    let other = seal(&[]);
    let dir = one.dir.path();
    let typed = |sheet: PathBuf, name: &str| {
        let path = dir.join(name);
        std::fs::write(&path, typed_copy(&sheet)).unwrap();
        path
    };
    let one_typed: Vec<PathBuf> = (1..=3)
        .map(|index| typed(one.sheet(index), &format!("typed-{index}.txt")))
        .collect();
    let one_blocks = blocks(&python, &one_typed, dir);
    let other_blocks = blocks(&python, &[typed(other.sheet(4), "other-typed-4.txt")], dir);
    let refused = |args: &[&str], stdin: &str, why: &str| {
        let mut all = vec![combine.as_str()];
        all.extend_from_slice(args);
        let output = python_with_stdin(&python, &all, stdin, dir);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{why}: accepted");
        assert!(output.stdout.is_empty(), "{why}: printed a key");
        assert_eq!(stderr.lines().count(), 1, "{why}: one-line error: {stderr}");
        stderr.into_owned()
    };

    let two: String = one_blocks
        .lines()
        .filter(|line| !line.contains(" SHARE 3 "))
        .map(|line| format!("{line}\n"))
        .collect();
    let error = refused(&[], &two, "2 shares of a 3-of-5 ceremony");
    assert!(error.contains("Poly1305 tag does not match"), "{error}");

    let (a, b, foreign) = (
        share_hex(&one_blocks, 1),
        share_hex(&one_blocks, 2),
        share_hex(&other_blocks, 4),
    );
    let error = refused(&[&a, &b, &foreign], "", "a share of another ceremony");
    assert!(error.contains("Poly1305 tag does not match"), "{error}");

    let mixed = format!("{one_blocks}{other_blocks}");
    let error = refused(&[], &mixed, "bg1.py output of two ceremonies");
    assert!(error.contains("2 ceremonies"), "{error}");

    // Enough shares plus a stranger: the stranger is named and left out.
    let c = share_hex(&one_blocks, 3);
    let output = python_with_stdin(&python, &[&combine, &a, &b, &c, &foreign], "", dir);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("; share 4 does not belong and was left out"),
        "{stderr}"
    );
    assert!(!stderr.contains("(s)"), "{stderr}");
    let identity = String::from_utf8(output.stdout).unwrap();
    let exported = one.run(&[
        "recover",
        "--export-age-identity",
        &one.sheet(3).display().to_string(),
        &one.sheet(4).display().to_string(),
        &one.sheet(5).display().to_string(),
    ]);
    assert_eq!(exported.stdout, identity);
}

#[test]
fn frozen_ceremony_recovers_with_python_and_go_age() {
    let (Some(python), Some(age)) = (tool("python3"), tool("age")) else {
        return;
    };
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/v1/ceremony-1");
    let expected = std::fs::read_to_string(vectors.join("expected-secret.txt")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let typed: Vec<PathBuf> = [1, 3, 5]
        .iter()
        .map(|index| vectors.join(format!("typed-{index}.txt")))
        .collect();
    let (identity, payload) = recover_with_python_and_age(&python, &age, &typed, scratch.path());
    assert!(payload.starts_with("breakglass-payload: 1\n"), "{payload}");
    assert!(payload.ends_with(&expected), "{payload}");
    let keygen = age.with_file_name("age-keygen");
    if keygen.is_file() {
        let recipient = external(&keygen, &["-y", "key.txt"], scratch.path());
        let manifest = std::fs::read_to_string(vectors.join("manifest.json")).unwrap();
        assert!(
            manifest.contains(&format!("\"vault_recipient\": \"{}\"", recipient.trim())),
            "{identity} -> {recipient}: not the manifest's recipient"
        );
    }
}

#[test]
fn python_combiner_passes_its_self_test() {
    let Some(python) = tool("python3") else { return };
    let scratch = tempfile::tempdir().unwrap();
    let output = python_with_stdin(&python, &[&script("sss_combine.py"), "--self-test"], "", scratch.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// Sheets typed as a tired person types them: lower case, `O` for `0` and `l` for `1` (header
/// line included), spaces doubled and rows indented.
fn typed_carelessly(typed: &str) -> String {
    typed
        .to_lowercase()
        .replace('0', "o")
        .replace('1', "l")
        .lines()
        .map(|line| format!("  {}", line.replace(' ', "  ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A certificate ceremony recovered as docs/RECOVERY-WITHOUT-BREAKGLASS.md says, from sheets typed
/// with the usual mistakes: bg1.py, sss_combine.py and age give the payload, rsa_key.py rebuilds
/// the private key from its primes, and it is the key of the certificate kept beside the manifest
/// (openssl compares the moduli and packs both into a .pfx). breakglass reads the same files.
#[test]
fn a_certificate_is_rebuilt_from_carelessly_typed_sheets_with_python_age_and_openssl() {
    let (Some(python), Some(age), Some(openssl)) = (tool("python3"), tool("age"), tool("openssl")) else {
        return;
    };
    let sealed = seal(&APP_CERTIFICATE);
    let dir = sealed.dir.path();
    let typed: Vec<PathBuf> = [2, 4, 5]
        .iter()
        .map(|&index| {
            let path = sealed.path(&format!("typed-{index}.txt"));
            std::fs::write(&path, typed_carelessly(&typed_copy(&sealed.sheet(index)))).unwrap();
            path
        })
        .collect();
    let first = std::fs::read_to_string(&typed[0]).unwrap();
    assert!(first.trim_start().starts_with("bgl-share-"), "{first}");

    let files: Vec<String> = typed.iter().map(|path| path.display().to_string()).collect();
    let mut verify = vec!["verify"];
    verify.extend(files.iter().map(String::as_str));
    let verified = sealed.run(&verify);
    assert_eq!(verified.code, i32::from(Exit::Ok), "{}", verified.all());

    recover_with_python_and_age(&python, &age, &typed, dir);
    external(&age, &["-d", "-i", "key.txt", "-o", "payload.bin", "vault.age"], dir);
    let key = external(&python, &[&script("rsa_key.py"), "payload.bin"], dir);
    assert!(key.starts_with("-----BEGIN RSA PRIVATE KEY-----"), "{key}");
    std::fs::write(dir.join("key.pem"), &key).unwrap();
    external(&openssl, &["rsa", "-check", "-noout", "-in", "key.pem"], dir);
    let of_key = external(&openssl, &["rsa", "-noout", "-modulus", "-in", "key.pem"], dir);
    let certificate = sealed.out.join("cert.pem").display().to_string();
    let of_certificate = external(&openssl, &["x509", "-noout", "-modulus", "-in", &certificate], dir);
    assert_eq!(of_key, of_certificate, "the rebuilt key is the certificate's");
    external(
        &openssl,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "key.pem",
            "-in",
            &certificate,
            "-out",
            "app.pfx",
            "-passout",
            "pass:x",
        ],
        dir,
    );
}
