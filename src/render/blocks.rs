//! A plain text document as PDF: headings, paragraphs and bulleted lines, laid down the page by
//! [`PageWriter`]. For reports (such as `breakglass assess --report FILE.pdf`) rather than
//! sheets: no QR codes, nothing to scan back.

use printpdf::BuiltinFont;

use super::Paper;
use super::page::{MARGIN_MM, PageWriter};
use super::text;

/// One piece of a document, top to bottom.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// The title, large and bold.
    Title(String),
    /// A section heading.
    Heading(String),
    /// Wrapped body text.
    Paragraph(String),
    /// Wrapped smaller text (credits, fine print).
    Small(String),
    /// A line with a short mark (such as "[x]") in the margin column, wrapped under itself.
    Item {
        /// The mark.
        mark: String,
        /// The text.
        text: String,
        /// True to set the text in bold.
        bold: bool,
    },
    /// A horizontal rule.
    Rule,
    /// Vertical space, in mm.
    Space(f32),
}

/// A document to render.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// Paper size.
    pub paper: Paper,
    /// PDF metadata title.
    pub title: String,
    /// Footer on every page.
    pub footer: String,
    /// The content.
    pub blocks: Vec<Block>,
}

const BODY: f32 = 9.0;
const SMALL: f32 = 7.5;
const ITEM_INDENT_MM: f32 = 9.0;

/// Built-in fonts print WinAnsi only; anything else (a path in another script) becomes `?`
/// here, visibly, rather than inside printpdf.
fn mm_to_pt(mm: f32) -> f32 {
    mm * 72.0 / 25.4
}

fn item(writer: &mut PageWriter, mark: &str, content: &str, bold: bool) {
    let font = if bold {
        BuiltinFont::HelveticaBold
    } else {
        BuiltinFont::Helvetica
    };
    let width = mm_to_pt(writer.content_width() - ITEM_INDENT_MM);
    let line_mm = BODY * 1.3 * 25.4 / 72.0;
    let lines = text::wrap(font, BODY, content, width);
    for (index, line) in lines.iter().enumerate() {
        writer.ensure(line_mm);
        let baseline = writer.y + BODY * 25.4 / 72.0;
        if index == 0 {
            writer.text_at(BuiltinFont::Courier, BODY, MARGIN_MM, baseline, mark);
        }
        writer.text_at(font, BODY, MARGIN_MM + ITEM_INDENT_MM, baseline, line);
        writer.y += line_mm;
    }
    writer.y += 0.6;
}

/// Renders a document to PDF bytes.
pub fn render_document(document: &Document) -> Vec<u8> {
    let mut writer = PageWriter::new(document.paper, text::replace_unprintable(&document.footer));
    for block in &document.blocks {
        match block {
            Block::Title(content) => {
                writer.line(BuiltinFont::HelveticaBold, 15.0, &text::replace_unprintable(content));
                writer.y += 1.0;
            }
            Block::Heading(content) => {
                writer.ensure(16.0);
                writer.y += 2.0;
                writer.line(BuiltinFont::HelveticaBold, 11.0, &text::replace_unprintable(content));
            }
            Block::Paragraph(content) => {
                writer.paragraph(BuiltinFont::Helvetica, BODY, &text::replace_unprintable(content));
                writer.y += 1.0;
            }
            Block::Small(content) => {
                writer.paragraph(BuiltinFont::Helvetica, SMALL, &text::replace_unprintable(content))
            }
            Block::Item { mark, text, bold } => item(
                &mut writer,
                &text::replace_unprintable(mark),
                &text::replace_unprintable(text),
                *bold,
            ),
            Block::Rule => {
                writer.y += 1.0;
                writer.rule(0.5);
                writer.y += 2.0;
            }
            Block::Space(mm) => writer.y += mm,
        }
    }
    writer.into_pdf(&text::replace_unprintable(&document.title))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_document_flows_onto_more_pages() {
        let mut blocks = vec![Block::Title("Title".into()), Block::Heading("Section".into())];
        for index in 0..200 {
            blocks.push(Block::Item {
                mark: "[ ]".into(),
                text: format!("item {index} with \u{4e2d} text that is long enough to wrap onto a second line of the page when it is laid out"),
                bold: index % 2 == 0,
            });
        }
        let document = Document {
            paper: Paper::A4,
            title: "t".into(),
            footer: "footer".into(),
            blocks,
        };
        let pdf = render_document(&document);
        assert!(pdf.starts_with(b"%PDF"));
        let pages = crate::scan::pdf::rasterise(&pdf, 10.0).unwrap();
        assert!(pages.len() > 1, "{}", pages.len());
    }
}
