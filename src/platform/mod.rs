//! The machine underneath: the clock, reading outside files within limits, writing files
//! safely, process hardening, and spreading work over the cores.

pub mod clock;
pub mod hardening;
pub mod input;
pub mod output;
pub mod parallel;
