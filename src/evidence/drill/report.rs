//! The drill report: one page an auditor can read and sign, written as Markdown (from the record
//! as logged, so paper and log agree) and printed with the same renderer as the runbook.
//! Characters the built-in fonts cannot print (an emoji in a note) are printed as their code point (`[U+1F389]`) on paper rather
//! than fail a drill that already happened.

use std::path::{Path, PathBuf};

use crate::evidence::audit::{Entry, Outcome, ReadMethod};
use crate::evidence::manifest::{DEFAULT_DRILL_INTERVAL_DAYS, Manifest};
use crate::paper::render::document::{escape, render_markdown_replacing};
use crate::platform::clock;

use super::format_duration;

/// Who signs the report, one signature line each.
const SIGNATURES: [&str; 3] = ["Operator", "Witness", "Auditor"];

fn read_method(method: ReadMethod) -> &'static str {
    match method {
        ReadMethod::Qr => "QR codes",
        ReadMethod::QrWeak => "QR codes, weak scan",
        ReadMethod::Typed => "typed copy",
        ReadMethod::Mixed => "QR codes and typed copy",
        ReadMethod::None => "nothing readable",
    }
}

/// [`escape`] for a paragraph of its own: a leading `-`, `+` or `1.` would start a list.
fn paragraph(text: &str) -> String {
    let escaped = escape(text.trim());
    let digits = escaped.chars().take_while(char::is_ascii_digit).count();
    if escaped.starts_with(['-', '+']) {
        format!("\\{escaped}")
    } else if digits > 0 && escaped[digits..].starts_with(['.', ')']) {
        format!("{}\\{}", &escaped[..digits], &escaped[digits..])
    } else {
        escaped
    }
}

fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

fn table(headings: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = row(&headings.iter().map(|heading| (*heading).to_owned()).collect::<Vec<_>>());
    out.push_str(&row(&vec!["---".to_owned(); headings.len()]));
    for cells in rows {
        out.push_str(&row(cells));
    }
    out
}

/// The drill report as Markdown, from the record as logged: the verdict, the ceremony and the
/// drill's facts, the sheets presented and how each read, the custodians who did not come, the
/// note, the statement of what breakglass checked, and a signature line each for the operator,
/// a witness and the auditor.
pub fn markdown(manifest: &Manifest, entry: &Entry, log_path: &Path, now: i64) -> String {
    let record = &entry.record;
    let passed = record.result == Outcome::Success;
    let mut facts = vec![(
        "Ceremony",
        format!("{} \"{}\"", manifest.ceremony(), escape(&manifest.label)),
    )];
    if let Some(tenant) = &manifest.tenant {
        facts.push(("Tenant", escape(tenant)));
    }
    if let Some(account) = &manifest.account {
        facts.push(("Account", escape(account)));
    }
    facts.push((
        "Secret",
        format!(
            "{}; any {} of {} sheets recover it; sealed {}",
            escape(manifest.secret_kind.as_str()),
            manifest.threshold,
            manifest.shares,
            manifest.created
        ),
    ));
    facts.push(("Drill", record.time.clone()));
    facts.push(("Operator", record.operator.as_deref().map_or("-".into(), escape)));
    facts.push((
        "Result",
        match &record.message {
            None => "PASSED: the sheets rebuilt the manifest's vault key and decrypted the vault".into(),
            Some(message) => format!("FAILED (exit {}): {}", record.exit_code, escape(message)),
        },
    ));
    if let Some(seconds) = record.first_to_last_seconds {
        facts.push(("First to last sheet", format_duration(seconds)));
    }
    let interval = manifest.drill_interval_days.unwrap_or(DEFAULT_DRILL_INTERVAL_DAYS);
    if passed {
        facts.push((
            "Next drill due",
            format!(
                "{} (every {interval} days)",
                clock::date(now + i64::from(interval) * 86_400)
            ),
        ));
    }
    facts.push((
        "Log record",
        format!(
            "{} in {}, SHA-256 {}",
            record.seq,
            escape(&log_path.display().to_string()),
            entry.hash
        ),
    ));
    // The serials the re-sealed envelopes carry from now on: what the next opening is checked
    // against, so the signed report holds them beside the log.
    if !record.envelopes.is_empty() {
        let envelopes: Vec<String> = record
            .envelopes
            .iter()
            .map(|envelope| match &envelope.custodian {
                Some(name) => format!("{} ({}): {}", envelope.index, escape(name), escape(&envelope.serial)),
                None => format!("{}: {}", envelope.index, escape(&envelope.serial)),
            })
            .collect();
        facts.push(("New envelopes", envelopes.join("; ")));
    }
    let mut out = format!(
        "# BREAKGLASS DRILL REPORT: {}\n\n",
        if passed { "PASSED" } else { "FAILED" }
    );
    let facts: Vec<Vec<String>> = facts
        .into_iter()
        .map(|(name, value)| vec![name.to_owned(), value])
        .collect();
    out.push_str(&table(&["Field", "Value"], &facts));

    let sheets: Vec<Vec<String>> = record
        .inputs
        .iter()
        .map(|input| {
            let shares: Vec<String> = input.shares.iter().map(u8::to_string).collect();
            let custodians: Vec<String> = input
                .shares
                .iter()
                .filter_map(|&index| manifest.custodian_name(index))
                .map(escape)
                .collect();
            let mut file = escape(&input.input);
            for problem in &input.problems {
                file.push_str(&format!("; {}", escape(problem)));
            }
            vec![
                if shares.is_empty() {
                    "-".into()
                } else {
                    shares.join(", ")
                },
                custodians.join(", "),
                read_method(input.read).to_owned(),
                file,
            ]
        })
        .collect();
    out.push_str("\n## Sheets presented\n\n");
    out.push_str(&table(
        &["Share", "Custodian", "Read from", "File and problems"],
        &sheets,
    ));

    let present: Vec<u8> = record.inputs.iter().flat_map(|input| input.shares.clone()).collect();
    let locations = manifest.custodians.iter().any(|custodian| custodian.location.is_some());
    let absent: Vec<Vec<String>> = manifest
        .custodians
        .iter()
        .filter(|custodian| !present.contains(&custodian.index))
        .map(|custodian| {
            let mut cells = vec![custodian.index.to_string(), escape(&custodian.name)];
            if locations {
                cells.push(escape(custodian.location.as_deref().unwrap_or_default()));
            }
            cells
        })
        .collect();
    if !absent.is_empty() {
        out.push_str("\n## Custodians whose sheets were not presented\n\n");
        let headings = ["Share", "Custodian", "Kept at"];
        out.push_str(&table(&headings[..if locations { 3 } else { 2 }], &absent));
    }
    if let Some(note) = &record.note {
        out.push_str(&format!("\n## Note\n\n{}\n", paragraph(note)));
    }
    out.push_str(&format!(
        "\n## Statement\n\nbreakglass {} read the sheets above and checked every line; {} The secret was not shown, \
         printed or stored. This drill is record {} of the tamper-evident log; `breakglass log verify` checks that \
         the log still holds it with the hash above.\n\n## Signatures\n",
        escape(&record.tool_version),
        if passed {
            "they rebuilt the manifest's vault key and the vault decrypted, in memory only."
        } else {
            "the drill failed for the reason given under Result."
        },
        record.seq
    ));
    for role in SIGNATURES {
        out.push_str(&format!(
            "\n{role}: name {} Signature {} Date {}\n",
            "_".repeat(22),
            "_".repeat(18),
            "_".repeat(12)
        ));
    }
    out
}

/// The drill report as PDF: [`markdown`], printed on the ceremony's paper.
pub fn pdf(manifest: &Manifest, entry: &Entry, log_path: &Path, now: i64) -> Vec<u8> {
    render_markdown_replacing(
        &markdown(manifest, entry, log_path, now),
        manifest.paper,
        &format!("breakglass drill {} {}", manifest.ceremony(), clock::date(now)),
        &format!(
            "Drill of ceremony {} on {}   -   no secret on this page",
            manifest.ceremony(),
            clock::date(now)
        ),
    )
}

/// Where the report is written: `template` with `YYYY-MM-DD` in its file name replaced by the
/// drill's date (`drill-YYYY-MM-DD.pdf` becomes `drill-2026-11-25.pdf`).
pub fn path_for(template: &Path, now: i64) -> PathBuf {
    let name = template
        .file_name()
        .map(|name| name.to_string_lossy().replace("YYYY-MM-DD", &clock::date(now)));
    match name {
        Some(name) => template.with_file_name(name),
        None => template.to_owned(),
    }
}

/// The report's bytes for `path`: Markdown when it ends in `.md`, else PDF.
pub fn for_path(path: &Path, manifest: &Manifest, entry: &Entry, log_path: &Path, now: i64) -> Vec<u8> {
    let markdown_wanted = path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("md"));
    if markdown_wanted {
        markdown(manifest, entry, log_path, now).into_bytes()
    } else {
        pdf(manifest, entry, log_path, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::audit::{Action, EnvelopeSerial, InputRecord, Record};

    #[test]
    fn the_report_name_takes_the_date_and_its_extension_picks_the_format() {
        let now = 1_795_609_845;
        assert_eq!(
            path_for(Path::new("reports/drill-YYYY-MM-DD.pdf"), now),
            Path::new("reports/drill-2026-11-25.pdf")
        );
        assert_eq!(path_for(Path::new("drill.md"), now), Path::new("drill.md"));
        let (manifest, entry) = entry("n");
        let log = Path::new("breakglass-log.jsonl");
        assert!(for_path(Path::new("d.MD"), &manifest, &entry, log, now).starts_with(b"#"));
        assert!(for_path(Path::new("d.pdf"), &manifest, &entry, log, now).starts_with(b"%PDF"));
    }

    fn entry(note: &str) -> (Manifest, Entry) {
        let json = std::fs::read("tests/vectors/v1/ceremony-1/manifest.json").expect("vector manifest");
        let mut manifest = Manifest::parse(&json).expect("parses");
        manifest.paper = crate::paper::render::Paper::Letter;
        let mut record = Record::new(
            Action::Drill,
            Some(manifest.ceremony_id.as_str().to_owned()),
            crate::exit::Exit::Ok,
            1_790_000_000,
        );
        record.seq = 2;
        record.operator = Some("Dana_Auditor".into());
        record.note = Some(note.into());
        record.inputs = vec![InputRecord {
            input: "scans/ana | 1.png".into(),
            shares: vec![1],
            read: ReadMethod::Qr,
            fallback_passes: Vec::new(),
            problems: Vec::new(),
        }];
        record.envelopes = vec![EnvelopeSerial {
            index: 1,
            custodian: Some("Ana Ruiz".into()),
            serial: "TE-0042".into(),
        }];
        let hash = "ab".repeat(32);
        (manifest, Entry { line: 2, record, hash })
    }

    #[test]
    fn the_report_escapes_what_it_was_given_and_prints_one_page_even_with_unprintable_notes() {
        let (manifest, entry) = entry("- 1. witness *Chen* | room #4 🎉");
        let markdown = markdown(&manifest, &entry, Path::new("log.jsonl"), 1_790_000_000);
        assert!(
            markdown.starts_with("# BREAKGLASS DRILL REPORT: PASSED\n"),
            "{markdown}"
        );
        assert!(markdown.contains("| Operator | Dana\\_Auditor |"), "{markdown}");
        assert!(
            markdown.contains("| 1 | Ana Ruiz | QR codes | scans/ana \\| 1.png |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| 5 | Eli Stone |\n"),
            "no locations, no column: {markdown}"
        );
        assert!(
            markdown.contains("\n\\- 1. witness \\*Chen\\* \\| room \\#4 🎉\n"),
            "{markdown}"
        );
        assert!(markdown.contains(&format!("| Log record | 2 in log.jsonl, SHA-256 {} |", "ab".repeat(32))));
        assert!(
            markdown.contains("| New envelopes | 1 (Ana Ruiz): TE-0042 |"),
            "{markdown}"
        );
        assert_eq!(markdown.matches("Signature ___").count(), 3, "{markdown}");
        assert_eq!(paragraph("12. item"), "12\\. item");
        let pdf = pdf(&manifest, &entry, Path::new("log.jsonl"), 1_790_000_000);
        let pages = crate::paper::scan::pdf::rasterise(&pdf, 30.0).unwrap();
        assert_eq!(pages.len(), 1);
    }
}
