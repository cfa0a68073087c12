//! From untrusted inputs to a proven quorum.
//!
//! Every input (PDF, scan, photo, typed text) is read and its blocks checked line by line;
//! the valid blocks are grouped into sheets; the sheets are checked against each other and
//! against the manifest; a quorum of shares is combined and the rebuilt key must match the
//! manifest's recipient and open the vault. Only then is anything trusted. `verify` stops there;
//! `recover` additionally hands out the payload.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::crypto::digest::sha256_hex;
use crate::crypto::payload::{Payload, PayloadError};
use crate::crypto::share::{self, Share, ShareError};
use crate::crypto::vault::{self, VaultError};
use crate::evidence::manifest::Manifest;
use crate::paper::format::v1::{self, Block, CeremonyId, FormatError, Part};
use crate::paper::scan::{self, FoundQr, InputKind, ScanError, ScanHealth, ScanOptions};

/// How a block reached us.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Read from a QR code by the named decoding pass.
    Qr(&'static str),
    /// Typed text.
    Typed,
}

/// A block that decoded, and how.
#[derive(Clone, Debug)]
pub struct FoundBlock {
    /// The block.
    pub block: Block,
    /// How it was read.
    pub source: Source,
}

/// What was read from one input: a file, or one sheet of a file holding several (a batch
/// scanned through a document feeder, a multi-page TIFF).
#[derive(Debug)]
pub struct InputReport {
    /// The file.
    pub path: PathBuf,
    /// The pages of the file this sheet was read from (from 1), when the file holds several
    /// sheets; empty when the report covers the whole file.
    pub pages: Vec<usize>,
    /// What kind of file it was (if readable).
    pub kind: Option<InputKind>,
    /// Blocks that decoded and passed their checks.
    pub blocks: Vec<FoundBlock>,
    /// Problems with this input, each a one-line message.
    pub problems: Vec<InputProblem>,
    /// How much worse this scan could get and still read (PDFs and images whose codes were
    /// read, when asked for with [`ReadOptions::health`]); `None` for typed text.
    pub health: Option<ScanHealth>,
}

/// What to do beyond reading and checking each input.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadOptions {
    /// Estimate each scan's health (`verify` and drills do; `recover` and seal's self-check
    /// do not need to spend the time).
    pub health: bool,
    /// Resolution sheet PDFs are first rendered at (default [`scan::PDF_DPI`]); seal's
    /// self-check reads its own clean renderings at a lower one.
    pub pdf_dpi: Option<f32>,
    /// Each input holds exactly one sheet, so reading it stops once that sheet is complete
    /// (seal's self-check; a scanned batch may hold several sheets and is read to its end).
    pub single_sheet: bool,
}

/// A problem with one input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputProblem {
    /// The file could not be read at all.
    #[error("{0}")]
    Unreadable(ScanError),
    /// Nothing on it decoded as a breakglass block.
    #[error(
        "no breakglass QR code or text found; scan again at 300 dpi with the whole sheet in view, or type the lines"
    )]
    NoData,
    /// A block failed its checks.
    #[error("{0}{next}", next = damaged_next_step(.0))]
    Damaged(FormatError),
    /// A PDF/image where some of the sheet's codes were not read.
    #[error("only part of the sheet could be read: {0}")]
    Incomplete(String),
}

/// What to do about a block that failed its checks (the format's messages say what is wrong).
fn damaged_next_step(error: &FormatError) -> &'static str {
    match error {
        FormatError::NotBreakglass | FormatError::UnsupportedVersion(_) => "",
        FormatError::Truncated { .. } => "; type the missing lines from the sheet, or scan it",
        _ => "; compare the line with the printed sheet and correct it",
    }
}

impl InputReport {
    fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            pages: Vec::new(),
            kind: None,
            blocks: Vec::new(),
            problems: Vec::new(),
            health: None,
        }
    }

    /// The file, and the pages when the file holds several sheets: "batch.pdf, page 3",
    /// "batch.pdf, pages 3-4".
    pub fn name(&self) -> String {
        let file = self.path.display();
        match self.pages.as_slice() {
            [] => file.to_string(),
            [page] => format!("{file}, page {page}"),
            [first, .., last] => format!("{file}, pages {first}-{last}"),
        }
    }

    /// The share indices and ceremony of this input's share blocks.
    pub fn shares(&self) -> Vec<(CeremonyId, u8)> {
        self.blocks
            .iter()
            .filter_map(|found| match found.block.header.part {
                Part::Share { index } | Part::ProtectedShare { index } => {
                    Some((found.block.header.ceremony.clone(), index))
                }
                Part::Vault { .. } => None,
            })
            .collect()
    }
}

fn blocks_complete(texts: &[&str]) -> bool {
    let mut shares = 0;
    let mut chunks: BTreeMap<u8, BTreeSet<u8>> = BTreeMap::new();
    for text in texts {
        let Ok(raw) = v1::split_blocks(text) else { continue };
        for header in raw.iter().filter_map(|raw| v1::decode_header(&raw.header.0, None).ok()) {
            match header.part {
                Part::Share { .. } | Part::ProtectedShare { .. } => shares += 1,
                Part::Vault { chunk, of } => {
                    chunks.entry(of).or_default().insert(chunk);
                }
            }
        }
    }
    shares >= 1 && chunks.iter().any(|(&of, seen)| seen.len() == usize::from(of))
}

/// True if and only if the QR codes found include a share and a complete vault.
pub fn page_complete(found: &[FoundQr]) -> bool {
    let texts: Vec<&str> = found.iter().map(|code| code.text.as_str()).collect();
    blocks_complete(&texts)
}

fn decode_into(text: &str, source: Source, report: &mut InputReport) {
    match v1::decode_text(text) {
        Ok(results) => {
            for result in results {
                match result {
                    Ok(block) => {
                        if !report.blocks.iter().any(|known| known.block == block) {
                            report.blocks.push(FoundBlock {
                                block,
                                source: source.clone(),
                            });
                        }
                    }
                    Err(error) => report.problems.push(InputProblem::Damaged(error)),
                }
            }
        }
        Err(FormatError::NotBreakglass) => {}
        Err(error) => report.problems.push(InputProblem::Damaged(error)),
    }
}

/// Reads one input file and checks its blocks: the first sheet of a file that holds several
/// ([`read_sheets_with`] reads them all).
pub fn read_input(path: &Path) -> InputReport {
    read_sheets_with(path, ReadOptions::default())
        .into_iter()
        .next()
        .unwrap_or_else(|| InputReport::new(path))
}

/// Reads one input file and checks its blocks, one report per sheet found in it (one report
/// for a file holding a single sheet, or nothing readable).
pub fn read_sheets_with(path: &Path, options: ReadOptions) -> Vec<InputReport> {
    let mut report = InputReport::new(path);
    let scan_options = ScanOptions {
        health: options.health,
        pdf_dpi: options.pdf_dpi,
        single_sheet: options.single_sheet,
    };
    let scanned = match scan::scan_file_with(path, &page_complete, scan_options) {
        Ok(scanned) => scanned,
        Err(error) => {
            report.problems.push(InputProblem::Unreadable(error));
            return vec![report];
        }
    };
    report.kind = Some(scanned.kind);
    if let Some(typed) = &scanned.typed {
        decode_into(typed, Source::Typed, &mut report);
        return vec![finish(report, &[])];
    }
    let groups = group_pages(&scanned.pages);
    if groups.len() <= 1 {
        report.health = scanned.health();
        for code in scanned.codes() {
            decode_into(&code.text, Source::Qr(code.pass), &mut report);
        }
        let codes: Vec<&FoundQr> = scanned.codes().collect();
        return vec![finish(report, &codes)];
    }
    groups
        .into_iter()
        .map(|pages| {
            let mut sheet = InputReport::new(path);
            sheet.kind = Some(scanned.kind);
            sheet.pages = pages.iter().map(|page| page.number).collect();
            let mut health: Option<ScanHealth> = None;
            for page in &pages {
                if let Some(page_health) = &page.health {
                    health
                        .get_or_insert_with(ScanHealth::default)
                        .merge(page_health.clone());
                }
            }
            sheet.health = health;
            let codes: Vec<&FoundQr> = pages.iter().flat_map(|page| &page.codes).collect();
            for code in &codes {
                decode_into(&code.text, Source::Qr(code.pass), &mut sheet);
            }
            finish(sheet, &codes)
        })
        .collect()
}

/// Adds the no-data and incomplete-sheet problems once a report's blocks are known.
fn finish(mut report: InputReport, codes: &[&FoundQr]) -> InputReport {
    if report.blocks.is_empty() && report.problems.is_empty() {
        report.problems.push(InputProblem::NoData);
    }
    if matches!(report.kind, Some(InputKind::Pdf | InputKind::Image)) && !report.blocks.is_empty() {
        let texts: Vec<&str> = codes.iter().map(|code| code.text.as_str()).collect();
        if !blocks_complete(&texts) {
            report
                .problems
                .push(InputProblem::Incomplete(missing_description(&report.blocks)));
        }
    }
    report
}

/// Whether a page's codes hold a share (so the page starts a sheet), and whether they hold any
/// breakglass block at all.
fn page_holds(page: &scan::ScannedPage) -> (bool, bool) {
    let mut share = false;
    let mut any = false;
    for code in &page.codes {
        let Ok(raw) = v1::split_blocks(&code.text) else {
            continue;
        };
        for header in raw.iter().filter_map(|raw| v1::decode_header(&raw.header.0, None).ok()) {
            any = true;
            share |= matches!(header.part, Part::Share { .. } | Part::ProtectedShare { .. });
        }
    }
    (share, any)
}

/// Groups the pages that held breakglass codes into sheets. A page holding a share starts a
/// sheet; a page holding only vault codes (the back of a double-sided sheet) joins the sheet
/// before it while that sheet's vault is incomplete, else the sheet after it (a stack fed in
/// reverse order), else stands alone.
fn group_pages(pages: &[scan::ScannedPage]) -> Vec<Vec<&scan::ScannedPage>> {
    let mut groups: Vec<Vec<&scan::ScannedPage>> = Vec::new();
    let mut waiting: Vec<&scan::ScannedPage> = Vec::new();
    let group_complete = |group: &[&scan::ScannedPage]| {
        let texts: Vec<&str> = group
            .iter()
            .flat_map(|page| page.codes.iter().map(|code| code.text.as_str()))
            .collect();
        blocks_complete(&texts)
    };
    for page in pages {
        let (share, any) = page_holds(page);
        if !any {
            continue;
        }
        if share {
            let mut group = std::mem::take(&mut waiting);
            group.push(page);
            groups.push(group);
            continue;
        }
        match groups.last_mut() {
            Some(last) if waiting.is_empty() && !group_complete(last) => last.push(page),
            _ => waiting.push(page),
        }
    }
    if !waiting.is_empty() {
        groups.push(waiting);
    }
    groups
}

fn missing_description(blocks: &[FoundBlock]) -> String {
    let has_share = blocks
        .iter()
        .any(|found| matches!(found.block.header.part, Part::Share { .. }));
    let mut missing = Vec::new();
    if !has_share {
        missing.push("the SHARE code".to_owned());
    }
    let mut seen = BTreeSet::new();
    let mut of = None;
    for found in blocks {
        if let Part::Vault { chunk, of: count } = found.block.header.part {
            seen.insert(chunk);
            of = Some(count);
        }
    }
    match of {
        None => missing.push("the VAULT code".to_owned()),
        Some(count) => {
            for chunk in (1..=count).filter(|chunk| !seen.contains(chunk)) {
                missing.push(format!("VAULT {chunk}/{count}"));
            }
        }
    }
    format!("{} not read; rescan at 300 dpi, flat and well lit", missing.join(", "))
}

/// Why the sheets, taken together, do not prove (or give back) the secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A custodian-protected share could not be opened (wrong or missing passphrase or identity);
    /// the message names the custodian.
    #[error("{0}")]
    ShareLocked(String),
    /// No valid block in any input.
    #[error(
        "none of the inputs holds a readable breakglass sheet; scan the sheets at 300 dpi, or type their lines into text files"
    )]
    NothingRead,
    /// Blocks of more than one ceremony (and no manifest to choose).
    #[error("the sheets come from {count} different ceremonies ({ids}); verify each ceremony's sheets separately")]
    MixedCeremonies {
        /// Number of ceremonies.
        count: usize,
        /// Their ids.
        ids: String,
    },
    /// Sheets of another ceremony than the manifest's.
    #[error(
        "{inputs} belong to ceremony {found}, not to the manifest's ceremony {expected}; leave them out, or give their own manifest"
    )]
    ForeignSheets {
        /// Inputs concerned.
        inputs: String,
        /// Their ceremony.
        found: String,
        /// The manifest's.
        expected: String,
    },
    /// Blocks disagree on k or n.
    #[error(
        "the sheets disagree on how many shares exist or are needed; some are forged or damaged: verify each sheet with the manifest to find them"
    )]
    InconsistentHeaders,
    /// Two different shares with the same index.
    #[error(
        "two different shares claim to be share {index} ({inputs}); at least one is forged or damaged: verify each with the manifest to find which"
    )]
    ConflictingShares {
        /// The index.
        index: u8,
        /// Inputs concerned.
        inputs: String,
    },
    /// Not enough distinct shares.
    #[error(
        "only {have} of the {need} shares needed {} present (have: {present}); bring more custodians' sheets",
        if *have == 1 { "is" } else { "are" }
    )]
    TooFewShares {
        /// Distinct shares.
        have: usize,
        /// Threshold.
        need: usize,
        /// Which indices.
        present: String,
    },
    /// Enough inputs, but duplicates leave too few distinct shares.
    #[error(
        "share {duplicates} given more than once; only {have} distinct shares of the {need} needed; bring other custodians' sheets"
    )]
    DuplicateShares {
        /// Duplicated indices.
        duplicates: String,
        /// Distinct shares.
        have: usize,
        /// Threshold.
        need: usize,
    },
    /// The vault ciphertext is incomplete.
    #[error("the vault is incomplete ({0}); include one sheet with all its VAULT codes readable")]
    VaultIncomplete(String),
    /// The ciphertext does not hash to the ceremony id / manifest.
    #[error(
        "the vault data does not match the ceremony id{0}; the sheets were altered: verify each sheet alone and use one whose vault verifies"
    )]
    VaultTampered(&'static str),
    /// Shares do not combine.
    #[error(
        "the shares do not combine into the vault key: {0}; verify each sheet with the manifest to find the bad one"
    )]
    SharesDisagree(String),
    /// Some shares combine, others are forged.
    #[error("shares {agreeing} agree with each other; {}", forged_shares(disagreeing, *several))]
    ForgedShares {
        /// Agreeing indices.
        agreeing: String,
        /// Disagreeing indices.
        disagreeing: String,
        /// More than one share disagrees.
        several: bool,
    },
    /// Inputs holding no share whose VAULT codes are not the proven vault's.
    #[error(
        "{inputs}: its VAULT codes are not this ceremony's vault (another vault's, or altered); the other sheets' copies were used: set it aside and report it"
    )]
    ForeignVaultCopies {
        /// The inputs, named.
        inputs: String,
    },
    /// The key is not the manifest's.
    #[error(
        "the rebuilt vault key is not the one in the manifest; the manifest or the sheets are from another ceremony: give this ceremony's manifest.json"
    )]
    ManifestKeyMismatch,
    /// The manifest does not describe these sheets.
    #[error("the manifest does not match the sheets: {0}; give this ceremony's manifest.json")]
    ManifestMismatch(&'static str),
    /// Decryption failed.
    #[error("{0}; verify each sheet with the manifest to find the altered one")]
    Vault(VaultError),
    /// The plaintext is not a payload.
    #[error("{0}; it was not sealed by breakglass, or by a newer version: try a newer breakglass")]
    Payload(PayloadError),
}

/// A proven quorum.
#[derive(Debug)]
pub struct Proof {
    /// The ceremony.
    pub ceremony: CeremonyId,
    /// k.
    pub threshold: u8,
    /// n.
    pub shares: u8,
    /// Share indices proven to belong to the vault key.
    pub agreeing: Vec<u8>,
    /// Shares that do not combine with the others (forged/damaged) - reported, not used.
    pub disagreeing: Vec<u8>,
    /// Inputs holding no share whose VAULT codes differ from the proven vault (named as
    /// [`InputReport::name`] gives): the documented recovery could take its chunks from them.
    pub foreign_vaults: Vec<String>,
    /// The vault's recipient rebuilt from the shares.
    pub recipient: String,
    /// The payload (secret). Dropped (and wiped) by `verify` without being shown.
    pub payload: Payload,
    /// The rebuilt vault key (secret; for exporting it as an age identity).
    pub key: crate::crypto::secret::VaultKey,
}

/// "share 4 does not belong to them …", or "shares 2, 4 do not belong to them …" when `several`.
fn forged_shares(indices: &str, several: bool) -> String {
    if several {
        format!("shares {indices} do not belong to them (forged or damaged sheets): set them aside and report them")
    } else {
        format!("share {indices} does not belong to them (forged or damaged sheet): set it aside and report it")
    }
}

fn join<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|item| item.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn input_name(report: &InputReport) -> String {
    report.name()
}

/// Takes the reports and proves the quorum.
pub fn prove(reports: &[InputReport], manifest: Option<&Manifest>) -> Result<Proof, VerifyError> {
    let mut by_ceremony: BTreeMap<CeremonyId, Vec<(&InputReport, &FoundBlock)>> = BTreeMap::new();
    for report in reports {
        for found in &report.blocks {
            by_ceremony
                .entry(found.block.header.ceremony.clone())
                .or_default()
                .push((report, found));
        }
    }
    if by_ceremony.is_empty() {
        return Err(VerifyError::NothingRead);
    }
    let ceremony = match manifest {
        Some(manifest) => {
            let expected = manifest.ceremony().clone();
            if let Some((other, blocks)) = by_ceremony.iter().find(|(id, _)| **id != expected) {
                let inputs: BTreeSet<String> = blocks.iter().map(|(report, _)| input_name(report)).collect();
                return Err(VerifyError::ForeignSheets {
                    inputs: join(inputs),
                    found: other.display(),
                    expected: expected.display(),
                });
            }
            expected
        }
        None if by_ceremony.len() > 1 => {
            return Err(VerifyError::MixedCeremonies {
                count: by_ceremony.len(),
                ids: join(by_ceremony.keys().map(CeremonyId::display)),
            });
        }
        None => by_ceremony.keys().next().cloned().expect("not empty"),
    };
    let blocks = by_ceremony.remove(&ceremony).unwrap_or_default();
    let first = &blocks.first().expect("a ceremony has blocks").1.block.header;
    let (threshold, shares) = (first.threshold, first.shares);
    if blocks
        .iter()
        .any(|(_, found)| found.block.header.threshold != threshold || found.block.header.shares != shares)
    {
        return Err(VerifyError::InconsistentHeaders);
    }
    if let Some(manifest) = manifest
        && (manifest.threshold != threshold || manifest.shares != shares)
    {
        return Err(VerifyError::ManifestMismatch("threshold or share count differ"));
    }

    let (ciphertext, chunks) = assemble_vault(&blocks, &ceremony)?;
    if let Some(manifest) = manifest
        && manifest.ciphertext_sha256 != sha256_hex(&ciphertext)
    {
        return Err(VerifyError::ManifestMismatch("the vault ciphertext hash differs"));
    }

    let distinct = collect_shares(&blocks)?;
    let need = usize::from(threshold);
    if distinct.len() < need {
        let mut counts: BTreeMap<u8, usize> = BTreeMap::new();
        for (_, found) in &blocks {
            if let Part::Share { index } = found.block.header.part {
                *counts.entry(index).or_default() += 1;
            }
        }
        let duplicates: Vec<u8> = counts
            .iter()
            .filter(|(_, count)| **count > 1)
            .map(|(&index, _)| index)
            .collect();
        if !duplicates.is_empty() {
            return Err(VerifyError::DuplicateShares {
                duplicates: join(duplicates),
                have: distinct.len(),
                need,
            });
        }
        return Err(VerifyError::TooFewShares {
            have: distinct.len(),
            need,
            present: if distinct.is_empty() {
                "none".into()
            } else {
                join(distinct.iter().map(Share::index))
            },
        });
    }
    let combined = share::combine(&distinct, threshold).map_err(|error| match error {
        ShareError::NoAgreement { .. } | ShareError::NotAVaultKey => VerifyError::SharesDisagree(error.to_string()),
        other => VerifyError::SharesDisagree(other.to_string()),
    })?;
    let (agreeing, disagreeing, foreign_vaults) =
        set_aside_foreign_vaults(&blocks, &chunks, combined.agreeing, combined.disagreeing);
    let recipient = vault::recipient(&combined.key);
    if let Some(manifest) = manifest
        && manifest.vault_recipient != recipient
    {
        return Err(VerifyError::ManifestKeyMismatch);
    }
    let plaintext = vault::open(&combined.key, &ciphertext).map_err(VerifyError::Vault)?;
    let payload = Payload::parse(plaintext.expose()).map_err(VerifyError::Payload)?;
    // The manifest is a claim; what the sheets hold can confirm its facts.
    if let Some(manifest) = manifest
        && manifest.secret_kind != payload.kind
    {
        return Err(VerifyError::ManifestMismatch(
            "its secret_kind is not the kind of secret the sheets hold",
        ));
    }
    Ok(Proof {
        ceremony,
        threshold,
        shares,
        agreeing,
        disagreeing,
        foreign_vaults,
        recipient,
        payload,
        key: combined.key,
    })
}

/// The proven vault's chunks by number.
type VaultChunks = BTreeMap<u8, Vec<u8>>;

/// A sheet is sound only if every VAULT code on it is this ceremony's: the documented recovery
/// takes the chunks from any one sheet and refuses copies that differ. The share on an input
/// whose VAULT copies are not the proven vault's (another ceremony's vault under this id, an
/// altered chunk) moves from `agreeing` to `disagreeing`, so the sheet is set aside; an input
/// holding such VAULT codes and no share (a certificate sheet's back page scanned alone) is
/// returned by name, to be set aside the same way.
fn set_aside_foreign_vaults(
    blocks: &[(&InputReport, &FoundBlock)],
    chunks: &VaultChunks,
    mut agreeing: Vec<u8>,
    mut disagreeing: Vec<u8>,
) -> (Vec<u8>, Vec<u8>, Vec<String>) {
    let of = chunks.len();
    // One file may hold several sheets (a feeder batch): each report is one sheet, named by its
    // file and pages, so a foreign copy on one sheet does not set aside another.
    let foreign_inputs: BTreeSet<String> = blocks
        .iter()
        .filter(|(_, found)| match found.block.header.part {
            Part::Vault { chunk, of: count } => {
                usize::from(count) != of || chunks.get(&chunk) != Some(&found.block.data)
            }
            Part::Share { .. } | Part::ProtectedShare { .. } => false,
        })
        .map(|(report, _)| input_name(report))
        .collect();
    let mut vault_only = BTreeSet::new();
    for (report, found) in blocks {
        if !foreign_inputs.contains(&input_name(report)) {
            continue;
        }
        match found.block.header.part {
            Part::Share { index } | Part::ProtectedShare { index } => {
                agreeing.retain(|&agreed| agreed != index);
                if !disagreeing.contains(&index) {
                    disagreeing.push(index);
                }
            }
            Part::Vault { .. } if report.shares().is_empty() => {
                vault_only.insert(input_name(report));
            }
            Part::Vault { .. } => {}
        }
    }
    disagreeing.sort_unstable();
    (agreeing, disagreeing, vault_only.into_iter().collect())
}

/// The vault ciphertext whose hash is the ceremony id, and the chunks it was assembled from.
fn assemble_vault(
    blocks: &[(&InputReport, &FoundBlock)],
    ceremony: &CeremonyId,
) -> Result<(Vec<u8>, VaultChunks), VerifyError> {
    let mut chunk_sets: BTreeMap<u8, BTreeMap<u8, Vec<&Block>>> = BTreeMap::new();
    for (_, found) in blocks {
        if let Part::Vault { chunk, of } = found.block.header.part {
            chunk_sets
                .entry(of)
                .or_default()
                .entry(chunk)
                .or_default()
                .push(&found.block);
        }
    }
    if chunk_sets.is_empty() {
        return Err(VerifyError::VaultIncomplete("no VAULT code was read".into()));
    }
    let mut tampered = false;
    for (&of, chunks) in &chunk_sets {
        if chunks.len() != usize::from(of) {
            continue;
        }
        // Each chunk may have been read from several sheets; normally all copies agree, but try
        // every distinct combination (bounded) so one damaged copy cannot hide the good ones.
        let variants: Vec<Vec<&Block>> = chunks
            .values()
            .map(|copies| {
                let mut distinct: Vec<&Block> = Vec::new();
                for copy in copies {
                    if !distinct.iter().any(|known| known.data == copy.data) {
                        distinct.push(copy);
                    }
                }
                distinct
            })
            .collect();
        let mut choice = vec![0usize; variants.len()];
        for _ in 0..256 {
            let ciphertext: Vec<u8> = variants
                .iter()
                .zip(&choice)
                .flat_map(|(copies, &i)| copies[i].data.iter().copied())
                .collect();
            if CeremonyId::for_ciphertext(&ciphertext) == *ceremony {
                let chosen = chunks
                    .keys()
                    .zip(variants.iter().zip(&choice))
                    .map(|(&chunk, (copies, &i))| (chunk, copies[i].data.to_vec()))
                    .collect();
                return Ok((ciphertext, chosen));
            }
            tampered = true;
            let mut position = 0;
            loop {
                if position == choice.len() {
                    break;
                }
                choice[position] += 1;
                if choice[position] < variants[position].len() {
                    break;
                }
                choice[position] = 0;
                position += 1;
            }
            if position == choice.len() {
                break;
            }
        }
    }
    if tampered {
        return Err(VerifyError::VaultTampered(""));
    }
    let (of, chunks) = chunk_sets.iter().next().expect("not empty");
    let missing: Vec<String> = (1..=*of)
        .filter(|chunk| !chunks.contains_key(chunk))
        .map(|chunk| format!("VAULT {chunk}/{of} missing"))
        .collect();
    Err(VerifyError::VaultIncomplete(missing.join(", ")))
}

fn collect_shares(blocks: &[(&InputReport, &FoundBlock)]) -> Result<Vec<Share>, VerifyError> {
    let mut by_index: BTreeMap<u8, (Share, Vec<String>)> = BTreeMap::new();
    for (report, found) in blocks {
        let Part::Share { index } = found.block.header.part else {
            continue;
        };
        let Some(share) = Share::from_bytes(&found.block.data).filter(|share| share.index() == index) else {
            return Err(VerifyError::ConflictingShares {
                index,
                inputs: input_name(report),
            });
        };
        match by_index.get_mut(&index) {
            Some((known, inputs)) => {
                inputs.push(input_name(report));
                if *known != share {
                    return Err(VerifyError::ConflictingShares {
                        index,
                        inputs: join(inputs.iter()),
                    });
                }
            }
            None => {
                by_index.insert(index, (share, vec![input_name(report)]));
            }
        }
    }
    Ok(by_index.into_values().map(|(share, _)| share).collect())
}

/// A protected share found among the inputs, waiting for its custodian's passphrase or identity.
#[derive(Clone, Debug)]
pub struct LockedShare {
    /// Ceremony.
    pub ceremony: CeremonyId,
    /// Share index.
    pub index: u8,
    /// The first input it was read from.
    pub input: PathBuf,
    /// The protected share (a binary age file).
    pub protected: Vec<u8>,
}

/// The protected shares among the inputs, once each (the same share read from several inputs is
/// listed once), in share order.
pub fn locked_shares(reports: &[InputReport]) -> Vec<LockedShare> {
    let mut locked: Vec<LockedShare> = Vec::new();
    for report in reports {
        for found in &report.blocks {
            if let Part::ProtectedShare { index } = found.block.header.part
                && !locked.iter().any(|known| {
                    known.index == index
                        && known.ceremony == found.block.header.ceremony
                        && known.protected == *found.block.data
                })
            {
                locked.push(LockedShare {
                    ceremony: found.block.header.ceremony.clone(),
                    index,
                    input: report.path.clone(),
                    protected: found.block.data.to_vec(),
                });
            }
        }
    }
    locked.sort_by_key(|share| share.index);
    locked
}

/// Replaces every copy of `locked` among the inputs by the unlocked share, so the quorum proof
/// treats it like a plain share.
pub fn unlock_share(reports: &mut [InputReport], locked: &LockedShare, share: &crate::crypto::secret::SecretBytes) {
    for report in reports {
        for found in &mut report.blocks {
            if found.block.header.part == (Part::ProtectedShare { index: locked.index })
                && found.block.header.ceremony == locked.ceremony
                && *found.block.data == locked.protected
            {
                found.block.header.part = Part::Share { index: locked.index };
                found.block.header.byte_len = share.len();
                found.block.data = zeroize::Zeroizing::new(share.expose().to_vec());
            }
        }
    }
}

/// Reads every input and checks its blocks, one report per sheet (a file holding several
/// sheets gives several). Inputs are read in parallel (each scan is independent and CPU-bound).
pub fn read_inputs(paths: &[PathBuf]) -> Vec<InputReport> {
    read_inputs_with(paths, ReadOptions::default(), &|_| {})
}

/// [`read_inputs`], with options; `done` is called with the number of inputs read so far after
/// each one (for a progress bar: the library itself never prints).
pub fn read_inputs_with(paths: &[PathBuf], options: ReadOptions, done: &(dyn Fn(usize) + Sync)) -> Vec<InputReport> {
    crate::platform::parallel::map(paths, |path| read_sheets_with(path, options), done)
        .into_iter()
        .flatten()
        .collect()
}
