//! Text measurement and wrapping in the embedded fonts ([`super::font`]).
//!
//! A character the fonts lack would print as an empty box, so names and labels are checked up
//! front ([`first_unprintable`]) and refused with the field's name.

use super::font;
pub use super::font::Face;

/// True if and only if `c` can be printed (in every face of the embedded family).
pub fn printable(c: char) -> bool {
    font::covers(c)
}

/// `text` with every character the fonts cannot print written as its code point, `[U+9648]`
/// (for reports, which show what they were given rather than refuse it: a reader sees that
/// something stood there and can look up what, where a `?` or an empty box would lose it).
pub fn replace_unprintable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if printable(c) {
            out.push(c);
        } else {
            out.push_str(&format!("[U+{:04X}]", u32::from(c)));
        }
    }
    out
}

/// The first character of `text` that cannot be printed, if any.
pub fn first_unprintable(text: &str) -> Option<char> {
    text.chars().find(|&c| !printable(c))
}

/// Refuses `value` (what `field` says, line breaks allowed) if the fonts cannot print all of it:
/// a sheet or runbook is printed before anyone relies on it, so better fixed than printed as
/// empty boxes.
pub fn check_printable(field: impl Into<String>, value: &str) -> Result<(), super::RenderError> {
    match value.chars().filter(|&c| c != '\n').find(|&c| !printable(c)) {
        Some(character) => Err(super::RenderError::Unprintable {
            field: field.into(),
            character,
        }),
        None => Ok(()),
    }
}

/// Width of `text` in points at `size` points.
pub fn width(face: Face, size: f32, text: &str) -> f32 {
    font::width(face, size, text)
}

/// `word` cut into pieces no wider than `max_width` points (at least one character each), so a
/// label or path without spaces cannot run off the page.
fn split_wide(face: Face, size: f32, word: &str, max_width: f32) -> Vec<String> {
    if width(face, size, word) <= max_width {
        return vec![word.to_owned()];
    }
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for c in word.chars() {
        piece.push(c);
        if width(face, size, &piece) > max_width && piece.chars().count() > 1 {
            piece.pop();
            pieces.push(std::mem::replace(&mut piece, c.to_string()));
        }
    }
    pieces.push(piece);
    pieces
}

/// Whether a line may break at `chars[at]`: at white space, except a single space between two
/// groups of a number (digits and `+ ( ) - . ,` only), as in "+44 20 7946 0000", so a phone
/// number is never split over two lines, where a responder would dial half of it.
pub fn breaks_at(chars: &[char], at: usize) -> bool {
    let c = chars[at];
    if !c.is_whitespace() {
        return false;
    }
    let numeric = |c: char| c.is_ascii_digit() || "+()-.,".contains(c);
    let group = |group: Vec<char>| {
        !group.is_empty() && group.iter().all(|&c| numeric(c)) && group.iter().any(char::is_ascii_digit)
    };
    let mut left: Vec<char> = chars[..at]
        .iter()
        .rev()
        .take_while(|c| !c.is_whitespace())
        .copied()
        .collect();
    left.reverse();
    let right: Vec<char> = chars[at + 1..]
        .iter()
        .take_while(|c| !c.is_whitespace())
        .copied()
        .collect();
    !(c == ' ' && group(left) && group(right))
}

/// The words of `text` as [`breaks_at`] cuts them.
pub fn words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for at in 0..chars.len() {
        if breaks_at(&chars, at) {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        } else {
            word.push(chars[at]);
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Greedy word wrap to `max_width` points; a word wider than a line is broken between characters.
pub fn wrap(face: Face, size: f32, text: &str, max_width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let words = words(text)
        .into_iter()
        .flat_map(|word| split_wide(face, size, &word, max_width));
    for word in words {
        let word = word.as_str();
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if width(face, size, &candidate) <= max_width || current.is_empty() {
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
    fn a_phone_number_is_never_split_over_two_lines() {
        for width in [100.0, 120.0, 140.0, 200.0] {
            let lines = wrap(
                Face::Sans,
                10.0,
                "Contoso SOC, +44 20 7946 0000, 24x7, ask for the duty manager",
                width,
            );
            assert!(
                lines.iter().any(|line| line.contains("+44 20 7946 0000")),
                "{width}: {lines:?}"
            );
        }
        assert_eq!(
            wrap(Face::Sans, 10.0, "call 112 now", 22.0),
            ["call", "112", "now"],
            "words still break"
        );
        assert_eq!(
            words("SHA-256 72eefc 2026-11-29 06:45 (+1) 202 555 0143, 24x7"),
            ["SHA-256", "72eefc", "2026-11-29", "06:45", "(+1) 202 555 0143,", "24x7"]
        );
    }

    #[test]
    fn printable_covers_names_in_latin_greek_and_cyrillic_and_refuses_others() {
        assert_eq!(first_unprintable("Zoë Ørsted-Šimić, Łukasz, Ωμέγα, Анна"), None);
        assert_eq!(first_unprintable("Ana Ruiz"), None);
        assert_eq!(first_unprintable("陈力"), Some('陈'));
        assert_eq!(first_unprintable("tab\there"), Some('\t'));
    }

    #[test]
    fn what_a_report_cannot_print_is_shown_as_its_code_point_not_dropped() {
        assert_eq!(replace_unprintable("陈力 🎉 Ана"), "[U+9648][U+529B] [U+1F389] Ана");
        assert_eq!(first_unprintable(&replace_unprintable("陈\u{7}")), None);
    }

    #[test]
    fn widths_are_plausible_and_wrapping_respects_them() {
        let narrow = width(Face::Sans, 10.0, "iiii");
        let wide = width(Face::Sans, 10.0, "WWWW");
        assert!(narrow < wide);
        assert!((width(Face::Mono, 10.0, "abcde") - 30.1).abs() < 0.1);
        let lines = wrap(
            Face::Sans,
            10.0,
            "one two three four five six seven eight nine ten",
            80.0,
        );
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|line| width(Face::Sans, 10.0, line) <= 80.0));
    }

    #[test]
    fn a_word_wider_than_the_line_is_broken_between_characters() {
        let label = "contoso-breakglass-emergency-access-account-01-primary-datacentre-west";
        let lines = wrap(Face::Sans, 10.0, &format!("x {label} y"), 80.0);
        assert!(lines.len() > 3, "{lines:?}");
        assert!(lines.iter().all(|line| width(Face::Sans, 10.0, line) <= 80.0));
        assert_eq!(lines.concat().replace(' ', ""), format!("x{label}y"));
        assert_eq!(wrap(Face::Sans, 10.0, "WWW", 1.0), ["W", "W", "W"]);
    }
}
