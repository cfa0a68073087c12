//! Guards the reading of custodian-protected shares (PSHARE blocks): `protect::lock_of` reads the
//! age header of bytes that came off a sheet anyone could have printed, to say what opens it, and
//! `protect::unlock_with_identities` tries an identity on it. Neither may panic, and the stanza
//! type `lock_of` reports (which error messages quote) must be printable ASCII, so a hostile
//! sheet cannot put control characters on the terminal. Passphrase unlocking is not exercised:
//! each attempt runs scrypt at up to 2^20 work, too slow to fuzz.
//!
//! Shared by the cargo-fuzz target `fuzz_targets/protected_share.rs` and the replay of `seeds/` and
//! `regressions/` in the test suite (`tests/e2e/fuzz_replay.rs`).

use std::sync::OnceLock;

use breakglass::crypto::protect::{self, Identities, Lock};

/// A throwaway X25519 identity made for fuzzing (its recipient,
/// age1dc4t9zzrt4hwpu7sqr4prypwaxgtrnc37qcrw5aeygtkenmukqeqkn67p9, is what the `x25519-*` seeds
/// are encrypted to, so mutations reach decryption), written once to a file because
/// `Identities` reads identity files.
fn identities() -> &'static Identities {
    static IDENTITIES: OnceLock<Identities> = OnceLock::new();
    IDENTITIES.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("breakglass-fuzz-identity-{}", std::process::id()));
        std::fs::write(
            &path,
            "AGE-SECRET-KEY-19UAP06M9TET6JR62DH46JU39DELDF3E8QNDFUGSC656HW26NME5S3CRVPK\n",
        )
        .expect("write the identity file");
        let identities = Identities::read(std::slice::from_ref(&path)).expect("the identity parses");
        let _ = std::fs::remove_file(&path);
        identities
    })
}

/// The property, run on one input: panics if it does not hold.
pub fn check(data: &[u8]) {
    match protect::lock_of(data) {
        Ok(Lock::Identity(tag)) => {
            assert!(
                !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_graphic()),
                "unprintable stanza type {tag:?}"
            );
            let _ = protect::unlock_with_identities(data, identities(), 1).map(|share| share.len());
        }
        Ok(Lock::Passphrase) | Err(_) => {}
    }
}
