//! `breakglass man`: one manual page that holds everything, since no other page is installed:
//! every command with its options and examples, the exit status, and where the rest of the
//! documentation is (no references to pages such as breakglass-seal(1) that do not exist).

use breakglass::exit::Exit;
use clap::Command;

/// Text made safe for roff: backslashes, hyphens and a leading dot or quote.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    match escaped.chars().next() {
        Some('.') | Some('\'') => format!("\\&{escaped}"),
        _ => escaped,
    }
}

/// Preformatted lines (examples), each escaped.
fn literal(text: &str) -> String {
    let lines: Vec<String> = text.lines().map(roff).collect();
    format!(".PP\n.nf\n.RS 4\n{}\n.RE\n.fi\n", lines.join("\n"))
}

/// One option or argument as a tagged paragraph.
fn argument(arg: &clap::Arg) -> Option<String> {
    if arg.is_hide_set() {
        return None;
    }
    let values: Vec<String> = arg
        .get_value_names()
        .map(|names| names.iter().map(|name| format!("\\fI{}\\fR", roff(name))).collect())
        .unwrap_or_default();
    let takes_value = arg.get_action().takes_values();
    let mut tag = match (arg.get_short(), arg.get_long()) {
        (Some(short), Some(long)) => format!("\\fB\\-{short}\\fR, \\fB\\-\\-{}\\fR", roff(long)),
        (Some(short), None) => format!("\\fB\\-{short}\\fR"),
        (None, Some(long)) => format!("\\fB\\-\\-{}\\fR", roff(long)),
        (None, None) => values.join(" "),
    };
    if !arg.is_positional() && takes_value && !values.is_empty() {
        tag.push(' ');
        tag.push_str(&values.join(" "));
    }
    let mut help = arg
        .get_long_help()
        .or_else(|| arg.get_help())
        .map(|help| help.to_string())
        .unwrap_or_default();
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|value| value.to_string_lossy().into_owned())
        .collect();
    if takes_value && !defaults.is_empty() && !arg.is_positional() {
        help.push_str(&format!(" [default: {}]", defaults.join(", ")));
    }
    let choices: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|value| !value.is_hide_set())
        .map(|value| value.get_name().to_owned())
        .collect();
    if !choices.is_empty() && takes_value {
        help.push_str(&format!(" [one of: {}]", choices.join(", ")));
    }
    Some(format!(".TP\n{tag}\n{}\n", roff(&help)))
}

/// A command's section: its usage, what it does, its options and examples; then its subcommands.
fn command_section(command: &mut Command, path: &str, page: &mut String) {
    let usage = command.render_usage().to_string();
    page.push_str(&format!(".SS \"{}\"\n", roff(path)));
    if let Some(about) = command.get_long_about().or_else(|| command.get_about()) {
        page.push_str(&format!("{}\n", roff(&about.to_string())));
    }
    let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage);
    page.push_str(&literal(usage));
    for arg in command.get_arguments() {
        if arg.get_id() == "help" || arg.get_id() == "version" {
            continue;
        }
        if let Some(text) = argument(arg) {
            page.push_str(&text);
        }
    }
    if let Some(after) = command.get_after_help() {
        page.push_str(&literal(&after.to_string()));
    }
    subcommand_sections(command, path, page);
}

/// The sections of `command`'s subcommands (`help` and hidden ones left out), `path` first.
fn subcommand_sections(command: &mut Command, path: &str, page: &mut String) {
    let names: Vec<String> = command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        if let Some(sub) = command.find_subcommand_mut(&name) {
            let mut sub = sub.clone();
            command_section(&mut sub, &format!("{path} {name}"), page);
        }
    }
}

/// The whole manual page (roff).
pub fn page(mut command: Command) -> String {
    command.build();
    let version = command.get_version().unwrap_or_default().to_owned();
    let mut page = format!(
        ".TH BREAKGLASS 1 \"\" \"breakglass {}\" \"User Commands\"\n.SH NAME\nbreakglass \\- {}\n.SH SYNOPSIS\n\\fBbreakglass\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n.SH DESCRIPTION\n{}\n.PP\nEvery command is described below with its options and examples; \\fBbreakglass\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR prints the same.\n.SH COMMANDS\n",
        roff(&version),
        roff(&command.get_about().map(|about| about.to_string()).unwrap_or_default()),
        roff(
            "An offline, air-gapped tool that seals an emergency-access (break glass) secret onto paper: the secret is encrypted with age, its key split k-of-n with Shamir's secret sharing, one printable PDF sheet per custodian, with QR codes and a typed copy. It verifies sheets, recovers the secret from any k of them, proves a quorum in drills without showing it, and keeps a tamper-evident log."
        ),
    );
    subcommand_sections(&mut command, "breakglass", &mut page);
    page.push_str(".SH \"EXIT STATUS\"\n");
    for exit in Exit::ALL {
        page.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            exit.code(),
            roff(&exit.meaning().replace('`', ""))
        ));
    }
    page.push_str(&format!(".PP\n{}\n", roff(&Exit::status_order_note().replace('`', ""))));
    page.push_str(&format!(
        ".SH \"SEE ALSO\"\n{}\n",
        roff("README.md and the docs folder that come with breakglass (the Linux bundle, or the source): FORMAT.md (the sheet format), RECOVERY-WITHOUT-BREAKGLASS.md (recovering with any age implementation and a few lines of Python), JSON.md (the --json reports), LOG.md (the log and status rules), BAD-INPUT.md (every refusal and its exit code), ASSESS.md (the maturity self-assessment). The runbook.pdf printed at each ceremony holds the same recovery procedure on paper.")
    ));
    page.push_str(&format!(".SH VERSION\n{}\n", roff(&version)));
    page
}
