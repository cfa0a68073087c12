//! `breakglass seal`: gather the request, run the ceremony, write and self-check the sheets,
//! show a generated passphrase once.

use std::io::{IsTerminal, Read};
use std::path::Path;

use breakglass::generate::certificate::CertificateRequest;
use breakglass::import::{self, ImportOptions};
use breakglass::output::Staging;
use breakglass::payload::SecretKind;
use breakglass::render::Paper;
use breakglass::seal::{self, CeremonyRequest, SealError, SecretInput};
use breakglass::secret::SecretBytes;
use breakglass::totp::Algorithm;
use breakglass::{clock, selfcheck};
use zeroize::Zeroizing;

use super::{Failure, KindArg, PaperArg, SealArgs, TotpAlgorithmArg, exit};

/// Largest secret read from a file or standard input.
const MAX_SECRET_BYTES: u64 = 64 * 1024;

fn read_secret(path: &Path) -> Result<SecretBytes, Failure> {
    let mut buffer = Zeroizing::new(Vec::new());
    let result = if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(MAX_SECRET_BYTES + 1)
            .read_to_end(&mut buffer)
    } else {
        std::fs::File::open(path).and_then(|file| file.take(MAX_SECRET_BYTES + 1).read_to_end(&mut buffer))
    };
    result.map_err(|error| {
        Failure::new(
            exit::UNREADABLE,
            format!(
                "cannot read the secret from {}: {error}; check the path",
                path.display()
            ),
        )
    })?;
    if buffer.len() as u64 > MAX_SECRET_BYTES {
        return Err(Failure::new(
            exit::BAD_REQUEST,
            format!(
                "the secret in {} is larger than 64 KiB; paper cannot carry it",
                path.display()
            ),
        ));
    }
    Ok(SecretBytes::new(std::mem::take(&mut *buffer)))
}

fn request(args: &SealArgs) -> Result<CeremonyRequest, Failure> {
    let demo = args.custodians.is_empty();
    let custodians: Vec<String> = if demo {
        (1..=5).map(|i| format!("Custodian {i}")).collect()
    } else {
        args.custodians.clone()
    };
    let threshold = match (args.threshold, demo) {
        (Some(threshold), _) => threshold,
        (None, true) => 3,
        (None, false) => {
            return Err(Failure::new(
                exit::USAGE,
                "--threshold is required when custodians are named (how many sheets must come together?)",
            ));
        }
    };
    let secret = match (&args.secret_file, args.kind) {
        (None, None | Some(KindArg::Passphrase)) => {
            SecretInput::GeneratePassphrase(super::generate::policy(&args.passphrase)?)
        }
        (None, Some(KindArg::Certificate)) => {
            let subject = args.subject.clone().ok_or_else(|| {
                Failure::new(
                    exit::USAGE,
                    "--kind certificate needs --subject, e.g. \"CN=contoso-breakglass-app\"",
                )
            })?;
            if std::io::stderr().is_terminal() {
                eprintln!("Generating an RSA-{} key and certificate...", args.key_size);
            }
            SecretInput::GenerateCertificate(CertificateRequest {
                subject,
                key_bits: args.key_size,
                valid_days: args.valid_days,
                not_before: clock::now_unix(),
            })
        }
        (Some(_), Some(KindArg::Certificate)) => {
            return Err(Failure::new(
                exit::USAGE,
                "--kind certificate generates its key; do not give --secret-file",
            ));
        }
        (None, Some(_)) => {
            return Err(Failure::new(
                exit::USAGE,
                "this --kind needs --secret-file PATH (or - for standard input)",
            ));
        }
        (Some(path), kind) => {
            let kind = match kind {
                Some(KindArg::Passphrase) => SecretKind::Passphrase,
                Some(KindArg::Totp) => SecretKind::Totp,
                Some(KindArg::Fido2Pin) => SecretKind::Fido2Pin,
                Some(KindArg::ClientSecret) => SecretKind::ClientSecret,
                Some(KindArg::File | KindArg::Certificate) | None => SecretKind::File,
            };
            let options = ImportOptions {
                file_name: (path != Path::new("-"))
                    .then(|| path.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .flatten(),
                key_serials: args.key_serials.clone(),
                expires: args.expires.clone(),
                totp_digits: args.totp_digits,
                totp_period: args.totp_period,
                totp_algorithm: args.totp_algorithm.map(|algorithm| match algorithm {
                    TotpAlgorithmArg::Sha1 => Algorithm::Sha1,
                    TotpAlgorithmArg::Sha256 => Algorithm::Sha256,
                    TotpAlgorithmArg::Sha512 => Algorithm::Sha512,
                }),
                now: clock::now_unix(),
            };
            let provided = import::import(kind, read_secret(path)?, options)
                .map_err(|error| Failure::new(exit::BAD_REQUEST, error.to_string()))?;
            SecretInput::Provided(Box::new(provided))
        }
    };
    let instructions = match &args.sheet_template {
        Some(path) => std::fs::read_to_string(path).map_err(|error| {
            Failure::new(
                exit::UNREADABLE,
                format!("cannot read sheet template {}: {error}", path.display()),
            )
        })?,
        None => seal::DEFAULT_INSTRUCTIONS.to_owned(),
    };
    Ok(CeremonyRequest {
        label: args.label.clone(),
        threshold,
        custodians,
        paper: match args.paper {
            PaperArg::A4 => Paper::A4,
            PaperArg::Letter => Paper::Letter,
        },
        secret,
        instructions,
        created: clock::now_unix(),
        account: args.passphrase.account.clone(),
    })
}

fn seal_failure(error: SealError) -> Failure {
    Failure::new(exit::BAD_REQUEST, error.to_string())
}

fn show_passphrase(passphrase: &breakglass::generate::passphrase::Passphrase, forced: bool) {
    let stdout_is_terminal = std::io::stdout().is_terminal();
    if !stdout_is_terminal && !forced {
        eprintln!("The new passphrase was not shown because standard output is not a terminal.");
        eprintln!("Run seal in a terminal (or with --show-passphrase), or recover it from the sheets.");
        return;
    }
    println!();
    println!(
        "New breakglass passphrase ({:.0} bits). Set it on the emergency-access account now;",
        passphrase.bits
    );
    println!("it is not stored anywhere except inside the sealed sheets:");
    println!();
    let spaced: String = passphrase.text.expose().split('-').collect::<Vec<_>>().join(" - ");
    println!("    {spaced}");
    println!();
    println!("(Type it exactly, with the dashes and without the spaces around them.)");
    if stdout_is_terminal && std::io::stdin().is_terminal() {
        println!("Press Enter once it is set; the screen will then be cleared.");
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        print!("\x1b[2J\x1b[3J\x1b[H");
    }
}

/// The first line of the ceremony's log, written with the sheets so it appears atomically.
fn seal_record(manifest: &breakglass::manifest::Manifest) -> String {
    use breakglass::audit::{self, Action, Record};
    let mut record = Record::new(
        Action::Seal,
        Some(manifest.ceremony_id.clone()),
        exit::OK,
        clock::now_unix(),
    );
    let indices: Vec<u8> = manifest.custodians.iter().map(|custodian| custodian.index).collect();
    record.shares = audit::share_refs(&indices, Some(manifest));
    record.operator = audit::login_name();
    audit::first_line(record).0
}

/// Runs `seal`.
pub fn run(args: SealArgs) -> Result<(), Failure> {
    super::air_gap_preflight(args.require_offline)?;
    breakglass::output::check_target(&args.out)
        .map_err(|error| Failure::new(exit::for_output(&error), error.to_string()))?;
    let request = request(&args)?;
    let ceremony = seal::seal(request).map_err(seal_failure)?;
    let manifest = &ceremony.manifest;
    let out_error = |error: breakglass::output::OutputError| Failure::new(exit::for_output(&error), error.to_string());
    let staging = Staging::begin(&args.out).map_err(out_error)?;
    for sheet in &ceremony.sheets {
        staging.write(&sheet.file_name, &sheet.pdf).map_err(out_error)?;
    }
    for (name, bytes) in &ceremony.public_files {
        staging.write(name, bytes).map_err(out_error)?;
    }
    staging
        .write("manifest.json", manifest.to_json().as_bytes())
        .map_err(out_error)?;
    staging
        .write(breakglass::audit::FILE_NAME, seal_record(manifest).as_bytes())
        .map_err(out_error)?;
    selfcheck::check(staging.path(), &ceremony.sheets, manifest)
        .map_err(|error| Failure::new(exit::SELF_CHECK, error.to_string()))?;
    let target = staging.commit().map_err(out_error)?;
    eprintln!(
        "Sealed ceremony {} (\"{}\"): any {} of {} sheets recover the {}.",
        manifest.ceremony(),
        manifest.label,
        manifest.threshold,
        manifest.shares,
        manifest.secret_kind
    );
    for sheet in &ceremony.sheets {
        eprintln!(
            "  {}  share {} for {}",
            target.join(&sheet.file_name).display(),
            sheet.index,
            sheet.custodian
        );
    }
    eprintln!(
        "  {}  public record (no secret)",
        target.join("manifest.json").display()
    );
    for (name, _) in &ceremony.public_files {
        eprintln!(
            "  {}  public: upload to the app registration",
            target.join(name).display()
        );
    }
    if let Some(info) = &manifest.certificate {
        eprintln!(
            "Certificate {} (RSA-{}), valid {} to {}.",
            info.subject, info.key_bits, info.not_before, info.not_after
        );
        eprintln!(
            "  SHA-1 thumbprint (as the Entra portal shows it): {}",
            info.sha1_thumbprint
        );
        eprintln!("  SHA-256 thumbprint: {}", info.sha256_thumbprint);
        eprintln!(
            "Upload cert.cer (or cert.pem) under Certificates & secrets, or PATCH keyCredentials with keycredential.json."
        );
    }
    eprintln!("Self-check passed: every sheet was read back from its PDF and all shares rebuild the vault key.");
    eprintln!(
        "Print each sheet, seal it in its envelope, then securely delete the PDFs: together they ARE the secret."
    );
    if let Some(passphrase) = &ceremony.generated {
        show_passphrase(passphrase, args.show_passphrase);
    }
    Ok(())
}
