//! The command line's own documentation: help with examples, completions, man page.

use crate::support::run_in;
use breakglass::exit::Exit;

#[test]
fn every_command_has_help_with_an_example_and_the_exit_codes_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let top = run_in(dir.path(), &["--help"], None);
    assert_eq!(top.code, i32::from(Exit::Ok));
    for exit in Exit::ALL {
        let line = format!("  {:>2}  {}", exit.code(), exit.meaning().replace('`', ""));
        assert!(top.stdout.contains(&line), "{line:?} not in:\n{}", top.stdout);
    }
    for command in [
        &["seal"][..],
        &["verify"],
        &["recover"],
        &["generate", "passphrase"],
        &["assess"],
        &["drill"],
        &["log", "verify"],
        &["log", "show"],
        &["status"],
        &["completions"],
        &["man"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let run = run_in(dir.path(), &args, None);
        assert_eq!(run.code, i32::from(Exit::Ok), "{command:?}: {}", run.all());
        assert!(
            run.stdout.contains("breakglass "),
            "{command:?} help shows no example:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("Example"),
            "{command:?} help shows no example:\n{}",
            run.stdout
        );
    }
}

#[test]
fn completions_and_man_page_are_generated_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = run_in(dir.path(), &["completions", shell], None);
        assert_eq!(run.code, i32::from(Exit::Ok), "{shell}: {}", run.all());
        for word in ["seal", "verify", "recover", "require-offline"] {
            assert!(run.stdout.contains(word), "{shell} completions lack {word}");
        }
    }
    let man = run_in(dir.path(), &["man"], None);
    assert_eq!(man.code, i32::from(Exit::Ok), "{}", man.all());
    assert!(man.stdout.starts_with(".TH BREAKGLASS 1 "), "{}", &man.stdout[..200]);
    // One page holding everything: no reference to a page that is never installed, every
    // command (subcommands too) with its options, and the exit status in order.
    assert!(!man.stdout.contains("(1)"), "refers to other pages");
    for command in [
        "seal",
        "verify",
        "recover",
        "reseal",
        "drill",
        "signin\\-check",
        "log verify",
        "log repair",
        "status",
        "generate passphrase",
    ] {
        assert!(
            man.stdout.contains(&format!(".SS \"breakglass {command}\"")),
            "{command} missing"
        );
    }
    assert!(man.stdout.contains("\\fB\\-\\-require\\-offline\\fR"));
    let exit = &man.stdout[man.stdout.find(".SH \"EXIT STATUS\"").expect("exit status")..];
    let codes: Vec<u8> = exit
        .lines()
        .filter_map(|line| line.strip_prefix("\\fB")?.strip_suffix("\\fR")?.parse().ok())
        .collect();
    let expected: Vec<u8> = Exit::ALL.iter().map(|exit| exit.code()).collect();
    assert_eq!(codes, expected, "every exit code, in order");
    let bad = run_in(dir.path(), &["completions", "tcsh"], None);
    assert_eq!(bad.code, i32::from(Exit::Usage), "{}", bad.all());
}
