//! The drill report: one page an auditor can read and sign.
//!
//! Pure like the sheets: a [`ReportModel`] of strings in, PDF bytes out. The drill module
//! decides what is said; this only lays it out. Characters the built-in fonts cannot print
//! (an emoji in a note) become `?` rather than failing a drill that already happened.

use printpdf::BuiltinFont;

use super::page::{MARGIN_MM, PageWriter};
use super::{Paper, RenderError, text};

/// A titled block of the report: a table when it has column headings, else paragraphs.
#[derive(Clone, Debug, Default)]
pub struct ReportSection {
    /// Heading.
    pub heading: String,
    /// Column headings (empty: each row's first cell is a paragraph).
    pub columns: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

/// Everything printed on a drill report.
#[derive(Clone, Debug)]
pub struct ReportModel {
    /// Paper size.
    pub paper: Paper,
    /// Title line, e.g. "BREAKGLASS DRILL REPORT".
    pub title: String,
    /// Right-aligned verdict, e.g. "PASSED".
    pub headline: String,
    /// Labelled facts, as a two-column table.
    pub facts: Vec<(String, String)>,
    /// Sections below the facts.
    pub sections: Vec<ReportSection>,
    /// Who signs (e.g. "Operator", "Witness", "Auditor"): one signature line each.
    pub signatures: Vec<String>,
    /// Footer.
    pub footer: String,
    /// PDF document title (metadata).
    pub document_title: String,
}

const BODY: f32 = 9.0;
const ROW_MM: f32 = 4.6;

fn printable(value: &str) -> String {
    text::replace_unprintable(&value.replace('\n', " "))
}

fn pt_to_mm(pt: f32) -> f32 {
    pt * 25.4 / 72.0
}

fn write_facts(writer: &mut PageWriter, facts: &[(String, String)]) {
    let name_width = facts
        .iter()
        .map(|(name, _)| pt_to_mm(text::width(BuiltinFont::HelveticaBold, BODY, &printable(name))))
        .fold(0.0, f32::max)
        + 4.0;
    let value_width_pt = (writer.content_width() - name_width) * 72.0 / 25.4;
    for (name, value) in facts {
        let lines = text::wrap(BuiltinFont::Helvetica, BODY, &printable(value), value_width_pt);
        writer.ensure(ROW_MM * lines.len().max(1) as f32);
        let top = writer.y;
        writer.text_at(BuiltinFont::HelveticaBold, BODY, MARGIN_MM, top + 3.4, &printable(name));
        for (number, line) in lines.iter().enumerate() {
            writer.text_at(
                BuiltinFont::Helvetica,
                BODY,
                MARGIN_MM + name_width,
                top + 3.4 + number as f32 * ROW_MM,
                line,
            );
        }
        writer.y = top + ROW_MM * lines.len().max(1) as f32;
    }
}

fn write_table(writer: &mut PageWriter, section: &ReportSection) {
    let count = section.columns.len();
    let cells = |row: &Vec<String>| -> Vec<String> {
        (0..count)
            .map(|i| printable(row.get(i).map_or("", String::as_str)))
            .collect()
    };
    // Each column as wide as its widest cell, the last one taking what is left.
    let mut widths: Vec<f32> = section
        .columns
        .iter()
        .map(|heading| pt_to_mm(text::width(BuiltinFont::HelveticaBold, BODY, heading)))
        .collect();
    for row in &section.rows {
        for (width, cell) in widths.iter_mut().zip(cells(row)) {
            *width = width.max(pt_to_mm(text::width(BuiltinFont::Helvetica, BODY, &cell)));
        }
    }
    let gap = 4.0;
    let fixed: f32 = widths[..count - 1].iter().map(|width| width + gap).sum();
    let last = (writer.content_width() - fixed).max(20.0);
    widths[count - 1] = last;
    writer.ensure(ROW_MM * 2.0);
    let top = writer.y;
    let mut x = MARGIN_MM;
    for (heading, width) in section.columns.iter().zip(&widths) {
        writer.text_at(BuiltinFont::HelveticaBold, BODY, x, top + 3.4, &printable(heading));
        x += width + gap;
    }
    writer.y = top + ROW_MM;
    for row in &section.rows {
        let row = cells(row);
        let wrapped = text::wrap(BuiltinFont::Helvetica, BODY, &row[count - 1], last * 72.0 / 25.4);
        let height = ROW_MM * wrapped.len().max(1) as f32;
        writer.ensure(height);
        let top = writer.y;
        let mut x = MARGIN_MM;
        for (cell, width) in row[..count - 1].iter().zip(&widths) {
            writer.text_at(BuiltinFont::Helvetica, BODY, x, top + 3.4, cell);
            x += width + gap;
        }
        for (number, line) in wrapped.iter().enumerate() {
            writer.text_at(
                BuiltinFont::Helvetica,
                BODY,
                x,
                top + 3.4 + number as f32 * ROW_MM,
                line,
            );
        }
        writer.y = top + height;
    }
}

fn write_section(writer: &mut PageWriter, section: &ReportSection) {
    writer.y += 2.5;
    writer.ensure(12.0);
    writer.line(BuiltinFont::HelveticaBold, 10.5, &printable(&section.heading));
    if section.columns.is_empty() {
        for row in &section.rows {
            if let Some(paragraph) = row.first() {
                writer.paragraph(BuiltinFont::Helvetica, BODY, &printable(paragraph));
            }
        }
    } else {
        write_table(writer, section);
    }
}

fn write_signatures(writer: &mut PageWriter, roles: &[String]) {
    writer.y += 4.0;
    writer.ensure(12.0 * roles.len() as f32 + 6.0);
    writer.rule(0.6);
    writer.y += 2.0;
    for role in roles {
        writer.y += 8.0;
        let baseline = writer.y;
        let column = writer.content_width() / 3.0;
        let blank = "_".repeat(22);
        writer.text_at(BuiltinFont::HelveticaBold, BODY, MARGIN_MM, baseline, &printable(role));
        writer.text_at(
            BuiltinFont::Helvetica,
            BODY,
            MARGIN_MM + 22.0,
            baseline,
            &format!("Name {blank}"),
        );
        writer.text_at(
            BuiltinFont::Helvetica,
            BODY,
            MARGIN_MM + 22.0 + column,
            baseline,
            &format!("Signature {}", "_".repeat(18)),
        );
        writer.text_at(
            BuiltinFont::Helvetica,
            BODY,
            MARGIN_MM + 22.0 + 2.0 * column - 8.0,
            baseline,
            &format!("Date {}", "_".repeat(12)),
        );
        writer.y += 2.0;
    }
}

/// Renders a drill report to PDF bytes.
pub fn render_report(model: &ReportModel) -> Result<Vec<u8>, RenderError> {
    let mut writer = PageWriter::new(model.paper, printable(&model.footer));
    let headline = printable(&model.headline);
    let headline_width = pt_to_mm(text::width(BuiltinFont::HelveticaBold, 15.0, &headline));
    let baseline = writer.y + 6.0;
    writer.text_at(
        BuiltinFont::HelveticaBold,
        15.0,
        MARGIN_MM,
        baseline,
        &printable(&model.title),
    );
    writer.text_at(
        BuiltinFont::HelveticaBold,
        15.0,
        MARGIN_MM + writer.content_width() - headline_width,
        baseline,
        &headline,
    );
    writer.y += 9.0;
    writer.rule(1.2);
    writer.y += 3.0;
    write_facts(&mut writer, &model.facts);
    for section in model.sections.iter().filter(|section| !section.rows.is_empty()) {
        write_section(&mut writer, section);
    }
    write_signatures(&mut writer, &model.signatures);
    Ok(writer.into_pdf(&printable(&model.document_title)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_renders_one_page_even_with_unprintable_notes() {
        let model = ReportModel {
            paper: Paper::Letter,
            title: "BREAKGLASS DRILL REPORT".into(),
            headline: "PASSED".into(),
            facts: vec![
                ("Ceremony".into(), "PA3GS-M0XA4".into()),
                ("Note".into(), "done 🎉".into()),
            ],
            sections: vec![ReportSection {
                heading: "Sheets".into(),
                columns: vec!["Share".into(), "Custodian".into(), "Read".into()],
                rows: vec![vec!["1".into(), "Ana Ruiz".into(), "QR".into()]],
            }],
            signatures: vec!["Operator".into(), "Auditor".into()],
            footer: "footer".into(),
            document_title: "drill".into(),
        };
        let pdf = render_report(&model).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        let pages = crate::scan::pdf::rasterise(&pdf, 30.0).unwrap();
        assert_eq!(pages.len(), 1);
    }
}
