//! Seal -> sheets -> verify -> recover, on the real binary.

use std::io::Cursor;

use breakglass::exit::Exit;
use breakglass::paper::scan::pdf;
use image::{DynamicImage, ImageFormat, imageops};

use crate::support::{seal, seal_with_stdin, typed_copy};

#[test]
fn demo_ceremony_verifies_and_recovers_without_leaking() {
    let sealed = seal(&[]);
    let passphrase = sealed.passphrase.clone().expect("generated passphrase shown");
    assert_eq!(passphrase.len(), 29);
    assert!(sealed.run.stderr.contains("Self-check passed"), "{}", sealed.run.stderr);
    assert!(
        !sealed.run.stderr.contains(&passphrase),
        "the passphrase goes to stdout only"
    );
    let mut names: Vec<String> = std::fs::read_dir(&sealed.out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "breakglass-log.jsonl",
            "ceremony-record.pdf",
            "manifest.json",
            "runbook.md",
            "runbook.pdf",
            "sheet-1-custodian-1.pdf",
            "sheet-2-custodian-2.pdf",
            "sheet-3-custodian-3.pdf",
            "sheet-4-custodian-4.pdf",
            "sheet-5-custodian-5.pdf"
        ]
    );
    let manifest = std::fs::read_to_string(sealed.manifest()).unwrap();
    assert!(manifest.contains("\"threshold\": 3") && manifest.contains("\"shares\": 5"));
    assert!(manifest.contains("\"vault_recipient\": \"age1"));
    for name in &names {
        let bytes = std::fs::read(sealed.out.join(name)).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&passphrase),
            "{name} leaks the secret"
        );
    }

    let sheets: Vec<String> = (1..=5).map(|i| sealed.sheet(i).display().to_string()).collect();
    let manifest_path = sealed.manifest().display().to_string();
    let mut args = vec!["verify", "--manifest", &manifest_path];
    args.extend(sheets.iter().map(String::as_str));
    let verified = sealed.run(&args);
    assert_eq!(verified.code, i32::from(Exit::Ok), "{}", verified.all());
    assert!(verified.stdout.contains("VERIFIED"), "{}", verified.stdout);
    assert!(
        verified.stdout.contains("shares 1 (Custodian 1), 2 (Custodian 2)"),
        "{}",
        verified.stdout
    );
    assert!(!verified.all().contains(&passphrase));

    let recovered = sealed.run(&["recover", "--print", &sheets[4], &sheets[0], &sheets[2]]);
    assert_eq!(recovered.code, i32::from(Exit::Ok), "{}", recovered.all());
    assert!(recovered.stdout == format!("{passphrase}\n"), "{}", recovered.stdout);
    assert!(!recovered.stderr.contains(&passphrase));
}

#[test]
fn every_k_subset_recovers_and_every_smaller_one_fails() {
    let sealed = seal(&[
        "--threshold",
        "3",
        "--custodian",
        "A",
        "--custodian",
        "B",
        "--custodian",
        "C",
        "--custodian",
        "D",
    ]);
    let passphrase = sealed.passphrase.clone().unwrap();
    let sheets: Vec<String> = (1..=4).map(|i| sealed.sheet(i).display().to_string()).collect();
    for skip in 0..4 {
        let chosen: Vec<&str> = (0..4).filter(|&i| i != skip).map(|i| sheets[i].as_str()).collect();
        let mut args = vec!["recover", "--print"];
        args.extend(&chosen);
        let run = sealed.run(&args);
        assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
        assert!(run.stdout == format!("{passphrase}\n"));
    }
    for first in 0..4 {
        for second in first + 1..4 {
            let run = sealed.run(&["verify", &sheets[first], &sheets[second]]);
            assert_eq!(run.code, i32::from(Exit::TooFewShares), "{}", run.all());
            assert!(
                run.stderr.contains("only 2 of the 3 shares needed are present"),
                "{}",
                run.stderr
            );
            assert!(!run.all().contains(&passphrase));
        }
    }
}

#[test]
fn named_custodians_secret_file_letter_paper_and_out_dir() {
    let dir = tempfile::tempdir().unwrap();
    let secret: Vec<u8> = (0..=255u8)
        .chain(b"client secret v2 \x00\xff".iter().copied())
        .collect();
    std::fs::write(dir.path().join("secret.bin"), &secret).unwrap();
    let secret_path = dir.path().join("secret.bin").display().to_string();
    let sealed = seal(&[
        "--threshold",
        "2",
        "--custodian",
        "Ana Ruiz",
        "--custodian",
        "Ben Okafor",
        "--custodian",
        "Chen Li",
        "--secret-file",
        &secret_path,
        "--paper",
        "letter",
        "--label",
        "contoso bg-01",
    ]);
    assert!(sealed.passphrase.is_none());
    assert!(sealed.out.join("sheet-1-ana-ruiz.pdf").is_file());
    assert!(sealed.out.join("sheet-3-chen-li.pdf").is_file());
    let manifest = std::fs::read_to_string(sealed.manifest()).unwrap();
    for expected in [
        "\"label\": \"contoso bg-01\"",
        "\"name\": \"Ben Okafor\"",
        "\"paper\": \"letter\"",
        "\"secret_kind\": \"file\"",
    ] {
        assert!(manifest.contains(expected), "{expected} missing from {manifest}");
    }
    let pages = pdf::rasterise(&std::fs::read(sealed.sheet(2)).unwrap(), 72.0).unwrap();
    assert_eq!((pages[0].width(), pages[0].height()), (612, 792), "US Letter at 72 dpi");

    let one = sealed.sheet(1).display().to_string();
    let three = sealed.sheet(3).display().to_string();
    let manifest_path = sealed.manifest().display().to_string();
    let run = sealed.run(&[
        "recover",
        "--manifest",
        &manifest_path,
        "--out",
        "recovered",
        &three,
        &one,
    ]);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let recovered = sealed.path("recovered").join("secret.bin");
    assert_eq!(std::fs::read(&recovered).unwrap(), secret);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&recovered).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let again = sealed.run(&["recover", "--out", "recovered", &three, &one]);
    assert_eq!(again.code, i32::from(Exit::OutputExists), "{}", again.all());
    assert_eq!(std::fs::read(&recovered).unwrap(), secret, "existing output untouched");
}

#[test]
fn secret_from_standard_input() {
    let sealed = seal_with_stdin(
        &["--secret-file", "-", "--kind", "passphrase"],
        Some(b"Correct-Horse-7-Battery"),
    );
    let one = sealed.sheet(1).display().to_string();
    let two = sealed.sheet(2).display().to_string();
    let four = sealed.sheet(4).display().to_string();
    let run = sealed.run(&["recover", "--print", &one, &two, &four]);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert_eq!(run.stdout, "Correct-Horse-7-Battery\n");
}

/// A "phone photo" made in-process: rasterised at 200 dpi, turned 90 degrees, blurred,
/// shrunk and JPEG-compressed at quality 45.
#[test]
fn degraded_photo_typed_copy_and_pdf_mix_recovers() {
    let sealed = seal(&[]);
    let passphrase = sealed.passphrase.clone().unwrap();
    let page = pdf::rasterise(&std::fs::read(sealed.sheet(2)).unwrap(), 200.0)
        .unwrap()
        .remove(0);
    let photo = imageops::blur(&imageops::rotate90(&page), 1.2);
    let photo = imageops::resize(
        &photo,
        photo.width() * 7 / 10,
        photo.height() * 7 / 10,
        imageops::FilterType::Triangle,
    );
    let mut jpeg = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut jpeg), 45);
    DynamicImage::ImageLuma8(photo).write_with_encoder(encoder).unwrap();
    std::fs::write(sealed.path("photo-2.jpg"), &jpeg).unwrap();
    std::fs::write(sealed.path("typed-4.txt"), typed_copy(&sealed.sheet(4))).unwrap();
    let mut png = Vec::new();
    DynamicImage::ImageLuma8(
        pdf::rasterise(&std::fs::read(sealed.sheet(5)).unwrap(), 150.0)
            .unwrap()
            .remove(0),
    )
    .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
    .unwrap();
    std::fs::write(sealed.path("scan-5.png"), &png).unwrap();

    let manifest = sealed.manifest().display().to_string();
    let run = sealed.run(&[
        "verify",
        "--manifest",
        &manifest,
        "photo-2.jpg",
        "typed-4.txt",
        "scan-5.png",
    ]);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert!(
        run.stdout.contains("typed-4.txt: share 4 of 5 (Custodian 4)"),
        "{}",
        run.stdout
    );
    let run = sealed.run(&["recover", "--print", "photo-2.jpg", "typed-4.txt", "scan-5.png"]);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert!(run.stdout == format!("{passphrase}\n"));
}

#[test]
fn typed_share_with_one_wrong_character_names_its_line() {
    let sealed = seal(&[]);
    let typed = typed_copy(&sealed.sheet(1));
    let mut lines: Vec<String> = typed.lines().map(str::to_owned).collect();
    // Line 4 of the file is the share's data line 03; change one data character.
    let target = &mut lines[3];
    let position = 6;
    let original = target.as_bytes()[position];
    let replacement = if original == b'7' { '8' } else { '7' };
    target.replace_range(position..=position, &replacement.to_string());
    std::fs::write(sealed.path("typed-1.txt"), lines.join("\n")).unwrap();
    let two = sealed.sheet(2).display().to_string();
    let three = sealed.sheet(3).display().to_string();
    let run = sealed.run(&["verify", "typed-1.txt", &two, &three]);
    assert_eq!(run.code, i32::from(Exit::Damaged), "{}", run.all());
    assert!(
        run.all()
            .contains("line 4 (the line numbered 03 on the sheet): check characters do not match"),
        "{}",
        run.all()
    );
}

/// A custodian should hold one page: a generated passphrase with the longest label allowed fits
/// one sheet of A4 and of US Letter.
#[test]
fn passphrase_sheets_fit_one_page_on_both_papers() {
    let label = "L".repeat(64);
    for paper in ["a4", "letter"] {
        let sealed = seal(&["--paper", paper, "--label", &label]);
        for index in 1..=5 {
            let pages = pdf::rasterise(&std::fs::read(sealed.sheet(index)).unwrap(), 30.0).unwrap();
            assert_eq!(pages.len(), 1, "{paper} sheet {index} has {} pages", pages.len());
        }
    }
}

/// Secret hygiene: the secret appears in no file that `seal` writes (in plain, hex or base64
/// form), nor in anything `seal` or `verify` print; only `recover` reveals it.
#[test]
fn the_secret_is_in_no_output_but_recover() {
    use base64::Engine;
    let secret = "Hygiene-Test-Secret-7xQ2-Zk9W";
    let sealed =
        crate::support::seal_with_stdin(&["--secret-file", "-", "--kind", "passphrase"], Some(secret.as_bytes()));
    let forms = [
        secret.to_owned(),
        secret.to_lowercase(),
        secret.bytes().map(|b| format!("{b:02x}")).collect::<String>(),
        base64::engine::general_purpose::STANDARD.encode(secret),
    ];
    let mut outputs = vec![("seal output".to_owned(), sealed.run.all().into_bytes())];
    for entry in std::fs::read_dir(&sealed.out).unwrap() {
        let path = entry.unwrap().path();
        outputs.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        if path.extension().is_some_and(|e| e == "pdf") {
            for page in pdf::rasterise(&std::fs::read(&path).unwrap(), 40.0).unwrap() {
                outputs.push((format!("{} pixels", path.display()), page.into_raw()));
            }
        }
    }
    let sheets: Vec<String> = (1..=5).map(|i| sealed.sheet(i).display().to_string()).collect();
    let manifest = sealed.manifest().display().to_string();
    let mut args = vec!["verify", "--manifest", &manifest];
    args.extend(sheets.iter().map(String::as_str));
    let verified = sealed.run(&args);
    assert_eq!(verified.code, i32::from(Exit::Ok), "{}", verified.all());
    outputs.push(("verify output".to_owned(), verified.all().into_bytes()));
    let recovered = sealed.run(&["recover", "--print", &sheets[0], &sheets[1], &sheets[2]]);
    outputs.push(("recover stderr".to_owned(), recovered.stderr.clone().into_bytes()));
    for (name, bytes) in &outputs {
        for form in &forms {
            assert!(
                !bytes.windows(form.len()).any(|window| window == form.as_bytes()),
                "{name} contains the secret"
            );
        }
    }
    assert_eq!(recovered.stdout, format!("{secret}\n"), "recover does reveal it");
}
