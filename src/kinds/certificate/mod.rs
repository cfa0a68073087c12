//! An RSA private key and self-signed certificate for an app registration, generated at the
//! ceremony ([`generate`]). The certificate's public facts (subject, thumbprints, validity) are
//! printed and recorded; recovery rebuilds the PEM files and, with a password, a .pfx.

pub mod generate;

use super::import::{ImportError, ImportOptions, ProvidedSecret, PublicFacts};
use super::recovery::{HandOut, RecoverError};
use super::{Kind, Profile};
use crate::crypto::payload::Payload;
use crate::crypto::secret::{SecretBytes, SecretString, SecretText};
use crate::evidence::manifest::Manifest;
use crate::paper::runbook::{indented_block, or_blank, ps_variables};

/// The certificate kind.
pub struct Certificate;

/// The sealed certificate's SHA-1 thumbprint as the runbook prints it.
fn thumbprint(manifest: &Manifest) -> &str {
    manifest
        .certificate
        .as_ref()
        .map_or("(see the manifest)", |c| c.sha1_thumbprint.as_str())
}

/// What is fixed about a certificate.
pub const PROFILE: Profile = Profile::new(
    "app certificate + private key",
    "the private key and certificate of a breakglass app registration",
)
.signing_in_as_app()
.needing_password_for_files();

impl Kind for Certificate {
    /// Never reached with a secret (the key is generated at the ceremony, and a request that
    /// gives a certificate's file is refused before this); kept as it was sealed.
    fn import(&self, provided: ProvidedSecret, _: &ImportOptions) -> Result<ProvidedSecret, ImportError> {
        Ok(provided)
    }

    fn public_facts(&self, payload: &Payload) -> Result<PublicFacts, RecoverError> {
        let rebuilt = generate::from_sealed(&payload.secret, &payload.metadata).map_err(RecoverError::Certificate)?;
        Ok(PublicFacts {
            expires: Some(rebuilt.info.not_after.day()),
            certificate: Some(rebuilt.info),
            ..super::import::facts_from_metadata(payload)
        })
    }

    fn hand_out(
        &self,
        payload: &Payload,
        pfx_password: Option<&SecretString>,
        _: i64,
    ) -> Result<HandOut, RecoverError> {
        let rebuilt = generate::from_sealed(&payload.secret, &payload.metadata).map_err(RecoverError::Certificate)?;
        let key_pem = generate::key_pem(rebuilt.key_pkcs8_der.expose()).map_err(RecoverError::Certificate)?;
        let cert_pem = generate::pem("CERTIFICATE", &rebuilt.cert_der).map_err(RecoverError::Certificate)?;
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
            let pfx = generate::pkcs12(
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

    fn using_it(&self, manifest: &Manifest) -> String {
        let tenant = or_blank(manifest.tenant.as_deref(), "tenant");
        let app_id = or_blank(manifest.app_id.as_deref(), "application (client) id");
        format!(
            "`breakglass recover --out recovered` writes key.pem, cert.pem, key-and-cert.pem and certificate.pfx (SHA-1 thumbprint {thumbprint}) into a new directory. Carry the one file you need to the online administration machine on a freshly formatted USB stick, never by email, chat or a cloud share, and sign in from the file with the Azure CLI:\n\n```\n{variables}az login --service-principal -u $app -t $tenant --certificate key-and-cert.pem\n```\n\nor with Microsoft Graph PowerShell (the .pfx with the password given at recovery):\n\n```\n{variables}$pfxPassword = Read-Host -AsSecureString 'pfx password'\n$pfxType = [System.Security.Cryptography.X509Certificates.X509Certificate2]\n$pfx = $pfxType::new((Resolve-Path certificate.pfx).Path, $pfxPassword)\nConnect-MgGraph -ClientId $app -TenantId $tenant -Certificate $pfx\n```\n\nWhen done: sign out (`az logout`, `Disconnect-MgGraph`), delete the files on the online machine and on the offline computer, and destroy or securely wipe the USB stick. The key must now be replaced (section 6).",
            thumbprint = thumbprint(manifest),
            variables = ps_variables(&[("app", &app_id), ("tenant", &tenant)])
        )
    }

    fn replacing_it(&self, manifest: &Manifest) -> String {
        let app_id = or_blank(manifest.app_id.as_deref(), "application (client) id");
        format!(
            "2. Add the new ceremony's certificate to the app, keeping the old one until the new one works:\n\n   ```\n{}   az ad app credential reset --id $app --cert '@cert.pem' --append\n   ```\n\n   (without `--append` it would replace every certificate of the app). Or with Microsoft Graph, which replaces the whole keyCredentials list on a PATCH, so read it, add the new entry (`keycredential.json`, written by the ceremony) and send the whole list back:\n\n   ```\n   $uri = \"/v1.0/applications(appId='$app')\"\n   $registration = Invoke-MgGraphRequest GET ($uri + '?$select=id,keyCredentials')\n   $new = Get-Content keycredential.json -Raw | ConvertFrom-Json -AsHashtable\n   $keys = @($registration.keyCredentials) + @($new)\n   Invoke-MgGraphRequest PATCH $uri -Body @{{ keyCredentials = $keys }}\n   ```\n\n   Check that every existing entry came back with its `key` before the PATCH; if one did not, stop and use az instead. Sign in once with the new key, then remove the old certificate (thumbprint {}): `az ad app credential list --id $app --cert` shows its keyId; put it in place of KEYID in `az ad app credential delete --id $app --key-id KEYID --cert`.",
            indented_block(&ps_variables(&[("app", &app_id)])),
            thumbprint(manifest)
        )
    }

    fn profile(&self) -> &'static Profile {
        &PROFILE
    }
}
