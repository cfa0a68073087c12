//! Guards the TOTP seed parser (`totp::parse`: otpauth:// URIs and bare base32 keys pasted by
//! the user): it must never panic, and an accepted seed must survive `to_uri` and `parse` (and
//! the payload's `to_metadata`/`from_metadata`) with the same parameters and secret, and yield
//! a code of the right length.
//!
//! Shared by the cargo-fuzz target `fuzz_targets/totp_seed.rs` and the replay of `seeds/` and
//! `regressions/` in the test suite (`tests/e2e/fuzz_replay.rs`).

use breakglass::kinds::totp::seed as totp;

/// The property, run on one input: panics if it does not hold.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(seed) = totp::parse(&text) else { return };
    let uri = totp::to_uri(&seed);
    let again = totp::parse(uri.expose()).unwrap_or_else(|error| panic!("to_uri output does not parse: {error:?}"));
    assert!(again.secret.same_as(&seed.secret), "secret changed through to_uri");
    assert_eq!(again.digits, seed.digits, "digits changed through to_uri");
    assert_eq!(again.period, seed.period, "period changed through to_uri");
    assert_eq!(again.algorithm, seed.algorithm, "algorithm changed through to_uri");
    assert_eq!(again.issuer, seed.issuer, "issuer changed through to_uri");
    assert_eq!(again.account, seed.account, "account changed through to_uri");

    let sealed = totp::from_metadata(seed.secret.duplicate(), &totp::to_metadata(&seed))
        .unwrap_or_else(|error| panic!("to_metadata output does not parse: {error:?}"));
    assert!(
        sealed.same_as(&seed),
        "round trip through the payload metadata changed the seed"
    );

    let bare = totp::parse(totp::base32_secret(&seed).expose()).expect("the base32 secret parses");
    assert!(
        bare.secret.same_as(&seed.secret),
        "secret changed through base32_secret"
    );

    let code = totp::code(&seed, 1_700_000_000);
    assert_eq!(code.len(), seed.digits as usize);
    let left = totp::seconds_left(&seed, 1_700_000_000);
    assert!((1..=seed.period).contains(&left));
}
