//! Types that hold secret material.
//!
//! Every secret in `breakglass` lives in one of these wrappers so that it is wiped from memory
//! when dropped and can never leak through `Debug`, `Display`, logs, panics or error messages.

use std::fmt;

use zeroize::{Zeroize, Zeroizing};

/// Secret bytes (a passphrase, a key file, a decrypted payload). Zeroized on drop; prints as
/// `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes ownership of `bytes`; the caller's buffer moves in, so no unwiped copy remains.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Copies from a slice (the caller remains responsible for wiping the source).
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self::new(bytes.to_vec())
    }

    /// The secret bytes. Callers must not copy them into types that are not wiped.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes (not secret).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if and only if the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A secret string (a generated passphrase, an age identity string). Zeroized on drop; prints
/// as `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Takes ownership of `text`.
    pub fn new(text: String) -> Self {
        Self(Zeroizing::new(text))
    }

    /// The secret text. Callers must not copy it into types that are not wiped.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret as bytes, wiped on drop.
    pub fn to_secret_bytes(&self) -> SecretBytes {
        SecretBytes::from_slice(self.0.as_bytes())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The 32-byte X25519 secret key that decrypts a ceremony's vault. It exists in memory only
/// during sealing and after a quorum of shares has been combined.
#[derive(Clone, PartialEq, Eq)]
pub struct VaultKey([u8; 32]);

impl VaultKey {
    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw key bytes.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl Drop for VaultKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_secret() {
        let bytes = SecretBytes::from_slice(b"hunter2-correct-horse");
        let text = SecretString::new("hunter2-correct-horse".to_owned());
        let key = VaultKey::from_bytes([0x41; 32]);
        for shown in [
            format!("{bytes:?}"),
            format!("{text:?}"),
            format!("{key:?}"),
            format!("{:?}", Some(&bytes)),
        ] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(!shown.contains("AAAA"), "{shown}");
            assert!(!shown.contains("65"), "{shown}");
            assert!(shown.contains("redacted"), "{shown}");
        }
    }

    #[test]
    fn exposes_what_it_was_given() {
        assert_eq!(SecretBytes::from_slice(b"abc").expose(), b"abc");
        assert_eq!(SecretString::new("xyz".into()).expose(), "xyz");
        assert_eq!(VaultKey::from_bytes([7; 32]).expose(), &[7; 32]);
    }
}
