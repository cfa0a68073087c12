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
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH breakglass"),
        "{}",
        &man.stdout[..200]
    );
    assert!(man.stdout.contains("Exit codes") && man.stdout.contains("seal"));
    let bad = run_in(dir.path(), &["completions", "tcsh"], None);
    assert_eq!(bad.code, i32::from(Exit::Usage), "{}", bad.all());
}
