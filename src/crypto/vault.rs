//! The vault: the payload encrypted with age to a fresh X25519 identity (the vault key).
//!
//! Standard binary age (no armor: a third smaller on paper), so any age implementation can open
//! it given the identity string `AGE-SECRET-KEY-1...` rebuilt from the shares.

use std::io::{Read, Write};
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use bech32::{Bech32, Hrp};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::crypto::secret::{SecretBytes, SecretString, VaultKey};

/// Largest ciphertext `open` accepts, far above anything a sheet can carry.
const MAX_CIPHERTEXT: usize = 1 << 20;

/// Vault failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed; try again, and report it if it persists")]
    Random,
    /// age refused to encrypt (should not happen for an X25519 recipient).
    #[error("encryption failed: {0}")]
    Encrypt(String),
    /// The ciphertext is not an age file, or is damaged.
    #[error("the vault ciphertext is damaged or not an age file ({0})")]
    Damaged(String),
    /// The key does not open this vault.
    #[error(
        "the rebuilt vault key does not open this vault: the sheets belong to different ceremonies or were tampered with"
    )]
    WrongKey,
}

/// A fresh vault key from the operating system's CSPRNG.
pub fn generate_key() -> Result<VaultKey, VaultError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    SystemRandom::new()
        .fill(&mut bytes[..])
        .map_err(|_| VaultError::Random)?;
    Ok(VaultKey::from_bytes(*bytes))
}

/// The key as an age identity string, `AGE-SECRET-KEY-1...`, as the age CLI reads it.
pub fn identity_string(key: &VaultKey) -> SecretString {
    let hrp = Hrp::parse("AGE-SECRET-KEY-").expect("constant HRP is valid");
    let text = bech32::encode_upper::<Bech32>(hrp, key.expose()).expect("32 bytes always fit bech32");
    SecretString::new(text)
}

fn identity(key: &VaultKey) -> age::x25519::Identity {
    let text = identity_string(key);
    age::x25519::Identity::from_str(text.expose()).expect("a bech32 identity of 32 bytes always parses")
}

/// The vault's public age recipient, `age1...` (public; recorded in the manifest).
pub fn recipient(key: &VaultKey) -> String {
    identity(key).to_public().to_string()
}

/// Encryptions tried by [`seal`]; the shortest is kept.
const ENCRYPTION_ATTEMPTS: usize = 16;

/// Encrypts `plaintext` to the vault key.
///
/// age adds a random "grease" stanza of 0 to about 200 bytes to every header (to keep parsers
/// honest). Paper is precious, so this encrypts several times and keeps the shortest file; every
/// candidate is a complete, standard age file and the choice reveals nothing about the key.
pub fn seal(key: &VaultKey, plaintext: &SecretBytes) -> Result<Vec<u8>, VaultError> {
    let recipient = identity(key).to_public();
    let mut best: Option<Vec<u8>> = None;
    for _ in 0..ENCRYPTION_ATTEMPTS {
        let candidate = seal_once(&recipient, plaintext)?;
        if best.as_ref().is_none_or(|known| candidate.len() < known.len()) {
            best = Some(candidate);
        }
    }
    Ok(best.expect("at least one attempt"))
}

fn seal_once(recipient: &age::x25519::Recipient, plaintext: &SecretBytes) -> Result<Vec<u8>, VaultError> {
    let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
        .map_err(|error| VaultError::Encrypt(error.to_string()))?;
    let mut ciphertext = Vec::new();
    let mut writer = encryptor
        .wrap_output(&mut ciphertext)
        .map_err(|error| VaultError::Encrypt(error.to_string()))?;
    writer
        .write_all(plaintext.expose())
        .map_err(|error| VaultError::Encrypt(error.to_string()))?;
    writer
        .finish()
        .map_err(|error| VaultError::Encrypt(error.to_string()))?;
    Ok(ciphertext)
}

/// Decrypts the vault with a rebuilt key.
pub fn open(key: &VaultKey, ciphertext: &[u8]) -> Result<SecretBytes, VaultError> {
    if ciphertext.len() > MAX_CIPHERTEXT {
        return Err(VaultError::Damaged("too large".into()));
    }
    let decryptor = age::Decryptor::new_buffered(ciphertext).map_err(|error| VaultError::Damaged(error.to_string()))?;
    let identity = identity(key);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|error| match error {
            age::DecryptError::NoMatchingKeys => VaultError::WrongKey,
            other => VaultError::Damaged(other.to_string()),
        })?;
    let mut plaintext = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut plaintext)
        .map_err(|error| VaultError::Damaged(error.to_string()))?;
    Ok(SecretBytes::new(std::mem::take(&mut *plaintext)))
}

/// Checks that an identity string round-trips to the same key (used by tests and export).
pub fn key_from_identity_string(text: &str) -> Option<VaultKey> {
    let parsed = age::x25519::Identity::from_str(text).ok()?;
    let canonical = parsed.to_string();
    let (_, data) = bech32::decode(canonical.expose_secret()).ok()?;
    let data = Zeroizing::new(data);
    let bytes: [u8; 32] = data.as_slice().try_into().ok()?;
    Some(VaultKey::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open_round_trip() {
        let key = generate_key().unwrap();
        let plaintext = SecretBytes::from_slice(b"correct horse battery staple");
        let ciphertext = seal(&key, &plaintext).unwrap();
        assert!(ciphertext.starts_with(b"age-encryption.org/v1\n-> X25519 "));
        assert!(open(&key, &ciphertext).unwrap().same_as(&plaintext));
        assert!(recipient(&key).starts_with("age1"));
    }

    #[test]
    fn wrong_key_and_damage_are_told_apart() {
        let key = generate_key().unwrap();
        let ciphertext = seal(&key, &SecretBytes::from_slice(b"x")).unwrap();
        assert!(matches!(
            open(&generate_key().unwrap(), &ciphertext),
            Err(VaultError::WrongKey)
        ));
        let mut tampered = ciphertext.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(matches!(open(&key, &tampered), Err(VaultError::Damaged(_))));
        assert!(matches!(open(&key, b"not age"), Err(VaultError::Damaged(_))));
    }

    #[test]
    fn identity_string_round_trips() {
        let key = generate_key().unwrap();
        let text = identity_string(&key);
        assert!(text.expose().starts_with("AGE-SECRET-KEY-1"));
        assert!(key_from_identity_string(text.expose()).unwrap().same_as(&key));
    }
}
