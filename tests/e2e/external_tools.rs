//! The real world's tools: poppler rasterises, zbar scans, ImageMagick makes phone photos,
//! Go age decrypts. Skipped when a tool is missing unless BREAKGLASS_REQUIRE_TOOLS=1.

use std::collections::BTreeSet;

use breakglass::ceremony::verify;
use breakglass::crypto::share::{self, Share};
use breakglass::crypto::vault;
use breakglass::exit::Exit;
use breakglass::paper::format::v1;

use crate::support::{external, seal, tool};

#[test]
fn pdftoppm_scans_at_150_and_300_dpi_recover() {
    let Some(pdftoppm) = tool("pdftoppm") else { return };
    let sealed = seal(&[]);
    let passphrase = sealed.passphrase.clone().unwrap();
    for (dpi, sheets) in [("150", [1, 3, 5]), ("300", [2, 4, 5])] {
        let mut files = Vec::new();
        for index in sheets {
            let prefix = format!("scan-{dpi}-{index}");
            external(
                &pdftoppm,
                &[
                    "-r",
                    dpi,
                    "-gray",
                    "-png",
                    "-singlefile",
                    &sealed.sheet(index).display().to_string(),
                    &prefix,
                ],
                sealed.dir.path(),
            );
            files.push(format!("{prefix}.png"));
        }
        let manifest = sealed.manifest().display().to_string();
        let mut args = vec!["verify", "--manifest", &manifest];
        args.extend(files.iter().map(String::as_str));
        let run = sealed.run(&args);
        assert_eq!(run.code, i32::from(Exit::Ok), "{dpi} dpi: {}", run.all());
        let mut args = vec!["recover", "--print"];
        args.extend(files.iter().map(String::as_str));
        let run = sealed.run(&args);
        assert!(run.stdout == format!("{passphrase}\n"), "{dpi} dpi: {}", run.all());
    }
}

#[test]
fn zbarimg_reads_every_sheet_exactly_as_breakglass_does() {
    let (Some(pdftoppm), Some(zbarimg)) = (tool("pdftoppm"), tool("zbarimg")) else {
        return;
    };
    let sealed = seal(&[
        "--threshold",
        "2",
        "--custodian",
        "Ana",
        "--custodian",
        "Ben",
        "--custodian",
        "Chen",
    ]);
    for index in 1..=3 {
        let sheet = sealed.sheet(index);
        let prefix = format!("zbar-{index}");
        external(
            &pdftoppm,
            &[
                "-r",
                "200",
                "-png",
                "-singlefile",
                &sheet.display().to_string(),
                &prefix,
            ],
            sealed.dir.path(),
        );
        let output = external(
            &zbarimg,
            &[
                "--quiet",
                "--raw",
                "-Sdisable",
                "-Sqrcode.enable",
                &format!("{prefix}.png"),
            ],
            sealed.dir.path(),
        );
        let zbar: BTreeSet<String> = output
            .lines()
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect();
        let ours: BTreeSet<String> = verify::read_input(&sheet)
            .blocks
            .iter()
            .map(|found| {
                v1::encode_block(&found.block.header, &found.block.data)
                    .unwrap()
                    .qr_payload()
                    .to_string()
            })
            .collect();
        assert_eq!(zbar, ours, "sheet {index}");
        assert_eq!(ours.len(), 2);
    }
}

#[test]
fn imagemagick_phone_photos_verify() {
    let (Some(pdftoppm), Some(convert)) = (tool("pdftoppm"), tool("convert")) else {
        return;
    };
    let sealed = seal(&[]);
    let passphrase = sealed.passphrase.clone().unwrap();
    let mut photos = Vec::new();
    for (index, effects) in [
        (1, vec!["-rotate", "7", "-blur", "0x1.5", "-quality", "40"]),
        (
            3,
            vec![
                "-distort",
                "Perspective",
                "0,0 60,40  2480,0 2400,0  0,3508 0,3508  2480,3508 2480,3400",
                "-quality",
                "60",
            ],
        ),
        (
            4,
            vec![
                "-resize",
                "50%",
                "-attenuate",
                "0.3",
                "+noise",
                "Gaussian",
                "-quality",
                "70",
            ],
        ),
    ] {
        let prefix = format!("page-{index}");
        external(
            &pdftoppm,
            &[
                "-r",
                "300",
                "-gray",
                "-png",
                "-singlefile",
                &sealed.sheet(index).display().to_string(),
                &prefix,
            ],
            sealed.dir.path(),
        );
        let photo = format!("photo-{index}.jpg");
        let mut args = vec![format!("{prefix}.png")];
        args.extend(effects.iter().map(|s| s.to_string()));
        args.push(photo.clone());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        external(&convert, &args, sealed.dir.path());
        photos.push(photo);
    }
    let manifest = sealed.manifest().display().to_string();
    let mut args = vec!["verify", "--manifest", &manifest];
    args.extend(photos.iter().map(String::as_str));
    let run = sealed.run(&args);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let mut args = vec!["recover", "--print"];
    args.extend(photos.iter().map(String::as_str));
    assert!(sealed.run(&args).stdout == format!("{passphrase}\n"));
}

#[test]
fn text_copied_from_the_pdf_is_accepted_as_typed_input() {
    let Some(pdftotext) = tool("pdftotext") else { return };
    let sealed = seal(&[]);
    for index in [1, 2, 3] {
        external(
            &pdftotext,
            &[
                "-layout",
                // The typed copy's column (a person selects it; the contacts and instructions
                // are set beside it): x from 0 to 380 pt of the page.
                "-x",
                "0",
                "-y",
                "0",
                "-W",
                "380",
                "-H",
                "842",
                &sealed.sheet(index).display().to_string(),
                &format!("typed-{index}.txt"),
            ],
            sealed.dir.path(),
        );
    }
    let run = sealed.run(&["recover", "--print", "typed-1.txt", "typed-2.txt", "typed-3.txt"]);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert!(
        run.stdout
            .ends_with(&format!("{}\n", sealed.passphrase.clone().unwrap()))
    );
}

/// A copy of a whole sheet's text (`pdftotext -layout`, side column and all) is typed input too:
/// the instructions and contacts beside the typed copy are skipped as notes.
#[test]
fn text_copied_from_a_whole_page_is_accepted_as_typed_input() {
    let Some(pdftotext) = tool("pdftotext") else { return };
    let sealed = seal(&[]);
    for index in [2, 4, 5] {
        let sheet = sealed.sheet(index).display().to_string();
        external(
            &pdftotext,
            &["-layout", &sheet, &format!("page-{index}.txt")],
            sealed.dir.path(),
        );
    }
    let page = std::fs::read_to_string(sealed.path("page-2.txt")).expect("page text");
    assert!(
        page.lines()
            .any(|line| line.starts_with("01 ") && line.contains("computer")),
        "the side column is beside the typed lines:\n{page}"
    );
    let run = sealed.run(&["recover", "--print", "page-2.txt", "page-4.txt", "page-5.txt"]);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    assert!(
        run.stdout
            .ends_with(&format!("{}\n", sealed.passphrase.clone().unwrap()))
    );
}

/// The vault is a standard age file: rebuild the key from the shares on the sheets and let the
/// Go age CLI decrypt it.
#[test]
fn go_age_decrypts_the_vault_with_the_rebuilt_identity() {
    let Some(age) = tool("age") else { return };
    let sealed = seal(&[]);
    let reports: Vec<_> = [1, 2, 3]
        .iter()
        .map(|&i| verify::read_input(&sealed.sheet(i)))
        .collect();
    let mut shares = Vec::new();
    let mut chunks = Vec::new();
    for report in &reports {
        for found in &report.blocks {
            match found.block.header.part {
                v1::Part::Share { .. } => shares.push(Share::from_bytes(&found.block.data).unwrap()),
                v1::Part::Vault { chunk, .. } if report.path == reports[0].path => {
                    chunks.push((chunk, found.block.data.to_vec()))
                }
                _ => {}
            }
        }
    }
    chunks.sort();
    let ciphertext: Vec<u8> = chunks.into_iter().flat_map(|(_, data)| data).collect();
    let key = share::combine(&shares, 3).unwrap().key;
    std::fs::write(
        sealed.path("identity.txt"),
        format!("{}\n", vault::identity_string(&key).expose()),
    )
    .unwrap();
    std::fs::write(sealed.path("vault.age"), &ciphertext).unwrap();
    let plaintext = external(&age, &["-d", "-i", "identity.txt", "vault.age"], sealed.dir.path());
    let sheets: Vec<String> = [4, 5, 2]
        .iter()
        .map(|&i| sealed.sheet(i).display().to_string())
        .collect();
    let exported = sealed.run(&["recover", "--export-age-identity", &sheets[0], &sheets[1], &sheets[2]]);
    assert_eq!(exported.code, i32::from(Exit::Ok), "{}", exported.all());
    assert_eq!(
        exported.stdout,
        std::fs::read_to_string(sealed.path("identity.txt")).unwrap()
    );
    assert!(
        plaintext.starts_with("breakglass-payload: 1\nkind: passphrase\n"),
        "{plaintext}"
    );
    assert!(plaintext.ends_with(&sealed.passphrase.clone().unwrap()));
}

/// docs/reference/bg1.py, written from docs/FORMAT.md alone, must read what breakglass prints
/// exactly as breakglass does: the specification and the code cannot drift apart.
#[test]
fn independent_python_reader_agrees_with_breakglass() {
    let Some(python) = tool("python3") else { return };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("docs/reference/bg1.py").display().to_string();
    let sealed = seal(&[]);
    std::fs::write(sealed.path("typed-2.txt"), crate::support::typed_copy(&sealed.sheet(2))).unwrap();
    let mut inputs = vec![sealed.path("typed-2.txt")];
    for index in 1..=5 {
        inputs.push(root.join(format!("tests/vectors/v1/ceremony-1/typed-{index}.txt")));
    }
    for input in inputs {
        let output = external(&python, &[&script, &input.display().to_string()], sealed.dir.path());
        let theirs: BTreeSet<String> = output.lines().map(str::to_owned).collect();
        let text = std::fs::read_to_string(&input).unwrap();
        let ours: BTreeSet<String> = v1::decode_text(&text)
            .unwrap()
            .into_iter()
            .map(|block| {
                let block = block.unwrap();
                let hex: String = block.data.iter().map(|byte| format!("{byte:02x}")).collect();
                let part = match block.header.part {
                    v1::Part::Share { index } => format!("SHARE {index}"),
                    v1::Part::ProtectedShare { index } => format!("PSHARE {index}"),
                    v1::Part::Vault { chunk, of } => format!("VAULT {chunk}/{of}"),
                };
                format!("{} {part} {hex}", block.header.ceremony.as_str())
            })
            .collect();
        assert_eq!(theirs, ours, "{}", input.display());
    }
}
