//! An existing app registration client secret. Entra gives it an expiry: it is sealed with it,
//! printed on the sheets, refused at import when already past, and warned about at recovery.

use super::import::{self, ImportError, ImportOptions, ProvidedSecret};
use super::recovery::{HandOut, RecoverError};
use super::{ImportOption, Kind, Profile};
use crate::crypto::payload::Payload;
use crate::crypto::secret::{SecretBytes, SecretString};
use crate::evidence::manifest::Manifest;
use crate::paper::runbook::{or_blank, ps_variables};
use crate::platform::clock;
use crate::platform::dates::Day;

/// The client-secret kind.
pub struct ClientSecret;

/// What is fixed about a client secret.
pub const PROFILE: Profile = Profile::new("app client secret", "an app registration client secret")
    .signing_in_as_app()
    .taking(ImportOption::Expires);

impl Kind for ClientSecret {
    fn import(&self, mut provided: ProvidedSecret, options: &ImportOptions) -> Result<ProvidedSecret, ImportError> {
        let value = zeroize::Zeroizing::new(import::text_of(&provided.secret, "client secret")?);
        if value.trim().is_empty() {
            return Err(ImportError::Empty);
        }
        let expires = options.expires.as_deref().ok_or(ImportError::NoExpiry)?;
        let day = Day::parse(expires).ok_or_else(|| ImportError::BadDate(expires.into()))?;
        if day.end() <= options.now {
            return Err(ImportError::Expired(day.to_string()));
        }
        provided.public.expires = Some(day);
        provided.metadata = vec![(import::EXPIRES.to_owned(), day.to_string())];
        provided.secret = SecretBytes::from_slice(value.trim().as_bytes());
        Ok(provided)
    }

    fn hand_out(&self, payload: &Payload, _: Option<&SecretString>, now: i64) -> Result<HandOut, RecoverError> {
        let mut notes = Vec::new();
        if let Some(expires) = payload.metadata_values(import::EXPIRES).first() {
            let expired = clock::parse_date(expires).is_some_and(|at| at + 86_400 <= now);
            notes.push(if expired {
                format!("WARNING: this client secret expired on {expires}; Entra will reject it.")
            } else {
                format!("This client secret expires on {expires}.")
            });
        }
        Ok(HandOut::text_line(payload, "client-secret.txt", notes))
    }

    fn using_it(&self, manifest: &Manifest) -> String {
        let tenant = or_blank(manifest.tenant.as_deref(), "tenant");
        let app_id = or_blank(manifest.app_id.as_deref(), "application (client) id");
        format!(
            "The recovered client secret of app `{app_id}` expires on {}; Entra rejects it after that. Sign in with it by typing it at the prompt, never with the secret on the command line or in a file:\n\n```\n{}$secure = Read-Host -AsSecureString 'client secret'\n$secret = [Net.NetworkCredential]::new('', $secure).Password\naz login --service-principal -u $app -t $tenant -p $secret\n```",
            manifest
                .secret_expires
                .map_or_else(|| "(not recorded)".to_owned(), |day| day.to_string()),
            ps_variables(&[("app", &app_id), ("tenant", &tenant)])
        )
    }

    fn replacing_it(&self, manifest: &Manifest) -> String {
        let app_id = or_blank(manifest.app_id.as_deref(), "application (client) id");
        format!(
            "2. Create a new client secret for app `{app_id}`, seal it in the new ceremony, then delete the old secret from the app registration."
        )
    }

    fn profile(&self) -> &'static Profile {
        &PROFILE
    }
}
