//! Hostile input, round two (issue 14): files crafted to panic, hang, exhaust memory or fool a
//! reader. Each test is one class of attack, checked through the real binary.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Run, run_in};

/// Runs breakglass under `sh` after `prelude` (e.g. `umask 000`), killed after 30 s so that a
/// hang fails the test instead of stalling the suite.
fn run_sh(dir: &Path, prelude: &str, args: &[&str]) -> Run {
    let script = format!("{prelude}; exec \"$0\" \"$@\"");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_breakglass"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            child.kill().expect("kill");
            panic!("breakglass {args:?} hung for 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "the binary panicked:\n{}", run.stderr);
    run
}

/// A directory holding the frozen vector ceremony's manifest and a file that is no sheet, so
/// that `verify --manifest manifest.json notes.txt` fails fast and appends a record.
fn ceremony_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(VECTOR_MANIFEST, dir.path().join("manifest.json")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "no sheet here\n").unwrap();
    dir
}

const APPEND: [&str; 4] = ["verify", "--manifest", "manifest.json", "notes.txt"];
const LOG: &str = "breakglass-log.jsonl";

const VECTOR_MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/v1/ceremony-1/manifest.json");

/// The frozen vector manifest with `field` set to `value`, written as `dir/manifest.json`.
fn manifest_with(dir: &Path, field: &str, value: serde_json::Value) {
    let mut manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(VECTOR_MANIFEST).unwrap()).unwrap();
    manifest[field] = value;
    std::fs::write(dir.join("manifest.json"), serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
}

#[test]
fn manifest_dates_in_any_form_are_refused_not_sliced() {
    let dir = tempfile::tempdir().unwrap();
    for created in ["x", "", "2026-11-25\u{e9}12:30:4Z", "2026-11-25\u{e9}"] {
        manifest_with(dir.path(), "created", created.into());
        let run = run_in(dir.path(), &["status", "--manifest", "manifest.json"], None);
        run.exits_with(13, "created is not a YYYY-MM-DDTHH:MM:SSZ time");
        let run = run_in(dir.path(), &["status", "."], None);
        assert_ne!(run.code, 101, "{created:?}: {}", run.all());
    }
    manifest_with(dir.path(), "secret_expires", "2026-1\u{e9}-01".into());
    let run = run_in(dir.path(), &["status", "--manifest", "manifest.json"], None);
    run.exits_with(13, "secret_expires is not a YYYY-MM-DD date");
}

#[test]
fn endless_and_sparse_files_are_refused_before_reading() {
    let dir = ceremony_dir();
    let sparse = dir.path().join("sparse");
    std::fs::File::create(&sparse).unwrap().set_len(3 << 30).unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::File::create(&policy).unwrap().set_len(3 << 30).unwrap();
    std::fs::File::create(dir.path().join(LOG))
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    for (args, code, message) in [
        (&["status", "--manifest", "sparse"][..], 13, "it is larger than 1 MiB"),
        (&["check-policy", "policy.toml"], 3, "it is larger than 256 KiB"),
        (&["log", "verify", "--log", LOG], 18, "larger than 64 MiB"),
        (&["verify", "sparse"], 3, "too large"),
        (
            &["status", "--manifest", "/dev/zero"],
            13,
            "it is a device, not a regular file",
        ),
        (
            &["log", "show", "--log", "/dev/zero"],
            18,
            "it is a device, not a regular file",
        ),
        (&["verify", "/dev/zero"], 3, "/dev/zero"),
        (
            &["seal", "--out", "o", "--sheet-template", "/dev/zero"],
            3,
            "it is a device, not a regular file",
        ),
        (
            &["seal", "--out", "o", "--secret-file", "/dev/zero", "--kind", "file"],
            3,
            "it is a device, not a regular file",
        ),
    ] {
        run_sh(dir.path(), "ulimit -v 4000000", args).exits_with(code, message);
    }
}

#[cfg(unix)]
#[test]
fn fifos_are_never_opened_for_reading_or_appending() {
    let dir = ceremony_dir();
    nix::unistd::mkfifo(&dir.path().join(LOG), nix::sys::stat::Mode::S_IRWXU).unwrap();
    nix::unistd::mkfifo(&dir.path().join("fifo"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    run_sh(dir.path(), ":", &["log", "show", "--log", LOG]).exits_with(18, "named pipe (FIFO)");
    run_sh(dir.path(), ":", &["status", "."]).exits_with(18, "named pipe (FIFO)");
    run_sh(dir.path(), ":", &APPEND).exits_with(4, "named pipe (FIFO)");
    run_sh(dir.path(), ":", &["verify", "fifo"]).exits_with(3, "fifo");
    run_sh(dir.path(), ":", &["status", "--manifest", "fifo"]).exits_with(13, "named pipe (FIFO)");
    run_sh(dir.path(), ":", &["check-policy", "fifo"]).exits_with(3, "named pipe (FIFO)");
}

#[cfg(unix)]
#[test]
fn the_log_is_never_appended_through_a_link_and_is_born_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = ceremony_dir();
    // Under umask 000 a new log is still 0600.
    run_sh(dir.path(), "umask 000", &APPEND).exits_with(4, "no breakglass QR code");
    let mode = std::fs::metadata(dir.path().join(LOG)).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // A link to a log elsewhere, dangling or not, is refused and nothing is created or changed.
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("elsewhere.jsonl");
    std::fs::remove_file(dir.path().join(LOG)).unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join(LOG)).unwrap();
    run_sh(dir.path(), ":", &APPEND).exits_with(4, "is a symbolic link; nothing was appended");
    assert!(!target.exists(), "a dangling link created a file outside the directory");
    std::fs::write(&target, b"").unwrap();
    run_sh(dir.path(), ":", &APPEND).exits_with(4, "is a symbolic link; nothing was appended");
    assert_eq!(std::fs::read(&target).unwrap(), b"", "appended through the link");
}

#[test]
fn a_failed_append_leaves_no_partial_record_and_a_torn_tail_is_repaired() {
    let dir = ceremony_dir();
    run_sh(dir.path(), ":", &APPEND).exits_with(4, "no breakglass QR code");
    let intact = std::fs::read(dir.path().join(LOG)).unwrap();
    // One 512-byte block: the second record (about 430 bytes) stops halfway (EFBIG).
    let run = run_sh(dir.path(), "trap '' XFSZ; ulimit -f 1", &APPEND);
    assert_eq!(run.code, 4, "{}", run.all());
    assert!(run.stderr.contains("cannot append to the log"), "{}", run.stderr);
    assert_eq!(
        std::fs::read(dir.path().join(LOG)).unwrap(),
        intact,
        "the file was cut back"
    );
    run_sh(dir.path(), ":", &["log", "verify", "--log", LOG]).exits_with(0, "");
    // A tail torn by a crash (or an older version) is reported with its remedy, which keeps
    // every intact record.
    let mut torn = intact.clone();
    torn.extend_from_slice(br#"{"seq":2,"prev":"#);
    std::fs::write(dir.path().join(LOG), &torn).unwrap();
    run_sh(dir.path(), ":", &APPEND).exits_with(4, "`breakglass log repair` removes it");
    let run = run_sh(dir.path(), ":", &["log", "repair", "--log", LOG]);
    run.exits_with(0, "");
    assert!(
        run.stdout
            .contains("removed an unfinished last line (16 bytes); 1 intact record(s) kept"),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read(dir.path().join(LOG)).unwrap(), intact);
    run_sh(dir.path(), ":", &APPEND).exits_with(4, "no breakglass QR code");
    let run = run_sh(dir.path(), ":", &["log", "verify", "--log", LOG]);
    assert!(
        run.code == 0 && run.stdout.contains("intact: 2 record(s)"),
        "{}",
        run.all()
    );
    // Any other break is not for repair to decide.
    let mut edited = std::fs::read(dir.path().join(LOG)).unwrap();
    edited[60] ^= 1;
    std::fs::write(dir.path().join(LOG), &edited).unwrap();
    run_sh(dir.path(), ":", &["log", "repair", "--log", LOG]).exits_with(18, "is broken at line 1");
    assert_eq!(std::fs::read(dir.path().join(LOG)).unwrap(), edited);
}
