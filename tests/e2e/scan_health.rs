//! Scan health: a fading scan still verifies, but `verify` names the sheet and says to reprint
//! it; `--json` carries the same verdict; typed text has no scan health; progress indicators
//! and colour never reach a pipe.

use breakglass::exit::Exit;
use breakglass::paper::scan::{health, pdf};
use serde_json::Value;

use crate::support::{run_with_env, seal, seal_ana_and_ben};

/// Sheet 1 rendered at 300 dpi, as a clean scan and as one whose ink kept 20% of its contrast
/// (with scanner noise), which `cargo bench --bench health` shows still reads but is flagged.
fn scans(sealed: &crate::support::Sealed) -> (String, String) {
    let bytes = std::fs::read(sealed.sheet(1)).unwrap();
    let page = pdf::rasterise(&bytes, 300.0).unwrap().swap_remove(0);
    page.save(sealed.path("clean.png")).unwrap();
    health::add_scanner_noise(&health::fade(&page, 0.2))
        .save(sealed.path("faded.png"))
        .unwrap();
    ("clean.png".into(), "faded.png".into())
}

#[test]
fn a_fading_sheet_verifies_with_a_warning_naming_it_and_json_carries_the_same() {
    let sealed = seal_ana_and_ben();
    let (clean, faded) = scans(&sealed);
    let manifest = sealed.manifest();
    let manifest = manifest.to_str().unwrap();
    let sheet2 = sealed.sheet(2);
    let sheet2 = sheet2.to_str().unwrap();

    let good = sealed.run(&["verify", "--manifest", manifest, &clean, sheet2]);
    assert_eq!(good.code, i32::from(Exit::Ok), "{}", good.all());
    assert!(!good.stdout.contains("reprint"), "{}", good.stdout);

    let weak = sealed.run(&["verify", "--manifest", manifest, &faded, sheet2]);
    assert_eq!(
        weak.code,
        i32::from(Exit::Ok),
        "a fading sheet is a warning, not a failure: {}",
        weak.all()
    );
    assert!(
        weak.stdout
            .contains("sheet 1 (Ana Ruiz): decodes but is fading: reprint it"),
        "{}",
        weak.stdout
    );
    assert!(weak.stdout.contains("VERIFIED"), "{}", weak.stdout);

    let json = sealed.run(&["verify", "--json", "--manifest", manifest, &faded, &clean, sheet2]);
    assert_eq!(json.code, i32::from(Exit::Ok), "{}", json.all());
    let report: Value = serde_json::from_str(&json.stdout).expect("stdout is one JSON document");
    assert_eq!(report["schema"], "breakglass.verify/1");
    assert_eq!(report["verified"], true);
    let inputs = report["inputs"].as_array().unwrap();
    assert_eq!(inputs[0]["health"]["level"], "low");
    assert_eq!(inputs[0]["health"]["advice"], "decodes but is fading: reprint it");
    assert_eq!(inputs[1]["health"]["level"], "good");
    assert_eq!(inputs[2]["kind"], "pdf");
    assert_eq!(inputs[2]["health"]["level"], "good");
    assert_eq!(
        report["warnings"],
        serde_json::json!(["sheet 1 (Ana Ruiz): decodes but is fading: reprint it"])
    );
    assert_eq!(report["quorum"]["agreeing"][1]["custodian"], "Ben Okafor");
    let secret = sealed.passphrase.as_deref().expect("a generated passphrase");
    assert!(!json.stdout.contains(secret), "the JSON report holds the secret");
}

#[test]
fn typed_text_has_no_scan_health_and_pipes_get_no_progress_or_colour() {
    let sealed = seal(&[]);
    let typed: Vec<String> = (1..=3)
        .map(|index| {
            let name = format!("typed-{index}.txt");
            std::fs::write(sealed.path(&name), crate::support::typed_copy(&sealed.sheet(index))).unwrap();
            name
        })
        .collect();
    let mut args = vec!["verify", "--json"];
    args.extend(typed.iter().map(String::as_str));
    let run = run_with_env(sealed.dir.path(), &args, None, &[("TERM", "xterm-256color")]);
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        report["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|input| input["health"].is_null())
    );
    assert!(!run.stderr.contains("Reading sheets"), "{}", run.stderr);
    assert!(!run.all().contains('\x1b'), "escape codes in a pipe: {:?}", run.all());

    let missing = run_with_env(
        sealed.dir.path(),
        &["verify", "missing.png"],
        None,
        &[("TERM", "xterm-256color")],
    );
    assert_eq!(missing.code, i32::from(Exit::Unreadable));
    assert!(missing.stderr.starts_with("error: missing.png"), "{:?}", missing.stderr);
}
