//! What a user reads stays consistent: every failure is said once, a missing file is "not
//! found" whatever the command, counts agree with their nouns, and the new passphrase is shown
//! exactly as it is typed, with the runbook's order of what comes next.

use breakglass::exit::Exit;

use crate::support::{Run, run_in, seal, seal_ana_and_ben};

/// The message after "error: " on standard error.
fn error_message(run: &Run) -> String {
    let lines: Vec<&str> = run.stderr.lines().filter(|line| line.starts_with("error: ")).collect();
    assert_eq!(lines.len(), 1, "one error line: {}", run.all());
    lines[0]["error: ".len()..].to_owned()
}

#[test]
fn every_failure_is_said_once_and_a_missing_file_is_not_found_in_the_same_words() {
    let sealed = seal_ana_and_ben();
    let one = sealed.sheet(1).display().to_string();
    std::fs::write(sealed.path("typed.txt"), "not a sheet\n").unwrap();
    let manifest = sealed.manifest().display().to_string();
    let missing: [&[&str]; 7] = [
        &["verify", "missing.pdf"],
        &["verify", "--manifest", "missing.json", &one],
        &["drill", "--manifest", &manifest, "missing.pdf"],
        &["status", "missing"],
        &["check-policy", "missing.toml"],
        &["assess", "--no-input", "--answers", "missing.toml"],
        &[
            "signin-check",
            "--manifest",
            "missing.json",
            "--signed-in",
            "yes",
            "--alert-fired",
            "yes",
        ],
    ];
    for args in missing {
        let run = sealed.run(args);
        assert_ne!(run.code, 0, "{args:?}");
        let message = error_message(&run);
        assert!(message.contains(": not found; "), "{args:?}: {message}");
        assert_eq!(
            run.all().matches(&message).count(),
            1,
            "{args:?} said it twice: {}",
            run.all()
        );
    }
    let failing: [(&[&str], Exit); 3] = [
        (
            &["verify", "--no-log", "--manifest", &manifest, &one],
            Exit::TooFewShares,
        ),
        (&["drill", "--manifest", &manifest, &one, "typed.txt"], Exit::Damaged),
        (&["verify", "--no-log", "typed.txt"], Exit::Damaged),
    ];
    for (args, exit) in failing {
        let run = sealed.run(args);
        assert_eq!(run.code, i32::from(exit), "{args:?}: {}", run.all());
        let message = error_message(&run);
        assert_eq!(
            run.all().matches(&message).count(),
            1,
            "{args:?} said it twice: {}",
            run.all()
        );
    }
    let run = sealed.run(&["verify", "--no-log", "--manifest", &manifest, &one]);
    assert!(
        error_message(&run).contains("only 1 of the 2 shares needed is present"),
        "{}",
        run.all()
    );
}

#[test]
fn the_new_passphrase_is_shown_as_typed_with_what_to_do_next_in_the_runbook_order() {
    let sealed = seal(&[]);
    let shown = sealed.passphrase.clone().expect("the passphrase is shown");
    let sheets: Vec<String> = (1..=3).map(|index| sealed.sheet(index).display().to_string()).collect();
    let mut args = vec!["recover", "--print", "--no-log"];
    args.extend(sheets.iter().map(String::as_str));
    let recovered = run_in(sealed.dir.path(), &args, None);
    assert_eq!(recovered.code, 0, "{}", recovered.all());
    assert_eq!(recovered.stdout.trim(), shown, "shown exactly as it is typed");
    let stdout = &sealed.run.stdout;
    assert!(stdout.contains("exactly as it is typed, dashes included"), "{stdout}");
    assert!(!stdout.contains("without the spaces"), "{stdout}");
    let set = stdout.find("Set it on the emergency-access account now").expect(stdout);
    let destroy = stdout.find("only then destroy the sheets").expect(stdout);
    assert!(set < destroy, "{stdout}");
}
