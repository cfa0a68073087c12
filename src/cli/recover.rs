//! `breakglass recover`: verify, then hand the secret to the responder in the form they need.

use std::io::{IsTerminal, Write};

use breakglass::ceremony::seal::slug_or;
use breakglass::crypto::payload::{Payload, SecretKind};
use breakglass::crypto::secret::{SecretBytes, SecretString};
use breakglass::evidence::audit::Action;
use breakglass::kinds::generate::certificate;
use breakglass::kinds::totp;
use breakglass::platform::clock;
use breakglass::platform::output::Staging;

use super::{Failure, RecoverArgs, exit, verify};

/// What recovery hands out: files (for `--out`), text for standard output (for `--print`), and
/// public notes for the responder (on standard error).
struct Presented {
    files: Vec<(String, SecretBytes)>,
    printed: SecretBytes,
    notes: Vec<String>,
}

fn with_newline(bytes: &[u8]) -> SecretBytes {
    let mut text = bytes.to_vec();
    if !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    SecretBytes::new(text)
}

fn present(payload: &Payload, pfx_password: Option<&SecretString>) -> Result<Presented, Failure> {
    let secret = payload.secret.expose();
    let simple = |name: &str, notes: Vec<String>| Presented {
        files: vec![(name.to_owned(), with_newline(secret))],
        printed: with_newline(secret),
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
                let expired =
                    breakglass::kinds::import::parse_date(expires).is_some_and(|at| at + 86_400 <= clock::now_unix());
                notes.push(if expired {
                    format!("WARNING: this client secret expired on {expires}; Entra will reject it.")
                } else {
                    format!("This client secret expires on {expires}.")
                });
            }
            simple("client-secret.txt", notes)
        }
        SecretKind::Totp => {
            let seed = totp::from_metadata(payload.secret.clone(), &payload.metadata)
                .map_err(|error| Failure::new(exit::VAULT, format!("the sealed TOTP seed is unusable: {error}")))?;
            let now = clock::now_unix();
            let text = format!(
                "seed: {}\nuri: {}\ncode: {} (valid for {} more seconds, at {})\n",
                totp::base32_secret(&seed).expose(),
                totp::to_uri(&seed).expose(),
                totp::code(&seed, now),
                totp::seconds_left(&seed, now),
                clock::rfc3339(now),
            );
            let uri = format!("{}\n", totp::to_uri(&seed).expose());
            Presented {
                files: vec![("totp-uri.txt".to_owned(), SecretBytes::new(uri.into_bytes()))],
                printed: SecretBytes::new(text.into_bytes()),
                notes: vec!["The current code is computed from this computer's clock; check that it is right.".into()],
            }
        }
        SecretKind::Certificate => present_certificate(payload, pfx_password)?,
        SecretKind::File | SecretKind::Other(_) => {
            let name = match &payload.file_name {
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
            };
            Presented {
                files: vec![(name, payload.secret.clone())],
                printed: payload.secret.clone(),
                notes: Vec::new(),
            }
        }
    })
}

fn present_certificate(payload: &Payload, pfx_password: Option<&SecretString>) -> Result<Presented, Failure> {
    let rebuilt = certificate::from_sealed(&payload.secret, &payload.metadata)
        .map_err(|error| Failure::new(exit::VAULT, error.to_string()))?;
    let key_pem = SecretBytes::new(certificate::pem("PRIVATE KEY", rebuilt.key_pkcs8_der.expose()).into_bytes());
    let cert_pem = certificate::pem("CERTIFICATE", &rebuilt.cert_der);
    let mut both = key_pem.expose().to_vec();
    both.extend_from_slice(cert_pem.as_bytes());
    let both = SecretBytes::new(both);
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
    let mut files = vec![
        ("key.pem".to_owned(), key_pem),
        ("cert.pem".to_owned(), SecretBytes::new(cert_pem.into_bytes())),
        ("key-and-cert.pem".to_owned(), both.clone()),
    ];
    if let Some(password) = pfx_password {
        let pfx = certificate::pkcs12(
            rebuilt.key_pkcs8_der.expose(),
            &rebuilt.cert_der,
            password.expose(),
            &info.subject,
        )
        .map_err(|error| Failure::new(exit::BAD_REQUEST, error.to_string()))?;
        files.push(("certificate.pfx".to_owned(), SecretBytes::new(pfx)));
        notes.push("certificate.pfx is for PowerShell (Connect-MgGraph -Certificate), .NET and Java; key-and-cert.pem for az CLI and MSAL.".into());
    }
    Ok(Presented {
        files,
        printed: both,
        notes,
    })
}

/// The .pfx password: from `--pfx-password-file`, else asked twice on the terminal.
fn pfx_password(args: &RecoverArgs) -> Result<SecretString, Failure> {
    if let Some(path) = &args.pfx_password_file {
        return super::unlock::read_secret_line(path, "the .pfx password");
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            exit::USAGE,
            "recovering a certificate with --out writes a .pfx: give --pfx-password-file FILE (no terminal to ask on)",
        ));
    }
    let first = SecretString::new(
        rpassword::prompt_password("Password for certificate.pfx: ")
            .map_err(|error| Failure::new(exit::USAGE, format!("cannot read the password: {error}")))?,
    );
    let second = SecretString::new(
        rpassword::prompt_password("Same password again: ")
            .map_err(|error| Failure::new(exit::USAGE, format!("cannot read the password: {error}")))?,
    );
    if first != second {
        return Err(Failure::new(exit::USAGE, "the two passwords differ; run recover again"));
    }
    Ok(first)
}

/// Runs `recover`, and records it in the log when a manifest or `--log` is given (after the
/// secret is handed out: a log that cannot be written must not block an emergency).
pub fn run(args: RecoverArgs) -> Result<(), Failure> {
    let mut seen = super::log::Seen::default();
    let result = deliver(&args, &mut seen);
    let manifest = args.manifest.as_deref();
    super::log::record(Action::Recover, &args.log, manifest, &seen, result, false)
}

fn deliver(args: &RecoverArgs, seen: &mut super::log::Seen) -> Result<(), Failure> {
    super::air_gap_preflight(args.require_offline)?;
    let out_error =
        |error: breakglass::platform::output::OutputError| Failure::new(exit::for_output(&error), error.to_string());
    if let Some(out) = &args.out {
        breakglass::platform::output::check_target(out).map_err(out_error)?;
    }
    let manifest = args
        .manifest
        .as_ref()
        .map(|path| super::read_manifest(path))
        .transpose()?;
    let (proof, problem) = verify::gather(&args.inputs, manifest, &args.keys, verify::Report::Stderr)?;
    seen.ceremony = Some(proof.ceremony.as_str().to_owned());
    seen.shares = proof.agreeing.clone();
    seen.warning = problem.as_ref().map(|problem| problem.message.clone());
    if let Some(problem) = &problem {
        errln!(
            "{} {} (the secret was still rebuilt from the sheets that agree)",
            super::style::warning_prefix(),
            problem.message
        );
    }
    let password = match (&proof.payload.kind, &args.out) {
        (SecretKind::Certificate, Some(_)) => Some(pfx_password(args)?),
        _ => None,
    };
    let presented = present(&proof.payload, password.as_ref())?;
    let kind = proof.payload.kind.as_str();
    if args.print {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(presented.printed.expose())
            .and_then(|()| stdout.flush())
            .map_err(|error| {
                Failure::new(
                    exit::WRITE,
                    format!("cannot write the secret to standard output: {error}"),
                )
            })?;
    }
    if args.export_age_identity {
        outln!("{}", breakglass::crypto::vault::identity_string(&proof.key).expose());
    }
    if let Some(out) = &args.out {
        let staging = Staging::begin(out).map_err(out_error)?;
        for (name, bytes) in &presented.files {
            staging.write(name, bytes.expose()).map_err(out_error)?;
        }
        let target = staging.commit().map_err(out_error)?;
        for (name, _) in &presented.files {
            errln!("Wrote {} (mode 0600).", target.join(name).display());
        }
    }
    for note in &presented.notes {
        errln!("{note}");
    }
    errln!(
        "Recovered the {kind} of ceremony {}. Delete any copies securely after use and rotate it.",
        proof.ceremony
    );
    Ok(())
}
