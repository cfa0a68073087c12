//! The layout of one custodian sheet: headline, facts, QR codes, instructions, typed lines.

use printpdf::BuiltinFont;

use super::page::{MARGIN_MM, PageWriter};
use super::qr::{self, QUIET_ZONE, QrMatrix};
use super::{RenderError, SheetModel, text};

/// Preferred QR module size: large enough for phone photos and worn paper.
pub const MODULE_MM: f32 = 0.6;
/// Below this module size a code would not survive a 150 dpi scan reliably.
const MIN_MODULE_MM: f32 = 0.45;
const GAP_MM: f32 = 6.0;
const CAPTION_MM: f32 = 5.0;
const TYPED_SIZE: f32 = 8.0;
/// Line spacing of the typed copy, as a multiple of the font size.
const TYPED_LEADING: f32 = 1.18;

fn check_printable(model: &SheetModel) -> Result<(), RenderError> {
    let mut fields: Vec<(String, &str)> = vec![
        ("the title".into(), &model.title),
        ("the headline".into(), &model.headline),
        ("the instructions".into(), &model.instructions),
        ("the footer".into(), &model.footer),
    ];
    if let Some(serial) = &model.seal_serial {
        fields.push(("the seal serial".into(), serial));
    }
    for (name, value) in &model.facts {
        fields.push((format!("the {}", name.to_lowercase()), value));
    }
    for (field, value) in fields {
        let cleaned: String = value.chars().filter(|&c| c != '\n').collect();
        if let Some(character) = text::first_unprintable(&cleaned) {
            return Err(RenderError::Unprintable { field, character });
        }
    }
    Ok(())
}

/// Places the QR codes in rows; returns the module size and, per row, the codes' indices.
fn plan_rows(codes: &[QrMatrix], width_mm: f32, paper: &'static str) -> Result<(f32, Vec<Vec<usize>>), RenderError> {
    let widest = codes.iter().map(|code| code.width + 2 * QUIET_ZONE).max().unwrap_or(1) as f32;
    let module = MODULE_MM.min(width_mm / widest);
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
    let headline_width = text::width(BuiltinFont::HelveticaBold, 15.0, &model.headline) * 25.4 / 72.0;
    let baseline = writer.y + 6.0;
    writer.text_at(BuiltinFont::HelveticaBold, 15.0, MARGIN_MM, baseline, &model.title);
    writer.text_at(
        BuiltinFont::HelveticaBold,
        15.0,
        MARGIN_MM + writer.content_width() - headline_width,
        baseline,
        &model.headline,
    );
    writer.y += 9.0;
    writer.rule(1.2);
    writer.y += 3.0;
}

/// Writes the facts table at (`x`, `top`) within `width` mm, wrapping long values; returns its
/// height in mm.
fn write_facts(writer: &mut PageWriter, facts: &[(String, String)], x: f32, top: f32, width: f32) -> f32 {
    const SIZE: f32 = 9.5;
    const ROW_MM: f32 = 4.8;
    let name_width = facts
        .iter()
        .map(|(name, _)| text::width(BuiltinFont::HelveticaBold, SIZE, name) * 25.4 / 72.0)
        .fold(0.0, f32::max)
        + 4.0;
    let value_width_pt = (width - name_width).max(20.0) * 72.0 / 25.4;
    let mut y = top;
    for (name, value) in facts {
        writer.text_at(BuiltinFont::HelveticaBold, SIZE, x, y + 3.5, name);
        for line in text::wrap(BuiltinFont::Helvetica, SIZE, value, value_width_pt) {
            writer.text_at(BuiltinFont::Helvetica, SIZE, x + name_width, y + 3.5, &line);
            y += ROW_MM;
        }
    }
    y - top
}

/// Space the facts table needs beside the first row of QR codes; below that it goes above them.
const FACTS_BESIDE_MIN_MM: f32 = 62.0;

fn write_facts_and_codes(writer: &mut PageWriter, model: &SheetModel, codes: &[QrMatrix]) -> Result<(), RenderError> {
    let paper = model.paper.name();
    let (module, rows) = plan_rows(codes, writer.content_width(), paper)?;
    let size_of = |index: usize| (codes[index].width + 2 * QUIET_ZONE) as f32 * module;
    let first_row_width: f32 = rows
        .first()
        .map(|row| row.iter().map(|&i| size_of(i) + GAP_MM).sum())
        .unwrap_or(0.0);
    let beside = writer.content_width() - first_row_width;
    let mut facts_bottom = writer.y;
    if beside < FACTS_BESIDE_MIN_MM {
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
            let caption_width = text::width(BuiltinFont::HelveticaBold, 9.0, caption) * 25.4 / 72.0;
            writer.text_at(
                BuiltinFont::HelveticaBold,
                9.0,
                x + (size - caption_width) / 2.0,
                top + size + 2.0,
                caption,
            );
            x += size + GAP_MM;
        }
        if row_number == 0 && beside >= FACTS_BESIDE_MIN_MM {
            let facts_top = top + QUIET_ZONE as f32 * module;
            facts_bottom = facts_top
                + write_facts(
                    writer,
                    &model.facts,
                    x,
                    facts_top,
                    MARGIN_MM + writer.content_width() - x,
                );
        }
        writer.y = (top + height + CAPTION_MM).max(facts_bottom + 2.0);
    }
    Ok(())
}

/// The chain-of-custody box: envelope serial and two signatures with dates, filled in by hand at
/// the ceremony, so an opened or swapped envelope shows.
fn write_custody(writer: &mut PageWriter, seal_serial: Option<&str>) {
    const SIZE: f32 = 8.5;
    const ROW_MM: f32 = 5.0;
    const BLANK: &str = "_________________________";
    writer.ensure(2.0 * ROW_MM + 1.5);
    let half = writer.content_width() / 2.0;
    let serial = seal_serial.map(str::to_owned).unwrap_or_else(|| BLANK.to_owned());
    let rows = [
        [("Envelope / seal serial:", serial.as_str()), ("Date sealed:", BLANK)],
        [("Custodian signature:", BLANK), ("Witness signature:", BLANK)],
    ];
    for row in rows {
        let baseline = writer.y + 3.5;
        for (column, (label, value)) in row.into_iter().enumerate() {
            let x = MARGIN_MM + column as f32 * half;
            writer.text_at(BuiltinFont::Helvetica, SIZE, x, baseline, label);
            let font = if value == BLANK {
                BuiltinFont::Helvetica
            } else {
                BuiltinFont::HelveticaBold
            };
            writer.text_at(font, SIZE, x + 33.0, baseline, value);
        }
        writer.y += ROW_MM;
    }
    writer.y += 0.5;
}

fn write_instructions(writer: &mut PageWriter, instructions: &str) {
    for paragraph in instructions.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let (heading, body) = match paragraph.strip_prefix("# ") {
            Some(rest) => match rest.split_once('\n') {
                Some((heading, body)) => (Some(heading), body),
                None => (Some(rest), ""),
            },
            None => (None, paragraph),
        };
        if let Some(heading) = heading {
            writer.ensure(12.0);
            writer.line(BuiltinFont::HelveticaBold, 9.0, heading.trim());
        }
        if !body.trim().is_empty() {
            writer.paragraph(BuiltinFont::Helvetica, 8.5, &body.trim().replace('\n', " "));
            writer.y += 1.0;
        }
    }
}

fn write_typed(writer: &mut PageWriter, model: &SheetModel) {
    writer.y += 1.5;
    let line_mm = TYPED_SIZE * TYPED_LEADING * 25.4 / 72.0;
    // Keep the heading with the first block's lines.
    let first_block = model
        .blocks
        .first()
        .map(|block| (block.printed_lines.len() as f32 + 1.0) * line_mm)
        .filter(|height| *height < 200.0)
        .unwrap_or(0.0);
    writer.ensure(12.0 + first_block);
    writer.rule(0.6);
    writer.y += 1.5;
    writer.line(BuiltinFont::HelveticaBold, 10.5, &model.typed_heading);
    for block in &model.blocks {
        let block_height = (block.printed_lines.len() as f32 + 1.0) * line_mm;
        if block_height < 200.0 {
            writer.ensure(block_height);
        }
        for line in &block.printed_lines {
            writer.line_with_leading(BuiltinFont::Courier, TYPED_SIZE, TYPED_LEADING, line);
        }
        writer.y += line_mm * 0.6;
    }
}

/// Renders a sheet to PDF bytes.
pub fn render_sheet(model: &SheetModel) -> Result<Vec<u8>, RenderError> {
    check_printable(model)?;
    let codes = model
        .blocks
        .iter()
        .map(|block| qr::encode(&block.qr_payload).map_err(|error| RenderError::QrTooLarge(error.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let mut writer = PageWriter::new(model.paper, model.footer.clone());
    write_title(&mut writer, model);
    write_facts_and_codes(&mut writer, model, &codes)?;
    write_custody(&mut writer, model.seal_serial.as_deref());
    write_instructions(&mut writer, &model.instructions);
    write_typed(&mut writer, model);
    Ok(writer.into_pdf(&model.document_title))
}
