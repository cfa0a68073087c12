//! Printing the `--json` documents the library builds (docs/JSON.md).

use std::io::Write;

use breakglass::evidence::json::{Document, ErrorReport, Schema};
use breakglass::exit::Exit;
use serde::Serialize;

use super::Failure;

impl Failure {
    /// The failure as a document's `error`.
    pub fn report(&self) -> ErrorReport {
        ErrorReport {
            code: self.code,
            message: self.message.clone(),
        }
    }
}

/// Prints `body` in `schema`'s envelope as the whole of standard output, with the outcome of
/// the command, and passes that outcome on (its message still goes to standard error).
pub fn finish<T: Serialize>(schema: Schema, body: T, outcome: Result<(), Failure>) -> Result<(), Failure> {
    let document = Document::new(schema, body, outcome.as_ref().err().map(Failure::report));
    let text = document.to_text().map_err(|error| {
        Failure::new(
            Exit::Internal,
            format!("cannot format the JSON report: {error}; please report this bug"),
        )
    })?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| {
            Failure::new(
                Exit::WriteFailed,
                format!("cannot write the JSON report to standard output: {error}; check where it is piped"),
            )
        })?;
    outcome
}
