//! Guards what `status` and `assess` do with an accepted manifest (`Manifest::parse`, then
//! `status::assess` and `assess::evidence::gather`): every field a manifest may hold, however
//! odd, must be read, compared and printed without a panic, at any `now`, with or without a log.
//! A `created` of "x" once panicked `status` through a slice at byte 10.
//!
//! Shared by the cargo-fuzz target `fuzz_targets/manifest_status.rs` and the replay of `seeds/`
//! and `regressions/` in the test suite (`tests/e2e/fuzz_replay.rs`).

use std::path::PathBuf;

use breakglass::evidence::assess::evidence::gather;
use breakglass::evidence::audit::Log;
use breakglass::evidence::manifest::Manifest;
use breakglass::evidence::status::{self, CeremonyFiles};
use breakglass::platform::clock;

/// Times to assess at: the epoch, the sealing time and the last second of year 9999.
const NOWS: [i64; 3] = [0, 1_795_609_845, 253_402_300_799];

/// The property, run on one input: panics if it does not hold.
pub fn check(data: &[u8]) {
    let Ok(manifest) = Manifest::parse(data) else { return };
    let files = |log: Result<Log, String>| CeremonyFiles {
        manifest_path: PathBuf::from("manifest.json"),
        manifest: manifest.clone(),
        log_path: PathBuf::from("breakglass-log.jsonl"),
        log,
    };
    let ceremonies = [files(Ok(Log::default())), files(Err("unreadable".into()))];
    let created = manifest.created.unix();
    for now in NOWS.into_iter().chain([created]) {
        for status in status::assess(&ceremonies, now, status::DEFAULT_WARN_DAYS) {
            // What `status` prints: dates by day, every finding, and the JSON form.
            let _ = clock::day_of(&status.created);
            let _ = clock::day_of(&status.next_drill_due);
            for deadline in &status.deadlines {
                let _ = clock::day_of(&deadline.at);
            }
            let _ = format!("{status:?}");
            serde_json::to_string(&status).expect("a status serialises");
        }
    }
    let dir = std::env::temp_dir().join(format!("breakglass-fuzz-manifest-status-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    std::fs::write(dir.join("manifest.json"), data).expect("the manifest is written");
    let records = gather(&dir, None, NOWS[1]).expect("the scratch directory is readable");
    assert_eq!(
        records.manifests.len(),
        1,
        "an accepted manifest is found by assess: {records:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
