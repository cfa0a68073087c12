//! Importing a secret the user already holds: checking it and describing it so that `recover`
//! can give it back in the form a responder needs.
//!
//! Every kind is validated before anything is sealed, because a typo found at recovery time,
//! years later, is a typo found too late.

use crate::crypto::payload::SecretKind;
use crate::crypto::secret::SecretBytes;
use crate::kinds::generate::certificate::CertificateInfo;
use crate::kinds::totp;
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
    /// A text kind that is not UTF-8 text.
    #[error("a {0} must be text (UTF-8); check --secret-file")]
    NotText(&'static str),
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

fn text_of(secret: &SecretBytes, kind: &'static str) -> Result<String, ImportError> {
    let text = std::str::from_utf8(secret.expose()).map_err(|_| ImportError::NotText(kind))?;
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}

fn check_serials(serials: &[String]) -> Result<Vec<String>, ImportError> {
    serials
        .iter()
        .map(|serial| {
            let trimmed = serial.trim();
            let valid = !trimmed.is_empty()
                && trimmed.len() <= 40
                && trimmed
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if valid {
                Ok(trimmed.to_owned())
            } else {
                Err(ImportError::KeySerial(serial.clone()))
            }
        })
        .collect()
}

/// Checks and describes an imported secret of `kind`.
pub fn import(kind: SecretKind, secret: SecretBytes, options: ImportOptions) -> Result<ProvidedSecret, ImportError> {
    if secret.is_empty() {
        return Err(ImportError::Empty);
    }
    let totp_options =
        options.totp_digits.is_some() || options.totp_period.is_some() || options.totp_algorithm.is_some();
    if totp_options && kind != SecretKind::Totp {
        return Err(ImportError::Misplaced(
            "--totp-digits/--totp-period/--totp-algorithm",
            "totp",
        ));
    }
    if !options.key_serials.is_empty() && kind != SecretKind::Fido2Pin {
        return Err(ImportError::Misplaced("--key-serial", "fido2-pin"));
    }
    if options.expires.is_some() && kind != SecretKind::ClientSecret {
        return Err(ImportError::Misplaced("--expires", "client-secret"));
    }
    let mut provided = ProvidedSecret {
        kind: kind.clone(),
        secret,
        // Only a file is handed back under its own name; for every other kind the name of the
        // file it was imported from says nothing and is not sealed.
        file_name: options.file_name.clone().filter(|_| kind == SecretKind::File),
        metadata: Vec::new(),
        public: PublicFacts::default(),
    };
    match kind {
        SecretKind::Totp => {
            let text = zeroize::Zeroizing::new(text_of(&provided.secret, "TOTP seed")?);
            let seed = totp::parse(text.trim())?;
            let mut seed =
                totp::with_overrides(seed, options.totp_digits, options.totp_period, options.totp_algorithm)?;
            if seed.account.is_none() && seed.issuer.is_none() {
                seed.account = options
                    .label
                    .as_deref()
                    .map(str::trim)
                    .filter(|label| !label.is_empty())
                    .map(str::to_owned);
            }
            provided.metadata = totp::to_metadata(&seed);
            provided.secret = seed.secret;
        }
        SecretKind::Fido2Pin => {
            let pin = zeroize::Zeroizing::new(text_of(&provided.secret, "FIDO2 PIN")?);
            let length = pin.chars().count();
            if !(4..=63).contains(&length) || pin.len() > 63 || pin.contains(['\n', '\r']) {
                return Err(ImportError::Pin);
            }
            if options.key_serials.is_empty() {
                return Err(ImportError::NoKeySerial);
            }
            provided.public.key_serials = check_serials(&options.key_serials)?;
            provided.metadata = provided
                .public
                .key_serials
                .iter()
                .map(|serial| ("key-serial".to_owned(), serial.clone()))
                .collect();
            provided.secret = SecretBytes::from_slice(pin.as_bytes());
        }
        SecretKind::ClientSecret => {
            let value = zeroize::Zeroizing::new(text_of(&provided.secret, "client secret")?);
            if value.trim().is_empty() {
                return Err(ImportError::Empty);
            }
            let expires = options.expires.as_deref().ok_or(ImportError::NoExpiry)?;
            let day = Day::parse(expires).ok_or_else(|| ImportError::BadDate(expires.into()))?;
            if day.end() <= options.now {
                return Err(ImportError::Expired(day.to_string()));
            }
            provided.public.expires = Some(day);
            provided.metadata = vec![("expires".to_owned(), day.to_string())];
            provided.secret = SecretBytes::from_slice(value.trim().as_bytes());
        }
        SecretKind::Passphrase => {
            let value = zeroize::Zeroizing::new(text_of(&provided.secret, "passphrase")?);
            provided.secret = SecretBytes::from_slice(value.as_bytes());
        }
        SecretKind::File | SecretKind::Certificate | SecretKind::Other(_) => {}
    }
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
}
