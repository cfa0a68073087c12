//! Frozen test vectors (tests/vectors/v1): the printed format may never change under old
//! sheets. Block vectors pin the encoder character for character; the ceremony vector is a
//! complete set of typed sheets from a real seal that every future version must recover.

use std::path::{Path, PathBuf};

use breakglass::exit::Exit;
use breakglass::paper::format::v1::{self, CeremonyId, Header, Part};

use crate::support::run_in;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/v1")
}

struct BlockVector {
    name: String,
    header: Header,
    data: Vec<u8>,
    expected: String,
}

fn parse_block_vector(path: &Path) -> BlockVector {
    let text = std::fs::read_to_string(path).unwrap();
    let (fields, expected) = text.split_once("expect:\n").expect("expect: section");
    let field = |key: &str| {
        fields
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{key}: ")))
            .unwrap_or_else(|| panic!("{key} missing in {}", path.display()))
            .trim()
            .to_owned()
    };
    let data: Vec<u8> = field("data")
        .split_whitespace()
        .map(|byte| u8::from_str_radix(byte, 16).expect("hex byte"))
        .collect();
    let part = field("part");
    let part = match part.split_whitespace().collect::<Vec<_>>()[..] {
        ["share", index] => Part::Share {
            index: index.parse().unwrap(),
        },
        ["vault", position] => {
            let (chunk, of) = position.split_once('/').unwrap();
            Part::Vault {
                chunk: chunk.parse().unwrap(),
                of: of.parse().unwrap(),
            }
        }
        _ => panic!("bad part {part}"),
    };
    BlockVector {
        name: path.file_name().unwrap().to_string_lossy().into_owned(),
        header: Header {
            ceremony: CeremonyId::parse(&field("ceremony")).unwrap(),
            threshold: field("threshold").parse().unwrap(),
            shares: field("shares").parse().unwrap(),
            part,
            byte_len: data.len(),
        },
        data,
        expected: expected.to_owned(),
    }
}

#[test]
fn block_vectors_encode_and_decode_exactly() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors().join("blocks"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 3, "block vectors present");
    for file in files {
        let vector = parse_block_vector(&file);
        let encoded = v1::encode_block(&vector.header, &vector.data).unwrap();
        assert_eq!(
            *encoded.to_text(),
            vector.expected,
            "{}: encoder drifted from the frozen vector",
            vector.name
        );
        for form in [
            vector.expected.clone(),
            vector.expected.to_lowercase(),
            encoded.qr_payload().to_string(),
        ] {
            let block = v1::decode_text(&form).unwrap().remove(0).unwrap();
            assert_eq!(block.header, vector.header, "{}", vector.name);
            assert_eq!(&block.data[..], &vector.data[..], "{}", vector.name);
        }
    }
}

#[test]
fn frozen_ceremony_recovers_from_typed_sheets() {
    let dir = vectors().join("ceremony-1");
    let expected = std::fs::read(dir.join("expected-secret.txt")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    // A copy, so the log that recover appends beside the manifest lands in the scratch directory.
    std::fs::copy(dir.join("manifest.json"), scratch.path().join("manifest.json")).unwrap();
    let manifest = scratch.path().join("manifest.json").display().to_string();
    let typed = |i: usize| dir.join(format!("typed-{i}.txt")).display().to_string();
    for chosen in [[1, 2, 3], [1, 3, 5], [2, 4, 5], [3, 4, 5]] {
        let files: Vec<String> = chosen.iter().map(|&i| typed(i)).collect();
        let mut args = vec!["recover", "--print", "--manifest", manifest.as_str()];
        args.extend(files.iter().map(String::as_str));
        let run = run_in(scratch.path(), &args, None);
        assert_eq!(run.code, i32::from(Exit::Ok), "{chosen:?}: {}", run.all());
        assert_eq!(
            run.stdout.lines().last().unwrap().as_bytes(),
            &expected[..],
            "{chosen:?}"
        );
        assert!(
            run.stderr.contains("(Ana Ruiz)") || !chosen.contains(&1),
            "{}",
            run.stderr
        );
        assert_eq!(
            run.stdout.as_bytes(),
            [&expected[..], b"\n"].concat(),
            "stdout carries the secret only"
        );
    }
    let run = run_in(
        scratch.path(),
        &["verify", "--manifest", &manifest, &typed(2), &typed(4)],
        None,
    );
    assert_eq!(run.code, i32::from(Exit::TooFewShares), "{}", run.all());
}

/// A frozen passphrase-protected share (share 1 of the frozen ceremony, as a PSHARE block: an
/// age scrypt file) must keep opening with its passphrase and recovering with two other sheets.
#[test]
fn frozen_protected_share_recovers_with_its_passphrase() {
    let dir = vectors().join("ceremony-1");
    let expected = std::fs::read(dir.join("expected-secret.txt")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.join(name).display().to_string();
    // A copy, so the log that recover and verify append beside the manifest lands in scratch.
    std::fs::copy(dir.join("manifest.json"), scratch.path().join("manifest.json")).unwrap();
    let manifest = scratch.path().join("manifest.json").display().to_string();
    let passphrase = format!("1={}", path("protected-1-passphrase.txt"));
    let run = run_in(
        scratch.path(),
        &[
            "recover",
            "--print",
            "--manifest",
            &manifest,
            &path("typed-1-protected.txt"),
            &path("typed-3.txt"),
            &path("typed-5.txt"),
            "--share-passphrase-file",
            &passphrase,
        ],
        None,
    );
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert_eq!(run.stdout.as_bytes(), [&expected[..], b"\n"].concat());
    assert!(
        run.stderr.contains("Opened protected share 1 (Ana Ruiz)"),
        "{}",
        run.stderr
    );
    std::fs::write(scratch.path().join("wrong.txt"), "correct horse battery stapler\n").unwrap();
    let wrong = run_in(
        scratch.path(),
        &[
            "verify",
            "--manifest",
            &manifest,
            &path("typed-1-protected.txt"),
            &path("typed-3.txt"),
            &path("typed-5.txt"),
            "--share-passphrase-file",
            "1=wrong.txt",
        ],
        None,
    );
    wrong.exits_with(Exit::ShareLocked, "share 1 (Ana Ruiz): wrong passphrase");
}

/// Frozen vault payloads, one per kind of secret: every future version must read them the same
/// way. The certificate vector also pins the rebuild: its sealed primes and parameters must give
/// back, byte for byte, the certificate that was uploaded (`certificate.cer`).
#[test]
fn payload_vectors_of_every_kind_parse_and_present() {
    use breakglass::crypto::payload::Payload;
    use breakglass::kinds::SecretKind;
    use breakglass::kinds::certificate::generate as certificate;
    use breakglass::kinds::totp::seed as totp;

    let dir = vectors().join("payloads");
    let read = |name: &str| Payload::parse(&std::fs::read(dir.join(name)).unwrap()).unwrap();

    let passphrase = read("passphrase.payload");
    assert_eq!(passphrase.kind, SecretKind::Passphrase);
    assert_eq!(passphrase.secret.expose(), b"Kq7vX-m3Pz9-uGjNK-cwCBM-VhZrd");

    let file = read("file.payload");
    assert_eq!(file.kind, SecretKind::File);
    assert_eq!(file.file_name.as_deref(), Some("recovery-codes.bin"));
    assert_eq!(file.secret.expose(), b"\x00binary\nfile\xff");

    let totp_payload = read("totp.payload");
    assert_eq!(totp_payload.kind, SecretKind::Totp);
    let seed = totp::from_metadata(totp_payload.secret.duplicate(), &totp_payload.metadata).unwrap();
    assert_eq!(totp::code(&seed, 59), "94287082", "RFC 6238 vector");
    assert_eq!(seed.issuer.as_deref(), Some("Contoso"));

    let pin = read("fido2-pin.payload");
    assert_eq!(pin.kind, SecretKind::Fido2Pin);
    assert_eq!(pin.secret.expose(), b"730514");
    assert_eq!(pin.metadata_values("key-serial"), ["YK5-21984512", "YK5-21984513"]);

    let client = read("client-secret.payload");
    assert_eq!(client.kind, SecretKind::ClientSecret);
    assert_eq!(client.metadata_values("expires"), ["2027-05-31"]);

    let cert = read("certificate.payload");
    assert_eq!(cert.kind, SecretKind::Certificate);
    let rebuilt = certificate::from_sealed(&cert.secret, &cert.metadata).unwrap();
    assert!(
        rebuilt.original,
        "the certificate rebuild drifted: a dependency changed how it encodes certificates"
    );
    assert_eq!(rebuilt.cert_der, std::fs::read(dir.join("certificate.cer")).unwrap());
    assert!(certificate::key_matches_certificate(
        rebuilt.key_pkcs8_der.expose(),
        &rebuilt.cert_der
    ));
}

/// Negative vectors in the age testkit style: one damaged input per file, its `expect:` line
/// naming the error (`FormatError::name`) every implementation must reject it with.
#[test]
fn negative_vectors_are_rejected_with_the_named_error() {
    let dir = vectors().join("negative");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "txt"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    let mut wrong = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let (head, body) = text.split_once("\n\n").expect("a blank line ends the header");
        let expected = head
            .lines()
            .find_map(|line| line.strip_prefix("expect: "))
            .unwrap_or_else(|| panic!("{}: no expect: line", path.display()));
        let first_error = match v1::decode_text(body) {
            Err(error) => Some(error),
            Ok(blocks) => blocks.into_iter().find_map(Result::err),
        };
        let name = first_error.as_ref().map(v1::FormatError::name);
        if name != Some(expected) {
            wrong.push(format!("{}: expected {expected}, got {first_error:?}", path.display()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
