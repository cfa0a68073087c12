//! What this binary is: version, target, commit and build date (set by `build.rs` from the
//! commit, not the clock, so a rebuild of the same commit is byte-identical), and the SHA-256 of
//! the running executable, which the runbook prints so that a responder years later can check
//! that the binary kept in the safe is the one that sealed.

use std::io::Read;
use std::sync::OnceLock;

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The target triple built for, e.g. `x86_64-unknown-linux-musl`.
pub const TARGET: &str = env!("BREAKGLASS_TARGET");
/// The git commit built from, or "unknown".
pub const COMMIT: &str = env!("BREAKGLASS_COMMIT");
/// The commit's date (`YYYY-MM-DD`, UTC), or "unknown".
pub const BUILD_DATE: &str = env!("BREAKGLASS_BUILD_DATE");

/// The long form of `--version`, after the program name.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ntarget: ",
    env!("BREAKGLASS_TARGET"),
    "\ncommit: ",
    env!("BREAKGLASS_COMMIT"),
    "\nbuild date: ",
    env!("BREAKGLASS_BUILD_DATE"),
    " (the commit's date)"
);

/// Largest executable hashed (the release binaries are about 20 MB).
const MAX_EXECUTABLE_BYTES: u64 = 512 << 20;

/// SHA-256 (lowercase hex) of the running executable, or a sentence saying why it is unknown.
/// Read once per process, in pieces: the runbook and the ceremony record both name it, and the
/// binary is tens of megabytes.
pub fn executable_sha256() -> &'static str {
    static DIGEST: OnceLock<String> = OnceLock::new();
    DIGEST.get_or_init(|| {
        std::env::current_exe()
            .and_then(std::fs::File::open)
            .and_then(|file| crate::crypto::digest::sha256_hex_of(file.take(MAX_EXECUTABLE_BYTES)))
            .unwrap_or_else(|error| format!("unknown ({error})"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_version_names_target_commit_and_date() {
        assert!(LONG_VERSION.starts_with(VERSION));
        assert!(LONG_VERSION.contains(&format!("target: {TARGET}\n")));
        assert!(TARGET.contains('-'), "{TARGET}");
        assert!(LONG_VERSION.contains(&format!("commit: {COMMIT}\n")));
        assert!(
            BUILD_DATE == "unknown"
                || crate::platform::clock::parse_rfc3339(&format!("{BUILD_DATE}T00:00:00Z")).is_some()
        );
    }

    #[test]
    fn hashes_the_running_executable() {
        let expected = crate::crypto::digest::sha256_hex(&std::fs::read(std::env::current_exe().unwrap()).unwrap());
        assert_eq!(executable_sha256(), expected);
        assert_eq!(expected.len(), 64);
    }
}
