//! Hostile input, round two (issue 14): files crafted to panic, hang, exhaust memory or fool a
//! reader. Each test is one class of attack, checked through the real binary.

use std::path::Path;

use crate::support::run_in;

const VECTOR_MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/v1/ceremony-1/manifest.json");

/// The frozen vector manifest with `field` set to `value`, written as `dir/manifest.json`.
fn manifest_with(dir: &Path, field: &str, value: serde_json::Value) {
    let mut manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(VECTOR_MANIFEST).unwrap()).unwrap();
    manifest[field] = value;
    std::fs::write(dir.join("manifest.json"), serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
}

#[test]
fn manifest_dates_in_any_form_are_refused_not_sliced() {
    let dir = tempfile::tempdir().unwrap();
    for created in ["x", "", "2026-11-25\u{e9}12:30:4Z", "2026-11-25\u{e9}"] {
        manifest_with(dir.path(), "created", created.into());
        let run = run_in(dir.path(), &["status", "--manifest", "manifest.json"], None);
        run.exits_with(13, "created is not a YYYY-MM-DDTHH:MM:SSZ time");
        let run = run_in(dir.path(), &["status", "."], None);
        assert_ne!(run.code, 101, "{created:?}: {}", run.all());
    }
    manifest_with(dir.path(), "secret_expires", "2026-1\u{e9}-01".into());
    let run = run_in(dir.path(), &["status", "--manifest", "manifest.json"], None);
    run.exits_with(13, "secret_expires is not a YYYY-MM-DD date");
}
