//! What a binary says about itself, so that a responder years later can match the binary in the
//! safe to the one that sealed: `--version` names version, target, commit and build date, and
//! the runbook it writes carries its SHA-256.

use crate::support::{binary, run_in, seal};

#[test]
fn long_version_names_target_commit_and_build_date() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(dir.path(), &["--version"], None);
    assert_eq!(run.code, 0, "{}", run.all());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert_eq!(lines[0], format!("breakglass {}", env!("CARGO_PKG_VERSION")));
    let target = lines[1].strip_prefix("target: ").unwrap();
    assert!(target.split('-').count() >= 3, "a target triple, not {target:?}");
    let commit = lines[2].strip_prefix("commit: ").unwrap();
    assert!(
        commit == "unknown" || (commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    let date = lines[3].strip_prefix("build date: ").unwrap();
    assert!(date.ends_with(" (the commit's date)"), "{date}");
    let day = &date[..10];
    assert!(day == "unknown" || breakglass::platform::clock::parse_rfc3339(&format!("{day}T00:00:00Z")).is_some());
    // The short form stays one line.
    let short = run_in(dir.path(), &["-V"], None);
    assert_eq!(short.stdout.trim(), format!("breakglass {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn runbook_names_the_sha256_of_the_binary_that_wrote_it() {
    let sealed = seal(&[]);
    let runbook = std::fs::read_to_string(sealed.out.join("runbook.md")).unwrap();
    let digest = breakglass::crypto::digest::sha256_hex(&std::fs::read(binary()).unwrap());
    assert!(
        runbook.contains(&format!("written by the binary with SHA-256 `{digest}`")),
        "{runbook}"
    );
}
