//! Making outside text safe to print on a terminal.
//!
//! Names, labels, notes, log records and file names come from files and command lines an
//! attacker may have written. Printed raw, an escape sequence in them could clear an auditor's
//! screen, retitle the terminal, hide text or fake lines. Every line the CLI prints passes
//! through [`escape`], so no caller can forget it; the CLI's own colour codes are added after.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as itself: control characters other than tab and
/// newline (C0, DEL, C1, so ESC and CSI too) and the invisible direction and format marks
/// that reorder or hide what is shown (U+200B..U+200F, U+202A..U+202E, U+2060..U+2069, U+FEFF).
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// `text` with every unsafe character written as a visible `\u{..}` escape; borrowed when
/// there is nothing to escape.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            escaped.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_invisible_marks_become_visible() {
        assert_eq!(escape("Ana Ruiz"), "Ana Ruiz");
        assert!(matches!(escape("plain\ttext\n"), Cow::Borrowed(_)));
        assert_eq!(escape("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape("\x1b]0;owned\x07"), "\\u{1b}]0;owned\\u{7}");
        assert_eq!(escape("x\ry\u{9b}z\u{7f}"), "x\\u{d}y\\u{9b}z\\u{7f}");
        assert_eq!(escape("abc\u{202E}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("Łukasz Ωμέγα Анна"), "Łukasz Ωμέγα Анна");
    }
}
