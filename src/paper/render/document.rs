//! A printable document from a small Markdown subset: the runbook, the ceremony record and the
//! assess and drill reports are written as Markdown (templates, so organisations can reword or
//! translate them, or text the commands also offer as `.md`) and printed from the same text.
//!
//! Supported: `#`/`##`/`###` headings, paragraphs, `-` bullets, `- [ ]`/`- [x]` checkboxes, `1.`
//! numbered items, fenced code blocks, `|` tables (the `|---|` row is skipped; `\|` is a `|` in a
//! cell), and signature lines (a line of `Label ____` fields that ends with a blank). `**`, `*`
//! and backticks are dropped, not styled: paper needs the words, not the markup. A backslash
//! before punctuation prints that character, as in CommonMark.

use super::font::Face;

use super::page::{MARGIN_MM, Mark, PageWriter};
use super::{Paper, RenderError, text};

const BODY: f32 = 10.0;
const CODE: f32 = 9.0;
const TABLE: f32 = 10.0;
/// Room above a signature line to sign in, in mm.
const SIGN_ROOM_MM: f32 = 10.0;
/// Height of a table row left blank to be filled in by hand (a signature, a date).
const FORM_ROW_MM: f32 = 11.0;
/// Narrowest column of a table row to be filled in by hand where some cells are blank (a name).
const FORM_COLUMN_MM: f32 = 42.0;

fn pt_to_mm(pt: f32) -> f32 {
    pt * 25.4 / 72.0
}

/// The characters of inline Markdown, each marked true inside a code span: backticks and
/// emphasis stars dropped (a star with spaces on both sides is kept, as in "2 * 3"), backslash
/// escapes resolved; code spans kept as written.
fn styled(inline: &str) -> Vec<(char, bool)> {
    let chars: Vec<char> = inline.chars().collect();
    let mut out = Vec::with_capacity(chars.len());
    let mut code = false;
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        let next = chars.get(index + 1).copied();
        if c == '`' {
            code = !code;
        } else if code {
            out.push((c, true));
        } else if c == '\\' && next.is_some_and(|next| next.is_ascii_punctuation()) {
            out.extend(next.map(|next| (next, false)));
            index += 1;
        } else if c == '*' {
            let before = index.checked_sub(1).map(|i| chars[i]);
            let mut end = index;
            while chars.get(end) == Some(&'*') {
                end += 1;
            }
            let spaced = |c: Option<char>| c.is_none_or(char::is_whitespace);
            if spaced(before) && spaced(chars.get(end).copied()) {
                out.extend(chars[index..end].iter().map(|&c| (c, false)));
            }
            index = end;
            continue;
        } else {
            out.push((c, false));
        }
        index += 1;
    }
    out
}

/// The words of inline Markdown as plain text (see [`styled`]).
fn plain(inline: &str) -> String {
    styled(inline).into_iter().map(|(c, _)| c).collect()
}

/// A run of text in one face.
type Segment = (Face, String);

/// The words of inline Markdown, each as segments: code spans in `Face::Mono`, the rest in `base`.
fn words(inline: &str, base: Face) -> Vec<Vec<Segment>> {
    let mut words: Vec<Vec<Segment>> = Vec::new();
    let mut word: Vec<Segment> = Vec::new();
    let styled = styled(inline);
    let chars: Vec<char> = styled.iter().map(|(c, _)| *c).collect();
    for (at, &(c, code)) in styled.iter().enumerate() {
        if text::breaks_at(&chars, at) {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        let face = if code { Face::Mono } else { base };
        match word.last_mut() {
            Some((last, text)) if *last == face => text.push(c),
            _ => word.push((face, c.to_string())),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

fn segments_width(segments: &[Segment], size: f32) -> f32 {
    segments.iter().map(|(face, text)| text::width(*face, size, text)).sum()
}

/// `word` cut into pieces no wider than `max_pt` (at least one character each).
fn split_word(word: Vec<Segment>, size: f32, max_pt: f32) -> Vec<Vec<Segment>> {
    if segments_width(&word, size) <= max_pt {
        return vec![word];
    }
    let mut pieces: Vec<Vec<Segment>> = vec![Vec::new()];
    for (face, text) in word {
        for c in text.chars() {
            let piece = pieces.last_mut().expect("there is always a piece");
            let mut candidate = piece.clone();
            match candidate.last_mut() {
                Some((last, text)) if *last == face => text.push(c),
                _ => candidate.push((face, c.to_string())),
            }
            if segments_width(&candidate, size) > max_pt && !piece.is_empty() {
                pieces.push(vec![(face, c.to_string())]);
            } else {
                *piece = candidate;
            }
        }
    }
    pieces
}

/// Inline Markdown wrapped to `max_pt` points: lines of words, each word its segments.
fn wrap_styled(inline: &str, base: Face, size: f32, max_pt: f32) -> Vec<Vec<Vec<Segment>>> {
    let space = text::width(base, size, " ");
    let mut lines: Vec<Vec<Vec<Segment>>> = Vec::new();
    let mut line: Vec<Vec<Segment>> = Vec::new();
    let mut used = 0.0;
    for word in words(inline, base)
        .into_iter()
        .flat_map(|word| split_word(word, size, max_pt))
    {
        let width = segments_width(&word, size);
        if !line.is_empty() && used + space + width > max_pt {
            lines.push(std::mem::take(&mut line));
            used = 0.0;
        }
        used += if line.is_empty() { width } else { space + width };
        line.push(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Writes inline Markdown wrapped from `x` mm with `prefix` hanging before the first line, code
/// spans in monospace; returns the first line's baseline (for marks drawn into the prefix).
fn hanging(writer: &mut PageWriter, font: Face, size: f32, x: f32, prefix: &str, inline: &str) -> Option<f32> {
    let indent = x + pt_to_mm(text::width(font, size, prefix)) + 1.0;
    let width_pt = (MARGIN_MM + writer.content_width() - indent) * 72.0 / 25.4;
    let line_mm = pt_to_mm(size * 1.35);
    let space = pt_to_mm(text::width(font, size, " "));
    let mut first = None;
    for (number, line) in wrap_styled(inline, font, size, width_pt).iter().enumerate() {
        writer.ensure(line_mm);
        let baseline = writer.y + pt_to_mm(size);
        if number == 0 && !prefix.is_empty() {
            writer.text_at(font, size, x, baseline, prefix);
        }
        first.get_or_insert(baseline);
        let mut at = indent;
        for word in line {
            for (face, text) in word {
                writer.text_at(*face, size, at, baseline, text);
                at += pt_to_mm(text::width(*face, size, text));
            }
            at += space;
        }
        writer.y += line_mm;
    }
    first
}

/// The blank of a signature line: a word of at least three underscores.
fn is_blank(word: &str) -> bool {
    word.len() >= 3 && word.bytes().all(|b| b == b'_')
}

/// A signature line's fields (label, blank), if `line` is one: `Label ____` fields, the last
/// word a blank. Runs of underscores inside sentences ("call ____, then") are not.
fn signature_fields(line: &str) -> Option<Vec<String>> {
    let words: Vec<&str> = line.split_whitespace().collect();
    if !words.last().is_some_and(|word| is_blank(word)) {
        return None;
    }
    let mut fields = Vec::new();
    let mut label: Vec<&str> = Vec::new();
    for word in words {
        if is_blank(word) {
            fields.push(plain(&label.join(" ")));
            label.clear();
        } else {
            label.push(word);
        }
    }
    Some(fields)
}

fn label_mm(label: &str) -> f32 {
    pt_to_mm(text::width(Face::Sans, BODY, label))
}

fn underscore_mm() -> f32 {
    label_mm("_")
}

/// True if each field's label and a blank of ten underscores fit its column (else the line is
/// printed as a paragraph, as written).
fn signature_fits(writer: &PageWriter, fields: &[String]) -> bool {
    let column = writer.content_width() / fields.len() as f32;
    fields
        .iter()
        .all(|label| label_mm(label) + 1.0 + 10.0 * underscore_mm() <= column - 3.0)
}

/// A line to fill in by hand: room above it to write, each field in an equal column (so the
/// fields of consecutive lines align) with its blank drawn out to the column's end.
fn signature_line(writer: &mut PageWriter, fields: &[String]) {
    let column = writer.content_width() / fields.len() as f32;
    let line_mm = pt_to_mm(BODY * 1.35);
    writer.ensure(SIGN_ROOM_MM + line_mm);
    writer.y += SIGN_ROOM_MM;
    let baseline = writer.y + pt_to_mm(BODY);
    for (number, label) in fields.iter().enumerate() {
        let x = MARGIN_MM + number as f32 * column;
        let room = column - 3.0 - label_mm(label) - 1.0;
        let blank = "_".repeat((room / underscore_mm()) as usize);
        let field = if label.is_empty() {
            blank
        } else {
            format!("{label} {blank}")
        };
        writer.text_at(Face::Sans, BODY, x, baseline, &field);
    }
    writer.y += line_mm + 1.0;
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
                    let font = if number == 0 { Face::SansBold } else { Face::Sans };
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
    // A table with columns to fill in by hand is a form: a column with any blank cell (a name
    // not known when printed) is wide enough to write in, and its rows are tall enough to sign.
    let form = !blank.is_empty() && rows.len() > 1;
    if form {
        for (column, width) in widths.iter_mut().enumerate() {
            if rows
                .iter()
                .skip(1)
                .any(|row| row.get(column).is_none_or(String::is_empty))
            {
                *width = width.max(FORM_COLUMN_MM);
            }
        }
    }
    let spare = total - widths.iter().sum::<f32>();
    if spare > 0.0 && form {
        for &column in &blank {
            widths[column] += spare / blank.len() as f32;
        }
    }
    // A column is not shrunk below its widest phone number (digit groups kept on one line, see
    // `text::breaks_at`) while other columns can give way; only when none can is it cut. Other
    // long words (hashes, paths) may still be cut, as before.
    let floors: Vec<f32> = (0..columns)
        .map(|column| {
            rows.iter()
                .enumerate()
                .filter_map(|(number, row)| {
                    let font = if number == 0 { Face::SansBold } else { Face::Sans };
                    let cell = row.get(column)?;
                    text::words(cell)
                        .iter()
                        .filter(|word| word.contains(' '))
                        .map(|word| pt_to_mm(text::width(font, TABLE, word)) + 3.0)
                        .reduce(f32::max)
                })
                .fold(12.0, f32::max)
        })
        .collect();
    while widths.iter().sum::<f32>() > total {
        let shrinkable = |column: usize| widths[column] > floors[column] + 0.01;
        let widest = (0..columns)
            .filter(|&column| shrinkable(column))
            .max_by(|&a, &b| widths[a].total_cmp(&widths[b]))
            .or_else(|| {
                (0..columns)
                    .filter(|&column| widths[column] > 12.0)
                    .max_by(|&a, &b| widths[a].total_cmp(&widths[b]))
            });
        let Some(widest) = widest else { break };
        let floor = if shrinkable(widest) { floors[widest] } else { 12.0 };
        let excess = widths.iter().sum::<f32>() - total;
        widths[widest] = (widths[widest] - excess).max(widths[widest] * 0.8).max(floor);
    }
    let line_mm = pt_to_mm(TABLE * 1.3);
    let layout_row = |number: usize, row: &Vec<String>| {
        let font = if number == 0 { Face::SansBold } else { Face::Sans };
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
        let mut height = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_mm + 1.6;
        if form && number > 0 {
            height = height.max(FORM_ROW_MM);
        }
        (font, cells, height)
    };
    let draw_row = |writer: &mut PageWriter, number: usize, (font, cells, height): (Face, Vec<Vec<String>>, f32)| {
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
        if form {
            let mut x = MARGIN_MM;
            for width in &widths[..columns - 1] {
                x += width;
                writer.vline(x - 1.0, top, top + height, 0.4);
            }
        }
        writer.y = top + height;
        writer.rule(if number == 0 || form { 0.6 } else { 0.25 });
    };
    for (number, row) in rows.iter().enumerate() {
        let laid_out = layout_row(number, row);
        if laid_out.2 + 1.0 > writer.remaining() {
            writer.new_page();
            // A row carried over to a new page keeps its column names above it.
            if number > 0 {
                draw_row(writer, 0, layout_row(0, &rows[0]));
            }
        }
        draw_row(writer, number, laid_out);
    }
    writer.y += 2.0;
}

/// A table row's cells: split at each `|` that is not escaped as `\|`.
fn cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let line = match line.strip_suffix('|') {
        Some(rest) if !rest.ends_with('\\') => rest,
        _ => line,
    };
    let mut cells = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let cell = cells.last_mut().expect("there is always a cell");
                cell.push(c);
                cell.extend(chars.next());
            }
            '|' => cells.push(String::new()),
            _ => cells.last_mut().expect("there is always a cell").push(c),
        }
    }
    cells.iter().map(|cell| plain(cell.trim())).collect()
}

/// Text from outside the template (names, paths, notes, messages) as inline Markdown on one
/// line: every character this renderer (or a Markdown viewer) would take for markup is escaped,
/// so the text prints exactly as given; a control character or invisible mark (an escape
/// sequence that would act when the `.md` file is shown in a terminal, a direction override)
/// prints as a visible `\u{..}`, as on the terminal.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            c if crate::platform::terminal::is_unsafe(c) => out.push_str(&format!("\\\\u{{{:x}}}", u32::from(c))),
            '\\' | '`' | '*' | '_' | '|' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The sign printed at the end of a code line that goes on in the next printed line: the two
/// are typed as one line with nothing between them (documents that print commands say so).
pub const CONTINUED: &str = "→";

/// A code line as printed on paper `content_mm` wide: one piece, or several when it does not
/// fit (each but the last printed with [`CONTINUED`] beside it).
pub fn code_lines(content_mm: f32, code: &str) -> Vec<String> {
    // Room at the right for a gap and the continuation sign.
    let sign_mm = pt_to_mm(text::width(Face::Mono, CODE, CONTINUED));
    code_pieces(code, (content_mm - 4.0 - 2.0 * sign_mm) * 72.0 / 25.4)
}

/// The width text may fill on `paper`, in mm.
pub fn content_mm(paper: Paper) -> f32 {
    paper.size_mm().0 - 2.0 * MARGIN_MM
}

/// A code line cut into pieces that each fit `width_pt`, never next to a space, so that the
/// pieces joined with nothing between them are the line (a space at a cut would be invisible).
fn code_pieces(code: &str, width_pt: f32) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest: Vec<char> = code.chars().collect();
    loop {
        let fits = (1..=rest.len())
            .rev()
            .find(|&n| text::width(Face::Mono, CODE, &rest[..n].iter().collect::<String>()) <= width_pt)
            .unwrap_or(1);
        if fits >= rest.len() {
            pieces.push(rest.iter().collect());
            return pieces;
        }
        let cut = (1..=fits)
            .rev()
            .find(|&n| rest[n - 1] != ' ' && rest[n] != ' ')
            .unwrap_or(fits);
        pieces.push(rest[..cut].iter().collect());
        rest.drain(..cut);
    }
}

/// Renders Markdown-subset text to a PDF with `footer` on every page, refusing text the built-in
/// fonts cannot print (a runbook is printed before anyone relies on it: better fixed than `?`).
pub fn render_markdown(markdown: &str, paper: Paper, title: &str, footer: &str) -> Result<Vec<u8>, RenderError> {
    text::check_printable(format!("the {title}"), markdown)?;
    Ok(layout(markdown, paper, title, footer))
}

/// [`render_markdown`] for reports of what already happened (a drill, an assessment): characters
/// the built-in fonts cannot print are printed as their code point (`[U+9648]`) rather than fail the report.
pub fn render_markdown_replacing(markdown: &str, paper: Paper, title: &str, footer: &str) -> Vec<u8> {
    let printable: Vec<String> = markdown.lines().map(text::replace_unprintable).collect();
    layout(
        &printable.join("\n"),
        paper,
        &text::replace_unprintable(title),
        &text::replace_unprintable(footer),
    )
}

/// A group laid out at most this tall is moved whole to the next page rather than split (a
/// label with its value, a heading with a short table); taller ones split where they must.
const KEEP_WHOLE_OF_PAGE: f32 = 0.5;
/// What must stay on a page under a heading or a label before the rest runs over: two lines.
const KEEP_LINES_MM: f32 = 10.0;

/// One block of the Markdown subset, as its first line says.
enum Block<'a> {
    Code,
    Heading(usize, &'a str),
    Table,
    Item(Option<bool>, &'a str),
    Bullet(&'a str),
    Numbered(&'a str, &'a str),
    Signature(Vec<String>),
    Paragraph,
}

fn block<'a>(writer: &PageWriter, trimmed: &'a str) -> Block<'a> {
    if trimmed.starts_with("```") {
        return Block::Code;
    }
    if let Some(level) = ["### ", "## ", "# "]
        .iter()
        .position(|marker| trimmed.starts_with(marker))
    {
        return Block::Heading(level, trimmed.trim_start_matches('#').trim());
    }
    if trimmed.starts_with('|') {
        return Block::Table;
    }
    if let Some(item) = trimmed.strip_prefix("- [ ] ") {
        return Block::Item(Some(false), item);
    }
    if let Some(item) = ["- [x] ", "- [X] "]
        .iter()
        .find_map(|marker| trimmed.strip_prefix(marker))
    {
        return Block::Item(Some(true), item);
    }
    if let Some(item) = trimmed.strip_prefix("- ") {
        return Block::Bullet(item);
    }
    if let Some((number, item)) = trimmed
        .split_once(". ")
        .filter(|(number, _)| !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()))
    {
        return Block::Numbered(number, item);
    }
    if let Some(fields) = signature_fields(trimmed).filter(|fields| signature_fits(writer, fields)) {
        return Block::Signature(fields);
    }
    Block::Paragraph
}

/// Where a group of blocks that belong together began: a heading, or a label ending in `:`, with
/// the block that follows it (see [`KEEP_WHOLE_OF_PAGE`]).
struct Group {
    index: usize,
    mark: Mark,
    in_list: bool,
    /// Height of the heading or label that leads the group, while on its first page.
    leading_mm: f32,
}

/// Lays out Markdown-subset text whose every character is printable.
fn layout(markdown: &str, paper: Paper, title: &str, footer: &str) -> Vec<u8> {
    lay_out(markdown, paper, footer).into_pdf(title)
}

/// The pages of Markdown-subset text, before they are written as a PDF.
fn lay_out(markdown: &str, paper: Paper, footer: &str) -> PageWriter {
    let mut writer = PageWriter::new(paper, footer.to_owned());
    let lines: Vec<&str> = markdown.lines().collect();
    let mut index = 0;
    // A list ends with the same space after it as a paragraph, so the text after it reads apart.
    let mut in_list = false;
    let mut group: Option<Group> = None;
    while index < lines.len() {
        let line = lines[index];
        let trimmed = line.trim();
        if trimmed.is_empty() {
            // Only before a paragraph: headings, tables and code keep their own space.
            let next = lines[index + 1..]
                .iter()
                .map(|line| line.trim())
                .find(|line| !line.is_empty());
            let paragraph_next = next.is_some_and(|next| matches!(block(&writer, next), Block::Paragraph));
            if std::mem::take(&mut in_list) && paragraph_next {
                writer.y += 1.5;
            }
            index += 1;
            continue;
        }
        let kind = block(&writer, trimmed);
        // An appendix starts on its own page, so it can be copied or handed over whole.
        if let Block::Heading(1, heading) = kind
            && heading.starts_with("Appendix")
            && !writer.mark().at_top
        {
            writer.new_page();
        }
        let open = group.get_or_insert(Group {
            index,
            mark: writer.mark(),
            in_list,
            leading_mm: 0.0,
        });
        let open_mark = open.mark;
        let mut leads = false;
        match kind {
            Block::Code => {
                // A fence indented into a list item: its lines lose the same indentation.
                let fence_indent = line.len() - line.trim_start().len();
                index += 1;
                while index < lines.len() && !lines[index].trim().starts_with("```") {
                    let code = lines[index];
                    let strip = code.len() - code.trim_start().len();
                    code_line(&mut writer, &code[strip.min(fence_indent)..]);
                    index += 1;
                }
                writer.y += 2.0;
                index += 1;
            }
            Block::Heading(level, heading) => {
                let (size, gap) = [(10.0, 1.5), (11.5, 3.0), (15.0, 0.0)][level];
                if !writer.mark().at_top {
                    writer.y += gap;
                }
                hanging(&mut writer, Face::SansBold, size, MARGIN_MM, "", heading);
                if level == 2 {
                    writer.rule(1.0);
                    writer.y += 2.0;
                } else {
                    writer.y += 0.8;
                }
                leads = true;
                index += 1;
            }
            Block::Table => {
                let mut rows = Vec::new();
                while index < lines.len() && lines[index].trim().starts_with('|') {
                    let row = lines[index].trim();
                    // The `|---|` row is skipped; a row of empty cells is a blank row of a form.
                    let separator = row.contains('-') && row.trim_matches(['|', '-', ':', ' ']).is_empty();
                    if !separator {
                        rows.push(cells(row));
                    }
                    index += 1;
                }
                table(&mut writer, &rows);
            }
            Block::Item(checked, item) => {
                let box_x = MARGIN_MM + 2.0;
                let baseline = hanging(&mut writer, Face::Sans, BODY, box_x, "[   ]", item);
                if let Some(baseline) = baseline.filter(|_| checked == Some(true)) {
                    // The x centred in the same box as an empty one, so checked and unchecked items align.
                    let inside = text::width(Face::Sans, BODY, "[   ]") - text::width(Face::Sans, BODY, "x");
                    writer.text_at(Face::Sans, BODY, box_x + pt_to_mm(inside / 2.0), baseline, "x");
                }
                writer.y += 0.8;
                in_list = true;
                leads = is_label(item);
                index += 1;
            }
            Block::Bullet(item) => {
                hanging(&mut writer, Face::Sans, BODY, MARGIN_MM + 2.0, "-", item);
                in_list = true;
                leads = is_label(item);
                index += 1;
            }
            Block::Numbered(number, item) => {
                hanging(
                    &mut writer,
                    Face::Sans,
                    BODY,
                    MARGIN_MM + 2.0,
                    &format!("{number}."),
                    item,
                );
                writer.y += 0.5;
                in_list = true;
                leads = is_label(item);
                index += 1;
            }
            Block::Signature(fields) => {
                signature_line(&mut writer, &fields);
                index += 1;
            }
            Block::Paragraph => {
                let mut paragraph = vec![trimmed];
                index += 1;
                while let Some(next) = lines.get(index).map(|line| line.trim()) {
                    if next.is_empty() || !matches!(block(&writer, next), Block::Paragraph) {
                        break;
                    }
                    paragraph.push(next);
                    index += 1;
                }
                let text = paragraph.join(" ");
                hanging(&mut writer, Face::Sans, BODY, MARGIN_MM, "", &text);
                writer.y += 1.5;
                // A paragraph that introduces a table (or ends in a colon) stays with it.
                let next = lines[index..]
                    .iter()
                    .map(|line| line.trim())
                    .find(|line| !line.is_empty());
                leads = is_label(&text) || next.is_some_and(|next| next.starts_with('|'));
            }
        }
        if leads {
            if let Some(open) = group.as_mut()
                && open.mark.pages == writer.page_count()
            {
                open.leading_mm = writer.y - open.mark.y;
            }
            continue;
        }
        let Some(closed) = group.take() else { continue };
        let (first_page, whole) = writer.since(open_mark);
        let split = writer.page_count() > open_mark.pages;
        let too_little_stayed = first_page < closed.leading_mm + KEEP_LINES_MM;
        if split && !open_mark.at_top && (whole <= KEEP_WHOLE_OF_PAGE * writer.page_height() || too_little_stayed) {
            // Laid out again from the top of the next page.
            writer.rewind(open_mark);
            writer.new_page();
            index = closed.index;
            in_list = closed.in_list;
        }
    }
    writer
}

/// True for text that announces what follows it ("Age identity:", "and run:").
fn is_label(text: &str) -> bool {
    text.trim_end().ends_with(':')
}

/// One line of a code block, cut to fit as [`code_lines`] says; its pieces stay on one page.
fn code_line(writer: &mut PageWriter, code: &str) {
    let pieces = code_lines(writer.content_width(), code);
    let sign_mm = pt_to_mm(text::width(Face::Mono, CODE, CONTINUED));
    let line_mm = pt_to_mm(CODE * 1.3);
    writer.ensure(line_mm * pieces.len() as f32);
    for (number, piece) in pieces.iter().enumerate() {
        let baseline = writer.y + pt_to_mm(CODE);
        writer.text_at(Face::Mono, CODE, MARGIN_MM + 4.0, baseline, piece);
        if number + 1 < pieces.len() {
            // In the margin right of the code, apart from what is typed.
            let x = MARGIN_MM + writer.content_width() - sign_mm;
            writer.text_at(Face::Mono, CODE, x, baseline, CONTINUED);
        }
        writer.y += line_mm;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `markdown` after `filler` one-line paragraphs, so that a page break falls at every
    /// place in it in turn: each page's text.
    fn pages_after(filler: usize, markdown: &str) -> Vec<String> {
        let lines: String = (0..filler).map(|n| format!("Filler line {n}.\n\n")).collect();
        lay_out(&format!("{lines}{markdown}"), Paper::A4, "f").page_texts()
    }

    /// The page numbers on which `text` is drawn.
    fn pages_with(pages: &[String], text: &str) -> Vec<usize> {
        (0..pages.len()).filter(|&page| pages[page].contains(text)).collect()
    }

    #[test]
    fn a_label_stays_with_its_value_and_a_heading_with_what_follows_it() {
        let key = "AGE-SECRET-KEY-1YJFSY4V8TSSCLEU8DAS7XLRM8HT5NWSKGP68L7TD54ENNJANU8KQM86VN6";
        let markdown = format!(
            "- Vault key = `24930255875c218fe7876f61e37c7b3dd749ba1640747ff96da57339cbb3e1ec`.\n- Age identity: `{key}`\n\nWrite the identity into key.txt and run:\n\n```\nage -d -i key.txt vault.age > payload.txt\n```\n\n## 9. Record of this use\n\nFilled in by hand:\n\n| What | Entry |\n|---|---|\n| One | |\n| Two | |\n| Three | |\n\n## Next\n\nThe first line under the heading.\n"
        );
        for filler in 30..75 {
            let pages = pages_after(filler, &markdown);
            for (label, value) in [
                ("identity:", key),
                ("run:", "age -d -i key.txt"),
                ("Record", "hand:"),
                ("hand:", "Three"),
                ("Next", "heading."),
            ] {
                let (at, with) = (pages_with(&pages, label), pages_with(&pages, value));
                assert_eq!(
                    at, with,
                    "filler {filler}: {label:?} on pages {at:?}, {value:?} on {with:?}"
                );
            }
        }
    }

    #[test]
    fn a_group_taller_than_half_a_page_still_splits_with_its_heading_on_the_first_part() {
        let rows: String = (0..80).map(|n| format!("| Custodian {n} | |\n")).collect();
        let markdown = format!("## Custodians\n\n| Name | Signature |\n|---|---|\n{rows}");
        for filler in [5, 20, 40] {
            let pages = pages_after(filler, &markdown);
            let heading = pages_with(&pages, "Custodians\n");
            assert_eq!(heading, pages_with(&pages, "Custodian 0\n"), "filler {filler}");
            if filler < 30 {
                assert_eq!(
                    heading,
                    [0],
                    "filler {filler}: too tall to move whole, it starts at once"
                );
            }
        }
    }

    #[test]
    fn a_row_of_empty_cells_is_a_blank_row_to_fill_in() {
        let form = "| Time | What | By |\n|---|---|---|\n| | | |\n| | | |\n";
        let blank = lay_out("| Time | What | By |\n|---|---|---|\n", Paper::A4, "f");
        assert!(
            lay_out(form, Paper::A4, "f").y > blank.y + 20.0,
            "two rows of 11 mm are drawn"
        );
    }

    #[test]
    fn an_appendix_starts_on_a_new_page() {
        let pages = |markdown: &str| {
            let pdf = render_markdown(markdown, Paper::A4, "t", "f").unwrap();
            lopdf::Document::load_mem(&pdf).unwrap().get_pages().len()
        };
        assert_eq!(pages("# T\n\n## 1. One\n\nText.\n\n## 2. Two\n\nText.\n"), 1);
        assert_eq!(pages("# T\n\n## 1. One\n\nText.\n\n## Appendix A. Two\n\nText.\n"), 2);
    }

    #[test]
    fn renders_every_construct() {
        let markdown = "# Title\n\nA paragraph\nover two lines.\n\n## Section\n\n- bullet\n- [ ] box\n- [x] done\n1. first\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode line\n```\n\nSigned ______ Date ______\n";
        let pdf = render_markdown(markdown, Paper::A4, "test", "footer").expect("renders");
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn unprintable_text_is_refused_or_replaced() {
        assert!(matches!(
            render_markdown("# 陈", Paper::A4, "runbook", "f"),
            Err(RenderError::Unprintable { .. })
        ));
        let pdf = render_markdown_replacing("# 陈\n\n| a |\n|---|\n| 🎉 |\n", Paper::A4, "report 陈", "f 陈");
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn escaped_outside_text_shows_control_and_invisible_characters_as_visible_escapes() {
        let hostile = "a\x1b[2Jb\x1b]0;title\x07c\u{202E}d\u{200B}e";
        let escaped = escape(hostile);
        assert!(
            !escaped.chars().any(crate::platform::terminal::is_unsafe),
            "{escaped:?}"
        );
        assert_eq!(
            plain(&escaped),
            "a\\u{1b}[2Jb\\u{1b}]0;title\\u{7}c\\u{202e}d\\u{200b}e"
        );
    }

    #[test]
    fn inline_markup_is_dropped_and_escapes_print_their_character() {
        assert_eq!(plain("Any **3 of the 5** sheets"), "Any 3 of the 5 sheets");
        assert_eq!(plain("*credit*, 2 * 3"), "credit, 2 * 3");
        assert_eq!(plain("run `a *b* \\| c` now"), "run a *b* \\| c now");
        assert_eq!(
            plain("\\# not a heading, \\*star\\*, C:\\dir"),
            "# not a heading, *star*, C:\\dir"
        );
        assert_eq!(cells("| [x] | bg01 \\| bg02 | |"), ["[x]", "bg01 | bg02", ""]);
        assert_eq!(cells("|a|b\\|"), ["a", "b|"]);
    }

    #[test]
    fn a_code_line_too_long_for_the_page_is_cut_between_two_characters_that_are_not_spaces() {
        let width = content_mm(Paper::A4);
        assert_eq!(
            code_lines(width, "Update-MgUser -UserId $account"),
            ["Update-MgUser -UserId $account"]
        );
        let long = format!("$account = '{}@contoso.onmicrosoft.com'", "a-b ".repeat(30));
        let pieces = code_lines(width, &long);
        assert!(pieces.len() >= 2, "{pieces:?}");
        assert_eq!(pieces.concat(), long, "joined with nothing between them");
        for pair in pieces.windows(2) {
            assert!(!pair[0].ends_with(' ') && !pair[1].starts_with(' '), "{pair:?}");
        }
        let pdf = render_markdown(&format!("```\n{long}\n```\n"), Paper::A4, "t", "f").expect("renders");
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn only_lines_of_label_and_blank_fields_are_signature_lines() {
        assert_eq!(
            signature_fields("Operator: name ______ Signature ______ Date ___"),
            Some(vec!["Operator: name".to_owned(), "Signature".into(), "Date".into()])
        );
        assert_eq!(signature_fields("______"), Some(vec![String::new()]));
        // The runbook's "fill in the numbers" sentence stays a paragraph.
        assert_eq!(signature_fields("(SOC) ______, incident manager on call ______."), None);
        assert_eq!(signature_fields("a __ b __"), None);
    }
}
