//! Time-based one-time passwords (RFC 6238) from an imported seed.
//!
//! An emergency-access account may be enrolled in a hardware OATH token or an authenticator
//! app. Sealing that seed lets a responder who has neither compute the current code offline at
//! recovery. Seeds arrive as an `otpauth://totp/...` URI (Google's Key URI format) or as a bare
//! base32 secret. Base32 and the hex of percent-escapes go through `data-encoding` (already in
//! the tree through x509-parser); the URI's percent-encoding rules, which that crate does not
//! cover, are written here.
//!
//! Only the secret is secret: digits, period, algorithm, issuer and account travel as plain
//! `totp-*` header lines of the payload (`to_metadata`), so the sealed secret stays raw bytes.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::sync::LazyLock;

use data_encoding::{BASE32_NOPAD, Encoding, HEXLOWER_PERMISSIVE, HEXUPPER, Specification};
use ring::hmac;
use zeroize::Zeroizing;

use crate::crypto::secret::{SecretBytes, SecretString};

/// Code length when the seed does not say.
pub const DEFAULT_DIGITS: u32 = 6;
/// Time step in seconds when the seed does not say.
pub const DEFAULT_PERIOD: u64 = 30;
/// Code lengths accepted: RFC 4226 needs at least 6, and 31 bits of HMAC cannot honestly fill 9.
pub const DIGITS: RangeInclusive<u32> = 6..=8;
/// Time steps accepted, in seconds; anything longer is a misread, not a real token.
pub const PERIODS: RangeInclusive<u64> = 1..=300;
/// Shortest seed accepted, in bytes. RFC 4226 asks for 16, but Microsoft and Google issue
/// 10-byte seeds (16 base32 characters), so anything shorter is a truncated copy.
pub const MIN_SECRET_BYTES: usize = 10;

/// Metadata key for the code length.
pub const META_DIGITS: &str = "totp-digits";
/// Metadata key for the time step.
pub const META_PERIOD: &str = "totp-period";
/// Metadata key for the HMAC algorithm.
pub const META_ALGORITHM: &str = "totp-algorithm";
/// Metadata key for the issuer (the service name an authenticator shows).
pub const META_ISSUER: &str = "totp-issuer";
/// Metadata key for the account name.
pub const META_ACCOUNT: &str = "totp-account";

/// Why a seed or its parameters cannot be used. Messages never contain the secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TotpError {
    /// Nothing to decode.
    #[error("no TOTP secret given: paste the otpauth://totp URI or the base32 secret key")]
    Empty,
    /// Decodes to fewer than `MIN_SECRET_BYTES` bytes.
    #[error(
        "the TOTP secret is only {0} bytes, and seeds have at least 10 (16 base32 characters): check none was cut off"
    )]
    TooShort(usize),
    /// A character outside A-Z, 2-7 (1-based position; the character itself is not shown).
    #[error("character {0} of the TOTP secret is not base32 (A-Z, 2-7): check it was copied correctly")]
    NotBase32(usize),
    /// A count of base32 characters that no encoder produces.
    #[error("the TOTP secret has {0} base32 characters, which no encoder produces: a character is missing or extra")]
    Base32Length(usize),
    /// A counter-based seed, which cannot be used without knowing the token's counter.
    #[error(
        "this is an otpauth://hotp (counter-based) seed, which cannot be used offline: enrol a time-based (TOTP) method"
    )]
    Hotp,
    /// A Google Authenticator bulk export (protobuf), not a single seed.
    #[error(
        "this is a Google Authenticator export (otpauth-migration://): copy the account's otpauth://totp URI or secret key"
    )]
    Migration,
    /// Some other URI.
    #[error("this is neither an otpauth://totp URI nor a base32 secret key: paste one of those")]
    NotTotp,
    /// An `otpauth:` URI that does not follow the Key URI format.
    #[error("the otpauth URI is malformed ({0}): copy it again in full")]
    Uri(&'static str),
    /// The URI has no (or an empty) `secret` parameter.
    #[error("the otpauth URI has no secret: copy it again in full")]
    MissingSecret,
    /// A parameter given twice, so which one the authenticator used is unknown.
    #[error("the otpauth URI gives {0} more than once: copy it again in full")]
    Duplicate(&'static str),
    /// An algorithm other than SHA1, SHA256 or SHA512 (the value is not shown).
    #[error("unsupported TOTP algorithm: use SHA1, SHA256 or SHA512")]
    Algorithm,
    /// A code length outside `DIGITS`.
    #[error("{0} digits is not supported: use 6, 7 or 8")]
    Digits(u64),
    /// A time step outside `PERIODS`.
    #[error("a period of {0} seconds is not supported: use 1 to 300 (usually 30)")]
    Period(u64),
    /// Digits or period that is not a decimal number (the value is not shown).
    #[error("the TOTP {0} is not a whole number: give it in decimal, such as 6 digits or a 30-second period")]
    NotANumber(&'static str),
    /// The sealed `totp-*` header lines are inconsistent.
    #[error("the sealed TOTP parameters are malformed: {0}")]
    Metadata(&'static str),
}

/// The HMAC behind the codes. SHA1 is what nearly every token and app uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Algorithm {
    /// HMAC-SHA1 (RFC 4226's original; still the default everywhere).
    #[default]
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

impl Algorithm {
    /// The name used in otpauth URIs and metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }

    fn hmac(self) -> hmac::Algorithm {
        match self {
            // TOTP needs SHA1 for interoperability; HMAC-SHA1 is not broken by SHA1 collisions.
            Self::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => hmac::HMAC_SHA256,
            Self::Sha512 => hmac::HMAC_SHA512,
        }
    }
}

impl FromStr for Algorithm {
    type Err = TotpError;

    /// Case-insensitive; `SHA-256` is accepted as well as `SHA256`.
    fn from_str(name: &str) -> Result<Self, TotpError> {
        let name = name.trim();
        let matches =
            |canonical: &str, dashed: &str| name.eq_ignore_ascii_case(canonical) || name.eq_ignore_ascii_case(dashed);
        if matches("SHA1", "SHA-1") {
            Ok(Self::Sha1)
        } else if matches("SHA256", "SHA-256") {
            Ok(Self::Sha256)
        } else if matches("SHA512", "SHA-512") {
            Ok(Self::Sha512)
        } else {
            Err(TotpError::Algorithm)
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A TOTP seed and its parameters. `Debug` shows the parameters but not the secret.
/// Not `Clone`: a copy of the secret is made on purpose ([`TotpSeed::duplicate`]).
#[derive(Debug)]
pub struct TotpSeed {
    /// The shared HMAC key.
    pub secret: SecretBytes,
    /// Code length, within `DIGITS`.
    pub digits: u32,
    /// Time step in seconds, within `PERIODS`.
    pub period: u64,
    /// HMAC algorithm.
    pub algorithm: Algorithm,
    /// Service name shown by authenticators, if known.
    pub issuer: Option<String>,
    /// Account name, if known.
    pub account: Option<String>,
}

impl TotpSeed {
    /// A deliberate copy (the secret in a new wiped buffer).
    pub fn duplicate(&self) -> Self {
        Self {
            secret: self.secret.duplicate(),
            digits: self.digits,
            period: self.period,
            algorithm: self.algorithm,
            issuer: self.issuer.clone(),
            account: self.account.clone(),
        }
    }

    /// Whether two seeds are the same: parameters, names and secret (round-trip checks).
    pub fn same_as(&self, other: &TotpSeed) -> bool {
        (self.digits, self.period, self.algorithm, &self.issuer, &self.account)
            == (
                other.digits,
                other.period,
                other.algorithm,
                &other.issuer,
                &other.account,
            )
            && self.secret.same_as(&other.secret)
    }
}

/// Parses an `otpauth://totp/...` URI or a bare base32 secret (case-insensitive, spaces and
/// dashes ignored, `=` padding optional). Missing parameters default to 6 digits, 30 seconds
/// and SHA1, as authenticators assume.
pub fn parse(input: &str) -> Result<TotpSeed, TotpError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(TotpError::Empty);
    }
    if starts_with_ignore_case(trimmed, "otpauth-migration:") {
        return Err(TotpError::Migration);
    }
    if starts_with_ignore_case(trimmed, "otpauth:") {
        return parse_uri(trimmed);
    }
    if trimmed.contains("://") {
        return Err(TotpError::NotTotp);
    }
    validate(TotpSeed {
        secret: decode_base32(input)?,
        digits: DEFAULT_DIGITS,
        period: DEFAULT_PERIOD,
        algorithm: Algorithm::Sha1,
        issuer: None,
        account: None,
    })
}

fn parse_uri(uri: &str) -> Result<TotpSeed, TotpError> {
    const PARAMETERS: [&str; 5] = ["secret", "issuer", "algorithm", "digits", "period"];
    let rest = strip_prefix_ignore_case(uri, "otpauth://").ok_or(TotpError::Uri("it does not start otpauth://"))?;
    // A fragment is never part of the Key URI format; drop it rather than misread it.
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let type_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let kind = &rest[..type_end];
    if kind.eq_ignore_ascii_case("hotp") {
        return Err(TotpError::Hotp);
    }
    if !kind.eq_ignore_ascii_case("totp") {
        return Err(TotpError::Uri("the type after otpauth:// is not totp"));
    }
    let rest = &rest[type_end..];
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let (label, query) = rest.split_once('?').unwrap_or((rest, ""));

    // Names are compared in place, never copied: a garbled URI may have the secret there.
    let mut values: [Option<&str>; 5] = [None; 5];
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if let Some(slot) = PARAMETERS.iter().position(|known| name.eq_ignore_ascii_case(known))
            && values[slot].replace(value).is_some()
        {
            return Err(TotpError::Duplicate(PARAMETERS[slot]));
        }
    }
    let [secret, issuer, algorithm, digits, period] = values;

    let secret = percent_decode(secret.ok_or(TotpError::MissingSecret)?, true)?;
    if secret.trim().is_empty() {
        return Err(TotpError::MissingSecret);
    }
    let secret = decode_base32(&secret)?;
    let algorithm = match algorithm {
        Some(name) => percent_decode(name, true)?.parse()?,
        None => Algorithm::Sha1,
    };
    let digits = match digits {
        Some(value) => parse_digits(&percent_decode(value, true)?)?,
        None => DEFAULT_DIGITS,
    };
    let period = match period {
        Some(value) => parse_period(&percent_decode(value, true)?)?,
        None => DEFAULT_PERIOD,
    };
    let (label_issuer, account) = split_label(label);
    // The issuer parameter wins over the label prefix, as Google's Key URI format says.
    let issuer = match issuer {
        Some(value) => clean(&percent_decode(value, true)?),
        None => None,
    }
    .or(clean(&percent_decode(label_issuer, false)?));
    validate(TotpSeed {
        secret,
        digits,
        period,
        algorithm,
        issuer,
        account: clean(&percent_decode(account, false)?),
    })
}

/// Splits a label into (issuer prefix, account) at the first literal `:`, or else at the first
/// `%3A`, which the Key URI format also allows as the separator.
fn split_label(label: &str) -> (&str, &str) {
    if let Some(split) = label.split_once(':') {
        return split;
    }
    match label.to_ascii_lowercase().find("%3a") {
        Some(at) => (&label[..at], &label[at + 3..]),
        None => ("", label),
    }
}

/// Applies CLI overrides to a parsed seed and checks the result.
pub fn with_overrides(
    seed: TotpSeed,
    digits: Option<u32>,
    period: Option<u64>,
    algorithm: Option<Algorithm>,
) -> Result<TotpSeed, TotpError> {
    validate(TotpSeed {
        digits: digits.unwrap_or(seed.digits),
        period: period.unwrap_or(seed.period),
        algorithm: algorithm.unwrap_or(seed.algorithm),
        ..seed
    })
}

fn validate(seed: TotpSeed) -> Result<TotpSeed, TotpError> {
    if seed.secret.is_empty() {
        return Err(TotpError::Empty);
    }
    if seed.secret.len() < MIN_SECRET_BYTES {
        return Err(TotpError::TooShort(seed.secret.len()));
    }
    check_digits(u64::from(seed.digits))?;
    check_period(seed.period)?;
    Ok(seed)
}

fn check_digits(digits: u64) -> Result<u32, TotpError> {
    u32::try_from(digits)
        .ok()
        .filter(|digits| DIGITS.contains(digits))
        .ok_or(TotpError::Digits(digits))
}

fn check_period(period: u64) -> Result<u64, TotpError> {
    if PERIODS.contains(&period) {
        Ok(period)
    } else {
        Err(TotpError::Period(period))
    }
}

fn parse_digits(value: &str) -> Result<u32, TotpError> {
    check_digits(value.trim().parse().map_err(|_| TotpError::NotANumber("digits"))?)
}

fn parse_period(value: &str) -> Result<u64, TotpError> {
    check_period(value.trim().parse().map_err(|_| TotpError::NotANumber("period"))?)
}

/// Time steps since the epoch. Times before 1970 count as step 0 rather than panicking.
fn counter(seed: &TotpSeed, unix_time: i64) -> u64 {
    u64::try_from(unix_time).unwrap_or(0) / seed.period.max(1)
}

/// The code at `unix_time` (RFC 6238: HOTP of the step count, dynamically truncated).
/// A hand-built seed with digits outside `DIGITS` is clamped into it rather than panicking.
pub fn code(seed: &TotpSeed, unix_time: i64) -> String {
    let key = hmac::Key::new(seed.algorithm.hmac(), seed.secret.expose());
    let tag = hmac::sign(&key, &counter(seed, unix_time).to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let truncated = u32::from_be_bytes([mac[offset], mac[offset + 1], mac[offset + 2], mac[offset + 3]]) & 0x7fff_ffff;
    let digits = seed.digits.clamp(*DIGITS.start(), *DIGITS.end());
    let value = u64::from(truncated) % 10u64.pow(digits);
    format!("{value:0width$}", width = digits as usize)
}

/// Seconds until the code at `unix_time` expires (1 to the period).
pub fn seconds_left(seed: &TotpSeed, unix_time: i64) -> u64 {
    let period = seed.period.max(1);
    period - u64::try_from(unix_time).unwrap_or(0) % period
}

/// The secret as upper-case RFC 4648 base32 without padding, for typing into an authenticator.
pub fn base32_secret(seed: &TotpSeed) -> SecretString {
    encode_base32(seed.secret.expose())
}

/// The seed as a canonical `otpauth://totp/ISSUER:ACCOUNT?secret=...` URI with every
/// parameter spelled out, for re-enrolling an authenticator or rendering as a QR code.
pub fn to_uri(seed: &TotpSeed) -> SecretString {
    let account = seed.account.as_deref().map(percent_encode).unwrap_or_default();
    let label = match &seed.issuer {
        Some(issuer) => format!("{}:{account}", percent_encode(issuer)),
        // An empty prefix keeps an encoded colon in the account from being read as the separator.
        None if account.contains("%3A") => format!(":{account}"),
        None => account,
    };
    let mut parameters = String::new();
    if let Some(issuer) = &seed.issuer {
        parameters.push_str("&issuer=");
        parameters.push_str(&percent_encode(issuer));
    }
    parameters.push_str(&format!(
        "&algorithm={}&digits={}&period={}",
        seed.algorithm, seed.digits, seed.period
    ));
    let secret = base32_secret(seed);
    let (prefix, secret_key) = ("otpauth://totp/", "?secret=");
    // Sized up front so no reallocation leaves an unwiped copy of the secret behind.
    let mut uri =
        String::with_capacity(prefix.len() + label.len() + secret_key.len() + secret.expose().len() + parameters.len());
    for part in [prefix, &label, secret_key, secret.expose(), &parameters] {
        uri.push_str(part);
    }
    SecretString::new(uri)
}

/// The non-secret parameters as `totp-*` key/value pairs for the payload header. Absent issuer
/// or account is omitted; control characters are stripped so a value cannot forge a line.
pub fn to_metadata(seed: &TotpSeed) -> Vec<(String, String)> {
    let mut pairs = vec![
        (META_DIGITS.to_owned(), seed.digits.to_string()),
        (META_PERIOD.to_owned(), seed.period.to_string()),
        (META_ALGORITHM.to_owned(), seed.algorithm.as_str().to_owned()),
    ];
    for (key, value) in [(META_ISSUER, &seed.issuer), (META_ACCOUNT, &seed.account)] {
        if let Some(value) = value.as_deref().and_then(clean) {
            pairs.push((key.to_owned(), value));
        }
    }
    pairs
}

/// Rebuilds a seed from the unsealed secret and the payload's header pairs. Keys other than
/// `totp-*` are ignored; missing parameters take the same defaults as a URI.
pub fn from_metadata(secret: SecretBytes, metadata: &[(String, String)]) -> Result<TotpSeed, TotpError> {
    const KEYS: [&str; 5] = [META_DIGITS, META_PERIOD, META_ALGORITHM, META_ISSUER, META_ACCOUNT];
    let mut values: [Option<&str>; 5] = [None; 5];
    for (key, value) in metadata {
        if let Some(slot) = KEYS.iter().position(|known| known == key)
            && values[slot].replace(value).is_some()
        {
            return Err(TotpError::Metadata("a totp- header line appears twice"));
        }
    }
    let [digits, period, algorithm, issuer, account] = values;
    validate(TotpSeed {
        secret,
        digits: digits.map_or(Ok(DEFAULT_DIGITS), parse_digits)?,
        period: period.map_or(Ok(DEFAULT_PERIOD), parse_period)?,
        algorithm: algorithm.map_or(Ok(Algorithm::Sha1), str::parse)?,
        issuer: issuer.and_then(clean),
        account: account.and_then(clean),
    })
}

/// `text` without control characters and invisible marks and surrounding spaces; `None` if nothing is left.
fn clean(text: &str) -> Option<String> {
    let kept: String = text
        .chars()
        .filter(|c| !crate::platform::terminal::is_invisible(*c))
        .collect();
    let trimmed = kept.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    strip_prefix_ignore_case(text, prefix).is_some()
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// RFC 4648 base32, upper case, without padding.
pub fn encode_base32(bytes: &[u8]) -> SecretString {
    // Sized up front and moved, not copied, into the wiped string.
    let mut text = vec![0u8; BASE32_NOPAD.encode_len(bytes.len())];
    BASE32_NOPAD.encode_mut(bytes, &mut text);
    // The base32 alphabet is ASCII, so this never fails; an empty string if it ever did.
    SecretString::new(String::from_utf8(text).unwrap_or_default())
}

/// Base32 as authenticator apps read it: RFC 4648's alphabet, no padding, and the leftover bits
/// after the last whole byte ignored rather than refused.
fn lenient_base32() -> &'static Encoding {
    static ENCODING: LazyLock<Encoding> = LazyLock::new(|| {
        let mut specification = Specification::new();
        specification.symbols.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
        specification.check_trailing_bits = false;
        specification
            .encoding()
            .expect("RFC 4648's base32 alphabet is a valid specification")
    });
    &ENCODING
}

/// Decodes RFC 4648 base32: case-insensitive, whitespace and `-` ignored, trailing `=` optional.
/// Leftover bits after the last whole byte are ignored, as authenticator apps do.
pub fn decode_base32(text: &str) -> Result<SecretBytes, TotpError> {
    // The symbols alone, upper-cased, in a wiped buffer sized up front (they are the secret).
    let mut symbols = Zeroizing::new(Vec::with_capacity(text.len()));
    let mut padding = false;
    for (index, c) in text.chars().enumerate() {
        if c.is_whitespace() || c == '-' {
            continue;
        }
        let upper = c.to_ascii_uppercase();
        if c == '=' {
            padding = true;
        } else if padding || !(upper.is_ascii_uppercase() || ('2'..='7').contains(&upper)) {
            return Err(TotpError::NotBase32(index + 1));
        } else {
            symbols.push(upper as u8);
        }
    }
    let count = symbols.len();
    if count == 0 {
        return Err(TotpError::Empty);
    }
    let encoding = lenient_base32();
    let length = encoding.decode_len(count).map_err(|_| TotpError::Base32Length(count))?;
    let mut bytes = vec![0u8; length];
    let written = encoding
        .decode_mut(&symbols, &mut bytes)
        .map_err(|_| TotpError::Base32Length(count))?;
    bytes.truncate(written);
    Ok(SecretBytes::new(bytes))
}

/// Decodes `%XX` escapes (and `+` as a space in query values, as form encoders write it).
/// The result may be the secret, so it is wiped on drop.
fn percent_decode(text: &str, plus_is_space: bool) -> Result<Zeroizing<String>, TotpError> {
    let raw = text.as_bytes();
    let mut bytes = Zeroizing::new(Vec::with_capacity(raw.len()));
    let mut index = 0;
    while index < raw.len() {
        match raw[index] {
            b'%' => {
                let mut byte = [0u8; 1];
                let escaped = raw
                    .get(index + 1..index + 3)
                    .filter(|pair| pair.iter().all(u8::is_ascii_hexdigit));
                if escaped
                    .and_then(|pair| HEXLOWER_PERMISSIVE.decode_mut(pair, &mut byte).ok())
                    .is_none()
                {
                    return Err(TotpError::Uri("a '%' is not followed by two hex digits"));
                }
                bytes.push(byte[0]);
                index += 3;
            }
            b'+' if plus_is_space => {
                bytes.push(b' ');
                index += 1;
            }
            byte => {
                bytes.push(byte);
                index += 1;
            }
        }
    }
    let decoded = std::str::from_utf8(&bytes).map_err(|_| TotpError::Uri("percent-encoded text is not UTF-8"))?;
    Ok(Zeroizing::new(decoded.to_owned()))
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push('%');
            encoded.push_str(&HEXUPPER.encode(&[byte]));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA1_SEED: &[u8] = b"12345678901234567890";
    const SHA256_SEED: &[u8] = b"12345678901234567890123456789012";
    const SHA512_SEED: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";
    /// Google's Key URI example secret: 10 bytes, `Hello!\xde\xad\xbe\xef`.
    const EXAMPLE: &str = "JBSWY3DPEHPK3PXP";

    fn seed(secret: &[u8], algorithm: Algorithm, digits: u32, period: u64) -> TotpSeed {
        TotpSeed {
            secret: SecretBytes::from_slice(secret),
            digits,
            period,
            algorithm,
            issuer: None,
            account: None,
        }
    }

    #[test]
    fn rfc6238_appendix_b_vectors() {
        let table: [(i64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1_111_111_109, "07081804", "68084774", "25091201"),
            (1_111_111_111, "14050471", "67062674", "99943326"),
            (1_234_567_890, "89005924", "91819424", "93441116"),
            (2_000_000_000, "69279037", "90698825", "38618901"),
            (20_000_000_000, "65353130", "77737706", "47863826"),
        ];
        let sha1 = seed(SHA1_SEED, Algorithm::Sha1, 8, 30);
        let sha256 = seed(SHA256_SEED, Algorithm::Sha256, 8, 30);
        let sha512 = seed(SHA512_SEED, Algorithm::Sha512, 8, 30);
        for (time, expected1, expected256, expected512) in table {
            assert_eq!(code(&sha1, time), expected1, "SHA1 at {time}");
            assert_eq!(code(&sha256, time), expected256, "SHA256 at {time}");
            assert_eq!(code(&sha512, time), expected512, "SHA512 at {time}");
        }
    }

    #[test]
    fn rfc4226_appendix_d_vectors_with_one_second_steps() {
        let hotp = seed(SHA1_SEED, Algorithm::Sha1, 6, 1);
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489",
        ];
        for (counter, expected) in expected.iter().enumerate() {
            assert_eq!(code(&hotp, counter as i64), *expected);
        }
    }

    #[test]
    fn codes_are_zero_padded_and_steps_are_floored() {
        let six = seed(SHA1_SEED, Algorithm::Sha1, 6, 30);
        let codes: Vec<String> = (0..300).map(|step| code(&six, step * 30)).collect();
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        );
        assert!(codes.iter().any(|c| c.starts_with('0')));
        assert_eq!(code(&six, 30), code(&six, 59));
        assert_ne!(code(&six, 59), code(&six, 60));
        assert_eq!(code(&six, -5), code(&six, 0));
        assert_eq!(code(&seed(SHA1_SEED, Algorithm::Sha1, 7, 30), 59), "4287082");
    }

    #[test]
    fn seconds_left_counts_down_to_the_next_step() {
        let thirty = seed(SHA1_SEED, Algorithm::Sha1, 6, 30);
        assert_eq!(seconds_left(&thirty, 0), 30);
        assert_eq!(seconds_left(&thirty, 59), 1);
        assert_eq!(seconds_left(&thirty, 60), 30);
        assert_eq!(seconds_left(&seed(SHA1_SEED, Algorithm::Sha1, 6, 60), 61), 59);
    }

    #[test]
    fn base32_rfc4648_section_10_vectors() {
        let vectors: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "MY======"),
            (b"fo", "MZXQ===="),
            (b"foo", "MZXW6==="),
            (b"foob", "MZXW6YQ="),
            (b"fooba", "MZXW6YTB"),
            (b"foobar", "MZXW6YTBOI======"),
        ];
        for (bytes, padded) in vectors {
            let unpadded = padded.trim_end_matches('=');
            assert_eq!(encode_base32(bytes).expose(), unpadded);
            if !bytes.is_empty() {
                assert_eq!(decode_base32(padded).unwrap().expose(), bytes, "{padded}");
                assert_eq!(decode_base32(unpadded).unwrap().expose(), bytes, "{unpadded}");
                assert_eq!(decode_base32(&unpadded.to_lowercase()).unwrap().expose(), bytes);
            }
        }
        assert_eq!(decode_base32(EXAMPLE).unwrap().expose(), b"Hello!\xde\xad\xbe\xef");
        assert_eq!(encode_base32(SHA1_SEED).expose(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn base32_round_trips_every_length() {
        for len in 0..=70usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 151 + len * 7) as u8).collect();
            let text = encode_base32(&bytes);
            assert_eq!(text.expose().len(), (len * 8).div_ceil(5));
            if len > 0 {
                assert_eq!(decode_base32(text.expose()).unwrap().expose(), bytes.as_slice());
            }
        }
    }

    #[test]
    fn base32_ignores_separators_and_reports_bad_positions() {
        let spaced = "jbsw y3dp-ehpk\t3pxp\n==";
        assert_eq!(decode_base32(spaced).unwrap().expose(), b"Hello!\xde\xad\xbe\xef");
        assert_eq!(decode_base32("JBSW Y3D1").err(), Some(TotpError::NotBase32(9)));
        assert_eq!(decode_base32("JBSWY3D0EHPK3PXP").err(), Some(TotpError::NotBase32(8)));
        assert_eq!(decode_base32("MY=A").err(), Some(TotpError::NotBase32(4)));
        assert_eq!(decode_base32("é8").err(), Some(TotpError::NotBase32(1)));
        assert_eq!(decode_base32("ABC").err(), Some(TotpError::Base32Length(3)));
        assert_eq!(decode_base32("A").err(), Some(TotpError::Base32Length(1)));
        assert_eq!(decode_base32(" - ==").err(), Some(TotpError::Empty));
    }

    #[test]
    fn percent_coding_round_trips() {
        let text = "Contoso Ltd: bg-01@contoso.com & 100% ünïcode";
        let encoded = percent_encode(text);
        assert!(
            encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b))
        );
        assert_eq!(percent_decode(&encoded, false).unwrap().as_str(), text);
        assert_eq!(percent_decode("a+b%2Bc", true).unwrap().as_str(), "a b+c");
        assert_eq!(percent_decode("a+b", false).unwrap().as_str(), "a+b");
        assert_eq!(percent_encode("a b:c"), "a%20b%3Ac");
    }

    #[test]
    fn parses_google_key_uri_example() {
        let parsed = parse("otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example").unwrap();
        assert_eq!(parsed.secret.expose(), b"Hello!\xde\xad\xbe\xef");
        assert_eq!(parsed.issuer.as_deref(), Some("Example"));
        assert_eq!(parsed.account.as_deref(), Some("alice@google.com"));
        assert_eq!(
            (parsed.digits, parsed.period, parsed.algorithm),
            (6, 30, Algorithm::Sha1)
        );
    }

    #[test]
    fn parses_issuer_from_label_or_parameter() {
        let label_only = parse("otpauth://totp/ACME%20Co:john.doe%40email.com?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(label_only.issuer.as_deref(), Some("ACME Co"));
        assert_eq!(label_only.account.as_deref(), Some("john.doe@email.com"));

        let parameter_only = parse("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&issuer=Big+Corp%2C%20Inc").unwrap();
        assert_eq!(parameter_only.issuer.as_deref(), Some("Big Corp, Inc"));
        assert_eq!(parameter_only.account.as_deref(), Some("john"));

        let both = parse("otpauth://totp/Old:me?issuer=New&secret=JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(both.issuer.as_deref(), Some("New"));

        let encoded_colon = parse("otpauth://totp/Microsoft%3A%20bg-01%40contoso.com?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(encoded_colon.issuer.as_deref(), Some("Microsoft"));
        assert_eq!(encoded_colon.account.as_deref(), Some("bg-01@contoso.com"));

        let no_label = parse("otpauth://totp?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!((no_label.issuer, no_label.account), (None, None));

        let controls = parse("otpauth://totp/Evil%0Atotp-digits:%1B[31mme?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(controls.issuer.as_deref(), Some("Eviltotp-digits"));
        assert_eq!(controls.account.as_deref(), Some("[31mme"));
    }

    #[test]
    fn parses_parameters_case_insensitively() {
        let parsed = parse(
            "  OTPAUTH://TOTP/x:y?SECRET=gezdgnbvgy3tqojqgezdgnbvgy3tqojq&Algorithm=sha256&DIGITS=8&Period=60&image=x#frag\n",
        )
        .unwrap();
        assert_eq!(parsed.secret.expose(), SHA1_SEED);
        assert_eq!(
            (parsed.digits, parsed.period, parsed.algorithm),
            (8, 60, Algorithm::Sha256)
        );
        let sha512 = parse("otpauth://totp/?secret=JBSWY3DPEHPK3PXP&algorithm=SHA-512&").unwrap();
        assert_eq!(sha512.algorithm, Algorithm::Sha512);
        let padded = parse("otpauth://totp/a?secret=MZXW6YTBOI%3D%3D%3D%3D%3D%3DMZXW6YTB").unwrap_err();
        assert_eq!(padded, TotpError::NotBase32(17));
    }

    #[test]
    fn parses_bare_secrets_with_defaults() {
        let parsed = parse(" jbsw-y3dp ehpk-3pxp= ").unwrap();
        assert_eq!(parsed.secret.expose(), b"Hello!\xde\xad\xbe\xef");
        assert_eq!(
            (parsed.digits, parsed.period, parsed.algorithm),
            (6, 30, Algorithm::Sha1)
        );
        assert_eq!((parsed.issuer, parsed.account), (None, None));
        assert_eq!(code(&parse("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap(), 59), "287082");
    }

    #[test]
    fn rejects_what_cannot_be_used() {
        let cases: [(&str, TotpError); 23] = [
            ("", TotpError::Empty),
            ("  \n", TotpError::Empty),
            ("- -", TotpError::Empty),
            ("JBSWY3DPEE", TotpError::TooShort(6)),
            ("JBSWY3DPEHPK3PX1", TotpError::NotBase32(16)),
            ("JBSWY3DPEHPK3PXPA", TotpError::Base32Length(17)),
            ("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1", TotpError::Hotp),
            ("OTPAUTH://HOTP?secret=JBSWY3DPEHPK3PXP", TotpError::Hotp),
            (
                "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8",
                TotpError::Migration,
            ),
            ("https://example.com/?secret=JBSWY3DPEHPK3PXP", TotpError::NotTotp),
            (
                "otpauth:totp?secret=JBSWY3DPEHPK3PXP",
                TotpError::Uri("it does not start otpauth://"),
            ),
            (
                "otpauth://steam/x?secret=JBSWY3DPEHPK3PXP",
                TotpError::Uri("the type after otpauth:// is not totp"),
            ),
            ("otpauth://totp/x?issuer=a", TotpError::MissingSecret),
            ("otpauth://totp/x?secret=&issuer=a", TotpError::MissingSecret),
            ("otpauth://totp/x?secret=JBSWY3DPEE", TotpError::TooShort(6)),
            (
                "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&Secret=JBSWY3DPEHPK3PXP",
                TotpError::Duplicate("secret"),
            ),
            (
                "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5",
                TotpError::Algorithm,
            ),
            (
                "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=5",
                TotpError::Digits(5),
            ),
            (
                "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=six",
                TotpError::NotANumber("digits"),
            ),
            (
                "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0",
                TotpError::Period(0),
            ),
            (
                "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=301",
                TotpError::Period(301),
            ),
            (
                "otpauth://totp/x%2?secret=JBSWY3DPEHPK3PXP",
                TotpError::Uri("a '%' is not followed by two hex digits"),
            ),
            (
                "otpauth://totp/x%FF?secret=JBSWY3DPEHPK3PXP",
                TotpError::Uri("percent-encoded text is not UTF-8"),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input).unwrap_err(), expected, "{input}");
        }
        assert_eq!(
            parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=9").unwrap_err(),
            TotpError::Digits(9)
        );
        assert_eq!(
            parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=-30").unwrap_err(),
            TotpError::NotANumber("period")
        );
    }

    #[test]
    fn overrides_apply_and_are_checked() {
        let parsed = parse(EXAMPLE).unwrap();
        let changed = with_overrides(parsed.duplicate(), Some(8), Some(60), Some(Algorithm::Sha512)).unwrap();
        assert_eq!(
            (changed.digits, changed.period, changed.algorithm),
            (8, 60, Algorithm::Sha512)
        );
        assert!(changed.secret.same_as(&parsed.secret));
        assert!(
            with_overrides(parsed.duplicate(), None, None, None)
                .unwrap()
                .same_as(&parsed)
        );
        assert_eq!(
            with_overrides(parsed.duplicate(), Some(10), None, None).err(),
            Some(TotpError::Digits(10))
        );
        assert_eq!(
            with_overrides(parsed.duplicate(), None, Some(0), None).err(),
            Some(TotpError::Period(0))
        );
        assert_eq!(
            with_overrides(parsed, None, Some(301), None).err(),
            Some(TotpError::Period(301))
        );
        let short = seed(b"short", Algorithm::Sha1, 6, 30);
        assert_eq!(
            with_overrides(short, None, None, None).err(),
            Some(TotpError::TooShort(5))
        );
    }

    #[test]
    fn secret_never_shows_in_debug_or_errors() {
        let parsed = parse(&format!("otpauth://totp/Example:alice?secret={EXAMPLE}&issuer=Example")).unwrap();
        let shown = format!("{parsed:?}");
        assert!(shown.contains("redacted") && shown.contains("alice"), "{shown}");
        assert!(!shown.contains("JBSW") && !shown.contains("Hello"), "{shown}");
        let inputs = [
            format!("{EXAMPLE}1"),
            format!("{EXAMPLE}!"),
            format!("{EXAMPLE}A"),
            EXAMPLE[..10].to_owned(),
            format!("otpauth://hotp/x?secret={EXAMPLE}"),
            format!("otpauth://steam/x?secret={EXAMPLE}"),
            format!("otpauth:{EXAMPLE}"),
            format!("https://x/?secret={EXAMPLE}"),
            format!("otpauth://totp/x?secret={EXAMPLE}&secret={EXAMPLE}"),
            format!("otpauth://totp/x?secret={EXAMPLE}&algorithm={EXAMPLE}"),
            format!("otpauth://totp/x?secret={EXAMPLE}&digits={EXAMPLE}"),
            format!("otpauth://totp/x?secret={EXAMPLE}&period={EXAMPLE}"),
            format!("otpauth://totp/x?secret={EXAMPLE}%"),
            format!("otpauth://totp/x?{EXAMPLE}"),
        ];
        for input in &inputs {
            let error = parse(input).unwrap_err();
            for text in [error.to_string(), format!("{error:?}")] {
                assert!(!text.to_uppercase().contains(&EXAMPLE[..8]), "{text}");
            }
        }
        let metadata = [(META_ALGORITHM.to_owned(), EXAMPLE.to_owned())];
        let error = from_metadata(SecretBytes::from_slice(SHA1_SEED), &metadata).unwrap_err();
        assert!(!error.to_string().contains(EXAMPLE));
    }

    #[test]
    fn uri_and_base32_export_round_trip() {
        let mut original = parse(EXAMPLE).unwrap();
        assert_eq!(base32_secret(&original).expose(), EXAMPLE);
        assert_eq!(
            to_uri(&original).expose(),
            "otpauth://totp/?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30"
        );
        original.issuer = Some("Contoso Ltd & Co: 100%".into());
        original.account = Some("bg-01@contoso.com".into());
        original.algorithm = Algorithm::Sha256;
        original.digits = 8;
        original.period = 60;
        let uri = to_uri(&original);
        assert!(
            uri.expose()
                .starts_with("otpauth://totp/Contoso%20Ltd%20%26%20Co%3A%20100%25:bg-01%40contoso.com?")
        );
        assert!(parse(uri.expose()).unwrap().same_as(&original));
        for (issuer, account) in [
            (None, Some("a:b c")),
            (Some("X"), None),
            (None, None),
            (None, Some("ü")),
        ] {
            let variant = TotpSeed {
                issuer: issuer.map(str::to_owned),
                account: account.map(str::to_owned),
                ..original.duplicate()
            };
            assert!(
                parse(to_uri(&variant).expose()).unwrap().same_as(&variant),
                "{issuer:?} {account:?}"
            );
        }
    }

    #[test]
    fn metadata_round_trips_without_secrets_or_control_characters() {
        let mut original =
            parse("otpauth://totp/Contoso:bg-01?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512&digits=7&period=45").unwrap();
        let pairs = to_metadata(&original);
        let expected: Vec<(String, String)> = [
            ("totp-digits", "7"),
            ("totp-period", "45"),
            ("totp-algorithm", "SHA512"),
            ("totp-issuer", "Contoso"),
            ("totp-account", "bg-01"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(pairs, expected);
        assert!(
            from_metadata(original.secret.duplicate(), &pairs)
                .unwrap()
                .same_as(&original)
        );

        original.issuer = None;
        original.account = Some("bg-01\nlength: 0\r\u{1b}".into());
        let pairs = to_metadata(&original);
        assert_eq!(pairs.len(), 4);
        assert_eq!(pairs[3], ("totp-account".to_owned(), "bg-01length: 0".to_owned()));
        assert!(
            pairs
                .iter()
                .all(|(_, v)| !v.chars().any(char::is_control) && !v.contains(EXAMPLE))
        );
    }

    #[test]
    fn metadata_defaults_ignores_unknown_keys_and_rejects_bad_values() {
        let secret = || SecretBytes::from_slice(SHA1_SEED);
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let defaults = from_metadata(secret(), &[pair("kind", "totp"), pair("length", "20")]).unwrap();
        assert!(defaults.same_as(&seed(SHA1_SEED, Algorithm::Sha1, 6, 30)));
        assert_eq!(
            from_metadata(secret(), &[pair(META_DIGITS, "9")]).err(),
            Some(TotpError::Digits(9))
        );
        assert_eq!(
            from_metadata(secret(), &[pair(META_PERIOD, "x")]).err(),
            Some(TotpError::NotANumber("period"))
        );
        assert_eq!(
            from_metadata(secret(), &[pair(META_ALGORITHM, "MD5")]).err(),
            Some(TotpError::Algorithm)
        );
        assert!(matches!(
            from_metadata(secret(), &[pair(META_DIGITS, "6"), pair(META_DIGITS, "8")]),
            Err(TotpError::Metadata(_))
        ));
        assert_eq!(
            from_metadata(SecretBytes::new(Vec::new()), &[]).err(),
            Some(TotpError::Empty)
        );
        assert_eq!(
            from_metadata(SecretBytes::from_slice(b"123456789"), &[]).err(),
            Some(TotpError::TooShort(9))
        );
    }

    #[test]
    fn algorithm_names() {
        for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
            assert_eq!(algorithm.as_str().parse::<Algorithm>(), Ok(algorithm));
            assert_eq!(algorithm.to_string().to_lowercase().parse::<Algorithm>(), Ok(algorithm));
        }
        assert_eq!("sha-256".parse::<Algorithm>(), Ok(Algorithm::Sha256));
        assert_eq!("SHA384".parse::<Algorithm>(), Err(TotpError::Algorithm));
        assert_eq!(Algorithm::default(), Algorithm::Sha1);
    }
}
