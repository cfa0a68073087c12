//! `breakglass`: seal an emergency-access secret onto paper, and get it back.
//!
//! The library does all the work; the `breakglass` binary only parses arguments and prints.
//! Data flows one way: generate -> seal (vault + share + format) -> render; and
//! scan -> format -> verify -> recover. See `docs/FORMAT.md` for the paper format.

#![forbid(unsafe_code)]

pub mod ceremony;
pub mod crypto;
pub mod evidence;
pub mod exit;
pub mod kinds;
pub mod paper;
pub mod platform;
