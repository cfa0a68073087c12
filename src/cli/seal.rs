//! `breakglass seal`: gather the request, run the ceremony, write and self-check the sheets,
//! show a generated passphrase once.

use std::io::IsTerminal;
use std::path::Path;

use breakglass::ceremony::seal::{self, CeremonyRecord, CeremonyRequest, CustodianSpec, SealError, SecretInput};
use breakglass::ceremony::selfcheck;
use breakglass::crypto::payload::SecretKind;
use breakglass::crypto::secret::SecretBytes;
use breakglass::evidence::manifest::ShareProtection;
use breakglass::kinds::generate::certificate::CertificateRequest;
use breakglass::kinds::import::{self, ImportOptions};
use breakglass::kinds::totp::Algorithm;
use breakglass::paper::render::Paper;
use breakglass::paper::runbook;
use breakglass::platform::clock;
use breakglass::platform::input::{self, InputError};
use breakglass::platform::output::Staging;

use super::progress::Progress;
use super::{Failure, KindArg, PaperArg, SealArgs, TotpAlgorithmArg, exit};

/// The cover page of the ceremony record.
const RECORD_PDF: &str = "ceremony-record.pdf";
/// The runbook, printable.
const RUNBOOK_PDF: &str = "runbook.pdf";
/// The runbook, editable.
const RUNBOOK_MD: &str = "runbook.md";

/// Largest secret read from a file or standard input.
const MAX_SECRET_BYTES: u64 = 64 * 1024;

fn read_secret(path: &Path) -> Result<SecretBytes, Failure> {
    let result = if path == Path::new("-") {
        input::read_secret_stdin(MAX_SECRET_BYTES)
    } else {
        input::read_secret(path, MAX_SECRET_BYTES)
    };
    let mut buffer = result.map_err(|error| match error {
        InputError::TooLarge(_) => Failure::new(
            exit::BAD_REQUEST,
            format!(
                "the secret in {} is larger than 64 KiB; paper cannot carry it",
                path.display()
            ),
        ),
        error => Failure::new(
            exit::UNREADABLE,
            format!(
                "cannot read the secret from {}: {error}; check the path",
                path.display()
            ),
        ),
    })?;
    Ok(SecretBytes::new(std::mem::take(&mut *buffer)))
}

/// Parses repeated `INDEX=VALUE` options.
pub(super) fn indexed_options(
    entries: &[String],
    option: &str,
    example: &str,
) -> Result<Vec<(usize, String)>, Failure> {
    entries
        .iter()
        .map(|entry| {
            let parsed = entry
                .split_once('=')
                .and_then(|(index, value)| Some((index.trim().parse::<usize>().ok()?, value.to_owned())))
                .filter(|(index, value)| *index >= 1 && !value.trim().is_empty());
            parsed.ok_or_else(|| {
                Failure::new(
                    exit::USAGE,
                    format!("{option} {entry:?} must be INDEX=VALUE with INDEX the share number, e.g. {example}"),
                )
            })
        })
        .collect()
}

/// Applies `--seal-serial INDEX=SERIAL` on top of the custodians' serials.
pub(super) fn apply_seal_serials(custodians: &mut [CustodianSpec], seal_serials: &[String]) -> Result<(), Failure> {
    for (index, serial) in indexed_options(seal_serials, "--seal-serial", "2=TE-004512")? {
        let count = custodians.len();
        let custodian = custodians.get_mut(index - 1).ok_or_else(|| {
            Failure::new(
                exit::USAGE,
                format!("--seal-serial {index}=...: there are only {count} custodians"),
            )
        })?;
        custodian.seal_serial = Some(serial.trim().to_owned());
    }
    Ok(())
}

/// Reads and imports a secret the user already holds.
pub(super) fn import_secret(
    kind: SecretKind,
    path: &Path,
    args: &SealArgs,
    key_serials: Vec<String>,
    expires: Option<String>,
) -> Result<SecretInput, Failure> {
    let options = ImportOptions {
        file_name: (path != Path::new("-"))
            .then(|| path.file_name().map(|n| n.to_string_lossy().into_owned()))
            .flatten(),
        key_serials,
        expires,
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
    Ok(SecretInput::Provided(Box::new(provided)))
}

fn request(args: &SealArgs) -> Result<CeremonyRequest, Failure> {
    if !args.custodian_passphrase_files.is_empty() {
        return Err(Failure::new(
            exit::USAGE,
            "--custodian-passphrase-file applies to custodians with protection = \"passphrase\" in a --policy file",
        ));
    }
    let demo = args.custodians.is_empty();
    let mut custodians: Vec<CustodianSpec> = if demo {
        (1..=5)
            .map(|i| CustodianSpec::named(format!("Custodian {i}")))
            .collect()
    } else {
        args.custodians
            .iter()
            .map(|name| CustodianSpec::named(name.clone()))
            .collect()
    };
    apply_seal_serials(&mut custodians, &args.seal_serials)?;
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
            import_secret(kind, path, args, args.key_serials.clone(), args.expires.clone())?
        }
    };
    let instructions = match &args.sheet_template {
        Some(path) => input::read_text(path, input::TEMPLATE_LIMIT).map_err(|error| {
            Failure::new(
                exit::UNREADABLE,
                format!("cannot read sheet template {}: {error}; check the path", path.display()),
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
        record: CeremonyRecord::default(),
    })
}

fn seal_failure(error: SealError) -> Failure {
    Failure::new(exit::BAD_REQUEST, error.to_string())
}

fn show_passphrase(passphrase: &breakglass::kinds::generate::passphrase::Passphrase, forced: bool) {
    let stdout_is_terminal = std::io::stdout().is_terminal();
    if !stdout_is_terminal && !forced {
        errln!("The new passphrase was not shown because standard output is not a terminal.");
        errln!("Run seal in a terminal (or with --show-passphrase), or recover it from the sheets.");
        return;
    }
    outln!();
    outln!(
        "New breakglass passphrase ({:.0} bits). Set it on the emergency-access account now;",
        passphrase.bits
    );
    outln!("it is not stored anywhere except inside the sealed sheets:");
    outln!();
    let spaced: String = passphrase.text.expose().split('-').collect::<Vec<_>>().join(" - ");
    outln!("    {spaced}");
    outln!();
    outln!("(Type it exactly, with the dashes and without the spaces around them.)");
    if stdout_is_terminal && std::io::stdin().is_terminal() {
        outln!("Press Enter once it is set; the screen will then be cleared.");
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        print!("\x1b[2J\x1b[3J\x1b[H");
    }
}

/// The first line of the ceremony's log, written with the sheets so it appears atomically.
fn seal_record(manifest: &breakglass::evidence::manifest::Manifest) -> String {
    use breakglass::evidence::audit::{self, Action, Record};
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

/// Refuses an output directory that exists and is not empty, before any work is done.
pub(super) fn check_out(out: &Path) -> Result<(), Failure> {
    breakglass::platform::output::check_target(out)
        .map_err(|error| Failure::new(exit::for_output(&error), error.to_string()))
}

/// Runs `seal`.
pub fn run(args: SealArgs) -> Result<(), Failure> {
    if args.policy.is_none() && args.out.is_none() {
        return Err(Failure::new(
            exit::USAGE,
            "give --out DIR (a new or empty directory for the sheets), or --policy FILE",
        ));
    }
    super::air_gap_preflight(args.require_offline)?;
    let (request, out, templates) = match &args.policy {
        Some(policy_path) => {
            let policy = super::policy::load(policy_path)?;
            let out = super::policy::output_dir(policy_path, &policy, args.out.as_ref())?;
            check_out(&out)?;
            let run = super::policy::PolicyRun {
                seal_serials: &args.seal_serials,
                custodian_passphrase_files: &args.custodian_passphrase_files,
            };
            let (request, templates) =
                super::policy::request(policy_path, &policy, run, super::policy::SecretSource::Policy(&args))?;
            (request, out, templates)
        }
        None => {
            let out = args.out.clone().ok_or_else(|| {
                Failure::new(
                    exit::USAGE,
                    "give --out DIR (a new or empty directory for the sheets), or --policy FILE",
                )
            })?;
            check_out(&out)?;
            (request(&args)?, out, super::policy::PaperTrailTemplates::default())
        }
    };
    seal_and_write(request, &out, &templates, args.show_passphrase).map(drop)
}

/// Seals `request`, writes the sheets, manifest and paper trail into `out` atomically after the
/// self-check, and reports what was written.
pub(super) fn seal_and_write(
    request: CeremonyRequest,
    out: &Path,
    templates: &super::policy::PaperTrailTemplates,
    show_passphrase_anyway: bool,
) -> Result<breakglass::evidence::manifest::Manifest, Failure> {
    let paper = request.paper;
    let progress = Progress::spinner(match &request.secret {
        SecretInput::GenerateCertificate(certificate) => {
            format!("Generating an RSA-{} key and certificate", certificate.key_bits)
        }
        _ => "Sealing".to_owned(),
    });
    let ceremony = seal::seal_with_progress(request, &|done, total| {
        if done == 1 {
            progress.message("Rendering sheets");
        }
        progress.set(done as u64, Some(total as u64));
    })
    .map_err(seal_failure)?;
    let manifest = &ceremony.manifest;
    let out_error =
        |error: breakglass::platform::output::OutputError| Failure::new(exit::for_output(&error), error.to_string());
    let staging = Staging::begin(out).map_err(out_error)?;
    for sheet in &ceremony.sheets {
        staging.write(&sheet.file_name, &sheet.pdf).map_err(out_error)?;
    }
    for (name, bytes) in &ceremony.public_files {
        staging.write(name, bytes).map_err(out_error)?;
    }
    staging
        .write("manifest.json", manifest.to_json().as_bytes())
        .map_err(out_error)?;
    let render_error = |error: breakglass::paper::render::RenderError| {
        Failure::new(
            exit::BAD_REQUEST,
            format!("{error} (in a runbook or ceremony record template)"),
        )
    };
    let record = runbook::fill(&templates.record, manifest);
    staging
        .write(
            RECORD_PDF,
            &runbook::render(&record, manifest, paper, "ceremony record").map_err(render_error)?,
        )
        .map_err(out_error)?;
    let runbook_text = runbook::runbook_markdown(manifest, &templates.runbook);
    staging.write(RUNBOOK_MD, runbook_text.as_bytes()).map_err(out_error)?;
    staging
        .write(
            RUNBOOK_PDF,
            &runbook::render(&runbook_text, manifest, paper, "runbook").map_err(render_error)?,
        )
        .map_err(out_error)?;
    staging
        .write(breakglass::evidence::audit::FILE_NAME, seal_record(manifest).as_bytes())
        .map_err(out_error)?;
    progress.message("Reading back sheets");
    progress.set(0, Some(ceremony.sheets.len() as u64));
    selfcheck::check_with_progress(staging.path(), &ceremony.sheets, manifest, &|done| {
        progress.set(done as u64, None)
    })
    .map_err(|error| Failure::new(exit::SELF_CHECK, error.to_string()))?;
    progress.finish();
    let target = staging.commit().map_err(out_error)?;
    errln!(
        "Sealed ceremony {} (\"{}\"): any {} of {} sheets recover the {}.",
        manifest.ceremony(),
        manifest.label,
        manifest.threshold,
        manifest.shares,
        manifest.secret_kind
    );
    for (sheet, custodian) in ceremony.sheets.iter().zip(&manifest.custodians) {
        let protection = match &custodian.protection {
            ShareProtection::None => "",
            ShareProtection::Passphrase => ", protected by their passphrase",
            ShareProtection::Recipient { .. } => ", protected by their age identity",
        };
        let envelope = custodian
            .seal_serial
            .as_ref()
            .map(|serial| format!(", envelope {serial}"))
            .unwrap_or_default();
        errln!(
            "  {}  share {} for {}{protection}{envelope}",
            target.join(&sheet.file_name).display(),
            sheet.index,
            sheet.custodian
        );
    }
    errln!(
        "  {}  public record (no secret)",
        target.join("manifest.json").display()
    );
    errln!(
        "  {}  cover page for the ceremony record: sign it, file it (no secret)",
        target.join(RECORD_PDF).display()
    );
    errln!(
        "  {} / {}  recovery runbook for this ceremony: print it, keep it with the safes",
        target.join(RUNBOOK_PDF).display(),
        RUNBOOK_MD
    );
    for (name, _) in &ceremony.public_files {
        errln!(
            "  {}  public: upload to the app registration",
            target.join(name).display()
        );
    }
    if let Some(info) = &manifest.certificate {
        errln!(
            "Certificate {} (RSA-{}), valid {} to {}.",
            info.subject,
            info.key_bits,
            info.not_before,
            info.not_after
        );
        errln!(
            "  SHA-1 thumbprint (as the Entra portal shows it): {}",
            info.sha1_thumbprint
        );
        errln!("  SHA-256 thumbprint: {}", info.sha256_thumbprint);
        errln!(
            "Upload cert.cer (or cert.pem) under Certificates & secrets, or PATCH keyCredentials with keycredential.json."
        );
    }
    errln!("Self-check passed: every sheet was read back from its PDF and all shares rebuild the vault key.");
    errln!("Print each sheet, seal it in its envelope, then securely delete the PDFs: together they ARE the secret.");
    if let Some(passphrase) = &ceremony.generated {
        show_passphrase(passphrase, show_passphrase_anyway);
    }
    Ok(ceremony.manifest)
}
