//! Guards the vault payload parser (`Payload::parse`), which reads bytes that came out of a
//! decrypted vault: it must never panic, and a parsed payload must survive `to_bytes` and
//! `parse` with the same kind, secret and metadata. `to_bytes` deliberately replaces control
//! characters in header values with spaces and cuts them to 512 characters, so metadata is
//! compared after that same cleaning; a second round trip must then be exact in every field.
//!
//! Shared by the cargo-fuzz target `fuzz_targets/payload.rs` and the replay of `seeds/` and
//! `regressions/` in the test suite (`tests/e2e/fuzz_replay.rs`).

use breakglass::crypto::payload::{Payload, valid_metadata_key};

/// Mirrors `payload::clean_value` (private): what `to_bytes` writes for a header value.
fn cleaned(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(512)
        .collect()
}

/// The property, run on one input: panics if it does not hold.
pub fn check(data: &[u8]) {
    let Ok(payload) = Payload::parse(data) else { return };
    let bytes = payload.to_bytes();
    let again =
        Payload::parse(bytes.expose()).unwrap_or_else(|error| panic!("to_bytes output does not parse: {error:?}"));
    assert_eq!(again.kind, payload.kind, "kind changed in the round trip");
    assert!(
        again.secret.same_as(&payload.secret),
        "secret changed in the round trip"
    );
    let expected: Vec<(String, String)> = payload
        .metadata
        .iter()
        .filter(|(key, _)| valid_metadata_key(key))
        .map(|(key, value)| (key.clone(), cleaned(value)))
        .collect();
    assert_eq!(again.metadata, expected, "metadata changed in the round trip");
    let third = Payload::parse(again.to_bytes().expose()).expect("a re-serialised payload parses");
    assert!(third.same_as(&again), "a second round trip is not exact");
}
