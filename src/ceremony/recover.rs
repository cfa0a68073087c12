//! Handing out a recovered secret in the form its responder needs: the files `recover --out`
//! writes, the text `recover --print` shows, and public notes (thumbprints, expiry, which keys a
//! PIN belongs to). Every piece of secret text is built in a pre-sized, wiped buffer.

use crate::ceremony::seal::slug_or;
use crate::crypto::payload::{Payload, SecretKind};
use crate::crypto::secret::{SecretBytes, SecretString, SecretText};
use crate::exit::Exit;
use crate::kinds::generate::certificate::{self, CertificateError};
use crate::kinds::totp::{self, TotpError};
use crate::platform::clock;

/// The account name a recovered TOTP seed that was sealed without any name is given.
pub const UNNAMED_TOTP_ACCOUNT: &str = "breakglass";

/// What recovery hands out.
pub struct HandOut {
    /// Files for `--out`, by name.
    pub files: Vec<(String, SecretBytes)>,
    /// Text for standard output (`--print`).
    pub printed: SecretBytes,
    /// Public notes for the responder (on standard error).
    pub notes: Vec<String>,
}

/// Why a recovered secret cannot be handed out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecoverError {
    /// The sealed TOTP seed does not parse.
    #[error("the sealed TOTP seed is unusable: {0}")]
    Totp(TotpError),
    /// The sealed certificate cannot be rebuilt.
    #[error("{0}")]
    Certificate(CertificateError),
    /// The .pfx cannot be written with this password.
    #[error("{0}")]
    Pfx(CertificateError),
}

impl From<&RecoverError> for Exit {
    fn from(error: &RecoverError) -> Self {
        match error {
            RecoverError::Totp(_) | RecoverError::Certificate(_) => Exit::Vault,
            RecoverError::Pfx(_) => Exit::BadRequest,
        }
    }
}

/// Hands out `payload` at `now` (Unix seconds: a TOTP code, a client secret's expiry);
/// `pfx_password`, when given, also writes a certificate as a .pfx.
pub fn hand_out(payload: &Payload, pfx_password: Option<&SecretString>, now: i64) -> Result<HandOut, RecoverError> {
    let simple = |name: &str, notes: Vec<String>| HandOut {
        files: vec![(name.to_owned(), payload.secret.with_newline())],
        printed: payload.secret.with_newline(),
        notes,
    };
    Ok(match &payload.kind {
        SecretKind::Passphrase => simple("passphrase.txt", Vec::new()),
        SecretKind::Fido2Pin => {
            let serials = payload.metadata_values("key-serial");
            simple(
                "fido2-pin.txt",
                vec![format!("This is the PIN of security key(s): {}.", serials.join(", "))],
            )
        }
        SecretKind::ClientSecret => {
            let mut notes = Vec::new();
            if let Some(expires) = payload.metadata_values("expires").first() {
                let expired = clock::parse_date(expires).is_some_and(|at| at + 86_400 <= now);
                notes.push(if expired {
                    format!("WARNING: this client secret expired on {expires}; Entra will reject it.")
                } else {
                    format!("This client secret expires on {expires}.")
                });
            }
            simple("client-secret.txt", notes)
        }
        SecretKind::Totp => hand_out_totp(payload, now)?,
        SecretKind::Certificate => hand_out_certificate(payload, pfx_password)?,
        SecretKind::File | SecretKind::Other(_) => HandOut {
            files: vec![(file_name(payload), payload.secret.duplicate())],
            printed: payload.secret.duplicate(),
            notes: Vec::new(),
        },
    })
}

/// The recovered file's name: the original's, made safe, else `secret.bin`.
fn file_name(payload: &Payload) -> String {
    match &payload.file_name {
        Some(original) => {
            let (stem, extension) = original.rsplit_once('.').unwrap_or((original, ""));
            let (stem, extension) = (slug_or(stem, "secret"), slug_or(extension, ""));
            if extension.is_empty() {
                stem
            } else {
                format!("{stem}.{extension}")
            }
        }
        None => "secret.bin".to_owned(),
    }
}

fn hand_out_totp(payload: &Payload, now: i64) -> Result<HandOut, RecoverError> {
    let mut seed = totp::from_metadata(payload.secret.duplicate(), &payload.metadata).map_err(RecoverError::Totp)?;
    if seed.account.is_none() && seed.issuer.is_none() {
        // Sealed without any name (before seals gave a bare seed the ceremony's label): some
        // authenticator apps reject the empty label of `otpauth://totp/?secret=...`.
        seed.account = Some(UNNAMED_TOTP_ACCOUNT.to_owned());
    }
    let (base32, uri) = (totp::base32_secret(&seed), totp::to_uri(&seed));
    let code = totp::code(&seed, now);
    let at = clock::rfc3339(now);
    let mut printed =
        SecretText::with_capacity(base32.expose().len() + uri.expose().len() + code.len() + at.len() + 80);
    printed.push_fmt(format_args!(
        "seed: {}\nuri: {}\ncode: {code} (valid for {} more seconds, at {at})\n",
        base32.expose(),
        uri.expose(),
        totp::seconds_left(&seed, now),
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

fn hand_out_certificate(payload: &Payload, pfx_password: Option<&SecretString>) -> Result<HandOut, RecoverError> {
    let rebuilt = certificate::from_sealed(&payload.secret, &payload.metadata).map_err(RecoverError::Certificate)?;
    let key_pem = certificate::secret_pem("PRIVATE KEY", rebuilt.key_pkcs8_der.expose());
    let cert_pem = certificate::pem("CERTIFICATE", &rebuilt.cert_der);
    let mut both = SecretText::with_capacity(key_pem.len() + cert_pem.len());
    both.push_bytes(key_pem.expose());
    both.push_str(&cert_pem);
    let info = &rebuilt.info;
    let mut notes = vec![
        format!(
            "Certificate {} (RSA-{}), valid {} to {}.",
            info.subject, info.key_bits, info.not_before, info.not_after
        ),
        format!(
            "SHA-1 thumbprint (as the Entra portal shows it): {}",
            info.sha1_thumbprint
        ),
        format!("SHA-256 thumbprint: {}   x5t: {}", info.sha256_thumbprint, info.x5t),
    ];
    if !rebuilt.original {
        notes.push(
            "WARNING: the certificate was re-issued from the sealed key and differs from the uploaded one; \
             upload cert.pem to the app registration, or use the cert.cer written at sealing."
                .into(),
        );
    }
    let both = both.into_secret_bytes();
    let mut files = vec![
        ("key.pem".to_owned(), key_pem),
        ("cert.pem".to_owned(), SecretBytes::new(cert_pem.into_bytes())),
        ("key-and-cert.pem".to_owned(), both.duplicate()),
    ];
    if let Some(password) = pfx_password {
        let pfx = certificate::pkcs12(
            rebuilt.key_pkcs8_der.expose(),
            &rebuilt.cert_der,
            password.expose(),
            &info.subject,
        )
        .map_err(RecoverError::Pfx)?;
        files.push(("certificate.pfx".to_owned(), SecretBytes::new(pfx)));
        notes.push("certificate.pfx is for PowerShell (Connect-MgGraph -Certificate), .NET and Java; key-and-cert.pem for az CLI and MSAL.".into());
    }
    Ok(HandOut {
        files,
        printed: both,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let handed = hand_out(&totp_payload(&[]), None, 59).unwrap();
        assert!(
            uri(&handed).starts_with("otpauth://totp/breakglass?secret="),
            "{}",
            uri(&handed)
        );
        let named = hand_out(&totp_payload(&[("totp-account", "contoso bg-01")]), None, 59).unwrap();
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

    #[test]
    fn a_text_secret_gets_one_newline() {
        let payload = Payload {
            kind: SecretKind::Passphrase,
            label: String::new(),
            file_name: Some("ignored.txt".into()),
            metadata: Vec::new(),
            secret: SecretBytes::from_slice(b"Kq7vX-m3Pz9"),
        };
        let handed = hand_out(&payload, None, 0).unwrap();
        assert_eq!(handed.printed.expose(), b"Kq7vX-m3Pz9\n");
        assert_eq!(handed.files[0].0, "passphrase.txt");
    }
}
