//! Making outside text safe to print on a terminal.
//!
//! Names, labels, notes, log records and file names come from files and command lines an
//! attacker may have written. Printed raw, an escape sequence in them could clear an auditor's
//! screen, retitle the terminal, hide text or fake lines. Every line the CLI prints passes
//! through [`escape`], so no caller can forget it; the CLI's own colour codes are added after.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as itself: control characters other than tab and
/// newline (C0, DEL, C1, so ESC and CSI too) and the invisible direction and format marks
/// that reorder or hide what is shown ([`is_invisible`]).
pub fn is_unsafe(c: char) -> bool {
    c != '\n' && c != '\t' && is_invisible(c)
}

/// True for characters that print as nothing or reorder what follows (zero-width spaces and
/// joiners, the byte-order mark, soft hyphens, bidirectional controls): refused in names and typed
/// secrets, and escaped before a terminal or a document shows them, since a reader cannot see them.
pub fn is_invisible(character: char) -> bool {
    matches!(
        character,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E0FFF}'
    ) || character.is_control()
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

/// Longest message line printed whole: an error that quotes a 100 000-character name or path
/// would otherwise fill the screen and push the fix at its end out of sight.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// `line` when it has at most `max_chars` characters; else its beginning and its end (where the
/// fix is) with the middle replaced by a note of how much was left out.
pub fn shorten(line: &str, max_chars: usize) -> Cow<'_, str> {
    let count = line.chars().count();
    if count <= max_chars {
        return Cow::Borrowed(line);
    }
    let keep = max_chars / 2;
    let head: String = line.chars().take(keep).collect();
    let tail: String = line.chars().skip(count - keep).collect();
    Cow::Owned(format!("{head}[… {} characters left out …]{tail}", count - 2 * keep))
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

    #[test]
    fn an_endless_line_keeps_its_beginning_and_its_end() {
        assert_eq!(shorten("short enough", 12), "short enough");
        let line = format!(
            "error: custodian name \"{}\" must be 1 to 64 printable characters",
            "a".repeat(100_000)
        );
        let shortened = shorten(&line, MAX_MESSAGE_CHARS);
        assert!(
            shortened.chars().count() < MAX_MESSAGE_CHARS + 40,
            "{}",
            shortened.len()
        );
        assert!(shortened.starts_with("error: custodian name \"aaa"), "{shortened}");
        assert!(
            shortened.ends_with("\" must be 1 to 64 printable characters"),
            "{shortened}"
        );
        assert!(shortened.contains("[… 99"), "{shortened}");
        assert_eq!(shorten("ÅÅÅÅÅÅ", 4), "ÅÅ[… 2 characters left out …]ÅÅ");
    }
}
