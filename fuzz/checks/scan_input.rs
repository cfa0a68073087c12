//! Guards the input reader (`scan::scan_bytes` with `verify::page_complete`, as `verify` and
//! `recover` call it): classification, PNG/JPEG decoding with its size limits, PDF
//! rasterising and QR reading must never panic, abort or run out of memory on a hostile file.
//! Run with `-max_len=65536`: large inputs only make each run slow.
//!
//! Shared by the cargo-fuzz target `fuzz_targets/scan_input.rs` and the replay of `seeds/` and
//! `regressions/` in the test suite (`tests/e2e/fuzz_replay.rs`).

use breakglass::ceremony::verify;
use breakglass::paper::scan;

/// The property, run on one input: panics if it does not hold.
pub fn check(data: &[u8]) {
    match scan::scan_bytes(data, &verify::page_complete) {
        Ok(scanned) => {
            for code in scanned.codes() {
                // What `verify` does next with every code read.
                let _ = breakglass::paper::format::v1::decode_text(&code.text);
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
}
