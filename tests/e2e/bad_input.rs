//! Bad input: one-line errors, distinct exit codes, no panics, nothing overwritten.

use std::io::Cursor;

use breakglass::exit::Exit;
use breakglass::paper::format::v1;
use image::{GrayImage, ImageFormat};

use crate::support::{pdf_file, pdf_stream, run_in, seal, seal_two, typed_copy};

fn error_line(run: &crate::support::Run) -> String {
    let errors: Vec<&str> = run.stderr.lines().filter(|line| line.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "exactly one error line expected:\n{}", run.stderr);
    errors[0].to_owned()
}

#[test]
fn unreadable_empty_and_foreign_files() {
    let sealed = seal(&[]);
    std::fs::write(sealed.path("empty.png"), b"").unwrap();
    std::fs::write(sealed.path("binary.dat"), [0u8, 1, 2, 3, 0xfe, 0xff]).unwrap();
    std::fs::write(sealed.path("broken.pdf"), b"%PDF-1.4\nthis is not a pdf").unwrap();
    let mut white = Vec::new();
    GrayImage::from_pixel(400, 300, image::Luma([255]))
        .write_to(&mut Cursor::new(&mut white), ImageFormat::Png)
        .unwrap();
    std::fs::write(sealed.path("white.png"), &white).unwrap();
    std::fs::write(sealed.path("notes.txt"), "just some notes\nnothing here\n").unwrap();
    for (file, code, phrase) in [
        ("missing.png", Exit::Unreadable, "cannot read the file"),
        ("empty.png", Exit::Unreadable, "the file is empty"),
        (
            "binary.dat",
            Exit::Unreadable,
            "not a PDF, image (PNG, JPEG, TIFF, WebP, BMP) or text file",
        ),
        ("broken.pdf", Exit::Unreadable, "damaged or not a PDF"),
        ("white.png", Exit::Damaged, "no breakglass QR code or text found"),
        ("notes.txt", Exit::Damaged, "no breakglass QR code or text found"),
    ] {
        let run = sealed.run(&["verify", file]);
        assert_eq!(run.code, i32::from(code), "{file}: {}", run.all());
        let line = error_line(&run);
        assert!(line.contains(file) && line.contains(phrase), "{file}: {line}");
    }
}

#[test]
fn decompression_bomb_is_refused_before_decoding() {
    let sealed = seal(&[]);
    let mut png = Vec::new();
    GrayImage::new(1, 1)
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    png[16..20].copy_from_slice(&60_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&60_000u32.to_be_bytes());
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    std::fs::write(sealed.path("bomb.png"), &png).unwrap();
    let run = sealed.run(&["verify", "bomb.png"]);
    assert_eq!(run.code, i32::from(Exit::Unreadable), "{}", run.all());
    assert!(
        error_line(&run).contains("too large to be a sheet (60000x60000 pixels)"),
        "{}",
        run.stderr
    );
}

/// A feeder batch too big to read is refused with the way out (split it), not only "scan at
/// 300 to 600 dpi", which does not help a stack of a hundred sheets.
#[test]
fn an_oversized_scan_file_is_refused_with_how_to_split_the_batch() {
    let sealed = seal(&[]);
    let path = sealed.path("batch.pdf");
    let mut file = std::fs::File::create(&path).unwrap();
    std::io::Write::write_all(&mut file, b"%PDF-1.7\n").unwrap();
    file.set_len(65 * 1024 * 1024).unwrap();
    drop(file);
    let run = sealed.run(&["verify", "batch.pdf"]);
    assert_eq!(run.code, i32::from(Exit::Unreadable), "{}", run.all());
    let line = error_line(&run);
    assert!(
        line.contains("batch.pdf")
            && line.contains("more than 64 MB; split a scanned batch into files of at most 64 MB"),
        "{line}"
    );
}

#[test]
fn too_few_duplicate_and_mixed_ceremonies() {
    let one = seal(&[]);
    let other = seal(&[]);
    let a1 = one.sheet(1).display().to_string();
    let a2 = one.sheet(2).display().to_string();
    let b3 = other.sheet(3).display().to_string();

    let run = one.run(&["recover", "--print", &a1, &a2]);
    assert_eq!(run.code, i32::from(Exit::TooFewShares), "{}", run.all());
    assert!(error_line(&run).contains("only 2 of the 3 shares needed are present (have: 1, 2)"));
    assert!(run.stdout.is_empty(), "nothing on stdout when recovery fails");

    let run = one.run(&["verify", &a1, &a1, &a2]);
    assert_eq!(run.code, i32::from(Exit::DuplicateShares), "{}", run.all());
    assert!(error_line(&run).contains("share 1 given more than once"));

    let run = one.run(&["verify", &a1, &a2, &b3]);
    assert_eq!(run.code, i32::from(Exit::WrongCeremony), "{}", run.all());
    assert!(error_line(&run).contains("come from 2 different ceremonies"));

    let manifest = one.manifest().display().to_string();
    let run = one.run(&["verify", "--manifest", &manifest, &a1, &b3]);
    assert_eq!(run.code, i32::from(Exit::WrongCeremony), "{}", run.all());
    assert!(error_line(&run).contains("not to the manifest's ceremony"));
}

#[test]
fn truncated_typed_block_and_bad_manifest() {
    let sealed = seal(&[]);
    let typed = typed_copy(&sealed.sheet(1));
    let truncated: Vec<&str> = typed.lines().take(4).collect();
    std::fs::write(sealed.path("short.txt"), truncated.join("\n")).unwrap();
    let run = sealed.run(&["verify", "short.txt"]);
    assert_eq!(run.code, i32::from(Exit::Damaged), "{}", run.all());
    assert!(
        error_line(&run).contains("ends after 3 of its 5 lines"),
        "{}",
        run.stderr
    );

    std::fs::write(sealed.path("manifest.json"), b"{\"format\": \"something else\"}").unwrap();
    let one = sealed.sheet(1).display().to_string();
    let run = sealed.run(&["verify", "--manifest", "manifest.json", &one]);
    assert_eq!(run.code, i32::from(Exit::Manifest), "{}", run.all());
    assert!(error_line(&run).contains("not a breakglass manifest"));
}

/// A share block re-encoded with altered data passes its line checks, so only the Shamir
/// combination can catch it: verify must name it, recover must still work from the others.
#[test]
fn forged_share_is_named_and_tampered_vault_detected() {
    let sealed = seal(&[]);
    let passphrase = sealed.passphrase.clone().unwrap();
    let report = breakglass::ceremony::verify::read_input(&sealed.sheet(4));
    let share = report
        .blocks
        .iter()
        .find(|found| matches!(found.block.header.part, v1::Part::Share { .. }))
        .unwrap();
    let mut forged = share.block.data.to_vec();
    forged[10] ^= 0x5a;
    std::fs::write(
        sealed.path("forged-4.txt"),
        v1::encode_block(&share.block.header, &forged).unwrap().to_text(),
    )
    .unwrap();
    let sheets: Vec<String> = [1, 2, 3]
        .iter()
        .map(|&i| sealed.sheet(i).display().to_string())
        .collect();

    let run = sealed.run(&["verify", &sheets[0], &sheets[1], &sheets[2], "forged-4.txt"]);
    assert_eq!(run.code, i32::from(Exit::SharesDisagree), "{}", run.all());
    assert!(
        error_line(&run).contains("shares 1, 2, 3 agree with each other; share 4 does not belong"),
        "{}",
        run.stderr
    );
    // The secret is still handed out in an emergency, but recover does not claim every input is
    // sound: it exits as verify does.
    let run = sealed.run(&["recover", "--print", &sheets[0], &sheets[1], &sheets[2], "forged-4.txt"]);
    assert_eq!(run.code, i32::from(Exit::SharesDisagree), "{}", run.all());
    assert!(run.stdout == format!("{passphrase}\n"));
    let error = error_line(&run);
    assert!(error.contains("shares 1, 2, 3 agree"), "{error}");
    assert!(error.contains("the secret was still handed out"), "{error}");
    // Reseal agrees: the new ceremony is sealed from the shares that agree, and the exit code
    // says that a forged share was among the inputs (exit 0 would claim every input is sound).
    std::fs::write(
        sealed.path("new.toml"),
        "version = 1\nlabel = \"resealed\"\nthreshold = 2\nout = \"resealed\"\n\n[secret]\nkind = \"passphrase\"\n\n\
         [[custodian]]\nname = \"Ana\"\n\n[[custodian]]\nname = \"Ben\"\n\n[[custodian]]\nname = \"Chen\"\n",
    )
    .unwrap();
    let run = sealed.run(&[
        "reseal",
        "--policy",
        "new.toml",
        &sheets[0],
        &sheets[1],
        &sheets[2],
        "forged-4.txt",
    ]);
    assert_eq!(run.code, i32::from(Exit::SharesDisagree), "{}", run.all());
    let error = error_line(&run);
    assert!(error.contains("shares 1, 2, 3 agree"), "{error}");
    assert!(error.contains("the new ceremony was still sealed"), "{error}");
    assert!(sealed.path("resealed/manifest.json").is_file(), "{}", run.all());
    // Given the old manifest, reseal records in the old ceremony's log the code it exits with,
    // not 0.
    let run = sealed.run(&[
        "reseal",
        "--policy",
        "new.toml",
        "--out",
        "resealed-2",
        "--manifest",
        "out/manifest.json",
        &sheets[0],
        &sheets[1],
        &sheets[2],
        "forged-4.txt",
    ]);
    assert_eq!(run.code, i32::from(Exit::SharesDisagree), "{}", run.all());
    let log = std::fs::read_to_string(sealed.path("out/breakglass-log.jsonl")).unwrap();
    let record: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(record["action"], "reseal", "{record}");
    assert_eq!(record["exit_code"], i32::from(Exit::SharesDisagree), "{record}");
    assert!(
        record["message"]
            .as_str()
            .unwrap_or_default()
            .contains("share 4 (Custodian 4) does not belong to them"),
        "{record}"
    );

    let run = sealed.run(&["verify", &sheets[0], &sheets[1], "forged-4.txt"]);
    assert_eq!(run.code, i32::from(Exit::SharesDisagree), "{}", run.all());
    assert!(error_line(&run).contains("do not combine into the vault key"));

    let vault = report
        .blocks
        .iter()
        .find(|found| matches!(found.block.header.part, v1::Part::Vault { .. }))
        .unwrap();
    let mut tampered = vault.block.data.to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    std::fs::write(
        sealed.path("tampered.txt"),
        v1::encode_block(&vault.block.header, &tampered).unwrap().to_text(),
    )
    .unwrap();
    let share_only = typed_copy(&sealed.sheet(1)).split("\n\n").next().unwrap().to_owned();
    std::fs::write(sealed.path("share-1.txt"), share_only).unwrap();
    // A good vault copy on other sheets still proves the quorum, but the altered copy is named:
    // the documented recovery could take its chunks from that page (issue 14, item 9).
    let run = sealed.run(&["verify", "share-1.txt", "tampered.txt", &sheets[1], &sheets[2]]);
    assert_eq!(run.code, i32::from(Exit::Vault), "{}", run.all());
    assert!(
        error_line(&run).contains("tampered.txt: its VAULT codes are not this ceremony's vault"),
        "{}",
        run.stderr
    );
    let run = sealed.run(&[
        "recover",
        "--print",
        "share-1.txt",
        "tampered.txt",
        &sheets[1],
        &sheets[2],
    ]);
    assert_eq!(run.code, i32::from(Exit::Vault), "{}", run.all());
    assert!(run.stdout == format!("{passphrase}\n"), "{}", run.all());
    let run = sealed.run(&["verify", "share-1.txt", "tampered.txt"]);
    assert_eq!(run.code, i32::from(Exit::Vault), "{}", run.all());
    assert!(
        error_line(&run).contains("vault data does not match the ceremony id"),
        "{}",
        run.stderr
    );
}

#[test]
fn existing_output_is_never_touched() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("envelopes")).unwrap();
    std::fs::write(dir.path().join("envelopes/keep.txt"), b"precious").unwrap();
    let run = run_in(dir.path(), &["seal", "--out", "envelopes"], None);
    assert_eq!(run.code, i32::from(Exit::OutputExists), "{}", run.all());
    assert!(error_line(&run).contains("already exists and is not empty"));
    assert_eq!(
        std::fs::read(dir.path().join("envelopes/keep.txt")).unwrap(),
        b"precious"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no staging directory left behind"
    );
}

#[test]
fn usage_errors_are_exit_2_and_bad_ceremonies_exit_14() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(dir.path(), &["recover", "x.png"], None);
    assert_eq!(run.code, i32::from(Exit::Usage), "{}", run.all());
    let run = run_in(dir.path(), &["seal", "--out", "o", "--threshold", "1"], None);
    assert_eq!(run.code, i32::from(Exit::BadRequest), "{}", run.all());
    assert!(error_line(&run).contains("use --threshold 2 or more"));
    let run = run_in(
        dir.path(),
        &["seal", "--out", "o", "--custodian", "Ana", "--custodian", "Ben"],
        None,
    );
    assert_eq!(run.code, i32::from(Exit::Usage), "{}", run.all());
    let run = seal_two(dir.path(), "陈力", "Ben");
    assert_eq!(run.code, i32::from(Exit::BadRequest), "{}", run.all());
    assert!(error_line(&run).contains("cannot print"), "{}", run.stderr);
    assert!(!dir.path().join("o").exists());
}

/// The air-gap preflight names what is online; `--require-offline` turns the warning into a
/// refusal with its own exit code (which branch runs depends on this machine).
#[test]
fn require_offline_refuses_on_an_online_machine() {
    let dir = tempfile::tempdir().unwrap();
    let state = breakglass::platform::hardening::network_state();
    let run = run_in(dir.path(), &["seal", "--out", "o", "--require-offline"], None);
    if state.offline() {
        assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    } else {
        assert_eq!(run.code, i32::from(Exit::Online), "{}", run.all());
        assert!(error_line(&run).contains(&state.describe()), "{}", run.stderr);
        assert!(!dir.path().join("o").exists());
        let run = run_in(dir.path(), &["seal", "--out", "o"], None);
        assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
        assert!(
            run.stderr.starts_with("warning: this machine is online"),
            "{}",
            run.stderr
        );
    }
}

/// Password-protected, empty and truncated PDFs (fixtures made once with qpdf, see
/// tests/fixtures/README.md). A PDF with only an owner password opens without one, so it reads
/// like the plain file. (Garbage after a `%PDF` header is `unreadable_empty_and_foreign_files`.)
#[test]
fn encrypted_empty_and_truncated_pdfs() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for name in [
        "share-qr-image.pdf",
        "encrypted-user-password.pdf",
        "encrypted-rc4-user-password.pdf",
        "encrypted-owner-password-only.pdf",
    ] {
        std::fs::copy(fixtures.join(name), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("empty.pdf"), b"").unwrap();
    let plain = std::fs::read(fixtures.join("share-qr-image.pdf")).unwrap();
    std::fs::write(dir.path().join("truncated.pdf"), &plain[..plain.len() / 2]).unwrap();
    for (file, code, phrase) in [
        (
            "encrypted-user-password.pdf",
            Exit::Unreadable,
            "the PDF is password-protected; print or export it without a password",
        ),
        (
            "encrypted-rc4-user-password.pdf",
            Exit::Unreadable,
            "the PDF is password-protected",
        ),
        ("empty.pdf", Exit::Unreadable, "the file is empty"),
        // The PDF reader rebuilds what it can of a cut file; the QR code is in the lost half.
        ("truncated.pdf", Exit::Damaged, "no breakglass QR code or text found"),
    ] {
        let run = run_in(dir.path(), &["verify", file], None);
        assert_eq!(run.code, i32::from(code), "{file}: {}", run.all());
        let line = error_line(&run);
        assert!(line.contains(file) && line.contains(phrase), "{file}: {line}");
    }
    let plain = run_in(dir.path(), &["verify", "share-qr-image.pdf"], None);
    let owner_only = run_in(dir.path(), &["verify", "encrypted-owner-password-only.pdf"], None);
    assert_eq!(owner_only.code, plain.code, "{}\n{}", plain.all(), owner_only.all());
    assert!(
        !owner_only.stderr.contains("password-protected"),
        "{}",
        owner_only.stderr
    );
}

/// A reader that goes away (`breakglass verify ... | head -1`) ends the command without a panic.
#[test]
fn closed_standard_output_is_not_a_panic() {
    let sealed = crate::support::seal(&[]);
    let mut child = std::process::Command::new(crate::support::binary())
        .args(["verify", "--no-log"])
        .args((1..=3).map(|index| sealed.sheet(index)))
        .current_dir(sealed.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("binary starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("binary finishes");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        matches!(output.status.code(), Some(0) | Some(10)),
        "{:?} {stderr}",
        output.status
    );
}

/// Standard error that is a closed pipe (`breakglass seal 2>&1 >/dev/null | true`) loses the
/// messages but not the work: no panic (exit 101), the command's own exit code, files written.
#[test]
fn closed_standard_error_is_not_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        std::process::Command::new(crate::support::binary())
            .args(args)
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(writer)
            .status()
            .expect("binary runs")
            .code()
    };
    assert_eq!(run(&["seal", "--out", "o"]), Some(0));
    assert!(dir.path().join("o/manifest.json").exists());
    assert_eq!(run(&["verify", "missing.pdf"]), Some(3));
}

/// A one-page PDF whose page has `media_box`, draws `content` (deflated when `deflate`), and
/// holds `extra` objects from number 5 on.
fn one_page_pdf(media_box: &str, content: &[u8], deflate: bool, resources: &str, extra: Vec<Vec<u8>>) -> Vec<u8> {
    let content = if deflate {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut encoder, content).unwrap();
        pdf_stream("/Filter /FlateDecode", &encoder.finish().unwrap())
    } else {
        pdf_stream("", content)
    };
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [{media_box}] /Contents 4 0 R /Resources << {resources} >> >>")
            .into_bytes(),
        content,
    ];
    objects.extend(extra);
    pdf_file(&objects)
}

/// Form XObjects `levels` deep (numbered from `first`), each drawing the next 8 times, the last
/// drawing `innermost`.
fn fan_out_forms(levels: usize, first: usize, bbox: &str, innermost: &[u8]) -> Vec<Vec<u8>> {
    (0..levels)
        .map(|level| {
            let form = format!("/Type /XObject /Subtype /Form /BBox [{bbox}]");
            if level == levels - 1 {
                pdf_stream(&form, innermost)
            } else {
                let resources = format!("{form} /Resources << /XObject << /X {} 0 R >> >>", first + level + 1);
                pdf_stream(&resources, "/X Do\n".repeat(8).as_bytes())
            }
        })
        .collect()
}

/// Form XObjects 8 levels deep, each drawing the next 8 times, the last drawing `innermost`:
/// 16 million draws.
fn fan_out_pdf(innermost: &[u8]) -> Vec<u8> {
    let forms = fan_out_forms(8, 5, "0 0 612 792", innermost);
    one_page_pdf("0 0 612 792", b"/X Do", false, "/XObject << /X 5 0 R >>", forms)
}

/// A Type 3 font whose one glyph draws a form fan-out (8 x 8 x ... six levels deep), shown 80
/// times: the renderer interprets glyph procedures itself, after the page was counted.
fn type3_fan_out_pdf() -> Vec<u8> {
    let font = b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1000 1000] /FontMatrix [0.001 0 0 0.001 0 0] \
        /CharProcs << /a 6 0 R >> /Encoding << /Type /Encoding /Differences [97 /a] >> /FirstChar 97 /LastChar 97 \
        /Widths [1000] /Resources << /XObject << /X 7 0 R >> >> >>"
        .to_vec();
    let mut extra = vec![font, pdf_stream("", "1000 0 d0\n/X Do\n".as_bytes())];
    extra.extend(fan_out_forms(6, 7, "0 0 1000 1000", b"0 0 1 1 re f"));
    let text = format!("BT /F 100 Tf 10 10 Td ({}) Tj ET", "a".repeat(80));
    one_page_pdf("0 0 612 792", text.as_bytes(), false, "/Font << /F 5 0 R >>", extra)
}

/// A page filled (`fills`) with a coloured tiling pattern of `geometry` (bbox and steps),
/// whose cell draws a small square: the renderer draws the cell once per tile copy.
fn tiling_pdf(fills: &str, geometry: &str) -> Vec<u8> {
    let pattern = pdf_stream(
        &format!("/Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 {geometry} /Resources << >>"),
        b"0 0 1 1 re f",
    );
    let content = format!("/Pattern cs /P scn\n{fills}");
    one_page_pdf(
        "0 0 612 792",
        content.as_bytes(),
        false,
        "/Pattern << /P 5 0 R >>",
        vec![pattern],
    )
}

/// A PNG tiled with QR finder patterns (3 px modules), as in the attack that ran for minutes.
fn finder_tiled_png(side: u32) -> Vec<u8> {
    const FINDER: [&str; 7] = [
        "1111111", "1000001", "1011101", "1011101", "1011101", "1000001", "1111111",
    ];
    let tile = GrayImage::from_fn(side, side, |x, y| {
        let (module_x, module_y) = ((x / 3) % 8, (y / 3) % 8);
        let dark = module_x < 7 && module_y < 7 && FINDER[module_y as usize].as_bytes()[module_x as usize] == b'1';
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut png = Vec::new();
    tile.write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
    png
}

#[test]
fn hostile_pages_are_refused_within_their_budgets_not_panicked_on() {
    let sealed = seal(&[]);
    let cases: Vec<(&str, Vec<u8>, i32, &str)> = vec![
        (
            "sliver.pdf",
            one_page_pdf("0 0 14400 0.01", b"0 0 1 1 re f", false, "", Vec::new()),
            3,
            "smaller than an inch",
        ),
        (
            "nan.pdf",
            one_page_pdf("0 0 1e40 -1e40", b"0 0 1 1 re f", false, "", Vec::new()),
            3,
            "PDF",
        ),
        ("fan-out.pdf", fan_out_pdf(b"0 0 1 1 re f"), 3, "drawing work"),
        // The fuzz run's input: the innermost form draws nothing, so only the forms' own clip
        // layers (2 million of them) are work; they rendered for 48 s past the page budget.
        ("fan-out-of-clips.pdf", fan_out_pdf(b""), 3, "drawing work"),
        ("type3-fan-out.pdf", type3_fan_out_pdf(), 3, "drawing work"),
        (
            "tiling-tiny-step.pdf",
            tiling_pdf("0 0 612 792 re f", "/BBox [0 0 600 600] /XStep 0.01 /YStep 0.01"),
            3,
            "drawing work",
        ),
        (
            "patterned-fills.pdf",
            tiling_pdf(
                &"0 0 612 792 re f\n".repeat(100),
                "/BBox [0 0 10 10] /XStep 10 /YStep 10",
            ),
            3,
            "drawing work",
        ),
        (
            "inflates.pdf",
            one_page_pdf("0 0 612 792", &vec![b' '; 80 * 1024 * 1024], true, "", Vec::new()),
            3,
            "inflates past 64 MB",
        ),
        (
            "rectangles.pdf",
            one_page_pdf(
                "0 0 612 792",
                "0 0 0.01 0.01 re f\n".repeat(2_000_000).as_bytes(),
                true,
                "",
                Vec::new(),
            ),
            3,
            "drawing work",
        ),
        ("finders.png", finder_tiled_png(1200), 27, "gave up on a page after"),
        (
            "photo.heic",
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec(),
            3,
            "convert it to JPEG",
        ),
    ];
    for (file, bytes, code, phrase) in cases {
        std::fs::write(sealed.path(file), bytes).unwrap();
        let run = sealed.run(&["verify", file]);
        assert_eq!(run.code, code, "{file}: {}", run.all());
        let line = error_line(&run);
        assert!(line.contains(phrase) && line.contains(file), "{file}: {line}");
    }
}
