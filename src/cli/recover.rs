//! `breakglass recover`: verify, then hand the secret to the responder.

use std::io::Write;

use breakglass::output::Staging;
use breakglass::payload::SecretKind;
use breakglass::seal::slug;

use super::{Failure, RecoverArgs, exit, verify};

/// Runs `recover`.
pub fn run(args: RecoverArgs) -> Result<(), Failure> {
    if let Some(out) = &args.out {
        breakglass::output::check_target(out)
            .map_err(|error| Failure::new(exit::for_output(&error), error.to_string()))?;
    }
    let (proof, problem) = verify::gather(&args.inputs, args.manifest.as_ref(), verify::Report::Stderr)?;
    if let Some(problem) = &problem {
        eprintln!(
            "warning: {} (the secret was still rebuilt from the sheets that agree)",
            problem.message
        );
    }
    let ceremony = proof.ceremony.clone();
    let payload = proof.payload;
    if args.print {
        let mut stdout = std::io::stdout().lock();
        let write = stdout.write_all(payload.secret.expose()).and_then(|()| {
            if payload.kind == SecretKind::Passphrase {
                stdout.write_all(b"\n")
            } else {
                Ok(())
            }
        });
        write.and_then(|()| stdout.flush()).map_err(|error| {
            Failure::new(
                exit::WRITE,
                format!("cannot write the secret to standard output: {error}"),
            )
        })?;
        eprintln!(
            "Recovered the {} of ceremony {ceremony}. Rotate it after use.",
            payload.kind.as_str()
        );
    }
    if let Some(out) = &args.out {
        let name = match (&payload.kind, &payload.file_name) {
            (SecretKind::Passphrase, _) => "passphrase.txt".to_owned(),
            (_, Some(original)) => {
                let (stem, extension) = original.rsplit_once('.').unwrap_or((original, ""));
                let extension = slug(extension);
                if extension == "custodian" || extension.is_empty() {
                    slug(stem)
                } else {
                    format!("{}.{extension}", slug(stem))
                }
            }
            _ => "secret.bin".to_owned(),
        };
        let staging = Staging::begin(out).map_err(|error| Failure::new(exit::for_output(&error), error.to_string()))?;
        staging
            .write(&name, payload.secret.expose())
            .map_err(|error| Failure::new(exit::for_output(&error), error.to_string()))?;
        let target = staging
            .commit()
            .map_err(|error| Failure::new(exit::for_output(&error), error.to_string()))?;
        eprintln!(
            "Recovered the {} into {} (mode 0600). Delete it securely after use and rotate the secret.",
            payload.kind.as_str(),
            target.join(&name).display()
        );
    }
    Ok(())
}
