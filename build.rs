//! Build facts for `breakglass --version`: the target, the commit, and the commit's date as the
//! build date, so that two builds of one commit are byte-identical (a clock reading would
//! differ) and a responder can match a binary to its source years later.
//!
//! The commit and date come from, in order: `BREAKGLASS_COMMIT` and `SOURCE_DATE_EPOCH`; the
//! file `.source-commit` ("<commit> <epoch>", written into the vendored source bundle, which
//! has no git history); `git`. Otherwise they read "unknown".

use std::path::Path;
use std::process::Command;

/// The library's own date arithmetic, so the build date is written as manifests write dates.
#[allow(dead_code)]
#[path = "src/platform/clock.rs"]
mod clock;

fn main() {
    println!("cargo:rerun-if-env-changed=BREAKGLASS_COMMIT");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    // Only when it exists: Cargo counts a missing rerun-if-changed file as changed, which
    // re-ran this script and recompiled the whole crate on every build from git.
    if Path::new(".source-commit").exists() {
        println!("cargo:rerun-if-changed=.source-commit");
    }
    let recorded = std::fs::read_to_string(".source-commit").unwrap_or_default();
    let mut recorded = recorded.split_whitespace().map(str::to_owned);
    let (recorded_commit, recorded_epoch) = (recorded.next(), recorded.next());
    let commit = std::env::var("BREAKGLASS_COMMIT")
        .ok()
        .or(recorded_commit)
        .or_else(|| git(&["rev-parse", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .or(recorded_epoch)
        .or_else(|| git(&["log", "-1", "--format=%ct", "HEAD"]))
        .and_then(|epoch| epoch.trim().parse::<i64>().ok());
    let date = epoch.map_or_else(|| "unknown".into(), clock::date);
    // A new commit changes HEAD or the branch it points to.
    for file in ["HEAD", "logs/HEAD"] {
        if let Some(path) = git(&["rev-parse", "--git-path", file]).filter(|path| Path::new(path).exists()) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rustc-env=BREAKGLASS_COMMIT={commit}");
    println!("cargo:rustc-env=BREAKGLASS_BUILD_DATE={date}");
    println!(
        "cargo:rustc-env=BREAKGLASS_TARGET={}",
        std::env::var("TARGET").unwrap_or_default()
    );
}

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (output.status.success() && !text.is_empty()).then_some(text)
}
