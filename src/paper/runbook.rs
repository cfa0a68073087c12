//! The paper trail of a ceremony: the recovery runbook and the ceremony record (cover page),
//! filled in from the manifest. Both are Markdown templates in `templates/`, so organisations can
//! reword or translate them; both are public (they hold no secret).

use crate::evidence::manifest::{DEFAULT_DRILL_INTERVAL_DAYS, Manifest, ShareProtection};
use crate::paper::render::document::escape;
use crate::paper::render::{self, Paper, RenderError};
use crate::platform::clock;
use crate::platform::dates::{Day, UtcTime};

/// The built-in runbook template (English).
pub const RUNBOOK_TEMPLATE: &str = include_str!("../../templates/runbook.en.md");
/// The built-in ceremony record template (English).
pub const RECORD_TEMPLATE: &str = include_str!("../../templates/ceremony-record.en.md");

fn days_after(time: UtcTime, days: u32) -> String {
    clock::date(time.day().start() + i64::from(days) * 86_400)
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
    // The contact column only when the policy gave any (it is room the other columns need).
    let contacts = manifest.custodians.iter().any(|custodian| custodian.contact.is_some());
    let mut table = if contacts {
        String::from(
            "| Share | Custodian | Role | Contact | Kept at | Protection | Envelope serial |\n|---|---|---|---|---|---|---|\n",
        )
    } else {
        String::from(
            "| Share | Custodian | Role | Kept at | Protection | Envelope serial |\n|---|---|---|---|---|---|\n",
        )
    };
    for custodian in &manifest.custodians {
        let contact = if contacts {
            format!(" {} |", escape(custodian.contact.as_deref().unwrap_or("")))
        } else {
            String::new()
        };
        table.push_str(&format!(
            "| {} | {} | {} |{contact} {} | {} | {} |\n",
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
    let mut dates: Vec<Day> = Vec::new();
    if let Some(days) = manifest.rotation_days {
        dates.push(UtcTime::from_unix(manifest.created.day().start() + i64::from(days) * 86_400).day());
    }
    dates.extend(manifest.secret_expires);
    if let Some(certificate) = &manifest.certificate {
        dates.push(certificate.not_after.day());
    }
    dates.into_iter().min().map(|day| day.to_string())
}

/// When the next drill is due after sealing.
pub fn first_drill_due(manifest: &Manifest) -> String {
    let interval = manifest.drill_interval_days.unwrap_or(DEFAULT_DRILL_INTERVAL_DAYS);
    days_after(manifest.created, interval)
}

/// A fact of the ceremony for a command, or a marked blank when the policy did not record it.
pub(crate) fn or_blank(value: Option<&str>, blank: &str) -> String {
    value.map_or_else(|| format!("<{blank}>"), str::to_owned)
}

/// The sign-in alert's query: by the account's object id (interactive and non-interactive
/// sign-ins) or by the app's id (service-principal sign-ins), which survive renames.
fn kql(manifest: &Manifest) -> String {
    if crate::kinds::of(&manifest.secret_kind).profile().signs_in_as_app {
        let app_id = or_blank(manifest.app_id.as_deref(), "application (client) id");
        return format!(
            "AADServicePrincipalSignInLogs\n| where AppId == \"{app_id}\"\n| project TimeGenerated, AppId, ServicePrincipalName, ServicePrincipalCredentialKeyId,\n          IPAddress, Location, ResultType, ResultDescription"
        );
    }
    let user_id = or_blank(manifest.account_id.as_deref(), "object id of the account");
    format!(
        "union SigninLogs, AADNonInteractiveUserSignInLogs\n| where UserId == \"{user_id}\"\n| project TimeGenerated, Type, UserId, UserPrincipalName, IPAddress, Location,\n          AppDisplayName, ResultType, ConditionalAccessStatus"
    )
}

/// How the alert rule is set up, and how to find an id the policy did not record.
fn alert_settings(manifest: &Manifest) -> String {
    let mut text = String::from(
        "Create it as a scheduled analytics rule (Sentinel) or a log search alert rule (Azure Monitor): run the query every 5 minutes over the last 10 minutes of data (the overlap covers late log delivery; a sign-in may be reported twice, never missed), alert when the number of results is greater than 0, one alert per result, severity High (Azure Monitor: Sev 0), and route it to the people in section 2. Test it at every drill.",
    );
    let app = crate::kinds::of(&manifest.secret_kind).profile().signs_in_as_app;
    if app && manifest.app_id.is_none() {
        text.push_str("\n\nThe policy did not record the app's id: copy the Application (client) ID from the app registration's Overview, and add `app_id` to the policy for the next ceremony.");
    }
    if !app && manifest.account_id.is_none() {
        text.push_str(&format!(
            "\n\nThe policy did not record the account's object id: in Microsoft Graph PowerShell, `(Get-MgUser -UserId {}).Id` prints it; add `account_id` to the policy for the next ceremony.",
            or_blank(manifest.account.as_deref(), "account")
        ));
    }
    text
}

/// A PowerShell string literal: single quotes, which expand nothing (a `'` inside is doubled).
fn ps_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The lines that set PowerShell variables for the ceremony's long values, so that no command
/// line is too long for the page (a wrapped command typed as printed runs as two).
pub(crate) fn ps_variables(variables: &[(&str, &str)]) -> String {
    variables
        .iter()
        .map(|(name, value)| format!("${name} = {}\n", ps_quote(value)))
        .collect()
}

/// Setting a passphrase on the account, used after a ceremony (the admin center's "Reset password"
/// only issues a temporary one).
pub(crate) fn set_passphrase(account: &str, tenant: &str) -> String {
    format!(
        "Set it with Microsoft Graph PowerShell, signed in with a role allowed to set a Global Administrator's password, such as Privileged Authentication Administrator or Global Administrator (the admin center's \"Reset password\" issues a temporary password instead):\n\n```\n{}Connect-MgGraph -TenantId $tenant -Scopes 'User-PasswordProfile.ReadWrite.All'\n$secure = Read-Host -AsSecureString 'New passphrase'\n$password = @{{\n    Password = [Net.NetworkCredential]::new('', $secure).Password\n    ForceChangePasswordNextSignIn = $false\n}}\nUpdate-MgUser -UserId $account -PasswordProfile $password\nUpdate-MgUser -UserId $account -PasswordPolicies 'DisablePasswordExpiration'\n```\n\nType the passphrase at the prompt (shown as stars, and not kept in the shell history), then sign in once with it and the account's FIDO2 key to prove it works. The role is what allows the change; if `Update-MgUser` still answers \"Insufficient privileges\", reconnect with `-Scopes 'Directory.AccessAsUser.All'`.",
        ps_variables(&[("tenant", tenant), ("account", account)])
    )
}

/// `text` with every line after the first indented to sit inside a numbered item.
pub(crate) fn indented(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("   {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim_start()
        .to_owned()
}

/// Code lines indented to sit inside a numbered item.
pub(crate) fn indented_block(lines: &str) -> String {
    lines.lines().map(|line| format!("   {line}\n")).collect()
}

/// Section 6: what to do after a recovery, in the order that never leaves the account without a
/// sealed secret: new ceremony first, then the new secret is set, then the old sheets go.
fn after_use(manifest: &Manifest) -> String {
    let rotate = crate::kinds::of(&manifest.secret_kind).replacing_it(manifest);
    format!(
        "1. Hold a new sealing ceremony at once (`breakglass seal --policy ...`) with new envelopes: it makes the new secret. The old sheets stay valid until step 2 is done.\n{rotate}\n3. Destroy the opened sheets of ceremony {} (shred them) and record it in the log; delete scans and typed files on the offline computer.\n4. Review what the account (or app) did while the glass was broken: its sign-ins (Entra admin center, Sign-in logs, filtered on the account; for an app, the service principal sign-ins) and the Audit logs of the same hours. Every action should be one the responders took.
5. Write the post-mortem: why the glass was broken, who took part, the sign-in alert's timeline, what was changed, what to change.",
        manifest.ceremony().display()
    )
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
        extra_rows.push_str(&format!("| Replaces ceremony | {} |\n", replaces.as_str()));
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
            manifest
                .created
                .to_string()
                .replace('T', " ")
                .trim_end_matches('Z')
                .to_owned(),
        ),
        ("tool_version", manifest.tool_version.clone()),
        (
            "tool_sha256",
            crate::platform::build_info::executable_sha256().to_owned(),
        ),
        (
            "kind_described",
            crate::kinds::in_runbook(&manifest.secret_kind).to_owned(),
        ),
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
            "next_signin_check",
            days_after(manifest.created, crate::evidence::signin::INTERVAL_DAYS),
        ),
        (
            "rotation_due",
            rotation_due(manifest).unwrap_or_else(|| "not set (add rotation_days to the policy)".into()),
        ),
        ("custodian_table", custodian_table(manifest)),
        (
            "entra_steps",
            crate::kinds::of(&manifest.secret_kind).using_it(manifest),
        ),
        ("after_use", after_use(manifest)),
        ("kql", kql(manifest)),
        ("alert_settings", alert_settings(manifest)),
        (
            "app_line",
            manifest
                .app_id
                .as_deref()
                .map_or_else(String::new, |app_id| format!(" Application (client) id: `{app_id}`.")),
        ),
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
        let mut manifest = crate::evidence::manifest::vector_for_tests();
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
            // PowerShell's @{ ... } hashtables are text; a {name} placeholder is not.
            let unfilled = filled.split('{').skip(1).any(|rest| {
                rest.split_once('}').is_some_and(|(name, _)| {
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                })
            });
            assert!(!unfilled, "unfilled placeholder in:\n{filled}");
            assert!(filled.contains(&manifest.ceremony().display()));
        }
        let runbook = runbook_markdown(&manifest, RUNBOOK_TEMPLATE);
        assert!(
            runbook.contains("(Get-MgUser -UserId bg01@contoso.onmicrosoft.com).Id"),
            "{runbook}"
        );
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
                on_sheets: true,
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
    fn a_custodian_contact_is_in_the_runbook_table_only_when_given() {
        let mut manifest = manifest();
        assert!(!custodian_table(&manifest).contains("Contact"));
        manifest.custodians[1].contact = Some("+44 20 7946 0102".into());
        let table = custodian_table(&manifest);
        assert!(table.starts_with("| Share | Custodian | Role | Contact |"), "{table}");
        assert!(table.contains("| +44 20 7946 0102 |"), "{table}");
    }

    #[test]
    fn dates_follow_the_policy() {
        let manifest = manifest();
        let created = manifest.created.day().start();
        assert_eq!(first_drill_due(&manifest), clock::date(created + 60 * 86_400));
        assert_eq!(rotation_due(&manifest), Some(clock::date(created + 365 * 86_400)));
    }

    /// The vector's manifest as a certificate ceremony with the policy's app id and tenant.
    fn certificate_manifest() -> Manifest {
        let mut manifest = manifest();
        manifest.secret_kind = crate::kinds::SecretKind::Certificate;
        manifest.tenant = Some("contoso.onmicrosoft.com".into());
        manifest.app_id = Some("0f1e2d3c-4b5a-6978-8a9b-acbdcedf0011".into());
        manifest.certificate = Some(
            serde_json::from_value(serde_json::json!({
                "subject": "CN=contoso-breakglass-app", "key_bits": 4096,
                "not_before": "2026-11-28T00:00:00Z", "not_after": "2027-11-28T00:00:00Z",
                "sha1_thumbprint": "0123456789ABCDEF0123456789ABCDEF01234567",
                "sha256_thumbprint": "00", "x5t": "x", "x5t_s256": "x", "serial": "01"
            }))
            .expect("certificate info"),
        );
        manifest
    }

    #[test]
    fn a_passphrase_runbook_sets_the_password_through_graph_and_rotates_in_order() {
        let mut manifest = manifest();
        manifest.tenant = Some("contoso.onmicrosoft.com".into());
        manifest.account_id = Some("11111111-2222-3333-4444-555555555555".into());
        let runbook = runbook_markdown(&manifest, RUNBOOK_TEMPLATE);
        for pinned in [
            "$tenant = 'contoso.onmicrosoft.com'\n$account = 'bg01@contoso.onmicrosoft.com'\nConnect-MgGraph -TenantId $tenant -Scopes 'User-PasswordProfile.ReadWrite.All'\n",
            "$secure = Read-Host -AsSecureString 'New passphrase'\n$password = @{\n    Password = [Net.NetworkCredential]::new('', $secure).Password\n    ForceChangePasswordNextSignIn = $false\n}\n",
            "Update-MgUser -UserId $account -PasswordProfile $password\nUpdate-MgUser -UserId $account -PasswordPolicies 'DisablePasswordExpiration'\n",
            "such as Privileged Authentication Administrator or Global Administrator",
            "reconnect with `-Scopes 'Directory.AccessAsUser.All'`",
            "union SigninLogs, AADNonInteractiveUserSignInLogs\n| where UserId == \"11111111-2222-3333-4444-555555555555\"",
            "every 5 minutes over the last 10 minutes",
            "greater than 0",
            // After use: what the account did is reviewed in the sign-in and audit logs.
            "4. Review what the account (or app) did while the glass was broken: its sign-ins (Entra admin center, Sign-in logs",
        ] {
            // The commands sit inside a numbered item, indented by three spaces.
            assert!(runbook.replace("\n   ", "\n").contains(pinned), "{pinned}\n{runbook}");
        }
        // New ceremony, then the new passphrase is set, then the old sheets are destroyed.
        let order = [
            "1. Hold a new sealing ceremony",
            "2. Set the new ceremony's passphrase",
            "3. Destroy the opened sheets",
        ];
        let positions: Vec<usize> = order.iter().map(|step| runbook.find(step).expect(step)).collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{positions:?}");
        assert!(
            !runbook.contains("UserPrincipalName =~"),
            "the alert must not match a renamable name"
        );
        assert!(
            !runbook.to_lowercase().contains("photograph each"),
            "no phone camera in the recovery path"
        );
    }

    #[test]
    fn a_certificate_runbook_fills_in_the_app_and_appends_rather_than_replaces() {
        let runbook = runbook_markdown(&certificate_manifest(), RUNBOOK_TEMPLATE);
        for pinned in [
            "$app = '0f1e2d3c-4b5a-6978-8a9b-acbdcedf0011'\n$tenant = 'contoso.onmicrosoft.com'\naz login --service-principal -u $app -t $tenant --certificate key-and-cert.pem\n",
            "$pfxPassword = Read-Host -AsSecureString 'pfx password'\n$pfxType = [System.Security.Cryptography.X509Certificates.X509Certificate2]\n$pfx = $pfxType::new((Resolve-Path certificate.pfx).Path, $pfxPassword)\nConnect-MgGraph -ClientId $app -TenantId $tenant -Certificate $pfx\n",
            "   $app = '0f1e2d3c-4b5a-6978-8a9b-acbdcedf0011'\n   az ad app credential reset --id $app --cert '@cert.pem' --append\n",
            "$uri = \"/v1.0/applications(appId='$app')\"\n   $registration = Invoke-MgGraphRequest GET ($uri + '?$select=id,keyCredentials')\n",
            "$new = Get-Content keycredential.json -Raw | ConvertFrom-Json -AsHashtable\n   $keys = @($registration.keyCredentials) + @($new)\n",
            "Invoke-MgGraphRequest PATCH $uri -Body @{ keyCredentials = $keys }",
            "az ad app credential delete --id $app --key-id KEYID --cert",
            "AADServicePrincipalSignInLogs\n| where AppId == \"0f1e2d3c-4b5a-6978-8a9b-acbdcedf0011\"",
            "freshly formatted USB stick",
        ] {
            assert!(runbook.contains(pinned), "{pinned}\n{runbook}");
        }
        assert!(
            !runbook.contains("<application (client) id>"),
            "no placeholder when the app id is known"
        );
        assert!(!runbook.contains("<tenant>"));
        assert!(!runbook.contains("ServicePrincipalCredentialThumbprint =~"));
        // Without the app id, the blank is marked and the runbook says where to find it.
        let mut unknown = certificate_manifest();
        unknown.app_id = None;
        let runbook = runbook_markdown(&unknown, RUNBOOK_TEMPLATE);
        assert!(
            runbook.contains("$app = '<application (client) id>'") && runbook.contains("add `app_id` to the policy")
        );
    }

    /// The lines inside the fenced code blocks of `markdown`, without their list indentation.
    fn code_lines_of(markdown: &str) -> Vec<String> {
        let mut inside = false;
        let mut lines = Vec::new();
        for line in markdown.lines() {
            if line.trim_start().starts_with("```") {
                inside = !inside;
            } else if inside {
                lines.push(line.strip_prefix("   ").unwrap_or(line).to_owned());
            }
        }
        lines
    }

    #[test]
    fn every_command_of_every_kind_fits_a_printed_line_on_a4_and_letter() {
        let mut client_secret = certificate_manifest();
        client_secret.secret_kind = crate::kinds::SecretKind::ClientSecret;
        let mut passphrase = manifest();
        passphrase.tenant = Some("contoso-holdings.onmicrosoft.com".into());
        passphrase.account = Some("breakglass-emergency-01@contoso-holdings.onmicrosoft.com".into());
        for manifest in [passphrase, certificate_manifest(), client_secret] {
            let runbook = runbook_markdown(&manifest, RUNBOOK_TEMPLATE);
            let lines = code_lines_of(&runbook);
            assert!(lines.len() > 10, "{runbook}");
            for paper in [Paper::A4, Paper::Letter] {
                for line in &lines {
                    let printed = render::document::code_lines(render::document::content_mm(paper), line);
                    assert_eq!(
                        printed.len(),
                        1,
                        "{} wraps on {paper:?}: {printed:?}",
                        manifest.secret_kind.as_str()
                    );
                }
            }
        }
    }

    #[test]
    fn the_worked_example_is_what_the_library_computes_from_the_frozen_vector() {
        use crate::crypto::share::{self, Share};
        use crate::paper::format::v1;
        // The three shares as the sheets print them.
        let shares: Vec<Share> = [1, 3, 5]
            .iter()
            .map(|index| {
                let typed =
                    std::fs::read_to_string(format!("tests/vectors/v1/ceremony-1/typed-{index}.txt")).expect("vector");
                let block = v1::decode_text(&typed)
                    .expect("decodes")
                    .into_iter()
                    .flatten()
                    .find(|block| matches!(block.header.part, v1::Part::Share { .. }))
                    .expect("share block");
                Share::from_bytes(&block.data).expect("a share")
            })
            .collect();
        let runbook = RUNBOOK_TEMPLATE;
        let doc = std::fs::read_to_string("docs/RECOVERY-WITHOUT-BREAKGLASS.md").expect("doc");
        for share in &shares {
            let hex: String = share.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
            assert!(runbook.contains(&hex) && doc.contains(&hex), "share {}", share.index());
        }
        // The Lagrange coefficients and K, by GF(2^8) arithmetic written here independently.
        fn mul(mut a: u8, mut b: u8) -> u8 {
            let mut product = 0;
            while b != 0 {
                if b & 1 != 0 {
                    product ^= a;
                }
                a = (a << 1) ^ if a & 0x80 != 0 { 0x1b } else { 0 };
                b >>= 1;
            }
            product
        }
        let inverse = |a: u8| (1..=255u8).find(|&b| mul(a, b) == 1).expect("non-zero");
        let xs: Vec<u8> = shares.iter().map(Share::index).collect();
        let basis: Vec<u8> = xs
            .iter()
            .map(|&xi| {
                let (num, den) = xs
                    .iter()
                    .filter(|&&xj| xj != xi)
                    .fold((1, 1), |(n, d), &xj| (mul(n, xj), mul(d, xi ^ xj)));
                mul(num, inverse(den))
            })
            .collect();
        let k: Vec<u8> = (1..=32)
            .map(|j| {
                shares
                    .iter()
                    .zip(&basis)
                    .fold(0, |acc, (share, &l)| acc ^ mul(l, share.as_bytes()[j]))
            })
            .collect();
        let k_hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
        let coefficients = format!(
            "L1 = 0x{:02X}, L3 = 0x{:02X}, L5 = 0x{:02X}",
            basis[0], basis[1], basis[2]
        );
        let products: Vec<String> = shares
            .iter()
            .zip(&basis)
            .map(|(share, &l)| format!("0x{:02X}", mul(l, share.as_bytes()[1])))
            .collect();
        for (text, plus) in [(runbook, "+"), (doc.as_str(), "⊕")] {
            let first = format!("K[0] = {} = 0x{:02X}", products.join(&format!(" {plus} ")), k[0]);
            assert!(text.contains(&format!("K = `{k_hex}`")), "K");
            assert!(text.contains(&coefficients), "{coefficients}");
            assert!(text.contains(&first), "{first}");
        }
        // The vault key and age identity, as breakglass itself rebuilds them.
        let combined = share::combine(&shares, 3).expect("combines");
        let identity = crate::crypto::vault::identity_string(&combined.key);
        let key_hex: String = combined.key.expose().iter().map(|b| format!("{b:02x}")).collect();
        for text in [runbook, doc.as_str()] {
            assert!(text.contains(&format!("vault key = `{key_hex}`")), "vault key");
            assert!(
                text.contains(&format!("Age identity: `{}`", identity.expose())),
                "identity"
            );
        }
        assert_eq!(
            crate::crypto::vault::recipient(&combined.key),
            manifest().vault_recipient
        );
    }
}
