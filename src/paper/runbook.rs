//! The paper trail of a ceremony: the recovery runbook and the ceremony record (cover page),
//! filled in from the manifest. Both are Markdown templates in `templates/`, so organisations can
//! reword or translate them; both are public (they hold no secret).

use crate::evidence::manifest::{DEFAULT_DRILL_INTERVAL_DAYS, Manifest, ShareProtection};
use crate::kinds::import::parse_date;
use crate::paper::render::document::escape;
use crate::paper::render::{self, Paper, RenderError};
use crate::platform::clock;

/// The built-in runbook template (English).
pub const RUNBOOK_TEMPLATE: &str = include_str!("../../templates/runbook.en.md");
/// The built-in ceremony record template (English).
pub const RECORD_TEMPLATE: &str = include_str!("../../templates/ceremony-record.en.md");

fn days_after(rfc3339: &str, days: u32) -> Option<String> {
    let start = parse_date(rfc3339.get(..10)?)?;
    Some(clock::date(start + i64::from(days) * 86_400))
}

fn described(kind: &str) -> &str {
    match kind {
        "passphrase" => "the password of an emergency-access account",
        "certificate" => "the private key and certificate of a breakglass app registration",
        "fido2-pin" => "the PIN of the emergency account's FIDO2 security key(s)",
        "totp" => "a TOTP (authenticator code) seed",
        "client-secret" => "an app registration client secret",
        "file" => "a file",
        other => other,
    }
}

fn protection(custodian: &crate::evidence::manifest::Custodian) -> String {
    match &custodian.protection {
        ShareProtection::None => "none".into(),
        ShareProtection::Passphrase => "custodian passphrase".into(),
        ShareProtection::Recipient { recipient } => {
            let short: String = recipient.chars().take(16).collect();
            format!("age identity ({short}...)")
        }
    }
}

fn custodian_table(manifest: &Manifest) -> String {
    let mut table =
        String::from("| Share | Custodian | Role | Kept at | Protection | Seal serial |\n|---|---|---|---|---|---|\n");
    for custodian in &manifest.custodians {
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            custodian.index,
            escape(&custodian.name),
            escape(custodian.role.as_deref().unwrap_or("")),
            escape(custodian.location.as_deref().unwrap_or("")),
            protection(custodian),
            custodian
                .seal_serial
                .as_deref()
                .map_or_else(|| "________".to_owned(), escape),
        ));
    }
    table.trim_end().to_owned()
}

/// What the runbook's "Who to call" says without contacts in the policy: blanks to fill in by
/// hand before printing.
const CONTACT_BLANKS: &str = "Write your organisation's numbers here before printing: security operations (SOC) ______________________, incident manager on call ______________________, Microsoft support contract ______________________.";

/// The `{contact_table}` placeholder: the policy's contacts as a table, or [`CONTACT_BLANKS`].
fn contact_table(manifest: &Manifest) -> String {
    if manifest.contacts.is_empty() {
        return CONTACT_BLANKS.to_owned();
    }
    let mut table = String::from("| Role | Name | Phone | Note |\n|---|---|---|---|\n");
    for contact in &manifest.contacts {
        table.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            escape(&contact.role),
            escape(contact.name.as_deref().unwrap_or("")),
            escape(contact.phone.as_deref().unwrap_or("")),
            escape(contact.note.as_deref().unwrap_or("")),
        ));
    }
    table.trim_end().to_owned()
}

/// When the secret must be rotated: the earliest of the policy's rotation date, the secret's
/// expiry and the certificate's end of validity.
pub fn rotation_due(manifest: &Manifest) -> Option<String> {
    let mut dates: Vec<String> = Vec::new();
    if let Some(days) = manifest.rotation_days
        && let Some(date) = days_after(&manifest.created, days)
    {
        dates.push(date);
    }
    if let Some(expires) = &manifest.secret_expires {
        dates.push(expires.clone());
    }
    if let Some(certificate) = &manifest.certificate {
        dates.push(certificate.not_after.chars().take(10).collect());
    }
    dates.into_iter().min()
}

/// When the next drill is due after sealing.
pub fn first_drill_due(manifest: &Manifest) -> String {
    let interval = manifest.drill_interval_days.unwrap_or(DEFAULT_DRILL_INTERVAL_DAYS);
    days_after(&manifest.created, interval).unwrap_or_else(|| format!("{interval} days after sealing"))
}

fn kql(manifest: &Manifest) -> String {
    if let Some(certificate) = &manifest.certificate {
        return format!(
            "AADServicePrincipalSignInLogs\n| where ServicePrincipalCredentialThumbprint =~ \"{}\"\n| project TimeGenerated, ServicePrincipalName, AppId, IPAddress,\n          Location, ResultType, ResultDescription",
            certificate.sha1_thumbprint
        );
    }
    let account = manifest.account.as_deref().unwrap_or("<emergency account UPN>");
    format!(
        "SigninLogs\n| where UserPrincipalName =~ \"{account}\"\n| project TimeGenerated, UserPrincipalName, IPAddress, Location,\n          AppDisplayName, ResultType, ConditionalAccessStatus"
    )
}

fn kind_instructions(manifest: &Manifest) -> String {
    let account = manifest.account.as_deref().unwrap_or("the emergency-access account");
    match manifest.secret_kind.as_str() {
        "passphrase" => format!(
            "The recovered passphrase is the password of {account}: type it exactly, with its dashes. Mandatory MFA also needs the account's FIDO2 key or certificate."
        ),
        "certificate" => {
            let thumbprint = manifest
                .certificate
                .as_ref()
                .map(|c| c.sha1_thumbprint.as_str())
                .unwrap_or("(see manifest)");
            format!(
                "`recover --out DIR` writes key.pem, cert.pem, key-and-cert.pem and certificate.pfx (SHA-1 thumbprint {thumbprint}). Sign in with `az login --service-principal -u <app id> --tenant <tenant> --certificate key-and-cert.pem` or `Connect-MgGraph -ClientId <app id> -TenantId <tenant> -CertificateThumbprint {thumbprint}` after importing the .pfx."
            )
        }
        "fido2-pin" => format!(
            "The recovered PIN unlocks the security key(s) {}; the keys themselves are kept apart from the sheets.",
            if manifest.key_serials.is_empty() {
                "of the emergency account".to_owned()
            } else {
                manifest.key_serials.join(", ")
            }
        ),
        "totp" => {
            "`recover --print` shows the seed, an otpauth:// URI and the current code (check the computer's clock)."
                .into()
        }
        "client-secret" => format!(
            "The recovered client secret expires on {}; Entra rejects it after that.",
            manifest.secret_expires.as_deref().unwrap_or("(not recorded)")
        ),
        _ => "`recover --out DIR` writes the sealed file back under its original name.".into(),
    }
}

fn values(manifest: &Manifest) -> Vec<(&'static str, String)> {
    let not_recorded = || "(not recorded)".to_owned();
    let mut extra_rows = String::new();
    if let Some(certificate) = &manifest.certificate {
        extra_rows.push_str(&format!(
            "| Certificate | {} (RSA-{}), valid {} to {} |\n| SHA-1 thumbprint | {} |\n",
            escape(&certificate.subject),
            certificate.key_bits,
            certificate.not_before,
            certificate.not_after,
            certificate.sha1_thumbprint
        ));
    }
    if !manifest.key_serials.is_empty() {
        extra_rows.push_str(&format!(
            "| Security keys | {} |\n",
            escape(&manifest.key_serials.join(", "))
        ));
    }
    if let Some(expires) = &manifest.secret_expires {
        extra_rows.push_str(&format!("| Secret expires | {expires} |\n"));
    }
    if let Some(replaces) = &manifest.replaces {
        extra_rows.push_str(&format!("| Replaces ceremony | {replaces} |\n"));
    }
    let signature_rows: String = manifest
        .custodians
        .iter()
        .map(|custodian| format!("| Custodian {} | {} | | |\n", custodian.index, escape(&custodian.name)))
        .collect();
    let ceremony = manifest.ceremony().display();
    vec![
        ("label", escape(&manifest.label)),
        ("ceremony", ceremony),
        (
            "created",
            manifest.created.replace('T', " ").trim_end_matches('Z').to_owned(),
        ),
        ("tool_version", manifest.tool_version.clone()),
        ("tool_sha256", crate::platform::build_info::executable_sha256()),
        ("kind_described", described(&manifest.secret_kind).to_owned()),
        ("account", manifest.account.as_deref().map_or_else(not_recorded, escape)),
        ("tenant", manifest.tenant.as_deref().map_or_else(not_recorded, escape)),
        ("threshold", manifest.threshold.to_string()),
        ("threshold_minus_one", (manifest.threshold - 1).to_string()),
        ("shares", manifest.shares.to_string()),
        ("recipient", manifest.vault_recipient.clone()),
        ("ciphertext_sha256", manifest.ciphertext_sha256.clone()),
        (
            "policy_sha256",
            manifest
                .policy_sha256
                .clone()
                .unwrap_or_else(|| "(sealed without a policy file)".into()),
        ),
        (
            "drill_interval_days",
            manifest
                .drill_interval_days
                .unwrap_or(DEFAULT_DRILL_INTERVAL_DAYS)
                .to_string(),
        ),
        ("next_drill", first_drill_due(manifest)),
        (
            "rotation_due",
            rotation_due(manifest).unwrap_or_else(|| "not set (add rotation_days to the policy)".into()),
        ),
        ("custodian_table", custodian_table(manifest)),
        ("kind_instructions", kind_instructions(manifest)),
        ("kql", kql(manifest)),
        ("extra_rows", extra_rows.trim_end().to_owned()),
        ("signature_rows", signature_rows.trim_end().to_owned()),
        ("contact_table", contact_table(manifest)),
    ]
}

/// Fills `{name}` placeholders of a template with the ceremony's facts.
pub fn fill(template: &str, manifest: &Manifest) -> String {
    crate::ceremony::seal::fill_template(template, &values(manifest))
}

/// The runbook as Markdown.
pub fn runbook_markdown(manifest: &Manifest, template: &str) -> String {
    fill(template, manifest)
}

/// Renders filled Markdown to PDF with a footer naming the ceremony.
pub fn render(markdown: &str, manifest: &Manifest, paper: Paper, what: &str) -> Result<Vec<u8>, RenderError> {
    let footer = format!(
        "breakglass {what} - ceremony {} - {}",
        manifest.ceremony().display(),
        manifest.label
    );
    render::document::render_markdown(
        markdown,
        paper,
        &format!("breakglass {what} - {}", manifest.label),
        &footer,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::manifest::Contact;

    fn manifest() -> Manifest {
        let json = std::fs::read("tests/vectors/v1/ceremony-1/manifest.json").expect("vector manifest");
        let mut manifest = Manifest::parse(&json).expect("parses");
        manifest.account = Some("bg01@contoso.onmicrosoft.com".into());
        manifest.rotation_days = Some(365);
        manifest.drill_interval_days = Some(60);
        manifest
    }

    #[test]
    fn every_placeholder_is_filled() {
        let manifest = manifest();
        for template in [RUNBOOK_TEMPLATE, RECORD_TEMPLATE] {
            let filled = fill(template, &manifest);
            assert!(!filled.contains('{'), "unfilled placeholder in:\n{filled}");
            assert!(filled.contains(&manifest.ceremony().display()));
        }
        let runbook = runbook_markdown(&manifest, RUNBOOK_TEMPLATE);
        assert!(runbook.contains("UserPrincipalName =~ \"bg01@contoso.onmicrosoft.com\""));
        assert!(runbook.contains(&format!("Any **{} of the {}**", manifest.threshold, manifest.shares)));
        assert!(runbook.contains(&first_drill_due(&manifest)));
    }

    #[test]
    fn without_contacts_the_runbook_leaves_blanks_as_before() {
        let runbook = runbook_markdown(&manifest(), RUNBOOK_TEMPLATE);
        assert!(runbook.contains("## 2. Who to call\n\nWrite your organisation's numbers here before printing: security operations (SOC) ______________________, incident manager on call ______________________, Microsoft support contract ______________________.\n"), "{runbook}");
    }

    #[test]
    fn contacts_fill_a_table() {
        let mut manifest = manifest();
        manifest.contacts = vec![
            Contact {
                role: "Security operations (SOC)".into(),
                name: Some("Contoso SOC".into()),
                phone: Some("+44 20 7946 0000".into()),
                note: Some("24x7 | ask for the duty manager".into()),
            },
            Contact {
                role: "Incident manager on call".into(),
                phone: Some("+44 20 7946 0001".into()),
                ..Contact::default()
            },
        ];
        assert_eq!(
            contact_table(&manifest),
            "| Role | Name | Phone | Note |\n|---|---|---|---|\n\
             | Security operations (SOC) | Contoso SOC | +44 20 7946 0000 | 24x7 \\| ask for the duty manager |\n\
             | Incident manager on call |  | +44 20 7946 0001 |  |"
        );
        let runbook = runbook_markdown(&manifest, RUNBOOK_TEMPLATE);
        assert!(runbook.contains("## 2. Who to call\n\n| Role | Name"), "{runbook}");
        assert!(!runbook.contains("Write your organisation's numbers"), "{runbook}");
        // A template without the placeholder still fills.
        assert_eq!(
            runbook_markdown(&manifest, "Call {label}."),
            format!("Call {}.", manifest.label)
        );
    }

    #[test]
    fn dates_follow_the_policy() {
        let manifest = manifest();
        let created = parse_date(&manifest.created[..10]).expect("date");
        assert_eq!(first_drill_due(&manifest), clock::date(created + 60 * 86_400));
        assert_eq!(rotation_due(&manifest), Some(clock::date(created + 365 * 86_400)));
    }
}
