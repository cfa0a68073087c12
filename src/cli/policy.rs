//! `breakglass init`, `breakglass check-policy`, and turning a policy file into a ceremony.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use breakglass::ceremony::files::PaperTrailTemplates;
use breakglass::ceremony::policy::{self, Policy, PolicySecret, Protection};
use breakglass::ceremony::request::{self, PolicySource, RequestError};
use breakglass::ceremony::seal::CeremonyRequest;
use breakglass::crypto::secret::SecretString;
use breakglass::exit::Exit;
use breakglass::platform::{clock, input};

use super::Failure;
use super::unlock::read_secret_line;

/// Runs `init`: writes the commented policy template, never over an existing file.
pub fn init(path: &Path) -> Result<(), Failure> {
    breakglass::platform::output::write_new_file(path, policy::TEMPLATE.as_bytes())
        .map_err(|error| Failure::new(Exit::from(&error), error.to_string()))?;
    errln!(
        "Wrote {}: edit it (every value is an example), then run",
        path.display()
    );
    errln!("  breakglass check-policy {}", path.display());
    errln!("  breakglass seal --policy {}", path.display());
    errln!("It holds no secret: commit it to git beside the ceremony's manifest.");
    Ok(())
}

/// Reads and validates a policy, printing every problem (and warning) with its line.
pub fn load(path: &Path) -> Result<Policy, Failure> {
    let limit = breakglass::ceremony::policy::MAX_BYTES as u64;
    let bytes = input::read(path, limit).map_err(|error| {
        Failure::new(
            Exit::Unreadable,
            format!(
                "cannot read the policy {}: {error}; check the path (breakglass init writes one)",
                path.display()
            ),
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::new(
            Exit::Policy,
            format!("{} is not UTF-8 text; save the policy as UTF-8", path.display()),
        )
    })?;
    match policy::parse(&text, clock::now_unix()) {
        Ok(policy) => {
            for warning in &policy.warnings {
                errln!("warning: {}", at(path, warning.line, &warning.message));
            }
            Ok(policy)
        }
        Err(error) => {
            let count = error.problems.len();
            if count > 1 {
                for problem in &error.problems {
                    errln!("{}", at(path, problem.line, &problem.message));
                }
            }
            let first = error
                .problems
                .first()
                .map(|p| (p.line, p.message.clone()))
                .unwrap_or_default();
            Err(Failure::new(
                Exit::Policy,
                if count > 1 {
                    format!(
                        "{}: {count} problems (listed above); fix them and run breakglass check-policy again",
                        path.display()
                    )
                } else {
                    at(path, first.0, &first.1)
                },
            ))
        }
    }
}

/// `FILE:LINE: message`, or `FILE: message` for a problem of the whole file (line 0).
fn at(path: &Path, line: usize, message: &str) -> String {
    match line {
        0 => format!("{}: {message}", path.display()),
        line => format!("{}:{line}: {message}", path.display()),
    }
}

/// Runs `check-policy`.
pub fn check(path: &Path) -> Result<(), Failure> {
    let policy = load(path)?;
    let protected = policy
        .custodians
        .iter()
        .filter(|custodian| custodian.protection != Protection::None)
        .count();
    outln!(
        "{}: valid. \"{}\": {} of {} custodians ({} with protected shares), {}, drill every {} days{}.",
        path.display(),
        policy.label,
        policy.threshold,
        policy.custodians.len(),
        protected,
        match &policy.secret {
            PolicySecret::Passphrase { .. } => "a generated passphrase".to_owned(),
            PolicySecret::Certificate { key_bits, .. } => format!("a generated RSA-{key_bits} app certificate"),
            PolicySecret::Import { kind, .. } => format!("an imported {}", kind.as_str()),
        },
        policy.drill_interval_days,
        policy
            .rotation_days
            .map(|days| format!(", rotate within {days} days"))
            .unwrap_or_default()
    );
    for contact in &policy.contacts {
        let reach: Vec<&str> = [&contact.name, &contact.phone]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let note = contact
            .note
            .as_ref()
            .map(|note| format!(" ({note})"))
            .unwrap_or_default();
        outln!("contact: {}: {}{note}", contact.role, reach.join(", "));
    }
    outln!("policy sha256: {}", policy.sha256);
    Ok(())
}

fn ask_passphrase(name: &str, index: usize) -> Result<SecretString, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "custodian {index} ({name}) protects their share with a passphrase: run seal on a terminal so they can type it, or give --custodian-passphrase-file {index}=FILE"
            ),
        ));
    }
    choose_passphrase(
        name,
        index,
        &mut |prompt| rpassword::prompt_password(prompt).map(SecretString::new),
        &mut |line| errln!("{line}"),
    )
}

/// Asks custodian `index` (`name`, said once) to choose their passphrase and type it again.
/// One too short is refused as soon as it is typed, and two that differ start over; after
/// [`TRIES`] refusals the ceremony stops, before anything was sealed.
fn choose_passphrase(
    name: &str,
    index: usize,
    prompt: &mut dyn FnMut(&str) -> std::io::Result<SecretString>,
    say: &mut dyn FnMut(&str),
) -> Result<SecretString, Failure> {
    let min = breakglass::crypto::protect::MIN_PASSPHRASE_CHARS;
    let unreadable = |error: std::io::Error| Failure::new(Exit::Usage, format!("cannot read the passphrase: {error}"));
    say(&format!(
        "Custodian {index}, {name}: choose the passphrase that protects your share (at least {min} characters; it is not shown)."
    ));
    for _ in 0..TRIES {
        let first = prompt("Passphrase: ").map_err(unreadable)?;
        if first.expose().chars().count() < min {
            say(&format!("That is shorter than {min} characters; choose a longer one."));
            continue;
        }
        let second = prompt("Type it again: ").map_err(unreadable)?;
        if first.same_as(&second) {
            return Ok(first);
        }
        say("The two differ; choose it again.");
    }
    Err(Failure::new(
        Exit::Usage,
        format!(
            "custodian {index} ({name}): no passphrase was chosen in {TRIES} tries (too short, or typed differently the second time); nothing was sealed, run seal again"
        ),
    ))
}

/// How many times a custodian may choose a passphrase before the ceremony stops.
const TRIES: usize = 5;

/// Where the ceremony is written: `--out`, else the policy's `out` (beside the policy file).
pub fn output_dir(policy_path: &Path, policy: &Policy, out: Option<&PathBuf>) -> Result<PathBuf, Failure> {
    match (out, &policy.out) {
        (Some(out), _) => Ok(out.clone()),
        (None, Some(out)) => Ok(request::beside(policy_path, out)),
        (None, None) => Err(Failure::new(
            Exit::Usage,
            "the policy names no output directory: add out = \"envelopes\" to it, or give --out DIR",
        )),
    }
}

/// Options of a ceremony run that the policy does not hold, as given on the command line.
pub struct PolicyRun<'a> {
    /// `--seal-serial INDEX=SERIAL`.
    pub seal_serials: &'a [String],
    /// `--custodian-passphrase-file INDEX=FILE`.
    pub custodian_passphrase_files: &'a [String],
}

/// Builds the ceremony request a policy describes, with its paper-trail templates: the
/// passphrases of passphrase-protected custodians are read from their files or asked for here,
/// the rest is the library's ([`request::from_policy`]).
pub fn request(
    policy_path: &Path,
    policy: &Policy,
    run: PolicyRun,
    source: PolicySource,
) -> Result<(CeremonyRequest, PaperTrailTemplates), Failure> {
    let passphrase_files = super::indexed_options(
        run.custodian_passphrase_files,
        "--custodian-passphrase-file",
        "2=ben.txt",
    )?;
    let seal_serials = super::indexed_options(run.seal_serials, "--seal-serial", "2=TE-004512")?;
    let given: Vec<usize> = passphrase_files.iter().map(|(index, _)| *index).collect();
    let needed = request::passphrase_custodians(policy, &given).map_err(request_failure)?;
    let mut passphrases = Vec::new();
    for (index, name) in needed {
        let passphrase = match passphrase_files.iter().find(|(wanted, _)| *wanted == index) {
            Some((_, file)) => read_secret_line(Path::new(file), "the custodian passphrase")?,
            None => ask_passphrase(name, index)?,
        };
        passphrases.push((index, passphrase));
    }
    let run = request::PolicyRun {
        seal_serials,
        passphrases,
        now: clock::now_unix(),
    };
    request::from_policy(policy_path, policy, run, source).map_err(request_failure)
}

/// A request that cannot be built, said in terms of the command line (the library says what
/// is wrong; the flag that set it is named here).
pub fn request_failure(error: RequestError) -> Failure {
    let message = match &error {
        RequestError::NoSuchCustodian { index, count } => {
            format!("--seal-serial {index}=...: there are only {count} custodians")
        }
        RequestError::NotPassphraseProtected(index) => format!(
            "--custodian-passphrase-file {index}=...: custodian {index} is not passphrase-protected in the policy"
        ),
        RequestError::CertificateFromFile => "the policy generates a certificate; do not give --secret-file".to_owned(),
        RequestError::NoSecretFile(kind) => {
            format!("the policy imports a {kind}: give --secret-file PATH (or - for standard input)")
        }
        _ => error.to_string(),
    };
    Failure::new(Exit::from(&error), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `choose_passphrase` on typed answers, returning its result, the prompts and what it said.
    fn choose(answers: &[&str]) -> (Result<SecretString, Failure>, Vec<String>, Vec<String>) {
        let mut answers = answers.iter();
        let (mut prompts, mut said) = (Vec::new(), Vec::new());
        let result = choose_passphrase(
            "Ana Ruiz",
            2,
            &mut |prompt| {
                prompts.push(prompt.to_owned());
                answers
                    .next()
                    .map(|answer| SecretString::new((*answer).to_owned()))
                    .ok_or_else(|| std::io::Error::other("no more input"))
            },
            &mut |line| said.push(line.to_owned()),
        );
        (result, prompts, said)
    }

    #[test]
    fn a_too_short_passphrase_is_asked_again_at_once_and_the_custodian_is_named_once() {
        let (chosen, prompts, said) = choose(&["short", "long enough now", "long enough now"]);
        assert_eq!(chosen.unwrap().expose(), "long enough now");
        assert_eq!(
            prompts,
            ["Passphrase: ", "Passphrase: ", "Type it again: "],
            "not typed twice when too short"
        );
        assert!(said[1].contains("shorter than 10 characters"), "{said:?}");
        let named = said
            .iter()
            .chain(&prompts)
            .filter(|line| line.contains("Ana Ruiz"))
            .count();
        assert_eq!(named, 1, "{said:?} {prompts:?}");
    }

    #[test]
    fn two_different_passphrases_start_over_and_too_many_tries_stop_before_sealing() {
        let (chosen, _, said) = choose(&["first attempt", "first attempt!", "second attempt", "second attempt"]);
        assert_eq!(chosen.unwrap().expose(), "second attempt");
        assert!(
            said.contains(&"The two differ; choose it again.".to_owned()),
            "{said:?}"
        );
        let (chosen, prompts, _) = choose(&["short"; 9]);
        let failure = chosen.unwrap_err();
        assert_eq!(prompts.len(), TRIES);
        assert!(failure.message.contains("nothing was sealed"), "{}", failure.message);
    }
}
