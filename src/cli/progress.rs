//! Progress indicators on standard error for the steps that can take seconds: generating an
//! RSA key, rendering and reading back many sheets, reading many scans, scrypt.
//!
//! A thin wrapper around `indicatif` so commands say what they show, not how: a spinner for a
//! step of unknown length, a bar for a known count. Indicators are drawn only when standard
//! error is a terminal and `TERM` is not `dumb`, so logs, pipes and tests never see them; they
//! use no colour (`NO_COLOR` has nothing to turn off) and are erased when the step ends, so
//! the lines printed afterwards read as if they were never there. The library never depends
//! on this: long library functions take a plain callback (`&dyn Fn(usize)`).

use std::borrow::Cow;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a spinner moves.
const TICK: Duration = Duration::from_millis(120);

/// One progress indicator; erased when dropped or finished.
pub struct Progress {
    bar: ProgressBar,
}

/// Whether indicators are drawn at all.
pub fn enabled() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {msg} ({elapsed})").unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})")
        .map(|style| style.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl Progress {
    fn new(bar: ProgressBar) -> Self {
        if !enabled() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        Self { bar }
    }

    /// A spinner for a step of unknown length, e.g. `Progress::spinner("Generating an RSA-3072 key")`.
    pub fn spinner(message: impl Into<Cow<'static, str>>) -> Self {
        let progress = Self::new(ProgressBar::new_spinner().with_style(spinner_style()));
        progress.bar.set_message(message);
        progress.bar.enable_steady_tick(TICK);
        progress
    }

    /// A bar counting `len` items, e.g. `Progress::bar(5, "Reading sheets")`.
    pub fn bar(len: u64, message: impl Into<Cow<'static, str>>) -> Self {
        let progress = Self::new(ProgressBar::new(len).with_style(bar_style()));
        progress.bar.set_message(message);
        progress
    }

    /// Sets how many items are done; turns a spinner into a bar of `len` items when `len` is
    /// given (a step that learns its length as it goes).
    pub fn set(&self, done: u64, len: Option<u64>) {
        if let Some(len) = len
            && self.bar.length() != Some(len)
        {
            self.bar.disable_steady_tick();
            self.bar.set_length(len);
            self.bar.set_style(bar_style());
        }
        self.bar.set_position(done);
    }

    /// Changes the message, e.g. when a step moves on.
    pub fn message(&self, message: impl Into<Cow<'static, str>>) {
        self.bar.set_message(message);
    }

    /// Erases the indicator.
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
    }
}
