//! The maturity model as data: levels and practices read from a TOML file
//! (`templates/maturity-model.toml` is built in), so a new version of the model is an edit of
//! that file rather than of code.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::paper::render::text::first_unprintable;

/// The model built into breakglass: a paraphrase of the M365 BreakGlass Maturity Model v1.1 by
/// KuShuSec.
pub const BUILT_IN: &str = include_str!("../../../templates/maturity-model.toml");

/// Largest model file read: the built-in one is about 10 KB.
pub const MAX_BYTES: usize = 256 * 1024;

/// Facts breakglass can prove from its own records (`manifest.json` files and their logs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Evidence {
    /// At least one sound manifest: a ceremony put the credential on paper.
    #[serde(rename = "offline-backup")]
    OfflineBackup,
    /// A successful drill of a sealed ceremony in the last 90 days.
    #[serde(rename = "drill-within-90-days")]
    DrillWithin90Days,
    /// A sealed secret with an expiry date, a certificate, or a rotation period.
    #[serde(rename = "expiry-defined")]
    ExpiryDefined,
    /// A sealed FIDO2 security-key PIN.
    #[serde(rename = "fido2-pin-sealed")]
    Fido2PinSealed,
    /// A ceremony sealed from a policy file that is tracked by git and still matches.
    #[serde(rename = "policy-in-git")]
    PolicyInGit,
    /// A sealed app certificate.
    #[serde(rename = "app-certificate-sealed")]
    AppCertificateSealed,
}

impl Evidence {
    /// Every kind of evidence, in the order reports list them.
    pub const ALL: [Evidence; 6] = [
        Self::OfflineBackup,
        Self::DrillWithin90Days,
        Self::ExpiryDefined,
        Self::Fido2PinSealed,
        Self::PolicyInGit,
        Self::AppCertificateSealed,
    ];

    /// The key used in the model file and in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Self::OfflineBackup => "offline-backup",
            Self::DrillWithin90Days => "drill-within-90-days",
            Self::ExpiryDefined => "expiry-defined",
            Self::Fido2PinSealed => "fido2-pin-sealed",
            Self::PolicyInGit => "policy-in-git",
            Self::AppCertificateSealed => "app-certificate-sealed",
        }
    }

    /// What the evidence shows, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::OfflineBackup => "an offline backup sealed onto paper",
            Self::DrillWithin90Days => "a successful drill within the last 90 days",
            Self::ExpiryDefined => "a sealed secret with a defined expiry or rotation period",
            Self::Fido2PinSealed => "a sealed FIDO2 security-key PIN",
            Self::PolicyInGit => "a ceremony sealed from a policy file tracked by git",
            Self::AppCertificateSealed => "a sealed breakglass app certificate",
        }
    }
}

/// How a practice counts towards its level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PracticeKind {
    /// Asked, and required for its level.
    #[default]
    Practice,
    /// Asked and reported, but not required (the model marks it optional).
    Optional,
    /// Describes a level's typical weaknesses: shown, never asked, never required.
    Trait,
}

/// One practice of a level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    /// Stable id (lower-case letters, digits, hyphens), the key in answers files.
    pub id: String,
    /// The practice, phrased so that "yes" means it is in place.
    pub text: String,
    /// How it counts.
    #[serde(default)]
    pub kind: PracticeKind,
    /// What breakglass can prove about it from its records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    /// How breakglass helps with it, naming the command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helps: Option<String>,
}

impl Practice {
    /// True if the practice is asked (practices and optional ones, not traits).
    pub fn asked(&self) -> bool {
        self.kind != PracticeKind::Trait
    }

    /// True if its level requires it.
    pub fn required(&self) -> bool {
        self.kind == PracticeKind::Practice
    }
}

/// One level, least mature first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// Stable id.
    pub id: String,
    /// Name as the model spells it.
    pub name: String,
    /// One sentence on what the level means.
    pub summary: String,
    /// Its practices.
    #[serde(default, rename = "practice")]
    pub practices: Vec<Practice>,
}

/// Who made the model and which version this is: printed in every output, as credit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelInfo {
    /// The model's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its author.
    pub author: String,
    /// Where it was published.
    pub source: String,
    /// The credit line printed with every assessment.
    pub credit: String,
}

/// A maturity model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Name, version, credit.
    pub model: ModelInfo,
    /// Levels, least mature first.
    #[serde(rename = "level")]
    pub levels: Vec<Level>,
}

/// Why a model file was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelError {
    /// Not TOML of the expected shape (with the line it was found on, when known).
    #[error("{0}")]
    Malformed(String),
    /// Valid TOML, but the content breaks a rule.
    #[error("{0}")]
    Invalid(String),
}

/// `line N: message` for a TOML error, on one line.
pub(crate) fn toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().replace('\n', "; ");
    match error.span() {
        Some(span) => format!("line {}: {message}", line_of(text, span.start)),
        None => message,
    }
}

/// 1-based line number of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&byte| byte == b'\n').count() + 1
}

/// True for ids that are bare keys in TOML and read well: `a-z`, `0-9`, `-`, starting with a letter.
pub(crate) fn valid_id(id: &str) -> bool {
    id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl Model {
    /// The built-in model.
    pub fn built_in() -> Self {
        Self::parse(BUILT_IN).expect("the built-in model is valid (tested)")
    }

    /// Parses and validates a model file.
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        if text.len() > MAX_BYTES {
            return Err(ModelError::Malformed("the file is larger than 256 KiB".into()));
        }
        let model: Self = toml::from_str(text).map_err(|error| ModelError::Malformed(toml_error(text, &error)))?;
        model.validate()?;
        Ok(model)
    }

    fn validate(&self) -> Result<(), ModelError> {
        let invalid = |message: String| Err(ModelError::Invalid(message));
        let info = &self.model;
        for (field, value) in [
            ("name", &info.name),
            ("version", &info.version),
            ("author", &info.author),
            ("source", &info.source),
            ("credit", &info.credit),
        ] {
            if value.trim().is_empty() {
                return invalid(format!(
                    "[model] {field} is empty; the credit must name the model and its author"
                ));
            }
            check_printable(&format!("[model] {field}"), value)?;
        }
        if self.levels.is_empty() {
            return invalid("the model has no [[level]]; give its levels, least mature first".into());
        }
        let mut ids = BTreeSet::new();
        for level in &self.levels {
            if !valid_id(&level.id) {
                return invalid(format!(
                    "level id {:?} must be lower-case letters, digits and hyphens, starting with a letter",
                    level.id
                ));
            }
            if !ids.insert(level.id.as_str()) {
                return invalid(format!("level id {:?} is used twice; ids must be unique", level.id));
            }
            for (field, value) in [("name", &level.name), ("summary", &level.summary)] {
                if value.trim().is_empty() {
                    return invalid(format!("level {:?} has an empty {field}", level.id));
                }
                check_printable(&format!("level {:?} {field}", level.id), value)?;
            }
            for practice in &level.practices {
                if !valid_id(&practice.id) {
                    return invalid(format!(
                        "practice id {:?} (level {:?}) must be lower-case letters, digits and hyphens, starting with a letter",
                        practice.id, level.id
                    ));
                }
                if !ids.insert(practice.id.as_str()) {
                    return invalid(format!(
                        "practice id {:?} is used twice; ids must be unique",
                        practice.id
                    ));
                }
                if practice.text.trim().is_empty() {
                    return invalid(format!("practice {:?} has an empty text", practice.id));
                }
                check_printable(&format!("practice {:?} text", practice.id), &practice.text)?;
                if let Some(helps) = &practice.helps {
                    check_printable(&format!("practice {:?} helps", practice.id), helps)?;
                }
                if practice.kind == PracticeKind::Trait && practice.evidence.is_some() {
                    return invalid(format!(
                        "practice {:?} is a trait (never asked) but names evidence; drop one of them",
                        practice.id
                    ));
                }
            }
        }
        Ok(())
    }

    /// Every practice with the index of its level.
    pub fn practices(&self) -> impl Iterator<Item = (usize, &Practice)> {
        self.levels
            .iter()
            .enumerate()
            .flat_map(|(index, level)| level.practices.iter().map(move |practice| (index, practice)))
    }

    /// The practice with this id.
    pub fn practice(&self, id: &str) -> Option<&Practice> {
        self.practices()
            .map(|(_, practice)| practice)
            .find(|practice| practice.id == id)
    }
}

/// Reports also go to PDF, whose built-in fonts print only WinAnsi: refuse other characters here
/// rather than print `?` later.
fn check_printable(field: &str, value: &str) -> Result<(), ModelError> {
    match first_unprintable(value) {
        Some(character) => Err(ModelError::Invalid(format!(
            "{field} contains {character:?}, which reports cannot print; use Latin characters"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_model_is_valid_and_credits_its_author() {
        let model = Model::built_in();
        assert_eq!(model.levels.len(), 7);
        assert_eq!(model.model.version, "1.1");
        assert!(model.model.credit.contains("KuShuSec"));
        assert_eq!(model.levels[0].name, "Unprepared");
        assert_eq!(model.levels[6].name, "Isolated Resilience");
        assert!(model.levels[0].practices.iter().all(|practice| !practice.asked()));
        for evidence in Evidence::ALL {
            assert!(
                model
                    .practices()
                    .any(|(_, practice)| practice.evidence == Some(evidence)),
                "no practice uses {}",
                evidence.key()
            );
        }
        for (index, practice) in model.practices() {
            assert!(practice.id.starts_with(&model.levels[index].id), "{}", practice.id);
        }
    }

    #[test]
    fn errors_name_the_problem_and_the_line() {
        let duplicate = BUILT_IN.replacen("id = \"baseline-some-pim\"", "id = \"reactive-account-exists\"", 1);
        assert_eq!(
            Model::parse(&duplicate).unwrap_err().to_string(),
            "practice id \"reactive-account-exists\" is used twice; ids must be unique"
        );
        let unknown = BUILT_IN.replacen("evidence = \"offline-backup\"", "evidence = \"paper\"", 1);
        let message = Model::parse(&unknown).unwrap_err().to_string();
        let line = line_of(&unknown, unknown.find("\"paper\"").unwrap());
        assert!(message.starts_with(&format!("line {line}: ")), "{message}");
        assert!(
            message.contains("offline-backup") && !message.contains('\n'),
            "{message}"
        );
        let stray = BUILT_IN.replacen("[model]\n", "[model]\ncolour = \"red\"\n", 1);
        assert!(Model::parse(&stray).unwrap_err().to_string().contains("colour"));
        let bad_id = BUILT_IN.replacen("id = \"secure-wif\"", "id = \"secure.wif\"", 1);
        assert!(Model::parse(&bad_id).unwrap_err().to_string().contains("secure.wif"));
        let unprintable = BUILT_IN.replacen("author = \"KuShuSec\"", "author = \"\u{4e2d}\"", 1);
        assert!(
            Model::parse(&unprintable)
                .unwrap_err()
                .to_string()
                .contains("[model] author")
        );
        assert!(Model::parse("").unwrap_err().to_string().contains("model"));
        let no_levels =
            "level = []\n[model]\nname = \"x\"\nversion = \"1\"\nauthor = \"a\"\nsource = \"s\"\ncredit = \"c\"\n";
        let message = Model::parse(no_levels).unwrap_err().to_string();
        assert!(message.contains("no [[level]]"), "{message}");
    }
}
