//! An assessment as terminal text, Markdown, or a PDF document. Every form names the model, its
//! version and its author, and says which statuses come from breakglass's records and which from
//! answers.

use super::model::PracticeKind;
use super::{Assessment, PracticeResult, Source};
use crate::paper::render::Paper;
use crate::paper::render::document::{escape, render_markdown_replacing};

/// The task-list box of a practice: `[x] ` in place, `[ ] ` not, none for a trait (which
/// describes the level and is a plain bullet).
fn task(practice: &PracticeResult) -> &'static str {
    match practice.in_place {
        Some(true) => "[x] ",
        Some(false) => "[ ] ",
        None => "",
    }
}

/// Where the status comes from, in words.
pub fn source_label(practice: &PracticeResult) -> String {
    let mut label = match (practice.source, practice.answer) {
        (Source::Proved, _) => "proved by breakglass records".to_owned(),
        (Source::Answered, Some(true)) => "answered yes".to_owned(),
        (Source::Answered, _) => "answered no".to_owned(),
        (Source::Unanswered, _) => "unanswered".to_owned(),
        (Source::NotAsked, _) => "describes the level".to_owned(),
    };
    if practice.kind == PracticeKind::Optional {
        label.push_str(", optional");
    }
    label
}

fn level_line(assessment: &Assessment) -> String {
    format!(
        "Level reached: {} of {}, {}",
        assessment.level, assessment.levels_total, assessment.level_name
    )
}

fn level_progress(level: &super::LevelResult) -> String {
    if level.required == 0 {
        "the floor: nothing required".to_owned()
    } else {
        format!("{} of {} practices in place", level.required_in_place, level.required)
    }
}

/// Terminal text: the level, the summary per level, what is missing for the next level, the
/// records, conflicts and unanswered practices.
pub fn text(assessment: &Assessment) -> String {
    let info = &assessment.model;
    let mut out = format!(
        "Maturity self-assessment against the {} v{} by {}.\n{}\n\n{}\n",
        info.name,
        info.version,
        info.author,
        info.credit,
        level_line(assessment)
    );
    for level in &assessment.levels {
        out.push_str(&format!(
            "  {} {} {:<24} {}\n",
            if level.reached { "[x]" } else { "[ ]" },
            level.number,
            level.name,
            level_progress(level)
        ));
    }
    match &assessment.next {
        Some(next) => {
            out.push_str(&format!(
                "\nMissing for level {}, {} ({}; breakglass helps with {}):\n",
                next.number,
                next.name,
                crate::wording::count(next.missing.len(), "practice", "practices"),
                next.breakglass_helps.len()
            ));
            for id in &next.missing {
                let Some(practice) = assessment.practice(id) else {
                    continue;
                };
                out.push_str(&format!("  [ ] {id}: {} ({})\n", practice.text, source_label(practice)));
                if let Some(helps) = &practice.helps {
                    out.push_str(&format!("      breakglass helps: {helps}\n"));
                }
                if let Some(detail) = practice.evidence_detail.as_ref().filter(|_| !practice.proved) {
                    out.push_str(&format!("      records: {detail}\n"));
                }
            }
        }
        None => out.push_str("\nThe top level is reached.\n"),
    }
    out.push_str(&format!(
        "\nbreakglass records under {} ({}):\n",
        assessment.records.dir,
        crate::wording::count(
            assessment.records.manifests.len(),
            "sealed ceremony",
            "sealed ceremonies"
        )
    ));
    for finding in &assessment.records.findings {
        out.push_str(&format!(
            "  {} {}: {}\n",
            if finding.proved { "[x]" } else { "[ ]" },
            finding.evidence.key(),
            finding.detail
        ));
    }
    if !assessment.conflicts.is_empty() {
        out.push_str("\nAnswers that contradict the records:\n");
        for conflict in &assessment.conflicts {
            out.push_str(&format!("  {conflict}\n"));
        }
    }
    if !assessment.unanswered.is_empty() {
        out.push_str(&format!(
            "\nUnanswered, counted as not in place ({}): {}\n",
            assessment.unanswered.len(),
            assessment.unanswered.join(", ")
        ));
    }
    for warning in &assessment.records.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}

/// The model's own text (trusted: it may use inline Markdown) in a table cell or list item on one
/// line. Text from records and answers goes through [`escape`] instead.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The full report as Markdown: every practice of every level, with its source and note, and a
/// line to sign (the PDF is this text, printed).
pub fn markdown(assessment: &Assessment) -> String {
    let info = &assessment.model;
    let mut out = format!(
        "# Breakglass maturity self-assessment\n\n\
         Assessed {} with breakglass {} against the **{} v{}** by {} ({}).\n\n\
         *{}*\n\n## {}\n\n",
        assessment.assessed_at,
        env!("CARGO_PKG_VERSION"),
        info.name,
        info.version,
        info.author,
        info.source,
        info.credit,
        level_line(assessment)
    );
    out.push_str("| level | reached | progress |\n|---:|:---:|---|\n");
    for level in &assessment.levels {
        out.push_str(&format!(
            "| {} {} | {} | {} |\n",
            level.number,
            cell(&level.name),
            if level.reached { "yes" } else { "no" },
            level_progress(level)
        ));
    }
    match &assessment.next {
        Some(next) => {
            out.push_str(&format!(
                "\n## Missing for level {}, {}\n\n",
                next.number,
                cell(&next.name)
            ));
            for id in &next.missing {
                let Some(practice) = assessment.practice(id) else {
                    continue;
                };
                out.push_str(&format!(
                    "- **{}** `{id}` ({})",
                    cell(&practice.text),
                    source_label(practice)
                ));
                if let Some(helps) = &practice.helps {
                    out.push_str(&format!(" - *breakglass helps:* {}", cell(helps)));
                }
                out.push('\n');
            }
        }
        None => out.push_str("\nThe top level is reached.\n"),
    }
    out.push_str(&format!(
        "\n## Proved by breakglass records\n\nSearched {} ({}).\n\n",
        escape(&assessment.records.dir),
        crate::wording::count(
            assessment.records.manifests.len(),
            "sealed ceremony",
            "sealed ceremonies"
        )
    ));
    for finding in &assessment.records.findings {
        out.push_str(&format!(
            "- {} `{}`: {}\n",
            if finding.proved { "[x]" } else { "[ ]" },
            finding.evidence.key(),
            escape(&finding.detail)
        ));
    }
    if !assessment.conflicts.is_empty() {
        out.push_str("\n## Answers that contradict the records\n\n");
        for conflict in &assessment.conflicts {
            out.push_str(&format!("- {}\n", escape(conflict)));
        }
    }
    out.push_str("\n## Every practice\n");
    for level in &assessment.levels {
        out.push_str(&format!(
            "\n### {} {} ({}): {}\n\n",
            level.number,
            cell(&level.name),
            if level.reached { "reached" } else { "not reached" },
            cell(&level.summary)
        ));
        for practice in &level.practices {
            out.push_str(&format!(
                "- {}{} ({})",
                task(practice),
                cell(&practice.text),
                source_label(practice)
            ));
            if let Some(note) = &practice.note {
                out.push_str(&format!(" - *note:* {}", escape(note)));
            }
            out.push('\n');
        }
    }
    if !assessment.records.warnings.is_empty() {
        out.push_str("\n## Warnings\n\n");
        for warning in &assessment.records.warnings {
            out.push_str(&format!("- {}\n", escape(warning)));
        }
    }
    out.push_str(&format!(
        "\nAssessed by: {} Date: {} Signature: {}\n",
        "_".repeat(30),
        "_".repeat(14),
        "_".repeat(22)
    ));
    out
}

/// The report as a PDF: the Markdown report, printed (characters of other scripts in paths are printed as their code point, `[U+9648]`).
pub fn pdf(assessment: &Assessment, paper: Paper) -> Vec<u8> {
    let info = &assessment.model;
    render_markdown_replacing(
        &markdown(assessment),
        paper,
        "Breakglass maturity self-assessment",
        &format!(
            "breakglass assess - {} v{} by {} - {}",
            info.name, info.version, info.author, assessment.assessed_at
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::assess::answers::Answers;
    use crate::evidence::assess::evidence::Records;
    use crate::evidence::assess::model::Model;

    fn sample() -> Assessment {
        let model = Model::built_in();
        let mut answers = Answers::default();
        answers.answers.insert("reactive-account-exists".into(), true);
        answers
            .notes
            .insert("reactive-account-exists".into(), "bg01 | bg02".into());
        let records = Records {
            dir: "records_2026/*".into(),
            manifests: Vec::new(),
            findings: Vec::new(),
            warnings: vec!["a warning".into()],
        };
        super::super::assess(&model, &answers, records, 1_795_609_845)
    }

    #[test]
    fn every_form_credits_the_model_and_names_the_gaps() {
        let assessment = sample();
        let text = text(&assessment);
        let markdown = markdown(&assessment);
        for form in [&text, &markdown] {
            assert!(form.contains("KuShuSec") && form.contains("v1.1"), "{form}");
            assert!(form.contains("Level reached: 1 of 7, Unprepared"), "{form}");
            assert!(form.contains("reactive-offline-credentials"), "{form}");
            assert!(form.contains("breakglass helps"), "{form}");
        }
        assert!(text.contains("warning: a warning"));
        assert!(markdown.contains("bg01 \\| bg02"), "{markdown}");
        assert!(
            markdown.contains("- [x] A breakglass account exists (even if it is rarely tested). (answered yes) - *note:* bg01 \\| bg02"),
            "{markdown}"
        );
        assert!(markdown.contains("Assessed by: ___"), "{markdown}");
        assert!(
            markdown.contains("Searched records\\_2026/\\* (0 sealed"),
            "paths print as given: {markdown}"
        );
        let pdf = pdf(&assessment, Paper::A4);
        // Body text is 10 pt (it was 9.5) and the sign-off lines have room to sign: three pages at most.
        let pages = crate::paper::scan::pdf::rasterise(&pdf, 10.0).unwrap();
        assert!((1..=3).contains(&pages.len()), "{} pages", pages.len());
    }
}
