//! The machine underneath: the clock, reading outside files within limits, writing files
//! safely, process hardening, the console, what this build is, and spreading work over the
//! cores. Every OS-specific call here has a Linux and a Windows meaning (README, "Platforms").

#[cfg(windows)]
pub mod acl;
pub mod build_info;
pub mod clock;
pub mod console;
pub mod dates;
pub mod hardening;
pub mod input;
pub mod output;
pub mod parallel;
pub mod terminal;
