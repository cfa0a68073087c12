//! Guards the log parser (`audit::parse`), which reads a `breakglass-log.jsonl` that may have
//! been edited, truncated or replaced: it must never panic, the records it trusts must chain
//! (numbered from 1, each `prev` the hash before it), a break must lie after them, and parsing
//! exactly the trusted lines again must trust the same records with no break.
//!
//! Shared by the cargo-fuzz target `fuzz_targets/log.rs` and the replay of `seeds/` and
//! `regressions/` in the test suite (`tests/e2e/fuzz_replay.rs`).

use breakglass::evidence::audit::{self, GENESIS};

/// The property, run on one input: panics if it does not hold.
pub fn check(data: &[u8]) {
    let log = audit::parse(data);
    let mut prev = GENESIS.to_owned();
    for (position, entry) in log.entries.iter().enumerate() {
        assert_eq!(
            entry.record.seq,
            position as u64 + 1,
            "trusted records are numbered from 1"
        );
        assert_eq!(entry.line, position + 1, "one record per line");
        assert_eq!(entry.record.prev, prev, "trusted records chain");
        prev = entry.hash.clone();
        let _ = (entry.record.action.as_str(), entry.record.result.as_str());
    }
    assert_eq!(log.head(), prev);
    if let Some(broken) = &log.broken {
        assert_eq!(
            broken.line,
            log.entries.len() + 1,
            "the break is the first untrusted line"
        );
        let _ = broken.to_string();
    }
    let trusted: usize = data
        .split_inclusive(|&b| b == b'\n')
        .take(log.entries.len())
        .map(<[u8]>::len)
        .sum();
    let again = audit::parse(&data[..trusted]);
    assert_eq!(again.broken, None, "the trusted prefix is a whole log");
    assert_eq!(again.entries, log.entries);
}
