//! How long reading one input may take.
//!
//! A hostile file can make a decoder work for minutes (a page tiled with QR finder patterns, a
//! PDF whose form XObjects fan out). A sheet reads in well under a second per page, so reading
//! stops at a per-page and a per-input deadline, and the input is reported as "not a
//! breakglass sheet" rather than leaving a responder in front of a frozen terminal.

use std::time::{Duration, Instant};

/// Longest time spent on one page (rendering it and every decoding pass). A 600 dpi page
/// that needs every recovery pass takes a few seconds on a loaded machine.
pub const PAGE_SECONDS: u64 = 30;
/// Longest time spent on one input: a stack of 2 x 255 sheets fed through a document feeder
/// reads in a few minutes.
pub const INPUT_SECONDS: u64 = 900;

/// The deadlines of the input being read.
#[derive(Clone, Debug)]
pub struct Budget {
    started: Instant,
    page_started: Instant,
    page_limit: Duration,
    input_limit: Duration,
}

/// The limit that ran out, as a one-line report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exhausted {
    /// "a page" or "the file".
    pub what: &'static str,
    /// The limit, in seconds.
    pub seconds: u64,
}

impl Budget {
    /// The budget of a fresh input, with the documented limits.
    pub fn new() -> Self {
        Self::with_limits(Duration::from_secs(PAGE_SECONDS), Duration::from_secs(INPUT_SECONDS))
    }

    /// A budget with other limits (tests, benches).
    pub fn with_limits(page: Duration, input: Duration) -> Self {
        let now = Instant::now();
        Self {
            started: now,
            page_started: now,
            page_limit: page,
            input_limit: input,
        }
    }

    /// Starts the clock of the next page.
    pub fn start_page(&mut self) {
        self.page_started = Instant::now();
    }

    /// The limit that has run out, if any.
    pub fn exhausted(&self) -> Option<Exhausted> {
        let now = Instant::now();
        if now.duration_since(self.started) > self.input_limit {
            return Some(Exhausted {
                what: "the file",
                seconds: self.input_limit.as_secs(),
            });
        }
        (now.duration_since(self.page_started) > self.page_limit).then_some(Exhausted {
            what: "a page",
            seconds: self.page_limit.as_secs(),
        })
    }
}

impl Budget {
    /// Time left before the page's or the input's deadline, whichever comes first.
    pub fn remaining(&self) -> Duration {
        let now = Instant::now();
        let page = self.page_limit.saturating_sub(now.duration_since(self.page_started));
        let input = self.input_limit.saturating_sub(now.duration_since(self.started));
        page.min(input)
    }

    /// The page limit reported as run out now, for work refused before it starts (a page
    /// crowded with finder patterns), with the seconds spent on the page so far.
    pub fn gave_up_on_page(&self) -> Exhausted {
        Exhausted {
            what: "a page",
            seconds: self.page_started.elapsed().as_secs_f64().ceil() as u64,
        }
    }
}

impl Default for Budget {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_page_limit_runs_out_and_says_which() {
        let budget = Budget::with_limits(Duration::ZERO, Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(
            budget.exhausted(),
            Some(Exhausted {
                what: "a page",
                seconds: 0
            })
        );
        assert_eq!(Budget::new().exhausted(), None);
    }
}
