//! Handing out a recovered secret in the form its responder needs: each kind's module decides
//! (the files `recover --out` writes, the text `recover --print` shows, public notes).

use crate::crypto::payload::Payload;
use crate::crypto::secret::SecretString;
use crate::kinds;
pub use crate::kinds::recovery::{HandOut, RecoverError};

/// Whether handing out `payload` as files (`recover --out`) needs a password first: a
/// certificate is also written as a password-protected .pfx.
pub fn needs_password(payload: &Payload, to_files: bool) -> bool {
    to_files && kinds::of(&payload.kind).profile().needs_password_for_files
}

/// Hands out `payload` at `now` (Unix seconds: a TOTP code, a client secret's expiry);
/// `password`, when given, protects the files that need one ([`needs_password`]).
pub fn hand_out(payload: &Payload, password: Option<&SecretString>, now: i64) -> Result<HandOut, RecoverError> {
    kinds::of(&payload.kind).hand_out(payload, password, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::secret::SecretBytes;
    use crate::kinds::SecretKind;

    #[test]
    fn a_text_secret_gets_one_newline() {
        let payload = Payload {
            kind: SecretKind::Passphrase,
            label: String::new(),
            file_name: Some("ignored.txt".into()),
            metadata: Vec::new(),
            secret: SecretBytes::from_slice(b"Kq7vX-m3Pz9"),
        };
        let handed = hand_out(&payload, None, 0).unwrap();
        assert_eq!(handed.printed.expose(), b"Kq7vX-m3Pz9\n");
        assert_eq!(handed.files[0].0, "passphrase.txt");
    }

    #[test]
    fn only_a_certificate_written_to_files_needs_a_password() {
        let payload = |kind| Payload {
            kind,
            label: String::new(),
            file_name: None,
            metadata: Vec::new(),
            secret: SecretBytes::from_slice(b"x"),
        };
        assert!(needs_password(&payload(SecretKind::Certificate), true));
        assert!(!needs_password(&payload(SecretKind::Certificate), false));
        for kind in ["passphrase", "file", "totp", "fido2-pin", "client-secret", "ssh-key"] {
            assert!(!needs_password(&payload(SecretKind::parse(kind)), true), "{kind}");
        }
    }
}
