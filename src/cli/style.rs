//! Colour for the "error:" and "warning:" prefixes on standard error, and nothing else.
//!
//! Colour helps a prefix stand out in a long ceremony log, but must never leak escape codes
//! into files, pipes or terminals that cannot show them: it is used only when standard error
//! is a terminal, `NO_COLOR` is unset or empty (<https://no-color.org>), and `TERM` is not
//! `dumb`; on Windows, only when the console accepts ANSI sequences (`platform::console`).

use std::io::IsTerminal;

/// Whether standard error may carry colour.
pub fn colour_on_stderr() -> bool {
    colour_allowed(
        std::io::stderr().is_terminal() && breakglass::platform::console::ansi_colour_supported(),
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
    )
}

/// The rule, apart from the environment (for tests).
fn colour_allowed(terminal: bool, no_colour: Option<&std::ffi::OsStr>, term: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_colour.is_none_or(|value| value.is_empty()) && term.is_none_or(|term| term != "dumb")
}

fn paint(text: &str, code: &str) -> String {
    if colour_on_stderr() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// "error:", bold red when allowed.
pub fn error_prefix() -> String {
    paint("error:", "1;31")
}

/// "warning:", bold yellow when allowed.
pub fn warning_prefix() -> String {
    paint("warning:", "1;33")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn colour_only_on_a_terminal_without_no_color_or_dumb_term() {
        assert!(colour_allowed(true, None, Some(OsStr::new("xterm-256color"))));
        assert!(colour_allowed(true, Some(OsStr::new("")), None));
        assert!(!colour_allowed(false, None, None));
        assert!(!colour_allowed(true, Some(OsStr::new("1")), None));
        assert!(!colour_allowed(true, None, Some(OsStr::new("dumb"))));
    }
}
