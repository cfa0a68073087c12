//! `breakglass recover`: verify, then hand the secret to the responder in the form they need.

use std::io::{IsTerminal, Write};

use breakglass::ceremony::{recover, verdict};
use breakglass::crypto::secret::SecretString;
use breakglass::evidence::audit::Action;
use breakglass::exit::Exit;
use breakglass::platform::clock;
use breakglass::platform::output::Staging;

use super::{Failure, RecoverArgs, verify};

/// The .pfx password: from `--pfx-password-file`, else asked twice on the terminal.
fn pfx_password(args: &RecoverArgs) -> Result<SecretString, Failure> {
    if let Some(path) = &args.pfx_password_file {
        return super::unlock::read_secret_line(path, "the .pfx password");
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            Exit::Usage,
            "recovering a certificate with --out writes a .pfx: give --pfx-password-file FILE (no terminal to ask on)",
        ));
    }
    let first = SecretString::new(
        rpassword::prompt_password("Password for certificate.pfx: ")
            .map_err(|error| Failure::new(Exit::Usage, format!("cannot read the password: {error}")))?,
    );
    let second = SecretString::new(
        rpassword::prompt_password("Same password again: ")
            .map_err(|error| Failure::new(Exit::Usage, format!("cannot read the password: {error}")))?,
    );
    if !first.same_as(&second) {
        return Err(Failure::new(Exit::Usage, "the two passwords differ; run recover again"));
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
        |error: breakglass::platform::output::OutputError| Failure::new(Exit::from(&error), error.to_string());
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
    seen.check_operator(&args.log, proof.payload.secret.expose());
    let password = match recover::needs_password(&proof.payload, args.out.is_some()) {
        true => Some(pfx_password(args)?),
        false => None,
    };
    let presented = recover::hand_out(&proof.payload, password.as_ref(), clock::now_unix())
        .map_err(|error| Failure::new(Exit::from(&error), error.to_string()))?;
    let kind = proof.payload.kind.as_str();
    if args.print {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(presented.printed.expose())
            .and_then(|()| stdout.flush())
            .map_err(|error| {
                Failure::new(
                    Exit::WriteFailed,
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
    // In an emergency the secret is handed out anyway; the exit code still says that not every
    // input was sound (exit 0 means every input is sound, as --help and the README say).
    verdict::done_despite(
        problem,
        "the secret was still handed out, rebuilt from the sheets that agree",
    )
    .map_err(Failure::from)
}
