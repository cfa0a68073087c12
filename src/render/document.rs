//! A printable document from a small Markdown subset: the runbook and the ceremony record are
//! written as Markdown templates (so organisations can reword or translate them) and printed
//! from the same text.
//!
//! Supported: `#`/`##`/`###` headings, paragraphs, `-` bullets, `- [ ]` checkboxes, `1.` numbered
//! items, fenced code blocks, and `|` tables (the `|---|` row is skipped). `**` and backticks
//! are dropped, not styled: paper needs the words, not the markup.

use printpdf::BuiltinFont;

use super::page::{MARGIN_MM, PageWriter};
use super::{Paper, RenderError, text};

const BODY: f32 = 9.5;
const CODE: f32 = 8.0;
const TABLE: f32 = 8.5;

fn pt_to_mm(pt: f32) -> f32 {
    pt * 25.4 / 72.0
}

fn plain(inline: &str) -> String {
    inline.replace("**", "").replace('`', "")
}

/// Writes wrapped text starting at `x` mm with `prefix` hanging before the first line.
fn hanging(writer: &mut PageWriter, font: BuiltinFont, size: f32, x: f32, prefix: &str, content: &str) {
    let indent = x + pt_to_mm(text::width(font, size, prefix)) + 1.0;
    let width_pt = (MARGIN_MM + writer.content_width() - indent) * 72.0 / 25.4;
    let line_mm = pt_to_mm(size * 1.35);
    for (number, wrapped) in text::wrap(font, size, content, width_pt).iter().enumerate() {
        writer.ensure(line_mm);
        let baseline = writer.y + pt_to_mm(size);
        if number == 0 && !prefix.is_empty() {
            writer.text_at(font, size, x, baseline, prefix);
        }
        writer.text_at(font, size, indent, baseline, wrapped);
        writer.y += line_mm;
    }
}

fn table(writer: &mut PageWriter, rows: &[Vec<String>]) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    if columns == 0 {
        return;
    }
    let total = writer.content_width();
    // Natural widths, then shrink the widest columns until the table fits.
    let mut widths: Vec<f32> = (0..columns)
        .map(|column| {
            rows.iter()
                .enumerate()
                .filter_map(|(number, row)| {
                    let font = if number == 0 {
                        BuiltinFont::HelveticaBold
                    } else {
                        BuiltinFont::Helvetica
                    };
                    row.get(column)
                        .map(|cell| pt_to_mm(text::width(font, TABLE, cell)) + 3.0)
                })
                .fold(8.0, f32::max)
        })
        .collect();
    // Columns left blank to be filled in by hand (signatures, dates) share the spare width.
    let blank: Vec<usize> = (0..columns)
        .filter(|&column| {
            rows.iter()
                .skip(1)
                .all(|row| row.get(column).is_none_or(String::is_empty))
        })
        .collect();
    let spare = total - widths.iter().sum::<f32>();
    if spare > 0.0 && !blank.is_empty() && rows.len() > 1 {
        for &column in &blank {
            widths[column] += spare / blank.len() as f32;
        }
    }
    while widths.iter().sum::<f32>() > total {
        let (widest, _) = widths
            .iter()
            .enumerate()
            .fold((0, 0.0), |best, (i, &w)| if w > best.1 { (i, w) } else { best });
        let excess = widths.iter().sum::<f32>() - total;
        widths[widest] = (widths[widest] - excess).max(widths[widest] * 0.8).max(12.0);
        if widths.iter().all(|&w| w <= 12.0) {
            break;
        }
    }
    let line_mm = pt_to_mm(TABLE * 1.3);
    for (number, row) in rows.iter().enumerate() {
        let font = if number == 0 {
            BuiltinFont::HelveticaBold
        } else {
            BuiltinFont::Helvetica
        };
        let cells: Vec<Vec<String>> = (0..columns)
            .map(|column| {
                let cell = row.get(column).map(String::as_str).unwrap_or("");
                let wrapped = text::wrap(font, TABLE, cell, (widths[column] - 2.0) * 72.0 / 25.4);
                if wrapped.is_empty() {
                    vec![String::new()]
                } else {
                    wrapped
                }
            })
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_mm + 1.6;
        writer.ensure(height + 1.0);
        let top = writer.y;
        let mut x = MARGIN_MM;
        for (column, lines) in cells.iter().enumerate() {
            for (line_number, line) in lines.iter().enumerate() {
                writer.text_at(
                    font,
                    TABLE,
                    x + 0.5,
                    top + 0.8 + pt_to_mm(TABLE) + line_number as f32 * line_mm,
                    line,
                );
            }
            x += widths[column];
        }
        writer.y = top + height;
        writer.rule(if number == 0 { 0.6 } else { 0.25 });
    }
    writer.y += 2.0;
}

fn cells(line: &str) -> Vec<String> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(|cell| plain(cell.trim()))
        .collect()
}

/// Renders Markdown-subset text to a PDF with `footer` on every page.
pub fn render_markdown(markdown: &str, paper: Paper, title: &str, footer: &str) -> Result<Vec<u8>, RenderError> {
    let cleaned: String = markdown.chars().filter(|&c| c != '\n').collect();
    if let Some(character) = text::first_unprintable(&cleaned) {
        return Err(RenderError::Unprintable {
            field: format!("the {title}"),
            character,
        });
    }
    let mut writer = PageWriter::new(paper, footer.to_owned());
    let lines: Vec<&str> = markdown.lines().collect();
    let mut index = 0;
    let mut paragraph: Vec<String> = Vec::new();
    let flush = |writer: &mut PageWriter, paragraph: &mut Vec<String>| {
        if !paragraph.is_empty() {
            hanging(
                writer,
                BuiltinFont::Helvetica,
                BODY,
                MARGIN_MM,
                "",
                &plain(&paragraph.join(" ")),
            );
            writer.y += 1.5;
            paragraph.clear();
        }
    };
    while index < lines.len() {
        let line = lines[index];
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            flush(&mut writer, &mut paragraph);
            index += 1;
            while index < lines.len() && !lines[index].trim().starts_with("```") {
                let code = lines[index];
                let width_pt = writer.content_width() * 72.0 / 25.4 - 8.0;
                let mut rest = code.to_owned();
                loop {
                    let fits = (1..=rest.chars().count())
                        .rev()
                        .find(|&n| {
                            text::width(BuiltinFont::Courier, CODE, &rest.chars().take(n).collect::<String>())
                                <= width_pt
                        })
                        .unwrap_or(1);
                    let head: String = rest.chars().take(fits).collect();
                    let tail: String = rest.chars().skip(fits).collect();
                    writer.ensure(pt_to_mm(CODE * 1.3));
                    let baseline = writer.y + pt_to_mm(CODE);
                    writer.text_at(BuiltinFont::Courier, CODE, MARGIN_MM + 4.0, baseline, &head);
                    writer.y += pt_to_mm(CODE * 1.3);
                    if tail.is_empty() {
                        break;
                    }
                    rest = tail;
                }
                index += 1;
            }
            writer.y += 2.0;
            index += 1;
            continue;
        }
        if let Some(level) = ["### ", "## ", "# "]
            .iter()
            .position(|marker| trimmed.starts_with(marker))
        {
            flush(&mut writer, &mut paragraph);
            let (size, gap) = [(10.0, 1.5), (11.5, 3.0), (15.0, 0.0)][level];
            let heading = plain(trimmed.trim_start_matches('#').trim());
            writer.y += gap;
            writer.ensure(pt_to_mm(size * 1.4) + 12.0);
            hanging(&mut writer, BuiltinFont::HelveticaBold, size, MARGIN_MM, "", &heading);
            if level == 2 {
                writer.rule(1.0);
                writer.y += 2.0;
            } else {
                writer.y += 0.8;
            }
        } else if trimmed.starts_with('|') {
            flush(&mut writer, &mut paragraph);
            let mut rows = Vec::new();
            while index < lines.len() && lines[index].trim().starts_with('|') {
                let row = lines[index].trim();
                if !row.trim_matches(['|', '-', ':', ' ']).is_empty() {
                    rows.push(cells(row));
                }
                index += 1;
            }
            table(&mut writer, &rows);
            continue;
        } else if let Some(item) = trimmed.strip_prefix("- [ ] ") {
            flush(&mut writer, &mut paragraph);
            hanging(
                &mut writer,
                BuiltinFont::Helvetica,
                BODY,
                MARGIN_MM + 2.0,
                "[   ]",
                &plain(item),
            );
            writer.y += 0.8;
        } else if let Some(item) = trimmed.strip_prefix("- ") {
            flush(&mut writer, &mut paragraph);
            hanging(
                &mut writer,
                BuiltinFont::Helvetica,
                BODY,
                MARGIN_MM + 2.0,
                "-",
                &plain(item),
            );
        } else if let Some((number, item)) = trimmed
            .split_once(". ")
            .filter(|(number, _)| !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()))
        {
            flush(&mut writer, &mut paragraph);
            hanging(
                &mut writer,
                BuiltinFont::Helvetica,
                BODY,
                MARGIN_MM + 2.0,
                &format!("{number}."),
                &plain(item),
            );
            writer.y += 0.5;
        } else if trimmed.is_empty() {
            flush(&mut writer, &mut paragraph);
        } else {
            paragraph.push(trimmed.to_owned());
        }
        index += 1;
    }
    flush(&mut writer, &mut paragraph);
    Ok(writer.into_pdf(title))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_construct() {
        let markdown = "# Title\n\nA paragraph\nover two lines.\n\n## Section\n\n- bullet\n- [ ] box\n1. first\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode line\n```\n";
        let pdf = render_markdown(markdown, Paper::A4, "test", "footer").expect("renders");
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn unprintable_text_is_refused() {
        assert!(matches!(
            render_markdown("# 陈", Paper::A4, "runbook", "f"),
            Err(RenderError::Unprintable { .. })
        ));
    }
}
