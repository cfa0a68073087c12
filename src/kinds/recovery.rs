//! What recovery hands out, whatever the kind: the files `recover --out` writes, the text
//! `recover --print` shows, and public notes. Each kind's module builds its own [`HandOut`];
//! every piece of secret text is built in a pre-sized, wiped buffer.

use crate::crypto::payload::Payload;
use crate::crypto::secret::SecretBytes;
use crate::exit::Exit;
use crate::kinds::certificate::generate::CertificateError;
use crate::kinds::totp::seed::TotpError;

/// What recovery hands out.
pub struct HandOut {
    /// Files for `--out`, by name.
    pub files: Vec<(String, SecretBytes)>,
    /// Text for standard output (`--print`).
    pub printed: SecretBytes,
    /// Public notes for the responder (on standard error).
    pub notes: Vec<String>,
}

impl HandOut {
    /// A text secret handed out as one line in `file_name` and on standard output.
    pub fn text_line(payload: &Payload, file_name: &str, notes: Vec<String>) -> Self {
        HandOut {
            files: vec![(file_name.to_owned(), payload.secret.with_newline())],
            printed: payload.secret.with_newline(),
            notes,
        }
    }
}

/// Why a recovered secret cannot be handed out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecoverError {
    /// The sealed TOTP seed does not parse.
    #[error("the sealed TOTP seed is unusable: {0}")]
    Totp(TotpError),
    /// The sealed certificate cannot be rebuilt.
    #[error("{0}")]
    Certificate(CertificateError),
    /// The .pfx cannot be written with this password.
    #[error("{0}")]
    Pfx(CertificateError),
}

impl From<&RecoverError> for Exit {
    fn from(error: &RecoverError) -> Self {
        match error {
            RecoverError::Totp(_) | RecoverError::Certificate(_) => Exit::Vault,
            RecoverError::Pfx(_) => Exit::BadRequest,
        }
    }
}
