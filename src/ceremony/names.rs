//! Custodian names as people read them. Two names that print the same ("Ana Ruiz" with a
//! no-break space, a Cyrillic "а", a dotless "ı") would give two custodians one identity on
//! paper, so names are normalised before they are stored and compared by what a reader sees:
//! Unicode NFC, every run of whitespace of any kind as one space, then the confusable skeleton of
//! Unicode Technical Standard #39 (`unicode-security`), without regard to case.

use unicode_normalization::UnicodeNormalization;
use unicode_security::confusable_detection::skeleton;

/// A name as stored and printed: NFC, every run of Unicode whitespace (no-break, thin,
/// ideographic spaces, tabs) as one ASCII space, no space at either end.
pub fn normalise(name: &str) -> String {
    let mut normal = String::with_capacity(name.len());
    for word in name.nfc().collect::<String>().split(char::is_whitespace) {
        if word.is_empty() {
            continue;
        }
        if !normal.is_empty() {
            normal.push(' ');
        }
        normal.push_str(word);
    }
    normal
}

pub use crate::platform::terminal::is_invisible;

/// What two names are compared by: equal keys look alike to a reader.
pub fn look_alike_key(name: &str) -> String {
    skeleton(&normalise(name).to_lowercase())
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_of_any_kind_is_one_space() {
        assert_eq!(normalise("  Ana\u{00A0}\u{2009}Ruiz\t"), "Ana Ruiz");
        assert_eq!(normalise("Chen\u{3000}Li"), "Chen Li");
        // NFC: "e" + combining acute is "é".
        assert_eq!(normalise("Rene\u{0301}"), "Ren\u{e9}");
    }

    #[test]
    fn look_alikes_share_a_key_and_distinct_names_do_not() {
        let ana = look_alike_key("Ana Ruiz");
        for same in [
            "Ana\u{00A0}Ruiz",
            "ana ruiz",
            "\u{0410}na Ruiz",
            "Ana Ru\u{0131}z",
            "Ana  Ruiz ",
        ] {
            assert_eq!(look_alike_key(same), ana, "{same:?}");
        }
        for other in ["Ana Ruis", "Ben Okafor", "Ana Ruiz Jr"] {
            assert_ne!(look_alike_key(other), ana, "{other:?}");
        }
    }

    #[test]
    fn invisible_characters_are_recognised() {
        for invisible in [
            '\u{200B}', '\u{200D}', '\u{FEFF}', '\u{202E}', '\u{2066}', '\u{00AD}', '\u{1B}',
        ] {
            assert!(is_invisible(invisible), "{invisible:?}");
        }
        assert!(!is_invisible('a') && !is_invisible('\u{e9}') && !is_invisible(' '));
    }
}
