//! The plaintext inside the vault: the secret plus what is needed to present it at recovery.
//!
//! Version 1 is deliberately readable by a person who has only the age CLI: a few
//! `key: value` lines, an empty line, then the secret's exact bytes (`docs/FORMAT.md`).

use crate::crypto::secret::SecretBytes;
use crate::kinds::SecretKind;

/// First line of every payload.
pub const MAGIC_LINE: &str = "breakglass-payload: 1";
/// Longest header value accepted, so a hostile payload cannot make us allocate much.
const MAX_VALUE_LEN: usize = 512;

/// A secret with its public description. Not `Clone`: a copy of the secret is made on purpose.
#[derive(Debug)]
pub struct Payload {
    /// Kind of secret.
    pub kind: SecretKind,
    /// Optional label. `seal` leaves it empty (the sheets and manifest carry the label, and
    /// paper is precious); written only when non-empty.
    pub label: String,
    /// Original file name of an imported secret, if any.
    pub file_name: Option<String>,
    /// Further public parameters needed to present the secret (e.g. `totp-digits`), written as
    /// header lines. Keys are lower-case letters, digits and `-`.
    pub metadata: Vec<(String, String)>,
    /// The secret.
    pub secret: SecretBytes,
}

/// Header keys with a fixed meaning; metadata may not use them.
const RESERVED_KEYS: [&str; 4] = ["kind", "label", "file-name", "length"];

/// True if and only if `key` can be a metadata key.
pub fn valid_metadata_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 40
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !RESERVED_KEYS.contains(&key)
}

/// Why decrypted bytes are not a payload.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadError {
    /// Does not start with the magic line.
    #[error("the vault does not hold a breakglass payload")]
    NotAPayload,
    /// A header line is malformed, or a required one is missing.
    #[error("the vault's payload header is malformed: {0}")]
    Malformed(&'static str),
}

fn clean_value(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_VALUE_LEN)
        .collect()
}

impl Payload {
    /// Whether two payloads are the same: description and secret (round-trip checks).
    pub fn same_as(&self, other: &Payload) -> bool {
        self.kind == other.kind
            && self.label == other.label
            && self.file_name == other.file_name
            && self.metadata == other.metadata
            && self.secret.same_as(&other.secret)
    }

    /// Every value recorded under `key`, in order (`key-serial` may repeat).
    pub fn metadata_values<'a>(&'a self, key: &str) -> Vec<&'a str> {
        self.metadata
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Serialises the payload (the bytes that get encrypted).
    pub fn to_bytes(&self) -> SecretBytes {
        let mut header = format!("{MAGIC_LINE}\nkind: {}\n", self.kind.as_str());
        if !self.label.is_empty() {
            header.push_str(&format!("label: {}\n", clean_value(&self.label)));
        }
        if let Some(name) = &self.file_name {
            header.push_str(&format!("file-name: {}\n", clean_value(name)));
        }
        for (key, value) in self.metadata.iter().filter(|(key, _)| valid_metadata_key(key)) {
            header.push_str(&format!("{key}: {}\n", clean_value(value)));
        }
        header.push_str(&format!("length: {}\n\n", self.secret.len()));
        let mut bytes = Vec::with_capacity(header.len() + self.secret.len());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(self.secret.expose());
        SecretBytes::new(bytes)
    }

    /// Parses decrypted bytes. Unknown header keys are ignored (newer versions may add some).
    pub fn parse(bytes: &[u8]) -> Result<Self, PayloadError> {
        let magic = format!("{MAGIC_LINE}\n");
        let rest = bytes.strip_prefix(magic.as_bytes()).ok_or(PayloadError::NotAPayload)?;
        let split = rest
            .windows(2)
            .position(|pair| pair == b"\n\n")
            .ok_or(PayloadError::Malformed("no blank line after the header"))?;
        let header = std::str::from_utf8(&rest[..split]).map_err(|_| PayloadError::Malformed("header is not UTF-8"))?;
        // Writers never put control characters in header values; a reader that kept them would
        // present a different header than it parsed (found by fuzzing: a trailing CR).
        if header.chars().any(|c| c.is_control() && c != '\n') {
            return Err(PayloadError::Malformed("header contains control characters"));
        }
        let secret = &rest[split + 2..];
        let (mut kind, mut label, mut file_name, mut length) = (None, None, None, None);
        let mut metadata = Vec::new();
        for line in header.lines() {
            let (key, value) = line
                .split_once(": ")
                .ok_or(PayloadError::Malformed("header line without ': '"))?;
            match key {
                "kind" => kind = Some(SecretKind::parse(value)),
                "label" => label = Some(value.to_owned()),
                "file-name" => file_name = Some(value.to_owned()),
                "length" => {
                    length = Some(
                        value
                            .parse::<usize>()
                            .map_err(|_| PayloadError::Malformed("length is not a number"))?,
                    )
                }
                other if valid_metadata_key(other) => metadata.push((other.to_owned(), value.to_owned())),
                _ => {}
            }
        }
        let length = length.ok_or(PayloadError::Malformed("length is missing"))?;
        if length != secret.len() {
            return Err(PayloadError::Malformed("length does not match the secret"));
        }
        Ok(Self {
            kind: kind.ok_or(PayloadError::Malformed("kind is missing"))?,
            label: label.unwrap_or_default(),
            file_name,
            metadata,
            secret: SecretBytes::from_slice(secret),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_readable_layout() {
        let payload = Payload {
            kind: SecretKind::File,
            label: "contoso bg-01\ninjected: x".into(),
            file_name: Some("seed.bin".into()),
            metadata: vec![("totp-digits".into(), "8".into()), ("length".into(), "999".into())],
            secret: SecretBytes::from_slice(b"\x00\n\nbinary\xff"),
        };
        let bytes = payload.to_bytes();
        let text = String::from_utf8_lossy(bytes.expose());
        assert!(text.starts_with(
            "breakglass-payload: 1\nkind: file\nlabel: contoso bg-01 injected: x\nfile-name: seed.bin\ntotp-digits: 8\nlength: 10\n\n"
        ));
        let parsed = Payload::parse(bytes.expose()).unwrap();
        assert_eq!(parsed.secret.expose(), payload.secret.expose());
        assert_eq!(parsed.kind, SecretKind::File);
        assert_eq!(parsed.file_name.as_deref(), Some("seed.bin"));
        assert_eq!(
            parsed.metadata,
            [("totp-digits".to_owned(), "8".to_owned())],
            "reserved keys are never metadata"
        );
    }

    #[test]
    fn rejects_foreign_and_inconsistent_payloads() {
        assert_eq!(Payload::parse(b"hello").err(), Some(PayloadError::NotAPayload));
        assert!(Payload::parse(b"breakglass-payload: 1\nkind: file\nlength: 3\n\nab").is_err());
        assert!(Payload::parse(b"breakglass-payload: 1\nkind: file\n\nab").is_err());
        let future = Payload::parse(b"breakglass-payload: 1\nkind: totp\nnew-key: 1\nlength: 2\n\nab").unwrap();
        assert_eq!(future.kind, SecretKind::Totp);
        assert_eq!(future.metadata, [("new-key".to_owned(), "1".to_owned())]);
        assert_eq!(
            Payload::parse(b"breakglass-payload: 1\nlength: 0\nkind: x\r\n\n").err(),
            Some(PayloadError::Malformed("header contains control characters")),
            "fuzz/regressions/payload/kind-ends-in-cr.payload"
        );
        let unknown = Payload::parse(b"breakglass-payload: 1\nkind: hologram\nlength: 0\n\n").unwrap();
        assert_eq!(unknown.kind, SecretKind::Other("hologram".into()));
    }
}
