//! The layout of one custodian sheet: headline, facts, QR codes, instructions, typed lines.

use std::collections::HashMap;

use super::font::Face;

use super::page::{MARGIN_MM, PageWriter};
use super::qr::{self, QUIET_ZONE, QrMatrix};
use super::{RenderError, SheetBlock, SheetModel, text};
use crate::platform::parallel;

/// Preferred QR module size: large enough for 150 dpi scans and worn paper.
pub const MODULE_MM: f32 = 0.6;
/// Below this module size a code would not survive a 150 dpi scan reliably.
const MIN_MODULE_MM: f32 = 0.45;
/// Module sizes tried, largest first, to keep a sheet on one page: the largest protected share
/// (a plugin's, 16 lines) with a passphrase's vault and three contacts needs 0.5 mm; scrypt and
/// X25519 shares fit at [`MODULE_MM`] or 0.55 mm. All stay above [`MIN_MODULE_MM`].
const ONE_PAGE_MODULES_MM: [f32; 3] = [MODULE_MM, 0.55, 0.5];
/// Extra room between QR codes side by side (each already has its own quiet zone).
const GAP_MM: f32 = 1.0;
const CAPTION_MM: f32 = 5.0;
/// The typed copy: bold monospace at 10 pt, so a tired reader at 3 a.m. types it right.
const TYPED_SIZE: f32 = 10.0;
/// Line spacing of the typed copy, as a multiple of the font size.
const TYPED_LEADING: f32 = 1.08;
/// Line spacing of the sheet's text, as a multiple of the font size.
const LEADING: f32 = 1.22;
/// Body text of the sheet.
const BODY: f32 = 10.0;
/// Gap between the typed copy and the column beside it.
const COLUMN_GAP_MM: f32 = 5.0;
/// Height of a row to sign or write in by hand: its label, then at least 10 mm to write in.
const HAND_ROW_MM: f32 = 14.0;
/// Height of the chain-of-custody box: a row to sign, under a rule.
const CUSTODY_MM: f32 = HAND_ROW_MM + 2.0;
/// The narrowest column text is set in beside the codes or the typed copy.
const MIN_COLUMN_MM: f32 = 45.0;

fn check_printable(model: &SheetModel) -> Result<(), RenderError> {
    let mut fields: Vec<(String, &str)> = vec![
        ("the title".into(), &model.title),
        ("the headline".into(), &model.headline),
        ("the instructions".into(), &model.instructions),
        ("the footer".into(), &model.footer),
        ("the page header".into(), &model.page_header),
    ];
    if let Some(serial) = &model.seal_serial {
        fields.push(("the seal serial".into(), serial));
    }
    for (name, value) in &model.facts {
        fields.push((format!("the {}", name.to_lowercase()), value));
    }
    for (role, detail) in &model.contacts {
        fields.push(("a contact".into(), role));
        fields.push(("a contact".into(), detail));
    }
    for (field, value) in fields {
        text::check_printable(field, value)?;
    }
    Ok(())
}

/// Places the QR codes in rows; returns the module size and, per row, the codes' indices.
fn plan_rows(
    codes: &[QrMatrix],
    width_mm: f32,
    paper: &'static str,
    preferred_module: f32,
) -> Result<(f32, Vec<Vec<usize>>), RenderError> {
    let widest = codes.iter().map(|code| code.width + 2 * QUIET_ZONE).max().unwrap_or(1) as f32;
    let module = preferred_module.min(width_mm / widest);
    if module < MIN_MODULE_MM {
        return Err(RenderError::DoesNotFit(paper));
    }
    let mut rows: Vec<Vec<usize>> = vec![Vec::new()];
    let mut used = 0.0;
    for (index, code) in codes.iter().enumerate() {
        let size = (code.width + 2 * QUIET_ZONE) as f32 * module;
        let row = rows.last_mut().expect("rows is never empty");
        if !row.is_empty() && used + GAP_MM + size > width_mm {
            rows.push(vec![index]);
            used = size;
        } else {
            used += if row.is_empty() { size } else { GAP_MM + size };
            row.push(index);
        }
    }
    Ok((module, rows))
}

fn write_title(writer: &mut PageWriter, model: &SheetModel) {
    let headline_width = text::width(Face::SansBold, 15.0, &model.headline) * 25.4 / 72.0;
    let baseline = writer.y + 6.0;
    writer.text_at(Face::SansBold, 15.0, MARGIN_MM, baseline, &model.title);
    writer.text_at(
        Face::SansBold,
        15.0,
        MARGIN_MM + writer.content_width() - headline_width,
        baseline,
        &model.headline,
    );
    writer.y += 8.0;
    writer.rule(1.2);
    writer.y += 2.5;
}

/// Writes the facts table at (`x`, `top`) within `width` mm, wrapping long values; returns its
/// height in mm.
fn write_facts(writer: &mut PageWriter, facts: &[(String, String)], x: f32, top: f32, width: f32) -> f32 {
    const SIZE: f32 = BODY;
    const ROW_MM: f32 = 4.6;
    let name_width = facts
        .iter()
        .map(|(name, _)| text::width(Face::SansBold, SIZE, name) * 25.4 / 72.0)
        .fold(0.0, f32::max)
        + 4.0;
    let value_width_pt = (width - name_width).max(20.0) * 72.0 / 25.4;
    let mut y = top;
    for (name, value) in facts {
        writer.text_at(Face::SansBold, SIZE, x, y + 3.5, name);
        for line in text::wrap(Face::Sans, SIZE, value, value_width_pt) {
            writer.text_at(Face::Sans, SIZE, x + name_width, y + 3.5, &line);
            y += ROW_MM;
        }
    }
    y - top
}

/// Space the facts table needs beside the first row of QR codes; below that it goes above them.
const FACTS_BESIDE_MIN_MM: f32 = 48.0;
/// The narrowest column the facts' values get beside the codes.
const MIN_VALUE_COLUMN_MM: f32 = 30.0;

/// Room on the page for text, in mm: a column from `x`, `width` wide, from `top` to `bottom`.
#[derive(Clone, Copy, Debug)]
struct Region {
    x: f32,
    width: f32,
    top: f32,
    bottom: f32,
}

/// Writes the facts and the QR codes (facts beside the first row when there is room, else above
/// it); returns the room left beside the first row under the facts, if any.
fn write_facts_and_codes(
    writer: &mut PageWriter,
    model: &SheetModel,
    codes: &[QrMatrix],
    preferred_module: f32,
) -> Result<Option<Region>, RenderError> {
    let paper = model.paper.name();
    let (module, rows) = plan_rows(codes, writer.content_width(), paper, preferred_module)?;
    let size_of = |index: usize| (codes[index].width + 2 * QUIET_ZONE) as f32 * module;
    let first_row_width: f32 = rows
        .first()
        .map(|row| row.iter().map(|&i| size_of(i) + GAP_MM).sum::<f32>() - GAP_MM)
        .unwrap_or(0.0);
    let beside = writer.content_width() - first_row_width;
    // Beside the codes only if the values get a usable column; else above them, full width,
    // rather than broken into fragments (a thumbprint, a subject).
    let names = model
        .facts
        .iter()
        .map(|(name, _)| text::width(Face::SansBold, BODY, name) * 25.4 / 72.0)
        .fold(0.0, f32::max)
        + 4.0;
    let facts_beside = beside >= FACTS_BESIDE_MIN_MM && beside - names >= MIN_VALUE_COLUMN_MM;
    let mut facts_bottom = writer.y;
    let mut spare = None;
    if !facts_beside {
        let height = write_facts(writer, &model.facts, MARGIN_MM, writer.y, writer.content_width());
        writer.y += height + 3.0;
        facts_bottom = writer.y;
    }
    for (row_number, row) in rows.iter().enumerate() {
        let height = row.iter().map(|&i| size_of(i)).fold(0.0, f32::max);
        writer.ensure(height + CAPTION_MM);
        let top = writer.y;
        let mut x = MARGIN_MM;
        for &index in row {
            let size = size_of(index);
            writer.qr(&codes[index], x, top, module);
            let caption = &model.blocks[index].caption;
            let caption_width = text::width(Face::SansBold, BODY, caption) * 25.4 / 72.0;
            writer.text_at(
                Face::SansBold,
                BODY,
                x + (size - caption_width) / 2.0,
                top + size + 2.0,
                caption,
            );
            x += size + GAP_MM;
        }
        if row_number == 0 && facts_beside {
            let facts_top = top + QUIET_ZONE as f32 * module;
            facts_bottom = facts_top
                + write_facts(
                    writer,
                    &model.facts,
                    x,
                    facts_top,
                    MARGIN_MM + writer.content_width() - x,
                );
            spare = Some(Region {
                x,
                width: MARGIN_MM + writer.content_width() - x,
                top: facts_bottom + 3.0,
                bottom: top + height + CAPTION_MM,
            });
        }
        writer.y = (top + height + CAPTION_MM).max(facts_bottom + 2.0);
    }
    Ok(spare)
}

/// A paragraph of the instructions: its heading (if any) and its text.
struct Section<'a> {
    heading: Option<&'a str>,
    body: String,
}

/// The instructions' paragraphs; a heading that starts with `!` marks the warning box.
fn sections(instructions: &str) -> Vec<Section<'_>> {
    instructions
        .split("\n\n")
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| {
            let (heading, body) = match paragraph.strip_prefix("# ") {
                Some(rest) => match rest.split_once('\n') {
                    Some((heading, body)) => (Some(heading.trim()), body),
                    None => (Some(rest.trim()), ""),
                },
                None => (None, paragraph),
            };
            Section {
                heading,
                body: body.split_whitespace().collect::<Vec<_>>().join(" "),
            }
        })
        .collect()
}

/// The warning box under the title: what must never happen, framed, in bold, where the eye lands
/// first (the template's `# !` paragraphs).
fn write_warning(writer: &mut PageWriter, warnings: &[&Section]) {
    if warnings.is_empty() {
        return;
    }
    let width = writer.content_width();
    let inner_pt = (width - 6.0) * 72.0 / 25.4;
    let line_mm = BODY * LEADING * 25.4 / 72.0;
    let mut lines: Vec<(Face, String)> = Vec::new();
    for section in warnings {
        if let Some(heading) = section
            .heading
            .map(|h| h.trim_start_matches('!').trim())
            .filter(|h| !h.is_empty())
        {
            lines.extend(
                text::wrap(Face::SansBold, 11.0, heading, inner_pt)
                    .into_iter()
                    .map(|l| (Face::SansBold, l)),
            );
        }
        lines.extend(
            text::wrap(Face::SansBold, BODY, &section.body, inner_pt)
                .into_iter()
                .map(|l| (Face::Sans, l)),
        );
    }
    let height = lines.len() as f32 * line_mm + 4.0;
    writer.ensure(height + 3.0);
    let top = writer.y;
    writer.frame(MARGIN_MM, top, width, height, 2.0);
    let mut baseline = top + 2.0 + BODY * 25.4 / 72.0;
    for (face, line) in lines {
        // Headings in 11 pt, the rest in bold body text: every line of the box is bold.
        let size = if face == Face::SansBold { 11.0 } else { BODY };
        writer.text_at(Face::SansBold, size, MARGIN_MM + 3.0, baseline, &line);
        baseline += line_mm;
    }
    writer.y = top + height + 3.0;
}

/// Lines of a section wrapped to `width` mm: (face, size, text, gap after in mm).
fn section_lines(section: &Section, width: f32) -> Vec<(Face, String, f32)> {
    let width_pt = width * 72.0 / 25.4;
    let mut lines = Vec::new();
    if let Some(heading) = section.heading {
        lines.extend(
            text::wrap(Face::SansBold, BODY, heading, width_pt)
                .into_iter()
                .map(|l| (Face::SansBold, l, 0.0)),
        );
    }
    lines.extend(
        text::wrap(Face::Sans, BODY, &section.body, width_pt)
            .into_iter()
            .map(|l| (Face::Sans, l, 0.0)),
    );
    if let Some(last) = lines.last_mut() {
        last.2 = 1.8;
    }
    lines
}

fn section_height(lines: &[(Face, String, f32)]) -> f32 {
    lines.iter().map(|line| BODY * LEADING * 25.4 / 72.0 + line.2).sum()
}

fn write_lines(writer: &mut PageWriter, x: f32, top: f32, lines: &[(Face, String, f32)]) -> f32 {
    let mut y = top;
    for (face, line, gap) in lines {
        writer.text_at(*face, BODY, x, y + BODY * 25.4 / 72.0, line);
        y += BODY * LEADING * 25.4 / 72.0 + gap;
    }
    y
}

/// Lines of the contacts: each role in bold, then its name and number.
fn contact_lines(contacts: &[(String, String)], heading: &str, width: f32) -> Vec<(Face, String, f32)> {
    let width_pt = width * 72.0 / 25.4;
    let mut lines: Vec<(Face, String, f32)> = text::wrap(Face::SansBold, BODY, heading, width_pt)
        .into_iter()
        .map(|l| (Face::SansBold, l, 0.0))
        .collect();
    for (role, detail) in contacts {
        lines.extend(
            text::wrap(Face::SansBold, BODY, role, width_pt)
                .into_iter()
                .map(|l| (Face::SansBold, l, 0.0)),
        );
        lines.extend(
            text::wrap(Face::Sans, BODY, detail, width_pt)
                .into_iter()
                .map(|l| (Face::Sans, l, 0.0)),
        );
        if let Some(last) = lines.last_mut() {
            last.2 = 0.8;
        }
    }
    if let Some(last) = lines.last_mut() {
        last.2 = 1.8;
    }
    lines
}

/// The typed copy's width: its longest line in bold monospace.
fn typed_width(model: &SheetModel) -> f32 {
    model
        .blocks
        .iter()
        .flat_map(|block| &block.printed_lines)
        .map(|line| text::width(Face::MonoBold, TYPED_SIZE, line) * 25.4 / 72.0)
        .fold(0.0, f32::max)
}

/// The typed copy's height: its heading, and each block's lines with the gap after it.
fn typed_height(model: &SheetModel) -> f32 {
    let line_mm = TYPED_SIZE * TYPED_LEADING * 25.4 / 72.0;
    let lines: usize = model.blocks.iter().map(|block| block.printed_lines.len()).sum();
    BODY * 1.35 * 25.4 / 72.0 + 0.5 + lines as f32 * line_mm + model.blocks.len() as f32 * line_mm * 0.5
}

/// The typed copy down the left, starting at the cursor; continues on new pages as needed.
fn write_typed(writer: &mut PageWriter, model: &SheetModel) {
    let line_mm = TYPED_SIZE * TYPED_LEADING * 25.4 / 72.0;
    writer.ensure(12.0 + 3.0 * line_mm);
    writer.line(Face::SansBold, BODY, &model.typed_heading);
    writer.y += 0.5;
    for block in &model.blocks {
        // Keep a block's header line with at least two of its lines.
        writer.ensure(3.0 * line_mm);
        for line in &block.printed_lines {
            writer.line_with_leading(Face::MonoBold, TYPED_SIZE, TYPED_LEADING, line);
        }
        writer.y += line_mm * 0.5;
    }
}

/// The chain-of-custody box at the foot of the sheet: the envelope serial, the custodian's
/// signature, the witness's name and signature, each a cell with its label above a ruled line
/// and room to write between, so an opened or swapped envelope shows. The serial is written by
/// hand: a sheet re-sealed after a drill goes into a new envelope (recorded in the log), so a
/// printed serial would go stale; the serial known at sealing is printed small, labelled as the
/// first envelope's.
fn write_custody(writer: &mut PageWriter, seal_serial: Option<&str>) {
    writer.ensure(CUSTODY_MM);
    let first = seal_serial.map(|serial| format!("first envelope: {serial}"));
    let cells = [
        ("Envelope serial", first.as_deref()),
        ("Custodian signature", None),
        ("Witness name", None),
        ("Witness signature", None),
    ];
    let cell = writer.content_width() / cells.len() as f32;
    let top = writer.y;
    let bottom = top + HAND_ROW_MM;
    for (number, (label, note)) in cells.into_iter().enumerate() {
        let x = MARGIN_MM + number as f32 * cell;
        writer.text_at(Face::Sans, BODY, x, top + 3.5, label);
        if let Some(note) = note {
            writer.text_at(Face::Sans, 8.0, x, top + 7.0, note);
        }
        writer.hline(x, bottom, cell - 4.0, 0.6);
    }
    writer.y = bottom + 1.0;
}

/// Renders a sheet to PDF bytes.
///
/// Layout: title, the warning box, the QR codes with the facts beside them, then the typed copy
/// down the left with the contacts and instructions in the column beside it (a section that does
/// not fit there goes full width below), and the chain-of-custody box at the foot. A sheet too
/// long for one page (a certificate's vault) continues on further pages, each headed with the
/// custodian, share and ceremony.
pub fn render_sheet(model: &SheetModel) -> Result<Vec<u8>, RenderError> {
    render_with(model, &HashMap::new())
}

/// Renders every sheet of a ceremony, one per core ([`parallel::map`]), calling `done(count)`
/// as sheets are finished. A code printed on more than one sheet (the vault's, on every sheet)
/// is encoded once: choosing a QR code's mask is an eighth of sealing's CPU.
pub fn render_sheets(models: &[SheetModel], done: &(dyn Fn(usize) + Sync)) -> Vec<Result<Vec<u8>, RenderError>> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for block in models.iter().flat_map(|model| &model.blocks) {
        *seen.entry(payload(block)).or_default() += 1;
    }
    let shared: HashMap<&str, QrMatrix> = seen
        .into_iter()
        .filter(|&(_, count)| count > 1)
        .filter_map(|(text, _)| qr::encode(text).ok().map(|matrix| (text, matrix)))
        .collect();
    parallel::map(models, |model| render_with(model, &shared), done)
}

fn payload(block: &SheetBlock) -> &str {
    &block.qr_payload
}

/// [`render_sheet`], taking the codes found in `shared` from there instead of encoding them.
fn render_with(model: &SheetModel, shared: &HashMap<&str, QrMatrix>) -> Result<Vec<u8>, RenderError> {
    check_printable(model)?;
    let codes = model
        .blocks
        .iter()
        .map(|block| match shared.get(payload(block)) {
            Some(matrix) => Ok(matrix.clone()),
            None => qr::encode(payload(block)).map_err(|error| RenderError::QrTooLarge(error.to_string())),
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The preferred module size, unless only a smaller one keeps the sheet on one page.
    let mut chosen = None;
    for module in ONE_PAGE_MODULES_MM {
        let writer = layout(model, &codes, module)?;
        if writer.page_count() == 1 {
            chosen = Some(writer);
            break;
        }
    }
    let writer = match chosen {
        Some(writer) => writer,
        None => layout(model, &codes, MODULE_MM)?,
    };
    Ok(writer.into_pdf(&model.document_title))
}

/// Lays a sheet out with QR modules of at most `module` mm.
fn layout(model: &SheetModel, codes: &[QrMatrix], module: f32) -> Result<PageWriter, RenderError> {
    let mut writer = PageWriter::new(model.paper, model.footer.clone()).with_header(model.page_header.clone());
    write_title(&mut writer, model);
    let all = sections(&model.instructions);
    let (warnings, rest): (Vec<&Section>, Vec<&Section>) = all
        .iter()
        .partition(|section| section.heading.is_some_and(|heading| heading.starts_with('!')));
    write_warning(&mut writer, &warnings);
    let beside_codes = write_facts_and_codes(&mut writer, model, codes, module)?;
    writer.y += 1.0;
    writer.rule(0.6);
    writer.y += 2.0;

    // The contacts first, then the instructions' sections, each wrapped to the width it gets.
    let contacts = (!model.contacts.is_empty()).then_some(None);
    let items: Vec<Option<&Section>> = contacts.into_iter().chain(rest.iter().map(|s| Some(*s))).collect();
    let lines_of = |item: &Option<&Section>, width: f32| match item {
        Some(section) => section_lines(section, width),
        None => contact_lines(&model.contacts, &model.contacts_heading, width),
    };
    // They flow, in order, through the room left beside the QR codes, then the column beside
    // the typed copy (down to where the custody box starts), then full width below.
    let column_x = MARGIN_MM + typed_width(model) + COLUMN_GAP_MM;
    let beside_typed = Region {
        x: column_x,
        width: MARGIN_MM + writer.content_width() - column_x,
        top: writer.y,
        bottom: writer.y + writer.remaining() - CUSTODY_MM,
    };
    // A typed copy longer than the page (a certificate's) starts on a page of its own: the
    // contacts and instructions go first, full width, under the codes, as far as they fit
    // there; the rest go in the column beside the typed copy, then full width after it (never
    // on a page of their own that is mostly empty).
    if typed_height(model) > beside_typed.bottom - beside_typed.top {
        let mut rest = Vec::new();
        for item in &items {
            let lines = lines_of(item, writer.content_width());
            if rest.is_empty() && section_height(&lines) <= writer.remaining() {
                let top = writer.y;
                writer.y = write_lines(&mut writer, MARGIN_MM, top, &lines);
            } else {
                rest.push(item);
            }
        }
        writer.new_page();
        let typed_page = writer.page_count();
        let beside = Region {
            top: writer.y,
            bottom: writer.y + writer.remaining() - CUSTODY_MM,
            ..beside_typed
        };
        let mut column_end = beside.top;
        let mut below = Vec::new();
        for item in rest {
            let lines = lines_of(item, beside.width);
            let fits = beside.width >= MIN_COLUMN_MM && column_end + section_height(&lines) <= beside.bottom;
            if below.is_empty() && fits {
                column_end = write_lines(&mut writer, beside.x, column_end, &lines);
            } else {
                below.push(item);
            }
        }
        write_typed(&mut writer, model);
        if writer.page_count() == typed_page {
            writer.y = writer.y.max(column_end);
        }
        for item in below {
            let lines = lines_of(item, writer.content_width());
            writer.y += 2.0;
            writer.ensure(section_height(&lines) + CUSTODY_MM);
            let top = writer.y;
            writer.y = write_lines(&mut writer, MARGIN_MM, top, &lines);
        }
        writer.ensure(CUSTODY_MM);
        writer.y += writer.remaining() - CUSTODY_MM;
        write_custody(&mut writer, model.seal_serial.as_deref());
        return Ok(writer);
    }
    // An item too tall for the room left in a region waits for the next; a later, shorter one
    // may take that room (the sections stand on their own).
    let start_page = writer.page_count();
    let mut placed = vec![false; items.len()];
    let mut column_end = beside_typed.top;
    for region in beside_codes.into_iter().chain([beside_typed]) {
        if region.width < MIN_COLUMN_MM {
            continue;
        }
        let mut y = region.top;
        for (item, placed) in items.iter().zip(placed.iter_mut()).filter(|(_, placed)| !**placed) {
            let lines = lines_of(item, region.width);
            if y + section_height(&lines) <= region.bottom {
                y = write_lines(&mut writer, region.x, y, &lines);
                *placed = true;
            }
        }
        column_end = y;
    }
    write_typed(&mut writer, model);
    if writer.page_count() == start_page {
        writer.y = writer.y.max(column_end);
    }
    for (item, _) in items.iter().zip(&placed).filter(|(_, placed)| !**placed) {
        let lines = lines_of(item, writer.content_width());
        writer.ensure(section_height(&lines));
        let top = writer.y;
        writer.y = write_lines(&mut writer, MARGIN_MM, top, &lines);
    }
    // The custody box sits at the foot of the last page.
    writer.ensure(CUSTODY_MM);
    writer.y += writer.remaining() - CUSTODY_MM;
    write_custody(&mut writer, model.seal_serial.as_deref());
    Ok(writer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper::format::v1::{self, CeremonyId, Header, Part};
    use crate::paper::render::{Paper, SheetBlock};

    fn block(ceremony: &CeremonyId, part: Part, bytes: usize, caption: &str) -> SheetBlock {
        let header = Header {
            ceremony: ceremony.clone(),
            threshold: 3,
            shares: 5,
            part,
            byte_len: bytes,
        };
        let encoded = v1::encode_block(&header, &vec![0xA5; bytes]).expect("encodes");
        SheetBlock {
            caption: caption.into(),
            qr_payload: std::mem::take(&mut *encoded.qr_payload()),
            printed_lines: std::mem::take(&mut *encoded.printed_lines()),
        }
    }

    /// A protected share of `share_lines` lines (X25519: 14 or 15, a plugin's at most 16) beside
    /// a passphrase's vault, three contacts and a name in Polish.
    fn protected_model(paper: Paper, share_lines: usize, vault_bytes: usize) -> SheetModel {
        let ceremony = CeremonyId::for_ciphertext(b"sheet layout");
        let instructions = crate::ceremony::seal::fill_template(
            crate::ceremony::seal::DEFAULT_INSTRUCTIONS,
            &[
                ("threshold", "3".into()),
                ("shares", "5".into()),
                ("label", "contoso bg-01".into()),
                ("ceremony", ceremony.display()),
            ],
        );
        let vault_chunks = vault_bytes.div_ceil(400);
        let blocks = std::iter::once(block(
            &ceremony,
            Part::ProtectedShare { index: 2 },
            v1::BYTES_PER_LINE * share_lines,
            "PROTECTED SHARE 2 of 5",
        ))
        .chain((1..=vault_chunks).map(|chunk| {
            block(
                &ceremony,
                Part::Vault {
                    chunk: chunk as u8,
                    of: vault_chunks as u8,
                },
                vault_bytes.div_ceil(vault_chunks),
                "VAULT",
            )
        }))
        .collect();
        SheetModel {
            paper,
            title: "BREAKGLASS EMERGENCY ACCESS".into(),
            headline: "SHARE 2 OF 5".into(),
            facts: vec![
                ("Label".into(), "contoso bg-01".into()),
                ("Custodian".into(), "Łukasz Wójcik-Dvořák".into()),
                ("Ceremony".into(), ceremony.display()),
                ("Sealed".into(), "2026-11-28 (UTC)".into()),
                ("Secret".into(), "passphrase".into()),
                (
                    "Protection".into(),
                    "your age identity (age1bgtest1qyq...x0sd3k)".into(),
                ),
                ("Format".into(), "BG1".into()),
            ],
            blocks,
            instructions,
            typed_heading: "Typed copy: the same data as the QR codes".into(),
            contacts: vec![
                (
                    "Security operations (SOC)".into(),
                    "Contoso SOC, +44 20 7946 0000, 24x7, ask for the duty manager".into(),
                ),
                (
                    "Incident manager on call".into(),
                    "Ωμέγα Παπαδοπούλου, +30 21 0000 0000".into(),
                ),
                (
                    "Microsoft support contract".into(),
                    "Unified Support, contract 1234-5678, +1 202 555 0143".into(),
                ),
            ],
            contacts_heading: "Who to call".into(),
            page_header: "Łukasz Wójcik-Dvořák - share 2 of 5 - ceremony X (continued)".into(),
            footer: "breakglass sheet 2/5".into(),
            document_title: "sheet".into(),
            seal_serial: Some("TE-004512".into()),
        }
    }

    fn pages(pdf: &[u8]) -> usize {
        crate::paper::scan::pdf::rasterise(pdf, 10.0).expect("renders").len()
    }

    #[test]
    fn protected_shares_fit_one_page_on_a4_and_letter() {
        // 16 lines is the most a protected share may take (a plugin's); X25519 takes 14 or 15.
        for (paper, lines) in [(Paper::A4, 16), (Paper::Letter, 16), (Paper::Letter, 14)] {
            let pdf = render_sheet(&protected_model(paper, lines, 319)).expect("renders");
            assert_eq!(pages(&pdf), 1, "{paper:?}, {lines} lines");
        }
    }

    #[test]
    fn sections_that_miss_the_first_page_follow_the_typed_copy_not_a_page_of_their_own() {
        // A protected share and an RSA-2048 certificate's vault (806 bytes, 3 chunks) on
        // Letter with three contacts: the instructions do not fit under the codes. They used to
        // take page 2 alone (three short sections), pushing the typed copy to page 3.
        let pdf = render_sheet(&protected_model(Paper::Letter, 12, 806)).expect("renders");
        assert_eq!(pages(&pdf), 2);
    }

    #[test]
    fn a_certificate_sized_vault_continues_on_more_pages() {
        // RSA-4096 key and certificate: about 3.6 KB of vault, which cannot fit one page.
        let pdf = render_sheet(&protected_model(Paper::Letter, 16, 3600)).expect("renders");
        assert!(pages(&pdf) >= 2);
        assert!(
            String::from_utf8_lossy(&pdf).contains("/BaseFont/BGMonoBold"),
            "the typed copy's face is embedded"
        );
    }
}
