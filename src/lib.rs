//! `breakglass`: seal an emergency-access secret onto paper, and get it back.
//!
//! The library does all the work; the `breakglass` binary only parses arguments and prints.
//! Data flows one way: generate -> seal (vault + share + format) -> render; and
//! scan -> format -> verify -> recover. See `docs/FORMAT.md` for the paper format.

#![forbid(unsafe_code)]

pub mod assess;
pub mod audit;
pub mod clock;
pub mod drill;
pub mod format;
pub mod generate;
pub mod hardening;
pub mod import;
pub mod manifest;
pub mod output;
pub mod parallel;
pub mod payload;
pub mod policy;
pub mod protect;
pub mod render;
pub mod runbook;
pub mod scan;
pub mod seal;
pub mod secret;
pub mod selfcheck;
pub mod share;
pub mod status;
pub mod totp;
pub mod vault;
pub mod verify;
