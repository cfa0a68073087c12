//! End-to-end tests: the real binary on real files (seal -> PDF -> rasterise -> verify ->
//! recover), bad input, outside tools (pdftoppm, zbarimg, ImageMagick, age) and frozen vectors.

mod assess;
mod bad_input;
mod build_info;
mod ceremony;
mod contacts;
mod drill;
mod external_tools;
mod fuzz_replay;
mod help;
mod hostile_input;
mod interop;
mod json_layout;
mod kinds;
mod log_vector;
mod office_scans;
mod output_failures;
mod paper_layout;
mod plugin_recipient;
mod round_trip;
mod runbook;
mod scan_health;
mod secret_hygiene;
mod snapshots;
mod support;
mod text_inputs;
mod vectors;
mod wording;
