//! The machine underneath: the clock, writing files safely, process hardening, and spreading
//! work over the cores.

pub mod clock;
pub mod hardening;
pub mod output;
pub mod parallel;
