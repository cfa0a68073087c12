//! Text measurement and wrapping for the PDF's built-in fonts.
//!
//! Built-in fonts are not embedded (sheets stay small) and speak WinAnsi only, and printpdf
//! silently prints `?` for anything else, so names and labels are checked up front.

use std::sync::OnceLock;

use printpdf::BuiltinFont;

/// Characters (beyond printable ASCII and Latin-1) that WinAnsi can show.
const WINANSI_EXTRAS: &str = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";

/// True if and only if `c` can be printed with a built-in font.
pub fn printable(c: char) -> bool {
    (' '..='~').contains(&c) || ('\u{A0}'..='\u{FF}').contains(&c) || WINANSI_EXTRAS.contains(c)
}

/// `text` with every character the built-in fonts cannot print replaced by `?` (for reports,
/// which show what they were given rather than refuse it).
pub fn replace_unprintable(text: &str) -> String {
    text.chars().map(|c| if printable(c) { c } else { '?' }).collect()
}

/// The first character of `text` that cannot be printed, if any.
pub fn first_unprintable(text: &str) -> Option<char> {
    text.chars().find(|&c| !printable(c))
}

fn width_table(font: BuiltinFont) -> [u16; 256] {
    let mut table = [556u16; 256];
    if let Some(parsed) = font.get_parsed_font() {
        let units = f32::from(parsed.units_per_em.max(1));
        for code in 33u32..256 {
            if let Some(width) = parsed
                .lookup_glyph_index(code)
                .and_then(|glyph| parsed.get_glyph_width(glyph))
            {
                table[code as usize] = (f32::from(width) * 1000.0 / units).round() as u16;
            }
        }
    }
    table[32] = 278;
    table
}

fn widths(font: BuiltinFont) -> &'static [u16; 256] {
    static REGULAR: OnceLock<[u16; 256]> = OnceLock::new();
    static BOLD: OnceLock<[u16; 256]> = OnceLock::new();
    match font {
        BuiltinFont::HelveticaBold => BOLD.get_or_init(|| width_table(BuiltinFont::HelveticaBold)),
        _ => REGULAR.get_or_init(|| width_table(BuiltinFont::Helvetica)),
    }
}

/// Width of `text` in points at `size` points.
pub fn width(font: BuiltinFont, size: f32, text: &str) -> f32 {
    if matches!(font, BuiltinFont::Courier | BuiltinFont::CourierBold) {
        return 0.6 * size * text.chars().count() as f32;
    }
    let table = widths(font);
    let units: u32 = text
        .chars()
        .map(|c| u32::from(table[(c as u32).min(255) as usize]))
        .sum();
    units as f32 * size / 1000.0
}

/// `word` cut into pieces no wider than `max_width` points (at least one character each), so a
/// label or path without spaces cannot run off the page.
fn split_wide(font: BuiltinFont, size: f32, word: &str, max_width: f32) -> Vec<String> {
    if width(font, size, word) <= max_width {
        return vec![word.to_owned()];
    }
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for c in word.chars() {
        piece.push(c);
        if width(font, size, &piece) > max_width && piece.chars().count() > 1 {
            piece.pop();
            pieces.push(std::mem::replace(&mut piece, c.to_string()));
        }
    }
    pieces.push(piece);
    pieces
}

/// Greedy word wrap to `max_width` points; a word wider than a line is broken between characters.
pub fn wrap(font: BuiltinFont, size: f32, text: &str, max_width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let words = text
        .split_whitespace()
        .flat_map(|word| split_wide(font, size, word, max_width));
    for word in words {
        let word = word.as_str();
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if width(font, size, &candidate) <= max_width || current.is_empty() {
            current = candidate;
        } else {
            lines.push(std::mem::replace(&mut current, word.to_owned()));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_covers_latin_names_and_refuses_others() {
        assert_eq!(first_unprintable("Zoë Ørsted-Šimić"), Some('ć'));
        assert_eq!(first_unprintable("Ana Ruiz"), None);
        assert_eq!(first_unprintable("陈力"), Some('陈'));
        assert_eq!(first_unprintable("tab\there"), Some('\t'));
    }

    #[test]
    fn widths_are_plausible_and_wrapping_respects_them() {
        let narrow = width(BuiltinFont::Helvetica, 10.0, "iiii");
        let wide = width(BuiltinFont::Helvetica, 10.0, "WWWW");
        assert!(narrow < wide);
        assert!((width(BuiltinFont::Courier, 10.0, "abcde") - 30.0).abs() < 0.01);
        let lines = wrap(
            BuiltinFont::Helvetica,
            10.0,
            "one two three four five six seven eight nine ten",
            80.0,
        );
        assert!(lines.len() > 1);
        assert!(
            lines
                .iter()
                .all(|line| width(BuiltinFont::Helvetica, 10.0, line) <= 80.0)
        );
    }

    #[test]
    fn a_word_wider_than_the_line_is_broken_between_characters() {
        let label = "contoso-breakglass-emergency-access-account-01-primary-datacentre-west";
        let lines = wrap(BuiltinFont::Helvetica, 10.0, &format!("x {label} y"), 80.0);
        assert!(lines.len() > 3, "{lines:?}");
        assert!(
            lines
                .iter()
                .all(|line| width(BuiltinFont::Helvetica, 10.0, line) <= 80.0)
        );
        assert_eq!(lines.concat().replace(' ', ""), format!("x{label}y"));
        assert_eq!(wrap(BuiltinFont::Helvetica, 10.0, "WWW", 1.0), ["W", "W", "W"]);
    }
}
