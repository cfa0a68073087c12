//! The PIN of the emergency account's FIDO2 security key(s). The keys' serials are public: they
//! are sealed with the PIN, printed on the sheets and named when the PIN is recovered.

use super::import::{self, ImportError, ImportOptions, ProvidedSecret};
use super::recovery::{HandOut, RecoverError};
use super::{ImportOption, Kind, Profile};
use crate::crypto::payload::Payload;
use crate::crypto::secret::{SecretBytes, SecretString};
use crate::evidence::manifest::Manifest;
use crate::paper::render::document::escape;
use crate::paper::runbook::or_blank;

/// The FIDO2 PIN kind.
pub struct Fido2Pin;

/// Checks key serials: 1 to 40 letters, digits, `-` or `.` each (they are printed).
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

/// What is fixed about a FIDO2 PIN.
pub const PROFILE: Profile = Profile::new(
    "FIDO2 security key PIN",
    "the PIN of the emergency account's FIDO2 security key",
)
.taking(ImportOption::KeySerials);

impl Kind for Fido2Pin {
    fn import(&self, mut provided: ProvidedSecret, options: &ImportOptions) -> Result<ProvidedSecret, ImportError> {
        let pin = zeroize::Zeroizing::new(import::text_of(&provided.secret, "FIDO2 PIN")?);
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
            .map(|serial| (import::KEY_SERIAL.to_owned(), serial.clone()))
            .collect();
        provided.secret = SecretBytes::from_slice(pin.as_bytes());
        Ok(provided)
    }

    fn hand_out(&self, payload: &Payload, _: Option<&SecretString>, _: i64) -> Result<HandOut, RecoverError> {
        let serials = payload.metadata_values(import::KEY_SERIAL);
        Ok(HandOut::text_line(
            payload,
            "fido2-pin.txt",
            vec![format!(
                "This is the PIN of {}: {}.",
                if serials.len() == 1 {
                    "security key"
                } else {
                    "security keys"
                },
                serials.join(", ")
            )],
        ))
    }

    fn using_it(&self, manifest: &Manifest) -> String {
        let account = or_blank(manifest.account.as_deref(), "emergency account");
        let tenant = or_blank(manifest.tenant.as_deref(), "tenant");
        let keys = match manifest.key_serials.as_slice() {
            [] => "security keys".to_owned(),
            [serial] => format!("security key {}", escape(serial)),
            serials => format!("security keys {}", escape(&serials.join(", "))),
        };
        format!(
            "The recovered PIN unlocks the FIDO2 {keys} of `{account}`; the keys themselves are kept apart from the sheets. Sign in at the Microsoft sign-in page of tenant `{tenant}` with a key and this PIN."
        )
    }

    fn replacing_it(&self, _: &Manifest) -> String {
        "2. Set a new PIN on the security keys (or re-register them) and seal it in the new ceremony.".into()
    }

    fn profile(&self) -> &'static Profile {
        &PROFILE
    }
}
