//! Every kind of breakglass secret: generated passphrases, TOTP seeds, FIDO2 PINs, client
//! secrets; sealed, rasterised, recovered and presented as a responder needs them.

use breakglass::exit::Exit;
use breakglass::kinds::passphrase::generate::{avoids_terms, forbidden_terms, meets_entra_rules};

use crate::support::{APP_CERTIFICATE, Sealed, run_in, run_with_env, seal};

fn first_three(sealed: &Sealed) -> Vec<String> {
    (1..=3).map(|i| sealed.sheet(i).display().to_string()).collect()
}

#[test]
fn generated_passphrases_meet_entra_rules_in_both_styles() {
    let dir = tempfile::tempdir().unwrap();
    let account = "bg.admin@contoso.onmicrosoft.com";
    let terms = forbidden_terms(account).unwrap();
    for style in ["--chars", "--words"] {
        let run = run_in(
            dir.path(),
            &["generate", "passphrase", style, "--count", "200", "--account", account],
            None,
        );
        assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), 200);
        for line in &lines {
            assert!(meets_entra_rules(line), "{style}: {line}");
            assert!(avoids_terms(line, &terms), "{style}: {line}");
        }
        assert!(run.stderr.contains("bits of entropy"), "{}", run.stderr);
    }
    let run = run_in(
        dir.path(),
        &["generate", "passphrase", "--words", "--bits", "160"],
        None,
    );
    assert_eq!(
        run.stdout.trim().split('-').count(),
        13,
        "160 bits = 13 words: {}",
        run.stdout
    );
    let run = run_in(dir.path(), &["generate", "passphrase", "--bits", "64"], None);
    assert_eq!(run.code, i32::from(Exit::BadRequest), "{}", run.all());
    assert!(run.stderr.contains("between 80 and 256"));
}

#[test]
fn word_passphrase_ceremony_records_the_account() {
    let sealed = seal(&["--words", "--account", "bg01@contoso.onmicrosoft.com"]);
    let passphrase = sealed.passphrase.clone().unwrap();
    assert!(passphrase.split('-').count() >= 10, "{passphrase}");
    let manifest = std::fs::read_to_string(sealed.manifest()).unwrap();
    assert!(manifest.contains("\"account\": \"bg01@contoso.onmicrosoft.com\""));
    let sheets = first_three(&sealed);
    let run = sealed.run(&["recover", "--print", &sheets[0], &sheets[1], &sheets[2]]);
    assert_eq!(run.stdout, format!("{passphrase}\n"));
}

#[test]
fn totp_seed_recovers_with_the_current_code() {
    let dir = tempfile::tempdir().unwrap();
    // RFC 6238 Appendix B: SHA-1 seed "12345678901234567890", 8 digits; T = 59 -> 94287082.
    let uri = "otpauth://totp/Contoso:bg01%40contoso.onmicrosoft.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Contoso&digits=8\n";
    std::fs::write(dir.path().join("seed.txt"), uri).unwrap();
    let run = run_in(
        dir.path(),
        &["seal", "--out", "out", "--kind", "totp", "--secret-file", "seed.txt"],
        None,
    );
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let sheet = |i: usize| format!("out/sheet-{i}-custodian-{i}.pdf");
    let (one, three, five) = (sheet(1), sheet(3), sheet(5));
    let at_59 = [("BREAKGLASS_NOW", "59")];
    let run = run_with_env(dir.path(), &["recover", "--print", &one, &three, &five], None, &at_59);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert!(
        run.stdout.contains("seed: GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("code: 94287082 (valid for 1 more seconds"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("uri: otpauth://totp/"), "{}", run.stdout);
    let run = run_with_env(
        dir.path(),
        &["recover", "--out", "rec", &one, &three, &five],
        None,
        &at_59,
    );
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let saved = std::fs::read_to_string(dir.path().join("rec/totp-uri.txt")).unwrap();
    assert!(
        saved.starts_with("otpauth://totp/") && saved.contains("digits=8"),
        "{saved}"
    );

    std::fs::write(dir.path().join("bad.txt"), "not base32 !!\n").unwrap();
    let run = run_in(
        dir.path(),
        &["seal", "--out", "bad", "--kind", "totp", "--secret-file", "bad.txt"],
        None,
    );
    assert_eq!(run.code, i32::from(Exit::BadRequest), "{}", run.all());
    assert!(!run.all().contains("not base32 !!"), "the secret is never echoed");
}

#[test]
fn fido2_pin_is_bound_to_its_key_serials() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pin.txt"), "730-514\n").unwrap();
    let run = run_in(
        dir.path(),
        &[
            "seal",
            "--out",
            "out",
            "--kind",
            "fido2-pin",
            "--secret-file",
            "pin.txt",
        ],
        None,
    );
    assert_eq!(
        run.code,
        i32::from(Exit::BadRequest),
        "a PIN without its key serial is refused: {}",
        run.all()
    );
    assert!(run.stderr.contains("--key-serial"));
    let args = [
        "seal",
        "--out",
        "out",
        "--kind",
        "fido2-pin",
        "--secret-file",
        "pin.txt",
        "--key-serial",
        "YK5-21984512",
        "--key-serial",
        "YK5-21984513",
    ];
    let run = run_in(dir.path(), &args, None);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let manifest = std::fs::read_to_string(dir.path().join("out/manifest.json")).unwrap();
    assert!(
        manifest.contains("\"key_serials\": [\n    \"YK5-21984512\",\n    \"YK5-21984513\"\n  ]"),
        "{manifest}"
    );
    let sheets = [
        "out/sheet-2-custodian-2.pdf",
        "out/sheet-4-custodian-4.pdf",
        "out/sheet-5-custodian-5.pdf",
    ];
    let run = run_in(
        dir.path(),
        &["recover", "--out", "rec", sheets[0], sheets[1], sheets[2]],
        None,
    );
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rec/fido2-pin.txt")).unwrap(),
        "730-514\n"
    );
    assert!(
        run.stderr.contains("PIN of security keys: YK5-21984512, YK5-21984513.") && !run.stderr.contains("(s)"),
        "{}",
        run.stderr
    );
}

#[test]
fn client_secret_carries_its_expiry() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cs.txt"), "Xy8Q~abc.DEF_ghi-JKL~mno123456789PQRs\n").unwrap();
    let now = [("BREAKGLASS_NOW", "1795609845")];
    let args = [
        "seal",
        "--out",
        "out",
        "--kind",
        "client-secret",
        "--secret-file",
        "cs.txt",
        "--expires",
        "2026-11-01",
    ];
    let run = run_with_env(dir.path(), &args, None, &now);
    assert_eq!(run.code, i32::from(Exit::BadRequest), "{}", run.all());
    assert!(run.stderr.contains("expired on 2026-11-01"));
    let args = [
        "seal",
        "--out",
        "out",
        "--kind",
        "client-secret",
        "--secret-file",
        "cs.txt",
        "--expires",
        "2027-05-31",
    ];
    let run = run_with_env(dir.path(), &args, None, &now);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let manifest = std::fs::read_to_string(dir.path().join("out/manifest.json")).unwrap();
    assert!(manifest.contains("\"secret_expires\": \"2027-05-31\""), "{manifest}");
    assert!(manifest.contains("\"secret_kind\": \"client-secret\""), "{manifest}");
    let sheets = [
        "recover",
        "--print",
        "out/sheet-1-custodian-1.pdf",
        "out/sheet-2-custodian-2.pdf",
        "out/sheet-3-custodian-3.pdf",
    ];
    let run = run_with_env(dir.path(), &sheets, None, &now);
    assert_eq!(run.stdout, "Xy8Q~abc.DEF_ghi-JKL~mno123456789PQRs\n");
    assert!(run.stderr.contains("expires on 2027-05-31"), "{}", run.stderr);
    let run = run_with_env(dir.path(), &sheets, None, &[("BREAKGLASS_NOW", "1830000000")]);
    assert!(
        run.stderr.contains("WARNING: this client secret expired on 2027-05-31"),
        "{}",
        run.stderr
    );
}

#[test]
fn misplaced_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f.bin"), "x").unwrap();
    let run = run_in(
        dir.path(),
        &[
            "seal",
            "--out",
            "o",
            "--secret-file",
            "f.bin",
            "--expires",
            "2030-01-01",
        ],
        None,
    );
    run.exits_with(Exit::BadRequest, "--expires only applies to --kind client-secret");
    let run = run_in(dir.path(), &["seal", "--out", "o", "--kind", "totp"], None);
    assert_eq!(run.code, i32::from(Exit::Usage), "{}", run.all());
}

/// An app certificate: public files ready for Entra, thumbprints that openssl agrees with, and
/// at recovery a key, the very same certificate, and a .pfx that openssl opens.
#[test]
fn certificate_seals_and_recovers_as_pem_and_pfx() {
    let Some(openssl) = crate::support::tool("openssl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let at = [("BREAKGLASS_NOW", "1795609845")];
    let args = [
        &["seal", "--out", "out"][..],
        &APP_CERTIFICATE,
        &["--valid-days", "200", "--label", "contoso app bg"],
    ]
    .concat();
    let run = run_with_env(dir.path(), &args, None, &at);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/manifest.json")).unwrap()).unwrap();
    let certificate = &manifest["certificate"];
    let sha1 = certificate["sha1_thumbprint"].as_str().unwrap().to_owned();
    assert_eq!(certificate["subject"], "CN=contoso-breakglass-app");
    assert_eq!(certificate["key_bits"], 2048);
    assert_eq!(certificate["not_before"], "2026-11-25T12:30:45Z");
    assert_eq!(certificate["not_after"], "2027-06-13T12:30:45Z");
    assert!(
        run.stderr.contains(&sha1),
        "thumbprint shown at sealing: {}",
        run.stderr
    );

    let fingerprint = crate::support::external(
        &openssl,
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            "out/cert.cer",
            "-noout",
            "-fingerprint",
            "-sha1",
        ],
        dir.path(),
    );
    assert_eq!(fingerprint.trim().rsplit('=').next().unwrap().replace(':', ""), sha1);
    let credential: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/keycredential.json")).unwrap()).unwrap();
    assert_eq!(credential["type"], "AsymmetricX509Cert");
    assert_eq!(credential["usage"], "Verify");
    // Graph reads customKeyIdentifier as base64: it holds the SHA-1 digest's bytes, not the hex text.
    let identifier = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        credential["customKeyIdentifier"].as_str().unwrap(),
    )
    .unwrap();
    let identifier_hex: String = identifier.iter().map(|byte| format!("{byte:02X}")).collect();
    assert_eq!(identifier_hex, sha1);
    assert_eq!(credential["displayName"], "contoso app bg");
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD
        .decode(credential["key"].as_str().unwrap())
        .unwrap();
    assert_eq!(key, std::fs::read(dir.path().join("out/cert.cer")).unwrap());

    std::fs::write(dir.path().join("pw.txt"), "Drill-Password-2026\n").unwrap();
    let sheets = [
        "out/sheet-1-custodian-1.pdf",
        "out/sheet-3-custodian-3.pdf",
        "out/sheet-4-custodian-4.pdf",
    ];
    let run = run_in(
        dir.path(),
        &["recover", "--out", "rec", sheets[0], sheets[1], sheets[2]],
        None,
    );
    assert_eq!(
        run.code,
        i32::from(Exit::Usage),
        "no password and no terminal: {}",
        run.all()
    );
    assert!(run.stderr.contains("--pfx-password-file"));
    let run = run_in(
        dir.path(),
        &[
            "recover",
            "--out",
            "rec",
            "--pfx-password-file",
            "pw.txt",
            sheets[0],
            sheets[1],
            sheets[2],
        ],
        None,
    );
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert!(
        run.stderr
            .contains(&format!("SHA-1 thumbprint (as the Entra portal shows it): {sha1}")),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read(dir.path().join("rec/cert.pem")).unwrap(),
        std::fs::read(dir.path().join("out/cert.pem")).unwrap(),
        "the recovered certificate is the uploaded one, byte for byte"
    );
    #[cfg(unix)]
    for name in ["key.pem", "cert.pem", "key-and-cert.pem", "certificate.pfx"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("rec").join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    let modulus = |args: &[&str]| crate::support::external(&openssl, args, dir.path());
    assert_eq!(
        modulus(&["x509", "-in", "rec/cert.pem", "-noout", "-modulus"]),
        modulus(&["rsa", "-in", "rec/key.pem", "-noout", "-modulus"])
    );
    let from_pfx = crate::support::external(
        &openssl,
        &[
            "pkcs12",
            "-in",
            "rec/certificate.pfx",
            "-passin",
            "file:pw.txt",
            "-nokeys",
            "-clcerts",
        ],
        dir.path(),
    );
    std::fs::write(dir.path().join("pfx-cert.pem"), from_pfx).unwrap();
    let fingerprint = crate::support::external(
        &openssl,
        &["x509", "-in", "pfx-cert.pem", "-noout", "-fingerprint", "-sha1"],
        dir.path(),
    );
    assert_eq!(fingerprint.trim().rsplit('=').next().unwrap().replace(':', ""), sha1);
    let run = run_in(
        dir.path(),
        &["recover", "--print", sheets[0], sheets[1], sheets[2]],
        None,
    );
    assert!(
        run.stdout.starts_with("-----BEGIN PRIVATE KEY-----\n") && run.stdout.contains("-----BEGIN CERTIFICATE-----")
    );
}

#[test]
fn entropy_is_shown_rounded_down() {
    // 15 characters of a 55-character alphabet are 86.72 bits: shown as 86, never 87.
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(dir.path(), &["generate", "passphrase", "--chars", "--bits", "80"], None);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert!(run.stderr.contains("86 bits of entropy each"), "{}", run.stderr);
}

#[test]
fn log_records_written_under_breakglass_now_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let overridden = run_with_env(
        dir.path(),
        &["seal", "--out", "out"],
        None,
        &[("BREAKGLASS_NOW", "1795609845")],
    );
    assert_eq!(overridden.code, i32::from(Exit::Ok), "{}", overridden.all());
    let log = std::fs::read_to_string(dir.path().join("out/breakglass-log.jsonl")).unwrap();
    assert!(log.contains("\"time\":\"2026-11-25T"), "{log}");
    assert!(log.contains("\"clock_overridden\":true"), "{log}");
    let real = run_in(dir.path(), &["seal", "--out", "real"], None);
    assert_eq!(real.code, i32::from(Exit::Ok), "{}", real.all());
    let log = std::fs::read_to_string(dir.path().join("real/breakglass-log.jsonl")).unwrap();
    assert!(!log.contains("clock_overridden"), "{log}");
}
