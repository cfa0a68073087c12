//! The password of an emergency-access account: generated at the ceremony ([`generate`]) or
//! imported. Set on the account with Microsoft Graph, typed at the sign-in page with the
//! account's FIDO2 key.

pub mod generate;

use super::import::{self, ImportError, ImportOptions, ProvidedSecret};
use super::recovery::{HandOut, RecoverError};
use super::{Kind, Profile};
use crate::crypto::payload::Payload;
use crate::crypto::secret::{SecretBytes, SecretString};
use crate::evidence::manifest::Manifest;
use crate::paper::runbook::{indented, or_blank, set_passphrase};

/// The passphrase kind.
pub struct Passphrase;

/// What is fixed about a passphrase.
pub const PROFILE: Profile = Profile::new("passphrase", "the password of an emergency-access account");

impl Kind for Passphrase {
    fn import(&self, mut provided: ProvidedSecret, _: &ImportOptions) -> Result<ProvidedSecret, ImportError> {
        let value = zeroize::Zeroizing::new(import::text_of(&provided.secret, "passphrase")?);
        provided.secret = SecretBytes::from_slice(value.as_bytes());
        Ok(provided)
    }

    fn hand_out(&self, payload: &Payload, _: Option<&SecretString>, _: i64) -> Result<HandOut, RecoverError> {
        Ok(HandOut::text_line(payload, "passphrase.txt", Vec::new()))
    }

    fn using_it(&self, manifest: &Manifest) -> String {
        let account = or_blank(manifest.account.as_deref(), "emergency account");
        let tenant = or_blank(manifest.tenant.as_deref(), "tenant");
        format!(
            "The recovered passphrase is the password of `{account}`: type it exactly, with its dashes, at the Microsoft sign-in page of tenant `{tenant}`. Since mandatory MFA a password alone does not sign an emergency account in: the account's FIDO2 security key (kept apart from these sheets) is needed too. Type the passphrase from the offline computer's screen; never copy it onto the online machine in a file."
        )
    }

    fn replacing_it(&self, manifest: &Manifest) -> String {
        let account = or_blank(manifest.account.as_deref(), "emergency account");
        let tenant = or_blank(manifest.tenant.as_deref(), "tenant");
        format!(
            "2. Set the new ceremony's passphrase (shown once by `breakglass seal`) on `{account}`. {}",
            indented(&set_passphrase(&account, &tenant))
        )
    }

    fn profile(&self) -> &'static Profile {
        &PROFILE
    }
}
