//! A TOTP (authenticator code) seed, imported as an otpauth:// URI or a bare base32 seed
//! ([`seed`] parses both). It is sealed as raw bytes with its parameters, and recovered as the
//! seed, a URI and the current code.

pub mod seed;

use super::import::{self, ImportError, ImportOptions, ProvidedSecret};
use super::recovery::{HandOut, RecoverError};
use super::{ImportOption, Kind, Profile};
use crate::crypto::payload::Payload;
use crate::crypto::secret::{SecretString, SecretText};
use crate::evidence::manifest::Manifest;
use crate::platform::clock;

/// The TOTP kind.
pub struct Totp;

/// The account name a recovered TOTP seed that was sealed without any name is given.
pub const UNNAMED_ACCOUNT: &str = "breakglass";

/// What is fixed about a TOTP seed.
pub const PROFILE: Profile =
    Profile::new("TOTP seed", "a TOTP (authenticator code) seed").taking(ImportOption::TotpParameters);

impl Kind for Totp {
    fn import(&self, mut provided: ProvidedSecret, options: &ImportOptions) -> Result<ProvidedSecret, ImportError> {
        let text = zeroize::Zeroizing::new(import::text_of(&provided.secret, "TOTP seed")?);
        let parsed = seed::parse(text.trim())?;
        let mut parsed =
            seed::with_overrides(parsed, options.totp_digits, options.totp_period, options.totp_algorithm)?;
        if parsed.account.is_none() && parsed.issuer.is_none() {
            parsed.account = options
                .label
                .as_deref()
                .map(str::trim)
                .filter(|label| !label.is_empty())
                .map(str::to_owned);
        }
        provided.metadata = seed::to_metadata(&parsed);
        provided.secret = parsed.secret;
        Ok(provided)
    }

    fn hand_out(&self, payload: &Payload, _: Option<&SecretString>, now: i64) -> Result<HandOut, RecoverError> {
        let mut parsed =
            seed::from_metadata(payload.secret.duplicate(), &payload.metadata).map_err(RecoverError::Totp)?;
        if parsed.account.is_none() && parsed.issuer.is_none() {
            // Sealed without any name (before seals gave a bare seed the ceremony's label): some
            // authenticator apps reject the empty label of `otpauth://totp/?secret=...`.
            parsed.account = Some(UNNAMED_ACCOUNT.to_owned());
        }
        let (base32, uri) = (seed::base32_secret(&parsed), seed::to_uri(&parsed));
        let code = seed::code(&parsed, now);
        let at = clock::rfc3339(now);
        let mut printed =
            SecretText::with_capacity(base32.expose().len() + uri.expose().len() + code.len() + at.len() + 80);
        printed.push_fmt(format_args!(
            "seed: {}\nuri: {}\ncode: {code} (valid for {} more seconds, at {at})\n",
            base32.expose(),
            uri.expose(),
            seed::seconds_left(&parsed, now),
        ));
        let mut file = SecretText::with_capacity(uri.expose().len() + 1);
        file.push_str(uri.expose());
        file.push_str("\n");
        Ok(HandOut {
            files: vec![("totp-uri.txt".to_owned(), file.into_secret_bytes())],
            printed: printed.into_secret_bytes(),
            notes: vec!["The current code is computed from this computer's clock; check that it is right.".into()],
        })
    }

    fn using_it(&self, _: &Manifest) -> String {
        "`breakglass recover --print` shows the seed, an otpauth:// URI and the current code (check the offline computer's clock first). Type the code; never scan the URI's QR code into a phone.".into()
    }

    fn replacing_it(&self, _: &Manifest) -> String {
        "2. Re-register the TOTP token with a new seed and seal the seed in the new ceremony.".into()
    }

    fn profile(&self) -> &'static Profile {
        &PROFILE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::secret::SecretBytes;
    use crate::kinds::SecretKind;

    fn totp_payload(metadata: &[(&str, &str)]) -> Payload {
        Payload {
            kind: SecretKind::Totp,
            label: String::new(),
            file_name: None,
            metadata: metadata.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            secret: SecretBytes::from_slice(b"12345678901234567890"),
        }
    }

    fn uri(handed: &HandOut) -> String {
        String::from_utf8(handed.files[0].1.expose().to_vec()).unwrap()
    }

    #[test]
    fn a_nameless_totp_seed_recovers_to_a_uri_with_a_label() {
        let handed = Totp.hand_out(&totp_payload(&[]), None, 59).unwrap();
        assert!(
            uri(&handed).starts_with("otpauth://totp/breakglass?secret="),
            "{}",
            uri(&handed)
        );
        let named = Totp
            .hand_out(&totp_payload(&[("totp-account", "contoso bg-01")]), None, 59)
            .unwrap();
        assert!(
            uri(&named).starts_with("otpauth://totp/contoso%20bg-01?secret="),
            "{}",
            uri(&named)
        );
        let printed = String::from_utf8(handed.printed.expose().to_vec()).unwrap();
        assert!(
            printed.contains("code: 287082 "),
            "RFC 6238 at t=59, 6 digits: {printed}"
        );
    }
}
