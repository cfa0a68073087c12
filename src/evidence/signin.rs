//! Sign-in validation: Microsoft asks that each emergency account be signed in with at least
//! every 90 days. A drill proves the paper (a quorum rebuilds the secret) and never shows the
//! secret; a sign-in needs the secret, so it is a check of its own, done on the online machine
//! where the secret is in use anyway: right after a ceremony, when the new secret is set and
//! signed in with once, or as a planned recovery followed by a new ceremony. `signin-check`
//! records what the person saw, and `status` counts its 90 days apart from the drill's.

use crate::evidence::audit::{Action, Record};
use crate::evidence::manifest::Manifest;
use crate::exit::Exit;

/// Days between sign-in checks (Microsoft: at least every 90 days).
pub const INTERVAL_DAYS: u32 = 90;

/// What a person saw when signing in with the emergency account or app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigninCheck {
    /// The sign-in and one administrative task worked.
    pub signed_in: bool,
    /// The sign-in alert reached the people it should.
    pub alert_fired: bool,
    /// Who did it.
    pub operator: Option<String>,
    /// Free text (which task, ticket number, anything unusual).
    pub note: Option<String>,
}

impl SigninCheck {
    /// The outcome as an exit code: the check passes only when both the sign-in and the alert
    /// worked (an unnoticed sign-in of an emergency account is a failure too).
    pub fn exit(&self) -> Exit {
        if self.signed_in && self.alert_fired {
            Exit::Ok
        } else {
            Exit::LastDrillFailed
        }
    }

    /// One line saying what failed, if anything.
    pub fn problem(&self) -> Option<String> {
        match (self.signed_in, self.alert_fired) {
            (true, true) => None,
            (false, true) => Some("the sign-in did not work: recover and rotate now (runbook, sections 4-6)".into()),
            (true, false) => {
                Some("the sign-in alert did not fire: fix the alert rule (runbook, section 8) and check again".into())
            }
            (false, false) => {
                Some("the sign-in did not work and no alert fired: fix both (runbook, sections 4-8)".into())
            }
        }
    }

    /// The log record of this check for `manifest`'s ceremony at `now`.
    pub fn record(&self, manifest: &Manifest, now: i64) -> Record {
        let mut record = Record::new(
            Action::SigninCheck,
            Some(manifest.ceremony_id.as_str().to_owned()),
            self.exit(),
            now,
        );
        record.message = self.problem();
        record.operator = self.operator.clone();
        record.note = self.note.clone();
        record.account = signed_in_as(manifest);
        record.alert_fired = Some(self.alert_fired);
        record
    }
}

/// The account (or, for an app's certificate or secret, the app id) a sign-in check signs in as.
pub fn signed_in_as(manifest: &Manifest) -> Option<String> {
    if crate::kinds::of(&manifest.secret_kind).profile().signs_in_as_app {
        manifest.app_id.clone().or_else(|| manifest.account.clone())
    } else {
        manifest.account.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        let mut manifest = crate::evidence::manifest::vector_for_tests();
        manifest.account = Some("bg01@contoso.onmicrosoft.com".into());
        manifest
    }

    #[test]
    fn a_check_passes_only_when_the_sign_in_worked_and_the_alert_fired() {
        let mut check = SigninCheck {
            signed_in: true,
            alert_fired: true,
            operator: Some("Ana".into()),
            note: None,
        };
        let record = check.record(&manifest(), 1_790_000_000);
        assert_eq!(record.action, Action::SigninCheck);
        assert_eq!(record.exit_code, 0);
        assert_eq!(record.account.as_deref(), Some("bg01@contoso.onmicrosoft.com"));
        assert_eq!(record.alert_fired, Some(true));
        check.alert_fired = false;
        let record = check.record(&manifest(), 1_790_000_000);
        assert_eq!(record.exit_code, Exit::LastDrillFailed.code());
        assert!(
            record
                .message
                .as_deref()
                .expect("says why")
                .contains("alert did not fire")
        );
        let line = serde_json::to_string(&record).expect("serialises");
        assert!(line.contains("\"action\":\"signin-check\""), "{line}");
    }
}
