//! A custodian protected by an age PLUGIN recipient (`age1NAME1...`, as `age1yubikey1...`), end
//! to end: breakglass runs the plugin over age's plugin protocol at sealing (recipient-v1) and
//! at recovery (identity-v1). The plugin is tests/fixtures/age-plugin-bgtest, a Python test
//! double for a hardware key, put on PATH for the breakglass process only. Skipped when python3
//! is missing unless BREAKGLASS_REQUIRE_TOOLS=1.

use std::path::{Path, PathBuf};

use breakglass::crypto::protect::{self, Lock};
use breakglass::exit::Exit;
use breakglass::paper::format::v1::{self, Part};

use crate::ceremony::{TEMPLATE, protect as protect_custodian, write};
use crate::support::{Run, external, run_with_env, tool};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// PATH with the fixture plugin first, as a custodian's machine with the plugin installed.
fn path_with_plugin() -> String {
    let mut dirs = vec![fixtures()];
    dirs.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(dirs)
        .expect("PATH joins")
        .to_string_lossy()
        .into_owned()
}

/// A new plugin identity file in `dir`; returns its recipient (`age1bgtest1...`).
fn generate(python: &Path, dir: &Path, name: &str) -> String {
    let plugin = fixtures().join("age-plugin-bgtest");
    let text = external(python, &[&plugin.display().to_string(), "--generate"], dir);
    std::fs::write(dir.join(name), &text).expect("write identity");
    assert!(text.contains("\nAGE-PLUGIN-BGTEST-1"), "{text}");
    text.lines()
        .find_map(|line| line.strip_prefix("# recipient: "))
        .expect("the recipient comment")
        .to_owned()
}

const QUORUM: [&str; 3] = [
    "envelopes/sheet-1-ana-ruiz.pdf",
    "envelopes/sheet-3-chen-li.pdf",
    "envelopes/sheet-5-emil-sorensen.pdf",
];

fn with_plugin(dir: &Path, args: &[&str]) -> Run {
    run_with_env(dir, args, None, &[("PATH", &path_with_plugin())])
}

/// A policy in `dir` protecting Chen Li (share 3) with a new plugin identity `chen.id`.
fn plugin_policy(python: &Path, dir: &Path) -> String {
    let chen = generate(python, dir, "chen.id");
    assert!(chen.starts_with("age1bgtest1"), "{chen}");
    let policy = protect_custodian(
        TEMPLATE,
        "Chen Li",
        &format!("protection = \"recipient\"\nrecipient = \"{chen}\""),
    );
    write(dir, "breakglass.toml", &policy);
    chen
}

fn verify_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["verify", "--manifest", "envelopes/manifest.json"];
    args.extend_from_slice(&QUORUM);
    args.extend_from_slice(extra);
    args
}

#[test]
fn a_plugin_recipient_seals_and_recovers_with_its_identity_only() {
    let Some(python) = tool("python3") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    let chen = plugin_policy(&python, path);
    generate(&python, path, "stranger.id");

    let check = with_plugin(path, &["check-policy", "breakglass.toml"]);
    assert_eq!(check.code, i32::from(Exit::Ok), "{}", check.all());
    let sealed = with_plugin(path, &["seal", "--policy", "breakglass.toml"]);
    assert_eq!(sealed.code, i32::from(Exit::Ok), "{}", sealed.all());
    let manifest = std::fs::read_to_string(path.join("envelopes/manifest.json")).expect("manifest");
    assert!(
        manifest.contains(&chen),
        "the manifest records the recipient: {manifest}"
    );

    // Chen's sheet holds a protected share (a plugin stanza) that fits one QR code.
    let report = breakglass::ceremony::verify::read_input(&path.join(QUORUM[1]));
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let pshare = report
        .blocks
        .iter()
        .find(|found| matches!(found.block.header.part, Part::ProtectedShare { index: 3 }))
        .expect("a PSHARE block for share 3");
    assert!(
        pshare.block.data.len() <= protect::MAX_PROTECTED_BYTES,
        "{} bytes",
        pshare.block.data.len()
    );
    let encoded = v1::encode_block(&pshare.block.header, &pshare.block.data).expect("encodes");
    assert!(
        encoded.lines.len() - 1 <= breakglass::ceremony::seal::VAULT_LINES_PER_CODE,
        "one block, one QR code: {} data lines",
        encoded.lines.len() - 1
    );
    assert_eq!(
        protect::lock_of(&pshare.block.data).expect("an age file"),
        Lock::Identity("bgtest".into())
    );

    let verify = |extra: &[&str]| with_plugin(path, &verify_args(extra));
    let good = verify(&["--identity", "chen.id"]);
    assert_eq!(good.code, i32::from(Exit::Ok), "{}", good.all());
    assert!(good.stdout.contains("VERIFIED"), "{}", good.stdout);
    assert!(
        good.stderr.contains("bgtest: pretend to touch the test key"),
        "the plugin's message reaches the terminal: {}",
        good.stderr
    );
    assert!(good.stderr.contains("Opened protected share 3"), "{}", good.stderr);

    let no_identity = verify(&[]);
    no_identity.exits_with(
        Exit::ShareLocked,
        "share 3 (Chen Li) is protected by an age identity (bgtest)",
    );

    let stranger = verify(&["--identity", "stranger.id"]);
    stranger.exits_with(
        Exit::ShareLocked,
        "share 3 (Chen Li): none of the given identities opens it",
    );

    // The plugin quorum rebuilds the same secret as a quorum of plain sheets.
    let recover = |sheets: &[&str], extra: &[&str]| {
        let mut args = vec!["recover", "--manifest", "envelopes/manifest.json"];
        args.extend_from_slice(sheets);
        args.extend_from_slice(extra);
        args.push("--print");
        with_plugin(path, &args)
    };
    let plain = recover(
        &[
            "envelopes/sheet-1-ana-ruiz.pdf",
            "envelopes/sheet-2-ben-okafor.pdf",
            "envelopes/sheet-5-emil-sorensen.pdf",
        ],
        &[],
    );
    assert_eq!(plain.code, i32::from(Exit::Ok), "{}", plain.all());
    let opened = recover(&QUORUM, &["-i", "chen.id"]);
    assert_eq!(opened.code, i32::from(Exit::Ok), "{}", opened.all());
    assert_eq!(opened.stdout, plain.stdout, "both quorums rebuild the same secret");
}

/// A missing plugin, or a plugin that fails (as one does when its hardware key is not inserted),
/// gives one line naming the plugin and the fix, never "damaged".
#[test]
fn plugin_failures_name_the_plugin_and_the_fix() {
    let Some(python) = tool("python3") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    plugin_policy(&python, path);
    let plugin_path = path_with_plugin();

    let missing = run_with_env(path, &["seal", "--policy", "breakglass.toml"], None, &[]);
    assert_eq!(missing.code, i32::from(Exit::BadRequest), "{}", missing.all());
    assert!(
        missing.stderr.contains(
            "custodian Chen Li: the age plugin for bgtest is not installed (age-plugin-bgtest must be on PATH)"
        ),
        "{}",
        missing.stderr
    );
    let failing = run_with_env(
        path,
        &["seal", "--policy", "breakglass.toml"],
        None,
        &[("PATH", &plugin_path), ("BGTEST_FAIL", "1")],
    );
    assert_eq!(failing.code, i32::from(Exit::BadRequest), "{}", failing.all());
    assert!(
        failing.stderr.contains("custodian Chen Li: the age plugin reported: ")
            && failing.stderr.contains("the test key is not inserted"),
        "{}",
        failing.stderr
    );
    assert!(
        !path.join("envelopes").exists(),
        "nothing is written when sealing fails"
    );

    let sealed = with_plugin(path, &["seal", "--policy", "breakglass.toml"]);
    assert_eq!(sealed.code, i32::from(Exit::Ok), "{}", sealed.all());
    let unplugged = run_with_env(path, &verify_args(&["-i", "chen.id"]), None, &[]);
    assert_eq!(unplugged.code, i32::from(Exit::ShareLocked), "{}", unplugged.all());
    assert!(
        unplugged.stderr.contains(
            "error: identity file chen.id needs the age plugin for bgtest, and age-plugin-bgtest is not on PATH"
        ),
        "{}",
        unplugged.stderr
    );
    let not_inserted = run_with_env(
        path,
        &verify_args(&["-i", "chen.id"]),
        None,
        &[("PATH", &plugin_path), ("BGTEST_FAIL", "1")],
    );
    assert_eq!(
        not_inserted.code,
        i32::from(Exit::ShareLocked),
        "{}",
        not_inserted.all()
    );
    let error = not_inserted
        .stderr
        .lines()
        .find(|line| line.starts_with("error:"))
        .expect("an error line");
    assert!(
        error.starts_with("error: share 3 (Chen Li): the age plugin reported: ")
            && error.contains("the test key is not inserted")
            && !error.contains('\u{2068}'),
        "{error}"
    );
}
