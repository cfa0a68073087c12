//! The answers file: which practices are in place, as `practice-id = true|false` under
//! `[answers]`, with optional notes under `[notes]`. Checked against the model so that a typo in
//! an id is an error, not a silently unanswered practice.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::model::{Model, line_of, toml_error};
use crate::paper::render::text::first_unprintable;

/// Largest answers file read.
pub const MAX_BYTES: usize = 256 * 1024;
/// Longest note kept for one practice.
pub const MAX_NOTE_CHARS: usize = 500;

/// Answers, checked against a model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answers {
    /// Practice id -> in place.
    pub answers: BTreeMap<String, bool>,
    /// Practice id -> note.
    pub notes: BTreeMap<String, String>,
    /// The model version the answers were written for, if the file says.
    pub model_version: Option<String>,
}

/// Why an answers file was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnswersError {
    /// Not TOML of the expected shape.
    #[error("{0}")]
    Malformed(String),
    /// An id the model does not have, or a practice that is not asked.
    #[error("line {line}: {message}")]
    Invalid {
        /// 1-based line of the offending key.
        line: usize,
        /// What is wrong and what to do.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswers {
    #[serde(default)]
    model_version: Option<String>,
    #[serde(default)]
    answers: BTreeMap<Spanned<String>, bool>,
    #[serde(default)]
    notes: BTreeMap<Spanned<String>, Spanned<String>>,
}

impl Answers {
    /// Parses an answers file and checks every id against `model`.
    pub fn parse(text: &str, model: &Model) -> Result<Self, AnswersError> {
        if text.len() > MAX_BYTES {
            return Err(AnswersError::Malformed("the file is larger than 256 KiB".into()));
        }
        let raw: RawAnswers =
            toml::from_str(text).map_err(|error| AnswersError::Malformed(toml_error(text, &error)))?;
        let invalid = |key: &Spanned<String>, message: String| AnswersError::Invalid {
            line: line_of(text, key.span().start),
            message,
        };
        let check_id = |key: &Spanned<String>| -> Result<(), AnswersError> {
            match model.practice(key.get_ref()) {
                None => Err(invalid(
                    key,
                    format!(
                        "unknown practice id {:?}; `breakglass assess --answers-template` lists the ids of model v{}",
                        key.get_ref(),
                        model.model.version
                    ),
                )),
                Some(practice) if !practice.asked() => Err(invalid(
                    key,
                    format!(
                        "{:?} describes a level and is never asked; remove it from the answers",
                        key.get_ref()
                    ),
                )),
                Some(_) => Ok(()),
            }
        };
        let mut answers = Self {
            model_version: raw.model_version,
            ..Self::default()
        };
        for (key, value) in raw.answers {
            check_id(&key)?;
            answers.answers.insert(key.into_inner(), value);
        }
        for (key, note) in raw.notes {
            check_id(&key)?;
            if let Some(character) = first_unprintable(note.get_ref()) {
                return Err(invalid(
                    &key,
                    format!(
                        "the note on {:?} contains {character:?}; keep notes to one line of Latin text",
                        key.get_ref()
                    ),
                ));
            }
            if note.get_ref().chars().count() > MAX_NOTE_CHARS {
                return Err(invalid(
                    &key,
                    format!(
                        "the note on {:?} is longer than {MAX_NOTE_CHARS} characters; shorten it",
                        key.get_ref()
                    ),
                ));
            }
            answers.notes.insert(key.into_inner(), note.into_inner());
        }
        Ok(answers)
    }
}

/// A TOML basic string (Rust's `{:?}` escapes differently, e.g. `\u{ad}`).
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An answers file with every asked practice listed and commented out, to copy and fill in.
pub fn template(model: &Model) -> String {
    let info = &model.model;
    let mut out = format!(
        "# Answers for `breakglass assess --answers FILE`: {} v{} by {}.\n\
         # {}\n\
         # Uncomment a line and set true (in place) or false (not in place). Unanswered practices\n\
         # are asked at a terminal, and otherwise count as not in place. Practices breakglass can\n\
         # prove from its records (marked \"evidence\") need no answer when the records are found.\n\
         model_version = {}\n\n[answers]\n",
        info.name,
        info.version,
        info.author,
        info.credit,
        toml_string(&info.version)
    );
    for level in &model.levels {
        let asked: Vec<_> = level.practices.iter().filter(|practice| practice.asked()).collect();
        if asked.is_empty() {
            continue;
        }
        out.push_str(&format!("\n# {}: {}\n", level.name, level.summary));
        for practice in asked {
            let mut comment = practice.text.clone();
            if practice.kind == super::model::PracticeKind::Optional {
                comment.push_str(" (optional)");
            }
            if let Some(evidence) = practice.evidence {
                comment.push_str(&format!(" (evidence: {})", evidence.key()));
            }
            out.push_str(&format!("# {comment}\n# {} = true\n", practice.id));
        }
    }
    out.push_str("\n[notes]\n# practice-id = \"who checked it, when, where the proof is\"\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_and_checked_against_the_model() {
        let model = Model::built_in();
        let text = "model_version = \"1.1\"\n[answers]\nreactive-account-exists = true\nbaseline-some-pim = false\n\
                    [notes]\nbaseline-some-pim = \"planned for Q3\"\n";
        let answers = Answers::parse(text, &model).unwrap();
        assert!(answers.answers["reactive-account-exists"]);
        assert!(!answers.answers["baseline-some-pim"]);
        assert_eq!(answers.notes["baseline-some-pim"], "planned for Q3");
        assert_eq!(answers.model_version.as_deref(), Some("1.1"));
        assert_eq!(Answers::parse("", &model).unwrap(), Answers::default());
    }

    #[test]
    fn bad_answers_name_the_line_and_the_fix() {
        let model = Model::built_in();
        let unknown = Answers::parse("[answers]\nreactive-account-exists = true\nno-such = true\n", &model);
        let message = unknown.unwrap_err().to_string();
        assert!(
            message.starts_with("line 3: unknown practice id \"no-such\""),
            "{message}"
        );
        assert!(message.contains("--answers-template"), "{message}");
        let trait_answered = Answers::parse("[answers]\nunprepared-hope = false\n", &model).unwrap_err();
        assert!(trait_answered.to_string().contains("never asked"), "{trait_answered}");
        let not_bool = Answers::parse("[answers]\nbaseline-some-pim = \"yes\"\n", &model).unwrap_err();
        assert!(not_bool.to_string().starts_with("line 2: "), "{not_bool}");
        let stray = Answers::parse("[answer]\nbaseline-some-pim = true\n", &model).unwrap_err();
        assert!(stray.to_string().contains("answer"), "{stray}");
        let note = Answers::parse("[notes]\nbaseline-some-pim = \"a\\nb\"\n", &model).unwrap_err();
        assert!(note.to_string().contains("one line"), "{note}");
        let dotted = Answers::parse("[answers]\nreactive.account = true\n", &model).unwrap_err();
        assert!(!dotted.to_string().contains('\n'), "{dotted}");
    }

    #[test]
    fn the_template_parses_and_lists_every_asked_practice() {
        let model = Model::built_in();
        let template = template(&model);
        assert_eq!(
            Answers::parse(&template, &model).unwrap().model_version.as_deref(),
            Some("1.1")
        );
        for (_, practice) in model.practices() {
            assert_eq!(
                template.contains(&format!("# {} = true", practice.id)),
                practice.asked(),
                "{}",
                practice.id
            );
        }
        let mut odd = model.clone();
        odd.model.version = "1.2 \"draft\" \\ \u{ad}".into();
        let odd_template = super::template(&odd);
        let parsed = Answers::parse(&odd_template, &odd).unwrap();
        assert_eq!(parsed.model_version.as_deref(), Some(odd.model.version.as_str()));
        let all_yes = template.replace("# ", "").replace("practice-id = \"who", "# x = \"who");
        let filled: String = all_yes
            .lines()
            .filter(|line| line.contains(" = true") || line.starts_with('[') || line.starts_with("model_version"))
            .map(|line| format!("{line}\n"))
            .collect();
        let answers = Answers::parse(&filled, &model).unwrap();
        assert_eq!(
            answers.answers.len(),
            model.practices().filter(|(_, practice)| practice.asked()).count()
        );
    }
}
