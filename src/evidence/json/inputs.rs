//! What `verify` and `drill` report about each input and about the quorum: one shape for both,
//! so a tool reading one reads the other.

use serde::Serialize;

use super::ErrorReport;
use crate::ceremony::verdict::sheet_name;
use crate::ceremony::verify::{InputReport, Source};
use crate::evidence::manifest::Manifest;
use crate::exit::Exit;
use crate::paper::format::v1::Part;
use crate::paper::scan::InputKind;
use crate::paper::scan::health::Concern;

/// One input (one sheet of a file holding several).
#[derive(Debug, Serialize)]
pub struct InputJson {
    /// The input as given.
    pub path: String,
    /// The pages of `path` this sheet was read from, when the file holds several sheets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<usize>,
    /// `pdf`, `image` or `text`; `None` when the file could not be read.
    pub kind: Option<&'static str>,
    /// No problem with this input.
    pub ok: bool,
    /// `sheet 3 (Chen Li)` when it holds a share.
    pub sheet: Option<String>,
    /// The share blocks read.
    pub shares: Vec<ShareJson>,
    /// Every block that passed its checks.
    pub blocks: Vec<BlockJson>,
    /// What is wrong with it.
    pub problems: Vec<ErrorReport>,
    /// Scan health; `None` for typed text and when no code was read.
    pub health: Option<HealthJson>,
}

/// A share, named.
#[derive(Debug, Serialize)]
pub struct ShareJson {
    /// Its ceremony.
    pub ceremony: String,
    /// Its number.
    pub index: u8,
    /// Its custodian, from the manifest.
    pub custodian: Option<String>,
}

/// One block read.
#[derive(Debug, Serialize)]
pub struct BlockJson {
    /// `share`, `protected-share` or `vault`.
    pub part: &'static str,
    /// A share's number.
    pub index: Option<u8>,
    /// A vault chunk's number.
    pub chunk: Option<u8>,
    /// How many vault chunks there are.
    pub of: Option<u8>,
    /// `qr` or `typed`.
    pub source: &'static str,
    /// The QR decoding pass that read it.
    pub pass: Option<&'static str>,
}

/// Scan health of one input.
#[derive(Debug, Serialize)]
pub struct HealthJson {
    /// `good` or `low`.
    pub level: &'static str,
    /// `fading`, `blurry`, `weak-read`, each once.
    pub concerns: Vec<&'static str>,
    /// The recovery passes a code needed.
    pub weak_passes: Vec<&'static str>,
    /// What to do, as printed.
    pub advice: Option<&'static str>,
}

/// The proven quorum.
#[derive(Debug, Serialize)]
pub struct QuorumJson {
    /// The ceremony.
    pub ceremony: String,
    /// k.
    pub threshold: u8,
    /// n.
    pub shares: u8,
    /// The shares that rebuilt the vault key.
    pub agreeing: Vec<ShareJson>,
    /// Shares that do not combine with them (forged or damaged).
    pub disagreeing: Vec<ShareJson>,
    /// The rebuilt key's age recipient (public).
    pub vault_recipient: String,
    /// `true` when a manifest was given (a mismatch is an error, not a quorum).
    pub manifest_matches: Option<bool>,
    /// Kind of the sealed secret.
    pub payload_kind: String,
}

/// The public facts of a quorum, whichever command proved it.
pub struct QuorumFacts<'a> {
    /// The ceremony.
    pub ceremony: &'a str,
    /// k.
    pub threshold: u8,
    /// n.
    pub shares: u8,
    /// Shares that rebuilt the key.
    pub agreeing: &'a [u8],
    /// Shares that did not combine.
    pub disagreeing: &'a [u8],
    /// The rebuilt key's recipient.
    pub recipient: &'a str,
    /// Kind of the payload.
    pub payload_kind: &'a str,
}

impl QuorumJson {
    /// The quorum in `facts`, custodians named from `manifest`.
    pub fn new(facts: &QuorumFacts<'_>, manifest: Option<&Manifest>) -> Self {
        let named = |indices: &[u8]| {
            indices
                .iter()
                .map(|&index| share(facts.ceremony, index, manifest))
                .collect()
        };
        Self {
            ceremony: facts.ceremony.to_owned(),
            threshold: facts.threshold,
            shares: facts.shares,
            agreeing: named(facts.agreeing),
            disagreeing: named(facts.disagreeing),
            vault_recipient: facts.recipient.to_owned(),
            manifest_matches: manifest.map(|_| true),
            payload_kind: facts.payload_kind.to_owned(),
        }
    }
}

fn kind_name(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Pdf => "pdf",
        InputKind::Image => "image",
        InputKind::Text => "text",
    }
}

fn share(ceremony: &str, index: u8, manifest: Option<&Manifest>) -> ShareJson {
    ShareJson {
        ceremony: ceremony.to_owned(),
        index,
        custodian: manifest.and_then(|m| m.custodian_name(index)).map(str::to_owned),
    }
}

fn block(found: &crate::ceremony::verify::FoundBlock) -> BlockJson {
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
}

fn health(health: &crate::paper::scan::health::ScanHealth) -> HealthJson {
    let mut concerns: Vec<&'static str> = Vec::new();
    for name in health.concerns.iter().map(Concern::as_str) {
        if !concerns.contains(&name) {
            concerns.push(name);
        }
    }
    HealthJson {
        level: health.level(),
        concerns,
        weak_passes: health
            .concerns
            .iter()
            .filter_map(|concern| match concern {
                Concern::WeakRead(pass) => Some(*pass),
                _ => None,
            })
            .collect(),
        advice: health.advice(),
    }
}

impl InputJson {
    /// `report` as `verify` and `drill` print it, custodians named from `manifest`.
    pub fn new(report: &InputReport, manifest: Option<&Manifest>) -> Self {
        let shares: Vec<ShareJson> = report
            .shares()
            .into_iter()
            .map(|(ceremony, index)| share(ceremony.as_str(), index, manifest))
            .collect();
        Self {
            path: report.path.display().to_string(),
            pages: report.pages.clone(),
            kind: report.kind.map(kind_name),
            ok: report.problems.is_empty(),
            sheet: (!shares.is_empty()).then(|| sheet_name(report, manifest)),
            shares,
            blocks: report.blocks.iter().map(block).collect(),
            problems: report
                .problems
                .iter()
                .map(|problem| ErrorReport {
                    code: Exit::from(problem),
                    message: format!("{}: {problem}", report.name()),
                })
                .collect(),
            health: report.health.as_ref().map(health),
        }
    }
}
