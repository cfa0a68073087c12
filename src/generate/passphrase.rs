//! Passphrases for Entra ID emergency-access accounts.
//!
//! Entra accepts 8-256 ASCII characters from a fixed set, with at least three of the four
//! classes (upper, lower, digit, symbol). Responders type these at 3 a.m., possibly from a
//! photo of a screen, so the alphabet leaves out look-alikes (I l 1 O o 0) and the passphrase
//! is split into groups of five by `-`, which also supplies the symbol class.

use ring::rand::{SecureRandom, SystemRandom};

use crate::secret::SecretString;

const UPPER: &str = "ABCDEFGHJKMNPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijkmnpqrstuvwxyz";
const DIGITS: &str = "23456789";
const GROUP: usize = 5;
/// Default strength, in bits.
pub const DEFAULT_BITS: u32 = 128;
/// Weakest strength accepted.
pub const MIN_BITS: u32 = 80;
/// Entra's longest password.
pub const ENTRA_MAX_LEN: usize = 256;

/// Passphrase generation failures.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PassphraseError {
    /// Strength outside what is allowed.
    #[error("{0} bits is out of range: choose between 80 and 1000")]
    Bits(u32),
    /// The OS RNG failed.
    #[error("the operating system's random number generator failed")]
    Random,
}

fn alphabet() -> Vec<char> {
    UPPER.chars().chain(LOWER.chars()).chain(DIGITS.chars()).collect()
}

/// Bits of entropy per random character.
pub fn bits_per_char() -> f64 {
    (alphabet().len() as f64).log2()
}

/// A generated passphrase and its strength.
#[derive(Debug)]
pub struct Passphrase {
    /// The passphrase.
    pub text: SecretString,
    /// Entropy in bits (of the random characters, before the class check).
    pub bits: f64,
}

fn random_index(rng: &SystemRandom, bound: usize) -> Result<usize, PassphraseError> {
    let limit = 256 - 256 % bound;
    loop {
        let mut byte = [0u8; 1];
        rng.fill(&mut byte).map_err(|_| PassphraseError::Random)?;
        if usize::from(byte[0]) < limit {
            return Ok(usize::from(byte[0]) % bound);
        }
    }
}

/// True if and only if `candidate` meets Entra's rules for cloud-account passwords.
pub fn meets_entra_rules(candidate: &str) -> bool {
    const SYMBOLS: &str = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> ";
    let allowed = candidate
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || SYMBOLS.contains(c));
    let length = (8..=ENTRA_MAX_LEN).contains(&candidate.len());
    let classes = [
        candidate.chars().any(|c| c.is_ascii_uppercase()),
        candidate.chars().any(|c| c.is_ascii_lowercase()),
        candidate.chars().any(|c| c.is_ascii_digit()),
        candidate.chars().any(|c| SYMBOLS.contains(c) && c != ' '),
    ];
    allowed && length && classes.iter().filter(|&&present| present).count() >= 3
}

/// Generates a passphrase of at least `bits` bits: groups of five random characters joined by
/// `-`, containing an upper-case letter, a lower-case letter and a digit.
pub fn generate(bits: u32) -> Result<Passphrase, PassphraseError> {
    if !(MIN_BITS..=1000).contains(&bits) {
        return Err(PassphraseError::Bits(bits));
    }
    let symbols = alphabet();
    let chars_needed = (f64::from(bits) / bits_per_char()).ceil() as usize;
    let groups = chars_needed.div_ceil(GROUP);
    let rng = SystemRandom::new();
    loop {
        let mut text = String::with_capacity(groups * (GROUP + 1));
        for group in 0..groups {
            if group > 0 {
                text.push('-');
            }
            for _ in 0..GROUP {
                text.push(symbols[random_index(&rng, symbols.len())?]);
            }
        }
        let candidate = SecretString::new(text);
        let has_all = [UPPER, LOWER, DIGITS]
            .iter()
            .all(|class| candidate.expose().chars().any(|c| class.contains(c)));
        if has_all && meets_entra_rules(candidate.expose()) {
            return Ok(Passphrase {
                text: candidate,
                bits: (groups * GROUP) as f64 * bits_per_char(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_passphrases_meet_entra_rules_and_strength() {
        for _ in 0..500 {
            let passphrase = generate(DEFAULT_BITS).unwrap();
            assert!(meets_entra_rules(passphrase.text.expose()));
            assert!(passphrase.bits >= 128.0);
            assert_eq!(passphrase.text.expose().len(), 29);
        }
    }

    #[test]
    fn strength_is_bounded() {
        assert_eq!(generate(79).unwrap_err(), PassphraseError::Bits(79));
        assert!(generate(80).unwrap().bits >= 80.0);
        assert!(generate(256).unwrap().bits >= 256.0);
    }

    #[test]
    fn entra_rules() {
        assert!(meets_entra_rules("Abcdefg1"));
        assert!(!meets_entra_rules("abcdefg1"));
        assert!(!meets_entra_rules("Abc1"));
        assert!(!meets_entra_rules("Abcdefg1é"));
        assert!(!meets_entra_rules("abcd efgh"));
    }

    #[test]
    fn two_passphrases_differ() {
        assert_ne!(generate(128).unwrap().text, generate(128).unwrap().text);
    }
}
