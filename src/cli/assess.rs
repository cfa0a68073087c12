//! `breakglass assess`: score the maturity model from an answers file, questions at a terminal
//! and breakglass's own records; print text or JSON, optionally write a Markdown or PDF report.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use breakglass::evidence::assess::answers::{self, Answers};
use breakglass::evidence::assess::evidence::{self, EvidenceError};
use breakglass::evidence::assess::model::{Model, Practice, PracticeKind};
use breakglass::evidence::assess::{self, Assessment, report};
use breakglass::evidence::json::Schema;
use breakglass::evidence::json::reports::AssessBody;
use breakglass::exit::Exit;
use breakglass::paper::render::Paper;
use breakglass::platform::{clock, output};

use super::{Failure, PaperArg};

#[derive(Debug, clap::Args)]
pub struct AssessArgs {
    /// Answers (TOML): `practice-id = true|false` under [answers], optional notes under [notes].
    /// Without it, or for practices it leaves out, questions are asked at a terminal.
    #[arg(long, value_name = "FILE")]
    answers: Option<PathBuf>,
    /// Folder searched (3 levels deep) for the manifest.json files seal wrote and their logs.
    #[arg(long, value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// Policy file checked against the manifests' policy hash and git (default DIR/breakglass.toml).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Score against this model file instead of the built-in one (a new version of the model).
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Print one JSON document (schema breakglass.assess/1, docs/JSON.md) instead of text.
    #[arg(long)]
    json: bool,
    /// Also write the full report to this new file: FILE.md (Markdown) or FILE.pdf.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Paper size of a PDF report.
    #[arg(long, value_enum, default_value = "a4")]
    paper: PaperArg,
    /// Never ask: unanswered practices count as not in place.
    #[arg(long)]
    no_input: bool,
    /// Print an answers file listing every practice of the model, commented out, and stop.
    #[arg(long, conflicts_with_all = ["answers", "json", "report"])]
    answers_template: bool,
}

fn read_text(path: &Path, code: Exit, what: &str, max: usize) -> Result<String, Failure> {
    let bytes = breakglass::platform::input::read(path, max as u64).map_err(|error| {
        Failure::new(
            code,
            format!("cannot read the {what} {}: {error}; check the path", path.display()),
        )
    })?;
    if bytes.len() > max {
        return Err(Failure::new(
            code,
            format!("{}: the {what} is larger than {} KiB", path.display(), max / 1024),
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        Failure::new(
            code,
            format!("{}: the {what} is not UTF-8 text; save it as UTF-8", path.display()),
        )
    })
}

fn load_model(path: Option<&PathBuf>) -> Result<Model, Failure> {
    let Some(path) = path else {
        return Ok(Model::built_in());
    };
    let text = read_text(
        path,
        Exit::Model,
        "model file",
        breakglass::evidence::assess::model::MAX_BYTES,
    )?;
    Model::parse(&text).map_err(|error| {
        Failure::new(
            Exit::Model,
            format!(
                "{}: {error}; see templates/maturity-model.toml for the shape",
                path.display()
            ),
        )
    })
}

fn load_answers(path: Option<&PathBuf>, model: &Model) -> Result<Answers, Failure> {
    let Some(path) = path else {
        return Ok(Answers::default());
    };
    let text = read_text(path, Exit::Answers, "answers file", answers::MAX_BYTES)?;
    let answers = Answers::parse(&text, model)
        .map_err(|error| Failure::new(Exit::Answers, format!("{}: {error}", path.display())))?;
    if let Some(version) = answers.model_version.as_deref().filter(|v| *v != model.model.version) {
        errln!(
            "warning: {} was written for model v{version}, scoring against v{}; check that its ids still mean the same",
            path.display(),
            model.model.version
        );
    }
    Ok(answers)
}

/// Asks each pending practice on `prompt` (standard error) and reads the replies from `input`
/// (standard input). Stops quietly at the end of input or on `q`.
fn ask(
    model: &Model,
    pending: &[&Practice],
    answers: &mut Answers,
    input: &mut impl BufRead,
    prompt: &mut impl Write,
) -> Result<(), Failure> {
    let _ = writeln!(
        prompt,
        "{} to answer: y = in place, n = not in place, s = skip (counts as not in place), q = stop asking.",
        breakglass::wording::count(pending.len(), "practice", "practices")
    );
    for (index, practice) in pending.iter().enumerate() {
        let level = model
            .levels
            .iter()
            .find(|level| level.practices.iter().any(|p| p.id == practice.id))
            .map(|level| level.name.as_str())
            .unwrap_or_default();
        let optional = if practice.kind == PracticeKind::Optional {
            " (optional)"
        } else {
            ""
        };
        loop {
            let _ = write!(
                prompt,
                "[{}/{}] {level}{optional}: {} [y/n/s/q] ",
                index + 1,
                pending.len(),
                practice.text
            );
            let _ = prompt.flush();
            let mut line = String::new();
            let read = input
                .read_line(&mut line)
                .map_err(|error| Failure::new(Exit::Internal, format!("cannot read the answer: {error}")))?;
            if read == 0 {
                let _ = writeln!(prompt);
                return Ok(());
            }
            match line.trim().to_ascii_lowercase().as_str() {
                "y" | "yes" => {
                    answers.answers.insert(practice.id.clone(), true);
                    break;
                }
                "n" | "no" => {
                    answers.answers.insert(practice.id.clone(), false);
                    break;
                }
                "s" | "skip" => break,
                "q" | "quit" => return Ok(()),
                _ => {
                    let _ = writeln!(prompt, "  answer y, n, s or q");
                }
            }
        }
    }
    Ok(())
}

/// What `--report` writes, from the file's extension.
#[derive(Clone, Copy)]
enum ReportKind {
    Markdown,
    Pdf,
}

fn write_report(path: &Path, kind: ReportKind, assessment: &Assessment, paper: Paper) -> Result<(), Failure> {
    let bytes = match kind {
        ReportKind::Markdown => report::markdown(assessment).into_bytes(),
        ReportKind::Pdf => report::pdf(assessment, paper),
    };
    output::write_new_file(path, &bytes).map_err(|error| Failure::new(Exit::from(&error), error.to_string()))
}

/// Refuses a report path that cannot be written before any question is asked.
fn report_kind(path: &Path) -> Result<ReportKind, Failure> {
    let extension = path
        .extension()
        .map(|extension| extension.to_string_lossy().to_ascii_lowercase());
    let kind = match extension.as_deref() {
        Some("md" | "markdown") => ReportKind::Markdown,
        Some("pdf") => ReportKind::Pdf,
        _ => {
            return Err(Failure::new(
                Exit::Usage,
                format!("--report {}: name a .md (Markdown) or .pdf file", path.display()),
            ));
        }
    };
    output::check_new_file(path).map_err(|error| match error {
        output::OutputError::FileExists(_) => Failure::new(
            Exit::OutputExists,
            format!(
                "{} already exists; choose a new --report file (nothing was written)",
                path.display()
            ),
        ),
        error => Failure::new(Exit::from(&error), error.to_string()),
    })?;
    Ok(kind)
}

/// Runs `assess`.
pub fn run(args: AssessArgs) -> Result<(), Failure> {
    let mut body = AssessBody { assessment: None };
    let outcome = assess_and_report(&args, &mut body);
    if args.json {
        return super::json::finish(Schema::Assess, body, outcome);
    }
    outcome
}

/// Assesses, prints it for people unless `--json`, writes the report, and keeps the assessment
/// in `body`.
fn assess_and_report(args: &AssessArgs, body: &mut AssessBody) -> Result<(), Failure> {
    let model = load_model(args.model.as_ref())?;
    if args.answers_template {
        let template = answers::template(&model);
        outln!("{}", template.strip_suffix('\n').unwrap_or(&template));
        return Ok(());
    }
    let report_kind = args.report.as_deref().map(report_kind).transpose()?;
    let mut answers = load_answers(args.answers.as_ref(), &model)?;
    let now = clock::now_unix();
    let records = evidence::gather(&args.dir, args.policy.as_deref(), now).map_err(|error| {
        let code = match error {
            EvidenceError::Dir { .. } | EvidenceError::Policy { .. } => Exit::Unreadable,
            _ => Exit::Internal,
        };
        Failure::new(code, error.to_string())
    })?;
    let pending = assess::pending(&model, &answers, &records);
    if !pending.is_empty() && !args.no_input && std::io::stdin().is_terminal() {
        ask(
            &model,
            &pending,
            &mut answers,
            &mut std::io::stdin().lock(),
            &mut std::io::stderr(),
        )?;
    }
    let assessment = assess::assess(&model, &answers, records, now);
    if !args.json {
        let text = report::text(&assessment);
        outln!("{}", text.strip_suffix('\n').unwrap_or(&text));
    }
    let assessment = body.assessment.insert(assessment);
    if let (Some(path), Some(kind)) = (&args.report, report_kind) {
        let paper = match args.paper {
            PaperArg::A4 => Paper::A4,
            PaperArg::Letter => Paper::Letter,
        };
        write_report(path, kind, assessment, paper)?;
        errln!("Report written to {}.", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_take_yes_no_skip_and_quit_and_ask_again_on_anything_else() {
        let model = Model::built_in();
        let pending: Vec<&Practice> = model.practices().map(|(_, p)| p).filter(|p| p.asked()).collect();
        let mut answers = Answers::default();
        let mut prompt = Vec::new();
        let mut input = "y\nmaybe\nN\ns\nyes\nq\ny\n".as_bytes();
        ask(&model, &pending, &mut answers, &mut input, &mut prompt).unwrap();
        let asked: Vec<(&str, bool)> = answers.answers.iter().map(|(id, &yes)| (id.as_str(), yes)).collect();
        assert_eq!(
            asked,
            vec![
                ("baseline-some-pim", true),
                ("reactive-account-exists", true),
                ("reactive-offline-credentials", false),
            ]
        );
        let prompt = String::from_utf8(prompt).unwrap();
        assert!(prompt.contains("answer y, n, s or q"), "{prompt}");
        assert!(
            prompt.contains("[1/35] Reactive: A breakglass account exists"),
            "{prompt}"
        );
        let mut answers = Answers::default();
        ask(&model, &pending, &mut answers, &mut "y\n".as_bytes(), &mut Vec::new()).unwrap();
        assert_eq!(answers.answers.len(), 1, "end of input stops asking");
    }
}
