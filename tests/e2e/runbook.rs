//! The printed runbook as a responder reads it: every command line typed as printed.

use crate::ceremony::{TEMPLATE, write};
use crate::support::{pdf_text, run_in, tool};
use breakglass::exit::Exit;

/// The lines inside the runbook's fenced code blocks, as typed.
fn commands(markdown: &str) -> Vec<String> {
    let mut inside = false;
    let mut lines = Vec::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
        } else if inside && !line.trim().is_empty() {
            lines.push(line.trim().to_owned());
        }
    }
    lines
}

/// The printed lines of `pdftotext -layout` output, a line that ends in the continuation sign
/// joined with the next with nothing between them.
fn typed_as_printed(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut carried: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        let joined = match carried.take() {
            Some(head) => format!("{head}{line}"),
            None => line.to_owned(),
        };
        match joined.strip_suffix('→') {
            Some(head) => carried = Some(head.trim_end().to_owned()),
            None => lines.push(joined),
        }
    }
    lines
}

#[test]
fn every_command_line_of_the_printed_runbook_types_as_printed() {
    if tool("pdftotext").is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // An account name too long for one printed line, so the continuation sign is used.
    let account = "emergency-access-breakglass-account-01@contoso-holdings-international.onmicrosoft.com";
    let policy = TEMPLATE.replace("bg01@contoso.onmicrosoft.com", account);
    assert_ne!(policy, TEMPLATE);
    write(dir.path(), "breakglass.toml", &policy);
    let sealed = run_in(dir.path(), &["seal", "--policy", "breakglass.toml"], None);
    assert_eq!(sealed.code, i32::from(Exit::Ok), "{}", sealed.all());
    let markdown = std::fs::read_to_string(dir.path().join("envelopes/runbook.md")).expect("runbook.md");
    let printed = pdf_text(&dir.path().join("envelopes/runbook.pdf"));
    let lines = typed_as_printed(&printed);
    let wanted = commands(&markdown);
    assert!(wanted.len() > 10, "{markdown}");
    assert!(wanted.iter().any(|line| line.contains(account)));
    for command in &wanted {
        // pdftotext -layout may widen a run of spaces; a command's words and order are what count.
        let words: Vec<&str> = command.split_whitespace().collect();
        assert!(
            lines
                .iter()
                .any(|line| line.split_whitespace().collect::<Vec<_>>() == words),
            "`{command}` is not on one printed line (or marked as continued):\n{printed}"
        );
    }
    assert!(
        printed.lines().any(|line| line.trim_end().ends_with('→')),
        "the long account line is printed as continued:\n{printed}"
    );
    let flowing = printed.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flowing.contains("ends in → at the right edge"),
        "the runbook says what the sign means"
    );
}
