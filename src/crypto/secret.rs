//! Types that hold secret material.
//!
//! Every secret in `breakglass` lives in one of these wrappers so that it is wiped from memory
//! when dropped and can never leak through `Debug`, `Display`, logs, panics or error messages.
//! None of them is `Clone` or `PartialEq`: a copy must be made on purpose (and is then wiped
//! too), and comparing secrets goes through [`SecretString::same_as`], so the compiler finds the
//! next accidental copy. Text assembled from secrets (a PEM file, a TOTP URI, a line to print)
//! is built in a [`SecretText`], whose buffer never reallocates without wiping the old one.
//!
//! Where wiping stops: copies made inside third-party crates are out of our reach. `age` holds
//! the file key and the decrypted plaintext in its own buffers (wiped by age where it uses
//! `zeroize`, not everywhere); `rsa`/`rcgen`/`ring` copy the private key and its primes while
//! generating and signing; `p12-keystore` holds the key and the .pfx password while writing a
//! .pfx; `shamirsecretsharing` works on plain arrays; `rpassword` returns a plain `String` that
//! is moved, not copied, into a [`SecretString`]; the QR and PDF writers (`qrcode`, `printpdf`)
//! make their own unwiped copies of a share's text while rendering a sheet. Our side of a sheet
//! is wiped on drop: a share's encoded lines (`EncodedBlock`), its QR text and printed lines
//! (`SheetBlock`) and the sheet's PDF bytes (`SealedSheet`). The terminal, its scrollback and any pipe the secret is
//! printed to are outside the process altogether.

use std::fmt;

use zeroize::{Zeroize, Zeroizing};

/// Secret bytes (a passphrase, a key file, a decrypted payload). Zeroized on drop; prints as
/// `[redacted]`.
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

    /// A deliberate, wiped copy.
    pub fn duplicate(&self) -> Self {
        Self::from_slice(&self.0)
    }

    /// Whether two secrets hold the same bytes, in time that does not depend on where they
    /// differ (there is no `==`: see the module's notes).
    pub fn same_as(&self, other: &SecretBytes) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(other.0.iter())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    }

    /// A wiped copy ending in exactly one newline (added when missing), allocated once.
    pub fn with_newline(&self) -> Self {
        let mut text = SecretText::with_capacity(self.len() + 1);
        text.push_bytes(&self.0);
        if !self.0.ends_with(b"\n") {
            text.push_bytes(b"\n");
        }
        text.into_secret_bytes()
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

    /// Whether two secrets are the same text (a passphrase typed twice), in time that does not
    /// depend on where they differ.
    pub fn same_as(&self, other: &SecretString) -> bool {
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
    }
}

/// A pre-sized buffer for text assembled from secrets. Growing past its capacity moves the
/// text into a larger buffer and wipes the old one, so no unwiped copy is ever left behind (a
/// `String` or `Vec` would reallocate and leave the old bytes in freed memory). The text is
/// UTF-8 as long as only `push_str` and UTF-8 `push_bytes` were used.
pub struct SecretText(Zeroizing<Vec<u8>>);

impl SecretText {
    /// An empty buffer for `capacity` bytes (size it for the whole text).
    pub fn with_capacity(capacity: usize) -> Self {
        Self(Zeroizing::new(Vec::with_capacity(capacity)))
    }

    fn reserve(&mut self, more: usize) {
        let needed = self.0.len() + more;
        if needed > self.0.capacity() {
            let mut larger = Zeroizing::new(Vec::with_capacity(needed.max(2 * self.0.capacity())));
            larger.extend_from_slice(&self.0);
            // The old buffer is wiped as it is dropped here.
            self.0 = larger;
        }
    }

    /// Appends text.
    pub fn push_str(&mut self, text: &str) {
        self.push_bytes(text.as_bytes());
    }

    /// Appends bytes.
    pub fn push_bytes(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        self.0.extend_from_slice(bytes);
    }

    /// Appends formatted text (`format_args!`), without an intermediate `String`.
    pub fn push_fmt(&mut self, arguments: fmt::Arguments<'_>) {
        use std::fmt::Write as _;
        // Writing into our own buffer cannot fail.
        let _ = self.write_fmt(arguments);
    }

    /// The text so far, as bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes (not secret).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if and only if nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The bytes, moved (not copied) into a [`SecretBytes`].
    pub fn into_secret_bytes(mut self) -> SecretBytes {
        SecretBytes::new(std::mem::take(&mut *self.0))
    }

    /// The text, moved into a [`SecretString`]; `None` (and wiped) if it is not UTF-8.
    pub fn into_secret_string(mut self) -> Option<SecretString> {
        let bytes = std::mem::take(&mut *self.0);
        match String::from_utf8(bytes) {
            Ok(text) => Some(SecretString::new(text)),
            Err(error) => {
                drop(Zeroizing::new(error.into_bytes()));
                None
            }
        }
    }
}

impl fmt::Write for SecretText {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.push_str(text);
        Ok(())
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The 32-byte X25519 secret key that decrypts a ceremony's vault. It exists in memory only
/// during sealing and after a quorum of shares has been combined.
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

    /// Whether two keys are the same, in time that does not depend on where they differ.
    pub fn same_as(&self, other: &VaultKey) -> bool {
        self.0.iter().zip(&other.0).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
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
    fn secret_text_grows_without_losing_text_and_moves_out() {
        let mut text = SecretText::with_capacity(4);
        text.push_str("seed: ");
        text.push_fmt(format_args!("{}-{}", "ABC", 42));
        text.push_bytes(b"\n");
        assert_eq!(text.expose(), b"seed: ABC-42\n");
        assert_eq!(format!("{text:?}"), "[redacted]");
        assert_eq!(text.into_secret_string().unwrap().expose(), "seed: ABC-42\n");
        let mut bytes = SecretText::with_capacity(1);
        bytes.push_bytes(&[0xff]);
        assert!(bytes.into_secret_string().is_none());
    }

    #[test]
    fn newline_added_once_and_same_as_compares_text() {
        assert_eq!(SecretBytes::from_slice(b"pin").with_newline().expose(), b"pin\n");
        assert_eq!(SecretBytes::from_slice(b"pin\n").with_newline().expose(), b"pin\n");
        let a = SecretString::new("same".into());
        assert!(a.same_as(&SecretString::new("same".into())));
        assert!(!a.same_as(&SecretString::new("sane".into())));
        assert!(!a.same_as(&SecretString::new("same!".into())));
    }

    #[test]
    fn exposes_what_it_was_given() {
        assert_eq!(SecretBytes::from_slice(b"abc").expose(), b"abc");
        assert_eq!(SecretString::new("xyz".into()).expose(), "xyz");
        assert_eq!(VaultKey::from_bytes([7; 32]).expose(), &[7; 32]);
    }
}
