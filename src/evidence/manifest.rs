//! `manifest.json`: the public record of a ceremony, written next to the sheets.
//!
//! It holds only facts that are safe to publish (ids, names, counts, the vault's public age
//! recipient, a hash of the ciphertext), so it can be kept in git and compared against sheets
//! years later.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::kinds::SecretKind;
use crate::kinds::certificate::generate::CertificateInfo;
use crate::paper::format::PaperFormat;
use crate::paper::format::v1::CeremonyId;
use crate::paper::render::Paper;
use crate::platform::dates::{Day, UtcTime};

/// Value of the `format` field.
pub const FORMAT: &str = "breakglass-manifest";
/// Current manifest version.
pub const VERSION: u32 = 1;
/// Largest manifest file read.
pub const MAX_BYTES: usize = 1024 * 1024;

/// One custodian as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Custodian {
    /// Share index on their sheet (1..=n).
    pub index: u8,
    /// Name printed on the sheet.
    pub name: String,
    /// File name of their sheet.
    pub sheet: String,
    /// Their role (e.g. "Global admin, on-call lead"), from the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Where their envelope is kept (office safe, bank box), from the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// How their share is protected on the sheet.
    #[serde(default, skip_serializing_if = "ShareProtection::is_none")]
    pub protection: ShareProtection,
    /// Serial number of the tamper-evident envelope or seal the sheet went into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal_serial: Option<String>,
    /// How to reach them (phone, desk), from the policy: printed in the runbook's custodian table,
    /// never on the sheets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// How a custodian's share is protected on their sheet, so that a stolen envelope alone is useless.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ShareProtection {
    /// The share is printed as is.
    #[default]
    None,
    /// The share is age-encrypted with a passphrase the custodian typed at the ceremony (scrypt).
    Passphrase,
    /// The share is age-encrypted to the custodian's own age recipient.
    Recipient {
        /// The recipient (`age1...`, or a plugin recipient such as `age1yubikey1...`).
        recipient: String,
    },
}

impl ShareProtection {
    /// True for unprotected shares.
    pub fn is_none(&self) -> bool {
        matches!(self, Self::None)
    }
}

/// Someone to call when the glass is broken (security operations, the incident manager, the
/// Microsoft support contract), from the policy's `[[contact]]` tables. Public: responders need it
/// at 3 a.m., and the runbook prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// What they are called for, e.g. "Security operations (SOC)".
    pub role: String,
    /// Person or team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Number to call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// How to reach them, e.g. "24x7, ask for the duty manager".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Printed on every custodian's sheet too (the policy's `on_sheets`, true unless it says
    /// false; recorded only when false).
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    pub on_sheets: bool,
}

fn yes() -> bool {
    true
}

fn is_yes(value: &bool) -> bool {
    *value
}

impl Default for Contact {
    fn default() -> Self {
        Self {
            role: String::new(),
            name: None,
            phone: None,
            note: None,
            on_sheets: true,
        }
    }
}

/// The manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// Manifest version.
    pub version: u32,
    /// Paper format of the sheets (`BG1`).
    pub paper_format: PaperFormat,
    /// Ceremony id (ten Crockford symbols).
    pub ceremony_id: CeremonyId,
    /// Free-text label.
    pub label: String,
    /// When sealed (`YYYY-MM-DDTHH:MM:SSZ`).
    pub created: UtcTime,
    /// Shares needed (k).
    pub threshold: u8,
    /// Shares made (n).
    pub shares: u8,
    /// Who holds which share.
    pub custodians: Vec<Custodian>,
    /// The vault's public age recipient (`age1...`).
    pub vault_recipient: String,
    /// SHA-256 of the vault ciphertext, lower-case hex.
    pub ciphertext_sha256: String,
    /// Length of the vault ciphertext.
    pub ciphertext_bytes: usize,
    /// Kind of secret sealed.
    pub secret_kind: SecretKind,
    /// Paper size.
    pub paper: Paper,
    /// Version of breakglass that sealed it.
    pub tool_version: String,
    /// The account the secret belongs to (`user@tenant.onmicrosoft.com`), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Serial numbers of the FIDO2 security keys a sealed PIN belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_serials: Vec<String>,
    /// When the sealed secret expires (`YYYY-MM-DD`), if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_expires: Option<Day>,
    /// The sealed app certificate's public facts (thumbprints as the Entra portal shows them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateInfo>,
    /// The emergency account's object id (user id), from the policy: the sign-in alert matches it,
    /// since it survives a rename where the UPN does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The application (client) id of the app registration a sealed certificate or client secret
    /// belongs to, from the policy (filled into the runbook's commands).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// The Entra tenant the secret protects (`contoso.onmicrosoft.com` or a tenant id), from the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// SHA-256 (hex) of the policy file the ceremony was sealed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_sha256: Option<String>,
    /// Days between drills (the policy's `drill_interval_days`; 90 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drill_interval_days: Option<u32>,
    /// Days after sealing by which the secret should be rotated (the policy's `rotation_days`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_days: Option<u32>,
    /// Ceremony id of the ceremony this one replaces (set by `reseal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<CeremonyId>,
    /// Whom to call when the glass is broken, from the policy (absent when it names nobody, so
    /// manifests without contacts read as before).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
}

/// Days between drills when the policy does not say: Microsoft asks that emergency access be
/// validated at least every 90 days.
pub const DEFAULT_DRILL_INTERVAL_DAYS: u32 = 90;

/// Why a manifest was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManifestError {
    /// Not JSON of the expected shape.
    #[error("not a breakglass manifest ({0})")]
    Malformed(String),
    /// A field holds a value of the wrong form (a date that is no date, an unknown paper size).
    #[error("field {field}: {problem}")]
    Field {
        /// Where the field is, e.g. `created` or `custodians[2].protection`.
        field: String,
        /// What is wrong with it, and where in the file.
        problem: String,
    },
    /// A newer manifest version.
    #[error("manifest version {0} is newer than this breakglass understands; use a newer breakglass")]
    Version(u32),
    /// Inconsistent fields.
    #[error("the manifest is inconsistent: {0}")]
    Inconsistent(&'static str),
}

/// A manifest serde refused: a field with a bad value is named (one line, with its place in
/// the file); JSON that is not a manifest at all stays [`ManifestError::Malformed`].
fn refused(error: serde_path_to_error::Error<serde_json::Error>) -> ManifestError {
    let field = error.path().to_string();
    let named = matches!(
        error.path().iter().next(),
        Some(serde_path_to_error::Segment::Map { .. })
    );
    let inner = error.into_inner();
    if inner.classify() != serde_json::error::Category::Data || !named {
        return ManifestError::Malformed(inner.to_string());
    }
    let text = inner.to_string();
    let position = format!(" at line {} column {}", inner.line(), inner.column());
    let problem = match text.strip_suffix(&position) {
        Some(problem) if inner.line() > 0 => format!("{problem} (line {}, column {})", inner.line(), inner.column()),
        _ => text,
    };
    ManifestError::Field { field, problem }
}

impl Manifest {
    /// Parses and validates a manifest.
    pub fn parse(bytes: &[u8]) -> Result<Self, ManifestError> {
        if bytes.len() > MAX_BYTES {
            return Err(ManifestError::Malformed("file too large".into()));
        }
        // A byte-order mark is how Notepad saves UTF-8, not part of the JSON; anything after the
        // manifest's closing brace (a second manifest pasted below it) is refused, not ignored.
        let mut json = serde_json::Deserializer::from_slice(crate::platform::input::without_bom(bytes));
        let manifest: Self = serde_path_to_error::deserialize(&mut json).map_err(refused)?;
        json.end()
            .map_err(|error| ManifestError::Malformed(error.to_string()))?;
        if manifest.format != FORMAT {
            return Err(ManifestError::Malformed(
                "the format field is not breakglass-manifest".into(),
            ));
        }
        if manifest.version != VERSION {
            return Err(ManifestError::Version(manifest.version));
        }
        manifest.validate()?;
        Ok(manifest)
    }

    fn validate(&self) -> Result<(), ManifestError> {
        if self.threshold == 0 || self.threshold > self.shares {
            return Err(ManifestError::Inconsistent("threshold must be between 1 and shares"));
        }
        if self.custodians.len() != usize::from(self.shares) {
            return Err(ManifestError::Inconsistent(
                "the number of custodians differs from shares",
            ));
        }
        let mut indices: Vec<u8> = self.custodians.iter().map(|custodian| custodian.index).collect();
        indices.sort_unstable();
        if indices != (1..=self.shares).collect::<Vec<u8>>() {
            return Err(ManifestError::Inconsistent(
                "custodian indices must be 1..=shares, once each",
            ));
        }
        if !self.vault_recipient.starts_with("age1") {
            return Err(ManifestError::Inconsistent("vault_recipient is not an age recipient"));
        }
        if self.ciphertext_sha256.len() != 64 || !self.ciphertext_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ManifestError::Inconsistent(
                "ciphertext_sha256 is not a SHA-256 hex digest",
            ));
        }
        Ok(())
    }

    /// The ceremony id.
    pub fn ceremony(&self) -> &CeremonyId {
        &self.ceremony_id
    }

    /// Name of the custodian holding share `index`.
    pub fn custodian_name(&self, index: u8) -> Option<&str> {
        self.custodians
            .iter()
            .find(|custodian| custodian.index == index)
            .map(|custodian| custodian.name.as_str())
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("a manifest always serialises");
        json.push('\n');
        json
    }
}

/// How deep below each directory [`discover`] looks for manifests.
pub const SEARCH_DEPTH: usize = 4;

/// Why no manifest could be gathered.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// A directory to search cannot be read.
    #[error("cannot read the directory {dir}: {reason}; check the path")]
    Unreadable {
        /// The directory.
        dir: PathBuf,
        /// The OS's reason.
        reason: String,
    },
    /// Nothing was found.
    #[error(
        "no breakglass manifest.json found in {places} (searched {SEARCH_DEPTH} levels deep); give the directory holding the ceremonies, or --manifest FILE"
    )]
    NoneFound {
        /// The directories searched, comma-separated.
        places: String,
    },
}

impl From<&DiscoverError> for crate::exit::Exit {
    fn from(error: &DiscoverError) -> Self {
        match error {
            DiscoverError::Unreadable { .. } => Self::Unreadable,
            DiscoverError::NoneFound { .. } => Self::NoCeremony,
        }
    }
}

/// The manifests `status` looks at: those named, plus every breakglass `manifest.json` up to
/// [`SEARCH_DEPTH`] levels below each of `dirs` (the current directory when neither is given;
/// hidden directories and symbolic links skipped), sorted, each once.
pub fn discover(manifests: &[PathBuf], dirs: &[PathBuf]) -> Result<Vec<PathBuf>, DiscoverError> {
    let mut paths = manifests.to_vec();
    let dirs = if dirs.is_empty() && manifests.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        dirs.to_vec()
    };
    for dir in &dirs {
        find(dir, 0, &mut paths)?;
    }
    if paths.is_empty() {
        let places: Vec<String> = dirs.iter().map(|dir| dir.display().to_string()).collect();
        return Err(DiscoverError::NoneFound {
            places: places.join(", "),
        });
    }
    paths.sort();
    paths.dedup();
    Ok(paths)
}

/// Whether `bytes` are a breakglass manifest (its `format`), whatever its version.
fn is_breakglass_manifest(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(crate::platform::input::without_bom(bytes))
        .is_ok_and(|value| value.get("format").and_then(|f| f.as_str()) == Some(FORMAT))
}

/// Finds `manifest.json` files below `dir` (hidden directories and symbolic links skipped).
fn find(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) -> Result<(), DiscoverError> {
    let entries = std::fs::read_dir(dir).map_err(|error| DiscoverError::Unreadable {
        dir: dir.to_owned(),
        reason: crate::platform::input::io_reason(&error),
    })?;
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name();
        let Ok(kind) = entry.file_type() else { continue };
        let path = entry.path();
        if kind.is_file() && name == "manifest.json" {
            let bytes = crate::platform::input::read(&path, MAX_BYTES as u64).unwrap_or_default();
            if is_breakglass_manifest(&bytes) {
                found.push(path);
            }
        } else if kind.is_dir() && depth < SEARCH_DEPTH && !name.to_string_lossy().starts_with('.') {
            find(&path, depth + 1, found)?;
        }
    }
    Ok(())
}

/// The frozen vector ceremony's manifest, for other modules' unit tests.
#[cfg(test)]
pub(crate) fn vector_for_tests() -> Manifest {
    let json = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/v1/ceremony-1/manifest.json"
    ))
    .expect("vector manifest");
    Manifest::parse(&json).expect("parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR: &str = "tests/vectors/v1/ceremony-1/manifest.json";

    #[test]
    fn discover_finds_breakglass_manifests_below_a_directory_and_skips_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let vector = std::fs::read(VECTOR).unwrap();
        for (path, bytes) in [
            ("a/envelopes/manifest.json", &vector[..]),
            ("b/manifest.json", b"{\"format\": \"something else\"}"),
            (".hidden/manifest.json", &vector[..]),
            ("1/2/3/4/5/manifest.json", &vector[..]),
        ] {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        let named = dir.path().join("b/manifest.json");
        let found = discover(std::slice::from_ref(&named), &[dir.path().to_owned()]).unwrap();
        assert_eq!(found, [dir.path().join("a/envelopes/manifest.json"), named]);
        let empty = tempfile::tempdir().unwrap();
        let error = discover(&[], &[empty.path().to_owned()]).unwrap_err();
        assert_eq!(crate::exit::Exit::from(&error), crate::exit::Exit::NoCeremony);
        assert!(error.to_string().contains("searched 4 levels deep"), "{error}");
        let missing = discover(&[], &[dir.path().join("nowhere")]).unwrap_err();
        assert_eq!(crate::exit::Exit::from(&missing), crate::exit::Exit::Unreadable);
    }

    /// Manifests frozen as `seal` and `reseal` wrote them before the manifest was typed: one
    /// per kind, and every optional field (policy facts, contacts, protections, a replaced
    /// ceremony, a certificate's validity, an expiry).
    fn frozen() -> Vec<(String, Vec<u8>)> {
        let mut paths: Vec<_> = std::fs::read_dir("tests/vectors/v1/manifests")
            .expect("frozen manifests")
            .map(|entry| entry.expect("entry").path())
            .collect();
        paths.push(VECTOR.into());
        paths.sort();
        paths
            .into_iter()
            .map(|path| (path.display().to_string(), std::fs::read(&path).expect("readable")))
            .collect()
    }

    #[test]
    fn frozen_manifests_read_into_types_and_write_back_byte_for_byte() {
        let frozen = frozen();
        assert!(frozen.len() >= 8, "{} manifests", frozen.len());
        let mut kinds = std::collections::BTreeSet::new();
        for (path, bytes) in &frozen {
            let manifest = Manifest::parse(bytes).unwrap_or_else(|error| panic!("{path}: {error}"));
            assert_eq!(manifest.to_json(), String::from_utf8_lossy(bytes), "{path}");
            assert!(!matches!(manifest.secret_kind, SecretKind::Other(_)), "{path}");
            kinds.insert(manifest.secret_kind.as_str().to_owned());
        }
        assert_eq!(kinds.len(), 6, "every kind is frozen: {kinds:?}");
    }

    /// The frozen vector with `field` replaced by `value`.
    fn with(field: &str, value: serde_json::Value) -> Result<Manifest, ManifestError> {
        let mut json: serde_json::Value = serde_json::from_slice(&std::fs::read(VECTOR).unwrap()).unwrap();
        json[field] = value;
        Manifest::parse(serde_json::to_string_pretty(&json).unwrap().as_bytes())
    }

    #[test]
    fn a_byte_order_mark_is_read_past_and_anything_after_the_manifest_is_refused() {
        let vector = std::fs::read(VECTOR).unwrap();
        let with_bom = [crate::platform::input::BOM, &vector].concat();
        assert_eq!(Manifest::parse(&with_bom).unwrap(), Manifest::parse(&vector).unwrap());
        assert!(is_breakglass_manifest(&with_bom));
        let mut doubled = vector.clone();
        doubled.extend_from_slice(&vector);
        let error = Manifest::parse(&doubled).unwrap_err().to_string();
        assert!(
            error.starts_with("not a breakglass manifest (trailing characters"),
            "{error}"
        );
    }

    #[test]
    fn a_bad_field_is_named_in_one_line() {
        for (field, value, problem) in [
            ("created", "2026-11-25", "not a YYYY-MM-DDTHH:MM:SSZ time"),
            ("created", "2026-11-25\u{e9}12:30:4Z", "not a YYYY-MM-DDTHH:MM:SSZ time"),
            ("secret_expires", "2026-02-30", "not a YYYY-MM-DD date"),
            ("ceremony_id", "PA3GSM0XA", "not a ceremony id"),
            ("replaces", "x", "not a ceremony id"),
            ("paper", "a3", "unknown variant `a3`, expected `a4` or `letter`"),
            ("paper_format", "BG2", "unknown variant `BG2`, expected `BG1`"),
        ] {
            let error = with(field, value.into()).expect_err(field).to_string();
            assert!(error.starts_with(&format!("field {field}: {problem}")), "{error}");
            assert!(error.contains("(line "), "{error}");
            assert!(!error.contains('\n'), "{error}");
        }
        let error = with("threshold", "3".into())
            .expect_err("a string threshold")
            .to_string();
        assert!(error.starts_with("field threshold: invalid type: string"), "{error}");
        let error = with("created", serde_json::Value::Null)
            .expect_err("no time")
            .to_string();
        assert!(error.starts_with("field created: invalid type: null"), "{error}");
        let mut json: serde_json::Value = serde_json::from_slice(&std::fs::read(VECTOR).unwrap()).unwrap();
        json["certificate"] = serde_json::json!({
            "subject": "CN=x", "serial": "01", "not_before": "2026-11-25T00:00:00Z", "not_after": "soon",
            "sha1_thumbprint": "", "sha256_thumbprint": "", "x5t": "", "x5t_s256": "", "key_bits": 2048
        });
        let error = Manifest::parse(json.to_string().as_bytes())
            .expect_err("a bad expiry")
            .to_string();
        assert!(
            error.starts_with("field certificate.not_after: not a YYYY-MM-DDTHH:MM:SSZ time"),
            "{error}"
        );
        assert!(matches!(Manifest::parse(b"[1]"), Err(ManifestError::Malformed(_))));
        assert!(matches!(Manifest::parse(b"{}"), Err(ManifestError::Malformed(_))));
    }

    #[test]
    fn a_kind_from_a_newer_version_is_kept_by_name() {
        let manifest = with("secret_kind", "ssh-key".into()).expect("a newer kind still reads");
        assert_eq!(manifest.secret_kind, SecretKind::Other("ssh-key".into()));
        assert!(manifest.to_json().contains("\"secret_kind\": \"ssh-key\","));
    }

    #[test]
    fn contacts_are_optional_and_omitted_when_empty() {
        let bytes = std::fs::read(VECTOR).expect("vector manifest");
        let mut manifest = Manifest::parse(&bytes).expect("a manifest without contacts parses");
        assert!(manifest.contacts.is_empty());
        assert_eq!(manifest.to_json().as_bytes(), bytes, "written exactly as before");
        manifest.contacts = vec![Contact {
            role: "Security operations (SOC)".into(),
            phone: Some("+44 20 7946 0000".into()),
            ..Contact::default()
        }];
        let json = manifest.to_json();
        assert!(
            json.contains("\"contacts\": [\n    {\n      \"role\": \"Security operations (SOC)\",\n      \"phone\": \"+44 20 7946 0000\"\n    }\n  ]"),
            "{json}"
        );
        assert_eq!(Manifest::parse(json.as_bytes()).expect("parses back"), manifest);
    }
}
