//! `breakglass`: seal an emergency-access secret onto paper, and get it back.
//!
//! The library does all the work; the `breakglass` binary only parses arguments and prints.
//! Data flows one way: generate -> seal (vault + share + format) -> render; and
//! scan -> format -> verify -> recover. See `docs/FORMAT.md` for the paper format.

// Unsafe code only where Windows has no safe wrapper: the Win32 calls of `platform::acl`,
// `platform::console` and `platform::hardening::windows` (each with a SAFETY note; Linux goes
// through `nix`).
#![deny(unsafe_code)]

pub mod ceremony;
pub mod crypto;
pub mod evidence;
pub mod exit;
pub mod kinds;
pub mod paper;
pub mod platform;
pub mod wording;
