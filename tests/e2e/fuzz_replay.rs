//! The fuzz targets' properties (`fuzz/checks/`, shared with the cargo-fuzz targets) run on
//! every committed seed and every past crasher (`fuzz/seeds/<target>/`,
//! `fuzz/regressions/<target>/`). Fuzzing itself needs an instrumented build (about 10
//! minutes here, `fuzz/run-smoke.sh`); this replay needs none, so every `cargo test` proves
//! that no fixed crash has come back and that the properties still hold on the known inputs.

use std::path::Path;

#[path = "../../fuzz/checks/assess_input.rs"]
mod assess_input;
#[path = "../../fuzz/checks/expiry_date.rs"]
mod expiry_date;
#[path = "../../fuzz/checks/log.rs"]
mod log;
#[path = "../../fuzz/checks/manifest.rs"]
mod manifest;
#[path = "../../fuzz/checks/manifest_status.rs"]
mod manifest_status;
#[path = "../../fuzz/checks/paper_text.rs"]
mod paper_text;
#[path = "../../fuzz/checks/payload.rs"]
mod payload;
#[path = "../../fuzz/checks/policy.rs"]
mod policy;
#[path = "../../fuzz/checks/protected_share.rs"]
mod protected_share;
#[path = "../../fuzz/checks/scan_input.rs"]
mod scan_input;
#[path = "../../fuzz/checks/totp_seed.rs"]
mod totp_seed;
#[path = "../../fuzz/checks/typed_line.rs"]
mod typed_line;

/// A fuzz target's property: panics on an input where it does not hold.
type Check = fn(&[u8]);

const TARGETS: [(&str, Check); 12] = [
    ("assess_input", assess_input::check),
    ("expiry_date", expiry_date::check),
    ("log", log::check),
    ("manifest", manifest::check),
    ("manifest_status", manifest_status::check),
    ("paper_text", paper_text::check),
    ("payload", payload::check),
    ("policy", policy::check),
    ("protected_share", protected_share::check),
    ("scan_input", scan_input::check),
    ("totp_seed", totp_seed::check),
    ("typed_line", typed_line::check),
];

#[test]
fn every_seed_and_past_crasher_keeps_its_fuzz_property() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut failures = Vec::new();
    for (target, check) in TARGETS {
        let mut inputs = 0;
        for folder in ["seeds", "regressions"] {
            let Ok(entries) = std::fs::read_dir(fuzz.join(folder).join(target)) else {
                continue;
            };
            for entry in entries {
                let path = entry.expect("a directory entry").path();
                let data = std::fs::read(&path).expect("a committed input reads");
                inputs += 1;
                if std::panic::catch_unwind(|| check(&data)).is_err() {
                    failures.push(path.display().to_string());
                }
            }
        }
        assert!(inputs > 0, "no seeds for fuzz target {target}");
    }
    assert!(failures.is_empty(), "fuzz properties fail on: {failures:?}");
}
