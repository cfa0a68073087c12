//! The JSON documents that `--json` prints (docs/JSON.md), as typed structs so that every
//! command has the same envelope and its fields come out in one documented order (a
//! `serde_json::Value` map would sort them). The CLI only fills them in and prints them.

use serde::Serialize;

use crate::exit::Exit;

pub mod inputs;
pub mod log;
pub mod reports;

/// Which command wrote a document, with the version of its layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// `verify --json`.
    Verify,
    /// `drill --json`.
    Drill,
    /// `status --json`.
    Status,
    /// `signin-check --json`.
    SigninCheck,
    /// `assess --json`.
    Assess,
    /// `log verify --json`.
    LogVerify,
    /// `log show --json`.
    LogShow,
    /// `log repair --json`.
    LogRepair,
}

impl Schema {
    /// `breakglass.<command>/<version>`; the version goes up only when a field is removed or
    /// changes meaning.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Verify => "breakglass.verify/1",
            Self::Drill => "breakglass.drill/1",
            Self::Status => "breakglass.status/1",
            Self::SigninCheck => "breakglass.signin-check/1",
            Self::Assess => "breakglass.assess/1",
            Self::LogVerify => "breakglass.log-verify/1",
            Self::LogShow => "breakglass.log-show/1",
            Self::LogRepair => "breakglass.log-repair/1",
        }
    }
}

impl Serialize for Schema {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// A failure: its exit code and the one-line message printed on standard error. Also the shape
/// of one problem with an input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorReport {
    /// The exit code it maps to.
    pub code: Exit,
    /// The one-line message.
    pub message: String,
}

/// One `--json` document: the envelope every command shares, then the command's own fields.
#[derive(Debug, Serialize)]
pub struct Document<T> {
    /// Which command and layout version; always the first field.
    pub schema: Schema,
    /// The version of breakglass that wrote it.
    pub breakglass_version: &'static str,
    /// The process's exit code.
    pub exit_code: Exit,
    /// The failure that set the exit code; `null` on success.
    pub error: Option<ErrorReport>,
    /// The command's own fields, each always present (`null` or `[]` when it does not apply).
    #[serde(flatten)]
    pub body: T,
}

impl<T: Serialize> Document<T> {
    /// The document of a command that ended with `error` (`None`: success).
    pub fn new(schema: Schema, body: T, error: Option<ErrorReport>) -> Self {
        Self {
            schema,
            breakglass_version: env!("CARGO_PKG_VERSION"),
            exit_code: error.as_ref().map_or(Exit::Ok, |error| error.code),
            error,
            body,
        }
    }

    /// The document pretty-printed, ending with a newline. Characters that could act on a
    /// terminal (escape sequences, direction marks in a custodian's name) are written as JSON
    /// `\u` escapes, so the text is safe to show and still parses to the same strings.
    pub fn to_text(&self) -> Result<String, serde_json::Error> {
        let pretty = serde_json::to_string_pretty(self)?;
        let mut text = String::with_capacity(pretty.len() + 1);
        for c in pretty.chars() {
            if crate::platform::terminal::is_unsafe(c) && c != '\n' {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    text.push_str(&format!("\\u{unit:04x}"));
                }
            } else {
                text.push(c);
            }
        }
        text.push('\n');
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Body {
        zebra: &'static str,
        apple: Option<u8>,
    }

    #[test]
    fn the_envelope_comes_first_and_the_fields_keep_their_declared_order() {
        let failure = ErrorReport {
            code: Exit::Manifest,
            message: "cannot read manifest m.json".into(),
        };
        let text = Document::new(
            Schema::Status,
            Body {
                zebra: "z",
                apple: None,
            },
            Some(failure),
        )
        .to_text()
        .unwrap();
        let keys: Vec<&str> = text
            .lines()
            .filter(|line| line.starts_with("  \""))
            .map(|line| line.trim_start().split('"').nth(1).unwrap())
            .collect();
        assert_eq!(
            keys,
            ["schema", "breakglass_version", "exit_code", "error", "zebra", "apple"]
        );
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["schema"], "breakglass.status/1");
        assert_eq!(value["exit_code"], Exit::Manifest.code());
        assert_eq!(value["error"]["code"], value["exit_code"]);
        assert!(text.ends_with("}\n") && text.contains("\n  \"schema\""), "{text}");
    }

    #[test]
    fn terminal_controls_in_a_value_are_json_escapes_and_parse_back_unchanged() {
        #[derive(Serialize)]
        struct Name {
            name: &'static str,
        }
        let hostile = "Ana\u{1b}[2J\u{9b}\u{202e}Ruiz";
        let text = Document::new(Schema::Verify, Name { name: hostile }, None)
            .to_text()
            .unwrap();
        assert!(
            !text
                .chars()
                .any(|c| crate::platform::terminal::is_unsafe(c) && c != '\n')
        );
        assert!(text.contains(r"Ana\u001b[2J\u009b\u202eRuiz"), "{text}");
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["name"], hostile);
        assert_eq!(value["error"], serde_json::Value::Null);
        assert_eq!(value["exit_code"], 0);
    }
}
