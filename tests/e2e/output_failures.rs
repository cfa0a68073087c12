//! Outputs that fail part-way: a write that stops halfway (file-size limit), a full file system
//! and a read-only one. Each must end with exit 10 and one error line, and leave nothing behind:
//! no staging directory, no partial ceremony that looks complete, an empty `--out` still empty.
//!
//! Permissions cannot simulate these when the tests run as root (CI does): root writes through
//! `chmod 000`. A file-size limit (`ulimit -f`, with SIGXFSZ ignored so the write fails with
//! EFBIG instead of killing the process) works for everyone; tmpfs mounts need root with
//! CAP_SYS_ADMIN and are skipped, saying why, where mounting is not permitted.

use std::path::{Path, PathBuf};
use std::process::Command;

use breakglass::exit::Exit;

use crate::support::{Run, run_in, run_under_sh};

/// Runs breakglass under `sh` with a file-size limit of `blocks` 512-byte blocks (POSIX `sh`
/// counts `ulimit -f` in 512-byte blocks, dash and bash alike), SIGXFSZ ignored.
fn run_file_limited(dir: &Path, blocks: u32, args: &[&str]) -> Run {
    run_under_sh(dir, &format!("trap '' XFSZ; ulimit -f {blocks}"), args)
}

/// The single `error:` line, which must name the failure and say nothing was left behind.
fn write_error(run: &Run, reason: &str) -> String {
    assert_eq!(run.code, i32::from(Exit::WriteFailed), "{}", run.all());
    let errors: Vec<&str> = run.stderr.lines().filter(|line| line.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "exactly one error line expected:\n{}", run.stderr);
    let line = errors[0].to_owned();
    assert!(line.contains("cannot write"), "{line}");
    assert!(line.contains(reason), "{line}");
    assert!(line.contains("nothing was left behind"), "{line}");
    assert!(
        !line.contains(".partial-"),
        "the hidden staging directory is not named: {line}"
    );
    line
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A sealed two-of-three ceremony of a 1500-byte file, for `recover --out`.
fn sealed_file_ceremony(dir: &Path) -> [String; 2] {
    let secret: Vec<u8> = (0..1500u32).map(|i| b'a' + (i % 26) as u8).collect();
    std::fs::write(dir.join("secret.bin"), secret).expect("write secret");
    let run = run_in(
        dir,
        &[
            "seal",
            "--out",
            "sealed",
            "--threshold",
            "2",
            "--custodian",
            "Ana",
            "--custodian",
            "Ben",
            "--custodian",
            "Chen",
            "--secret-file",
            "secret.bin",
        ],
        None,
    );
    assert_eq!(run.code, i32::from(Exit::Ok), "{}", run.all());
    ["sealed/sheet-1-ana.pdf".into(), "sealed/sheet-2-ben.pdf".into()]
}

/// A sheet PDF is about 35 KB: with a 16 KiB limit the first one stops halfway.
#[test]
fn seal_whose_writes_fail_halfway_leaves_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("envelopes")).expect("mkdir");
    let run = run_file_limited(dir.path(), 32, &["seal", "--out", "envelopes"]);
    let line = write_error(&run, "File too large");
    assert!(line.contains("envelopes/"), "names the file it was writing: {line}");
    assert!(
        !run.stdout.contains(" - "),
        "no passphrase shown for a failed ceremony: {}",
        run.stdout
    );
    assert_eq!(names(dir.path()), ["envelopes"], "no staging directory left");
    assert!(
        names(&dir.path().join("envelopes")).is_empty(),
        "the empty --out is still empty"
    );

    let run = run_file_limited(dir.path(), 32, &["seal", "--out", "fresh"]);
    write_error(&run, "File too large");
    assert_eq!(
        names(dir.path()),
        ["envelopes"],
        "no partial ceremony under the new name"
    );
}

#[test]
fn recover_and_init_whose_writes_fail_halfway_leave_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let [one, two] = sealed_file_ceremony(dir.path());
    std::fs::create_dir(dir.path().join("recovered")).expect("mkdir");
    let run = run_file_limited(dir.path(), 1, &["recover", "--out", "recovered", &one, &two]);
    write_error(&run, "File too large");
    assert!(
        names(&dir.path().join("recovered")).is_empty(),
        "the empty --out is still empty"
    );
    assert_eq!(names(dir.path()), ["recovered", "sealed", "secret.bin"]);

    let run = run_file_limited(dir.path(), 1, &["init", "policy.toml"]);
    write_error(&run, "File too large");
    assert_eq!(
        names(dir.path()),
        ["recovered", "sealed", "secret.bin"],
        "neither the policy nor its temporary file is left"
    );
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs with `options` at `at`, or says why not and returns None.
    fn mount(at: &Path, options: &str) -> Option<Self> {
        std::fs::create_dir_all(at).expect("mount point");
        let result = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(at)
            .output();
        match result {
            Ok(output) if output.status.success() => Some(Self(at.to_owned())),
            Ok(output) => {
                eprintln!(
                    "skipping: cannot mount a tmpfs (needs root with CAP_SYS_ADMIN): {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                );
                None
            }
            Err(error) => {
                eprintln!("skipping: cannot run mount: {error}");
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A 64 KiB file system fills up with the second sheet.
#[test]
fn seal_recover_and_init_on_a_full_file_system_leave_it_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let [one, two] = sealed_file_ceremony(dir.path());
    let full = dir.path().join("full");
    let Some(_mount) = Tmpfs::mount(&full, "size=64k,mode=0755") else {
        return;
    };
    std::fs::create_dir(full.join("envelopes")).expect("mkdir");

    let run = run_in(dir.path(), &["seal", "--out", "full/envelopes"], None);
    write_error(&run, "No space left on device");
    assert_eq!(names(&full), ["envelopes"], "no staging directory left");
    assert!(names(&full.join("envelopes")).is_empty());

    // Fill it to the last few bytes, so that even the small recovered file and the policy fail.
    let mut ballast = Vec::new();
    loop {
        let name = format!("ballast-{}", ballast.len());
        if std::fs::write(full.join(&name), vec![0u8; 4096]).is_err() {
            let _ = std::fs::remove_file(full.join(&name));
            break;
        }
        ballast.push(name);
    }
    let run = run_in(dir.path(), &["recover", "--out", "full/envelopes", &one, &two], None);
    write_error(&run, "No space left on device");
    assert!(names(&full.join("envelopes")).is_empty());
    let run = run_in(dir.path(), &["init", "full/policy.toml"], None);
    write_error(&run, "No space left on device");
    assert!(!full.join("policy.toml").exists());
    assert_eq!(names(&full).len(), ballast.len() + 1, "only the ballast and envelopes/");
}

#[test]
fn seal_recover_and_init_on_a_read_only_file_system() {
    let dir = tempfile::tempdir().expect("tempdir");
    let [one, two] = sealed_file_ceremony(dir.path());
    let read_only = dir.path().join("ro");
    let Some(_mount) = Tmpfs::mount(&read_only, "ro,size=64k") else {
        return;
    };
    for args in [
        vec!["seal", "--out", "ro/envelopes"],
        vec!["recover", "--out", "ro/recovered", &one, &two],
        vec!["init", "ro/policy.toml"],
    ] {
        let run = run_in(dir.path(), &args, None);
        write_error(&run, "Read-only file system");
    }
    assert!(names(&read_only).is_empty());
}
