//! Custodian-protected shares: a share age-encrypted with the custodian's passphrase (scrypt) or
//! to their own age recipient, so that a stolen envelope alone is useless.
//!
//! The protected form is a standard binary age file whose plaintext is the 113-byte share, so
//! `age -d` opens it without breakglass (docs/RECOVERY-WITHOUT-BREAKGLASS.md).

use std::io::{Read, Write};
use std::str::FromStr;

use age::secrecy::SecretString as AgeSecret;
use zeroize::Zeroizing;

use crate::crypto::secret::{SecretBytes, SecretString};
use crate::paper::format::v1::{self, SHARE_BYTES};
use crate::platform::input;

/// scrypt work factor (log2 N) used for custodian passphrases: 2^18, about 1 s and 256 MiB, the
/// age CLI's own choice. Fixed rather than calibrated to the sealing machine, so a sheet sealed on
/// a fast laptop still opens on a slow one.
pub const SCRYPT_WORK_FACTOR: u8 = 18;
/// The work factor [`protect`] uses: [`SCRYPT_WORK_FACTOR`], except in this crate's unit tests,
/// which test the protection and not the factor: there 2^10 (milliseconds and 1 MiB instead of
/// ~1 s and 256 MiB per protected share). The binary, and so the end-to-end tests, use 2^18.
const fn sealing_work_factor() -> u8 {
    if cfg!(test) { 10 } else { SCRYPT_WORK_FACTOR }
}

/// Largest work factor accepted when unlocking (2^20): bounds the time and memory a hostile sheet
/// can demand.
pub const MAX_SCRYPT_WORK_FACTOR: u8 = 20;
/// Shortest custodian passphrase accepted.
pub const MIN_PASSPHRASE_CHARS: usize = 10;
/// Largest protected share printed: one QR code of 16 lines.
pub const MAX_PROTECTED_BYTES: usize = 16 * v1::BYTES_PER_LINE;
/// Encryptions tried to a recipient; age adds a random-length "grease" stanza, the shortest is kept.
/// One encryption to a plugin recipient misses one QR code about once in six with a small stanza
/// (tests/fixtures/age-plugin-bgtest) and more often than not with age-plugin-yubikey's larger
/// `piv-p256` stanza; sixteen tries make a miss negligible.
const RECIPIENT_ATTEMPTS: usize = 16;

/// How a share is to be protected at sealing.
pub enum Protector<'a> {
    /// A passphrase typed by the custodian.
    Passphrase(&'a SecretString),
    /// An age recipient: `age1...` (X25519) or a plugin recipient (`age1yubikey1...`).
    Recipient(&'a str),
}

/// What a protected share needs to be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lock {
    /// The custodian's passphrase.
    Passphrase,
    /// An identity for the recipient; the stanza type (`X25519`, `piv-p256`, ...) says which kind.
    Identity(String),
}

/// Protection failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProtectError {
    /// The passphrase is too short.
    #[error("the passphrase is shorter than {MIN_PASSPHRASE_CHARS} characters; choose a longer one")]
    WeakPassphrase,
    /// The recipient does not parse.
    #[error("{0:?} is not an age recipient; give an age1... recipient")]
    BadRecipient(String),
    /// The plugin for a plugin recipient or identity is missing.
    #[error(
        "the age plugin for {0} is not installed (age-plugin-{0} must be on PATH); install it or use another protection"
    )]
    PluginMissing(String),
    /// The plugin an identity file needs is missing (at recovery).
    #[error(
        "identity file {path} needs the age plugin for {plugin}, and age-plugin-{plugin} is not on PATH; install it"
    )]
    IdentityPluginMissing {
        /// The identity file.
        path: String,
        /// The plugin's name.
        plugin: String,
    },
    /// age refused to encrypt.
    #[error("encrypting the share failed: {0}")]
    Encrypt(String),
    /// The age plugin reported an error (hardware key absent, wrong PIN, ...).
    #[error("the age plugin reported: {0}; check the key and its PIN, then try again")]
    Plugin(String),
    /// The result does not fit one QR code.
    #[error("the protected share is {0} bytes, more than one QR code holds; use a passphrase or an X25519 recipient")]
    TooLarge(usize),
    /// The protected share is not an age file, or is damaged.
    #[error("the protected share is damaged or not an age file")]
    Damaged,
    /// Wrong passphrase (or a passphrase given for a recipient-protected share).
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// None of the identities opens the share.
    #[error("none of the given identities opens it")]
    NoMatchingIdentity,
    /// The share asks for more scrypt work than allowed.
    #[error(
        "it demands an scrypt work factor of {0}, above the {MAX_SCRYPT_WORK_FACTOR} allowed; the sheet is not one breakglass made"
    )]
    ExcessiveWork(u8),
    /// The plaintext is not the expected share.
    #[error("it does not hold share {0}")]
    WrongShare(u8),
    /// Reading an identity file failed.
    #[error(
        "cannot read identity file {path}: {reason}; give an age identity file (AGE-SECRET-KEY-1... or AGE-PLUGIN-...)"
    )]
    IdentityFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// Encrypts a 113-byte share.
pub fn protect(share: &SecretBytes, protector: Protector) -> Result<Vec<u8>, ProtectError> {
    let encrypted = match protector {
        Protector::Passphrase(passphrase) => {
            if passphrase.expose().chars().count() < MIN_PASSPHRASE_CHARS {
                return Err(ProtectError::WeakPassphrase);
            }
            let mut recipient = age::scrypt::Recipient::new(AgeSecret::from(passphrase.expose().to_owned()));
            recipient.set_work_factor(sealing_work_factor());
            encrypt_once(&recipient, share)?
        }
        Protector::Recipient(text) => {
            if let Ok(recipient) = age::x25519::Recipient::from_str(text) {
                shortest_of(0, || encrypt_once(&recipient, share))?
            } else if let Ok(recipient) = age::plugin::Recipient::from_str(text) {
                let plugin = age::plugin::RecipientPluginV1::new(
                    recipient.plugin(),
                    std::slice::from_ref(&recipient),
                    &[],
                    TerminalCallbacks,
                )
                .map_err(|_| ProtectError::PluginMissing(recipient.plugin().to_owned()))?;
                // Each try starts the plugin again, so stop at the first that fits.
                shortest_of(MAX_PROTECTED_BYTES, || encrypt_once(&plugin, share))?
            } else {
                return Err(ProtectError::BadRecipient(text.to_owned()));
            }
        }
    };
    if encrypted.len() > MAX_PROTECTED_BYTES {
        return Err(ProtectError::TooLarge(encrypted.len()));
    }
    Ok(encrypted)
}

/// The shortest of up to [`RECIPIENT_ATTEMPTS`] encryptions, stopping early once one is at most
/// `enough` bytes (0: never).
fn shortest_of(
    enough: usize,
    mut encrypt: impl FnMut() -> Result<Vec<u8>, ProtectError>,
) -> Result<Vec<u8>, ProtectError> {
    let mut best = encrypt()?;
    for _ in 1..RECIPIENT_ATTEMPTS {
        if best.len() <= enough {
            break;
        }
        let candidate = encrypt()?;
        if candidate.len() < best.len() {
            best = candidate;
        }
    }
    Ok(best)
}

fn encrypt_once(recipient: &dyn age::Recipient, share: &SecretBytes) -> Result<Vec<u8>, ProtectError> {
    let encrypt = |error: &dyn std::fmt::Display| ProtectError::Encrypt(one_line(&error.to_string()));
    let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient)).map_err(|error| match error {
        age::EncryptError::Plugin(errors) => ProtectError::Plugin(plugin_messages(&errors)),
        other => encrypt(&other),
    })?;
    let mut output = Vec::new();
    let mut writer = encryptor.wrap_output(&mut output).map_err(|e| encrypt(&e))?;
    writer.write_all(share.expose()).map_err(|e| encrypt(&e))?;
    writer.finish().map_err(|e| encrypt(&e))?;
    Ok(output)
}

/// What opens this protected share (read from its age header, which is public).
pub fn lock_of(protected: &[u8]) -> Result<Lock, ProtectError> {
    let decryptor = age::Decryptor::new_buffered(protected).map_err(|_| ProtectError::Damaged)?;
    if decryptor.is_scrypt() {
        return Ok(Lock::Passphrase);
    }
    // The first stanza line is "-> <type> ...", right after the version line.
    let text = String::from_utf8_lossy(&protected[..protected.len().min(200)]).into_owned();
    let tag = text
        .lines()
        .nth(1)
        .and_then(|line| line.strip_prefix("-> "))
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or("unknown")
        .to_owned();
    Ok(Lock::Identity(tag))
}

/// Opens a passphrase-protected share and checks it is share `index`.
pub fn unlock_with_passphrase(
    protected: &[u8],
    passphrase: &SecretString,
    index: u8,
) -> Result<SecretBytes, ProtectError> {
    let decryptor = age::Decryptor::new_buffered(protected).map_err(|_| ProtectError::Damaged)?;
    if !decryptor.is_scrypt() {
        return Err(ProtectError::WrongPassphrase);
    }
    let mut identity = age::scrypt::Identity::new(AgeSecret::from(passphrase.expose().to_owned()));
    identity.set_max_work_factor(MAX_SCRYPT_WORK_FACTOR);
    let reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|error| match error {
            age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => ProtectError::WrongPassphrase,
            age::DecryptError::ExcessiveWork { required, .. } => ProtectError::ExcessiveWork(required),
            _ => ProtectError::Damaged,
        })?;
    read_share(reader, index)
}

/// Age identities read from identity files (X25519 keys or plugin identities).
pub struct Identities(Vec<Box<dyn age::Identity + Send + Sync>>);

impl std::fmt::Debug for Identities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identities([redacted; {}])", self.0.len())
    }
}

impl Identities {
    /// Reads identity files (`age-keygen` output, or a plugin's identity file).
    pub fn read(paths: &[std::path::PathBuf]) -> Result<Self, ProtectError> {
        let mut identities = Vec::new();
        for path in paths {
            let failure = |reason: String| ProtectError::IdentityFile {
                path: path.display().to_string(),
                reason,
            };
            let bytes =
                input::read_secret(path, input::SECRET_FILE_LIMIT).map_err(|error| failure(error.to_string()))?;
            if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
                return Err(failure(input::LineError::Utf16.to_string()));
            }
            // An identity file saved by Notepad starts with a byte-order mark, which age reads
            // as "non-identity data on line 1".
            let file = age::IdentityFile::from_buffer(input::without_bom(&bytes))
                .map_err(|error| failure(one_line(&error.to_string())))?
                .with_callbacks(TerminalCallbacks);
            let found = file.into_identities().map_err(|error| match error {
                age::DecryptError::PluginResolve(age::plugin::ResolveError::MissingPlugin { binary_name }) => {
                    ProtectError::IdentityPluginMissing {
                        path: path.display().to_string(),
                        plugin: binary_name.trim_start_matches("age-plugin-").to_owned(),
                    }
                }
                other => failure(one_line(&other.to_string())),
            })?;
            if found.is_empty() {
                return Err(failure("it holds no identity".into()));
            }
            identities.extend(found);
        }
        Ok(Self(identities))
    }

    /// True when no identity was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Opens a recipient-protected share with any of `identities` and checks it is share `index`.
pub fn unlock_with_identities(
    protected: &[u8],
    identities: &Identities,
    index: u8,
) -> Result<SecretBytes, ProtectError> {
    let decryptor = age::Decryptor::new_buffered(protected).map_err(|_| ProtectError::Damaged)?;
    if decryptor.is_scrypt() {
        return Err(ProtectError::NoMatchingIdentity);
    }
    let reader = decryptor
        .decrypt(
            identities
                .0
                .iter()
                .map(|identity| identity.as_ref() as &dyn age::Identity),
        )
        .map_err(|error| match error {
            age::DecryptError::NoMatchingKeys | age::DecryptError::DecryptionFailed => ProtectError::NoMatchingIdentity,
            age::DecryptError::PluginResolve(age::plugin::ResolveError::MissingPlugin { binary_name }) => {
                ProtectError::PluginMissing(binary_name.trim_start_matches("age-plugin-").to_owned())
            }
            age::DecryptError::Plugin(errors) => ProtectError::Plugin(plugin_messages(&errors)),
            _ => ProtectError::Damaged,
        })?;
    read_share(reader, index)
}

/// The plugin's messages on one line (age's `PluginError` is not exported, only displayed).
fn plugin_messages(errors: &[impl std::fmt::Display]) -> String {
    one_line(&errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
}

/// age's messages on one line: its line breaks become spaces and the Unicode isolation marks its
/// localisation puts around names are dropped.
fn one_line(text: &str) -> String {
    text.replace(['\u{2068}', '\u{2069}'], "")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn read_share(reader: impl Read, index: u8) -> Result<SecretBytes, ProtectError> {
    let mut plaintext = Zeroizing::new(Vec::with_capacity(SHARE_BYTES));
    reader
        .take(SHARE_BYTES as u64 + 1)
        .read_to_end(&mut plaintext)
        .map_err(|_| ProtectError::Damaged)?;
    if plaintext.len() != SHARE_BYTES || plaintext[0] != index {
        return Err(ProtectError::WrongShare(index));
    }
    Ok(SecretBytes::new(std::mem::take(&mut *plaintext)))
}

/// Plugin callbacks: messages go to the terminal (e.g. "touch your YubiKey"); PINs are asked
/// without echo.
#[derive(Clone, Copy)]
struct TerminalCallbacks;

impl age::Callbacks for TerminalCallbacks {
    fn display_message(&self, message: &str) {
        // Nowhere to report a closed standard error to; the plugin's own result still counts.
        let _ = writeln!(std::io::stderr(), "{message}");
    }

    fn confirm(&self, message: &str, yes_string: &str, no_string: Option<&str>) -> Option<bool> {
        let choices = no_string
            .map(|no| format!("{yes_string}/{no}"))
            .unwrap_or(yes_string.to_owned());
        let answer = rpassword::prompt_password(format!("{message} [{choices}]: ")).ok()?;
        Some(answer.trim().eq_ignore_ascii_case(yes_string))
    }

    fn request_public_string(&self, description: &str) -> Option<String> {
        let _ = write!(std::io::stderr(), "{description}: ");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).ok()?;
        Some(line.trim_end().to_owned())
    }

    fn request_passphrase(&self, description: &str) -> Option<AgeSecret> {
        rpassword::prompt_password(format!("{description}: "))
            .ok()
            .map(AgeSecret::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(index: u8) -> SecretBytes {
        let mut bytes = vec![index];
        bytes.extend((1..SHARE_BYTES).map(|i| i as u8));
        SecretBytes::new(bytes)
    }

    #[test]
    fn passphrase_protection_round_trips_and_fits_one_code() {
        let passphrase = SecretString::new("correct horse battery".into());
        let protected = protect(&share(2), Protector::Passphrase(&passphrase)).expect("protects");
        assert!(protected.len() <= MAX_PROTECTED_BYTES, "{}", protected.len());
        assert_eq!(lock_of(&protected).expect("age file"), Lock::Passphrase);
        let opened = unlock_with_passphrase(&protected, &passphrase, 2).expect("opens");
        assert_eq!(opened.expose(), share(2).expose());
        let wrong = SecretString::new("incorrect horse battery".into());
        assert!(matches!(
            unlock_with_passphrase(&protected, &wrong, 2),
            Err(ProtectError::WrongPassphrase)
        ));
        assert!(matches!(
            unlock_with_passphrase(&protected, &passphrase, 3),
            Err(ProtectError::WrongShare(3))
        ));
    }

    #[test]
    fn short_passphrases_are_refused() {
        let passphrase = SecretString::new("short".into());
        assert!(matches!(
            protect(&share(1), Protector::Passphrase(&passphrase)),
            Err(ProtectError::WeakPassphrase)
        ));
    }

    #[test]
    fn recipient_protection_round_trips() {
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public().to_string();
        let protected = protect(&share(4), Protector::Recipient(&recipient)).expect("protects");
        assert!(protected.len() <= MAX_PROTECTED_BYTES);
        assert_eq!(lock_of(&protected).expect("age file"), Lock::Identity("X25519".into()));
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("key.txt");
        use age::secrecy::ExposeSecret;
        std::fs::write(&path, identity.to_string().expose_secret()).expect("write key");
        let identities = Identities::read(&[path]).expect("reads");
        assert_eq!(
            unlock_with_identities(&protected, &identities, 4)
                .expect("opens")
                .expose(),
            share(4).expose()
        );
        let other = age::x25519::Identity::generate();
        let other_path = dir.path().join("other.txt");
        std::fs::write(&other_path, other.to_string().expose_secret()).expect("write key");
        let others = Identities::read(&[other_path]).expect("reads");
        assert!(matches!(
            unlock_with_identities(&protected, &others, 4),
            Err(ProtectError::NoMatchingIdentity)
        ));
        assert!(format!("{others:?}").contains("redacted"));
    }

    /// A plugin recipient is retried until its random grease stanza lets it fit one QR code; an
    /// X25519 recipient keeps the shortest of all tries.
    #[test]
    fn retries_stop_at_the_first_fit_only_when_asked() {
        let lengths = [500, 450, 300, 200, 100];
        let run = |enough| {
            let mut calls = 0;
            let best = shortest_of(enough, || {
                calls += 1;
                Ok(vec![0; lengths.get(calls - 1).copied().unwrap_or(350)])
            })
            .expect("encrypts");
            (best.len(), calls)
        };
        assert_eq!(run(MAX_PROTECTED_BYTES), (300, 3));
        assert_eq!(run(0), (100, RECIPIENT_ATTEMPTS));
        let failed = shortest_of(MAX_PROTECTED_BYTES, || Err(ProtectError::Encrypt("no".into())));
        assert!(matches!(failed, Err(ProtectError::Encrypt(_))));
    }

    #[test]
    fn age_messages_become_one_line() {
        assert_eq!(
            one_line("Could not find '\u{2068}age-plugin-x\u{2069}' on the PATH.\nHave you installed the plugin?"),
            "Could not find 'age-plugin-x' on the PATH. Have you installed the plugin?"
        );
    }

    #[test]
    fn garbage_is_damaged_not_a_panic() {
        assert!(matches!(lock_of(b"not age"), Err(ProtectError::Damaged)));
        let passphrase = SecretString::new("correct horse battery".into());
        assert!(matches!(
            unlock_with_passphrase(b"age-encryption.org/v1\n", &passphrase, 1),
            Err(ProtectError::Damaged)
        ));
    }
}
