//! The log as the `log` commands, `drill` and `signin-check` print it.

use serde::Serialize;

use crate::evidence::audit::{Entry, Log, Record};

/// A record as stored in the log: the same members in the same order, its `hash` last (so
/// optional members absent from the stored line are absent here too; docs/LOG.md).
#[derive(Debug, Serialize)]
pub struct RecordJson {
    /// The record.
    #[serde(flatten)]
    pub record: Record,
    /// Its hash (lower-case hex SHA-256).
    pub hash: String,
}

impl From<&Entry> for RecordJson {
    fn from(entry: &Entry) -> Self {
        Self {
            record: entry.record.clone(),
            hash: entry.hash.clone(),
        }
    }
}

/// The state of a log's hash chain.
#[derive(Debug, Serialize)]
pub struct Chain {
    /// Records trusted (up to the first break).
    pub records: usize,
    /// The chain is whole.
    pub intact: bool,
    /// Hash of the last trusted record.
    pub head: Option<String>,
    /// Line of the first break.
    pub first_broken_line: Option<usize>,
    /// What is wrong there.
    pub problem: Option<String>,
}

impl From<&Log> for Chain {
    fn from(log: &Log) -> Self {
        Self {
            records: log.entries.len(),
            intact: log.broken.is_none(),
            head: log.entries.last().map(|entry| entry.hash.clone()),
            first_broken_line: log.broken.as_ref().map(|broken| broken.line),
            problem: log.broken.as_ref().map(|broken| broken.problem.to_string()),
        }
    }
}

/// What `log verify --expect-head` found.
#[derive(Debug, Serialize)]
pub struct ExpectedHead {
    /// The hash given.
    pub hash: String,
    /// The intact chain holds that record.
    pub found: bool,
    /// How many records follow it.
    pub records_after: Option<usize>,
}

/// `log verify --json`.
#[derive(Debug, Serialize)]
pub struct LogVerifyBody {
    /// The log file.
    pub log: String,
    /// Its chain; `None` when it could not be read.
    pub chain: Option<Chain>,
    /// The `--expect-head` check; `None` when not asked.
    pub expected_head: Option<ExpectedHead>,
}

/// `log show --json`.
#[derive(Debug, Serialize)]
pub struct LogShowBody {
    /// The log file.
    pub log: String,
    /// Its chain; `None` when it could not be read.
    pub chain: Option<Chain>,
    /// The trusted records, oldest first.
    pub records: Vec<RecordJson>,
}

/// `log repair --json`.
#[derive(Debug, Serialize)]
pub struct LogRepairBody {
    /// The log file.
    pub log: String,
    /// Its chain after the repair; `None` when it could not be read.
    pub chain: Option<Chain>,
    /// Bytes of the unfinished last line removed (0: nothing to repair); `None` on failure.
    pub removed_bytes: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::audit::{Action, append, read};
    use crate::exit::Exit;

    #[test]
    fn a_record_prints_with_the_members_and_order_of_its_stored_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        let mut record = Record::new(Action::Drill, Some("PA3GSM0XA4".into()), Exit::Ok, 1_764_000_000);
        record.note = Some("zebra before apple".into());
        append(&path, record).unwrap();
        let log = read(&path).unwrap();
        let printed = serde_json::to_string(&RecordJson::from(&log.entries[0])).unwrap();
        let stored = std::fs::read_to_string(&path).unwrap();
        assert_eq!(printed, stored.trim_end(), "the printed record is the stored line");
    }
}
