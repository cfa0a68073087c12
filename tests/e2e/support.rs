//! Shared helpers: running the binary, sealing fixtures, typed copies, outside tools.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use breakglass::ceremony::verify;
use breakglass::exit::Exit;
use breakglass::paper::format::v1;

/// What a run of the binary produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The run a finished process made; a panic of the binary fails the test here.
    pub fn from_output(output: &std::process::Output) -> Self {
        let run = Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(!run.stderr.contains("panicked"), "the binary panicked:\n{}", run.stderr);
        run
    }

    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Asserts the run exited with `code` and said `message` on standard error (what a user
    /// sees of a refusal), showing everything it printed when it did not.
    #[track_caller]
    pub fn exits_with(&self, exit: Exit, message: &str) {
        assert_eq!(self.code, i32::from(exit), "{}", self.all());
        assert!(self.stderr.contains(message), "{message:?} not in:\n{}", self.stderr);
    }
}

/// The binary under test: the one Cargo built, or `BREAKGLASS_TEST_BINARY` (CI points it at the
/// static musl build, so that binary runs this same suite).
pub fn binary() -> PathBuf {
    std::env::var_os("BREAKGLASS_TEST_BINARY")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_breakglass")), PathBuf::from)
}

/// Runs `breakglass` with `args` (and optional stdin) in `dir`.
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    run_with_env(dir, args, stdin, &[])
}

/// Runs `breakglass` with extra environment variables (e.g. `BREAKGLASS_NOW`).
pub fn run_with_env(dir: &Path, args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(binary());
    command.envs(env.iter().copied());
    command
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = command.spawn().expect("binary starts");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    }
    let run = Run::from_output(&child.wait_with_output().expect("binary finishes"));
    assert!(
        run.stderr.lines().filter(|line| line.starts_with("error:")).count() <= 1,
        "{}",
        run.stderr
    );
    run
}

/// Runs the binary under `sh` after `prelude` (e.g. `umask 000`, `ulimit -f 8`), killed after
/// 5 minutes so that a hang fails the test instead of stalling the suite. The limit is far above
/// any real run: 30 s failed a recover under `nice` on a 2-core machine at load 20.
pub fn run_under_sh(dir: &Path, prelude: &str, args: &[&str]) -> Run {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("{prelude}; exec \"$0\" \"$@\""))
        .arg(binary())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    let start = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > std::time::Duration::from_secs(300) {
            child.kill().expect("kill");
            panic!("breakglass {args:?} hung for 5 minutes");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Run::from_output(&child.wait_with_output().expect("output"))
}

/// A sealed ceremony in a temporary directory.
pub struct Sealed {
    pub dir: tempfile::TempDir,
    pub out: PathBuf,
    pub passphrase: Option<String>,
    pub run: Run,
}

/// The file name of sheet `index` in the ceremony folder `out` (`sheet-2-ben-okafor.pdf`).
pub fn sheet_name(out: &Path, index: usize) -> String {
    let prefix = format!("sheet-{index}-");
    std::fs::read_dir(out)
        .expect("out exists")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .find(|name| name.starts_with(&prefix))
        .expect("sheet exists")
}

impl Sealed {
    pub fn sheet(&self, index: usize) -> PathBuf {
        self.out.join(sheet_name(&self.out, index))
    }

    pub fn manifest(&self) -> PathBuf {
        self.out.join("manifest.json")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run_in(self.dir.path(), args, None)
    }
}

/// Seals with `extra` arguments (plus `--out out --show-passphrase`).
pub fn seal(extra: &[&str]) -> Sealed {
    seal_with_stdin(extra, None)
}

/// The arguments of the tests' app certificate: a 2048-bit key (quick to generate) for the
/// subject the runbook and Entra examples use.
pub const APP_CERTIFICATE: [&str; 6] = [
    "--kind",
    "certificate",
    "--subject",
    "CN=contoso-breakglass-app",
    "--key-size",
    "2048",
];

/// The arguments of the smallest named ceremony: 2-of-2, Ana Ruiz and Ben Okafor (other tests
/// add custodians or a kind after them).
pub const ANA_AND_BEN: [&str; 6] = [
    "--threshold",
    "2",
    "--custodian",
    "Ana Ruiz",
    "--custodian",
    "Ben Okafor",
];

/// The smallest named ceremony, sealed.
pub fn seal_ana_and_ben() -> Sealed {
    seal(&ANA_AND_BEN)
}

pub fn seal_with_stdin(extra: &[&str], stdin: Option<&[u8]>) -> Sealed {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["seal", "--out", "out", "--show-passphrase"];
    args.extend_from_slice(extra);
    let run = run_in(dir.path(), &args, stdin);
    assert_eq!(run.code, i32::from(Exit::Ok), "seal failed: {}", run.all());
    let passphrase = run
        .stdout
        .lines()
        .find(|line| line.starts_with("    ") && line.contains('-') && !line.trim().contains(' '))
        .map(|line| line.trim().to_owned());
    let out = dir.path().join("out");
    Sealed {
        dir,
        out,
        passphrase,
        run,
    }
}

/// The typed copy of a sheet: exactly the lines printed under "Typed copy".
pub fn typed_copy(sheet: &Path) -> String {
    let report = verify::read_input(sheet);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let mut blocks: Vec<_> = report.blocks.iter().map(|found| found.block.clone()).collect();
    blocks.sort_by_key(|block| match block.header.part {
        v1::Part::Share { .. } | v1::Part::ProtectedShare { .. } => 0,
        v1::Part::Vault { chunk, .. } => u16::from(chunk),
    });
    blocks
        .iter()
        .map(|block| {
            v1::encode_block(&block.header, &block.data)
                .expect("encodes")
                .to_text()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether outside tools are mandatory (CI sets BREAKGLASS_REQUIRE_TOOLS=1).
fn tools_required() -> bool {
    std::env::var("BREAKGLASS_REQUIRE_TOOLS").is_ok_and(|value| value == "1")
}

/// Path of an outside program, or None (test skipped) when it is missing and not required.
pub fn tool(name: &str) -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = if name == "convert" {
        vec![PathBuf::from("/usr/bin/convert")]
    } else {
        std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).map(|dir| dir.join(name)).collect())
            .unwrap_or_default()
    };
    match candidates.into_iter().find(|candidate| candidate.is_file()) {
        Some(found) => Some(found),
        None if tools_required() => panic!("{name} is required (BREAKGLASS_REQUIRE_TOOLS=1) but not installed"),
        None => {
            eprintln!("skipping: {name} is not installed");
            None
        }
    }
}

/// Runs an outside program and returns its stdout; panics on failure.
pub fn external(program: &Path, args: &[&str], dir: &Path) -> String {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("tool runs");
    assert!(
        output.status.success(),
        "{} {:?} failed: {}",
        program.display(),
        args,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text of a PDF as `pdftotext` (poppler-utils) extracts it.
pub fn pdf_text(pdf: &Path) -> String {
    let output = Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (Debian package poppler-utils)");
    assert!(output.status.success(), "pdftotext failed on {}", pdf.display());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A PDF file holding `objects` (numbered from 1; object 1 is the catalogue), with a valid
/// cross-reference table.
pub fn pdf_file(objects: &[Vec<u8>]) -> Vec<u8> {
    use std::io::Write;
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (number, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        writeln!(out, "{} 0 obj", number + 1).unwrap();
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).unwrap();
    for offset in offsets {
        writeln!(out, "{offset:010} 00000 n ").unwrap();
    }
    write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    )
    .unwrap();
    out
}

/// A PDF stream object with `dictionary` entries and `data`.
pub fn pdf_stream(dictionary: &str, data: &[u8]) -> Vec<u8> {
    let mut stream = format!("<< /Length {} {dictionary} >>\nstream\n", data.len()).into_bytes();
    stream.extend_from_slice(data);
    stream.extend_from_slice(b"\nendstream");
    stream
}

/// `seal` 2-of-2 for custodians `first` and `second` into `dir/o`.
pub fn seal_two(dir: &Path, first: &str, second: &str) -> Run {
    let args = [
        "seal",
        "--out",
        "o",
        "--threshold",
        "2",
        "--custodian",
        first,
        "--custodian",
        second,
    ];
    run_in(dir, &args, None)
}

/// The `--json` document `run` printed, after checking the envelope every command shares
/// (docs/JSON.md): pretty-printed, `schema` first, then `breakglass_version`, `exit_code` (the
/// process's) and `error` (null exactly on success, else the one line printed once on
/// standard error).
pub fn json_document(run: &Run, schema: &str) -> serde_json::Value {
    let document: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("--json output does not parse: {error}\n{}", run.all()));
    let top_keys: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("  \"") && !line.starts_with("   "))
        .filter_map(|line| line.split('"').nth(1))
        .collect();
    assert_eq!(
        top_keys[..4],
        ["schema", "breakglass_version", "exit_code", "error"],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.starts_with(&format!("{{\n  \"schema\": \"{schema}\",\n")) && run.stdout.ends_with("}\n"),
        "{}",
        run.stdout
    );
    assert_eq!(document["breakglass_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(document["exit_code"], run.code, "{}", run.all());
    if run.code == 0 {
        assert_eq!(document["error"], serde_json::Value::Null, "{}", run.all());
    } else {
        assert_eq!(document["error"]["code"], run.code, "{}", run.all());
        let message = document["error"]["message"].as_str().unwrap();
        let line = format!("error: {message}");
        assert_eq!(run.stderr.matches(&line).count(), 1, "printed once: {}", run.all());
    }
    document
}
