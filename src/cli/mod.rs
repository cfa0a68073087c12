//! Command-line interface: parse, call the library, print. No logic of its own.

pub mod exit;
mod recover;
mod seal;
mod verify;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// A failure to report: a one-line message (with what to do next) and an exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code from [`exit`].
    pub code: u8,
    /// One-line message.
    pub message: String,
}

impl Failure {
    /// Builds a failure.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Offline breakglass secrets on paper: seal, verify, recover.
#[derive(Debug, Parser)]
#[command(name = "breakglass", version, about, long_about = None, after_help = "Exit codes are listed in the README.")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Seal a secret onto one printable PDF sheet per custodian.
    #[command(
        after_help = "Examples:\n  breakglass seal --out envelopes\n  breakglass seal --threshold 2 --custodian \"Ana Ruiz\" --custodian \"Ben Okafor\" \\\n      --custodian \"Chen Li\" --secret-file secret.txt --paper letter --label \"contoso bg-01\" --out envelopes"
    )]
    Seal(SealArgs),
    /// Check sheets (PDFs, scans, photos, typed text) and prove a quorum, revealing nothing.
    #[command(
        after_help = "Example:\n  breakglass verify --manifest envelopes/manifest.json scan-ana.png photo-ben.jpg sheet-chen.pdf"
    )]
    Verify(VerifyArgs),
    /// Rebuild the secret from a quorum of sheets.
    #[command(
        after_help = "Examples:\n  breakglass recover scan-ana.png typed-ben.txt --print\n  breakglass recover --manifest envelopes/manifest.json a.png b.png c.png --out recovered"
    )]
    Recover(RecoverArgs),
}

/// Paper size.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PaperArg {
    /// ISO A4.
    A4,
    /// US Letter.
    Letter,
}

/// Kind of secret imported with --secret-file.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// A passphrase (generated when no --secret-file is given).
    Passphrase,
    /// Any file.
    File,
}

#[derive(Debug, clap::Args)]
pub struct SealArgs {
    /// New or empty directory for the sheets and manifest.json (never overwritten).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Number of sheets needed to recover (k). Default 3 for the demo ceremony.
    #[arg(long, short = 'k', value_name = "K")]
    threshold: Option<u8>,
    /// A custodian's name, once per custodian, in share order. Default: "Custodian 1".."Custodian 5".
    #[arg(long = "custodian", value_name = "NAME")]
    custodians: Vec<String>,
    /// Seal this existing secret instead of generating a passphrase ("-" reads standard input).
    #[arg(long, value_name = "PATH")]
    secret_file: Option<PathBuf>,
    /// Kind of the secret: generated passphrase by default; "file" for --secret-file.
    #[arg(long, value_enum)]
    kind: Option<KindArg>,
    /// Strength of a generated passphrase, in bits (at least 80).
    #[arg(long, default_value_t = 128, value_name = "BITS")]
    bits: u32,
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
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// manifest.json written by seal; without it the sheets are checked against each other.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Sheets: PDFs, PNG/JPEG scans or photos, or text files of typed lines.
    #[arg(required = true, value_name = "SHEET")]
    inputs: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("destination").required(true).args(["print", "out"])))]
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
    /// Sheets: PDFs, PNG/JPEG scans or photos, or text files of typed lines.
    #[arg(required = true, value_name = "SHEET")]
    inputs: Vec<PathBuf>,
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Seal(args) => seal::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Recover(args) => recover::run(args),
    }
}

fn read_manifest(path: &std::path::Path) -> Result<breakglass::manifest::Manifest, Failure> {
    let bytes = std::fs::read(path).map_err(|error| {
        Failure::new(
            exit::MANIFEST,
            format!("cannot read manifest {}: {error}; check the path", path.display()),
        )
    })?;
    breakglass::manifest::Manifest::parse(&bytes).map_err(|error| {
        Failure::new(
            exit::MANIFEST,
            format!("{}: {error}; give the manifest.json written by seal", path.display()),
        )
    })
}
