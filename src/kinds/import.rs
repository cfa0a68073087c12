//! Importing a secret the user already holds: checking it and describing it so that `recover`
//! can give it back in the form a responder needs.
//!
//! Every kind is validated before anything is sealed, because a typo found at recovery time,
//! years later, is a typo found too late.

use crate::crypto::payload::Payload;
use crate::crypto::secret::SecretBytes;
use crate::kinds::SecretKind;
use crate::kinds::certificate::generate::CertificateInfo;
use crate::kinds::totp::seed as totp;
use crate::kinds::{self, ImportOption};
use crate::platform::dates::Day;

/// A secret the user already holds, with what is needed to present it at recovery.
#[derive(Debug)]
pub struct ProvidedSecret {
    /// Its kind.
    pub kind: SecretKind,
    /// The secret.
    pub secret: SecretBytes,
    /// Original file name, if read from a file.
    pub file_name: Option<String>,
    /// Parameters sealed with the secret (e.g. a TOTP seed's digits and period).
    pub metadata: Vec<(String, String)>,
    /// Public facts recorded in the manifest and printed on the sheets.
    pub public: PublicFacts,
}

/// Facts about a secret that are safe to publish, so custodians and auditors can see what is
/// sealed and when it expires without opening anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublicFacts {
    /// Serial numbers of the FIDO2 security keys a sealed PIN belongs to.
    pub key_serials: Vec<String>,
    /// The last day the sealed secret works (client secrets, certificates).
    pub expires: Option<Day>,
    /// The public facts of a sealed app certificate.
    pub certificate: Option<CertificateInfo>,
}

/// Options that some kinds need.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Original file name of the secret, if any.
    pub file_name: Option<String>,
    /// FIDO2 key serials.
    pub key_serials: Vec<String>,
    /// Client-secret expiry, `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// TOTP overrides.
    pub totp_digits: Option<u32>,
    /// TOTP overrides.
    pub totp_period: Option<u64>,
    /// TOTP overrides.
    pub totp_algorithm: Option<totp::Algorithm>,
    /// The current time (Unix seconds), to refuse already-expired secrets.
    pub now: i64,
    /// The ceremony's label: the account name of a bare TOTP seed, so that its recovered URI
    /// has a label (authenticator apps reject `otpauth://totp/?secret=...`).
    pub label: Option<String>,
}

/// Why an imported secret was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImportError {
    /// Empty input.
    #[error("the secret is empty; give a non-empty --secret-file")]
    Empty,
    /// A text kind that is not one line of printable UTF-8 text.
    #[error("the {0} in --secret-file cannot be sealed: {1}")]
    NotText(&'static str, crate::platform::input::LineError),
    /// TOTP seed problem.
    #[error(transparent)]
    Totp(#[from] totp::TotpError),
    /// FIDO2 PIN rules.
    #[error("a FIDO2 PIN must be 4 to 63 characters on one line; check --secret-file")]
    Pin,
    /// FIDO2 PIN without key serials.
    #[error("say which security key the PIN belongs to with --key-serial SERIAL (repeatable)")]
    NoKeySerial,
    /// A key serial that cannot be printed.
    #[error("key serial {0:?} must be 1 to 40 letters, digits, '-' or '.'")]
    KeySerial(String),
    /// Client secret without expiry.
    #[error(
        "give the client secret's expiry date with --expires YYYY-MM-DD (Entra shows it under Certificates & secrets)"
    )]
    NoExpiry,
    /// Expiry not a date.
    #[error("--expires {0:?} is not a date of the form YYYY-MM-DD")]
    BadDate(String),
    /// Already expired.
    #[error("the client secret expired on {0}; create a new one in Entra and seal that")]
    Expired(String),
    /// Options given for another kind.
    #[error("{0} only applies to --kind {1}")]
    Misplaced(&'static str, &'static str),
}

/// The payload's metadata key for each FIDO2 key serial.
pub const KEY_SERIAL: &str = "key-serial";
/// The payload's metadata key for a secret's expiry (`YYYY-MM-DD`).
pub const EXPIRES: &str = "expires";

/// An imported text secret: one line a person can read back from paper and type, without its
/// byte-order mark and line ending ([`crate::platform::input::typed_line`]); blank is empty.
pub(crate) fn text_of(secret: &SecretBytes, kind: &'static str) -> Result<String, ImportError> {
    let text =
        crate::platform::input::typed_line(secret.expose()).map_err(|error| ImportError::NotText(kind, error))?;
    if text.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(text.to_owned())
}

/// The public facts a payload's own metadata records: FIDO2 key serials and an expiry.
pub fn facts_from_metadata(payload: &Payload) -> PublicFacts {
    PublicFacts {
        key_serials: payload
            .metadata_values(KEY_SERIAL)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        expires: payload
            .metadata_values(EXPIRES)
            .first()
            .and_then(|date| Day::parse(date)),
        ..PublicFacts::default()
    }
}

/// Whether `options` gives `option`.
fn gives(options: &ImportOptions, option: ImportOption) -> bool {
    match option {
        ImportOption::TotpParameters => {
            options.totp_digits.is_some() || options.totp_period.is_some() || options.totp_algorithm.is_some()
        }
        ImportOption::KeySerials => !options.key_serials.is_empty(),
        ImportOption::Expires => options.expires.is_some(),
    }
}

/// Checks and describes an imported secret of `kind`: options for another kind are refused, then
/// the kind's own rules apply ([`Kind::import`]).
pub fn import(kind: SecretKind, secret: SecretBytes, options: ImportOptions) -> Result<ProvidedSecret, ImportError> {
    if secret.is_empty() {
        return Err(ImportError::Empty);
    }
    let rules = kinds::of(&kind);
    if let Some(option) = ImportOption::ALL
        .into_iter()
        .find(|option| gives(&options, *option) && !rules.profile().takes(*option))
    {
        let (flags, owner) = option.flags_and_kind();
        return Err(ImportError::Misplaced(flags, owner));
    }
    let provided = ProvidedSecret {
        // Only a file is handed back under its own name; for every other kind the name of the
        // file it was imported from says nothing and is not sealed.
        file_name: options.file_name.clone().filter(|_| rules.profile().keeps_file_name),
        kind,
        secret,
        metadata: Vec::new(),
        public: PublicFacts::default(),
    };
    let provided = rules.import(provided, &options)?;
    if provided.secret.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(provided)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ImportOptions {
        ImportOptions {
            now: 1_795_609_845,
            ..ImportOptions::default()
        }
    }

    #[test]
    fn a_bare_totp_seed_gets_the_label_and_no_file_name() {
        let with = ImportOptions {
            file_name: Some("seed.txt".into()),
            label: Some("contoso bg-01".into()),
            ..options()
        };
        let seed = SecretBytes::from_slice(b"JBSWY3DPEHPK3PXP\n");
        let imported = import(SecretKind::Totp, seed, with.clone()).unwrap();
        assert_eq!(imported.file_name, None, "only a file keeps its file name");
        let recovered = totp::from_metadata(imported.secret.duplicate(), &imported.metadata).unwrap();
        assert!(
            totp::to_uri(&recovered)
                .expose()
                .starts_with("otpauth://totp/contoso%20bg-01?secret=JBSWY3DPEHPK3PXP"),
            "a bare seed recovers to a URI with a label"
        );
        let file = import(SecretKind::File, SecretBytes::from_slice(b"x"), with).unwrap();
        assert_eq!(file.file_name.as_deref(), Some("seed.txt"));
    }

    #[test]
    fn fido2_pin_needs_serials_and_a_sane_pin() {
        let pin = || SecretBytes::from_slice(b"482913\n");
        assert_eq!(
            import(SecretKind::Fido2Pin, pin(), options()).unwrap_err(),
            ImportError::NoKeySerial
        );
        let with = ImportOptions {
            key_serials: vec!["YK-5C-1234567".into()],
            ..options()
        };
        let imported = import(SecretKind::Fido2Pin, pin(), with.clone()).unwrap();
        assert_eq!(imported.secret.expose(), b"482913");
        assert_eq!(imported.public.key_serials, ["YK-5C-1234567"]);
        assert_eq!(
            import(SecretKind::Fido2Pin, SecretBytes::from_slice(b"123"), with.clone()).unwrap_err(),
            ImportError::Pin
        );
        let bad = ImportOptions {
            key_serials: vec!["a b".into()],
            ..options()
        };
        assert!(matches!(
            import(SecretKind::Fido2Pin, pin(), bad),
            Err(ImportError::KeySerial(_))
        ));
    }

    #[test]
    fn client_secret_needs_a_future_expiry() {
        let value = || SecretBytes::from_slice(b"abc~DEF.123_xyz\n");
        assert_eq!(
            import(SecretKind::ClientSecret, value(), options()).unwrap_err(),
            ImportError::NoExpiry
        );
        let past = ImportOptions {
            expires: Some("2026-11-24".into()),
            ..options()
        };
        assert_eq!(
            import(SecretKind::ClientSecret, value(), past).unwrap_err(),
            ImportError::Expired("2026-11-24".into())
        );
        let future = ImportOptions {
            expires: Some("2027-06-30".into()),
            ..options()
        };
        let imported = import(SecretKind::ClientSecret, value(), future).unwrap();
        assert_eq!(imported.secret.expose(), b"abc~DEF.123_xyz");
        assert_eq!(
            imported.public.expires.map(|day| day.to_string()).as_deref(),
            Some("2027-06-30")
        );
        let junk = ImportOptions {
            expires: Some("next year".into()),
            ..options()
        };
        assert!(matches!(
            import(SecretKind::ClientSecret, value(), junk),
            Err(ImportError::BadDate(_))
        ));
    }

    #[test]
    fn options_for_other_kinds_are_refused() {
        let serial = ImportOptions {
            key_serials: vec!["1".into()],
            ..options()
        };
        assert!(matches!(
            import(SecretKind::File, SecretBytes::from_slice(b"x"), serial),
            Err(ImportError::Misplaced(..))
        ));
        assert_eq!(
            import(SecretKind::File, SecretBytes::from_slice(b""), options()).unwrap_err(),
            ImportError::Empty
        );
    }

    #[test]
    fn totp_seed_is_normalised_to_raw_bytes_with_metadata() {
        let uri = SecretBytes::from_slice(
            b"otpauth://totp/Contoso:bg01?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Contoso&digits=8\n",
        );
        let imported = import(SecretKind::Totp, uri, options()).unwrap();
        assert_eq!(imported.secret.expose(), b"12345678901234567890");
        assert!(imported.metadata.contains(&("totp-digits".into(), "8".into())));
    }

    #[test]
    fn text_secrets_lose_a_bom_and_refuse_what_cannot_be_seen_or_typed() {
        let pin_options = ImportOptions {
            key_serials: vec!["YK-5C-1234567".into()],
            ..options()
        };
        let bom_pin = import(
            SecretKind::Fido2Pin,
            SecretBytes::from_slice(b"\xEF\xBB\xBF482913\r\n"),
            pin_options,
        );
        assert_eq!(bom_pin.unwrap().secret.expose(), b"482913");
        let bom_seed = import(
            SecretKind::Totp,
            SecretBytes::from_slice(b"\xEF\xBB\xBFJBSWY3DPEHPK3PXP\r\n"),
            options(),
        );
        assert_eq!(bom_seed.unwrap().secret.expose(), b"Hello!\xDE\xAD\xBE\xEF");
        let bom_passphrase = import(
            SecretKind::Passphrase,
            SecretBytes::from_slice(b"\xEF\xBB\xBFCorrect-Horse\n"),
            options(),
        );
        assert_eq!(bom_passphrase.unwrap().secret.expose(), b"Correct-Horse");
        for (bytes, expected) in [
            (&b"Correct\x1b[2JHorse"[..], "character 8 is U+001B"),
            ("Correct\u{202E}Horse".as_bytes(), "character 8 is U+202E"),
            (b"Correct\0Horse", "character 8 is U+0000"),
            (b"first-line\nsecond-line\n", "more than one line"),
            (b"\xFF\xFEC\0o\0", "UTF-16"),
        ] {
            let error = import(SecretKind::Passphrase, SecretBytes::from_slice(bytes), options()).unwrap_err();
            let message = error.to_string();
            assert!(message.contains(expected), "{message}");
            assert!(
                !message.contains("Correct") && !message.contains("Horse"),
                "the secret is never echoed: {message}"
            );
        }
        assert_eq!(
            import(SecretKind::Passphrase, SecretBytes::from_slice(b"   \r\n"), options()).unwrap_err(),
            ImportError::Empty
        );
    }
}
