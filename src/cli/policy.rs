//! `breakglass init`, `breakglass check-policy`, and turning a policy file into a ceremony.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use breakglass::ceremony::policy::{self, Policy, PolicySecret, Protection};
use breakglass::ceremony::seal::{self, CeremonyRecord, CeremonyRequest, CustodianSpec, SecretInput, ShareProtection};
use breakglass::crypto::payload::{Payload, SecretKind};
use breakglass::crypto::secret::SecretString;
use breakglass::kinds::generate::certificate::CertificateRequest;
use breakglass::kinds::generate::passphrase::{self, Policy as PassphrasePolicy};
use breakglass::platform::{clock, input};

use super::unlock::read_secret_line;
use super::{Failure, SealArgs, exit};

/// Runs `init`: writes the commented policy template, never over an existing file.
pub fn init(path: &Path) -> Result<(), Failure> {
    breakglass::platform::output::write_new_file(path, policy::TEMPLATE.as_bytes())
        .map_err(|error| Failure::new(exit::for_output(&error), error.to_string()))?;
    errln!(
        "Wrote {}: edit it (every value is an example), then run",
        path.display()
    );
    errln!("  breakglass check-policy {}", path.display());
    errln!("  breakglass seal --policy {}", path.display());
    errln!("It holds no secret: commit it to git beside the ceremony's manifest.");
    Ok(())
}

/// Reads and validates a policy, printing every problem (and warning) with its line.
pub fn load(path: &Path) -> Result<Policy, Failure> {
    let limit = breakglass::ceremony::policy::MAX_BYTES as u64;
    let bytes = input::read(path, limit).map_err(|error| {
        Failure::new(
            exit::UNREADABLE,
            format!(
                "cannot read policy {}: {error}; check the path (breakglass init writes one)",
                path.display()
            ),
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::new(
            exit::POLICY,
            format!("{} is not UTF-8 text; save the policy as UTF-8", path.display()),
        )
    })?;
    match policy::parse(&text, clock::now_unix()) {
        Ok(policy) => {
            for warning in &policy.warnings {
                errln!("warning: {}:{}: {}", path.display(), warning.line, warning.message);
            }
            Ok(policy)
        }
        Err(error) => {
            let count = error.problems.len();
            if count > 1 {
                for problem in &error.problems {
                    errln!("{}:{}: {}", path.display(), problem.line, problem.message);
                }
            }
            let first = error
                .problems
                .first()
                .map(|p| (p.line, p.message.clone()))
                .unwrap_or_default();
            Err(Failure::new(
                exit::POLICY,
                if count > 1 {
                    format!(
                        "{}: {count} problems (listed above); fix them and run breakglass check-policy again",
                        path.display()
                    )
                } else {
                    format!("{}:{}: {}", path.display(), first.0, first.1)
                },
            ))
        }
    }
}

/// Runs `check-policy`.
pub fn check(path: &Path) -> Result<(), Failure> {
    let policy = load(path)?;
    let protected = policy
        .custodians
        .iter()
        .filter(|custodian| custodian.protection != Protection::None)
        .count();
    outln!(
        "{}: valid. \"{}\": {} of {} custodians ({} with protected shares), {}, drill every {} days{}.",
        path.display(),
        policy.label,
        policy.threshold,
        policy.custodians.len(),
        protected,
        match &policy.secret {
            PolicySecret::Passphrase { .. } => "a generated passphrase".to_owned(),
            PolicySecret::Certificate { key_bits, .. } => format!("a generated RSA-{key_bits} app certificate"),
            PolicySecret::Import { kind, .. } => format!("an imported {}", kind.as_str()),
        },
        policy.drill_interval_days,
        policy
            .rotation_days
            .map(|days| format!(", rotate within {days} days"))
            .unwrap_or_default()
    );
    for contact in &policy.contacts {
        let reach: Vec<&str> = [&contact.name, &contact.phone]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let note = contact
            .note
            .as_ref()
            .map(|note| format!(" ({note})"))
            .unwrap_or_default();
        outln!("contact: {}: {}{note}", contact.role, reach.join(", "));
    }
    outln!("policy sha256: {}", policy.sha256);
    Ok(())
}

/// A path in the policy is relative to the policy file's directory.
fn beside(policy_path: &Path, relative: &Path) -> PathBuf {
    if relative.is_absolute() {
        return relative.to_owned();
    }
    policy_path.parent().unwrap_or(Path::new(".")).join(relative)
}

fn ask_passphrase(name: &str, index: usize) -> Result<SecretString, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            exit::USAGE,
            format!(
                "custodian {index} ({name}) protects their share with a passphrase: run seal on a terminal so they can type it, or give --custodian-passphrase-file {index}=FILE"
            ),
        ));
    }
    for _ in 0..3 {
        let first = SecretString::new(
            rpassword::prompt_password(format!(
                "{name}, choose the passphrase for your share (at least {} characters): ",
                breakglass::crypto::protect::MIN_PASSPHRASE_CHARS
            ))
            .map_err(|error| Failure::new(exit::USAGE, format!("cannot read the passphrase: {error}")))?,
        );
        let second = SecretString::new(
            rpassword::prompt_password(format!("{name}, type it again: "))
                .map_err(|error| Failure::new(exit::USAGE, format!("cannot read the passphrase: {error}")))?,
        );
        if first == second {
            return Ok(first);
        }
        errln!("The two passphrases differ; try again.");
    }
    Err(Failure::new(
        exit::USAGE,
        format!("{name}'s passphrases did not match three times; run seal again"),
    ))
}

/// Markdown templates of the runbook and the ceremony record.
pub struct PaperTrailTemplates {
    /// Runbook.
    pub runbook: String,
    /// Ceremony record (cover page).
    pub record: String,
}

impl Default for PaperTrailTemplates {
    fn default() -> Self {
        Self {
            runbook: breakglass::paper::runbook::RUNBOOK_TEMPLATE.to_owned(),
            record: breakglass::paper::runbook::RECORD_TEMPLATE.to_owned(),
        }
    }
}

fn read_template(policy_path: &Path, template: &Option<PathBuf>, key: &str, default: &str) -> Result<String, Failure> {
    match template {
        Some(template) => {
            let path = beside(policy_path, template);
            input::read_text(&path, input::TEMPLATE_LIMIT).map_err(|error| {
                Failure::new(
                    exit::UNREADABLE,
                    format!("cannot read {key} {}: {error}; fix {key} in the policy", path.display()),
                )
            })
        }
        None => Ok(default.to_owned()),
    }
}

/// Where the ceremony is written: `--out`, else the policy's `out` (beside the policy file).
pub fn output_dir(policy_path: &Path, policy: &Policy, out: Option<&PathBuf>) -> Result<PathBuf, Failure> {
    match (out, &policy.out) {
        (Some(out), _) => Ok(out.clone()),
        (None, Some(out)) => Ok(beside(policy_path, out)),
        (None, None) => Err(Failure::new(
            exit::USAGE,
            "the policy names no output directory: add out = \"envelopes\" to it, or give --out DIR",
        )),
    }
}

/// Options of a ceremony run that the policy does not hold.
pub struct PolicyRun<'a> {
    /// `--seal-serial INDEX=SERIAL`.
    pub seal_serials: &'a [String],
    /// `--custodian-passphrase-file INDEX=FILE`.
    pub custodian_passphrase_files: &'a [String],
}

/// Where the sealed secret comes from.
pub enum SecretSource<'a> {
    /// As the policy says (generated, or imported with `seal`'s options).
    Policy(&'a SealArgs),
    /// Recovered from the sheets of an earlier ceremony (`reseal`).
    Recovered(Box<Payload>),
}

fn policy_kind(secret: &PolicySecret) -> SecretKind {
    match secret {
        PolicySecret::Passphrase { .. } => SecretKind::Passphrase,
        PolicySecret::Certificate { .. } => SecretKind::Certificate,
        PolicySecret::Import { kind, .. } => kind.clone(),
    }
}

/// Builds the ceremony request a policy describes, with its paper-trail templates.
pub fn request(
    policy_path: &Path,
    policy: &Policy,
    run: PolicyRun,
    source: SecretSource,
) -> Result<(CeremonyRequest, PaperTrailTemplates), Failure> {
    let passphrase_files = super::seal::indexed_options(
        run.custodian_passphrase_files,
        "--custodian-passphrase-file",
        "2=ben.txt",
    )?;
    let mut custodians = Vec::with_capacity(policy.custodians.len());
    for (position, custodian) in policy.custodians.iter().enumerate() {
        let index = position + 1;
        let protection = match &custodian.protection {
            Protection::None => ShareProtection::None,
            Protection::Recipient(recipient) => ShareProtection::Recipient(recipient.clone()),
            Protection::Passphrase => {
                let passphrase = match passphrase_files.iter().find(|(wanted, _)| *wanted == index) {
                    Some((_, file)) => read_secret_line(Path::new(file), "the custodian passphrase")?,
                    None => ask_passphrase(&custodian.name, index)?,
                };
                ShareProtection::Passphrase(passphrase)
            }
        };
        custodians.push(CustodianSpec {
            name: custodian.name.clone(),
            role: custodian.role.clone(),
            location: custodian.location.clone(),
            protection,
            seal_serial: custodian.seal_serial.clone(),
        });
    }
    if let Some((index, _)) = passphrase_files.iter().find(|(index, _)| {
        policy
            .custodians
            .get(index - 1)
            .is_none_or(|c| c.protection != Protection::Passphrase)
    }) {
        return Err(Failure::new(
            exit::USAGE,
            format!(
                "--custodian-passphrase-file {index}=...: custodian {index} is not passphrase-protected in the policy"
            ),
        ));
    }
    super::seal::apply_seal_serials(&mut custodians, run.seal_serials)?;
    let args = match source {
        SecretSource::Policy(args) => args,
        SecretSource::Recovered(payload) => {
            let expected = policy_kind(&policy.secret);
            if payload.kind != expected {
                return Err(Failure::new(
                    exit::BAD_REQUEST,
                    format!(
                        "the sheets hold a {} but the policy seals a {}; give the policy of this secret (its [secret] kind)",
                        payload.kind.as_str(),
                        expected.as_str()
                    ),
                ));
            }
            let public =
                seal::public_facts_of(&payload).map_err(|error| Failure::new(exit::VAULT, error.to_string()))?;
            return finish(
                policy_path,
                policy,
                custodians,
                SecretInput::Recovered(Box::new((*payload, public))),
            );
        }
    };
    let secret = match &policy.secret {
        PolicySecret::Passphrase { style, bits } => {
            let forbidden = match &policy.account {
                Some(account) => passphrase::forbidden_terms(account)
                    .map_err(|error| Failure::new(exit::POLICY, format!("account: {error}")))?,
                None => Vec::new(),
            };
            if let Some(path) = &args.secret_file {
                super::seal::import_secret(
                    breakglass::crypto::payload::SecretKind::Passphrase,
                    path,
                    args,
                    Vec::new(),
                    None,
                )?
            } else {
                SecretInput::GeneratePassphrase(PassphrasePolicy {
                    style: *style,
                    bits: *bits,
                    forbidden,
                })
            }
        }
        PolicySecret::Certificate {
            subject,
            key_bits,
            valid_days,
        } => {
            if args.secret_file.is_some() {
                return Err(Failure::new(
                    exit::USAGE,
                    "the policy generates a certificate; do not give --secret-file",
                ));
            }
            SecretInput::GenerateCertificate(CertificateRequest {
                subject: subject.clone(),
                key_bits: *key_bits,
                valid_days: *valid_days,
                not_before: clock::now_unix(),
            })
        }
        PolicySecret::Import {
            kind,
            file,
            expires,
            key_serials,
        } => {
            let path = match (&args.secret_file, file) {
                (Some(path), _) => path.clone(),
                (None, Some(file)) => beside(policy_path, file),
                (None, None) => {
                    return Err(Failure::new(
                        exit::USAGE,
                        format!(
                            "the policy imports a {}: give --secret-file PATH (or - for standard input)",
                            kind.as_str()
                        ),
                    ));
                }
            };
            super::seal::import_secret(kind.clone(), &path, args, key_serials.clone(), expires.clone())?
        }
    };
    finish(policy_path, policy, custodians, secret)
}

fn finish(
    policy_path: &Path,
    policy: &Policy,
    custodians: Vec<CustodianSpec>,
    secret: SecretInput,
) -> Result<(CeremonyRequest, PaperTrailTemplates), Failure> {
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
            breakglass::paper::runbook::RUNBOOK_TEMPLATE,
        )?,
        record: read_template(
            policy_path,
            &policy.record_template,
            "record_template",
            breakglass::paper::runbook::RECORD_TEMPLATE,
        )?,
    };
    let request = CeremonyRequest {
        label: policy.label.clone(),
        threshold: policy.threshold,
        custodians,
        paper: policy.paper,
        secret,
        instructions,
        created: clock::now_unix(),
        account: policy.account.clone(),
        record: CeremonyRecord {
            tenant: policy.tenant.clone(),
            policy_sha256: Some(policy.sha256.clone()),
            drill_interval_days: Some(policy.drill_interval_days),
            rotation_days: policy.rotation_days,
            replaces: None,
            contacts: policy.contacts.clone(),
        },
    };
    Ok((request, templates))
}
