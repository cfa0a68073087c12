//! From a description of a ceremony to the [`CeremonyRequest`] that `seal` runs: a policy file
//! (with the options of this run), or `seal`'s own flags, both checked by the same rules
//! ([`crate::ceremony::rules`], again in `seal`). Reading the secret to import and the
//! templates happens here; asking custodians for passphrases is the front end's job (it passes
//! them in). Errors say what is wrong; the front end names the flag or policy line.

use std::path::{Path, PathBuf};

use crate::ceremony::files::PaperTrailTemplates;
use crate::ceremony::policy::{Policy, PolicySecret, Protection};
use crate::ceremony::seal::{self, CeremonyRecord, CeremonyRequest, CustodianSpec, SecretInput, ShareProtection};
use crate::crypto::payload::Payload;
use crate::crypto::secret::{SecretBytes, SecretString};
use crate::exit::Exit;
use crate::kinds;
use crate::kinds::SecretKind;
use crate::kinds::certificate::generate::CertificateRequest;
use crate::kinds::import::{self, ImportError, ImportOptions};
use crate::kinds::passphrase::generate::{self as passphrase, PassphraseError, Policy as PassphrasePolicy};
use crate::kinds::recovery::RecoverError;
use crate::kinds::totp::seed::Algorithm;
use crate::paper::runbook;
use crate::platform::input::{self, InputError};

/// Largest secret read from a file or standard input.
pub const MAX_SECRET_BYTES: u64 = 64 * 1024;

/// Why a ceremony request cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The secret file cannot be read.
    #[error("cannot read the secret from {path}: {reason}; check the path")]
    SecretUnreadable {
        /// The file (`-` for standard input).
        path: PathBuf,
        /// The OS's reason.
        reason: String,
    },
    /// The secret is larger than paper can carry.
    #[error("the secret in {0} is larger than 64 KiB; paper cannot carry it")]
    SecretTooLarge(PathBuf),
    /// The imported secret fails its kind's checks.
    #[error("{0}")]
    Import(#[from] ImportError),
    /// A template file cannot be read.
    #[error(
        "cannot read {key} {path}: {reason}; fix {key} in the policy (a relative path is read from the policy file's directory)"
    )]
    Template {
        /// The policy key naming it.
        key: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS's reason.
        reason: String,
    },
    /// An envelope serial for a share that has no custodian.
    #[error("share {index} has no custodian: there are only {count} custodians")]
    NoSuchCustodian {
        /// The share index given.
        index: usize,
        /// How many custodians there are.
        count: usize,
    },
    /// A passphrase given for a custodian whose share the policy does not protect with one.
    #[error("custodian {0} is not passphrase-protected in the policy")]
    NotPassphraseProtected(usize),
    /// A passphrase-protected custodian without a passphrase.
    #[error("custodian {index} ({name}) protects their share with a passphrase, and none was given")]
    PassphraseMissing {
        /// Share index.
        index: usize,
        /// Custodian.
        name: String,
    },
    /// A secret file given where the secret is generated.
    #[error("the policy generates a certificate; it imports no secret file")]
    CertificateFromFile,
    /// The policy imports a secret and no file was given.
    #[error("the policy imports a {0} and names no file to read it from")]
    NoSecretFile(String),
    /// A certificate to generate without its subject.
    #[error("a certificate needs a subject, e.g. \"CN=contoso-breakglass-app\"")]
    NoSubject,
    /// Custodians named without saying how many must come together.
    #[error("the threshold is required when custodians are named (how many sheets must come together?)")]
    NoThreshold,
    /// The account named in the policy is unusable.
    #[error("account: {0}")]
    Account(PassphraseError),
    /// The sheets hold another kind of secret than the policy seals.
    #[error(
        "the sheets hold a {sealed} but the policy seals a {policy}; give the policy of this secret (its [secret] kind)"
    )]
    KindMismatch {
        /// What the sheets hold.
        sealed: String,
        /// What the policy seals.
        policy: String,
    },
    /// The recovered payload's public facts do not read.
    #[error("{0}")]
    Recovered(RecoverError),
}

impl From<&RequestError> for Exit {
    fn from(error: &RequestError) -> Self {
        match error {
            RequestError::SecretUnreadable { .. } | RequestError::Template { .. } => Exit::Unreadable,
            RequestError::SecretTooLarge(_) | RequestError::Import(_) | RequestError::KindMismatch { .. } => {
                Exit::BadRequest
            }
            RequestError::NoSuchCustodian { .. }
            | RequestError::NotPassphraseProtected(_)
            | RequestError::PassphraseMissing { .. }
            | RequestError::CertificateFromFile
            | RequestError::NoSecretFile(_)
            | RequestError::NoSubject
            | RequestError::NoThreshold => Exit::Usage,
            RequestError::Account(_) => Exit::Policy,
            RequestError::Recovered(_) => Exit::Vault,
        }
    }
}

/// Reads a secret from `path` (`-`: standard input), at most [`MAX_SECRET_BYTES`], into a
/// wiped buffer.
pub fn read_secret(path: &Path) -> Result<SecretBytes, RequestError> {
    let result = if path == Path::new("-") {
        input::read_secret_stdin(MAX_SECRET_BYTES)
    } else {
        input::read_secret(path, MAX_SECRET_BYTES)
    };
    let mut buffer = result.map_err(|error| match error {
        InputError::TooLarge(_) => RequestError::SecretTooLarge(path.to_owned()),
        error => RequestError::SecretUnreadable {
            path: path.to_owned(),
            reason: error.to_string(),
        },
    })?;
    Ok(SecretBytes::new(std::mem::take(&mut *buffer)))
}

/// How an imported secret is read, beyond its kind and file: the TOTP overrides given at the
/// ceremony, and the time (to refuse an already-expired secret).
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportRun {
    /// TOTP digits override.
    pub totp_digits: Option<u32>,
    /// TOTP period override.
    pub totp_period: Option<u64>,
    /// TOTP algorithm override.
    pub totp_algorithm: Option<Algorithm>,
    /// Now, Unix seconds.
    pub now: i64,
}

/// Reads and imports a secret the organisation already holds.
pub fn import_secret(
    kind: SecretKind,
    path: &Path,
    run: ImportRun,
    label: &str,
    key_serials: Vec<String>,
    expires: Option<String>,
) -> Result<SecretInput, RequestError> {
    let options = ImportOptions {
        file_name: (path != Path::new("-"))
            .then(|| path.file_name().map(|n| n.to_string_lossy().into_owned()))
            .flatten(),
        key_serials,
        expires,
        totp_digits: run.totp_digits,
        totp_period: run.totp_period,
        totp_algorithm: run.totp_algorithm,
        now: run.now,
        label: Some(label.to_owned()),
    };
    let provided = import::import(kind, read_secret(path)?, options)?;
    Ok(SecretInput::Provided(Box::new(provided)))
}

/// Custodians of a demo ceremony (none named): five, three of whom recover.
pub const DEMO_CUSTODIANS: usize = 5;
/// Threshold of a demo ceremony.
pub const DEMO_THRESHOLD: u8 = 3;

/// The custodians and threshold of a request made without a policy: the named custodians and the
/// given threshold, or, with no custodian named, a demo ceremony ([`DEMO_THRESHOLD`] of
/// [`DEMO_CUSTODIANS`], "Custodian 1" and so on) unless a threshold is given.
pub fn custodians_and_threshold(
    names: &[String],
    threshold: Option<u8>,
) -> Result<(Vec<CustodianSpec>, u8), RequestError> {
    if names.is_empty() {
        let custodians = (1..=DEMO_CUSTODIANS)
            .map(|i| CustodianSpec::named(format!("Custodian {i}")))
            .collect();
        return Ok((custodians, threshold.unwrap_or(DEMO_THRESHOLD)));
    }
    let threshold = threshold.ok_or(RequestError::NoThreshold)?;
    Ok((
        names.iter().map(|name| CustodianSpec::named(name.clone())).collect(),
        threshold,
    ))
}

/// Where the secret of a request made without a policy comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// Generate a passphrase.
    GeneratePassphrase,
    /// Generate a key and certificate with this subject.
    GenerateCertificate {
        /// The certificate's subject (`CN=...`).
        subject: String,
    },
    /// Import a secret of this kind from this file (`-`: standard input).
    Import {
        /// Its kind.
        kind: SecretKind,
        /// Where to read it.
        path: PathBuf,
    },
}

/// Decides where the secret comes from: with no file a passphrase or certificate is generated
/// (every other kind needs one); with a file and no kind, the file is sealed as it is.
pub fn secret_source(
    kind: Option<SecretKind>,
    secret_file: Option<&Path>,
    subject: Option<&str>,
) -> Result<SecretSource, RequestError> {
    match (secret_file, kind) {
        (None, None | Some(SecretKind::Passphrase)) => Ok(SecretSource::GeneratePassphrase),
        (None, Some(SecretKind::Certificate)) => Ok(SecretSource::GenerateCertificate {
            subject: subject.ok_or(RequestError::NoSubject)?.to_owned(),
        }),
        (Some(_), Some(SecretKind::Certificate)) => Err(RequestError::CertificateFromFile),
        (None, Some(kind)) => Err(RequestError::NoSecretFile(kind.as_str().to_owned())),
        (Some(path), kind) => Ok(SecretSource::Import {
            kind: kind.unwrap_or(SecretKind::File),
            path: path.to_owned(),
        }),
    }
}

/// Puts envelope serials (share index, serial) on the custodians, over their own.
pub fn apply_seal_serials(custodians: &mut [CustodianSpec], serials: &[(usize, String)]) -> Result<(), RequestError> {
    let count = custodians.len();
    for (index, serial) in serials {
        let custodian = index
            .checked_sub(1)
            .and_then(|position| custodians.get_mut(position))
            .ok_or(RequestError::NoSuchCustodian { index: *index, count })?;
        custodian.seal_serial = Some(serial.trim().to_owned());
    }
    Ok(())
}

/// The custodians (share index, name) whose share the policy protects with a passphrase given
/// at the ceremony, once every index in `given` is checked to be one of them.
pub fn passphrase_custodians<'a>(policy: &'a Policy, given: &[usize]) -> Result<Vec<(usize, &'a str)>, RequestError> {
    let needed: Vec<(usize, &str)> = policy
        .custodians
        .iter()
        .enumerate()
        .filter(|(_, custodian)| custodian.protection == Protection::Passphrase)
        .map(|(position, custodian)| (position + 1, custodian.name.as_str()))
        .collect();
    match given
        .iter()
        .find(|index| !needed.iter().any(|(wanted, _)| wanted == *index))
    {
        Some(index) => Err(RequestError::NotPassphraseProtected(*index)),
        None => Ok(needed),
    }
}

/// A path in the policy is relative to the policy file's directory.
pub fn beside(policy_path: &Path, relative: &Path) -> PathBuf {
    if relative.is_absolute() {
        return relative.to_owned();
    }
    policy_path.parent().unwrap_or(Path::new(".")).join(relative)
}

fn read_template(
    policy_path: &Path,
    template: &Option<PathBuf>,
    key: &'static str,
    default: &str,
) -> Result<String, RequestError> {
    match template {
        Some(template) => {
            let path = beside(policy_path, template);
            input::read_text(&path, input::TEMPLATE_LIMIT).map_err(|error| RequestError::Template {
                key,
                reason: error.to_string(),
                path,
            })
        }
        None => Ok(default.to_owned()),
    }
}

/// Where the sealed secret of a policy ceremony comes from.
pub enum PolicySource<'a> {
    /// As the policy says: generated, or imported from `secret_file` (else the policy's file).
    Policy {
        /// `--secret-file`, overriding the policy's `file`.
        secret_file: Option<&'a Path>,
        /// TOTP overrides and the time.
        run: ImportRun,
    },
    /// Recovered from the sheets of an earlier ceremony (`reseal`).
    Recovered(Box<Payload>),
}

/// What one run of a policy adds to it: envelope serials given at the ceremony, and the
/// passphrases passphrase-protected custodians chose (share index, passphrase).
pub struct PolicyRun {
    /// Envelope serials (share index, serial), over the policy's.
    pub seal_serials: Vec<(usize, String)>,
    /// Passphrases of passphrase-protected custodians, by share index.
    pub passphrases: Vec<(usize, SecretString)>,
    /// Now, Unix seconds.
    pub now: i64,
}

fn policy_kind(secret: &PolicySecret) -> SecretKind {
    match secret {
        PolicySecret::Passphrase { .. } => SecretKind::Passphrase,
        PolicySecret::Certificate { .. } => SecretKind::Certificate,
        PolicySecret::Import { kind, .. } => kind.clone(),
    }
}

/// Builds the ceremony request a policy describes, with its paper-trail templates.
pub fn from_policy(
    policy_path: &Path,
    policy: &Policy,
    run: PolicyRun,
    source: PolicySource,
) -> Result<(CeremonyRequest, PaperTrailTemplates), RequestError> {
    let PolicyRun {
        seal_serials,
        mut passphrases,
        now,
    } = run;
    let given: Vec<usize> = passphrases.iter().map(|(index, _)| *index).collect();
    passphrase_custodians(policy, &given)?;
    let mut custodians = Vec::with_capacity(policy.custodians.len());
    for (position, custodian) in policy.custodians.iter().enumerate() {
        let index = position + 1;
        let protection = match &custodian.protection {
            Protection::None => ShareProtection::None,
            Protection::Recipient(recipient) => ShareProtection::Recipient(recipient.clone()),
            Protection::Passphrase => {
                let at = passphrases
                    .iter()
                    .position(|(wanted, _)| *wanted == index)
                    .ok_or_else(|| RequestError::PassphraseMissing {
                        index,
                        name: custodian.name.clone(),
                    })?;
                ShareProtection::Passphrase(passphrases.swap_remove(at).1)
            }
        };
        custodians.push(CustodianSpec {
            name: custodian.name.clone(),
            role: custodian.role.clone(),
            location: custodian.location.clone(),
            protection,
            seal_serial: custodian.seal_serial.clone(),
            contact: custodian.contact.clone(),
        });
    }
    apply_seal_serials(&mut custodians, &seal_serials)?;
    let secret = match source {
        PolicySource::Recovered(payload) => {
            let expected = policy_kind(&policy.secret);
            if payload.kind != expected {
                return Err(RequestError::KindMismatch {
                    sealed: payload.kind.as_str().to_owned(),
                    policy: expected.as_str().to_owned(),
                });
            }
            let public = kinds::of(&payload.kind)
                .public_facts(&payload)
                .map_err(RequestError::Recovered)?;
            SecretInput::Recovered(Box::new((*payload, public)))
        }
        PolicySource::Policy { secret_file, run } => policy_secret(policy_path, policy, secret_file, run)?,
    };
    let instructions = read_template(
        policy_path,
        &policy.sheet_template,
        "sheet_template",
        seal::DEFAULT_INSTRUCTIONS,
    )?;
    let templates = PaperTrailTemplates {
        runbook: read_template(
            policy_path,
            &policy.runbook_template,
            "runbook_template",
            runbook::RUNBOOK_TEMPLATE,
        )?,
        record: read_template(
            policy_path,
            &policy.record_template,
            "record_template",
            runbook::RECORD_TEMPLATE,
        )?,
    };
    let request = CeremonyRequest {
        label: policy.label.clone(),
        threshold: policy.threshold,
        custodians,
        paper: policy.paper,
        secret,
        instructions,
        other_templates: [
            ("runbook_template", &policy.runbook_template, &templates.runbook),
            ("record_template", &policy.record_template, &templates.record),
        ]
        .into_iter()
        .filter(|(_, named, _)| named.is_some())
        .map(|(what, _, text)| (what.to_owned(), text.clone()))
        .collect(),
        created: now,
        account: policy.account.clone(),
        record: CeremonyRecord {
            tenant: policy.tenant.clone(),
            policy_sha256: Some(policy.sha256.clone()),
            drill_interval_days: Some(policy.drill_interval_days),
            rotation_days: policy.rotation_days,
            replaces: None,
            contacts: policy.contacts.clone(),
            app_id: policy.app_id.clone(),
            account_id: policy.account_id.clone(),
            account_on_sheets: policy.account_on_sheets,
        },
    };
    Ok((request, templates))
}

/// The secret a policy seals: generated, or imported from `secret_file` or the policy's file.
fn policy_secret(
    policy_path: &Path,
    policy: &Policy,
    secret_file: Option<&Path>,
    run: ImportRun,
) -> Result<SecretInput, RequestError> {
    Ok(match &policy.secret {
        PolicySecret::Passphrase { style, bits } => match secret_file {
            Some(path) => import_secret(SecretKind::Passphrase, path, run, &policy.label, Vec::new(), None)?,
            None => {
                let forbidden = match &policy.account {
                    Some(account) => passphrase::forbidden_terms(account).map_err(RequestError::Account)?,
                    None => Vec::new(),
                };
                SecretInput::GeneratePassphrase(PassphrasePolicy {
                    style: *style,
                    bits: *bits,
                    forbidden,
                })
            }
        },
        PolicySecret::Certificate {
            subject,
            key_bits,
            valid_days,
        } => {
            if secret_file.is_some() {
                return Err(RequestError::CertificateFromFile);
            }
            SecretInput::GenerateCertificate(CertificateRequest {
                subject: subject.clone(),
                key_bits: *key_bits,
                valid_days: *valid_days,
                not_before: run.now,
            })
        }
        PolicySecret::Import {
            kind,
            file,
            expires,
            key_serials,
        } => {
            let path = match (secret_file, file) {
                (Some(path), _) => path.to_owned(),
                (None, Some(file)) => beside(policy_path, file),
                (None, None) => return Err(RequestError::NoSecretFile(kind.as_str().to_owned())),
            };
            import_secret(
                kind.clone(),
                &path,
                run,
                &policy.label,
                key_serials.clone(),
                expires.clone(),
            )?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passphrases_are_asked_of_passphrase_protected_custodians_only() {
        let text =
            crate::ceremony::policy::TEMPLATE.replacen("protection = \"none\"", "protection = \"passphrase\"", 2);
        let policy = crate::ceremony::policy::parse(&text, 1_795_609_845).expect("the template parses");
        let needed = passphrase_custodians(&policy, &[2]).expect("share 2 is protected");
        let indices: Vec<usize> = needed.iter().map(|(index, _)| *index).collect();
        assert_eq!(indices, [1, 2]);
        assert_eq!(needed[0].1, policy.custodians[0].name);
        assert!(matches!(
            passphrase_custodians(&policy, &[3]),
            Err(RequestError::NotPassphraseProtected(3))
        ));
    }
}
