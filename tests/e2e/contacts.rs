//! Whom to call: the policy's `[[contact]]` tables, through the manifest, into the runbook.

use crate::ceremony::{TEMPLATE, write};
use crate::support::{pdf_text, run_in};
use breakglass::exit::Exit;

/// Two contacts, appended to the commented template.
const CONTACTS: &str = "
[[contact]]
role = \"Security operations (SOC)\"
name = \"Contoso SOC\"
phone = \"+44 20 7946 0000\"
note = \"24x7, ask for the duty manager\"

[[contact]]
role = \"Incident manager on call\"
phone = \"+44 20 7946 0001\"
";

/// The runbook's sentence when the policy names nobody, exactly as it read before contacts.
const BLANKS: &str = "Write your organisation's numbers here before printing: security operations (SOC) ______________________, incident manager on call ______________________, Microsoft support contract ______________________.";

const FACTS: [&str; 6] = [
    "Security operations (SOC)",
    "Contoso SOC",
    "+44 20 7946 0000",
    "24x7, ask for the duty manager",
    "Incident manager on call",
    "+44 20 7946 0001",
];

fn manifest(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("manifest")).expect("json")
}

#[test]
fn contacts_are_listed_recorded_and_printed_in_the_runbook() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    write(path, "breakglass.toml", &format!("{TEMPLATE}{CONTACTS}"));

    let check = run_in(path, &["check-policy", "breakglass.toml"], None);
    assert_eq!(check.code, i32::from(Exit::Ok), "{}", check.all());
    assert!(
        check.stdout.contains(
            "contact: Security operations (SOC): Contoso SOC, +44 20 7946 0000 (24x7, ask for the duty manager)\n\
             contact: Incident manager on call: +44 20 7946 0001\n"
        ),
        "{}",
        check.stdout
    );

    let sealed = run_in(path, &["seal", "--policy", "breakglass.toml"], None);
    assert_eq!(sealed.code, i32::from(Exit::Ok), "{}", sealed.all());
    let recorded = manifest(&path.join("envelopes/manifest.json"));
    assert_eq!(
        recorded["contacts"],
        serde_json::json!([
            {
                "role": "Security operations (SOC)",
                "name": "Contoso SOC",
                "phone": "+44 20 7946 0000",
                "note": "24x7, ask for the duty manager"
            },
            { "role": "Incident manager on call", "phone": "+44 20 7946 0001" }
        ])
    );
    let markdown = std::fs::read_to_string(path.join("envelopes/runbook.md")).expect("runbook.md");
    assert!(
        markdown.contains(
            "| Security operations (SOC) | Contoso SOC | +44 20 7946 0000 | 24x7, ask for the duty manager |\n\
             | Incident manager on call |  | +44 20 7946 0001 |  |\n"
        ),
        "{markdown}"
    );
    assert!(!markdown.contains(BLANKS), "{markdown}");
    let printed = pdf_text(&path.join("envelopes/runbook.pdf"));
    for fact in FACTS {
        assert!(printed.contains(fact), "runbook.pdf lacks {fact:?}:\n{printed}");
    }
}

/// The untouched template names nobody: the runbook keeps its blanks and the manifest has no
/// `contacts`; a re-seal takes the contacts of its new policy.
#[test]
fn without_contacts_the_runbook_keeps_its_blanks_and_reseal_adds_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    write(path, "old.toml", TEMPLATE);
    let sealed = run_in(path, &["seal", "--policy", "old.toml"], None);
    assert_eq!(sealed.code, i32::from(Exit::Ok), "{}", sealed.all());
    let markdown = std::fs::read_to_string(path.join("envelopes/runbook.md")).expect("runbook.md");
    assert!(
        markdown.contains(&format!("## 2. Who to call\n\n{BLANKS}\n")),
        "{markdown}"
    );
    let json = std::fs::read_to_string(path.join("envelopes/manifest.json")).expect("manifest");
    assert!(!json.contains("contacts"), "{json}");

    write(
        path,
        "new.toml",
        &format!("{TEMPLATE}{CONTACTS}").replace("out = \"envelopes\"", "out = \"envelopes-2\""),
    );
    let resealed = run_in(
        path,
        &[
            "reseal",
            "--policy",
            "new.toml",
            "--manifest",
            "envelopes/manifest.json",
            "envelopes/sheet-1-ana-ruiz.pdf",
            "envelopes/sheet-2-ben-okafor.pdf",
            "envelopes/sheet-3-chen-li.pdf",
        ],
        None,
    );
    assert_eq!(resealed.code, i32::from(Exit::Ok), "{}", resealed.all());
    let recorded = manifest(&path.join("envelopes-2/manifest.json"));
    assert_eq!(recorded["contacts"][1]["role"], "Incident manager on call");
    let markdown = std::fs::read_to_string(path.join("envelopes-2/runbook.md")).expect("runbook.md");
    for fact in FACTS {
        assert!(markdown.contains(fact), "runbook.md lacks {fact:?}:\n{markdown}");
    }
}

/// A bad contact is reported at its line, exit 17, and nothing is sealed.
#[test]
fn a_bad_contact_is_reported_at_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    let text = format!(
        "{TEMPLATE}{}",
        CONTACTS.replace("phone = \"+44 20 7946 0001\"", "note = \"weekdays\"")
    );
    write(path, "breakglass.toml", &text);
    let line = text
        .lines()
        .position(|line| line == "role = \"Incident manager on call\"")
        .expect("role")
        + 1;
    let check = run_in(path, &["check-policy", "breakglass.toml"], None);
    assert_eq!(check.code, i32::from(Exit::Policy), "{}", check.all());
    assert!(
        check.stderr.contains(&format!(
            "breakglass.toml:{line}: contact \"Incident manager on call\" has neither name nor phone"
        )),
        "{}",
        check.stderr
    );
    let sealed = run_in(path, &["seal", "--policy", "breakglass.toml"], None);
    assert_eq!(sealed.code, i32::from(Exit::Policy), "{}", sealed.all());
    assert!(!path.join("envelopes").exists());
}
