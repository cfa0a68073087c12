//! The sealing ceremony: secret in, one sheet per custodian out.
//!
//! Order of work: encrypt the payload to a fresh vault key (age), derive the ceremony id from
//! the ciphertext, split the key k-of-n, encode every block in paper format v1, render the
//! sheets, and describe it all in a manifest. Nothing secret leaves this module except inside
//! the sheets (shares) and the returned generated passphrase, which the caller shows once.

use zeroize::Zeroizing;

use crate::ceremony::names;
use crate::ceremony::rules::{self, RuleError};
use crate::crypto::digest::sha256_hex;
use crate::crypto::payload::Payload;
use crate::crypto::share::{self, ShareError};
use crate::crypto::vault::{self, VaultError};
use crate::evidence::manifest::{self, Custodian, Manifest};
use crate::kinds::SecretKind;
use crate::kinds::certificate::generate::{self as certificate, CertificateError, CertificateRequest};
pub use crate::kinds::import::{ProvidedSecret, PublicFacts};
use crate::kinds::passphrase::generate::{self as passphrase, Passphrase, PassphraseError, Policy};
use crate::paper::format::PaperFormat;
use crate::paper::format::v1::{self, CeremonyId, EncodedBlock, Header, Part};
use crate::paper::render::{self, Paper, RenderError, SheetBlock, SheetModel};
use crate::platform::clock;
use crate::platform::dates::UtcTime;

/// Built-in sheet instructions (English); `--sheet-template` replaces them.
pub const DEFAULT_INSTRUCTIONS: &str = include_str!("../../templates/sheet-instructions.en.txt");
/// Data lines per vault QR code: 16 lines = 400 bytes, well inside the ~1 KB per code that
/// paper backups have found reliable.
pub const VAULT_LINES_PER_CODE: usize = 16;
/// Largest vault ciphertext sealed (8 codes).
pub const MAX_CIPHERTEXT_BYTES: usize = VAULT_LINES_PER_CODE * v1::BYTES_PER_LINE * 8;
/// Longest custodian name or label.
pub const MAX_NAME_CHARS: usize = 64;

/// Where the secret comes from.
#[derive(Debug)]
pub enum SecretInput {
    /// Generate a new passphrase under this policy.
    GeneratePassphrase(Policy),
    /// A secret the user already holds.
    Provided(Box<ProvidedSecret>),
    /// Generate an RSA key and self-signed certificate for an app registration.
    GenerateCertificate(CertificateRequest),
    /// A payload recovered from an earlier ceremony (re-seal), with its public facts.
    Recovered(Box<(Payload, PublicFacts)>),
}

/// How a custodian's share is protected on their sheet.
#[derive(Debug, Default)]
pub enum ShareProtection {
    /// Printed as is.
    #[default]
    None,
    /// Encrypted with this passphrase, typed by the custodian at the ceremony (age scrypt).
    Passphrase(crate::crypto::secret::SecretString),
    /// Encrypted to this age recipient (X25519 or plugin).
    Recipient(String),
}

/// One custodian of a ceremony.
#[derive(Debug, Default)]
pub struct CustodianSpec {
    /// Name printed on their sheet.
    pub name: String,
    /// Role (public, printed on the cover page).
    pub role: Option<String>,
    /// Where their envelope is kept (public, printed on the cover page).
    pub location: Option<String>,
    /// Protection of their share.
    pub protection: ShareProtection,
    /// Serial of the tamper-evident envelope or seal, printed on the sheet.
    pub seal_serial: Option<String>,
    /// How to reach them (public: the runbook's custodian table; never printed on a sheet).
    pub contact: Option<String>,
}

impl CustodianSpec {
    fn protection_is_none(&self) -> bool {
        matches!(self.protection, ShareProtection::None)
    }

    /// A custodian with only a name and an unprotected share.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }
}

/// Public facts about the ceremony recorded in the manifest (from the policy, or by re-seal).
#[derive(Clone, Debug, Default)]
pub struct CeremonyRecord {
    /// The Entra tenant.
    pub tenant: Option<String>,
    /// SHA-256 of the policy file.
    pub policy_sha256: Option<String>,
    /// Days between drills.
    pub drill_interval_days: Option<u32>,
    /// Days until rotation.
    pub rotation_days: Option<u32>,
    /// The ceremony this one replaces.
    pub replaces: Option<CeremonyId>,
    /// Whom to call when the glass is broken.
    pub contacts: Vec<crate::evidence::manifest::Contact>,
    /// The app registration's application (client) id.
    pub app_id: Option<String>,
    /// The emergency account's object id.
    pub account_id: Option<String>,
    /// Print the account and tenant on the sheets (off by default: a stolen envelope should not
    /// name the account to attack; the runbook and manifest always have them).
    pub account_on_sheets: bool,
}

/// What to seal and how.
#[derive(Debug)]
pub struct CeremonyRequest {
    /// Free-text label printed on every sheet.
    pub label: String,
    /// k.
    pub threshold: u8,
    /// Custodians, in share order (share i goes to custodian i).
    pub custodians: Vec<CustodianSpec>,
    /// Paper size.
    pub paper: Paper,
    /// The secret.
    pub secret: SecretInput,
    /// Instruction text template.
    pub instructions: String,
    /// The other templates the operator chose (what, text), e.g. the runbook and the ceremony
    /// record: checked, like `instructions`, never to hold the secret in clear.
    pub other_templates: Vec<(String, String)>,
    /// Creation time (Unix seconds).
    pub created: i64,
    /// The account the secret is for, recorded in the manifest (public).
    pub account: Option<String>,
    /// Other public facts for the manifest.
    pub record: CeremonyRecord,
}

/// One custodian's rendered sheet. Its PDF holds the share (unless protected), so the bytes are
/// wiped on drop and `Debug` shows only their length.
pub struct SealedSheet {
    /// Share index.
    pub index: u8,
    /// Custodian name.
    pub custodian: String,
    /// File name (`sheet-<index>-<name>.pdf`).
    pub file_name: String,
    /// The PDF.
    pub pdf: Zeroizing<Vec<u8>>,
    /// The blocks printed on it (for typed copies and self-checks).
    pub blocks: Vec<EncodedBlock>,
    /// For a protected share: the plain share, kept in memory only so the self-check can prove
    /// the quorum without asking custodians again (wiped on drop).
    pub unprotected_share: Option<crate::crypto::secret::SecretBytes>,
}

impl std::fmt::Debug for SealedSheet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedSheet")
            .field("index", &self.index)
            .field("custodian", &self.custodian)
            .field("file_name", &self.file_name)
            .field("pdf", &format_args!("<{} bytes>", self.pdf.len()))
            .field("blocks", &self.blocks.len())
            .finish_non_exhaustive()
    }
}

/// A completed ceremony, ready to be written out.
#[derive(Debug)]
pub struct SealedCeremony {
    /// Public record.
    pub manifest: Manifest,
    /// The paper size the sheets (and the record and runbook) are printed on.
    pub paper: Paper,
    /// One sheet per custodian.
    pub sheets: Vec<SealedSheet>,
    /// The generated passphrase, to be shown once (None for provided secrets).
    pub generated: Option<Passphrase>,
    /// Public files to write beside the sheets (e.g. the certificate to upload to Entra).
    pub public_files: Vec<(String, Vec<u8>)>,
}

/// Sealing failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// A ceremony rule is broken (custodians, threshold, repeated names or serials).
    #[error("{0}")]
    Rules(#[from] RuleError),
    /// Bad ceremony parameters.
    #[error("{0}")]
    Parameters(String),
    /// Passphrase generation failed.
    #[error(transparent)]
    Passphrase(#[from] PassphraseError),
    /// Sharing failed.
    #[error(transparent)]
    Share(#[from] ShareError),
    /// Encryption failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// Rendering failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Certificate generation failed.
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    /// A custodian's share could not be protected.
    #[error("custodian {custodian}: {error}")]
    Protect {
        /// Who.
        custodian: String,
        /// Why.
        error: crate::crypto::protect::ProtectError,
    },
    /// A template holds the secret: it would print the secret in clear.
    #[error(
        "the {0} contains the secret being sealed, so it would print it in clear; use a template that does not (check the path the policy names)"
    )]
    SecretInTemplate(String),
    /// The secret is too large for paper.
    #[error(
        "the secret is too large for paper: its vault is {0} bytes, at most {MAX_CIPHERTEXT_BYTES} fit on a sheet; seal a smaller file"
    )]
    TooLarge(usize),
}

/// Shortest secret looked for in text: shorter ones would match ordinary words.
const MIN_SECRET_IN_TEXT: usize = 4;

/// True if `text` holds `secret` (without its surrounding whitespace, as a file's trailing
/// newline), so that text going to paper or a log can be refused or withheld.
pub fn holds_secret(text: &[u8], secret: &[u8]) -> bool {
    let secret = secret.trim_ascii();
    secret.len() >= MIN_SECRET_IN_TEXT && text.windows(secret.len()).any(|window| window == secret)
}

/// Refuses a template (sheet instructions, runbook, ceremony record) that holds the secret.
fn check_templates(instructions: &str, others: &[(String, String)], secret: &[u8]) -> Result<(), SealError> {
    // The built-in instructions are breakglass's own words, not the operator's choice.
    if instructions != DEFAULT_INSTRUCTIONS && holds_secret(instructions.as_bytes(), secret) {
        return Err(SealError::SecretInTemplate("sheet template".into()));
    }
    match others.iter().find(|(_, text)| holds_secret(text.as_bytes(), secret)) {
        Some((what, _)) => Err(SealError::SecretInTemplate(what.clone())),
        None => Ok(()),
    }
}

/// A file-name-safe form of a custodian name (`custodian` if nothing usable is left).
pub fn slug(name: &str) -> String {
    slug_or(name, "custodian")
}

/// A file-name-safe form of `text`: transliterated to ASCII (Sørensen -> sorensen, Łukasz ->
/// lukasz, Ωμέγα -> omega, Анна -> anna), lower-case letters and digits joined by `-`, at most
/// 40 characters; `fallback` if nothing usable is left.
pub fn slug_or(text: &str, fallback: &str) -> String {
    let mut slug = String::new();
    for c in deunicode::deunicode(text).chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').chars().take(40).collect::<String>();
    if slug.is_empty() { fallback.into() } else { slug }
}

/// Refuses text the sheets, runbook or cover page would print but the embedded font cannot draw
/// (a CJK or Arabic name, an emoji), naming where it is: caught before anything is sealed,
/// never printed as empty boxes or dropped.
fn check_printed(request: &CeremonyRequest) -> Result<(), SealError> {
    let mut fields: Vec<(String, &str)> = vec![("the label".into(), &request.label)];
    for (number, custodian) in request.custodians.iter().enumerate() {
        let whose = format!("custodian {}", number + 1);
        fields.push((format!("{whose}'s name {:?}", custodian.name), &custodian.name));
        for (what, value) in [
            ("role", &custodian.role),
            ("location", &custodian.location),
            ("seal serial", &custodian.seal_serial),
            ("contact", &custodian.contact),
        ] {
            if let Some(value) = value {
                fields.push((format!("{whose}'s {what}"), value));
            }
        }
    }
    if let Some(account) = &request.account {
        fields.push(("the account".into(), account));
    }
    for (field, value) in fields {
        if let Some(character) = crate::paper::render::text::first_unprintable(value) {
            return Err(SealError::Parameters(format!(
                "{field} contains {character:?}, which the sheets' font cannot print (it has Latin, Greek and Cyrillic letters); write it in one of those, e.g. a Chinese name in pinyin"
            )));
        }
    }
    Ok(())
}

fn check_request(request: &CeremonyRequest) -> Result<(), SealError> {
    let shares = request.custodians.len();
    rules::check_custodian_count(shares)?;
    rules::check_threshold(i64::from(request.threshold), shares)?;
    for custodian in &request.custodians {
        let name = &custodian.name;
        let trimmed = names::normalise(name);
        if trimmed.is_empty() || trimmed.chars().count() > MAX_NAME_CHARS || trimmed.chars().any(names::is_invisible) {
            return Err(SealError::Parameters(format!(
                "custodian name {name:?} must be 1 to {MAX_NAME_CHARS} printable characters (no invisible or control characters)"
            )));
        }
        if let Some(serial) = &custodian.seal_serial
            && (serial.trim().is_empty() || serial.chars().count() > 40 || serial.chars().any(names::is_invisible))
        {
            return Err(SealError::Parameters(format!(
                "the seal serial of {trimmed:?} must be 1 to 40 printable characters"
            )));
        }
    }
    let names = rules::repeated_names(request.custodians.iter().map(|custodian| custodian.name.as_str()));
    let serials = rules::repeated_serials(
        request
            .custodians
            .iter()
            .map(|custodian| custodian.seal_serial.as_deref()),
    );
    if let Some((_, error)) = names.into_iter().chain(serials).next() {
        return Err(error.into());
    }
    if request.label.chars().count() > MAX_NAME_CHARS || request.label.chars().any(names::is_invisible) {
        return Err(SealError::Parameters(format!(
            "the label must be at most {MAX_NAME_CHARS} printable characters (no invisible or control characters)"
        )));
    }
    check_printed(request)?;
    if let SecretInput::Provided(provided) = &request.secret
        && provided.secret.is_empty()
    {
        return Err(SealError::Parameters(
            "the secret is empty; give a non-empty --secret-file".into(),
        ));
    }
    Ok(())
}

/// Replaces each `{name}` placeholder of a text template (sheet instructions, runbook, ceremony
/// record) with its value, in one pass over the template: a value that itself contains
/// `{label}` (a custodian's name, a contact's note) is printed as written, never expanded.
/// Unknown placeholders are left as they are.
pub fn fill_template(template: &str, values: &[(&str, String)]) -> String {
    let mut filled = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        filled.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (value, close))
        });
        match value {
            Some((value, close)) => {
                filled.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                filled.push('{');
                rest = after;
            }
        }
    }
    filled.push_str(rest);
    filled
}

/// Encodes the vault ciphertext into evenly sized chunks of at most 16 lines.
pub fn vault_blocks(ceremony: &CeremonyId, threshold: u8, shares: u8, ciphertext: &[u8]) -> Vec<EncodedBlock> {
    let per_code = VAULT_LINES_PER_CODE * v1::BYTES_PER_LINE;
    let count = ciphertext.len().div_ceil(per_code).max(1);
    let size = ciphertext.len().div_ceil(count);
    ciphertext
        .chunks(size)
        .enumerate()
        .map(|(index, chunk)| {
            let header = Header {
                ceremony: ceremony.clone(),
                threshold,
                shares,
                part: Part::Vault {
                    chunk: (index + 1) as u8,
                    of: count as u8,
                },
                byte_len: chunk.len(),
            };
            v1::encode_block(&header, chunk).expect("chunk sizes are within a block")
        })
        .collect()
}

/// Runs the ceremony in memory.
pub fn seal(request: CeremonyRequest) -> Result<SealedCeremony, SealError> {
    seal_with_progress(request, &|_, _| {})
}

/// [`seal`], calling `rendered(done, total)` after each sheet is rendered (for a progress bar;
/// the library never prints). Key generation, for a certificate, and protecting custodians'
/// shares come before the first call. Sheets are rendered in parallel, one per core.
pub fn seal_with_progress(
    request: CeremonyRequest,
    rendered: &(dyn Fn(usize, usize) + Sync),
) -> Result<SealedCeremony, SealError> {
    check_request(&request)?;
    let shares = request.custodians.len() as u8;
    let label = request.label.trim().to_owned();
    let mut public_files = Vec::new();
    let (payload, generated, kind, public) = match request.secret {
        SecretInput::GeneratePassphrase(policy) => {
            let generated = passphrase::generate(&policy)?;
            let payload = Payload {
                kind: SecretKind::Passphrase,
                label: String::new(),
                file_name: None,
                metadata: Vec::new(),
                secret: generated.text.to_secret_bytes(),
            };
            (payload, Some(generated), SecretKind::Passphrase, PublicFacts::default())
        }
        SecretInput::Provided(provided) => {
            let provided = *provided;
            (
                Payload {
                    kind: provided.kind.clone(),
                    label: String::new(),
                    file_name: provided.file_name,
                    metadata: provided.metadata,
                    secret: provided.secret,
                },
                None,
                provided.kind,
                provided.public,
            )
        }
        SecretInput::Recovered(recovered) => {
            let (payload, public) = *recovered;
            if let Some(info) = &public.certificate {
                let rebuilt = certificate::from_sealed(&payload.secret, &payload.metadata)?;
                let display_name = if label.is_empty() {
                    info.subject.clone()
                } else {
                    label.clone()
                };
                public_files = certificate_files(&rebuilt.cert_der, &rebuilt.info, &display_name)?;
            }
            let kind = payload.kind.clone();
            (payload, None, kind, public)
        }
        SecretInput::GenerateCertificate(certificate_request) => {
            let generated = certificate::generate(&certificate_request)?;
            let sealed = certificate::to_sealed(&generated, &certificate_request)?;
            let display_name = if label.is_empty() {
                generated.info.subject.clone()
            } else {
                label.clone()
            };
            public_files = certificate_files(&generated.cert_der, &generated.info, &display_name)?;
            let public = PublicFacts {
                expires: Some(generated.info.not_after.day()),
                certificate: Some(generated.info.clone()),
                ..PublicFacts::default()
            };
            let payload = Payload {
                kind: SecretKind::Certificate,
                label: String::new(),
                file_name: None,
                metadata: sealed.metadata,
                secret: sealed.secret,
            };
            (payload, None, SecretKind::Certificate, public)
        }
    };
    check_templates(&request.instructions, &request.other_templates, payload.secret.expose())?;
    let key = vault::generate_key()?;
    let ciphertext = vault::seal(&key, &payload.to_bytes())?;
    drop(payload);
    if ciphertext.len() > MAX_CIPHERTEXT_BYTES {
        return Err(SealError::TooLarge(ciphertext.len()));
    }
    let ceremony = CeremonyId::for_ciphertext(&ciphertext);
    let key_shares = share::split(&key, request.threshold, shares)?;
    let recipient = vault::recipient(&key);
    drop(key);
    let vault = vault_blocks(&ceremony, request.threshold, shares, &ciphertext);
    let created_date = clock::date(request.created);

    let mut sheets = Vec::with_capacity(key_shares.len());
    let mut custodians = Vec::with_capacity(key_shares.len());
    let mut models = Vec::with_capacity(key_shares.len());
    let shown_account = if request.record.account_on_sheets {
        (request.account.as_deref(), request.record.tenant.as_deref())
    } else {
        (None, None)
    };
    let extra_facts = public_facts_rows(&kind, &public, shown_account);
    let sheet_contacts = sheet_contacts(&request.record.contacts);
    for (key_share, spec) in key_shares.iter().zip(&request.custodians) {
        let index = key_share.index();
        let name = names::normalise(&spec.name);
        let (part, data, protection) = match &spec.protection {
            ShareProtection::None => (
                Part::Share { index },
                Zeroizing::new(key_share.as_bytes().to_vec()),
                manifest::ShareProtection::None,
            ),
            protected => {
                let plain = crate::crypto::secret::SecretBytes::from_slice(key_share.as_bytes());
                let (protector, recorded) = match protected {
                    ShareProtection::Passphrase(passphrase) => (
                        crate::crypto::protect::Protector::Passphrase(passphrase),
                        manifest::ShareProtection::Passphrase,
                    ),
                    ShareProtection::Recipient(recipient) => (
                        crate::crypto::protect::Protector::Recipient(recipient),
                        manifest::ShareProtection::Recipient {
                            recipient: recipient.clone(),
                        },
                    ),
                    ShareProtection::None => unreachable!("handled above"),
                };
                let protect_error = |error| SealError::Protect {
                    custodian: name.clone(),
                    error,
                };
                let protected = crate::crypto::protect::protect(&plain, protector).map_err(protect_error)?;
                // Prove the passphrase opens what was printed before anything is written.
                if let ShareProtection::Passphrase(passphrase) = &spec.protection {
                    let opened = crate::crypto::protect::unlock_with_passphrase(&protected, passphrase, index)
                        .map_err(protect_error)?;
                    if opened.expose() != plain.expose() {
                        return Err(protect_error(crate::crypto::protect::ProtectError::WrongShare(index)));
                    }
                }
                (Part::ProtectedShare { index }, Zeroizing::new(protected), recorded)
            }
        };
        let header = Header {
            ceremony: ceremony.clone(),
            threshold: request.threshold,
            shares,
            part,
            byte_len: data.len(),
        };
        let share_block = v1::encode_block(&header, &data).expect("a share always encodes");
        let mut blocks = vec![share_block];
        blocks.extend(vault.iter().map(EncodedBlock::duplicate));
        let file_name = format!("sheet-{index}-{}.pdf", slug(&name));
        let context = SheetContext {
            paper: request.paper,
            label: &label,
            threshold: request.threshold,
            shares,
            ceremony: &ceremony,
            created: &created_date,
            template: &request.instructions,
            extra_facts: &extra_facts,
            contacts: &sheet_contacts,
        };
        let custodian_facts = custodian_facts_rows(&protection);
        let model = sheet_model(
            &context,
            &name,
            index,
            &blocks,
            &custodian_facts,
            spec.seal_serial.as_deref(),
        );
        models.push(model);
        custodians.push(Custodian {
            index,
            name: name.clone(),
            sheet: file_name.clone(),
            role: spec.role.clone(),
            location: spec.location.clone(),
            protection,
            seal_serial: spec.seal_serial.as_ref().map(|serial| serial.trim().to_owned()),
            contact: spec.contact.clone(),
        });
        sheets.push(SealedSheet {
            index,
            custodian: name,
            file_name,
            pdf: Zeroizing::new(Vec::new()),
            blocks,
            unprotected_share: (!spec.protection_is_none())
                .then(|| crate::crypto::secret::SecretBytes::from_slice(key_share.as_bytes())),
        });
    }
    let total = models.len();
    let pdfs = render::render_sheets(&models, &|done| rendered(done, total));
    for (sheet, pdf) in sheets.iter_mut().zip(pdfs) {
        sheet.pdf = Zeroizing::new(pdf?);
    }
    let manifest = Manifest {
        format: manifest::FORMAT.into(),
        version: manifest::VERSION,
        paper_format: PaperFormat::Bg1,
        ceremony_id: ceremony.clone(),
        label,
        created: UtcTime::from_unix(request.created),
        threshold: request.threshold,
        shares,
        custodians,
        vault_recipient: recipient,
        ciphertext_sha256: sha256_hex(&ciphertext),
        ciphertext_bytes: ciphertext.len(),
        secret_kind: kind.clone(),
        paper: request.paper,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        account: request.account.clone(),
        key_serials: public.key_serials.clone(),
        secret_expires: public.expires,
        certificate: public.certificate.clone(),
        tenant: request.record.tenant.clone(),
        policy_sha256: request.record.policy_sha256.clone(),
        drill_interval_days: request.record.drill_interval_days,
        rotation_days: request.record.rotation_days,
        replaces: request.record.replaces.clone(),
        contacts: request.record.contacts.clone(),
        app_id: request.record.app_id.clone(),
        account_id: request.record.account_id.clone(),
    };
    Ok(SealedCeremony {
        manifest,
        paper: request.paper,
        sheets,
        generated,
        public_files,
    })
}

/// The public certificate files written beside the sheets, to upload to the app registration.
fn certificate_files(
    cert_der: &[u8],
    info: &certificate::CertificateInfo,
    display_name: &str,
) -> Result<Vec<(String, Vec<u8>)>, SealError> {
    Ok(vec![
        ("cert.cer".to_owned(), cert_der.to_vec()),
        (
            "cert.pem".to_owned(),
            certificate::pem("CERTIFICATE", cert_der)?.into_bytes(),
        ),
        (
            "keycredential.json".to_owned(),
            certificate::key_credential_json(cert_der, info, display_name)?.into_bytes(),
        ),
    ])
}

/// What every sheet of a ceremony shares.
struct SheetContext<'a> {
    paper: Paper,
    label: &'a str,
    threshold: u8,
    shares: u8,
    ceremony: &'a CeremonyId,
    created: &'a str,
    template: &'a str,
    extra_facts: &'a [(String, String)],
    contacts: &'a [(String, String)],
}

/// The contacts printed on every sheet (those the policy does not keep off them): role, and
/// name, number and note on one line.
fn sheet_contacts(contacts: &[crate::evidence::manifest::Contact]) -> Vec<(String, String)> {
    contacts
        .iter()
        .filter(|contact| contact.on_sheets)
        .map(|contact| {
            let detail: Vec<&str> = [&contact.name, &contact.phone, &contact.note]
                .into_iter()
                .filter_map(|part| part.as_deref())
                .collect();
            (contact.role.clone(), detail.join(", "))
        })
        .collect()
}

/// Facts rows for what is sealed, printed on every sheet (all public).
fn public_facts_rows(
    kind: &SecretKind,
    public: &PublicFacts,
    (account, tenant): (Option<&str>, Option<&str>),
) -> Vec<(String, String)> {
    let mut rows = vec![("Secret".to_owned(), crate::kinds::on_sheet(kind).to_owned())];
    if let Some(account) = account {
        rows.push(("Account".into(), account.to_owned()));
    }
    if let Some(tenant) = tenant {
        rows.push(("Tenant".into(), tenant.to_owned()));
    }
    if !public.key_serials.is_empty() {
        rows.push(("Security keys".into(), public.key_serials.join(", ")));
    }
    if let Some(info) = &public.certificate {
        rows.push((
            "Certificate".into(),
            format!("{} (RSA-{})", info.subject, info.key_bits),
        ));
        rows.push(("SHA-1 thumbprint".into(), info.sha1_thumbprint.clone()));
    }
    if let Some(expires) = &public.expires {
        rows.push(("Expires".into(), expires.to_string()));
    }
    rows
}

/// Facts row saying how this custodian's share is protected (the sheet must say what it needs).
fn custodian_facts_rows(protection: &manifest::ShareProtection) -> Vec<(String, String)> {
    match protection {
        manifest::ShareProtection::None => Vec::new(),
        manifest::ShareProtection::Passphrase => vec![("Protection".into(), "your passphrase".into())],
        manifest::ShareProtection::Recipient { recipient } => {
            let shown: String = if recipient.len() > 24 {
                format!("{}...{}", &recipient[..16], &recipient[recipient.len() - 6..])
            } else {
                recipient.clone()
            };
            vec![("Protection".into(), format!("your age identity ({shown})"))]
        }
    }
}

fn sheet_model(
    context: &SheetContext,
    custodian: &str,
    index: u8,
    blocks: &[EncodedBlock],
    custodian_facts: &[(String, String)],
    seal_serial: Option<&str>,
) -> SheetModel {
    let SheetContext {
        paper,
        label,
        threshold,
        shares,
        ceremony,
        created,
        template,
        extra_facts,
        contacts,
    } = context;
    let (paper, threshold, shares, created) = (*paper, *threshold, *shares, *created);
    let shown_label = if label.is_empty() {
        "(no label)".to_owned()
    } else {
        (*label).to_owned()
    };
    let instructions = fill_template(
        template,
        &[
            ("label", shown_label.clone()),
            ("threshold", threshold.to_string()),
            ("shares", shares.to_string()),
            ("ceremony", ceremony.display()),
            ("index", index.to_string()),
            ("custodian", custodian.to_owned()),
        ],
    );
    let sheet_blocks = blocks
        .iter()
        .map(|block| {
            let header = v1::decode_header(&block.lines[0], None).expect("own header decodes");
            let caption = match header.part {
                Part::Share { index } => format!("SHARE {index} of {shares}"),
                Part::ProtectedShare { index } => format!("PROTECTED SHARE {index} of {shares}"),
                Part::Vault { chunk, of } => format!("VAULT {chunk} of {of}"),
            };
            SheetBlock {
                caption,
                // Moved out of their wiped buffers into the block, which wipes them in turn.
                qr_payload: std::mem::take(&mut *block.qr_payload()),
                printed_lines: std::mem::take(&mut *block.printed_lines()),
            }
        })
        .collect();
    SheetModel {
        paper,
        title: "BREAKGLASS EMERGENCY ACCESS".into(),
        headline: format!("SHARE {index} OF {shares}"),
        facts: [
            ("Label".to_owned(), shown_label),
            ("Custodian".into(), custodian.to_owned()),
            ("Ceremony".into(), ceremony.display()),
            ("Sealed".into(), format!("{created} (UTC)")),
        ]
        .into_iter()
        .chain(extra_facts.iter().cloned())
        .chain(custodian_facts.iter().cloned())
        .chain(std::iter::once(("Format".into(), v1::MAGIC.to_owned())))
        .collect(),
        contacts: contacts.to_vec(),
        contacts_heading: "Who to call".into(),
        page_header: format!(
            "{custodian} - share {index} of {shares} - ceremony {} (continued)",
            ceremony.display()
        ),
        blocks: sheet_blocks,
        instructions,
        typed_heading: "Typed copy: the same data as the QR codes".into(),
        footer: format!(
            "breakglass sheet {index}/{shares} - ceremony {} - keep sealed",
            ceremony.display()
        ),
        document_title: format!("breakglass sheet {index} of {shares} - {label}"),
        seal_serial: seal_serial.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_in_one_pass_and_keep_what_they_do_not_know() {
        let values = [("label", "{threshold} {x}".to_owned()), ("threshold", "3".to_owned())];
        assert_eq!(
            fill_template("{label}: any {threshold} of {shares} {} {unclosed", &values),
            "{threshold} {x}: any 3 of {shares} {} {unclosed"
        );
        assert_eq!(fill_template("{{label}}", &values), "{{threshold} {x}}");
        assert_eq!(fill_template("no placeholders", &values), "no placeholders");
    }

    fn request(custodians: &[&str], threshold: u8) -> CeremonyRequest {
        CeremonyRequest {
            label: "test".into(),
            threshold,
            custodians: custodians.iter().map(|name| CustodianSpec::named(*name)).collect(),
            paper: Paper::A4,
            secret: SecretInput::GeneratePassphrase(Policy::default()),
            instructions: DEFAULT_INSTRUCTIONS.into(),
            other_templates: Vec::new(),
            created: 0,
            account: None,
            record: CeremonyRecord::default(),
        }
    }

    #[test]
    fn slugs_are_safe_file_names() {
        assert_eq!(slug("Ana Ruiz"), "ana-ruiz");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("Emil Sørensen"), "emil-sorensen");
        assert_eq!(slug("Łukasz Dvořák-Çelik"), "lukasz-dvorak-celik");
        assert_eq!(slug("Ωμέγα"), "omega");
        assert_eq!(slug("Анна Кузнецова"), "anna-kuznetsova");
        assert_eq!(slug("陈力"), "chen-li");
        assert_eq!(slug("!!!"), "custodian");
    }

    #[test]
    fn a_sheet_and_its_model_never_print_the_share() {
        let ceremony = seal(request(&["a", "b"], 2)).expect("seals");
        let sheet = &ceremony.sheets[0];
        let share_line = sheet.blocks[0].lines[1].clone();
        let printed = sheet.blocks[0].printed_lines()[1].clone();
        assert!(sheet.pdf.starts_with(b"%PDF"));
        let debug = format!("{sheet:?}");
        assert!(debug.contains(&format!("<{} bytes>", sheet.pdf.len())), "{debug}");
        let context = SheetContext {
            paper: Paper::A4,
            label: "test",
            threshold: 2,
            shares: 2,
            ceremony: &ceremony.manifest.ceremony_id,
            created: "1970-01-01",
            template: DEFAULT_INSTRUCTIONS,
            extra_facts: &[],
            contacts: &[],
        };
        let model = sheet_model(&context, "a", 1, &sheet.blocks, &[], None);
        assert_eq!(model.blocks[0].printed_lines[1], printed);
        let model_debug = format!("{model:?}");
        for text in [debug, model_debug] {
            assert!(!text.contains(&share_line) && !text.contains(&printed), "{text}");
        }
    }

    #[test]
    fn bad_parameters_are_refused_with_a_fix() {
        let message = |r| seal(r).unwrap_err().to_string();
        assert!(message(request(&["a", "b"], 1)).contains("threshold 1 would let any single sheet"));
        assert!(message(request(&["a", "b"], 3)).contains("is more than the 2 custodians"));
        assert!(message(request(&["a", "A"], 2)).contains("listed twice"));
        assert!(message(request(&["a"], 2)).contains("between 2 and 255"));
    }

    #[test]
    fn sheets_carry_the_contacts_the_policy_allows_and_no_account_unless_asked() {
        use crate::evidence::manifest::Contact;
        let contacts = [
            Contact {
                role: "Security operations (SOC)".into(),
                name: Some("Contoso SOC".into()),
                phone: Some("+44 20 7946 0000".into()),
                ..Contact::default()
            },
            Contact {
                role: "Board".into(),
                phone: Some("+44 20 7946 0009".into()),
                on_sheets: false,
                ..Contact::default()
            },
        ];
        assert_eq!(
            sheet_contacts(&contacts),
            [(
                "Security operations (SOC)".to_owned(),
                "Contoso SOC, +44 20 7946 0000".to_owned()
            )]
        );
        let public = PublicFacts::default();
        let hidden = public_facts_rows(&SecretKind::Passphrase, &public, (None, None));
        assert!(hidden.iter().all(|(name, _)| name != "Account" && name != "Tenant"));
        let shown = public_facts_rows(
            &SecretKind::Passphrase,
            &public,
            (Some("bg01@contoso.onmicrosoft.com"), Some("contoso.onmicrosoft.com")),
        );
        assert!(shown.contains(&("Account".to_owned(), "bg01@contoso.onmicrosoft.com".to_owned())));
        assert!(shown.contains(&("Tenant".to_owned(), "contoso.onmicrosoft.com".to_owned())));
    }

    #[test]
    fn vault_chunks_are_balanced() {
        let ceremony = CeremonyId::for_ciphertext(b"x");
        let blocks = vault_blocks(&ceremony, 2, 3, &[7u8; 900]);
        assert_eq!(blocks.len(), 3);
        assert!(blocks.iter().all(|block| block.lines[0].contains("-B300-")));
    }
}
