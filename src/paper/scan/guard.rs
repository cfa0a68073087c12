//! Containing panics in third-party decoders.
//!
//! The QR and PDF decoders are pure Rust but do not promise to be panic-free on hostile input.
//! A panic inside them must become an ordinary "could not read this file" error, and must not
//! print a backtrace that alarms a responder, so this runs them under `catch_unwind` with the
//! panic message silenced for the current thread.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

static INSTALL: Once = Once::new();

/// Runs `work`, returning `None` if it panicked.
pub fn contain<T>(work: impl FnOnce() -> T) -> Option<T> {
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was_guarded = GUARDED.with(|flag| flag.replace(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(work));
    GUARDED.with(|flag| flag.set(was_guarded));
    outcome.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_none_and_values_pass_through() {
        assert_eq!(contain(|| 41 + 1), Some(42));
        let boom: Option<()> = contain(|| panic!("decoder exploded"));
        assert_eq!(boom, None);
    }
}
