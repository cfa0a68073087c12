//! Paper format version 1 (`BG1`), specified in `docs/FORMAT.md`.
//!
//! A *block* is what one QR code holds and what one run of typed lines holds: a header line
//! followed by data lines. Every line carries three check symbols (CRC-15/CAN over the line, its
//! number and its block's header) so that a typing mistake is found and located to its line,
//! and a line cannot be moved to another block unnoticed. The QR payload is the block's lines
//! joined by single spaces; the printed text is the same lines, one per row.

use std::fmt;

use crc::{CRC_15_CAN, Crc};
use zeroize::{Zeroize, Zeroizing};

use super::base32;

/// Magic and version at the start of every header line.
pub const MAGIC: &str = "BG1";
/// Bytes carried by one full data line (40 symbols).
pub const BYTES_PER_LINE: usize = 25;
/// Largest number of data lines in one block (two decimal digits of line number).
pub const MAX_LINES: usize = 99;
/// Largest number of bytes in one block.
pub const MAX_BLOCK_BYTES: usize = BYTES_PER_LINE * MAX_LINES;
/// Length of a ceremony id in symbols (50 bits of the ciphertext's SHA-256).
pub const CEREMONY_ID_LEN: usize = 10;
/// Size of one Shamir share as produced by the `shamirsecretsharing` crate.
pub const SHARE_BYTES: usize = 113;

const CHECK: Crc<u16> = Crc::<u16>::new(&CRC_15_CAN);
const QR_ALPHANUMERIC: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// The identity of one sealing ceremony, shared by all of its sheets: the first ten Crockford
/// symbols of the SHA-256 of the vault ciphertext.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CeremonyId(String);

impl CeremonyId {
    /// Derives the id from the vault ciphertext it names.
    pub fn for_ciphertext(ciphertext: &[u8]) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, ciphertext);
        let mut text = base32::encode(digest.as_ref());
        text.truncate(CEREMONY_ID_LEN);
        Self(text)
    }

    /// Parses the canonical form (ten symbols, optionally with a `-` after the fifth).
    pub fn parse(text: &str) -> Option<Self> {
        let compact: String = text.chars().filter(|&c| c != '-').collect();
        // `is_ascii` first: `c as u8` alone would let a non-ASCII character through (found by
        // fuzzing; the id is later sliced by byte).
        let valid = compact.len() == CEREMONY_ID_LEN
            && compact
                .chars()
                .all(|c| c.is_ascii() && base32::ALPHABET.contains(&(c as u8)));
        valid.then_some(Self(compact))
    }

    /// The ten canonical symbols.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as people read it: two groups of five.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..5], &self.0[5..])
    }
}

impl fmt::Display for CeremonyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// Written in its canonical ten symbols (manifests, JSON output).
impl serde::Serialize for CeremonyId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Read as [`CeremonyId::parse`] reads it.
impl<'de> serde::Deserialize<'de> for CeremonyId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("not a ceremony id (ten base32 symbols)"))
    }
}

impl fmt::Debug for CeremonyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CeremonyId({})", self.0)
    }
}

/// Which part of a ceremony a block carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    /// A custodian's Shamir share, with its index (1..=n, the share's x coordinate).
    Share {
        /// Share index.
        index: u8,
    },
    /// A custodian's share, age-encrypted with their passphrase (scrypt) or to their own age
    /// recipient: the block's data is a binary age file whose plaintext is the 113-byte share.
    ProtectedShare {
        /// Share index.
        index: u8,
    },
    /// One chunk of the age ciphertext, identical on every sheet.
    Vault {
        /// Chunk number, 1..=`of`.
        chunk: u8,
        /// Number of chunks.
        of: u8,
    },
}

/// The public facts at the top of every block.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// Ceremony the block belongs to.
    pub ceremony: CeremonyId,
    /// Shares needed to recover (k).
    pub threshold: u8,
    /// Shares made (n).
    pub shares: u8,
    /// What the block carries.
    pub part: Part,
    /// Bytes of data in the block.
    pub byte_len: usize,
}

impl Header {
    /// The header line without its check symbols.
    fn body(&self) -> String {
        let part = match self.part {
            Part::Share { index } => format!(
                "SHARE-{}-K{}-N{}-S{index}",
                self.ceremony.as_str(),
                self.threshold,
                self.shares
            ),
            Part::ProtectedShare { index } => format!(
                "PSHARE-{}-K{}-N{}-S{index}",
                self.ceremony.as_str(),
                self.threshold,
                self.shares
            ),
            Part::Vault { chunk, of } => format!(
                "VAULT-{}-K{}-N{}-C{chunk}/{of}",
                self.ceremony.as_str(),
                self.threshold,
                self.shares
            ),
        };
        format!("{MAGIC}-{part}-B{}", self.byte_len)
    }

    fn validate(&self) -> Result<(), &'static str> {
        if self.threshold == 0 || self.shares == 0 || self.threshold > self.shares {
            return Err("threshold K must be between 1 and the share count N");
        }
        match self.part {
            Part::Share { index } => {
                if index == 0 || index > self.shares {
                    return Err("share number S must be between 1 and N");
                }
                if self.byte_len != SHARE_BYTES {
                    return Err("a share block must hold 113 bytes");
                }
            }
            Part::ProtectedShare { index } => {
                if index == 0 || index > self.shares {
                    return Err("share number S must be between 1 and N");
                }
                if self.byte_len <= SHARE_BYTES {
                    return Err("a protected share block must hold more than 113 bytes");
                }
            }
            Part::Vault { chunk, of } => {
                if chunk == 0 || chunk > of {
                    return Err("chunk number C must be between 1 and the chunk count");
                }
                if self.byte_len == 0 {
                    return Err("a vault chunk cannot be empty");
                }
            }
        }
        if self.byte_len > MAX_BLOCK_BYTES {
            return Err("byte count B is larger than a block can hold");
        }
        Ok(())
    }

    /// Number of data lines a block with this header has.
    pub fn line_count(&self) -> usize {
        self.byte_len.div_ceil(BYTES_PER_LINE)
    }
}

/// A decoded, checked block: trusted to be well-formed, not yet to belong to any ceremony.
#[derive(Clone, PartialEq, Eq)]
pub struct Block {
    /// Public facts.
    pub header: Header,
    /// The share or ciphertext bytes; wiped on drop because shares are key material.
    pub data: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Block")
            .field("header", &self.header)
            .field("data", &"[redacted]")
            .finish()
    }
}

/// Where in the user's input a problem is. Line numbers count from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// Line of the input text file, when the block was typed.
    pub input_line: Option<usize>,
    /// Line within the block: 0 is the header, 1.. are data lines as numbered on the sheet.
    pub block_line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on_sheet = if self.block_line == 0 {
            "the header line (BG1-...)".to_owned()
        } else {
            format!("the line numbered {:02} on the sheet", self.block_line)
        };
        match self.input_line {
            Some(line) => write!(f, "line {line} ({on_sheet})"),
            None => f.write_str(&on_sheet),
        }
    }
}

/// Why text did not decode as a block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The text has no `BG…` header: not a breakglass sheet.
    #[error("not a breakglass block (no BG1 header line)")]
    NotBreakglass,
    /// A header of another format version.
    #[error("sheet uses format {0}, which this version of breakglass does not read; use a newer breakglass")]
    UnsupportedVersion(String),
    /// The check symbols of a line do not match its content.
    #[error("{0}: check characters do not match; a character on this line is wrong, missing or swapped")]
    LineCheck(Location),
    /// A line has the wrong number of symbols.
    #[error("{location}: expected {expected} characters, found {found}")]
    LineLength {
        /// Where.
        location: Location,
        /// Canonical length.
        expected: usize,
        /// Length found (whitespace removed).
        found: usize,
    },
    /// A character outside the alphabet.
    #[error("{location}: character {column} is not one the sheet uses")]
    BadCharacter {
        /// Where.
        location: Location,
        /// 1-based position among the line's characters, spaces not counted.
        column: usize,
    },
    /// A header field does not parse or is out of range.
    #[error("{location}: header is malformed: {detail}")]
    BadHeader {
        /// Where.
        location: Location,
        /// What is wrong.
        detail: &'static str,
    },
    /// A data line carries an unexpected line number.
    #[error("{location}: expected the line numbered {expected:02}; lines are missing, repeated or out of order")]
    LineNumber {
        /// Where.
        location: Location,
        /// Number that should be there.
        expected: usize,
    },
    /// Fewer data lines than the header announces.
    #[error("block {header} ends after {found} of its {expected} lines; the rest is missing")]
    Truncated {
        /// The header, for naming the block.
        header: String,
        /// Lines announced.
        expected: usize,
        /// Lines found.
        found: usize,
    },
    /// More data lines than the header announces.
    #[error("{0}: the block has more lines than its header announces")]
    ExtraLines(Location),
    /// Data lines before any header.
    #[error("{0}: data line before any BG1 header line")]
    DataBeforeHeader(Location),
    /// The last line's unused bits are not zero.
    #[error("{0}: the last line does not end cleanly (non-zero padding)")]
    Padding(Location),
}

impl FormatError {
    /// The error's stable name, as the negative test vectors (`tests/vectors/v1/negative/`)
    /// spell it in their `expect:` line, so a second implementation can check that it rejects
    /// the same inputs for the same reasons.
    pub fn name(&self) -> &'static str {
        match self {
            FormatError::NotBreakglass => "not-breakglass",
            FormatError::UnsupportedVersion(_) => "unsupported-version",
            FormatError::LineCheck(_) => "line-check",
            FormatError::LineLength { .. } => "line-length",
            FormatError::BadCharacter { .. } => "bad-character",
            FormatError::BadHeader { .. } => "bad-header",
            FormatError::LineNumber { .. } => "line-number",
            FormatError::Truncated { .. } => "truncated",
            FormatError::ExtraLines(_) => "extra-lines",
            FormatError::DataBeforeHeader(_) => "data-before-header",
            FormatError::Padding(_) => "padding",
        }
    }
}

fn qr_index(symbol: char) -> u8 {
    QR_ALPHANUMERIC.find(symbol).unwrap_or(QR_ALPHANUMERIC.len()) as u8
}

/// The three check symbols of a line: CRC-15/CAN over the line number (one byte), then the
/// QR-alphanumeric index of each symbol of the header body and of the line's data symbols.
/// Feeding symbol indices (not ASCII) keeps every single-symbol substitution and every swap
/// of neighbours inside a burst of at most 14 bits, which CRC-15 always detects.
pub fn line_check(header_body: &str, line_number: usize, data: &str) -> String {
    // The data symbols are a share's own, in another alphabet: wiped like it.
    let mut input = Zeroizing::new(Vec::with_capacity(1 + header_body.len() + data.len()));
    input.push(line_number as u8);
    input.extend(header_body.chars().map(qr_index));
    input.extend(data.chars().map(qr_index));
    let crc = CHECK.checksum(&input);
    [10, 5, 0]
        .iter()
        .map(|shift| base32::ALPHABET[usize::from((crc >> shift) & 31)] as char)
        .collect()
}

/// A block encoded as canonical lines. A share's lines are the share itself: they are wiped on
/// drop, and the block is not `Clone`, so every copy is one made on purpose.
#[derive(PartialEq, Eq)]
pub struct EncodedBlock {
    /// Header line first, then the data lines, all without spaces.
    pub lines: Vec<String>,
}

impl Drop for EncodedBlock {
    fn drop(&mut self) {
        self.lines.zeroize();
    }
}

impl fmt::Debug for EncodedBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncodedBlock({})", self.lines[0])
    }
}

impl EncodedBlock {
    /// A copy made on purpose (the vault's blocks go onto every sheet), wiped like the original.
    pub fn duplicate(&self) -> Self {
        Self {
            lines: self.lines.clone(),
        }
    }

    /// The QR payload: lines joined by single spaces (QR alphanumeric mode throughout), in a
    /// buffer sized once and wiped on drop.
    pub fn qr_payload(&self) -> Zeroizing<String> {
        Zeroizing::new(self.lines.join(" "))
    }

    /// The lines as printed: data symbols in groups of five, number and check set apart. Each
    /// line is built in a buffer of its final size, and all are wiped on drop.
    pub fn printed_lines(&self) -> Zeroizing<Vec<String>> {
        let mut printed = Zeroizing::new(Vec::with_capacity(self.lines.len()));
        printed.push(self.lines[0].clone());
        for line in &self.lines[1..] {
            let (number, rest) = line.split_at(2);
            let (data, check) = rest.split_at(rest.len() - 3);
            let mut out = String::with_capacity(line.len() + 4 + data.len() / 5);
            out.push_str(number);
            out.push_str("  ");
            for (index, group) in data.as_bytes().chunks(5).enumerate() {
                if index > 0 {
                    out.push(' ');
                }
                out.push_str(std::str::from_utf8(group).unwrap_or_default());
            }
            out.push_str("  ");
            out.push_str(check);
            printed.push(out);
        }
        printed
    }

    /// The lines as a text file that `verify` and `recover` read back (wiped on drop).
    pub fn to_text(&self) -> Zeroizing<String> {
        let printed = self.printed_lines();
        let mut text = String::with_capacity(printed.iter().map(|line| line.len() + 1).sum());
        for line in printed.iter() {
            text.push_str(line);
            text.push('\n');
        }
        Zeroizing::new(text)
    }
}

/// Encodes a block. Fails only if the header is out of range for its data.
pub fn encode_block(header: &Header, data: &[u8]) -> Result<EncodedBlock, FormatError> {
    let location = Location {
        input_line: None,
        block_line: 0,
    };
    if header.byte_len != data.len() {
        return Err(FormatError::BadHeader {
            location,
            detail: "byte count B does not match the data",
        });
    }
    header
        .validate()
        .map_err(|detail| FormatError::BadHeader { location, detail })?;
    let body = header.body();
    let mut lines = vec![format!("{body}-{}", line_check(&body, 0, ""))];
    for (index, chunk) in data.chunks(BYTES_PER_LINE).enumerate() {
        let number = index + 1;
        let symbols = Zeroizing::new(base32::encode(chunk));
        let check = line_check(&body, number, &symbols);
        let mut line = String::with_capacity(2 + symbols.len() + check.len());
        line.push_str(&format!("{number:02}"));
        line.push_str(symbols.as_str());
        line.push_str(&check);
        lines.push(line);
    }
    Ok(EncodedBlock { lines })
}

/// One block's lines as found in the input, before checking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawBlock {
    /// The header line (compact, upper-case) and where it was.
    pub header: (String, Option<usize>),
    /// Data lines (compact, upper-case) and where they were.
    pub lines: Vec<(String, Option<usize>)>,
}

/// `line` without invisible format marks: the byte-order mark Notepad puts before the first
/// line, zero-width spaces and direction marks a word processor or chat client slipped in.
/// Nobody typed them and they carry nothing; left in, the mark before a header hid the whole
/// block (a typed share read as no share at all).
fn without_format_marks(line: &str) -> std::borrow::Cow<'_, str> {
    let is_mark = |c: char| !c.is_control() && crate::platform::terminal::is_invisible(c);
    if line.contains(is_mark) {
        std::borrow::Cow::Owned(line.chars().filter(|&c| !is_mark(c)).collect())
    } else {
        std::borrow::Cow::Borrowed(line)
    }
}

/// Splits text (a QR payload, or a typed file holding one or more blocks) into raw blocks.
///
/// A physical line that starts with `BG` begins a block; further whitespace-separated words on
/// that line are its data lines (the QR form). The non-empty lines that follow, up to the number
/// of data lines its header announces, are its data lines (the typed form), with spaces and
/// dashes ignored. Other lines are notes and are ignored: typed files may carry a custodian's
/// remarks, and text copied from a sheet carries its instructions and footer. A line copied from
/// a whole page (`pdftotext -layout`) may carry the sheet's side column after a gap of two or
/// more spaces: that text is a note too, and so is a line inside a block that holds only such
/// text (see [`is_side_text`]). Invisible format marks are dropped first
/// ([`without_format_marks`]).
pub fn split_blocks(text: &str) -> Result<Vec<RawBlock>, FormatError> {
    let mut blocks: Vec<RawBlock> = Vec::new();
    let mut open: Option<Header> = None;
    let mut wanted = 0usize;
    let mut stray_data = None;
    for (index, typed) in text.lines().enumerate() {
        let input_line = Some(index + 1);
        let visible = without_format_marks(typed);
        let physical = visible.as_ref();
        let trimmed = physical.trim();
        if trimmed.to_ascii_uppercase().starts_with("BG") {
            let trimmed = before_gap(trimmed, 0);
            let mut words = trimmed.split_whitespace();
            let header = repair_header(words.next().unwrap_or_default());
            let lines: Vec<_> = words.map(|word| (word.to_ascii_uppercase(), input_line)).collect();
            open = decode_header(&header, None).ok();
            let announced = open.as_ref().map_or(MAX_LINES, Header::line_count);
            wanted = announced.saturating_sub(lines.len());
            if !lines.is_empty() {
                wanted = 0;
            }
            blocks.push(RawBlock {
                header: (header, input_line),
                lines,
            });
            continue;
        }
        let data_line = match (blocks.last(), &open) {
            (Some(block), Some(header)) if wanted > 0 => {
                if is_side_text(physical) {
                    continue;
                }
                let number = block.lines.len() + 1;
                let bytes_here = header
                    .byte_len
                    .saturating_sub((number - 1) * BYTES_PER_LINE)
                    .min(BYTES_PER_LINE);
                before_gap(trimmed, 2 + base32::encoded_len(bytes_here) + 3)
            }
            _ => trimmed,
        };
        let compact: String = data_line
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if compact.is_empty() {
            continue;
        }
        match blocks.last_mut() {
            Some(block) if wanted > 0 => {
                block.lines.push((compact, input_line));
                wanted -= 1;
            }
            None if stray_data.is_none() && compact.bytes().take(2).all(|b| b.is_ascii_digit()) => {
                stray_data = Some(Location {
                    input_line,
                    block_line: 1,
                });
            }
            _ => {}
        }
    }
    if blocks.is_empty() {
        return Err(stray_data.map_or(FormatError::NotBreakglass, FormatError::DataBeforeHeader));
    }
    Ok(blocks)
}

/// True if a line inside a block is text set beside it rather than a (perhaps mistyped) data
/// line: it does not start with a line number, and it is indented far (a column of its own) or
/// holds a character no data line has.
fn is_side_text(physical: &str) -> bool {
    let trimmed = physical.trim();
    let indent = physical.len() - physical.trim_start().len();
    let foreign = trimmed
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || c.is_whitespace() || c == '-'));
    !starts_with_line_number(trimmed) && (indent >= 8 || foreign)
}

/// True if `line` starts with two characters that read as digits (0-9, or O, I, L as written
/// for 0 and 1): the line number every data line starts with.
fn starts_with_line_number(line: &str) -> bool {
    let mut symbols = line.chars().filter(|c| !c.is_whitespace() && *c != '-');
    (0..2).all(|_| {
        symbols
            .next()
            .and_then(base32::symbol_value)
            .is_some_and(|value| value < 10)
    })
}

/// `line` up to the first gap of two or more spaces that comes after at least `symbols` symbols
/// (spaces and dashes not counted): what follows such a gap is text set beside the block.
fn before_gap(line: &str, symbols: usize) -> &str {
    let mut counted = 0;
    let mut previous_space = false;
    for (at, c) in line.char_indices() {
        if c.is_whitespace() {
            if previous_space && counted >= symbols {
                return line[..at].trim_end();
            }
            previous_space = true;
        } else {
            previous_space = false;
            if c != '-' {
                counted += 1;
            }
        }
    }
    line
}

fn parse_number(text: &str, prefix: char) -> Option<usize> {
    let digits = text.strip_prefix(prefix)?;
    let valid = !digits.is_empty() && digits.len() <= 4 && digits.bytes().all(|b| b.is_ascii_digit());
    if !valid || (digits.len() > 1 && digits.starts_with('0')) {
        return None;
    }
    digits.parse().ok()
}

/// A typed header upper-cased with its look-alikes repaired as in data lines (`O` read as `0`,
/// `I` and `L` as `1`) where only digits or base32 symbols stand: after `BG`, in the ceremony
/// id, in the numbers of `K`, `N`, `S`, `C` and `B`, and in the check symbols. The block kind
/// (`SHARE`, `VAULT`) is left as typed. A header without its 8 fields is only upper-cased, and
/// its check still decides.
fn repair_header(typed: &str) -> String {
    let upper = typed.to_ascii_uppercase();
    let fields: Vec<&str> = upper.split('-').collect();
    if fields.len() != 8 {
        return upper;
    }
    let repair = |text: &str| -> String {
        text.chars()
            .map(|c| match c {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            })
            .collect()
    };
    let after_first = |field: &str| {
        let mut chars = field.chars();
        chars
            .next()
            .map_or_else(String::new, |first| format!("{first}{}", repair(chars.as_str())))
    };
    let mut repaired = Vec::with_capacity(8);
    repaired.push(match fields[0].strip_prefix("BG") {
        Some(version) => format!("BG{}", repair(version)),
        None => fields[0].to_owned(),
    });
    repaired.push(fields[1].to_owned());
    repaired.push(repair(fields[2]));
    repaired.extend(fields[3..7].iter().map(|field| after_first(field)));
    repaired.push(repair(fields[7]));
    repaired.join("-")
}

/// Parses and checks a header line.
pub fn decode_header(line: &str, input_line: Option<usize>) -> Result<Header, FormatError> {
    let location = Location {
        input_line,
        block_line: 0,
    };
    let malformed = |detail| FormatError::BadHeader { location, detail };
    let magic = line.split('-').next().unwrap_or_default();
    if !magic.starts_with("BG") {
        return Err(FormatError::NotBreakglass);
    }
    // "BG2" is another version; "BG1SHARE..." is this one typed without its dashes.
    let version = magic.strip_prefix("BG").unwrap_or_default();
    if magic != MAGIC && !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FormatError::UnsupportedVersion(magic.to_owned()));
    }
    let missing = "fields are missing (a header has 8 fields joined by 7 dashes, no spaces)";
    if magic != MAGIC {
        return Err(malformed(missing));
    }
    let (body, check) = line.rsplit_once('-').ok_or(malformed(missing))?;
    if check.len() != 3 || line_check(body, 0, "") != check {
        return Err(FormatError::LineCheck(location));
    }
    let fields: Vec<&str> = body.split('-').collect();
    if fields.len() != 7 {
        return Err(malformed("expected 7 fields separated by '-'"));
    }
    let ceremony = CeremonyId::parse(fields[2]).ok_or(malformed("ceremony id must be 10 characters"))?;
    let as_u8 = |value: Option<usize>, detail| value.and_then(|v| u8::try_from(v).ok()).ok_or(malformed(detail));
    let threshold = as_u8(parse_number(fields[3], 'K'), "threshold field K is invalid")?;
    let shares = as_u8(parse_number(fields[4], 'N'), "share count field N is invalid")?;
    let part = match fields[1] {
        "SHARE" => Part::Share {
            index: as_u8(parse_number(fields[5], 'S'), "share number field S is invalid")?,
        },
        "PSHARE" => Part::ProtectedShare {
            index: as_u8(parse_number(fields[5], 'S'), "share number field S is invalid")?,
        },
        "VAULT" => {
            let (chunk, of) = fields[5]
                .split_once('/')
                .ok_or(malformed("chunk field must be C<i>/<m>"))?;
            let chunk = as_u8(parse_number(chunk, 'C'), "chunk field C is invalid")?;
            let of = as_u8(
                of.parse::<usize>().ok().filter(|_| !of.starts_with('0')),
                "chunk count is invalid",
            )?;
            Part::Vault { chunk, of }
        }
        _ => return Err(malformed("block kind must be SHARE, PSHARE or VAULT")),
    };
    let byte_len = parse_number(fields[6], 'B').ok_or(malformed("byte count field B is invalid"))?;
    let header = Header {
        ceremony,
        threshold,
        shares,
        part,
        byte_len,
    };
    header.validate().map_err(malformed)?;
    if header.body() != body {
        return Err(malformed("fields are not in canonical form"));
    }
    Ok(header)
}

/// Decodes and checks one raw block: header check, every line's number, length, alphabet and
/// check symbols, then the data. The first problem is reported with its location.
pub fn decode_block(raw: &RawBlock) -> Result<Block, FormatError> {
    let header = decode_header(&raw.header.0, raw.header.1)?;
    let body = header.body();
    let expected_lines = header.line_count();
    let mut data = Zeroizing::new(Vec::with_capacity(header.byte_len));
    for (index, (line, input_line)) in raw.lines.iter().enumerate() {
        let number = index + 1;
        let location = Location {
            input_line: *input_line,
            block_line: number,
        };
        if number > expected_lines {
            return Err(FormatError::ExtraLines(location));
        }
        let bytes_here = (header.byte_len - (number - 1) * BYTES_PER_LINE).min(BYTES_PER_LINE);
        let symbols_here = base32::encoded_len(bytes_here);
        let expected_len = 2 + symbols_here + 3;
        let found = line.chars().count();
        if let Some(column) = line.chars().position(|c| base32::symbol_value(c).is_none()) {
            return Err(FormatError::BadCharacter {
                location,
                column: column + 1,
            });
        }
        let canonical: String = line
            .chars()
            .filter_map(base32::symbol_value)
            .map(|value| base32::ALPHABET[usize::from(value)] as char)
            .collect();
        if found != expected_len {
            if found >= 2 && canonical[..2] != format!("{number:02}") {
                return Err(FormatError::LineNumber {
                    location,
                    expected: number,
                });
            }
            return Err(FormatError::LineLength {
                location,
                expected: expected_len,
                found,
            });
        }
        let (number_text, rest) = canonical.split_at(2);
        let (symbols, check) = rest.split_at(symbols_here);
        let check_matches = line_check(&body, number, symbols) == check;
        if number_text != format!("{number:02}") {
            return Err(if check_matches {
                FormatError::LineCheck(location)
            } else {
                FormatError::LineNumber {
                    location,
                    expected: number,
                }
            });
        }
        if !check_matches {
            return Err(FormatError::LineCheck(location));
        }
        let decoded = base32::decode(symbols, bytes_here).map_err(|_| FormatError::Padding(location))?;
        data.extend_from_slice(&decoded);
    }
    if raw.lines.len() < expected_lines {
        return Err(FormatError::Truncated {
            header: raw.header.0.clone(),
            expected: expected_lines,
            found: raw.lines.len(),
        });
    }
    Ok(Block { header, data })
}

/// Splits and decodes every block in `text`. Each block succeeds or fails on its own.
pub fn decode_text(text: &str) -> Result<Vec<Result<Block, FormatError>>, FormatError> {
    Ok(split_blocks(text)?.iter().map(decode_block).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share_header(index: u8) -> Header {
        Header {
            ceremony: CeremonyId::parse("7K3M9QXA2B").unwrap(),
            threshold: 3,
            shares: 5,
            part: Part::Share { index },
            byte_len: SHARE_BYTES,
        }
    }

    fn sample_share() -> Vec<u8> {
        (0..SHARE_BYTES).map(|i| (i * 7 + 3) as u8).collect()
    }

    #[test]
    fn share_block_round_trips_through_qr_and_typed_forms() {
        let data = sample_share();
        let encoded = encode_block(&share_header(2), &data).unwrap();
        assert_eq!(encoded.lines.len(), 1 + 5);
        for text in [
            encoded.qr_payload().to_string(),
            encoded.to_text().to_string(),
            encoded.to_text().to_lowercase(),
        ] {
            let blocks = decode_text(&text).unwrap();
            assert_eq!(blocks.len(), 1);
            let block = blocks[0].clone().unwrap();
            assert_eq!(block.header, share_header(2));
            assert_eq!(&block.data[..], &data[..]);
        }
    }

    #[test]
    fn invisible_marks_in_a_typed_copy_are_dropped_not_taken_for_text() {
        let data = sample_share();
        let typed = encode_block(&share_header(2), &data).unwrap().to_text().to_string();
        let marked = format!(
            "\u{FEFF}{}",
            typed.replacen(' ', " \u{200B}", 3).replacen('\n', "\u{200E}\r\n", 2)
        );
        let blocks = decode_text(&marked).unwrap();
        assert_eq!(blocks.len(), 1, "{marked:?}");
        let block = blocks[0].clone().unwrap();
        assert_eq!((block.header, &block.data[..]), (share_header(2), &data[..]));
    }

    #[test]
    fn qr_payload_uses_only_alphanumeric_mode_characters() {
        let encoded = encode_block(&share_header(1), &sample_share()).unwrap();
        assert!(encoded.qr_payload().chars().all(|c| QR_ALPHANUMERIC.contains(c)));
    }

    #[test]
    fn every_single_character_substitution_is_located() {
        let encoded = encode_block(&share_header(4), &sample_share()).unwrap();
        for (line_index, line) in encoded.lines.iter().enumerate().skip(1) {
            for position in 0..line.len() {
                for replacement in base32::ALPHABET.iter().map(|&b| b as char) {
                    let original = line.as_bytes()[position] as char;
                    if replacement == original {
                        continue;
                    }
                    let mut lines = encoded.lines.clone();
                    let mut damaged: Vec<char> = line.chars().collect();
                    damaged[position] = replacement;
                    lines[line_index] = damaged.into_iter().collect();
                    let err = decode_text(&lines.join("\n")).unwrap()[0].clone().unwrap_err();
                    let location = match err {
                        FormatError::LineCheck(location) | FormatError::LineNumber { location, .. } => location,
                        other => panic!("unexpected {other:?}"),
                    };
                    assert_eq!(location.block_line, line_index);
                    assert_eq!(location.input_line, Some(line_index + 1));
                }
            }
        }
    }

    #[test]
    fn every_neighbour_swap_is_located() {
        let encoded = encode_block(&share_header(4), &sample_share()).unwrap();
        for (line_index, line) in encoded.lines.iter().enumerate().skip(1) {
            let chars: Vec<char> = line.chars().collect();
            for position in 0..chars.len() - 1 {
                if chars[position] == chars[position + 1] {
                    continue;
                }
                let mut swapped = chars.clone();
                swapped.swap(position, position + 1);
                let mut lines = encoded.lines.clone();
                lines[line_index] = swapped.into_iter().collect();
                let err = decode_text(&lines.join("\n")).unwrap()[0].clone().unwrap_err();
                assert!(
                    matches!(err, FormatError::LineCheck(l) | FormatError::LineNumber { location: l, .. } if l.block_line == line_index),
                    "{err:?}"
                );
            }
        }
    }

    #[test]
    fn missing_character_and_missing_line_are_reported() {
        let encoded = encode_block(&share_header(1), &sample_share()).unwrap();
        let mut lines = encoded.lines.clone();
        lines[2].remove(10);
        let err = decode_text(&lines.join("\n")).unwrap()[0].clone().unwrap_err();
        assert!(
            matches!(err, FormatError::LineLength { location, .. } if location.block_line == 2),
            "{err:?}"
        );
        let mut lines = encoded.lines.clone();
        lines.remove(3);
        let err = decode_text(&lines.join("\n")).unwrap()[0].clone().unwrap_err();
        assert!(matches!(err, FormatError::LineNumber { expected: 3, .. }), "{err:?}");
        let truncated = encoded.lines[..4].join("\n");
        let err = decode_text(&truncated).unwrap()[0].clone().unwrap_err();
        assert!(
            matches!(
                err,
                FormatError::Truncated {
                    expected: 5,
                    found: 3,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn a_whole_page_copied_with_its_side_column_still_parses() {
        let share = encode_block(&share_header(2), &sample_share()).unwrap();
        let side = [
            "How to recover",
            "On the offline recovery",
            "computer, scan this sheet or",
            "If something is wrong",
            "24x7 SOC: +44 20 7946 0000",
            "once: the secret must be",
        ];
        // As `pdftotext -layout` prints a sheet: the check symbols apart from the data, the
        // instructions column after a wide gap, and lines holding only that column.
        let mut page = vec![format!(
            "{:<74}{}",
            "Typed copy: the same data as the QR codes", "Contacts"
        )];
        page.push(share.lines[0].clone());
        for (number, line) in share.printed_lines().iter().enumerate().skip(1) {
            let (data, check) = line.split_at(line.len() - 3);
            page.push(format!(
                "{:<70}{check:<6}{}",
                data.trim_end(),
                side[number % side.len()]
            ));
            if number == 2 {
                page.push(format!("{:76}{}", "", "running it."));
            }
        }
        let page = page.join("\n");
        let blocks = decode_text(&page).unwrap();
        assert_eq!(blocks.len(), 1, "{page}");
        let block = blocks[0].clone().unwrap_or_else(|error| panic!("{error:?}\n{page}"));
        assert_eq!(&block.data[..], &sample_share()[..]);
        // A header with the side column beside it keeps its typed lines.
        let header_line = format!("{:<76}{}", share.lines[0], "runbook's appendix.");
        let text = std::iter::once(header_line)
            .chain(share.lines[1..].iter().cloned())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(decode_text(&text).unwrap()[0].is_ok(), "{text}");
    }

    #[test]
    fn a_line_moved_from_another_block_is_rejected() {
        let one = encode_block(&share_header(1), &sample_share()).unwrap();
        let two = encode_block(&share_header(2), &sample_share()).unwrap();
        let mut lines = one.lines.clone();
        lines[1] = two.lines[1].clone();
        let err = decode_text(&lines.join("\n")).unwrap()[0].clone().unwrap_err();
        assert!(matches!(err, FormatError::LineCheck(l) if l.block_line == 1));
    }

    #[test]
    fn header_damage_and_foreign_versions() {
        let encoded = encode_block(&share_header(1), &sample_share()).unwrap();
        let mut lines = encoded.lines.clone();
        lines[0] = lines[0].replace("-K3-", "-K2-");
        assert!(matches!(
            decode_text(&lines.join("\n")).unwrap()[0],
            Err(FormatError::LineCheck(_))
        ));
        assert_eq!(
            decode_header("BG2-SHARE-XYZ", None),
            Err(FormatError::UnsupportedVersion("BG2".into()))
        );
        let typed_without_dashes = lines[0].replace('-', "");
        assert!(matches!(
            decode_header(&typed_without_dashes, None),
            Err(FormatError::BadHeader { detail, .. }) if detail.contains("7 dashes")
        ));
        assert_eq!(split_blocks("hello world"), Err(FormatError::NotBreakglass));
        assert_eq!(
            split_blocks("01 ABCDE"),
            Err(FormatError::DataBeforeHeader(Location {
                input_line: Some(1),
                block_line: 1
            }))
        );
        assert_eq!(split_blocks("\n\n"), Err(FormatError::NotBreakglass));
    }

    #[test]
    fn a_typed_header_with_look_alikes_or_lower_case_reads_as_printed() {
        let header = Header {
            ceremony: CeremonyId::parse("70K1Q0XA2B").unwrap(),
            threshold: 3,
            shares: 10,
            part: Part::Vault { chunk: 1, of: 10 },
            byte_len: 101,
        };
        let encoded = encode_block(&header, &sample_share()[..101]).unwrap();
        let printed = encoded.to_text().to_string();
        let printed_header = printed.lines().next().unwrap().to_owned();
        let typed_header = printed_header.replace('0', "O").replace('1', "l").to_lowercase();
        assert_ne!(typed_header.to_uppercase(), printed_header);
        let typed = printed.replacen(&printed_header, &typed_header, 1);
        let blocks = decode_text(&typed).unwrap();
        assert_eq!(blocks[0].as_ref().unwrap().header, header);
        // The block kind is words, not symbols: "VAULT" keeps its L, a mistyped kind is refused.
        assert_eq!(repair_header("bg1-vault-x"), "BG1-VAULT-X");
        let wrong_kind = printed.replacen("VAULT", "VAU1T", 1);
        assert!(decode_text(&wrong_kind).unwrap()[0].is_err());
    }

    #[test]
    fn non_ascii_ceremony_ids_are_refused() {
        // fuzz/regressions/paper_text/ceremony-id-non-ascii.txt: U+0130 truncates to '0'.
        assert!(CeremonyId::parse("\u{130}\u{130}\u{130}\u{130}\u{130}").is_none());
        let text = "BG1-VAULT-\u{130}\u{130}\u{130}\u{130}\u{130}-K1-N1-C1/1-B1-2MJ\n0100BCK\n";
        assert!(decode_text(text).unwrap()[0].is_err());
    }

    #[test]
    fn vault_chunks_encode_their_position() {
        let header = Header {
            ceremony: CeremonyId::parse("7K3M9-QXA2B").unwrap(),
            threshold: 2,
            shares: 3,
            part: Part::Vault { chunk: 2, of: 3 },
            byte_len: 61,
        };
        let data: Vec<u8> = (0..61).collect();
        let encoded = encode_block(&header, &data).unwrap();
        assert!(encoded.lines[0].starts_with("BG1-VAULT-7K3M9QXA2B-K2-N3-C2/3-B61-"));
        let block = decode_block(&split_blocks(&encoded.qr_payload()).unwrap()[0]).unwrap();
        assert_eq!(block.header, header);
    }

    #[test]
    fn out_of_range_headers_are_refused_on_encode() {
        let mut header = share_header(6);
        assert!(encode_block(&header, &sample_share()).is_err());
        header.part = Part::Share { index: 1 };
        header.threshold = 6;
        assert!(encode_block(&header, &sample_share()).is_err());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn header_strategy() -> impl Strategy<Value = (Header, Vec<u8>)> {
        (
            1u8..=255,
            1u8..=255,
            any::<bool>(),
            1usize..=MAX_BLOCK_BYTES,
            "[0-9A-HJKMNP-TV-Z]{10}",
        )
            .prop_flat_map(|(a, b, is_share, vault_len, ceremony)| {
                let (threshold, shares) = (a.min(b), a.max(b));
                let len = if is_share { SHARE_BYTES } else { vault_len };
                (
                    Just((threshold, shares, is_share, ceremony)),
                    1u8..=shares,
                    1u8..=255,
                    proptest::collection::vec(any::<u8>(), len),
                )
                    .prop_flat_map(|((threshold, shares, is_share, ceremony), index, of, data)| {
                        (1u8..=of).prop_map(move |chunk| {
                            let part = if is_share {
                                Part::Share { index }
                            } else {
                                Part::Vault { chunk, of }
                            };
                            let header = Header {
                                ceremony: CeremonyId::parse(&ceremony).expect("strategy makes valid ids"),
                                threshold,
                                shares,
                                part,
                                byte_len: data.len(),
                            };
                            (header, data.clone())
                        })
                    })
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn every_block_round_trips_in_both_forms((header, data) in header_strategy()) {
            let encoded = encode_block(&header, &data).unwrap();
            for text in [encoded.qr_payload(), encoded.to_text()] {
                let block = decode_text(&text).unwrap().remove(0).unwrap();
                prop_assert_eq!(&block.header, &header);
                prop_assert_eq!(&block.data[..], &data[..]);
            }
        }

        #[test]
        fn decoding_arbitrary_text_never_panics(text in "\\PC{0,400}") {
            let _ = decode_text(&text);
        }

        #[test]
        fn decoding_mutated_blocks_never_panics_or_misreads(
            (header, data) in header_strategy(),
            position in any::<proptest::sample::Index>(),
            replacement in "[0-9A-Z \\-/]",
        ) {
            let text = encode_block(&header, &data).unwrap().qr_payload();
            let at = position.index(text.len());
            let mutated = format!("{}{}{}", &text[..at], replacement, &text[at + 1..]);
            if let Ok(blocks) = decode_text(&mutated) {
                for block in blocks.into_iter().flatten() {
                    // A block that still decodes must be the original one (the mutation was a
                    // no-op such as replacing a character with itself).
                    prop_assert_eq!(&block.header, &header);
                    prop_assert_eq!(&block.data[..], &data[..]);
                }
            }
        }
    }
}
