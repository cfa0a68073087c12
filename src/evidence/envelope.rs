//! Envelope serials: each sheet is sealed in a numbered tamper-evident envelope. The serial at
//! sealing is in the manifest; a drill that re-seals sheets into new envelopes records the new
//! serials in the log (`drill --envelope SHARE=SERIAL`). An envelope is checked against the
//! latest serial recorded for its share, so a re-sealed envelope never looks like tampering and
//! an old or unknown one always does.

use thiserror::Error;

use crate::evidence::audit::{EnvelopeSerial, Log};
use crate::evidence::manifest::Manifest;

/// Longest serial accepted (a label printed on an envelope).
const MAX_SERIAL_CHARS: usize = 64;

/// Why a `SHARE=SERIAL` argument was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EnvelopeError {
    /// Not `SHARE=SERIAL`.
    #[error("`{0}` is not SHARE=SERIAL (for example 3=TE-004517)")]
    Shape(String),
    /// The share is not one of the ceremony's.
    #[error("share {share} is not one of this ceremony's shares (1 to {shares})")]
    UnknownShare { share: String, shares: u8 },
    /// The serial is empty, too long, or holds control characters.
    #[error("the serial for share {0} must be 1 to 64 printable characters")]
    Serial(u8),
    /// The same share was given twice.
    #[error("share {0} was given two envelope serials")]
    Repeated(u8),
}

/// Parses the `SHARE=SERIAL` arguments for `manifest`'s ceremony.
pub fn parse_all(texts: &[String], manifest: &Manifest) -> Result<Vec<EnvelopeSerial>, EnvelopeError> {
    let mut serials: Vec<EnvelopeSerial> = Vec::new();
    for text in texts {
        let (share, serial) = text.split_once('=').ok_or_else(|| EnvelopeError::Shape(text.clone()))?;
        let unknown = || EnvelopeError::UnknownShare {
            share: share.trim().to_owned(),
            shares: manifest.shares,
        };
        let index: u8 = share.trim().parse().map_err(|_| unknown())?;
        if manifest.custodian_name(index).is_none() {
            return Err(unknown());
        }
        let serial = serial.trim();
        if serial.is_empty()
            || serial.chars().count() > MAX_SERIAL_CHARS
            || serial.chars().any(crate::platform::terminal::is_invisible)
        {
            return Err(EnvelopeError::Serial(index));
        }
        if serials.iter().any(|known| known.index == index) {
            return Err(EnvelopeError::Repeated(index));
        }
        serials.push(EnvelopeSerial {
            index,
            custodian: manifest.custodian_name(index).map(str::to_owned),
            serial: serial.to_owned(),
        });
    }
    serials.sort_by_key(|serial| serial.index);
    Ok(serials)
}

/// Every serial recorded for share `index`, oldest first: the manifest's, then the log's.
fn history(manifest: &Manifest, log: &Log, index: u8) -> Vec<String> {
    let sealed = manifest
        .custodians
        .iter()
        .find(|custodian| custodian.index == index)
        .and_then(|custodian| custodian.seal_serial.clone());
    let logged = log
        .entries
        .iter()
        .filter(|entry| entry.record.ceremony_id.as_deref() == Some(manifest.ceremony_id.as_str()))
        .flat_map(|entry| entry.record.envelopes.iter())
        .filter(|envelope| envelope.index == index)
        .map(|envelope| envelope.serial.clone());
    sealed.into_iter().chain(logged).collect()
}

/// A warning when the envelope `seen` (as the custodian read it) is not the one last recorded
/// for its share; `None` when it is, or when no serial was ever recorded for it.
pub fn check(seen: &EnvelopeSerial, manifest: &Manifest, log: &Log) -> Option<String> {
    let history = history(manifest, log, seen.index);
    let latest = history.last()?;
    let holder = match &seen.custodian {
        Some(name) => format!("share {} ({name})", seen.index),
        None => format!("share {}", seen.index),
    };
    if same(latest, &seen.serial) {
        return None;
    }
    Some(if history.iter().any(|old| same(old, &seen.serial)) {
        format!(
            "the envelope of {holder} carries {}, an earlier serial: the latest recorded is {latest}. Find out why an old envelope was used before trusting this sheet",
            seen.serial
        )
    } else {
        format!(
            "the envelope of {holder} carries {}, which was never recorded (the latest recorded is {latest}): treat it as tampered with until explained",
            seen.serial
        )
    })
}

/// Serials compare as a person reads them: case and surrounding spaces do not matter.
fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::audit::{self, Action, Record};

    fn manifest() -> Manifest {
        let mut manifest = crate::evidence::manifest::vector_for_tests();
        manifest.custodians[0].seal_serial = Some("TE-1".into());
        manifest
    }

    #[test]
    fn arguments_name_a_share_of_the_ceremony_and_a_serial() {
        let manifest = manifest();
        let parsed = parse_all(&["3=TE-9".into(), " 1 = TE-8 ".into()], &manifest).expect("parses");
        assert_eq!(
            parsed.iter().map(|s| (s.index, s.serial.as_str())).collect::<Vec<_>>(),
            [(1, "TE-8"), (3, "TE-9")]
        );
        assert!(matches!(
            parse_all(&["TE-9".into()], &manifest),
            Err(EnvelopeError::Shape(_))
        ));
        assert!(matches!(
            parse_all(&["9=TE-9".into()], &manifest),
            Err(EnvelopeError::UnknownShare { .. })
        ));
        assert_eq!(parse_all(&["2=".into()], &manifest), Err(EnvelopeError::Serial(2)));
        assert_eq!(
            parse_all(&["2=a".into(), "2=b".into()], &manifest),
            Err(EnvelopeError::Repeated(2))
        );
    }

    #[test]
    fn an_envelope_is_checked_against_the_latest_serial_recorded() {
        let manifest = manifest();
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(audit::FILE_NAME);
        let mut record = Record::new(
            Action::Drill,
            Some(manifest.ceremony_id.as_str().to_owned()),
            crate::exit::Exit::Ok,
            1_790_000_000,
        );
        record.envelopes = parse_all(&["1=TE-7".into()], &manifest).expect("parses");
        audit::append(&path, record).expect("appends");
        let log = audit::read(&path).expect("reads");
        let seen = |serial: &str| EnvelopeSerial {
            index: 1,
            custodian: None,
            serial: serial.into(),
        };
        assert_eq!(check(&seen("te-7"), &manifest, &log), None);
        assert!(
            check(&seen("TE-1"), &manifest, &log)
                .expect("warns")
                .contains("an earlier serial")
        );
        assert!(
            check(&seen("TE-5"), &manifest, &log)
                .expect("warns")
                .contains("never recorded")
        );
        assert_eq!(audit::envelope_serials(&manifest, &log)[&1], "TE-7");
        // Nothing recorded for share 2: nothing to compare with.
        let other = EnvelopeSerial { index: 2, ..seen("X") };
        assert_eq!(check(&other, &manifest, &log), None);
    }
}
