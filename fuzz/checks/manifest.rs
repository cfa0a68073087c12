//! Guards the manifest parser (`Manifest::parse`), which reads a `manifest.json` that may have
//! been edited or swapped: it must never panic, an accepted manifest must be usable the way
//! `verify` uses it (ceremony id printed, custodians looked up), and `to_json` must parse back
//! to an equal manifest.
//!
//! Shared by the cargo-fuzz target `fuzz_targets/manifest.rs` and the replay of `seeds/` and
//! `regressions/` in the test suite (`tests/e2e/fuzz_replay.rs`).

use breakglass::evidence::manifest::{MAX_BYTES, Manifest};

/// The property, run on one input: panics if it does not hold.
pub fn check(data: &[u8]) {
    let Ok(manifest) = Manifest::parse(data) else { return };
    let _ = manifest.ceremony().to_string();
    for index in 0..=manifest.shares {
        let _ = manifest.custodian_name(index);
    }
    let json = manifest.to_json();
    if json.len() <= MAX_BYTES {
        let again =
            Manifest::parse(json.as_bytes()).unwrap_or_else(|error| panic!("to_json output does not parse: {error}"));
        assert_eq!(again, manifest, "round trip through to_json changed the manifest");
    }
}
