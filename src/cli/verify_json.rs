//! `breakglass verify --json`: the same checks, as one JSON document on standard output
//! (schema `breakglass.verify/1`, docs/JSON.md). Public facts only: no share, vault byte or
//! secret is ever in it.

use std::io::Write;

use breakglass::ceremony::verdict::{health_warning, sheet_name};
use breakglass::ceremony::verify::{InputReport, ReadOptions, Source};
use breakglass::evidence::manifest::Manifest;
use breakglass::exit::Exit;
use breakglass::paper::format::v1::Part;
use breakglass::paper::scan::InputKind;
use serde::Serialize;

use super::sheets::{self, Collected};
use super::{Failure, VerifyArgs};

/// The schema name and version; bumped only when a field changes meaning or disappears.
pub const SCHEMA: &str = "breakglass.verify/1";

#[derive(Serialize)]
struct Document {
    schema: &'static str,
    breakglass_version: &'static str,
    verified: bool,
    exit_code: Exit,
    error: Option<ErrorReport>,
    manifest: Option<String>,
    inputs: Vec<InputJson>,
    quorum: Option<QuorumJson>,
    warnings: Vec<String>,
}

/// The failure that sets the exit code (shared shape with every `--json` command).
#[derive(Serialize)]
pub struct ErrorReport {
    /// The exit code.
    pub code: Exit,
    /// The same one-line message as on standard error.
    pub message: String,
}

impl From<&Failure> for ErrorReport {
    fn from(failure: &Failure) -> Self {
        Self {
            code: failure.code,
            message: failure.message.clone(),
        }
    }
}

#[derive(Serialize)]
struct InputJson {
    path: String,
    /// The pages of `path` this sheet was read from, when the file holds several sheets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pages: Vec<usize>,
    kind: Option<&'static str>,
    ok: bool,
    sheet: Option<String>,
    shares: Vec<ShareJson>,
    blocks: Vec<BlockJson>,
    problems: Vec<ErrorReport>,
    health: Option<HealthJson>,
}

#[derive(Serialize)]
struct ShareJson {
    ceremony: String,
    index: u8,
    custodian: Option<String>,
}

#[derive(Serialize)]
struct BlockJson {
    part: &'static str,
    index: Option<u8>,
    chunk: Option<u8>,
    of: Option<u8>,
    source: &'static str,
    pass: Option<&'static str>,
}

#[derive(Serialize)]
struct HealthJson {
    level: &'static str,
    concerns: Vec<&'static str>,
    weak_passes: Vec<&'static str>,
    advice: Option<&'static str>,
}

#[derive(Serialize)]
struct QuorumJson {
    ceremony: String,
    threshold: u8,
    shares: u8,
    agreeing: Vec<ShareJson>,
    disagreeing: Vec<ShareJson>,
    vault_recipient: String,
    manifest_matches: Option<bool>,
    payload_kind: String,
}

fn kind_name(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Pdf => "pdf",
        InputKind::Image => "image",
        InputKind::Text => "text",
    }
}

fn share_json(ceremony: String, index: u8, manifest: Option<&Manifest>) -> ShareJson {
    ShareJson {
        ceremony,
        index,
        custodian: manifest.and_then(|m| m.custodian_name(index)).map(str::to_owned),
    }
}

fn input_json(report: &InputReport, manifest: Option<&Manifest>) -> InputJson {
    let blocks = report
        .blocks
        .iter()
        .map(|found| {
            let (part, index, chunk, of) = match found.block.header.part {
                Part::Share { index } => ("share", Some(index), None, None),
                Part::ProtectedShare { index } => ("protected-share", Some(index), None, None),
                Part::Vault { chunk, of } => ("vault", None, Some(chunk), Some(of)),
            };
            let (source, pass) = match &found.source {
                Source::Qr(pass) => ("qr", Some(*pass)),
                Source::Typed => ("typed", None),
            };
            BlockJson {
                part,
                index,
                chunk,
                of,
                source,
                pass,
            }
        })
        .collect();
    let shares: Vec<ShareJson> = report
        .shares()
        .into_iter()
        .map(|(ceremony, index)| share_json(ceremony.as_str().to_owned(), index, manifest))
        .collect();
    InputJson {
        path: report.path.display().to_string(),
        pages: report.pages.clone(),
        kind: report.kind.map(kind_name),
        ok: report.problems.is_empty(),
        sheet: (!shares.is_empty()).then(|| sheet_name(report, manifest)),
        shares,
        blocks,
        problems: report
            .problems
            .iter()
            .map(|problem| ErrorReport {
                code: Exit::from(problem),
                message: format!("{}: {problem}", report.name()),
            })
            .collect(),
        health: report.health.as_ref().map(|health| HealthJson {
            level: health.level(),
            concerns: {
                let mut names: Vec<&'static str> = Vec::new();
                for name in health.concerns.iter().map(|concern| concern.as_str()) {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                names
            },
            weak_passes: health
                .concerns
                .iter()
                .filter_map(|concern| match concern {
                    breakglass::paper::scan::health::Concern::WeakRead(pass) => Some(*pass),
                    _ => None,
                })
                .collect(),
            advice: health.advice(),
        }),
    }
}

fn document(collected: &Collected, manifest_path: Option<String>) -> (Document, Option<Failure>) {
    let manifest = collected.manifest.as_ref();
    let failure = collected.verdict().map(Failure::from);
    let quorum = collected.outcome.as_ref().ok().map(|proof| {
        let ceremony = proof.ceremony.as_str().to_owned();
        QuorumJson {
            ceremony: ceremony.clone(),
            threshold: proof.threshold,
            shares: proof.shares,
            agreeing: proof
                .agreeing
                .iter()
                .map(|&index| share_json(ceremony.clone(), index, manifest))
                .collect(),
            disagreeing: proof
                .disagreeing
                .iter()
                .map(|&index| share_json(ceremony.clone(), index, manifest))
                .collect(),
            vault_recipient: proof.recipient.clone(),
            manifest_matches: manifest.map(|_| true),
            payload_kind: proof.payload.kind.as_str().to_owned(),
        }
    });
    let document = Document {
        schema: SCHEMA,
        breakglass_version: env!("CARGO_PKG_VERSION"),
        verified: failure.is_none(),
        exit_code: failure.as_ref().map_or(Exit::Ok, |failure| failure.code),
        error: failure.as_ref().map(ErrorReport::from),
        manifest: manifest_path,
        inputs: collected
            .reports
            .iter()
            .map(|report| input_json(report, manifest))
            .collect(),
        quorum,
        warnings: collected
            .reports
            .iter()
            .filter_map(|report| health_warning(report, manifest))
            .collect(),
    };
    (document, failure)
}

fn print(document: &Document) -> Result<(), Failure> {
    let mut text = serde_json::to_string_pretty(document).map_err(|error| {
        Failure::new(
            Exit::Internal,
            format!("cannot format the JSON report: {error}; please report this bug"),
        )
    })?;
    text.push('\n');
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| {
            Failure::new(
                Exit::WriteFailed,
                format!("cannot write the JSON report to standard output: {error}; check where it is piped"),
            )
        })
}

/// Runs `verify --json`: one document on stdout whatever happens after argument parsing, and
/// the same exit code (and one-line message on stderr) as without `--json`.
pub fn run(args: &VerifyArgs, options: ReadOptions, seen: &mut super::log::Seen) -> Result<(), Failure> {
    let manifest_path = args.manifest.as_ref().map(|path| path.display().to_string());
    let collected = args
        .manifest
        .as_deref()
        .map(super::read_manifest)
        .transpose()
        .and_then(|manifest| {
            super::verify::envelope_warnings(args, manifest.as_ref())?;
            sheets::collect(&args.inputs, manifest, &args.keys, options)
        });
    let collected = match collected {
        Ok(collected) => collected,
        Err(failure) => {
            print(&Document {
                schema: SCHEMA,
                breakglass_version: env!("CARGO_PKG_VERSION"),
                verified: false,
                exit_code: failure.code,
                error: Some(ErrorReport::from(&failure)),
                manifest: manifest_path,
                inputs: Vec::new(),
                quorum: None,
                warnings: Vec::new(),
            })?;
            return Err(failure);
        }
    };
    if let Ok(proof) = &collected.outcome {
        seen.ceremony = Some(proof.ceremony.as_str().to_owned());
        seen.shares = proof.agreeing.clone();
        seen.check_operator(&args.log, proof.payload.secret.expose());
    }
    let (mut document, failure) = document(&collected, manifest_path);
    // The envelopes were parsed when the manifest was read; a bad one failed above.
    document
        .warnings
        .extend(super::verify::envelope_warnings(args, collected.manifest.as_ref()).unwrap_or_default());
    print(&document)?;
    match failure {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}
