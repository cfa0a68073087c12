//! The kinds of secret a ceremony seals. Each kind is one module that owns everything about it:
//! how it is made (generated, or imported and checked), the facts printed about it, the
//! runbook's words for using and replacing it, and how `recover` hands it out. The rest of the
//! tool asks [`of`] for a kind's [`Kind`] instead of matching on [`SecretKind`], so adding a
//! kind touches this folder only.

pub mod certificate;
pub mod client_secret;
pub mod fido2_pin;
pub mod file;
pub mod import;
pub mod passphrase;
pub mod recovery;
pub mod totp;

use crate::crypto::payload::Payload;
use crate::crypto::secret::SecretString;
use crate::evidence::manifest::Manifest;
use import::{ImportError, ImportOptions, ProvidedSecret, PublicFacts};
use recovery::{HandOut, RecoverError};

/// What kind of secret a payload holds; decides how `recover` presents it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretKind {
    /// A password for an emergency-access account (generated or imported).
    Passphrase,
    /// Any file the user imported.
    File,
    /// A TOTP seed (`totp-*` metadata holds its parameters).
    Totp,
    /// The PIN of a FIDO2 security key (the keys' serials are public, in the manifest).
    Fido2Pin,
    /// An existing app registration client secret (its expiry is in the manifest).
    ClientSecret,
    /// An RSA private key and its certificate for an app registration (PEM, key first).
    Certificate,
    /// A kind written by a newer version; recovered as raw bytes.
    Other(String),
}

impl SecretKind {
    /// The name written in the payload and manifest.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Passphrase => "passphrase",
            Self::File => "file",
            Self::Totp => "totp",
            Self::Fido2Pin => "fido2-pin",
            Self::ClientSecret => "client-secret",
            Self::Certificate => "certificate",
            Self::Other(name) => name,
        }
    }

    /// Parses a kind name; unknown names are kept as [`SecretKind::Other`].
    pub fn parse(name: &str) -> Self {
        match name {
            "passphrase" => Self::Passphrase,
            "file" => Self::File,
            "totp" => Self::Totp,
            "fido2-pin" => Self::Fido2Pin,
            "client-secret" => Self::ClientSecret,
            "certificate" => Self::Certificate,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// Every kind this version seals, in the order `seal --help` lists them.
pub static KNOWN: [SecretKind; 6] = [
    SecretKind::Passphrase,
    SecretKind::File,
    SecretKind::Totp,
    SecretKind::Fido2Pin,
    SecretKind::ClientSecret,
    SecretKind::Certificate,
];

/// Written by its name (the manifest's `secret_kind`).
impl serde::Serialize for SecretKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Read by its name; a kind from a newer version is kept as [`SecretKind::Other`].
impl<'de> serde::Deserialize<'de> for SecretKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <String as serde::Deserialize>::deserialize(deserializer).map(|name| Self::parse(&name))
    }
}

/// What is fixed about a kind: the words printed for it and the facts the rest of the tool asks
/// of it. Data, not code: each kind module holds one constant, built with the `const fn`s below
/// from what every kind has (its words) and what only some have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    /// What the sheet's "Secret" row says is sealed.
    pub on_sheet: &'static str,
    /// What the runbook says is sealed ("Sealed secret: ...").
    pub in_runbook: &'static str,
    /// Whether the secret signs in as an app registration (a certificate or client secret): the
    /// sign-in alert then watches the app's id, and a sign-in check names the app.
    pub signs_in_as_app: bool,
    /// The import option this kind takes; `import` refuses every other by name.
    pub option: Option<ImportOption>,
    /// Whether a recovered secret is written back under the file name it was imported from.
    pub keeps_file_name: bool,
    /// Whether writing the recovered secret to files asks for a password (a certificate's .pfx).
    pub needs_password_for_files: bool,
}

impl Profile {
    /// A kind printed with these words, taking no import option, handed out under its own names.
    pub const fn new(on_sheet: &'static str, in_runbook: &'static str) -> Self {
        Self {
            on_sheet,
            in_runbook,
            signs_in_as_app: false,
            option: None,
            keeps_file_name: false,
            needs_password_for_files: false,
        }
    }

    /// The same, for a secret that signs in as an app registration.
    pub const fn signing_in_as_app(self) -> Self {
        Self {
            signs_in_as_app: true,
            ..self
        }
    }

    /// The same, taking `option` at import.
    pub const fn taking(self, option: ImportOption) -> Self {
        Self {
            option: Some(option),
            ..self
        }
    }

    /// The same, written back under the name it was imported from.
    pub const fn keeping_file_name(self) -> Self {
        Self {
            keeps_file_name: true,
            ..self
        }
    }

    /// The same, asking for a password when written to files.
    pub const fn needing_password_for_files(self) -> Self {
        Self {
            needs_password_for_files: true,
            ..self
        }
    }

    /// Whether `import` takes `option`.
    pub fn takes(&self, option: ImportOption) -> bool {
        self.option == Some(option)
    }
}

/// What a kind does; one implementation per module of this folder. What is fixed about it is its
/// [`Profile`].
pub trait Kind: Sync {
    /// The kind's words and fixed facts.
    fn profile(&self) -> &'static Profile;
    /// Checks an imported secret (read, not empty) and fills in what presenting it needs.
    fn import(&self, provided: ProvidedSecret, options: &ImportOptions) -> Result<ProvidedSecret, ImportError>;
    /// The public facts of a recovered payload of this kind (for re-sealing it), read from the
    /// payload itself: FIDO2 key serials and an expiry from its metadata.
    fn public_facts(&self, payload: &Payload) -> Result<PublicFacts, RecoverError> {
        Ok(import::facts_from_metadata(payload))
    }
    /// Hands out a recovered secret at `now` (Unix seconds); `password` protects files that
    /// need one ([`Profile::needs_password_for_files`]).
    fn hand_out(&self, payload: &Payload, password: Option<&SecretString>, now: i64) -> Result<HandOut, RecoverError>;
    /// The runbook's section 5: using the recovered secret in Entra.
    fn using_it(&self, manifest: &Manifest) -> String;
    /// The runbook's section 6, step 2: putting the new ceremony's secret in place of this one.
    fn replacing_it(&self, manifest: &Manifest) -> String;
}

/// An import option that only some kinds take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportOption {
    /// A TOTP seed's digits, period and algorithm.
    TotpParameters,
    /// FIDO2 security key serials.
    KeySerials,
    /// A client secret's expiry.
    Expires,
}

impl ImportOption {
    /// Every option, in the order they are checked.
    pub const ALL: [ImportOption; 3] = [Self::TotpParameters, Self::KeySerials, Self::Expires];

    /// The flags that give it, and the kind that takes it, for the refusal.
    pub fn flags_and_kind(self) -> (&'static str, &'static str) {
        match self {
            Self::TotpParameters => ("--totp-digits/--totp-period/--totp-algorithm", "totp"),
            Self::KeySerials => ("--key-serial", "fido2-pin"),
            Self::Expires => ("--expires", "client-secret"),
        }
    }
}

/// The module that decides for `kind`. A kind written by a newer version is treated as a file:
/// its bytes are handed out as they are.
pub fn of(kind: &SecretKind) -> &'static dyn Kind {
    match kind {
        SecretKind::Passphrase => &passphrase::Passphrase,
        SecretKind::File | SecretKind::Other(_) => &file::File,
        SecretKind::Totp => &totp::Totp,
        SecretKind::Fido2Pin => &fido2_pin::Fido2Pin,
        SecretKind::ClientSecret => &client_secret::ClientSecret,
        SecretKind::Certificate => &certificate::Certificate,
    }
}

/// What the sheet's "Secret" row says: the kind's words, or a newer kind's own name.
pub fn on_sheet(kind: &SecretKind) -> &str {
    match kind {
        SecretKind::Other(name) => name,
        known => of(known).profile().on_sheet,
    }
}

/// What the runbook says is sealed: the kind's words, or a newer kind's own name.
pub fn in_runbook(kind: &SecretKind) -> &str {
    match kind {
        SecretKind::Other(name) => name,
        known => of(known).profile().in_runbook,
    }
}
