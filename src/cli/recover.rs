//! `breakglass recover`: verify, then hand the secret to the responder in the form they need.

use std::io::Write;

use breakglass::clock;
use breakglass::output::Staging;
use breakglass::payload::{Payload, SecretKind};
use breakglass::seal::slug;
use breakglass::secret::SecretBytes;
use breakglass::totp;

use super::{Failure, RecoverArgs, exit, verify};

/// What recovery hands out: files (for `--out`), text for standard output (for `--print`), and
/// public notes for the responder (on standard error).
struct Presented {
    files: Vec<(String, SecretBytes)>,
    printed: SecretBytes,
    notes: Vec<String>,
}

fn metadata_values<'a>(payload: &'a Payload, key: &str) -> Vec<&'a str> {
    payload
        .metadata
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, value)| value.as_str())
        .collect()
}

fn with_newline(bytes: &[u8]) -> SecretBytes {
    let mut text = bytes.to_vec();
    if !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    SecretBytes::new(text)
}

fn present(payload: &Payload) -> Result<Presented, Failure> {
    let secret = payload.secret.expose();
    let simple = |name: &str, notes: Vec<String>| Presented {
        files: vec![(name.to_owned(), with_newline(secret))],
        printed: with_newline(secret),
        notes,
    };
    Ok(match &payload.kind {
        SecretKind::Passphrase => simple("passphrase.txt", Vec::new()),
        SecretKind::Fido2Pin => {
            let serials = metadata_values(payload, "key-serial");
            simple(
                "fido2-pin.txt",
                vec![format!("This is the PIN of security key(s): {}.", serials.join(", "))],
            )
        }
        SecretKind::ClientSecret => {
            let mut notes = Vec::new();
            if let Some(expires) = metadata_values(payload, "expires").first() {
                let expired =
                    breakglass::import::parse_date(expires).is_some_and(|at| at + 86_400 <= clock::now_unix());
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
        SecretKind::File | SecretKind::Certificate | SecretKind::Other(_) => {
            let name = match &payload.file_name {
                Some(original) => {
                    let (stem, extension) = original.rsplit_once('.').unwrap_or((original, ""));
                    let extension = slug(extension);
                    if extension == "custodian" || extension.is_empty() {
                        slug(stem)
                    } else {
                        format!("{}.{extension}", slug(stem))
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

/// Runs `recover`.
pub fn run(args: RecoverArgs) -> Result<(), Failure> {
    let out_error = |error: breakglass::output::OutputError| Failure::new(exit::for_output(&error), error.to_string());
    if let Some(out) = &args.out {
        breakglass::output::check_target(out).map_err(out_error)?;
    }
    let (proof, problem) = verify::gather(&args.inputs, args.manifest.as_ref(), verify::Report::Stderr)?;
    if let Some(problem) = &problem {
        eprintln!(
            "warning: {} (the secret was still rebuilt from the sheets that agree)",
            problem.message
        );
    }
    let presented = present(&proof.payload)?;
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
    if let Some(out) = &args.out {
        let staging = Staging::begin(out).map_err(out_error)?;
        for (name, bytes) in &presented.files {
            staging.write(name, bytes.expose()).map_err(out_error)?;
        }
        let target = staging.commit().map_err(out_error)?;
        for (name, _) in &presented.files {
            eprintln!("Wrote {} (mode 0600).", target.join(name).display());
        }
    }
    for note in &presented.notes {
        eprintln!("{note}");
    }
    eprintln!(
        "Recovered the {kind} of ceremony {}. Delete any copies securely after use and rotate it.",
        proof.ceremony
    );
    Ok(())
}
