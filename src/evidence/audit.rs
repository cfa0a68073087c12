//! The tamper-evident log (`breakglass-log.jsonl`): one JSON record per seal, verify, drill,
//! recovery and re-seal, kept next to the manifest.
//!
//! Auditors ask "when was emergency access last proven, by whom, with which sheets?", and the
//! answer must not be quietly editable. Each record carries a sequence number, the hash of the
//! record before it and a hash of itself, so editing, deleting, inserting or reordering a record
//! breaks the chain at a line that `verify` names (docs/LOG.md). A hash chain without a key
//! cannot stop someone who rewrites every later record too; the signed drill report (which
//! prints the head hash) and copies of the log kept elsewhere (git) anchor it. Nothing secret
//! is ever recorded.

use std::fmt;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::crypto::digest::sha256_hex;
use crate::evidence::manifest::Manifest;
use crate::exit::Exit;
use crate::platform::clock;
use crate::platform::input::{self, InputError};

/// File name of the log, in the directory that holds `manifest.json`.
pub const FILE_NAME: &str = "breakglass-log.jsonl";
/// Record format version.
pub const VERSION: u32 = 1;
/// `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Largest log read (years of quarterly drills take a few kilobytes).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;
/// What separates a record's body from its own hash at the end of the line.
const HASH_MARK: &str = ",\"hash\":\"";

/// The log beside a manifest.
pub fn default_path(manifest: &Path) -> PathBuf {
    manifest
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(FILE_NAME)
}

/// What was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Sheets were sealed (the first record of a ceremony's log).
    Seal,
    /// Sheets were verified.
    Verify,
    /// A drill: verify plus decrypting the payload in memory, recorded for the auditor.
    Drill,
    /// The secret was recovered.
    Recover,
    /// The ceremony was replaced by a new one.
    Reseal,
    /// Someone signed in with the emergency account (or app) and recorded how it went: the
    /// sign-in validation Microsoft asks for at least every 90 days, apart from the paper drill.
    #[serde(rename = "signin-check")]
    SigninCheck,
}

impl Action {
    /// Name as written in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Seal => "seal",
            Self::Verify => "verify",
            Self::Drill => "drill",
            Self::Recover => "recover",
            Self::Reseal => "reseal",
            Self::SigninCheck => "signin-check",
        }
    }
}

/// How it went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Everything given was sound and the quorum was proven (or the seal/recovery completed).
    Success,
    /// Anything else; `exit_code` and `message` say what.
    Failure,
}

impl Outcome {
    /// Name as written in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

/// A share that took part, with its custodian as the manifest names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRef {
    /// Share index (1..=n).
    pub index: u8,
    /// The custodian holding it, when a manifest was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custodian: Option<String>,
}

/// How one input was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadMethod {
    /// Every block from a QR code on the first, plain decoding pass.
    Qr,
    /// QR codes, but some needed a fallback pass (a weak scan or a fading sheet).
    QrWeak,
    /// Typed text only.
    Typed,
    /// Some blocks typed, some from QR codes.
    Mixed,
    /// Nothing readable.
    None,
}

/// One input of a verify, drill or recovery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputRecord {
    /// The file as given on the command line.
    pub input: String,
    /// Share indices found on it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shares: Vec<u8>,
    /// How it was read.
    pub read: ReadMethod,
    /// QR decoding passes used besides the plain one (e.g. `median-denoise`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallback_passes: Vec<String>,
    /// Problems with this input, one line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// One log record, as written (minus its own hash, which ends the line).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Position in the log, from 1.
    pub seq: u64,
    /// Hash of the record before (lower-case hex SHA-256), [`GENESIS`] for the first.
    pub prev: String,
    /// Record format version ([`VERSION`]).
    pub version: u32,
    /// When, RFC 3339 UTC.
    pub time: String,
    /// What was done.
    pub action: Action,
    /// The ceremony, when known.
    pub ceremony_id: Option<String>,
    /// How it went.
    pub result: Outcome,
    /// The command's exit code.
    pub exit_code: u8,
    /// The one-line error or warning, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Who ran it (`--operator`, else the login name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Shares that took part: for a success, the quorum proven; otherwise those read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shares: Vec<ShareRef>,
    /// Each input and how it was read (drills).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<InputRecord>,
    /// Seconds between the oldest and newest input file (how long gathering the quorum took).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_to_last_seconds: Option<u64>,
    /// Free-text note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The drill report written, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    /// For `reseal`: the ceremony that replaces this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
    /// For `signin-check`: the account (or app id) signed in with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// For `signin-check`: whether the sign-in alert reached its people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_fired: Option<bool>,
    /// Envelope serials written when sheets were sealed into new envelopes (after a drill):
    /// the latest per custodian is the one to check an envelope against.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub envelopes: Vec<EnvelopeSerial>,
    /// True when `time` came from `BREAKGLASS_NOW` instead of the system clock (tests and
    /// rehearsals): such a record cannot be passed off as written at that time.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clock_overridden: bool,
    /// Version of breakglass that wrote the record.
    pub tool_version: String,
}

impl Record {
    /// A record of `action` at `now` (Unix seconds); `append` fills in `seq` and `prev`.
    pub fn new(action: Action, ceremony_id: Option<String>, exit: Exit, now: i64) -> Self {
        Self {
            seq: 0,
            prev: String::new(),
            version: VERSION,
            time: clock::rfc3339(now),
            action,
            ceremony_id,
            result: if exit.is_ok() {
                Outcome::Success
            } else {
                Outcome::Failure
            },
            exit_code: exit.code(),
            message: None,
            operator: None,
            shares: Vec::new(),
            inputs: Vec::new(),
            first_to_last_seconds: None,
            note: None,
            report: None,
            replaced_by: None,
            account: None,
            alert_fired: None,
            envelopes: Vec::new(),
            clock_overridden: clock::overridden(),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    /// The line as written: the body, then its hash as the last member.
    fn to_line(&self) -> (String, String) {
        let body = serde_json::to_string(self).expect("a record always serialises");
        let open = body.strip_suffix('}').expect("a JSON object ends with }");
        let hash = sha256_hex(open.as_bytes());
        (format!("{open}{HASH_MARK}{hash}\"}}"), hash)
    }
}

/// A custodian's envelope serial as recorded in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSerial {
    /// The share in the envelope.
    pub index: u8,
    /// Its custodian, from the manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custodian: Option<String>,
    /// The serial printed on the new envelope.
    pub serial: String,
}

/// The serial each custodian's envelope should carry now: the latest recorded in `log` for
/// `ceremony`, else the one the manifest recorded at sealing.
pub fn envelope_serials(manifest: &Manifest, log: &Log) -> std::collections::BTreeMap<u8, String> {
    let mut serials: std::collections::BTreeMap<u8, String> = manifest
        .custodians
        .iter()
        .filter_map(|custodian| custodian.seal_serial.clone().map(|serial| (custodian.index, serial)))
        .collect();
    for entry in &log.entries {
        if entry.record.ceremony_id.as_deref() == Some(manifest.ceremony_id.as_str()) {
            for envelope in &entry.record.envelopes {
                serials.insert(envelope.index, envelope.serial.clone());
            }
        }
    }
    serials
}

/// Share references for `indices`, with custodian names from `manifest`.
pub fn share_refs(indices: &[u8], manifest: Option<&Manifest>) -> Vec<ShareRef> {
    indices
        .iter()
        .map(|&index| ShareRef {
            index,
            custodian: manifest.and_then(|m| m.custodian_name(index)).map(str::to_owned),
        })
        .collect()
}

/// A record read back, with where it was and its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Line number (from 1).
    pub line: usize,
    /// The record.
    pub record: Record,
    /// Its hash (lower-case hex).
    pub hash: String,
}

/// Why the chain breaks at a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Break {
    /// The last line has no end of line: an append was interrupted.
    Truncated,
    /// An empty line.
    Empty,
    /// Not a record (bad JSON, missing or malformed fields, no hash at the end).
    Malformed(String),
    /// The record's hash does not match its contents.
    Edited,
    /// The sequence number is not the next one.
    Sequence {
        /// The number expected.
        expected: u64,
        /// The number found.
        found: u64,
    },
    /// `prev` is not the hash of the record before.
    Unlinked,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => f.write_str(
                "is incomplete (no end of line): the last append was interrupted; `breakglass log repair` removes it and keeps every intact record",
            ),
            Self::Empty => f.write_str("is empty"),
            Self::Malformed(reason) => write!(f, "is not a log record ({reason})"),
            Self::Edited => f.write_str("was altered: its hash does not match its contents"),
            Self::Sequence { expected, found } => write!(
                f,
                "is record {found} where record {expected} belongs: records were removed, inserted or reordered"
            ),
            Self::Unlinked => f.write_str(
                "does not follow the record before it: that record was rewritten, or a record was removed or inserted here",
            ),
        }
    }
}

/// The first place the chain breaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line} {problem}")]
pub struct ChainBreak {
    /// Line number (from 1).
    pub line: usize,
    /// What is wrong there.
    pub problem: Break,
}

/// A log as read: the records up to the first break, and the break.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    /// Records that chain correctly from the start.
    pub entries: Vec<Entry>,
    /// Where the chain breaks, if it does.
    pub broken: Option<ChainBreak>,
}

impl Log {
    /// Hash of the last trusted record, [`GENESIS`] for an empty log.
    pub fn head(&self) -> &str {
        self.entries.last().map_or(GENESIS, |entry| entry.hash.as_str())
    }

    /// Checks the log against a record hash kept outside it (printed on a drill report, written
    /// down after `log verify`): the chain alone cannot show that its last records were dropped
    /// or that it was re-hashed from an edited record on, but either loses the anchored record.
    /// `anchor` is the full hash or its first 16 or more hex digits. Returns the anchored entry
    /// and how many records came after it.
    pub fn find_anchor(&self, anchor: &str) -> Result<(&Entry, usize), AnchorError> {
        let anchor = anchor.trim().to_ascii_lowercase();
        if !(16..=64).contains(&anchor.len()) || !anchor.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AnchorError::NotAHash);
        }
        let position = self
            .entries
            .iter()
            .position(|entry| entry.hash.starts_with(&anchor))
            .ok_or(AnchorError::Missing(anchor))?;
        Ok((&self.entries[position], self.entries.len() - position - 1))
    }
}

/// Why a log does not hold an anchored record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnchorError {
    /// What was given is not a record hash.
    #[error(
        "the expected head is not a record hash (16 to 64 hex digits, as a drill report or `log verify` prints it)"
    )]
    NotAHash,
    /// No trusted record has that hash.
    #[error(
        "no intact record has the hash {0}: records were removed from the end, or the chain was rewritten, since that hash was printed; compare with a copy kept elsewhere (git, the signed drill reports)"
    )]
    Missing(String),
}

/// Log failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// The file cannot be read.
    #[error("cannot read the log {path}: {reason}; check the path and permissions")]
    Read {
        /// The log.
        path: PathBuf,
        /// The OS's reason.
        reason: String,
    },
    /// The file is larger than any real log.
    #[error("the log {0} is larger than 64 MiB; it is not a breakglass log")]
    TooLarge(PathBuf),
    /// The chain is broken; nothing was appended.
    #[error(
        "the log {path} is broken at {broken}; nothing was appended: run `breakglass log verify --log {path}` and investigate"
    )]
    Broken {
        /// The log.
        path: PathBuf,
        /// Where.
        broken: ChainBreak,
    },
    /// The log is a symbolic link: appending through it could write anywhere.
    #[error(
        "the log {0} is a symbolic link; nothing was appended: replace it with the file itself, or give --log the real path"
    )]
    Link(PathBuf),
    /// Appending failed.
    #[error("cannot append to the log {path}: {reason}; check free space and permissions")]
    Write {
        /// The log.
        path: PathBuf,
        /// The OS's reason.
        reason: String,
    },
}

fn is_hex_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Splits a line into its hashed body and its hash, checking the hash.
fn check_line(line: &str) -> Result<(Record, String), Break> {
    if line.is_empty() {
        return Err(Break::Empty);
    }
    let (open, tail) = line
        .rsplit_once(HASH_MARK)
        .ok_or_else(|| Break::Malformed("no hash at the end".into()))?;
    let hash = tail
        .strip_suffix("\"}")
        .filter(|hash| is_hex_hash(hash))
        .ok_or_else(|| Break::Malformed("no hash at the end".into()))?;
    let record: Record = serde_json::from_str(line).map_err(|error| Break::Malformed(error.to_string()))?;
    if sha256_hex(open.as_bytes()) != hash {
        return Err(Break::Edited);
    }
    if record.version != VERSION {
        return Err(Break::Malformed(format!(
            "record version {}; use a newer breakglass",
            record.version
        )));
    }
    if clock::parse_rfc3339(&record.time).is_none() {
        return Err(Break::Malformed("time is not YYYY-MM-DDTHH:MM:SSZ".into()));
    }
    if !is_hex_hash(&record.prev) {
        return Err(Break::Malformed("prev is not a SHA-256 hex digest".into()));
    }
    Ok((record, hash.to_owned()))
}

/// Reads a log's bytes and checks the chain. Never fails: a break is reported in the result.
pub fn parse(bytes: &[u8]) -> Log {
    let mut log = Log::default();
    let mut rest = bytes;
    let mut line_number = 0;
    while !rest.is_empty() {
        line_number += 1;
        let (line, complete) = match rest.iter().position(|&b| b == b'\n') {
            Some(end) => {
                // A line ending is not part of a record's hash: a log checked out by git with
                // CR LF endings (core.autocrlf on Windows) reads as the same records, and so
                // does one saved by an editor that put a byte-order mark before its first line.
                let line = rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end]);
                let line = if line_number == 1 {
                    input::without_bom(line)
                } else {
                    line
                };
                rest = &rest[end + 1..];
                (line, true)
            }
            None => (std::mem::take(&mut rest), false),
        };
        let fail = |problem| ChainBreak {
            line: line_number,
            problem,
        };
        if !complete {
            log.broken = Some(fail(Break::Truncated));
            break;
        }
        let checked = std::str::from_utf8(line)
            .map_err(|_| Break::Malformed("not UTF-8 text".into()))
            .and_then(check_line);
        let (record, hash) = match checked {
            Ok(checked) => checked,
            Err(problem) => {
                log.broken = Some(fail(problem));
                break;
            }
        };
        let expected = log.entries.len() as u64 + 1;
        if record.seq != expected {
            log.broken = Some(fail(Break::Sequence {
                expected,
                found: record.seq,
            }));
            break;
        }
        if record.prev != log.head() {
            log.broken = Some(fail(Break::Unlinked));
            break;
        }
        log.entries.push(Entry {
            line: line_number,
            record,
            hash,
        });
    }
    log
}

/// Reads and checks the log at `path`; a missing file is an empty log (ceremonies sealed before
/// logging existed have none).
pub fn read(path: &Path) -> Result<Log, LogError> {
    let read_error = |error: InputError| LogError::Read {
        path: path.to_owned(),
        reason: error.to_string(),
    };
    match input::read(path, MAX_BYTES) {
        Ok(bytes) => Ok(parse(&bytes)),
        Err(error) if error.io_kind() == Some(std::io::ErrorKind::NotFound) => Ok(Log::default()),
        Err(InputError::TooLarge(_)) => Err(LogError::TooLarge(path.to_owned())),
        Err(error) => Err(read_error(error)),
    }
}

/// Opens the log for appending: never through a symbolic link (a link could point anywhere,
/// even at a file outside the ceremony's directory), never a FIFO or device, created mode 0600
/// whatever the umask (owner-only access list on Windows). Returns the file and whether it was
/// created.
fn open_for_append(path: &Path) -> Result<(File, bool), LogError> {
    let write_error = |reason: String| LogError::Write {
        path: path.to_owned(),
        reason,
    };
    let created = match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => return Err(LogError::Link(path.to_owned())),
        Ok(metadata) => {
            input::check_regular(&metadata).map_err(|error| write_error(error.to_string()))?;
            false
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => true,
        Err(error) => return Err(write_error(error.to_string())),
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // No following a link swapped in since the check, no blocking on a FIFO.
        options
            .mode(0o600)
            .custom_flags((nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_NONBLOCK).bits());
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        // Open a link (or junction) swapped in since the check as itself, not its target, so
        // the handle check below refuses it.
        options.custom_flags(windows_sys::Win32::Storage::FileSystem::FILE_FLAG_OPEN_REPARSE_POINT);
    }
    let file = options.open(path).map_err(|error| match error.raw_os_error() {
        #[cfg(unix)]
        Some(code) if code == nix::errno::Errno::ELOOP as i32 => LogError::Link(path.to_owned()),
        _ => write_error(error.to_string()),
    })?;
    let metadata = file.metadata().map_err(|error| write_error(error.to_string()))?;
    if metadata.file_type().is_symlink() {
        return Err(LogError::Link(path.to_owned()));
    }
    input::check_regular(&metadata).map_err(|error| write_error(error.to_string()))?;
    // Windows ignores mode bits: a new log gets an access list granting only the current user.
    #[cfg(windows)]
    if created {
        crate::platform::acl::restrict_to_owner(path, false).map_err(|error| write_error(error.to_string()))?;
    }
    #[cfg(unix)]
    if created {
        // The umask can only remove bits from 0600, but say it exactly.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|error| write_error(error.to_string()))?;
    }
    Ok((file, created))
}

/// Appends `record` to the log at `path` (created if missing), numbered and chained to the last
/// record, and syncs it to disk. Refuses to extend a broken chain, so tampering stays visible.
/// Holds an exclusive lock from reading the head to the end of the write, so two drills
/// finishing at once both land, chained one after the other, instead of forking the chain.
/// All or nothing: the line is one write, and if it or the sync fails the file is cut back to
/// its previous length, so a full disk never leaves half a record behind.
pub fn append(path: &Path, mut record: Record) -> Result<Entry, LogError> {
    let write_error = |error: std::io::Error| LogError::Write {
        path: path.to_owned(),
        reason: error.to_string(),
    };
    let (mut file, created) = open_for_append(path)?;
    file.lock().map_err(write_error)?;
    let bytes = read_locked(&file, path)?;
    let log = parse(&bytes);
    if let Some(broken) = log.broken {
        return Err(LogError::Broken {
            path: path.to_owned(),
            broken,
        });
    }
    record.seq = log.entries.len() as u64 + 1;
    record.prev = log.head().to_owned();
    let (line, hash) = record.to_line();
    let written = file
        .write_all(format!("{line}\n").as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(error) = written {
        let _ = file.set_len(bytes.len() as u64).and_then(|()| file.sync_all());
        return Err(write_error(error));
    }
    if created && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        // Make the new directory entry durable too; not every platform can open a directory.
        if let Ok(directory) = std::fs::File::open(parent) {
            let _ = directory.sync_all();
        }
    }
    Ok(Entry {
        line: record.seq as usize,
        record,
        hash,
    })
}

/// Reads the whole of a log opened (and locked) by [`open_for_append`].
fn read_locked(file: &File, path: &Path) -> Result<Vec<u8>, LogError> {
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| LogError::Read {
            path: path.to_owned(),
            reason: error.to_string(),
        })?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(LogError::TooLarge(path.to_owned()));
    }
    Ok(bytes)
}

/// Removes the partial last line an interrupted append left (a crash or power loss in the
/// middle of a write), keeping every intact record; returns the number of bytes removed (0 when
/// the log ends cleanly). Anything else wrong with the chain is refused untouched: only an
/// unfinished last line is safe to drop, since it was never a record.
pub fn repair_torn_tail(path: &Path) -> Result<u64, LogError> {
    if !path.exists() {
        return Err(LogError::Read {
            path: path.to_owned(),
            reason: "there is no such file".into(),
        });
    }
    let write_error = |error: std::io::Error| LogError::Write {
        path: path.to_owned(),
        reason: error.to_string(),
    };
    let (file, _) = open_for_append(path)?;
    file.lock().map_err(write_error)?;
    let bytes = read_locked(&file, path)?;
    match parse(&bytes).broken {
        None => Ok(0),
        Some(ChainBreak {
            problem: Break::Truncated,
            ..
        }) => {
            let intact = bytes.iter().rposition(|&byte| byte == b'\n').map_or(0, |end| end + 1);
            file.set_len(intact as u64).map_err(write_error)?;
            file.sync_all().map_err(write_error)?;
            Ok((bytes.len() - intact) as u64)
        }
        Some(broken) => Err(LogError::Broken {
            path: path.to_owned(),
            broken,
        }),
    }
}

/// The record bytes a new log starts with, for writers that stage files before they appear
/// (seal writes the log with its sheets in one rename).
pub fn first_line(mut record: Record) -> (String, Entry) {
    record.seq = 1;
    record.prev = GENESIS.to_owned();
    let (line, hash) = record.to_line();
    (format!("{line}\n"), Entry { line: 1, record, hash })
}

/// The login name of whoever runs breakglass (`$USER`, else `$LOGNAME`), for the operator field.
pub fn login_name() -> Option<String> {
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .map(|value| value.trim().to_owned())
        .find(|value| !value.is_empty())
}

/// Where a verify or recover records itself: the log given, else the one beside the manifest,
/// but never beside a file that is not a breakglass manifest (`manifest` is what that file
/// parsed to), and nowhere without either.
pub fn log_for(explicit: Option<&Path>, manifest_path: Option<&Path>, manifest: Option<&Manifest>) -> Option<PathBuf> {
    match (explicit, manifest_path) {
        (Some(log), _) => Some(log.to_owned()),
        (None, Some(path)) => manifest.map(|_| default_path(path)),
        (None, None) => None,
    }
}

/// What a verify or recover learnt, for its record (public facts only).
#[derive(Debug)]
pub struct CommandRecord<'a> {
    /// The command.
    pub action: Action,
    /// The ceremony's manifest, when one was given and read.
    pub manifest: Option<&'a Manifest>,
    /// The ceremony the sheets proved, when no manifest names it.
    pub proven_ceremony: Option<String>,
    /// Shares proven (or read).
    pub shares: &'a [u8],
    /// The code the command exits with.
    pub exit: Exit,
    /// Its one-line message, when it failed.
    pub message: Option<String>,
    /// Who ran it.
    pub operator: Option<String>,
    /// The operator name holds the secret (typed in by mistake): it is not recorded.
    pub operator_holds_secret: bool,
}

impl CommandRecord<'_> {
    /// The record at `now`: the manifest's ceremony over the one proven, each share with its
    /// custodian's name.
    pub fn build(self, now: i64) -> Record {
        let ceremony = self
            .manifest
            .map(|manifest| manifest.ceremony_id.as_str().to_owned())
            .or(self.proven_ceremony);
        let mut record = Record::new(self.action, ceremony, self.exit, now);
        record.shares = share_refs(self.shares, self.manifest);
        record.message = self.message;
        record.operator = self.operator.filter(|_| !self.operator_holds_secret);
        record
    }
}

/// The operator a record names: the name given (`--operator`) unless blank, else the login name.
pub fn operator_name(given: Option<&str>) -> Option<String> {
    given
        .filter(|name| !name.trim().is_empty())
        .map(str::to_owned)
        .or_else(login_name)
}

/// Records a re-seal in the old ceremony's log: `old` is replaced by `new_ceremony`, and `exit`
/// is the code `reseal` exits with (not 0 when an input was unsound though the new ceremony was
/// sealed), with its one-line `message`.
pub fn record_reseal(
    log_path: &Path,
    old: &Manifest,
    new_ceremony: &str,
    operator: Option<String>,
    (exit, message): (Exit, Option<String>),
    now: i64,
) -> Result<Entry, LogError> {
    let mut record = Record::new(Action::Reseal, Some(old.ceremony_id.as_str().to_owned()), exit, now);
    record.replaced_by = Some(new_ceremony.to_owned());
    record.operator = operator;
    record.message = message;
    append(log_path, record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(action: Action, code: u8, now: i64) -> Record {
        let mut record = Record::new(action, Some("7KQ2MZ9WXA".into()), Exit::from_code(code).unwrap(), now);
        record.operator = Some("ana".into());
        record.shares = vec![ShareRef {
            index: 1,
            custodian: Some("Ana Ruiz".into()),
        }];
        record
    }

    fn sample() -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        append(&path, record(Action::Seal, 0, 1_790_000_000)).unwrap();
        append(&path, record(Action::Drill, 0, 1_790_100_000)).unwrap();
        append(&path, record(Action::Drill, 5, 1_790_200_000)).unwrap();
        append(&path, record(Action::Verify, 0, 1_790_300_000)).unwrap();
        std::fs::read(&path).unwrap()
    }

    fn lines(bytes: &[u8]) -> Vec<String> {
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn join(lines: &[String]) -> Vec<u8> {
        lines
            .iter()
            .map(|line| format!("{line}\n"))
            .collect::<String>()
            .into_bytes()
    }

    fn broken_at(bytes: &[u8]) -> Option<(usize, Break)> {
        parse(bytes).broken.map(|broken| (broken.line, broken.problem))
    }

    #[test]
    fn appended_records_chain_and_read_back() {
        let bytes = sample();
        let log = parse(&bytes);
        assert_eq!(log.broken, None);
        assert_eq!(log.entries.len(), 4);
        assert_eq!(log.entries[0].record.prev, GENESIS);
        for pair in log.entries.windows(2) {
            assert_eq!(pair[1].record.prev, pair[0].hash);
        }
        let third = &log.entries[2].record;
        assert_eq!(
            (third.seq, third.action, third.result),
            (3, Action::Drill, Outcome::Failure)
        );
        assert_eq!(third.time, "2026-09-23T21:46:40Z");
        let first = &lines(&bytes)[0];
        assert!(first.starts_with("{\"seq\":1,\"prev\":\"0000"), "{first}");
        assert!(
            first.contains("\"ceremony_id\":\"7KQ2MZ9WXA\",\"result\":\"success\""),
            "{first}"
        );
    }

    #[test]
    fn editing_deleting_inserting_and_reordering_are_found_at_their_line() {
        let original = lines(&sample());
        let mut edited = original.clone();
        edited[1] = edited[1].replace("\"operator\":\"ana\"", "\"operator\":\"eve\"");
        assert_eq!(broken_at(&join(&edited)), Some((2, Break::Edited)));

        let mut deleted = original.clone();
        deleted.remove(1);
        assert_eq!(
            broken_at(&join(&deleted)),
            Some((2, Break::Sequence { expected: 2, found: 3 }))
        );

        let mut inserted = original.clone();
        inserted.insert(2, original[1].clone());
        assert_eq!(
            broken_at(&join(&inserted)),
            Some((3, Break::Sequence { expected: 3, found: 2 }))
        );

        let mut swapped = original.clone();
        swapped.swap(1, 2);
        assert_eq!(
            broken_at(&join(&swapped)),
            Some((2, Break::Sequence { expected: 2, found: 3 }))
        );

        // A forger who recomputes the edited record's hash still breaks the link to it.
        let mut rehashed = original.clone();
        let mut record: Record = serde_json::from_str(&original[1]).unwrap();
        record.result = Outcome::Failure;
        rehashed[1] = record.to_line().0;
        assert_eq!(broken_at(&join(&rehashed)), Some((3, Break::Unlinked)));

        let mut blank = original.clone();
        blank.insert(1, String::new());
        assert_eq!(broken_at(&join(&blank)), Some((2, Break::Empty)));

        let mut bytes = join(&original);
        bytes.truncate(bytes.len() - 30);
        assert_eq!(broken_at(&bytes), Some((4, Break::Truncated)));
        let mut bytes = join(&original);
        bytes.pop();
        assert_eq!(broken_at(&bytes), Some((4, Break::Truncated)));
        let log = parse(&bytes);
        assert_eq!(log.entries.len(), 3, "the records before the break are kept");
    }

    #[test]
    fn crlf_line_endings_and_a_byte_order_mark_read_as_the_same_records() {
        let bytes = sample();
        let windows: Vec<u8> = [
            input::BOM.to_vec(),
            String::from_utf8(bytes.clone())
                .unwrap()
                .replace('\n', "\r\n")
                .into_bytes(),
        ]
        .concat();
        let (plain, converted) = (parse(&bytes), parse(&windows));
        assert_eq!(converted.broken, None);
        assert_eq!(converted.entries.len(), plain.entries.len());
        assert_eq!(converted.head(), plain.head());
        let mut edited = windows.clone();
        let at = edited.iter().position(|&b| b == b'"').unwrap();
        edited.insert(at + 1, b'x');
        assert!(parse(&edited).broken.is_some(), "an edit is still found");
    }

    #[test]
    fn garbage_is_reported_not_panicked_on() {
        for bad in [
            &b"not json\n"[..],
            b"{}\n",
            b"{\"hash\":\"00\"}\n",
            b"\xff\xfe\n",
            b"{\"seq\":1,\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}\n",
        ] {
            let (line, problem) = broken_at(bad).expect("broken");
            assert_eq!(line, 1);
            assert!(matches!(problem, Break::Malformed(_) | Break::Edited), "{problem:?}");
        }
        assert_eq!(parse(b""), Log::default());
    }

    #[test]
    fn append_refuses_a_broken_log_and_a_missing_log_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        assert_eq!(read(&path).unwrap(), Log::default());
        let mut bytes = sample();
        bytes[40] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let error = append(&path, record(Action::Drill, 0, 1_790_400_000)).unwrap_err();
        assert!(matches!(error, LogError::Broken { .. }), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing appended");
    }

    #[test]
    fn appends_racing_each_other_all_land_on_one_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::thread::scope(|scope| {
            for writer in 0..8 {
                let path = &path;
                scope.spawn(move || {
                    for n in 0..12 {
                        append(path, record(Action::Drill, 0, 1_790_000_000 + writer * 100 + n)).unwrap();
                    }
                });
            }
        });
        let log = read(&path).unwrap();
        assert_eq!(log.broken, None);
        assert_eq!(log.entries.len(), 96);
    }

    #[test]
    fn a_staged_first_line_continues_like_an_appended_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let (line, entry) = first_line(record(Action::Seal, 0, 1_790_000_000));
        std::fs::write(&path, &line).unwrap();
        let next = append(&path, record(Action::Drill, 0, 1_790_100_000)).unwrap();
        assert_eq!(next.record.prev, entry.hash);
        assert_eq!(read(&path).unwrap().entries.len(), 2);
    }
}
