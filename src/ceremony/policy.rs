//! The ceremony policy: a version-controlled TOML file that describes a sealing ceremony.
//!
//! It holds no secret (custodian passphrases are typed at the ceremony, imported secrets are read
//! from files it only names), so it can live in git; the manifest records its SHA-256. Every
//! problem is reported with the line it is on, because the people fixing it are reading the file.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use crate::ceremony::rules::{self, RuleError};
use crate::evidence::manifest::Contact;
use crate::kinds::passphrase::generate::Style;
use crate::kinds::{ImportOption, SecretKind};
use crate::paper::render::Paper;

/// The built-in commented policy that `breakglass init` writes.
pub const TEMPLATE: &str = include_str!("../../templates/breakglass.toml");
/// Policy file version understood.
pub const VERSION: u32 = 1;
/// Largest policy file read.
pub const MAX_BYTES: usize = 256 * 1024;
/// Days between drills that Microsoft asks for at most.
pub const MAX_RECOMMENDED_DRILL_DAYS: u32 = 90;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    version: Option<Spanned<i64>>,
    label: Spanned<String>,
    tenant: Option<Spanned<String>>,
    account: Option<Spanned<String>>,
    app_id: Option<Spanned<String>>,
    account_id: Option<Spanned<String>>,
    account_on_sheets: Option<bool>,
    threshold: Spanned<i64>,
    paper: Option<Spanned<String>>,
    rotation_days: Option<Spanned<i64>>,
    drill_interval_days: Option<Spanned<i64>>,
    out: Option<Spanned<String>>,
    sheet_template: Option<Spanned<String>>,
    runbook_template: Option<Spanned<String>>,
    record_template: Option<Spanned<String>>,
    secret: Spanned<RawSecret>,
    #[serde(rename = "custodian")]
    custodians: Option<Spanned<Vec<Spanned<RawCustodian>>>>,
    #[serde(rename = "contact")]
    contacts: Option<Vec<RawContact>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecret {
    kind: Spanned<String>,
    style: Option<Spanned<String>>,
    bits: Option<Spanned<i64>>,
    subject: Option<Spanned<String>>,
    key_size: Option<Spanned<i64>>,
    valid_days: Option<Spanned<i64>>,
    file: Option<Spanned<String>>,
    expires: Option<Spanned<String>>,
    key_serials: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCustodian {
    name: Spanned<String>,
    role: Option<Spanned<String>>,
    location: Option<Spanned<String>>,
    protection: Option<Spanned<String>>,
    recipient: Option<Spanned<String>>,
    seal_serial: Option<Spanned<String>>,
    contact: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContact {
    role: Spanned<String>,
    name: Option<Spanned<String>>,
    phone: Option<Spanned<String>>,
    note: Option<Spanned<String>>,
    on_sheets: Option<bool>,
}

/// How a custodian's share is protected on their sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Protection {
    /// Printed as is.
    None,
    /// Encrypted with a passphrase the custodian types at the ceremony.
    Passphrase,
    /// Encrypted to this age recipient (X25519 or plugin).
    Recipient(String),
}

/// One custodian of the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyCustodian {
    /// Name printed on their sheet.
    pub name: String,
    /// Role.
    pub role: Option<String>,
    /// Where the envelope is kept.
    pub location: Option<String>,
    /// Share protection.
    pub protection: Protection,
    /// Envelope or tamper-seal serial.
    pub seal_serial: Option<String>,
    /// How to reach them (phone): in the runbook's custodian table, never on a sheet.
    pub contact: Option<String>,
}

/// What the policy seals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicySecret {
    /// Generate a passphrase.
    Passphrase {
        /// Characters or words.
        style: Style,
        /// Strength.
        bits: u32,
    },
    /// Generate an RSA key and self-signed certificate.
    Certificate {
        /// Subject DN.
        subject: String,
        /// RSA size.
        key_bits: usize,
        /// Validity.
        valid_days: u32,
    },
    /// Import a secret the organisation already holds.
    Import {
        /// Its kind.
        kind: SecretKind,
        /// Where to read it (relative to the policy file), unless given at the ceremony.
        file: Option<PathBuf>,
        /// Client secret expiry (`YYYY-MM-DD`).
        expires: Option<String>,
        /// FIDO2 key serials.
        key_serials: Vec<String>,
    },
}

/// A validated policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Label.
    pub label: String,
    /// Tenant.
    pub tenant: Option<String>,
    /// Account.
    pub account: Option<String>,
    /// Application (client) id of the app registration (certificate, client secret).
    pub app_id: Option<String>,
    /// Object id of the emergency account (for the sign-in alert).
    pub account_id: Option<String>,
    /// Print the account and tenant on the sheets too (off by default: a stolen envelope should
    /// not name the account to attack).
    pub account_on_sheets: bool,
    /// k.
    pub threshold: u8,
    /// Paper.
    pub paper: Paper,
    /// Rotation period.
    pub rotation_days: Option<u32>,
    /// Drill interval.
    pub drill_interval_days: u32,
    /// Output directory (relative to the policy file).
    pub out: Option<PathBuf>,
    /// Sheet instruction template (relative to the policy file).
    pub sheet_template: Option<PathBuf>,
    /// Runbook template, Markdown (relative to the policy file).
    pub runbook_template: Option<PathBuf>,
    /// Ceremony record (cover page) template, Markdown (relative to the policy file).
    pub record_template: Option<PathBuf>,
    /// The secret.
    pub secret: PolicySecret,
    /// Custodians in share order.
    pub custodians: Vec<PolicyCustodian>,
    /// Whom to call when the glass is broken, in the policy's order (printed in the runbook).
    pub contacts: Vec<Contact>,
    /// SHA-256 (hex) of the policy file's bytes.
    pub sha256: String,
    /// Advice that does not stop the ceremony, with lines.
    pub warnings: Vec<PolicyProblem>,
}

/// One problem in a policy file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyProblem {
    /// 1-based line (0 when the problem is not on a line).
    pub line: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for PolicyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

/// Why a policy was refused: every problem found, in file order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", .problems.first().map(ToString::to_string).unwrap_or_default())]
pub struct PolicyError {
    /// The problems.
    pub problems: Vec<PolicyProblem>,
}

struct Checker<'a> {
    text: &'a str,
    problems: Vec<PolicyProblem>,
    warnings: Vec<PolicyProblem>,
}

impl Checker<'_> {
    fn line(&self, span: std::ops::Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
    }

    fn problem(&mut self, span: std::ops::Range<usize>, message: impl Into<String>) {
        let line = self.line(span);
        self.problems.push(PolicyProblem {
            line,
            message: message.into(),
        });
    }

    fn warn(&mut self, span: std::ops::Range<usize>, message: impl Into<String>) {
        let line = self.line(span);
        self.warnings.push(PolicyProblem {
            line,
            message: message.into(),
        });
    }

    fn text(&mut self, value: &Spanned<String>, what: &str, max_chars: usize) -> String {
        let text = value.get_ref().trim();
        if text.chars().count() > max_chars || text.chars().any(crate::ceremony::names::is_invisible) {
            self.problem(
                value.span(),
                format!("{what} must be at most {max_chars} printable characters (no invisible or control characters)"),
            );
        }
        text.to_owned()
    }

    fn optional_text(&mut self, value: &Option<Spanned<String>>, what: &str, max_chars: usize) -> Option<String> {
        let value = value.as_ref()?;
        let text = self.text(value, what, max_chars);
        (!text.is_empty()).then_some(text)
    }

    /// [`Self::text`] for text printed on the sheets, the runbook or the cover page, whose
    /// embedded font has Latin, Greek and Cyrillic letters only: anything else is refused here,
    /// with its line, rather than when the ceremony renders.
    fn printed(&mut self, value: &Spanned<String>, what: &str, max_chars: usize) -> String {
        let text = self.text(value, what, max_chars);
        if !text.chars().any(crate::ceremony::names::is_invisible)
            && let Some(character) = crate::paper::render::text::first_unprintable(&text)
        {
            self.problem(
                value.span(),
                format!("{what} contains {character:?}, which the PDF font cannot print (it has Latin, Greek and Cyrillic letters); write it in one of those, e.g. a Chinese name in pinyin"),
            );
        }
        text
    }

    fn optional_printed(&mut self, value: &Option<Spanned<String>>, what: &str, max_chars: usize) -> Option<String> {
        let text = self.printed(value.as_ref()?, what, max_chars);
        (!text.is_empty()).then_some(text)
    }

    /// An optional GUID (`8-4-4-4-12` hexadecimal digits), as Entra shows ids.
    fn guid(&mut self, value: &Option<Spanned<String>>, what: &str, kind: &str, from: &str) -> Option<String> {
        let text = self.optional_text(value, what, 36)?;
        if !is_guid(&text) {
            let span = value.as_ref().map(Spanned::span).unwrap_or(0..0);
            self.problem(
                span,
                format!("{what} {text:?} is not {kind}; copy the GUID from {from}, e.g. \"11111111-2222-3333-4444-555555555555\""),
            );
        }
        Some(text)
    }

    fn days(&mut self, value: &Spanned<i64>, what: &str) -> Option<u32> {
        match u32::try_from(*value.get_ref()) {
            Ok(days) if (1..=3650).contains(&days) => Some(days),
            _ => {
                self.problem(value.span(), format!("{what} must be between 1 and 3650 days"));
                None
            }
        }
    }
}

fn kind_named(name: &str) -> Option<SecretKind> {
    match SecretKind::parse(name) {
        SecretKind::Other(_) => None,
        known => Some(known),
    }
}

/// Checks that `recipient` is an age recipient this build can encrypt to.
pub fn recipient_problem(recipient: &str) -> Option<String> {
    if recipient.parse::<age::x25519::Recipient>().is_ok() || recipient.parse::<age::plugin::Recipient>().is_ok() {
        None
    } else {
        Some(format!(
            "{recipient:?} is not an age recipient; give the custodian's age1... recipient (from age-keygen -y, or their plugin)"
        ))
    }
}

/// Parses and validates a policy file. `now` (Unix seconds) dates the expiry checks.
pub fn parse(text: &str, now: i64) -> Result<Policy, PolicyError> {
    let single = |line: usize, message: String| PolicyError {
        problems: vec![PolicyProblem { line, message }],
    };
    if text.len() > MAX_BYTES {
        return Err(single(
            0,
            "the policy file is larger than 256 KiB; is it the right file?".into(),
        ));
    }
    let raw: RawPolicy = toml::from_str(text).map_err(|error| {
        let line = error
            .span()
            .map(|span| {
                text.as_bytes()[..span.start.min(text.len())]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1
            })
            .unwrap_or(0);
        let message = error.message().trim().replace('\n', " ");
        // The TOML reader's own words for nesting deeper than it follows.
        let message = if message.contains("recurs") {
            "tables or arrays are nested too deeply for a breakglass policy; is it the right file?".to_owned()
        } else {
            message
        };
        let hint = if message.contains("unknown field") {
            "; check the spelling against `breakglass init`'s template"
        } else if message.contains("missing field") {
            "; add it (see `breakglass init`'s template)"
        } else {
            ""
        };
        single(line, format!("{message}{hint}"))
    })?;
    let mut checker = Checker {
        text,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    if let Some(version) = &raw.version
        && *version.get_ref() != i64::from(VERSION)
    {
        checker.problem(
            version.span(),
            format!(
                "policy version {} is not understood (this breakglass reads version {VERSION}); use a matching breakglass",
                version.get_ref()
            ),
        );
    }
    let label = checker.printed(&raw.label, "label", crate::ceremony::seal::MAX_NAME_CHARS);
    if label.is_empty() {
        checker.problem(
            raw.label.span(),
            "label is empty; name the ceremony, e.g. \"contoso bg-01\"",
        );
    }
    let tenant = checker.optional_printed(&raw.tenant, "tenant", 128);
    let account = checker.optional_printed(&raw.account, "account", 128);
    let app_id = checker.guid(
        &raw.app_id,
        "app_id",
        "an application (client) id",
        "the app registration's Overview",
    );
    let account_id = checker.guid(
        &raw.account_id,
        "account_id",
        "an object id",
        "the user's Overview in the Entra admin center",
    );
    if let (Some(account), Some(span)) = (&account, raw.account.as_ref().map(Spanned::span))
        && crate::kinds::passphrase::generate::forbidden_terms(account).is_err()
    {
        checker.problem(span, "account must look like user@tenant.onmicrosoft.com");
    }
    let paper = match raw.paper.as_ref().map(|paper| (paper.get_ref().as_str(), paper.span())) {
        None | Some(("a4", _)) => Paper::A4,
        Some(("letter", _)) => Paper::Letter,
        Some((other, span)) => {
            checker.problem(span, format!("paper {other:?} is unknown; use \"a4\" or \"letter\""));
            Paper::A4
        }
    };
    let rotation_days = raw
        .rotation_days
        .as_ref()
        .and_then(|days| checker.days(days, "rotation_days"));
    let drill_interval_days = raw
        .drill_interval_days
        .as_ref()
        .and_then(|days| checker.days(days, "drill_interval_days"))
        .unwrap_or(crate::evidence::manifest::DEFAULT_DRILL_INTERVAL_DAYS);
    if let Some(days) = &raw.drill_interval_days
        && drill_interval_days > MAX_RECOMMENDED_DRILL_DAYS
    {
        checker.warn(
            days.span(),
            format!(
                "drill_interval_days {drill_interval_days} is longer than the {MAX_RECOMMENDED_DRILL_DAYS} days Microsoft asks for"
            ),
        );
    }
    let out = checker.optional_text(&raw.out, "out", 4096).map(PathBuf::from);
    if let (Some(value), Some(name)) = (&raw.out, out.as_ref().and_then(|out| out.file_name()))
        && !crate::platform::output::is_portable_name(&name.to_string_lossy())
    {
        checker.problem(
            value.span(),
            format!(
                "out {:?} is a name Windows cannot hold (CON, PRN, AUX, NUL, COM1 to COM9, LPT1 to LPT9, or ending in a dot or a space); choose another folder name",
                name.to_string_lossy()
            ),
        );
    }
    let sheet_template = checker
        .optional_text(&raw.sheet_template, "sheet_template", 4096)
        .map(PathBuf::from);
    let runbook_template = checker
        .optional_text(&raw.runbook_template, "runbook_template", 4096)
        .map(PathBuf::from);
    let record_template = checker
        .optional_text(&raw.record_template, "record_template", 4096)
        .map(PathBuf::from);
    let secret = secret(&mut checker, &raw.secret, rotation_days, now);

    let custodians_span = raw.custodians.as_ref().map(Spanned::span).unwrap_or(0..0);
    let raw_custodians: &[Spanned<RawCustodian>] =
        raw.custodians.as_ref().map(|c| c.get_ref().as_slice()).unwrap_or(&[]);
    let custodians: Vec<PolicyCustodian> = raw_custodians
        .iter()
        .map(|entry| custodian(&mut checker, entry.get_ref()))
        .collect();
    let name_line =
        |checker: &Checker, position: usize| checker.line(raw_custodians[position - 1].get_ref().name.span());
    for (position, rule) in rules::repeated_names(custodians.iter().map(|custodian| custodian.name.as_str())) {
        if let RuleError::NameTwice { first, .. } | RuleError::LookAlike { first, .. } = &rule {
            let first = name_line(&checker, *first);
            let span = raw_custodians[position - 1].get_ref().name.span();
            let fix = match rule {
                RuleError::NameTwice { .. } => "names must be unique",
                _ => "names must be told apart at a glance",
            };
            checker.problem(span, format!("{rule} (first on line {first}); {fix}"));
        }
    }
    let serials = custodians.iter().map(|custodian| custodian.seal_serial.as_deref());
    for (position, rule) in rules::repeated_serials(serials) {
        let span = raw_custodians[position - 1].get_ref().name.span();
        checker.problem(span, format!("{rule}; every envelope has its own serial"));
    }
    let contacts = raw
        .contacts
        .iter()
        .flatten()
        .map(|entry| contact(&mut checker, entry))
        .collect();
    let shares = custodians.len();
    if rules::check_custodian_count(shares).is_err() {
        checker.problem(
            custodians_span.clone(),
            format!(
                "{} listed; a ceremony needs 2 to 255 [[custodian]] tables",
                crate::wording::count(shares, "custodian", "custodians")
            ),
        );
    }
    let threshold = match rules::check_threshold(*raw.threshold.get_ref(), shares) {
        Ok(k) => {
            if rules::no_spare_sheet(k, shares) {
                checker.warn(
                    raw.threshold.span(),
                    format!("threshold {k} equals the number of custodians: losing any one sheet loses the secret"),
                );
            }
            k
        }
        Err(rule) => {
            let fix = match rule {
                RuleError::ThresholdOne => "; use 2 or more",
                RuleError::ThresholdAboveCustodians { .. } => "; lower it or add custodians",
                RuleError::ThresholdOutOfRange
                | RuleError::CustodianCount { .. }
                | RuleError::NameTwice { .. }
                | RuleError::LookAlike { .. }
                | RuleError::SerialTwice { .. } => "",
            };
            checker.problem(raw.threshold.span(), format!("{rule}{fix}"));
            0
        }
    };
    checker.problems.sort_by_key(|problem| problem.line);
    if !checker.problems.is_empty() {
        return Err(PolicyError {
            problems: checker.problems,
        });
    }
    Ok(Policy {
        label,
        tenant,
        account,
        app_id,
        account_id,
        account_on_sheets: raw.account_on_sheets.unwrap_or(false),
        threshold,
        paper,
        rotation_days,
        drill_interval_days,
        out,
        sheet_template,
        runbook_template,
        record_template,
        secret,
        custodians,
        contacts,
        sha256: crate::crypto::digest::sha256_hex(text.as_bytes()),
        warnings: checker.warnings,
    })
}

fn custodian(checker: &mut Checker, raw: &RawCustodian) -> PolicyCustodian {
    let name = checker.printed(&raw.name, "custodian name", crate::ceremony::seal::MAX_NAME_CHARS);
    if name.is_empty() {
        checker.problem(raw.name.span(), "custodian name is empty");
    }
    let role = checker.optional_printed(&raw.role, "role", 80);
    let location = checker.optional_printed(&raw.location, "location", 80);
    let seal_serial = checker.optional_printed(&raw.seal_serial, "seal_serial", 40);
    let contact = checker.optional_printed(&raw.contact, "custodian contact", CONTACT_PHONE_CHARS);
    let protection = match raw.protection.as_ref().map(|p| (p.get_ref().as_str(), p.span())) {
        None | Some(("none", _)) => Protection::None,
        Some(("passphrase", _)) => Protection::Passphrase,
        Some(("recipient", span)) => {
            match &raw.recipient {
                Some(recipient) => {
                    let text = recipient.get_ref().trim().to_owned();
                    if let Some(message) = recipient_problem(&text) {
                        checker.problem(recipient.span(), message);
                    }
                    Protection::Recipient(text)
                }
                None => {
                    checker.problem(
                    span,
                    format!("custodian {name:?} has protection \"recipient\" but no recipient; add recipient = \"age1...\""),
                );
                    Protection::None
                }
            }
        }
        Some((other, span)) => {
            checker.problem(
                span,
                format!("protection {other:?} is unknown; use \"none\", \"passphrase\" or \"recipient\""),
            );
            Protection::None
        }
    };
    if let Some(recipient) = &raw.recipient
        && !matches!(protection, Protection::Recipient(_))
    {
        checker.problem(
            recipient.span(),
            format!(
                "custodian {name:?} has a recipient but protection is not \"recipient\"; set protection = \"recipient\""
            ),
        );
    }
    PolicyCustodian {
        name,
        role,
        location,
        protection,
        seal_serial,
        contact,
    }
}

/// True for an application (client) id as Entra shows it: 8-4-4-4-12 hexadecimal digits.
fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, length)| group.len() == length && group.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Longest contact role, name, phone number and note: a table cell in the runbook, not a letter.
const CONTACT_ROLE_CHARS: usize = 80;
const CONTACT_PHONE_CHARS: usize = 40;
const CONTACT_NOTE_CHARS: usize = 120;

fn contact(checker: &mut Checker, raw: &RawContact) -> Contact {
    let role = checker.printed(&raw.role, "contact role", CONTACT_ROLE_CHARS);
    if role.is_empty() {
        checker.problem(
            raw.role.span(),
            "contact role is empty; say what they are called for, e.g. \"Security operations (SOC)\"",
        );
    }
    let name = checker.optional_printed(&raw.name, "contact name", crate::ceremony::seal::MAX_NAME_CHARS);
    let phone = checker.optional_printed(&raw.phone, "contact phone", CONTACT_PHONE_CHARS);
    let note = checker.optional_printed(&raw.note, "contact note", CONTACT_NOTE_CHARS);
    if name.is_none() && phone.is_none() {
        checker.problem(
            raw.role.span(),
            format!("contact {role:?} has neither name nor phone; add name = \"...\" or phone = \"...\""),
        );
    }
    Contact {
        role,
        name,
        phone,
        note,
        on_sheets: raw.on_sheets.unwrap_or(true),
    }
}

fn secret(checker: &mut Checker, raw: &Spanned<RawSecret>, rotation_days: Option<u32>, now: i64) -> PolicySecret {
    let secret = raw.get_ref();
    let name = secret.kind.get_ref().as_str();
    let Some(kind) = kind_named(name) else {
        checker.problem(
            secret.kind.span(),
            format!(
                "secret kind {name:?} is unknown; use passphrase, certificate, client-secret, totp, fido2-pin or file"
            ),
        );
        return PolicySecret::Passphrase {
            style: Style::Chars,
            bits: 128,
        };
    };
    let only_for = |checker: &mut Checker, field: &Option<Spanned<String>>, key: &str, kinds: &str| {
        if let Some(value) = field {
            checker.problem(value.span(), format!("{key} applies only to {kinds}; remove it"));
        }
    };
    let number_only_for = |checker: &mut Checker, field: &Option<Spanned<i64>>, key: &str, kinds: &str| {
        if let Some(value) = field {
            checker.problem(value.span(), format!("{key} applies only to {kinds}; remove it"));
        }
    };
    if !matches!(kind, SecretKind::Passphrase) {
        only_for(checker, &secret.style, "style", "kind = \"passphrase\"");
        number_only_for(checker, &secret.bits, "bits", "kind = \"passphrase\"");
    }
    if !matches!(kind, SecretKind::Certificate) {
        only_for(checker, &secret.subject, "subject", "kind = \"certificate\"");
        number_only_for(checker, &secret.key_size, "key_size", "kind = \"certificate\"");
        number_only_for(checker, &secret.valid_days, "valid_days", "kind = \"certificate\"");
    }
    if matches!(kind, SecretKind::Certificate) {
        only_for(
            checker,
            &secret.file,
            "file",
            "imported kinds (the certificate is generated)",
        );
    }
    match kind {
        SecretKind::Passphrase if secret.file.is_none() => {
            let style = match secret.style.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
                None | Some(("chars", _)) => Style::Chars,
                Some(("words", _)) => Style::Words,
                Some((other, span)) => {
                    checker.problem(span, format!("style {other:?} is unknown; use \"chars\" or \"words\""));
                    Style::Chars
                }
            };
            let bits = match &secret.bits {
                None => crate::kinds::passphrase::generate::DEFAULT_BITS,
                Some(bits) => match u32::try_from(*bits.get_ref()) {
                    Ok(value) if (80..=256).contains(&value) => value,
                    _ => {
                        checker.problem(bits.span(), "bits must be between 80 and 256");
                        128
                    }
                },
            };
            PolicySecret::Passphrase { style, bits }
        }
        SecretKind::Certificate => {
            let subject = match &secret.subject {
                Some(subject) => subject.get_ref().trim().to_owned(),
                None => {
                    checker.problem(
                        secret.kind.span(),
                        "kind = \"certificate\" needs subject = \"CN=...\" in [secret]",
                    );
                    String::new()
                }
            };
            let key_bits = match &secret.key_size {
                None => 3072,
                Some(size) => match *size.get_ref() {
                    2048 => 2048,
                    3072 => 3072,
                    4096 => 4096,
                    _ => {
                        checker.problem(size.span(), "key_size must be 2048, 3072 or 4096");
                        3072
                    }
                },
            };
            let valid_days = secret
                .valid_days
                .as_ref()
                .and_then(|days| checker.days(days, "valid_days"))
                .unwrap_or(365);
            if let Some(rotation) = rotation_days
                && rotation > valid_days
            {
                let span = secret
                    .valid_days
                    .as_ref()
                    .map(Spanned::span)
                    .unwrap_or(secret.kind.span());
                checker.problem(
                    span,
                    format!(
                        "rotation_days {rotation} is past the certificate's {valid_days}-day validity: it would expire before rotation; lower rotation_days or raise valid_days"
                    ),
                );
            }
            PolicySecret::Certificate {
                subject,
                key_bits,
                valid_days,
            }
        }
        kind => {
            if let Some(expires) = &secret.expires {
                match crate::platform::clock::parse_date(expires.get_ref()) {
                    None => checker.problem(expires.span(), "expires must be a date, YYYY-MM-DD"),
                    Some(date) if date <= now => {
                        checker.problem(expires.span(), "expires is in the past; rotate the secret first")
                    }
                    Some(date) => {
                        if let Some(rotation) = rotation_days
                            && now + i64::from(rotation) * 86_400 > date
                        {
                            checker.problem(
                                expires.span(),
                                format!(
                                    "the secret expires before rotation_days {rotation} have passed; lower rotation_days or renew the secret"
                                ),
                            );
                        }
                    }
                }
            }
            let rules = crate::kinds::of(&kind);
            if !rules.profile().takes(ImportOption::Expires) {
                only_for(checker, &secret.expires, "expires", "kind = \"client-secret\"");
            }
            let key_serials = secret
                .key_serials
                .as_ref()
                .map(|s| s.get_ref().clone())
                .unwrap_or_default();
            if let (false, Some(serials)) = (rules.profile().takes(ImportOption::KeySerials), &secret.key_serials) {
                checker.problem(
                    serials.span(),
                    "key_serials applies only to kind = \"fido2-pin\"; remove it",
                );
            }
            PolicySecret::Import {
                kind,
                file: secret.file.as_ref().map(|file| PathBuf::from(file.get_ref().trim())),
                expires: secret.expires.as_ref().map(|e| e.get_ref().trim().to_owned()),
                key_serials,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000;

    fn problems(text: &str) -> Vec<String> {
        parse(text, NOW)
            .expect_err("policy should be refused")
            .problems
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_template_is_valid() {
        let policy = parse(TEMPLATE, NOW).expect("template parses");
        assert_eq!(policy.threshold, 3);
        assert_eq!(policy.custodians.len(), 5);
        assert_eq!(policy.drill_interval_days, 90);
        assert!(policy.warnings.is_empty(), "{:?}", policy.warnings);
        assert_eq!(policy.sha256, crate::crypto::digest::sha256_hex(TEMPLATE.as_bytes()));
    }

    fn with(replace: &str, by: &str) -> String {
        assert!(TEMPLATE.contains(replace), "{replace}");
        TEMPLATE.replacen(replace, by, 1)
    }

    fn line_of(text: &str, needle: &str) -> usize {
        text.lines()
            .position(|line| line.contains(needle))
            .expect("needle present")
            + 1
    }

    #[test]
    fn threshold_above_custodians_points_at_its_line() {
        let text = with("threshold = 3", "threshold = 6");
        let line = line_of(&text, "threshold = 6");
        assert_eq!(
            problems(&text),
            [format!(
                "line {line}: threshold 6 is more than the 5 custodians; lower it or add custodians"
            )]
        );
    }

    #[test]
    fn threshold_one_is_refused() {
        let text = with("threshold = 3", "threshold = 1");
        assert!(problems(&text)[0].contains("threshold 1 would let any single sheet"));
    }

    #[test]
    fn duplicate_names_name_the_first_line() {
        let text = with("name = \"Chen Li\"", "name = \"ana ruiz\"");
        let found = problems(&text);
        let first = line_of(&text, "Ana Ruiz");
        assert!(found[0].contains(&format!("first on line {first}")), "{found:?}");
        assert!(found[0].starts_with(&format!("line {}:", line_of(&text, "ana ruiz"))));
    }

    #[test]
    fn unknown_keys_are_refused_with_their_line() {
        let text = with("paper = \"a4\"", "paper = \"a4\"\nthreshhold = 2");
        let found = problems(&text);
        assert!(
            found[0].starts_with(&format!("line {}:", line_of(&text, "threshhold"))),
            "{found:?}"
        );
        assert!(found[0].contains("unknown field"), "{found:?}");
    }

    #[test]
    fn rotation_past_certificate_validity_is_refused() {
        let text = with(
            "kind = \"passphrase\"",
            "kind = \"certificate\"\nsubject = \"CN=app\"\nvalid_days = 180",
        )
        .replace("style = \"chars\"\n", "")
        .replace("bits = 128\n", "");
        let found = problems(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("past the certificate's 180-day validity"),
            "{found:?}"
        );
    }

    #[test]
    fn every_problem_is_reported_in_line_order() {
        let text = with("paper = \"a4\"", "paper = \"a5\"").replace(
            "protection = \"none\"\n\n[[custodian]]\nname = \"Ben",
            "protection = \"vault\"\n\n[[custodian]]\nname = \"Ben",
        );
        let found = problems(&text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("paper \"a5\""));
        assert!(found[1].contains("protection \"vault\""));
    }

    #[test]
    fn recipients_are_checked() {
        let text = with(
            "name = \"Ben Okafor\"\nrole = \"Security lead\"\nlocation = \"Bank deposit box 114\"\nprotection = \"none\"",
            "name = \"Ben Okafor\"\nprotection = \"recipient\"\nrecipient = \"age1notarecipient\"",
        );
        assert!(problems(&text)[0].contains("is not an age recipient"));
        let missing = with(
            "name = \"Ben Okafor\"\nrole = \"Security lead\"\nlocation = \"Bank deposit box 114\"\nprotection = \"none\"",
            "name = \"Ben Okafor\"\nprotection = \"recipient\"",
        );
        assert!(problems(&missing)[0].contains("no recipient"));
    }

    #[test]
    fn app_id_account_on_sheets_and_custodian_contacts_are_read() {
        let text = with(
            "name = \"Ben Okafor\"\nrole = \"Security lead\"",
            "name = \"Ben Okafor\"\ncontact = \"+44 20 7946 0102\"\nrole = \"Security lead\"",
        );
        let text = text.replacen(
            "threshold = 3",
            "app_id = \"0f1e2d3c-4b5a-6978-8a9b-acbdcedf0011\"\naccount_on_sheets = true\nthreshold = 3",
            1,
        );
        let policy = parse(&text, NOW).expect("valid");
        assert_eq!(policy.app_id.as_deref(), Some("0f1e2d3c-4b5a-6978-8a9b-acbdcedf0011"));
        assert!(policy.account_on_sheets);
        assert_eq!(policy.custodians[1].contact.as_deref(), Some("+44 20 7946 0102"));
        assert!(!parse(TEMPLATE, NOW).expect("valid").account_on_sheets);
        let bad = text.replace("0f1e2d3c-4b5a-6978-8a9b-acbdcedf0011", "my-app");
        let found = problems(&bad);
        assert!(found[0].contains("is not an application (client) id"), "{found:?}");
        assert!(
            found[0].starts_with(&format!("line {}:", line_of(&bad, "my-app"))),
            "{found:?}"
        );
    }

    #[test]
    fn long_drill_intervals_warn() {
        let policy = parse(&with("drill_interval_days = 90", "drill_interval_days = 180"), NOW).expect("valid");
        assert_eq!(policy.drill_interval_days, 180);
        assert!(policy.warnings[0].message.contains("90 days Microsoft asks for"));
    }

    #[test]
    fn malformed_toml_has_a_line() {
        let found = problems("label = \"x\"\nthreshold = \n");
        assert!(found[0].starts_with("line 2:"), "{found:?}");
    }

    const CONTACTS: &str = "\n[[contact]]\nrole = \"SOC\"\nname = \"Fabrikam SOC\"\nphone = \"+353 1 555 0100\"\nnote = \"24x7\"\n\n[[contact]]\nrole = \"Duty incident manager\"\nphone = \"+353 1 555 0101\"\non_sheets = false\n";

    #[test]
    fn contacts_are_optional_and_kept_in_order() {
        assert!(parse(TEMPLATE, NOW).expect("template").contacts.is_empty());
        let policy = parse(&format!("{TEMPLATE}{CONTACTS}"), NOW).expect("valid");
        assert_eq!(
            policy.contacts,
            [
                Contact {
                    role: "SOC".into(),
                    name: Some("Fabrikam SOC".into()),
                    phone: Some("+353 1 555 0100".into()),
                    note: Some("24x7".into()),
                    on_sheets: true,
                },
                Contact {
                    role: "Duty incident manager".into(),
                    name: None,
                    phone: Some("+353 1 555 0101".into()),
                    note: None,
                    on_sheets: false,
                },
            ]
        );
    }

    #[test]
    fn the_template_example_contacts_are_valid_when_uncommented() {
        let start = TEMPLATE.find("# [[contact]]").expect("commented example");
        let uncommented: String = TEMPLATE[start..]
            .lines()
            .map(|line| line.trim_start_matches('#').trim_start())
            .collect::<Vec<_>>()
            .join("\n");
        let policy = parse(&format!("{}{uncommented}\n", &TEMPLATE[..start]), NOW).expect("valid");
        assert_eq!(policy.contacts.len(), 3);
        assert_eq!(
            policy.contacts[0].note.as_deref(),
            Some("24x7, ask for the duty manager")
        );
    }

    #[test]
    fn contact_problems_point_at_their_line() {
        const PHONE: &str = "phone = \"+353 1 555 0101\"";
        // (replace, by, the line the problem is on, message)
        let cases = [
            (
                "role = \"Duty incident manager\"",
                "role = \" \"",
                "role = \" \"",
                "contact role is empty",
            ),
            (PHONE, "pager = \"+353 1 555 0101\"", "pager", "unknown field `pager`"),
            (
                PHONE,
                "note = \"weekdays only\"",
                "Duty incident manager",
                "contact \"Duty incident manager\" has neither name nor phone",
            ),
            (
                PHONE,
                "phone = \"+353 1 555 0101 ext 1234567890 1234567890 1234567890\"",
                "ext 1234567890",
                "contact phone must be at most 40 printable characters",
            ),
            (
                PHONE,
                "phone = \"+353 1 555 0101\"\nname = \"陈力\"",
                "陈力",
                "contact name contains '陈', which the PDF font cannot print",
            ),
            (
                PHONE,
                "phone = \"+353 1\\t555 0101\"",
                "+353 1\\t555",
                "contact phone must be at most 40 printable characters",
            ),
        ];
        for (replace, by, on, message) in cases {
            let text = format!("{TEMPLATE}{}", CONTACTS.replace(replace, by));
            let found = problems(&text);
            assert_eq!(found.len(), 1, "{found:?}");
            assert!(found[0].contains(message), "{message}: {found:?}");
            let line = line_of(&text, on);
            assert!(
                found[0].starts_with(&format!("line {line}:")),
                "{message}, line {line}: {found:?}"
            );
        }
    }

    #[test]
    fn text_printed_on_paper_is_checked_for_the_font_at_its_line() {
        for (replace, by) in [
            ("name = \"Ben Okafor\"", "name = \"陈力\""),
            ("location = \"Home safe\"", "location = \"金庫\""),
            ("label = \"contoso bg-01\"", "label = \"contoso ☃\""),
        ] {
            let text = TEMPLATE.replace(replace, by);
            let found = problems(&text);
            assert_eq!(found.len(), 1, "{by}: {found:?}");
            assert!(found[0].contains("which the PDF font cannot print"), "{found:?}");
            let line = line_of(&text, by);
            assert!(found[0].starts_with(&format!("line {line}:")), "{by}: {found:?}");
        }
        assert!(parse(&TEMPLATE.replace("Ben Okafor", "Zoë Ørsted"), NOW).is_ok());
    }

    #[test]
    fn invisible_marks_and_folder_names_windows_cannot_hold_point_at_their_line() {
        for (replace, by, said) in [
            (
                "label = \"contoso bg-01\"",
                "label = \"contoso\u{202E}10-gb\"",
                "no invisible or control characters",
            ),
            (
                "tenant = \"contoso.onmicrosoft.com\"",
                "tenant = \"contoso\u{200B}.onmicrosoft.com\"",
                "no invisible or control characters",
            ),
            (
                "out = \"envelopes\"",
                "out = \"ceremonies/CON\"",
                "a name Windows cannot hold",
            ),
            (
                "out = \"envelopes\"",
                "out = \"envelopes.\"",
                "a name Windows cannot hold",
            ),
        ] {
            let text = TEMPLATE.replace(replace, by);
            let found = problems(&text);
            assert_eq!(found.len(), 1, "{by}: {found:?}");
            assert!(found[0].contains(said), "{found:?}");
            assert!(
                found[0].starts_with(&format!("line {}:", line_of(&text, by))),
                "{by}: {found:?}"
            );
        }
    }

    #[test]
    fn a_contact_needs_a_role() {
        let text = format!("{TEMPLATE}\n[[contact]]\nname = \"Fabrikam SOC\"\n");
        let found = problems(&text);
        assert!(found[0].contains("missing field `role`"), "{found:?}");
        // The table that lacks it: the [[contact]] line just above.
        let line = line_of(&text, "Fabrikam SOC") - 1;
        assert!(found[0].starts_with(&format!("line {line}:")), "{found:?}");
    }

    #[test]
    fn duplicate_seal_serials_are_refused() {
        let text = with("name = \"Ana Ruiz\"", "name = \"Ana Ruiz\"\nseal_serial = \"TE-1\"").replacen(
            "name = \"Ben Okafor\"",
            "name = \"Ben Okafor\"\nseal_serial = \"TE-1\"",
            1,
        );
        assert!(problems(&text)[0].contains("also given to custodian 1"));
    }
}
