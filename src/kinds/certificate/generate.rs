//! Certificates for a breakglass app registration: a self-signed X.509 certificate and its RSA
//! private key, for an Entra ID app that signs in with a certificate credential.
//!
//! Entra accepts RSA keys of at least 2048 bits only (EC certificates are rejected) and needs no
//! particular extension, so the certificate is kept plain: key usage `digitalSignature`, extended
//! key usage `clientAuth`, `CA:FALSE`, a subject key identifier, signed RSA PKCS#1 v1.5 with
//! SHA-256. The key comes from the OS CSPRNG (`rsa`, via `getrandom`); the serial number and the
//! Graph `keyId` come from `ring`'s `SystemRandom`. `ring` signs (through `rcgen`), `x509-parser`
//! reads certificates back, `p12-keystore` writes the `.pfx` that PowerShell, .NET and Java want.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
    SerialNumber,
};
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use rsa::pkcs8::EncodePrivateKey;
use zeroize::Zeroize;

use crate::crypto::secret::{SecretBytes, SecretText};
use crate::platform::dates::UtcTime;

/// RSA modulus sizes offered: Entra's minimum and the two common stronger ones.
pub const KEY_BITS: [usize; 3] = [2048, 3072, 4096];
/// Longest validity accepted, in days (about ten years).
pub const MAX_VALID_DAYS: u32 = 3650;
/// Latest instant X.509 can express: 9999-12-31T23:59:59Z.
const LAST_X509_SECOND: i64 = 253_402_300_799;
/// Graph shortens longer display names.
const MAX_DISPLAY_NAME: usize = 90;
/// Bytes of the random serial number (RFC 5280 allows up to 20).
const SERIAL_BYTES: usize = 16;

/// Certificate failures.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateError {
    /// Key size not offered.
    #[error("{0}-bit keys are not offered: choose 2048, 3072 or 4096 bits")]
    KeyBits(usize),
    /// Validity outside 1..=3650 days.
    #[error("a validity of {0} days is out of range: choose between 1 and 3650 days")]
    ValidDays(u32),
    /// Start time not representable, or the end would pass year 9999.
    #[error("start time {0} (Unix seconds) is out of range: give a time from 1970 on, ending before year 10000")]
    NotBefore(i64),
    /// The subject cannot be written or would not read back unambiguously.
    #[error("subject {subject:?} is not usable: {reason}")]
    Subject {
        /// The subject as given.
        subject: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed")]
    Random,
    /// RSA key generation failed.
    #[error("RSA key generation failed ({0}); try again")]
    KeyGeneration(String),
    /// Building or signing the certificate failed.
    #[error("signing the certificate failed ({0})")]
    Sign(String),
    /// The bytes are not a DER X.509 certificate.
    #[error("not a readable X.509 certificate ({0}): give the DER bytes of the .cer file")]
    Parse(String),
    /// The certificate's key is not RSA.
    #[error("the certificate's key is not RSA: Entra accepts RSA certificates only")]
    NotRsa,
    /// The private key is not an RSA PKCS#8 key.
    #[error("the private key is not an unencrypted RSA PKCS#8 key")]
    Key,
    /// The sealed form of a certificate is damaged or incomplete.
    #[error("the sealed certificate cannot be rebuilt: {0}")]
    Sealed(String),
    /// The private key and the certificate do not belong together.
    #[error("the private key does not belong to this certificate: use the key generated with it")]
    KeyMismatch,
    /// The certificate facts given do not describe the certificate given.
    #[error("the certificate details do not match the certificate: recompute them with info_from_der")]
    InfoMismatch,
    /// Display name empty or too long for Graph.
    #[error("display name must be 1 to 90 characters (it has {0})")]
    DisplayName(usize),
    /// PFX password unusable.
    #[error("the PFX password must be non-empty printable ASCII (importers disagree on other characters)")]
    Password,
    /// The PEM writer failed.
    #[error("writing PEM text failed ({0})")]
    Pem(String),
    /// The PKCS#12 writer failed.
    #[error("writing the PKCS#12 (.pfx) file failed ({0})")]
    Pkcs12(String),
}

/// What certificate to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequest {
    /// `CN=contoso-breakglass-app`, `CN=app, O=Contoso, C=US`, or bare text taken as the CN.
    pub subject: String,
    /// RSA modulus size: 2048, 3072 or 4096.
    pub key_bits: usize,
    /// Days from `not_before` to `not_after`, 1 to 3650.
    pub valid_days: u32,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
}

/// A new certificate and its private key.
pub struct GeneratedCertificate {
    /// The private key, PKCS#8 DER (unencrypted: it goes straight into the vault).
    pub key_pkcs8_der: SecretBytes,
    /// The certificate, DER (what a `.cer` file holds; public).
    pub cert_der: Vec<u8>,
    /// Public facts about the certificate.
    pub info: CertificateInfo,
}

impl fmt::Debug for GeneratedCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedCertificate")
            .field("key_pkcs8_der", &self.key_pkcs8_der)
            .field("cert_der", &format_args!("<{} bytes>", self.cert_der.len()))
            .field("info", &self.info)
            .finish()
    }
}

/// Public facts about a certificate, as the Entra portal, MSAL and client assertions name it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CertificateInfo {
    /// Subject, e.g. `CN=contoso-breakglass-app, O=Contoso`.
    pub subject: String,
    /// Serial number, upper-case hex.
    pub serial: String,
    /// Start of validity.
    pub not_before: UtcTime,
    /// End of validity: the certificate's expiry.
    pub not_after: UtcTime,
    /// SHA-1 of the DER, upper-case hex: the "thumbprint" the Entra portal shows.
    pub sha1_thumbprint: String,
    /// SHA-256 of the DER, upper-case hex.
    pub sha256_thumbprint: String,
    /// `x5t` header of a client assertion: base64url (no padding) of the SHA-1.
    pub x5t: String,
    /// `x5t#S256` header: base64url (no padding) of the SHA-256.
    pub x5t_s256: String,
    /// RSA modulus size in bits.
    pub key_bits: usize,
}

/// One relative distinguished name attribute we accept, with its X.520 upper bound.
const ATTRIBUTES: [(&str, usize); 6] = [("CN", 64), ("O", 64), ("OU", 64), ("L", 128), ("ST", 128), ("C", 2)];

fn dn_type(key: &str) -> DnType {
    match key {
        "CN" => DnType::CommonName,
        "O" => DnType::OrganizationName,
        "OU" => DnType::OrganizationalUnitName,
        "L" => DnType::LocalityName,
        "ST" => DnType::StateOrProvinceName,
        _ => DnType::CountryName,
    }
}

/// Parses the subject into (attribute, value) pairs in order. Escaping is not supported, so
/// characters that need it are refused: what is printed must read back as what was meant.
fn parse_subject(subject: &str) -> Result<Vec<(&'static str, String)>, CertificateError> {
    let refuse = |reason: &str| CertificateError::Subject {
        subject: subject.to_owned(),
        reason: reason.to_owned(),
    };
    let text = subject.trim();
    if text.is_empty() {
        return Err(refuse("it is empty: give a name such as CN=contoso-breakglass-app"));
    }
    let parts: Vec<(String, &str)> = if text.contains('=') {
        let mut parts = Vec::new();
        for part in text.split(',') {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| refuse("write it as CN=name, O=organisation (commas only between attributes)"))?;
            parts.push((key.trim().to_ascii_uppercase(), value.trim()));
        }
        parts
    } else {
        vec![("CN".to_owned(), text)]
    };
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for (key, value) in parts {
        let Some(&(name, limit)) = ATTRIBUTES.iter().find(|(name, _)| *name == key) else {
            return Err(refuse(&format!("unknown attribute {key:?}: use CN, O, OU, L, ST or C")));
        };
        if out.iter().any(|(seen, _)| *seen == name) {
            return Err(refuse(&format!("{name} appears twice: give each attribute once")));
        }
        if value.is_empty() {
            return Err(refuse(&format!("{name} is empty")));
        }
        if value.chars().any(|c| c.is_control() || "+=\\\"<>;#,".contains(c)) {
            return Err(refuse(&format!(
                "{name} holds a character that needs escaping (, + = \\ \" < > ; #): leave it out"
            )));
        }
        if value.chars().count() > limit {
            return Err(refuse(&format!("{name} is longer than {limit} characters")));
        }
        if name == "C" && !(value.len() == 2 && value.chars().all(|c| c.is_ascii_uppercase())) {
            return Err(refuse("C must be a two-letter country code such as US"));
        }
        out.push((name, value.to_owned()));
    }
    if !out.iter().any(|(name, _)| *name == "CN") {
        return Err(refuse("it has no CN: add CN=name"));
    }
    Ok(out)
}

fn distinguished_name(subject: &str) -> Result<DistinguishedName, CertificateError> {
    let mut name = DistinguishedName::new();
    for (key, value) in parse_subject(subject)? {
        let value = if key == "C" {
            // RFC 5280 wants countryName as PrintableString.
            let printable =
                rcgen::string::PrintableString::try_from(value.as_str()).map_err(|_| CertificateError::Subject {
                    subject: subject.to_owned(),
                    reason: "C must be a two-letter country code such as US".into(),
                })?;
            DnValue::PrintableString(printable)
        } else {
            DnValue::Utf8String(value)
        };
        name.push(dn_type(key), value);
    }
    Ok(name)
}

fn validate(request: &CertificateRequest) -> Result<(), CertificateError> {
    if !KEY_BITS.contains(&request.key_bits) {
        return Err(CertificateError::KeyBits(request.key_bits));
    }
    if !(1..=MAX_VALID_DAYS).contains(&request.valid_days) {
        return Err(CertificateError::ValidDays(request.valid_days));
    }
    let span = i64::from(request.valid_days) * 86_400;
    if request.not_before < 0 || request.not_before > LAST_X509_SECOND - span {
        return Err(CertificateError::NotBefore(request.not_before));
    }
    Ok(())
}

/// A positive serial of exactly 16 bytes: top bit clear (positive), next bit set (no leading
/// zero byte, so it prints the same everywhere); 126 random bits.
fn random_serial(rng: &SystemRandom) -> Result<Vec<u8>, CertificateError> {
    let mut serial = vec![0u8; SERIAL_BYTES];
    rng.fill(&mut serial).map_err(|_| CertificateError::Random)?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    Ok(serial)
}

fn offset_date_time(seconds: i64) -> Result<time::OffsetDateTime, CertificateError> {
    time::OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| CertificateError::NotBefore(seconds))
}

/// A new RSA key from the OS CSPRNG, as PKCS#8 DER. `rsa`'s key wipes itself on drop, and so
/// does the PKCS#8 document it encodes.
fn generate_key(bits: usize) -> Result<SecretBytes, CertificateError> {
    let key = rsa::PrivateKey::new(&mut getrandom::SysRng, bits)
        .map_err(|error| CertificateError::KeyGeneration(error.to_string()))?;
    let document = key
        .to_pkcs8_der()
        .map_err(|error| CertificateError::KeyGeneration(error.to_string()))?;
    Ok(SecretBytes::from_slice(document.as_bytes()))
}

/// Generates an RSA key and a self-signed certificate for it, valid from `not_before` for
/// `valid_days` days.
///
/// The key is rebuilt from its two primes before the certificate is issued, so that exactly
/// this key and certificate can be rebuilt later from what is sealed ([`to_sealed`]).
pub fn generate(request: &CertificateRequest) -> Result<GeneratedCertificate, CertificateError> {
    validate(request)?;
    distinguished_name(&request.subject)?;
    let rng = SystemRandom::new();
    let generated = generate_key(request.key_bits)?;
    let (p, q) = primes_of(generated.expose(), request.key_bits)?;
    let key_pkcs8_der = key_from_primes(&p, &q)?;
    let serial = random_serial(&rng)?;
    let not_after = request.not_before + i64::from(request.valid_days) * 86_400;
    let cert_der = issue(&key_pkcs8_der, &request.subject, &serial, request.not_before, not_after)?;
    let info = info_from_der(&cert_der)?;
    Ok(GeneratedCertificate {
        key_pkcs8_der,
        cert_der,
        info,
    })
}

/// Issues the self-signed certificate for `key_pkcs8_der`. Deterministic: the same key and
/// parameters always give the same DER (PKCS#1 v1.5 signatures have no randomness).
fn issue(
    key_pkcs8_der: &SecretBytes,
    subject: &str,
    serial: &[u8],
    not_before: i64,
    not_after: i64,
) -> Result<Vec<u8>, CertificateError> {
    let mut params = CertificateParams::default();
    // rcgen's defaults are a placeholder CN and 1975-4096 validity: replace both.
    params.distinguished_name = distinguished_name(subject)?;
    params.not_before = offset_date_time(not_before)?;
    params.not_after = offset_date_time(not_after)?;
    params.serial_number = Some(SerialNumber::from(serial.to_vec()));
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];

    let mut key_pair =
        KeyPair::try_from(key_pkcs8_der.expose()).map_err(|error| CertificateError::Sign(error.to_string()))?;
    let signed = if rcgen::PublicKeyData::algorithm(&key_pair) == &rcgen::PKCS_RSA_SHA256 {
        params
            .self_signed(&key_pair)
            .map_err(|error| CertificateError::Sign(error.to_string()))
    } else {
        Err(CertificateError::Sign("the key was not read as RSA".into()))
    };
    // rcgen keeps its own copy of the PKCS#8 bytes; wipe it (ring's parsed key is not wiped).
    key_pair.zeroize();
    Ok(signed?.der().to_vec())
}

/// The public exponent of every key generated here.
const PUBLIC_EXPONENT: u64 = 65_537;

/// `bytes` (a prime) left-padded with zeros to `width`, in one wiped allocation.
fn fixed_width(bytes: &[u8], width: usize) -> Result<SecretBytes, CertificateError> {
    let start = bytes.iter().position(|&byte| byte != 0).unwrap_or(bytes.len());
    let significant = &bytes[start..];
    if significant.len() > width {
        return Err(CertificateError::Sealed(
            "a prime is larger than the key size allows".into(),
        ));
    }
    let mut out = SecretText::with_capacity(width);
    out.push_bytes(&vec![0u8; width - significant.len()]);
    out.push_bytes(significant);
    Ok(out.into_secret_bytes())
}

/// The two primes of a PKCS#8 RSA key, big-endian, each `key_bits / 16` bytes.
fn primes_of(key_pkcs8_der: &[u8], key_bits: usize) -> Result<(SecretBytes, SecretBytes), CertificateError> {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PrivateKeyParts;
    let key =
        rsa::PrivateKey::from_pkcs8_der(key_pkcs8_der).map_err(|error| CertificateError::Sealed(error.to_string()))?;
    let primes = key.primes();
    if primes.len() != 2 {
        return Err(CertificateError::Sealed(
            "the key does not have exactly two primes".into(),
        ));
    }
    let width = key_bits / 16;
    let mut first = primes[0].as_ref().to_be_bytes();
    let mut second = primes[1].as_ref().to_be_bytes();
    let p = fixed_width(&first, width);
    let q = fixed_width(&second, width);
    first.zeroize();
    second.zeroize();
    Ok((p?, q?))
}

/// Rebuilds the PKCS#8 DER of the key with primes `p` and `q` and exponent 65537.
fn key_from_primes(p: &SecretBytes, q: &SecretBytes) -> Result<SecretBytes, CertificateError> {
    let p = rsa::BoxedUint::from_be_slice_vartime(p.expose());
    let q = rsa::BoxedUint::from_be_slice_vartime(q.expose());
    let key = rsa::PrivateKey::from_p_q(p, q, rsa::BoxedUint::from(PUBLIC_EXPONENT))
        .map_err(|error| CertificateError::Sealed(error.to_string()))?;
    let document = key
        .to_pkcs8_der()
        .map_err(|error| CertificateError::Sealed(error.to_string()))?;
    Ok(SecretBytes::from_slice(document.as_bytes()))
}

/// What is sealed for a certificate: the key's two primes (the only secret part), and the
/// certificate's parameters, from which the key and the very same certificate are rebuilt.
/// About 600 bytes for RSA-3072 instead of about 2900 for the PKCS#8 key and certificate, so
/// the vault stays a few QR codes and a typed copy stays typable.
#[derive(Debug)]
pub struct SealedCertificate {
    /// `p || q`, big-endian, each `key_bits / 16` bytes.
    pub secret: SecretBytes,
    /// `cert-*` parameters (public).
    pub metadata: Vec<(String, String)>,
}

/// Metadata keys of a sealed certificate.
pub mod keys {
    /// The subject as given at generation.
    pub const SUBJECT: &str = "cert-subject";
    /// Serial number, upper-case hex of the DER integer's bytes.
    pub const SERIAL: &str = "cert-serial";
    /// Start of validity, Unix seconds.
    pub const NOT_BEFORE: &str = "cert-not-before";
    /// End of validity, Unix seconds.
    pub const NOT_AFTER: &str = "cert-not-after";
    /// RSA modulus size.
    pub const KEY_BITS: &str = "cert-key-bits";
    /// SHA-256 of the original certificate DER, upper-case hex: proves the rebuild.
    pub const SHA256: &str = "cert-sha256";
}

/// Describes `generated` for sealing. Fails unless the rebuild gives back exactly the same key
/// and certificate, so nothing is sealed that could not be recovered.
pub fn to_sealed(
    generated: &GeneratedCertificate,
    request: &CertificateRequest,
) -> Result<SealedCertificate, CertificateError> {
    let cert = parse_certificate(&generated.cert_der)?;
    let serial = upper_hex(cert.raw_serial());
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    let (p, q) = primes_of(generated.key_pkcs8_der.expose(), request.key_bits)?;
    let mut secret = SecretText::with_capacity(p.len() + q.len());
    secret.push_bytes(p.expose());
    secret.push_bytes(q.expose());
    let sealed = SealedCertificate {
        secret: secret.into_secret_bytes(),
        metadata: vec![
            (keys::SUBJECT.into(), request.subject.clone()),
            (keys::SERIAL.into(), serial),
            (keys::NOT_BEFORE.into(), not_before.to_string()),
            (keys::NOT_AFTER.into(), not_after.to_string()),
            (keys::KEY_BITS.into(), request.key_bits.to_string()),
            (keys::SHA256.into(), generated.info.sha256_thumbprint.clone()),
        ],
    };
    let rebuilt = from_sealed(&sealed.secret, &sealed.metadata)?;
    if rebuilt.cert_der != generated.cert_der || !rebuilt.original {
        return Err(CertificateError::Sealed(
            "the certificate could not be rebuilt from its sealed form".into(),
        ));
    }
    Ok(sealed)
}

/// A key and certificate rebuilt from their sealed form.
#[derive(Debug)]
pub struct RebuiltCertificate {
    /// The private key, PKCS#8 DER.
    pub key_pkcs8_der: SecretBytes,
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// Its public facts.
    pub info: CertificateInfo,
    /// True if and only if the certificate is byte for byte the one generated at sealing (its
    /// SHA-256 matches); false means it was re-issued with the same key and parameters.
    pub original: bool,
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Rebuilds the key and certificate from a sealed certificate.
pub fn from_sealed(
    secret: &SecretBytes,
    metadata: &[(String, String)],
) -> Result<RebuiltCertificate, CertificateError> {
    let value = |key: &str| {
        metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| CertificateError::Sealed(format!("the sealed certificate lacks {key}")))
    };
    let number = |key: &str| -> Result<i64, CertificateError> {
        value(key)?
            .parse()
            .map_err(|_| CertificateError::Sealed(format!("{key} is not a number")))
    };
    let key_bits = number(keys::KEY_BITS)? as usize;
    if !KEY_BITS.contains(&key_bits) || secret.len() != key_bits / 8 {
        return Err(CertificateError::Sealed(
            "the sealed primes do not match the key size".into(),
        ));
    }
    let (p, q) = secret.expose().split_at(key_bits / 16);
    let key_pkcs8_der = key_from_primes(&SecretBytes::from_slice(p), &SecretBytes::from_slice(q))?;
    let serial =
        hex_bytes(value(keys::SERIAL)?).ok_or_else(|| CertificateError::Sealed("cert-serial is not hex".into()))?;
    let cert_der = issue(
        &key_pkcs8_der,
        value(keys::SUBJECT)?,
        &serial,
        number(keys::NOT_BEFORE)?,
        number(keys::NOT_AFTER)?,
    )?;
    let info = info_from_der(&cert_der)?;
    let original = info.sha256_thumbprint == value(keys::SHA256)?;
    Ok(RebuiltCertificate {
        key_pkcs8_der,
        cert_der,
        info,
        original,
    })
}

fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02X}")).collect()
}

/// Bit length of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> usize {
    match bytes.iter().position(|&byte| byte != 0) {
        Some(first) => (bytes.len() - first) * 8 - bytes[first].leading_zeros() as usize,
        None => 0,
    }
}

fn parse_certificate(cert_der: &[u8]) -> Result<x509_parser::certificate::X509Certificate<'_>, CertificateError> {
    let (rest, cert) =
        x509_parser::parse_x509_certificate(cert_der).map_err(|error| CertificateError::Parse(error.to_string()))?;
    if !rest.is_empty() {
        return Err(CertificateError::Parse(format!(
            "{} bytes after the certificate",
            rest.len()
        )));
    }
    Ok(cert)
}

/// Reads the public facts back from a certificate's DER (for display after recovery).
pub fn info_from_der(cert_der: &[u8]) -> Result<CertificateInfo, CertificateError> {
    let cert = parse_certificate(cert_der)?;
    let key_bits = match cert.public_key().parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(key)) => bit_length(key.modulus),
        _ => return Err(CertificateError::NotRsa),
    };
    let raw_serial = cert.raw_serial();
    let serial_start = raw_serial
        .iter()
        .position(|&byte| byte != 0)
        .unwrap_or(raw_serial.len().saturating_sub(1));
    let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, cert_der);
    let sha256 = digest::digest(&digest::SHA256, cert_der);
    Ok(CertificateInfo {
        subject: cert.subject().to_string(),
        serial: upper_hex(&raw_serial[serial_start..]),
        not_before: UtcTime::from_unix(cert.validity().not_before.timestamp()),
        not_after: UtcTime::from_unix(cert.validity().not_after.timestamp()),
        sha1_thumbprint: upper_hex(sha1.as_ref()),
        sha256_thumbprint: upper_hex(sha256.as_ref()),
        x5t: URL_SAFE_NO_PAD.encode(sha1.as_ref()),
        x5t_s256: URL_SAFE_NO_PAD.encode(sha256.as_ref()),
        key_bits,
    })
}

/// True if and only if `key_pkcs8_der` is an RSA key whose public half is the certificate's.
pub fn key_matches_certificate(key_pkcs8_der: &[u8], cert_der: &[u8]) -> bool {
    use ring::signature::KeyPair as _;
    let Ok(key) = ring::signature::RsaKeyPair::from_pkcs8(key_pkcs8_der) else {
        return false;
    };
    let Ok(cert) = parse_certificate(cert_der) else {
        return false;
    };
    let spki = cert.public_key();
    // Both sides are the DER RSAPublicKey (modulus, exponent), which is canonical.
    spki.algorithm.algorithm == x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION
        && key.public_key().as_ref() == spki.subject_public_key.data.as_ref()
}

/// PEM text (RFC 7468, through `pkcs8`'s `pem` feature): `-----BEGIN {label}-----`, base64 in
/// 64-character lines, `-----END {label}-----`, LF line ends. For public DER (a certificate).
pub fn pem(label: &str, der: &[u8]) -> Result<String, CertificateError> {
    pkcs8::der::pem::encode_string(label, pkcs8::LineEnding::LF, der)
        .map_err(|error| CertificateError::Pem(error.to_string()))
}

/// The PEM text of a PKCS#8 private key (`PRIVATE KEY`): `pkcs8` copies the DER into a document
/// it wipes on drop and writes the text into one pre-sized string, which is moved, not copied,
/// into a wiped buffer.
pub fn key_pem(key_pkcs8_der: &[u8]) -> Result<SecretBytes, CertificateError> {
    let document =
        pkcs8::SecretDocument::try_from(key_pkcs8_der).map_err(|error| CertificateError::Pem(error.to_string()))?;
    let mut text = document
        .to_pem("PRIVATE KEY", pkcs8::LineEnding::LF)
        .map_err(|error| CertificateError::Pem(error.to_string()))?;
    Ok(SecretBytes::new(std::mem::take(&mut *text).into_bytes()))
}

/// One Microsoft Graph `keyCredentials` entry, field names as Graph spells them.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyCredential<'a> {
    custom_key_identifier: &'a str,
    display_name: &'a str,
    end_date_time: UtcTime,
    key: String,
    key_id: String,
    start_date_time: UtcTime,
    #[serde(rename = "type")]
    kind: &'static str,
    usage: &'static str,
}

/// A random (version 4) GUID, lower-case, as Graph writes `keyId`.
fn random_guid(rng: &SystemRandom) -> Result<String, CertificateError> {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes).map_err(|_| CertificateError::Random)?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// The Graph `keyCredentials` entry that adds this certificate to an app registration (one
/// object, pretty-printed; a PATCH replaces the whole array, so the caller merges it).
///
/// `customKeyIdentifier` is Binary in Graph (base64 in JSON): the base64 of the SHA-1 digest's 20
/// bytes, as Microsoft's examples put there (hex text would be read as base64 and stored as
/// unrelated bytes). The start and end are the certificate's own validity, which Graph requires
/// the credential to lie inside.
pub fn key_credential_json(
    cert_der: &[u8],
    info: &CertificateInfo,
    display_name: &str,
) -> Result<String, CertificateError> {
    let length = display_name.chars().count();
    if length == 0 || length > MAX_DISPLAY_NAME {
        return Err(CertificateError::DisplayName(length));
    }
    if info_from_der(cert_der)? != *info {
        return Err(CertificateError::InfoMismatch);
    }
    let entry = KeyCredential {
        custom_key_identifier: &STANDARD.encode(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, cert_der)),
        display_name,
        end_date_time: info.not_after,
        key: STANDARD.encode(cert_der),
        key_id: random_guid(&SystemRandom::new())?,
        start_date_time: info.not_before,
        kind: "AsymmetricX509Cert",
        usage: "Verify",
    };
    Ok(serde_json::to_string_pretty(&entry).expect("a struct of strings always serialises"))
}

/// A password-protected PKCS#12 (`.pfx`) holding the key and certificate, for PowerShell
/// (`Connect-MgGraph -Certificate`), .NET and Java. AES-256-CBC with PBKDF2-SHA256 and an
/// HMAC-SHA256 MAC (p12-keystore's defaults; OpenSSL 1.1.1+ and current Windows read them).
///
/// p12-keystore copies the key into buffers it does not wipe; the `.pfx` itself is encrypted.
pub fn pkcs12(
    key_pkcs8_der: &[u8],
    cert_der: &[u8],
    password: &str,
    friendly_name: &str,
) -> Result<Vec<u8>, CertificateError> {
    if password.is_empty() || !password.bytes().all(|byte| (0x20..0x7f).contains(&byte)) {
        return Err(CertificateError::Password);
    }
    if ring::signature::RsaKeyPair::from_pkcs8(key_pkcs8_der).is_err() {
        return Err(CertificateError::Key);
    }
    if !key_matches_certificate(key_pkcs8_der, cert_der) {
        return Err(CertificateError::KeyMismatch);
    }
    let key = p12_keystore::PrivateKey::from_der(key_pkcs8_der).map_err(|_| CertificateError::Key)?;
    let cert =
        p12_keystore::Certificate::from_der(cert_der).map_err(|error| CertificateError::Parse(error.to_string()))?;
    // The SHA-1 of the certificate as local key id, as OpenSSL and Windows do.
    let local_key_id = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, cert_der)
        .as_ref()
        .to_vec();
    let chain = p12_keystore::PrivateKeyChain::new(local_key_id, key, [cert]);
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry(friendly_name, p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
    store
        .writer(password)
        .write()
        .map_err(|error| CertificateError::Pkcs12(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::process::Command;
    use std::sync::OnceLock;

    /// 2026-01-01T00:00:00Z.
    const START: i64 = 1_767_225_600;

    fn request() -> CertificateRequest {
        CertificateRequest {
            subject: "CN=contoso-breakglass-app, O=Contoso, C=US".into(),
            key_bits: 2048,
            valid_days: 365,
            not_before: START,
        }
    }

    /// One 2048-bit certificate shared by the tests (key generation dominates their time).
    fn shared() -> &'static GeneratedCertificate {
        static CERT: OnceLock<GeneratedCertificate> = OnceLock::new();
        CERT.get_or_init(|| generate(&request()).unwrap())
    }

    fn other_key() -> &'static GeneratedCertificate {
        static CERT: OnceLock<GeneratedCertificate> = OnceLock::new();
        CERT.get_or_init(|| {
            generate(&CertificateRequest {
                subject: "other".into(),
                ..request()
            })
            .unwrap()
        })
    }

    fn openssl_available() -> bool {
        Command::new("openssl")
            .arg("version")
            .output()
            .is_ok_and(|output| output.status.success())
    }

    fn scratch_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("breakglass-cert-test-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn info_describes_the_certificate() {
        let generated = shared();
        let info = &generated.info;
        let der = &generated.cert_der;
        let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der);
        let sha256 = digest::digest(&digest::SHA256, der);
        assert_eq!(info.sha1_thumbprint, upper_hex(sha1.as_ref()));
        assert_eq!(info.sha256_thumbprint, upper_hex(sha256.as_ref()));
        assert_eq!(info.sha1_thumbprint.len(), 40);
        assert!(
            info.sha1_thumbprint
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        assert_eq!(URL_SAFE_NO_PAD.decode(&info.x5t).unwrap(), sha1.as_ref());
        assert_eq!(URL_SAFE_NO_PAD.decode(&info.x5t_s256).unwrap(), sha256.as_ref());
        assert!(!info.x5t.contains(['=', '+', '/']));
        assert_eq!(info.subject, "CN=contoso-breakglass-app, O=Contoso, C=US");
        assert_eq!(info.not_before.to_string(), "2026-01-01T00:00:00Z");
        assert_eq!(info.not_after.to_string(), "2027-01-01T00:00:00Z");
        assert_eq!(info.key_bits, 2048);
        assert_eq!(info.serial.len(), 32);
        assert!(info.serial.as_bytes()[0] >= b'4' && info.serial.as_bytes()[0] <= b'7');
        assert_eq!(info_from_der(der).unwrap(), *info);
        let json = serde_json::to_string(info).unwrap();
        assert_eq!(serde_json::from_str::<CertificateInfo>(&json).unwrap(), *info);
        assert_ne!(info.serial, other_key().info.serial);
    }

    #[test]
    fn certificate_is_self_signed_rsa_sha256_with_the_chosen_extensions() {
        use x509_parser::extensions::ParsedExtension;
        let cert = parse_certificate(&shared().cert_der).unwrap();
        assert_eq!(cert.subject().as_raw(), cert.issuer().as_raw());
        assert_eq!(
            cert.signature_algorithm.algorithm,
            x509_parser::oid_registry::OID_PKCS1_SHA256WITHRSA
        );
        assert_eq!(cert.version(), x509_parser::x509::X509Version::V3);
        let mut seen = Vec::new();
        for extension in cert.extensions() {
            match extension.parsed_extension() {
                ParsedExtension::KeyUsage(usage) => {
                    assert!(usage.digital_signature() && !usage.key_cert_sign());
                    seen.push("ku");
                }
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    assert!(eku.client_auth && !eku.server_auth);
                    seen.push("eku");
                }
                ParsedExtension::BasicConstraints(constraints) => {
                    assert!(!constraints.ca);
                    seen.push("bc");
                }
                ParsedExtension::SubjectKeyIdentifier(_) => seen.push("ski"),
                other => panic!("unexpected extension {other:?}"),
            }
        }
        seen.sort_unstable();
        assert_eq!(seen, ["bc", "eku", "ku", "ski"]);
        // The self-signature verifies with ring.
        let public = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            cert.public_key().subject_public_key.data.as_ref(),
        );
        public
            .verify(cert.tbs_certificate.as_ref(), cert.signature_value.data.as_ref())
            .unwrap();
    }

    #[test]
    fn key_matches_its_certificate_only() {
        let generated = shared();
        let other = other_key();
        let key = generated.key_pkcs8_der.expose();
        assert!(key.starts_with(&[0x30, 0x82]));
        assert!(key_matches_certificate(key, &generated.cert_der));
        assert!(key_matches_certificate(other.key_pkcs8_der.expose(), &other.cert_der));
        assert!(!key_matches_certificate(
            other.key_pkcs8_der.expose(),
            &generated.cert_der
        ));
        assert!(!key_matches_certificate(key, &other.cert_der));
        assert!(!key_matches_certificate(b"junk", &generated.cert_der));
        assert!(!key_matches_certificate(key, b"junk"));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let generated = shared();
        let shown = format!("{generated:?}");
        assert!(shown.contains("[redacted]"), "{shown}");
        assert!(shown.contains(&generated.info.sha1_thumbprint));
        let key_hex = upper_hex(&generated.key_pkcs8_der.expose()[..40]);
        assert!(!shown.to_uppercase().contains(&key_hex));
        assert!(!shown.contains(&STANDARD.encode(&generated.key_pkcs8_der.expose()[..30])));
    }

    #[test]
    fn requests_are_checked() {
        let bad_bits = CertificateRequest {
            key_bits: 1024,
            ..request()
        };
        assert_eq!(generate(&bad_bits).unwrap_err(), CertificateError::KeyBits(1024));
        for days in [0, 3651] {
            let bad = CertificateRequest {
                valid_days: days,
                ..request()
            };
            assert_eq!(generate(&bad).unwrap_err(), CertificateError::ValidDays(days));
        }
        for start in [-1, LAST_X509_SECOND] {
            let bad = CertificateRequest {
                not_before: start,
                ..request()
            };
            assert_eq!(generate(&bad).unwrap_err(), CertificateError::NotBefore(start));
        }
        let message = CertificateError::KeyBits(1024).to_string();
        assert!(message.contains("2048, 3072 or 4096"), "{message}");
    }

    #[test]
    fn subjects_are_parsed_strictly() {
        let parsed = parse_subject;
        assert_eq!(
            parsed("contoso-breakglass-app").unwrap(),
            [("CN", "contoso-breakglass-app".to_owned())]
        );
        assert_eq!(
            parsed(" cn = app ,o=Contoso Ltd").unwrap(),
            [("CN", "app".to_owned()), ("O", "Contoso Ltd".to_owned())]
        );
        for bad in [
            "",
            "  ",
            "O=Contoso",
            "CN=a, CN=b",
            "CN=",
            "CN=a, X=b",
            "CN=a, b",
            "CN=a+b",
            "Contoso, Inc",
            "CN=a, C=usa",
            "CN=a, C=us",
            "CN=line\nbreak",
        ] {
            assert!(
                matches!(parse_subject(bad), Err(CertificateError::Subject { .. })),
                "{bad:?}"
            );
        }
        assert!(parse_subject(&"x".repeat(64)).is_ok());
        assert!(parse_subject(&"x".repeat(65)).is_err());
        let message = parse_subject("CN=a, X=b").unwrap_err().to_string();
        assert!(message.contains("use CN, O, OU, L, ST or C"), "{message}");
    }

    #[test]
    fn bare_subject_becomes_the_common_name() {
        // No key generation: build the name only.
        let name = distinguished_name("contoso-breakglass-app").unwrap();
        assert_eq!(
            name.get(&DnType::CommonName),
            Some(&DnValue::Utf8String("contoso-breakglass-app".into()))
        );
    }

    #[test]
    fn pem_wraps_at_64_and_round_trips() {
        let der = &shared().cert_der;
        let text = pem("CERTIFICATE", der).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(*lines.last().unwrap(), "-----END CERTIFICATE-----");
        let body = &lines[1..lines.len() - 1];
        assert!(body[..body.len() - 1].iter().all(|line| line.len() == 64));
        assert!((1..=64).contains(&body.last().unwrap().len()));
        assert_eq!(STANDARD.decode(body.concat()).unwrap(), *der);
        assert!(text.ends_with("-----\n"));
        // pem-rfc7468 writes an empty body as an empty line (never reached: DER is never empty).
        assert_eq!(pem("X", b"").unwrap(), "-----BEGIN X-----\n\n-----END X-----\n");
        assert_eq!(pem("X", &[0; 48]).unwrap().lines().nth(1).unwrap().len(), 64);
        assert_eq!(pem("X", &[0; 48]).unwrap().lines().count(), 3);
    }

    #[test]
    fn key_credential_json_has_graph_fields() {
        let generated = shared();
        let info = &generated.info;
        let text = key_credential_json(&generated.cert_der, info, "breakglass app 2026").unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let object = value.as_object().unwrap();
        assert_eq!(object.len(), 8);
        // Base64 of the digest bytes, which Graph stores as they are (not the hex thumbprint).
        let identifier = STANDARD.decode(value["customKeyIdentifier"].as_str().unwrap()).unwrap();
        assert_eq!(upper_hex(&identifier), info.sha1_thumbprint);
        assert_eq!(value["displayName"], "breakglass app 2026");
        assert_eq!(value["type"], "AsymmetricX509Cert");
        assert_eq!(value["usage"], "Verify");
        assert_eq!(
            STANDARD.decode(value["key"].as_str().unwrap()).unwrap(),
            generated.cert_der
        );
        let start = value["startDateTime"].as_str().unwrap();
        let end = value["endDateTime"].as_str().unwrap();
        assert_eq!(
            (start, end),
            (
                info.not_before.to_string().as_str(),
                info.not_after.to_string().as_str()
            )
        );
        let key_id = value["keyId"].as_str().unwrap();
        let groups: Vec<usize> = key_id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert_eq!(&key_id[14..15], "4");
        assert!("89ab".contains(&key_id[19..20]));
        assert!(text.starts_with("{\n  \""));
        let again: serde_json::Value =
            serde_json::from_str(&key_credential_json(&generated.cert_der, info, "x").unwrap()).unwrap();
        assert_ne!(again["keyId"], value["keyId"]);

        assert_eq!(
            key_credential_json(&generated.cert_der, info, "").unwrap_err(),
            CertificateError::DisplayName(0)
        );
        assert_eq!(
            key_credential_json(&generated.cert_der, info, &"n".repeat(91)).unwrap_err(),
            CertificateError::DisplayName(91)
        );
        assert_eq!(
            key_credential_json(&other_key().cert_der, info, "x").unwrap_err(),
            CertificateError::InfoMismatch
        );
    }

    #[test]
    fn pkcs12_round_trips_with_the_password_only() {
        let generated = shared();
        let key = generated.key_pkcs8_der.expose();
        let pfx = pkcs12(key, &generated.cert_der, "Correct-Horse-42", "breakglass app").unwrap();
        let store =
            p12_keystore::KeyStore::from_pkcs12(&pfx, "Correct-Horse-42", p12_keystore::Pkcs12ImportPolicy::Strict)
                .unwrap();
        let (alias, chain) = store.private_key_chain().unwrap();
        assert_eq!(alias, "breakglass app");
        assert_eq!(chain.key().as_der(), key);
        assert_eq!(chain.certs().len(), 1);
        assert_eq!(chain.certs()[0].as_der(), generated.cert_der.as_slice());
        assert!(p12_keystore::KeyStore::from_pkcs12(&pfx, "wrong", p12_keystore::Pkcs12ImportPolicy::Strict).is_err());

        assert_eq!(
            pkcs12(key, &generated.cert_der, "", "x").unwrap_err(),
            CertificateError::Password
        );
        assert_eq!(
            pkcs12(key, &generated.cert_der, "pässword", "x").unwrap_err(),
            CertificateError::Password
        );
        assert_eq!(
            pkcs12(key, &other_key().cert_der, "pw", "x").unwrap_err(),
            CertificateError::KeyMismatch
        );
        assert_eq!(
            pkcs12(b"junk", &generated.cert_der, "pw", "x").unwrap_err(),
            CertificateError::Key
        );
    }

    #[test]
    fn openssl_agrees_when_installed() {
        if !openssl_available() {
            return;
        }
        let generated = shared();
        let cert_path = scratch_file("cert.der", &generated.cert_der);
        let output = Command::new("openssl")
            .args(["x509", "-inform", "DER", "-noout", "-fingerprint", "-sha1", "-in"])
            .arg(&cert_path)
            .output()
            .unwrap();
        assert!(output.status.success());
        let fingerprint = String::from_utf8(output.stdout).unwrap();
        let fingerprint = fingerprint.trim().rsplit('=').next().unwrap().replace(':', "");
        assert_eq!(fingerprint, generated.info.sha1_thumbprint);

        let output = Command::new("openssl")
            .args([
                "x509", "-inform", "DER", "-noout", "-serial", "-subject", "-nameopt", "RFC2253", "-in",
            ])
            .arg(&cert_path)
            .output()
            .unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(text.contains(&format!("serial={}", generated.info.serial)), "{text}");
        assert!(
            text.contains("subject=C=US,O=Contoso,CN=contoso-breakglass-app"),
            "{text}"
        );

        // The PEM files are what az CLI / MSAL read; openssl must parse both.
        let key_pem = scratch_file("key.pem", key_pem(generated.key_pkcs8_der.expose()).unwrap().expose());
        let output = Command::new("openssl")
            .args(["pkey", "-noout", "-in"])
            .arg(&key_pem)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        std::fs::remove_file(&key_pem).unwrap();

        let pfx = pkcs12(
            generated.key_pkcs8_der.expose(),
            &generated.cert_der,
            "Correct-Horse-42",
            "breakglass app",
        )
        .unwrap();
        let pfx_path = scratch_file("cert.pfx", &pfx);
        let output = Command::new("openssl")
            .args(["pkcs12", "-info", "-nokeys", "-passin", "pass:Correct-Horse-42", "-in"])
            .arg(&pfx_path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(stderr.contains("AES-256-CBC"), "{stderr}");
        assert!(stderr.contains("sha256"), "{stderr}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("BEGIN CERTIFICATE"), "{stdout}");
        let output = Command::new("openssl")
            .args(["pkcs12", "-info", "-nokeys", "-passin", "pass:wrong", "-in"])
            .arg(&pfx_path)
            .output()
            .unwrap();
        assert!(!output.status.success());
        std::fs::remove_file(&pfx_path).unwrap();
        std::fs::remove_file(&cert_path).unwrap();
    }

    #[test]
    fn sealed_form_rebuilds_the_same_key_and_certificate() {
        let generated = shared();
        let sealed = to_sealed(generated, &request()).unwrap();
        assert_eq!(sealed.secret.len(), 256, "two 1024-bit primes");
        let rebuilt = from_sealed(&sealed.secret, &sealed.metadata).unwrap();
        assert!(rebuilt.original);
        assert_eq!(rebuilt.cert_der, generated.cert_der);
        assert_eq!(rebuilt.info, generated.info);
        assert!(key_matches_certificate(
            rebuilt.key_pkcs8_der.expose(),
            &generated.cert_der
        ));
        assert!(format!("{sealed:?}{rebuilt:?}").contains("redacted"));

        let mut changed = sealed.metadata.clone();
        for (key, value) in &mut changed {
            if key == keys::NOT_AFTER {
                *value = (value.parse::<i64>().unwrap() - 86_400).to_string();
            }
        }
        let reissued = from_sealed(&sealed.secret, &changed).unwrap();
        assert!(
            !reissued.original,
            "a different certificate is flagged, the key still rebuilt"
        );
        assert!(key_matches_certificate(
            reissued.key_pkcs8_der.expose(),
            &reissued.cert_der
        ));

        let mut damaged = sealed.secret.expose().to_vec();
        damaged[10] ^= 1;
        let from_damaged = from_sealed(&SecretBytes::new(damaged), &sealed.metadata);
        assert!(
            from_damaged.is_err() || from_damaged.is_ok_and(|rebuilt| !rebuilt.original),
            "damage is never silent"
        );
        assert!(from_sealed(&SecretBytes::from_slice(&[1; 10]), &sealed.metadata).is_err());
    }
}
