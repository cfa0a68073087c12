//! A cursor that lays content down a page from top to bottom and starts new pages as needed.

use printpdf::{
    Color, CurTransMat, DictItem, Greyscale, Line, LinePoint, Mm, Op, PdfDocument, PdfPage, PdfSaveOptions, PdfWarnMsg,
    Point, Pt, TextItem,
};

use super::Paper;
use super::font::{Face, Usage};
use super::qr::{QUIET_ZONE, QrMatrix, dark_runs};

/// Page margin on all sides.
pub const MARGIN_MM: f32 = 14.0;
const FOOTER_MM: f32 = 10.0;

fn mm_to_pt(mm: f32) -> f32 {
    mm * 72.0 / 25.4
}

fn black() -> Color {
    Color::Greyscale(Greyscale::new(0.0, None))
}

fn point(x_pt: f32, y_pt: f32) -> LinePoint {
    LinePoint {
        p: Point {
            x: Pt(x_pt),
            y: Pt(y_pt),
        },
        bezier: false,
    }
}

/// Builds pages. Coordinates are millimetres from the top-left corner.
pub struct PageWriter {
    paper: Paper,
    footer: String,
    /// A line printed at the top of every page after the first (so a loose page of a
    /// multi-page sheet names its custodian and share), or nothing.
    header: Option<String>,
    pages: Vec<Vec<Op>>,
    used: Usage,
    /// Where the cursor stood on each finished page when the next one was started.
    ended_at: Vec<f32>,
    /// Where content starts on the current page (below the header, if any).
    top: f32,
    /// Distance from the top of the current page, in mm.
    pub y: f32,
}

/// A place in the document to lay content out again from ([`PageWriter::rewind`]): how the
/// layout keeps a label with its value and a heading with its first lines.
#[derive(Clone, Copy, Debug)]
pub struct Mark {
    /// Pages begun when the mark was taken.
    pub pages: usize,
    ops: usize,
    /// The cursor's distance from the top of its page.
    pub y: f32,
    /// True if nothing had been laid on the page yet.
    pub at_top: bool,
}

impl PageWriter {
    pub fn new(paper: Paper, footer: String) -> Self {
        Self {
            paper,
            footer,
            header: None,
            pages: vec![Vec::new()],
            used: Usage::default(),
            ended_at: Vec::new(),
            top: MARGIN_MM,
            y: MARGIN_MM,
        }
    }

    /// The current place, to come back to with [`Self::rewind`].
    pub fn mark(&self) -> Mark {
        Mark {
            pages: self.pages.len(),
            ops: self.pages.last().map_or(0, Vec::len),
            y: self.y,
            at_top: self.y <= self.top + 0.01,
        }
    }

    /// Removes everything laid out since `mark` (pages begun after it included).
    pub fn rewind(&mut self, mark: Mark) {
        self.pages.truncate(mark.pages);
        self.ended_at.truncate(mark.pages - 1);
        self.ops().truncate(mark.ops);
        self.y = mark.y;
    }

    /// How much of what was laid out since `mark` stayed on the mark's page, and the height the
    /// same content would take on one page (an estimate when it ran over more than two).
    pub fn since(&self, mark: Mark) -> (f32, f32) {
        let Some(&ended) = self.ended_at.get(mark.pages - 1) else {
            return (self.y - mark.y, self.y - mark.y);
        };
        let first = ended - mark.y;
        let middle = (self.pages.len() - mark.pages - 1) as f32 * (self.bottom() - self.top);
        (first, first + middle + self.y - self.top)
    }

    /// Height a page holds from its top (below the header) to its footer.
    pub fn page_height(&self) -> f32 {
        self.bottom() - self.top
    }

    /// Prints `header` at the top of every page after the first.
    pub fn with_header(mut self, header: String) -> Self {
        self.header = Some(header);
        self
    }

    pub fn content_width(&self) -> f32 {
        self.paper.size_mm().0 - 2.0 * MARGIN_MM
    }

    fn bottom(&self) -> f32 {
        self.paper.size_mm().1 - MARGIN_MM - FOOTER_MM
    }

    /// Room left on this page, in mm.
    pub fn remaining(&self) -> f32 {
        self.bottom() - self.y
    }

    /// Starts a new page unless `height` mm still fit on this one.
    pub fn ensure(&mut self, height: f32) {
        if height > self.remaining() {
            self.new_page();
        }
    }

    /// Starts a new page (under the header, if any).
    pub fn new_page(&mut self) {
        self.ended_at.push(self.y);
        self.pages.push(Vec::new());
        self.y = MARGIN_MM;
        if let Some(header) = self.header.clone() {
            let baseline = self.y + 3.5;
            self.text_at(Face::SansBold, 10.0, MARGIN_MM, baseline, &header);
            self.y += 5.5;
            self.rule(0.8);
            self.y += 3.0;
        }
        self.top = self.y;
    }

    /// The number of pages so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("there is always a page")
    }

    fn to_pdf_y(&self, y_mm: f32) -> f32 {
        mm_to_pt(self.paper.size_mm().1 - y_mm)
    }

    /// Writes one line of text with its baseline at `baseline_mm` from the top.
    pub fn text_at(&mut self, face: Face, size: f32, x_mm: f32, baseline_mm: f32, content: &str) {
        let y = self.to_pdf_y(baseline_mm);
        self.used.record(face, content);
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFillColor { col: black() },
            Op::SetFont {
                font: face.handle(),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point {
                    x: Pt(mm_to_pt(x_mm)),
                    y: Pt(y),
                },
            },
            Op::ShowText {
                items: vec![TextItem::Text(content.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    /// Writes a line at the cursor and moves down by the line height (1.35 x size).
    pub fn line(&mut self, face: Face, size: f32, content: &str) {
        self.line_with_leading(face, size, 1.35, content);
    }

    /// Writes a line at the cursor and moves down by `leading` x size.
    pub fn line_with_leading(&mut self, face: Face, size: f32, leading: f32, content: &str) {
        let height = size * leading * 25.4 / 72.0;
        self.ensure(height);
        let baseline = self.y + size * 25.4 / 72.0;
        self.text_at(face, size, MARGIN_MM, baseline, content);
        self.y += height;
    }

    /// Draws a horizontal rule across the content width.
    pub fn rule(&mut self, thickness_pt: f32) {
        let y = self.to_pdf_y(self.y);
        let (left, right) = (mm_to_pt(MARGIN_MM), mm_to_pt(MARGIN_MM + self.content_width()));
        self.ops().extend([
            Op::SetOutlineColor { col: black() },
            Op::SetOutlineThickness { pt: Pt(thickness_pt) },
            Op::DrawLine {
                line: Line {
                    points: vec![point(left, y), point(right, y)],
                    is_closed: false,
                },
            },
        ]);
    }

    /// Draws the outline of a box `width` x `height` mm with its top-left corner at (`x_mm`, `top_mm`).
    pub fn frame(&mut self, x_mm: f32, top_mm: f32, width: f32, height: f32, thickness_pt: f32) {
        let (left, right) = (mm_to_pt(x_mm), mm_to_pt(x_mm + width));
        let (top, bottom) = (self.to_pdf_y(top_mm), self.to_pdf_y(top_mm + height));
        self.ops().extend([
            Op::SetOutlineColor { col: black() },
            Op::SetOutlineThickness { pt: Pt(thickness_pt) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        point(left, top),
                        point(right, top),
                        point(right, bottom),
                        point(left, bottom),
                    ],
                    is_closed: true,
                },
            },
        ]);
    }

    /// Draws a horizontal line from `x_mm` to `x_mm + width` at `y_mm` from the top.
    pub fn hline(&mut self, x_mm: f32, y_mm: f32, width: f32, thickness_pt: f32) {
        let y = self.to_pdf_y(y_mm);
        self.ops().extend([
            Op::SetOutlineColor { col: black() },
            Op::SetOutlineThickness { pt: Pt(thickness_pt) },
            Op::DrawLine {
                line: Line {
                    points: vec![point(mm_to_pt(x_mm), y), point(mm_to_pt(x_mm + width), y)],
                    is_closed: false,
                },
            },
        ]);
    }

    /// Draws a vertical line at `x_mm` from `top_mm` to `bottom_mm` (from the top).
    pub fn vline(&mut self, x_mm: f32, top_mm: f32, bottom_mm: f32, thickness_pt: f32) {
        let x = mm_to_pt(x_mm);
        let (top, bottom) = (self.to_pdf_y(top_mm), self.to_pdf_y(bottom_mm));
        self.ops().extend([
            Op::SetOutlineColor { col: black() },
            Op::SetOutlineThickness { pt: Pt(thickness_pt) },
            Op::DrawLine {
                line: Line {
                    points: vec![point(x, top), point(x, bottom)],
                    is_closed: false,
                },
            },
        ]);
    }

    /// Draws a QR code with its top-left quiet-zone corner at (`x_mm`, `top_mm`): one `re`
    /// rectangle per run of dark modules, in module units, all filled at once (one fill leaves
    /// no seams between touching runs). Integer `re` operands are a third of the bytes of the
    /// same rectangles as four-point polygons, so the page is smaller and faster to write,
    /// compress and read back.
    pub fn qr(&mut self, matrix: &QrMatrix, x_mm: f32, top_mm: f32, module_mm: f32) {
        let module_pt = mm_to_pt(module_mm);
        let origin_x = mm_to_pt(x_mm + QUIET_ZONE as f32 * module_mm);
        let top = self.to_pdf_y(top_mm + QUIET_ZONE as f32 * module_mm);
        let width = matrix.width;
        let origin_y = top - width as f32 * module_pt;
        let ops = self.ops();
        ops.extend([
            Op::SaveGraphicsState,
            Op::SetTransformationMatrix {
                matrix: CurTransMat::Raw([module_pt, 0.0, 0.0, module_pt, origin_x, origin_y]),
            },
            Op::SetFillColor { col: black() },
        ]);
        let int = |value: usize| DictItem::Int(value as i64);
        ops.extend(dark_runs(matrix).into_iter().map(|(row, column, length)| Op::Unknown {
            key: "re".into(),
            value: vec![int(column), int(width - row - 1), int(length), int(1)],
        }));
        ops.extend([
            Op::Unknown {
                key: "f".into(),
                value: Vec::new(),
            },
            Op::RestoreGraphicsState,
        ]);
    }

    /// Finishes and saves the PDF titled `title`: streams compressed, the fonts embedded with only
    /// the glyphs printed ([`super::font`]), breakglass named as creator.
    /// The text of each page so far, one line per piece of text drawn (for layout tests).
    #[cfg(test)]
    pub fn page_texts(&self) -> Vec<String> {
        self.pages
            .iter()
            .map(|ops| {
                let mut text = String::new();
                for op in ops {
                    if let Op::ShowText { items } = op {
                        for item in items {
                            if let TextItem::Text(piece) = item {
                                text.push_str(piece);
                                text.push('\n');
                            }
                        }
                    }
                }
                text
            })
            .collect()
    }

    pub fn into_pdf(mut self, title: &str) -> Vec<u8> {
        let mut document = PdfDocument::new(title);
        document.metadata.info.creator = "breakglass".into();
        document.metadata.info.producer = format!("breakglass {}", env!("CARGO_PKG_VERSION"));
        let pages = self.finish();
        self.used.embed(&mut document);
        document.pages = pages;
        // Not printpdf's `secure` mode: it drops operators it does not model, and the QR codes
        // are drawn with `re` ([`Self::qr`]); every operator here is written by this module.
        let options = PdfSaveOptions {
            optimize: false,
            subset_fonts: false,
            secure: false,
            image_optimization: None,
        };
        let mut warnings: Vec<PdfWarnMsg> = Vec::new();
        let mut pdf = document.to_lopdf_document(&options, &mut warnings);
        compress_streams(&mut pdf);
        let mut bytes = Vec::new();
        // Writing into memory cannot fail.
        let _ = pdf.save_to(&mut bytes);
        bytes
    }

    /// Finishes: adds footers ("page i of m") and returns the pages.
    fn finish(&mut self) -> Vec<PdfPage> {
        let (width, height) = self.paper.size_mm();
        let count = self.pages.len();
        let footer = self.footer.clone();
        let pages = std::mem::take(&mut self.pages);
        pages
            .into_iter()
            .enumerate()
            .map(|(index, mut ops)| {
                let text = if count > 1 {
                    format!("{footer}   -   page {} of {count}", index + 1)
                } else {
                    footer.clone()
                };
                let baseline = mm_to_pt(MARGIN_MM - 2.0);
                self.used.record(Face::Sans, &text);
                ops.extend([
                    Op::StartTextSection,
                    Op::SetFillColor { col: black() },
                    Op::SetFont {
                        font: Face::Sans.handle(),
                        size: Pt(8.0),
                    },
                    Op::SetTextCursor {
                        pos: Point {
                            x: Pt(mm_to_pt(MARGIN_MM)),
                            y: Pt(baseline),
                        },
                    },
                    Op::ShowText {
                        items: vec![TextItem::Text(text)],
                    },
                    Op::EndTextSection,
                ]);
                PdfPage::new(Mm(width), Mm(height), ops)
            })
            .collect()
    }
}

/// Deflate level of every stream. printpdf's `optimize` compresses at the best level (9), which
/// took a fifth of sealing's CPU time; level 6 writes a sheet's streams within 1 % of that size
/// (docs/PERFORMANCE.md, "Sealing").
const DEFLATE_LEVEL: u32 = 6;

/// Compresses every stream not yet compressed, keeping the raw bytes where deflate does not pay
/// (as lopdf's own `compress` does).
fn compress_streams(pdf: &mut lopdf::Document) {
    use std::io::Write as _;
    for object in pdf.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else {
            continue;
        };
        if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(DEFLATE_LEVEL));
        let Ok(compressed) = encoder.write_all(&stream.content).and_then(|()| encoder.finish()) else {
            continue;
        };
        if compressed.len() + 19 < stream.content.len() {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(compressed);
        }
    }
}
