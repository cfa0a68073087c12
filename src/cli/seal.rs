//! `breakglass seal`: gather the request, run the ceremony, write and self-check the sheets,
//! show a generated passphrase once.

use std::io::IsTerminal;
use std::path::Path;

use breakglass::ceremony::files::{self, MANIFEST_JSON, PaperTrailTemplates, RECORD_PDF, RUNBOOK_MD, RUNBOOK_PDF};
use breakglass::ceremony::request::{self, ImportRun, PolicySource, RequestError, SecretSource};
use breakglass::ceremony::rules::RuleError;
use breakglass::ceremony::seal::{self, CeremonyRecord, CeremonyRequest, SealError, SecretInput};
use breakglass::evidence::audit;
use breakglass::evidence::manifest::ShareProtection;
use breakglass::exit::Exit;
use breakglass::kinds::certificate::generate::CertificateRequest;
use breakglass::kinds::totp::seed::Algorithm;
use breakglass::paper::render::Paper;
use breakglass::platform::clock;
use breakglass::platform::input;

use super::progress::Progress;

use super::{Failure, PaperArg, SealArgs, TotpAlgorithmArg};

/// The TOTP overrides and the time, as `seal`'s flags give them.
fn import_run(args: &SealArgs) -> ImportRun {
    ImportRun {
        totp_digits: args.totp_digits,
        totp_period: args.totp_period,
        totp_algorithm: args.totp_algorithm.map(|algorithm| match algorithm {
            TotpAlgorithmArg::Sha1 => Algorithm::Sha1,
            TotpAlgorithmArg::Sha256 => Algorithm::Sha256,
            TotpAlgorithmArg::Sha512 => Algorithm::Sha512,
        }),
        now: clock::now_unix(),
    }
}

/// The ceremony `seal`'s flags describe (without --policy).
fn flags_request(args: &SealArgs) -> Result<CeremonyRequest, Failure> {
    if !args.custodian_passphrase_files.is_empty() {
        return Err(Failure::new(
            Exit::Usage,
            "--custodian-passphrase-file applies to custodians with protection = \"passphrase\" in a --policy file",
        ));
    }
    let (mut custodians, threshold) =
        request::custodians_and_threshold(&args.custodians, args.threshold).map_err(flags_failure)?;
    let serials = super::indexed_options(&args.seal_serials, "--seal-serial", "2=TE-004512")?;
    request::apply_seal_serials(&mut custodians, &serials).map_err(super::policy::request_failure)?;
    let kind = args.kind.clone();
    let source =
        request::secret_source(kind, args.secret_file.as_deref(), args.subject.as_deref()).map_err(flags_failure)?;
    let secret = match source {
        SecretSource::GeneratePassphrase => SecretInput::GeneratePassphrase(super::generate::policy(&args.passphrase)?),
        SecretSource::GenerateCertificate { subject } => SecretInput::GenerateCertificate(CertificateRequest {
            subject,
            key_bits: args.key_size,
            valid_days: args.valid_days,
            not_before: clock::now_unix(),
        }),
        SecretSource::Import { kind, path } => request::import_secret(
            kind,
            &path,
            import_run(args),
            &args.label,
            args.key_serials.clone(),
            args.expires.clone(),
        )
        .map_err(super::policy::request_failure)?,
    };
    let instructions = match &args.sheet_template {
        Some(path) => input::read_text(path, input::TEMPLATE_LIMIT).map_err(|error| {
            Failure::new(
                Exit::Unreadable,
                format!(
                    "cannot read the sheet template {}: {error}; check the path",
                    path.display()
                ),
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
        other_templates: Vec::new(),
        created: clock::now_unix(),
        account: args.passphrase.account.clone(),
        record: CeremonyRecord::default(),
    })
}

/// A request the flags describe refused, in terms of the flags (the library says what is wrong).
fn flags_failure(error: RequestError) -> Failure {
    let message = match &error {
        RequestError::NoThreshold => {
            "--threshold is required when custodians are named (how many sheets must come together?)".to_owned()
        }
        RequestError::NoSubject => "--kind certificate needs --subject, e.g. \"CN=contoso-breakglass-app\"".to_owned(),
        RequestError::CertificateFromFile => {
            "--kind certificate generates its key; do not give --secret-file".to_owned()
        }
        RequestError::NoSecretFile(_) => "this --kind needs --secret-file PATH (or - for standard input)".to_owned(),
        _ => return super::policy::request_failure(error),
    };
    Failure::new(Exit::from(&error), message)
}

/// A refused request, with the fix in terms of `seal`'s flags (the library says what is wrong).
fn seal_failure(error: SealError) -> Failure {
    let message = match &error {
        SealError::Rules(rule) => format!("{rule}; {}", flag_fix(rule)),
        _ => error.to_string(),
    };
    Failure::new(Exit::BadRequest, message)
}

/// How to fix a broken ceremony rule on `seal`'s command line.
fn flag_fix(rule: &RuleError) -> &'static str {
    match rule {
        RuleError::CustodianCount { .. } => "name each of them with --custodian",
        RuleError::ThresholdOne => "use --threshold 2 or more",
        RuleError::ThresholdAboveCustodians { .. } => "lower --threshold or add custodians",
        RuleError::ThresholdOutOfRange => "give --threshold between 2 and the number of custodians",
        RuleError::NameTwice { .. } => "names must be unique",
        RuleError::LookAlike { .. } => "names must be told apart at a glance (add an initial or a surname)",
        RuleError::SerialTwice { .. } => "every envelope has its own serial",
    }
}

fn show_passphrase(passphrase: &breakglass::kinds::passphrase::generate::Passphrase, forced: bool) {
    let stdout_is_terminal = std::io::stdout().is_terminal();
    if !stdout_is_terminal && !forced {
        errln!("The new passphrase was not shown because standard output is not a terminal.");
        errln!("Run seal in a terminal (or with --show-passphrase), or recover it from the sheets.");
        return;
    }
    outln!();
    outln!(
        "New breakglass passphrase ({} bits), exactly as it is typed, dashes included:",
        passphrase.whole_bits()
    );
    outln!();
    // Written straight to standard output, not formatted into a String that would outlive it.
    {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "    {}", passphrase.text.expose()).and_then(|()| stdout.flush());
    }
    outln!();
    outln!("It is stored nowhere but inside the sealed sheets. Set it on the emergency-access account now");
    outln!("(runbook.pdf, section 6, step 2) and sign in with it once; only then destroy the sheets of the");
    outln!("ceremony it replaces, if there is one.");
    if stdout_is_terminal && std::io::stdin().is_terminal() {
        outln!("Press Enter once it is set; the screen will then be cleared.");
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        print!("\x1b[2J\x1b[3J\x1b[H");
    }
}

/// Refuses an output directory that exists and is not empty, before any work is done.
pub(super) fn check_out(out: &Path) -> Result<(), Failure> {
    breakglass::platform::output::check_target(out).map_err(|error| Failure::new(Exit::from(&error), error.to_string()))
}

/// Runs `seal`.
pub fn run(args: SealArgs) -> Result<(), Failure> {
    if args.policy.is_none() && args.out.is_none() {
        return Err(Failure::new(
            Exit::Usage,
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
            let source = PolicySource::Policy {
                secret_file: args.secret_file.as_deref(),
                run: import_run(&args),
            };
            let (request, templates) = super::policy::request(policy_path, &policy, run, source)?;
            (request, out, templates)
        }
        None => {
            let out = args.out.clone().ok_or_else(|| {
                Failure::new(
                    Exit::Usage,
                    "give --out DIR (a new or empty directory for the sheets), or --policy FILE",
                )
            })?;
            check_out(&out)?;
            (flags_request(&args)?, out, PaperTrailTemplates::default())
        }
    };
    seal_and_write(request, &out, &templates, args.show_passphrase).map(drop)
}

/// Seals `request`, writes the sheets, manifest and paper trail into `out` atomically after the
/// self-check, and reports what was written.
pub(super) fn seal_and_write(
    request: CeremonyRequest,
    out: &Path,
    templates: &PaperTrailTemplates,
    show_passphrase_anyway: bool,
) -> Result<breakglass::evidence::manifest::Manifest, Failure> {
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
    let target = files::write(
        &ceremony,
        out,
        templates,
        audit::login_name(),
        clock::now_unix(),
        &|done, total| {
            if done == 0 {
                progress.message("Reading back sheets");
            }
            progress.set(done as u64, Some(total as u64));
        },
    )
    .map_err(|error| Failure::new(Exit::from(&error), error.to_string()))?;
    progress.finish();
    errln!(
        "Sealed ceremony {} (\"{}\"): any {} of {} sheets recover the {}.",
        manifest.ceremony(),
        manifest.label,
        manifest.threshold,
        manifest.shares,
        manifest.secret_kind.as_str()
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
    errln!("  {}  public record (no secret)", target.join(MANIFEST_JSON).display());
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
