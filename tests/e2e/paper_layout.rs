//! What the printed pages hold as a person reads them: text the fonts cannot draw is refused at
//! seal with the field named (never dropped or printed as empty boxes), and the documents keep
//! a label with its value and a heading with what follows it across page breaks.

use std::path::Path;
use std::process::Command;

use breakglass::exit::Exit;

use crate::support::{run_in, seal_two};

/// The text of each page of `pdf`, as `pdftotext` reads it (None without poppler).
fn pages(pdf: &Path) -> Option<Vec<String>> {
    let output = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .ok()?;
    assert!(output.status.success(), "pdftotext {}", pdf.display());
    Some(
        String::from_utf8_lossy(&output.stdout)
            .split('\u{c}')
            .map(str::to_owned)
            .filter(|page| !page.trim().is_empty())
            .collect(),
    )
}

#[test]
fn a_name_the_fonts_cannot_draw_is_refused_at_seal_naming_the_custodian() {
    for (name, character) in [("陈力", '陈'), ("محمد علي", 'م'), ("Ana 🎉", '🎉')] {
        let dir = tempfile::tempdir().unwrap();
        let run = seal_two(dir.path(), "Ben Okafor", name);
        assert_eq!(run.code, i32::from(Exit::BadRequest), "{}", run.all());
        let error = run.stderr.lines().find(|line| line.starts_with("error:")).unwrap_or("");
        assert!(
            error.contains(&format!("custodian 2's name {name:?} contains {character:?}")),
            "{error}"
        );
        assert!(error.contains("Latin, Greek and Cyrillic"), "{error}");
        assert!(!error.contains("page header"), "{error}");
        assert!(!dir.path().join("o").exists());
    }
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(
        dir.path(),
        &["seal", "--out", "o", "--label", "東京 bg-01", "--seal-serial", "1=TE-1"],
        None,
    );
    assert_eq!(run.code, i32::from(Exit::BadRequest), "{}", run.all());
    assert!(run.stderr.contains("the label contains '東'"), "{}", run.stderr);
}

#[test]
fn names_in_latin_greek_cyrillic_and_with_combining_accents_are_drawn_as_given() {
    let dir = tempfile::tempdir().unwrap();
    // "q" with a combining acute has no precomposed form: it stays two characters after NFC.
    let (greek, cyrillic) = ("Ωμέγα Παπαδοπούλου", "Анна Кузнецова-Преображенская");
    let combining = "Jos\u{e9} Nu\u{f1}ez q\u{301}";
    let run = run_in(
        dir.path(),
        &[
            "seal",
            "--out",
            "o",
            "-k",
            "2",
            "--custodian",
            greek,
            "--custodian",
            cyrillic,
            "--custodian",
            combining,
        ],
        None,
    );
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let sheets: Vec<_> = std::fs::read_dir(dir.path().join("o"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().unwrap().to_string_lossy().starts_with("sheet-"))
        .collect();
    assert_eq!(sheets.len(), 3);
    let mut text = String::new();
    for sheet in &sheets {
        let Some(pages) = pages(sheet) else { return };
        text.push_str(&pages.concat());
    }
    // A long name may wrap in the facts column: compare the words.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for name in [greek, cyrillic, "José Nuñez", "q\u{301}"] {
        assert!(flat.contains(name), "{name} not drawn:\n{text}");
    }
}
