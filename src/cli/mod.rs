//! Command-line interface: parse, call the library, print. No logic of its own.

/// Prints a line on standard output like `println!`, but a closed pipe (`breakglass status |
/// head -1`) ends the command quietly with exit 10 instead of a panic.
macro_rules! outln {
    () => {
        $crate::cli::print_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::print_line(format_args!($($arg)*))
    };
}

/// Prints a line on standard error like `eprintln!`, but never panics: when standard error is a
/// closed pipe there is nowhere left to report to, and the exit code still says what happened.
/// Outside text in the line is escaped ([`breakglass::platform::terminal::escape`]).
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::error_line(None, format_args!($($arg)*))
    };
}

/// Like `errln!`, after a coloured prefix ("error:", "warning:" from [`style`]) that is the
/// CLI's own and so is not escaped.
macro_rules! errln_prefixed {
    ($prefix:expr, $($arg:tt)*) => {
        $crate::cli::error_line(Some($prefix), format_args!($($arg)*))
    };
}

mod assess;
mod drill;
mod generate;
mod json;
mod log;
mod man;
mod policy;
pub mod progress;
mod recover;
mod reseal;
mod seal;
mod sheets;
mod signin;
mod status;
pub mod style;
mod unlock;
mod verify;
mod verify_json;
mod wording;

use std::path::PathBuf;

use breakglass::exit::Exit;
use breakglass::kinds::SecretKind;

use clap::{Parser, Subcommand, ValueEnum};

/// Writes one line to standard output; see `outln!`.
pub fn print_line(line: std::fmt::Arguments) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let line = line.to_string();
    if let Err(error) = writeln!(stdout, "{}", breakglass::platform::terminal::escape(&line)) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(i32::from(Exit::WriteFailed.code()));
        }
        errln!("error: cannot write to standard output: {error}; check where it is redirected");
        std::process::exit(i32::from(Exit::WriteFailed.code()));
    }
}

/// Writes one line to standard error, outside text escaped and an endless line shortened in its
/// middle, never panicking; see `errln!`.
pub fn error_line(prefix: Option<String>, line: std::fmt::Arguments) {
    use std::io::Write;
    let line = line.to_string();
    let escaped = breakglass::platform::terminal::escape(&line);
    let escaped = breakglass::platform::terminal::shorten(&escaped, breakglass::platform::terminal::MAX_MESSAGE_CHARS);
    let mut stderr = std::io::stderr().lock();
    let _ = match prefix {
        Some(prefix) => writeln!(stderr, "{prefix} {escaped}"),
        None => writeln!(stderr, "{escaped}"),
    };
}

/// A failure to report: a one-line message (with what to do next) and an exit code.
#[derive(Debug)]
pub struct Failure {
    /// How the process exits.
    pub code: Exit,
    /// One-line message.
    pub message: String,
}

impl From<breakglass::ceremony::verdict::Problem> for Failure {
    fn from(problem: breakglass::ceremony::verdict::Problem) -> Self {
        Self::new(problem.exit, problem.message)
    }
}

impl Failure {
    /// Builds a failure.
    pub fn new(code: Exit, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Offline breakglass secrets on paper: seal, verify, recover.
#[derive(Debug, Parser)]
#[command(name = "breakglass", version, long_version = breakglass::platform::build_info::LONG_VERSION, about, long_about = None, after_help = Exit::help_text())]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// Whether the command holds secrets in memory, so that it warns when they could be swapped.
    pub fn handles_secrets(&self) -> bool {
        matches!(
            self.command,
            Command::Seal(_) | Command::Verify(_) | Command::Recover(_) | Command::Reseal(_) | Command::Drill(_)
        )
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Seal a secret onto one printable PDF sheet per custodian.
    #[command(
        after_help = "Examples:\n  breakglass seal --out envelopes\n  breakglass seal --kind certificate --subject \"CN=contoso-breakglass-app\" --key-size 3072 --out envelopes\n  breakglass seal --kind fido2-pin --secret-file pin.txt --key-serial 21984512 --out envelopes\n  breakglass seal --threshold 2 --custodian \"Ana Ruiz\" --custodian \"Ben Okafor\" \\\n      --custodian \"Chen Li\" --secret-file secret.txt --paper letter --label \"contoso bg-01\" --out envelopes"
    )]
    Seal(SealArgs),
    /// Check sheets (PDFs, scans, typed text) and prove a quorum, revealing nothing.
    #[command(
        after_help = "Examples:\n  breakglass verify --manifest envelopes/manifest.json scan-ana.png scan-ben.jpg sheet-chen.pdf\n  breakglass verify --json --manifest envelopes/manifest.json typed-ana.txt scan-ben.png > report.json"
    )]
    Verify(VerifyArgs),
    /// Rebuild the secret from a quorum of sheets.
    #[command(
        after_help = "Examples:\n  breakglass recover scan-ana.png typed-ben.txt --print\n  breakglass recover --manifest envelopes/manifest.json a.png b.png c.png --out recovered"
    )]
    Recover(RecoverArgs),
    /// Seal the secret of an old ceremony anew (new key and shares; new custodians or threshold
    /// from a policy) from a quorum of its sheets: to replace a lost sheet or a departing custodian.
    #[command(
        after_help = "Example:\n  breakglass reseal --policy breakglass.toml --manifest envelopes/manifest.json --out envelopes-2027 \\\n      scan-ana.png scan-ben.png typed-chen.txt"
    )]
    Reseal(ResealArgs),
    /// Write a commented ceremony policy file to edit (never overwrites).
    #[command(after_help = "Example:\n  breakglass init breakglass.toml && $EDITOR breakglass.toml")]
    Init {
        /// Where to write it.
        #[arg(default_value = "breakglass.toml", value_name = "FILE")]
        path: PathBuf,
    },
    /// Validate a ceremony policy file; every problem is reported with its line.
    #[command(after_help = "Example:\n  breakglass check-policy breakglass.toml")]
    CheckPolicy {
        /// The policy file.
        #[arg(value_name = "FILE")]
        path: PathBuf,
    },
    /// Self-assess against the breakglass maturity model (KuShuSec, v1.1), with proof from the records.
    #[command(
        after_help = "Examples:\n  breakglass assess --answers answers.toml --dir ceremonies --report assessment.pdf\n  breakglass assess --answers-template > answers.toml\n  breakglass assess --answers answers.toml --no-input --json"
    )]
    Assess(assess::AssessArgs),
    /// Drill: prove a quorum against the manifest without revealing the secret, and log it.
    #[command(
        after_help = "Examples:\n  breakglass drill --manifest envelopes/manifest.json scan-ana.png typed-ben.txt --note \"Q4 drill, witness: C. Li\"\n  breakglass drill --manifest envelopes/manifest.json a.pdf b.pdf --report drill-YYYY-MM-DD.pdf --operator \"Ana Ruiz\""
    )]
    Drill(drill::DrillArgs),
    /// Record a sign-in check of the emergency account (at least every 90 days), done online.
    #[command(
        name = "signin-check",
        after_help = "Examples:\n  breakglass signin-check --manifest envelopes/manifest.json --signed-in yes --alert-fired yes\n  breakglass signin-check --manifest envelopes/manifest.json --signed-in yes --alert-fired no --note \"alert rule disabled, ticket 4711\""
    )]
    SigninCheck(signin::SigninCheckArgs),
    /// Check or print a ceremony's tamper-evident log.
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Drills and sign-in checks due, expiries and never-verified sheets of every ceremony.
    #[command(
        after_help = "Examples:\n  breakglass status ceremonies/\n  breakglass status --manifest envelopes/manifest.json --warn-days 45 --json"
    )]
    Status(status::StatusArgs),
    /// Generate secrets without sealing anything (for policy review and tests).
    #[command(subcommand)]
    Generate(GenerateCommand),
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  breakglass completions bash > /etc/bash_completion.d/breakglass")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), exit codes included.
    #[command(after_help = "Example:\n  breakglass man > breakglass.1 && man ./breakglass.1")]
    Man,
}

#[derive(Debug, Subcommand)]
enum GenerateCommand {
    /// Print candidate passphrases that meet Entra's rules, one per line.
    #[command(
        after_help = "Examples:\n  breakglass generate passphrase --count 5\n  breakglass generate passphrase --words --bits 160 --account bg01@contoso.onmicrosoft.com"
    )]
    Passphrase(GeneratePassphraseArgs),
}

/// How a passphrase is generated (shared by `seal` and `generate passphrase`).
#[derive(Debug, Clone, clap::Args)]
pub struct PassphraseArgs {
    /// Use words from the EFF long list (12.9 bits each), e.g. Abacus-Zoology-...
    #[arg(long, conflicts_with = "chars")]
    words: bool,
    /// Use random characters in groups of five (the default), e.g. Kq7vX-m3Pz9-...
    #[arg(long)]
    chars: bool,
    /// Strength in bits (80 to 256).
    #[arg(long, default_value_t = 128, value_name = "BITS")]
    bits: u32,
    /// The account the passphrase is for: its user and tenant names are kept out of it, as
    /// Entra requires (and the account is recorded in the manifest).
    #[arg(long, value_name = "USER@TENANT")]
    account: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct GeneratePassphraseArgs {
    /// How many candidates to print.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    count: u32,
    #[command(flatten)]
    passphrase: PassphraseArgs,
}

/// Paper size.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PaperArg {
    /// ISO A4.
    A4,
    /// US Letter.
    Letter,
}

/// `--kind`: the library's kinds by their names, each with what seal needs for it.
fn kind_parser() -> impl clap::builder::TypedValueParser<Value = SecretKind> {
    let values = breakglass::kinds::KNOWN
        .iter()
        .map(|kind| clap::builder::PossibleValue::new(kind.as_str()).help(kind_help(kind)));
    clap::builder::TypedValueParser::map(clap::builder::PossibleValuesParser::new(values), |name| {
        SecretKind::parse(&name)
    })
}

/// The `--kind` help line of a kind.
fn kind_help(kind: &SecretKind) -> &'static str {
    match kind {
        SecretKind::Passphrase => {
            "A passphrase for an emergency-access account: generated, or imported with --secret-file"
        }
        SecretKind::File => "Any file (imported with --secret-file)",
        SecretKind::Totp => "A TOTP seed: an otpauth:// URI or a base32 seed (imported with --secret-file)",
        SecretKind::Fido2Pin => "The PIN of a FIDO2 security key (imported with --secret-file; give --key-serial)",
        SecretKind::ClientSecret => "An app registration client secret (imported with --secret-file; give --expires)",
        SecretKind::Certificate => "A new RSA key and self-signed certificate for an app registration (give --subject)",
        SecretKind::Other(_) => "",
    }
}

/// TOTP hash algorithm.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TotpAlgorithmArg {
    /// HMAC-SHA1 (the usual default).
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

#[derive(Debug, clap::Args)]
pub struct SealArgs {
    /// New or empty directory for the sheets and manifest.json (never overwritten); with
    /// --policy, defaults to the policy's `out`.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run the ceremony a policy file describes (see `breakglass init`); the policy decides
    /// custodians, threshold, secret and paper.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["threshold", "custodians", "kind", "label", "paper", "words", "chars", "bits", "account", "subject", "key_size", "valid_days", "key_serials", "expires", "sheet_template"])]
    policy: Option<PathBuf>,
    /// Serial number of the tamper-evident envelope share INDEX goes into, printed on its sheet
    /// and the cover page (repeatable; overrides the policy's seal_serial).
    #[arg(long = "seal-serial", value_name = "INDEX=SERIAL")]
    seal_serials: Vec<String>,
    /// Read the passphrase of passphrase-protected custodian INDEX from FILE instead of asking
    /// them on the terminal (repeatable; for scripted ceremonies: the file is a secret).
    #[arg(long = "custodian-passphrase-file", value_name = "INDEX=FILE")]
    custodian_passphrase_files: Vec<String>,
    /// Number of sheets needed to recover (k). Default 3 for the demo ceremony.
    #[arg(long, short = 'k', value_name = "K")]
    threshold: Option<u8>,
    /// A custodian's name, once per custodian, in share order. Default: "Custodian 1".."Custodian 5".
    #[arg(long = "custodian", value_name = "NAME")]
    custodians: Vec<String>,
    /// Seal this existing secret instead of generating a passphrase ("-" reads standard input).
    #[arg(long, value_name = "PATH")]
    secret_file: Option<PathBuf>,
    /// Kind of the secret (default: a generated passphrase, or "file" with --secret-file).
    #[arg(long, value_name = "KIND", value_parser = kind_parser())]
    kind: Option<SecretKind>,
    #[command(flatten)]
    passphrase: PassphraseArgs,
    /// Serial number of the FIDO2 security key a sealed PIN belongs to (repeatable; printed on
    /// the sheets and recorded in the manifest).
    #[arg(long = "key-serial", value_name = "SERIAL")]
    key_serials: Vec<String>,
    /// Expiry date of a sealed client secret (YYYY-MM-DD), recorded in the manifest.
    #[arg(long, value_name = "DATE")]
    expires: Option<String>,
    /// TOTP digits, overriding the URI (6 to 8).
    #[arg(long, value_name = "N")]
    totp_digits: Option<u32>,
    /// TOTP period in seconds, overriding the URI (usually 30 or 60).
    #[arg(long, value_name = "SECONDS")]
    totp_period: Option<u64>,
    /// TOTP algorithm, overriding the URI.
    #[arg(long, value_enum)]
    totp_algorithm: Option<TotpAlgorithmArg>,
    /// Certificate subject, e.g. "CN=contoso-breakglass-app" (for --kind certificate).
    #[arg(long, value_name = "DN")]
    subject: Option<String>,
    /// RSA key size of the certificate: 2048, 3072 or 4096 bits (Entra needs at least 2048).
    #[arg(long, default_value_t = 3072, value_name = "BITS")]
    key_size: usize,
    /// Days the certificate is valid.
    #[arg(long, default_value_t = 365, value_name = "DAYS")]
    valid_days: u32,
    /// Paper size of the sheets.
    #[arg(long, value_enum, default_value = "a4")]
    paper: PaperArg,
    /// Label printed on every sheet, e.g. "contoso bg-01".
    #[arg(long, default_value = "demo ceremony")]
    label: String,
    /// Replace the sheet's instruction text with this template file.
    #[arg(long, value_name = "FILE")]
    sheet_template: Option<PathBuf>,
    /// Print a generated passphrase even when standard output is not a terminal.
    #[arg(long)]
    show_passphrase: bool,
    /// Refuse to run when a network interface is up or a default route exists.
    #[arg(long)]
    require_offline: bool,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// manifest.json written by seal; without it the sheets are checked against each other.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    #[command(flatten)]
    keys: unlock::ShareKeyArgs,
    /// The serial on a custodian's envelope as opened, as SHARE=SERIAL (repeatable, needs
    /// --manifest): warns unless it is the latest serial recorded for that share.
    #[arg(long = "envelope", value_name = "SHARE=SERIAL", requires = "manifest")]
    envelopes: Vec<String>,
    /// Print the report as one JSON document (schema breakglass.verify/1, docs/JSON.md); the
    /// exit code is unchanged.
    #[arg(long)]
    json: bool,
    /// Sheets: PDFs, scans (PNG, JPEG, TIFF; never phone photos), or text files of typed lines.
    #[arg(required = true, value_name = "SHEET")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    log: log::LogTarget,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("destination").required(true).multiple(true).args(["print", "out", "export_age_identity"])))]
pub struct RecoverArgs {
    /// manifest.json written by seal (recommended: proves the sheets are the right ones).
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Print the secret on standard output.
    #[arg(long)]
    print: bool,
    /// Write the secret into this new or empty directory (files mode 0600).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Refuse to run when a network interface is up or a default route exists.
    #[arg(long)]
    require_offline: bool,
    /// Print the rebuilt vault key as an age identity (AGE-SECRET-KEY-1...), for decrypting the
    /// vault with any age implementation (docs/RECOVERY-WITHOUT-BREAKGLASS.md).
    #[arg(long, conflicts_with = "print")]
    export_age_identity: bool,
    /// For a certificate with --out: read the .pfx password from this file instead of asking.
    #[arg(long, value_name = "FILE")]
    pfx_password_file: Option<PathBuf>,
    #[command(flatten)]
    keys: unlock::ShareKeyArgs,
    /// Sheets: PDFs, scans (PNG, JPEG, TIFF; never phone photos), or text files of typed lines.
    #[arg(required = true, value_name = "SHEET")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    log: log::LogTarget,
}

#[derive(Debug, clap::Args)]
pub struct ResealArgs {
    /// Policy of the new ceremony (custodians, threshold, paper...); its secret kind must match.
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// manifest.json of the old ceremony (recommended: proves the sheets are the right ones).
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// New or empty directory for the new ceremony (default: the policy's `out`).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Serial of the envelope new share INDEX goes into (repeatable).
    #[arg(long = "seal-serial", value_name = "INDEX=SERIAL")]
    seal_serials: Vec<String>,
    /// Read the passphrase of new passphrase-protected custodian INDEX from FILE (repeatable).
    #[arg(long = "custodian-passphrase-file", value_name = "INDEX=FILE")]
    custodian_passphrase_files: Vec<String>,
    #[command(flatten)]
    keys: unlock::ShareKeyArgs,
    /// Refuse to run when a network interface is up or a default route exists.
    #[arg(long)]
    require_offline: bool,
    /// Sheets of the old ceremony: PDFs, scans or typed text.
    #[arg(required = true, value_name = "SHEET")]
    inputs: Vec<PathBuf>,
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Seal(args) => seal::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Recover(args) => recover::run(args),
        Command::Assess(args) => assess::run(args),
        Command::Drill(args) => drill::run(args),
        Command::Log(command) => log::run(command),
        Command::Status(args) => status::run(args),
        Command::SigninCheck(args) => signin::run(args),
        Command::Generate(GenerateCommand::Passphrase(args)) => generate::passphrase(args),
        Command::Reseal(args) => reseal::run(args),
        Command::Init { path } => policy::init(&path),
        Command::CheckPolicy { path } => policy::check(&path),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "breakglass", &mut std::io::stdout());
            Ok(())
        }
        Command::Man => {
            use std::io::Write;
            let page = man::page(<Cli as clap::CommandFactory>::command());
            std::io::stdout()
                .write_all(page.as_bytes())
                .map_err(|error| Failure::new(Exit::WriteFailed, format!("cannot write the man page: {error}")))
        }
    }
}

/// Parses repeated `INDEX=VALUE` options.
pub fn indexed_options(entries: &[String], option: &str, example: &str) -> Result<Vec<(usize, String)>, Failure> {
    entries
        .iter()
        .map(|entry| {
            let parsed = entry
                .split_once('=')
                .and_then(|(index, value)| Some((index.trim().parse::<usize>().ok()?, value.to_owned())))
                .filter(|(index, value)| *index >= 1 && !value.trim().is_empty());
            parsed.ok_or_else(|| {
                Failure::new(
                    Exit::Usage,
                    format!("{option} {entry:?} must be INDEX=VALUE with INDEX the share number, e.g. {example}"),
                )
            })
        })
        .collect()
}

/// Warns when the machine looks online; with `require_offline`, refuses to go on.
fn air_gap_preflight(require_offline: bool) -> Result<(), Failure> {
    let state = breakglass::platform::hardening::network_state();
    if state.offline() {
        return Ok(());
    }
    if require_offline {
        return Err(Failure::new(
            Exit::Online,
            format!(
                "this machine is online ({}); disconnect it, or drop --require-offline",
                state.describe()
            ),
        ));
    }
    errln_prefixed!(
        style::warning_prefix(),
        "this machine is online ({}); breakglass secrets belong on an offline machine (--require-offline refuses)",
        state.describe()
    );
    Ok(())
}

fn read_manifest(path: &std::path::Path) -> Result<breakglass::evidence::manifest::Manifest, Failure> {
    let limit = breakglass::evidence::manifest::MAX_BYTES as u64;
    let bytes = breakglass::platform::input::read(path, limit).map_err(|error| {
        Failure::new(
            Exit::Manifest,
            format!("cannot read the manifest {}: {error}; check the path", path.display()),
        )
    })?;
    breakglass::evidence::manifest::Manifest::parse(&bytes).map_err(|error| {
        Failure::new(
            Exit::Manifest,
            format!("{}: {error}; give the manifest.json written by seal", path.display()),
        )
    })
}
