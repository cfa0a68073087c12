//! Passphrases for Entra ID emergency-access accounts.
//!
//! Entra accepts 8-256 ASCII characters from a fixed set, with at least three of the four
//! classes (upper, lower, digit, symbol), and rejects passwords that contain the user's or the
//! tenant's name after normalisation (lower case; 0->o, 1->l, $->s, @->a). Responders type these
//! at 3 a.m., possibly from a photo of a screen, so both styles avoid look-alikes:
//!
//! - **characters**: groups of five random characters from an alphabet without I l 1 O o 0,
//!   joined by `-` (which also supplies the symbol class);
//! - **words**: capitalised words from the EFF long word list (7776 words, 12.9 bits each; EFF,
//!   CC BY 3.0 US, see docs/DEPENDENCIES.md) joined by `-`.
//!
//! Candidates that break a rule are discarded and drawn again, never patched.

use ring::rand::{SecureRandom, SystemRandom};

use crate::crypto::secret::SecretString;

const UPPER: &str = "ABCDEFGHJKMNPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijkmnpqrstuvwxyz";
const DIGITS: &str = "23456789";
const GROUP: usize = 5;
const WORD_LIST: &str = include_str!("eff_large_wordlist.txt");
/// Default strength, in bits.
pub const DEFAULT_BITS: u32 = 128;
/// Weakest strength accepted.
pub const MIN_BITS: u32 = 80;
/// Strongest strength accepted (keeps word passphrases under Entra's 256 characters).
pub const MAX_BITS: u32 = 256;
/// Entra's longest password.
pub const ENTRA_MAX_LEN: usize = 256;
/// Entra matches names of at least this many characters.
const MIN_TERM_LEN: usize = 4;
/// Draws before giving up (only reachable with absurd forbidden terms).
const MAX_ATTEMPTS: usize = 10_000;

/// How a passphrase is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Style {
    /// Random characters in groups of five.
    #[default]
    Chars,
    /// Words from the EFF long list.
    Words,
}

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Style.
    pub style: Style,
    /// Minimum entropy in bits.
    pub bits: u32,
    /// Normalised terms (user and tenant names) the passphrase must not contain.
    pub forbidden: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            style: Style::default(),
            bits: DEFAULT_BITS,
            forbidden: Vec::new(),
        }
    }
}

/// Passphrase generation failures.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PassphraseError {
    /// Strength outside what is allowed.
    #[error("{0} bits is out of range: choose between 80 and 256")]
    Bits(u32),
    /// The OS RNG failed.
    #[error("the operating system's random number generator failed; try again, and report it if it persists")]
    Random,
    /// No acceptable candidate was found.
    #[error("no passphrase avoided the account and tenant names; check --account")]
    Exhausted,
    /// The account is not of the form user@tenant.
    #[error("account {0:?} is not of the form user@tenant.onmicrosoft.com; give the full sign-in name")]
    Account(String),
}

/// A generated passphrase and its strength.
#[derive(Debug)]
pub struct Passphrase {
    /// The passphrase.
    pub text: SecretString,
    /// Entropy in bits of the random choices.
    pub bits: f64,
    /// Style used.
    pub style: Style,
}

impl Passphrase {
    /// The entropy in whole bits, rounded down: a security claim must not overstate
    /// (144.53 bits is "144 bits", never "145").
    pub fn whole_bits(&self) -> u32 {
        whole_bits(self.bits)
    }
}

/// `bits` rounded down to whole bits (see [`Passphrase::whole_bits`]).
pub fn whole_bits(bits: f64) -> u32 {
    bits.floor() as u32
}

fn char_alphabet() -> Vec<char> {
    UPPER.chars().chain(LOWER.chars()).chain(DIGITS.chars()).collect()
}

fn words() -> Vec<&'static str> {
    WORD_LIST
        .lines()
        .filter_map(|line| line.split('\t').nth(1))
        .map(str::trim)
        .collect()
}

/// Bits of entropy per random choice of `style`.
pub fn bits_per_choice(style: Style) -> f64 {
    match style {
        Style::Chars => (char_alphabet().len() as f64).log2(),
        Style::Words => (words().len() as f64).log2(),
    }
}

fn random_index(rng: &SystemRandom, bound: usize) -> Result<usize, PassphraseError> {
    let bound = bound as u32;
    let limit = u32::MAX - u32::MAX % bound;
    loop {
        let mut bytes = [0u8; 4];
        rng.fill(&mut bytes).map_err(|_| PassphraseError::Random)?;
        let value = u32::from_le_bytes(bytes);
        if value < limit {
            return Ok((value % bound) as usize);
        }
    }
}

/// Entra's normalisation for banned-term matching: lower case; 0->o, 1->l, $->s, @->a.
pub fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| match c.to_ascii_lowercase() {
            '0' => 'o',
            '1' => 'l',
            '$' => 's',
            '@' => 'a',
            other => other,
        })
        .collect()
}

/// The terms Entra would match for `user@tenant.onmicrosoft.com`: the user part, its pieces
/// split at `.`, `_` and `-`, and the tenant name; normalised, 4 characters or more.
pub fn forbidden_terms(account: &str) -> Result<Vec<String>, PassphraseError> {
    let (user, domain) = account
        .trim()
        .split_once('@')
        .ok_or_else(|| PassphraseError::Account(account.into()))?;
    let tenant = domain.split('.').next().unwrap_or_default();
    // A sign-in name holds no space, control character or invisible mark, and is at most 113
    // characters (Entra's limit for a user principal name).
    let unprintable = |c: char| c.is_whitespace() || crate::platform::terminal::is_invisible(c);
    if user.is_empty()
        || tenant.is_empty()
        || account.trim().chars().any(unprintable)
        || account.trim().chars().count() > 113
    {
        return Err(PassphraseError::Account(account.into()));
    }
    let mut terms: Vec<String> = std::iter::once(user)
        .chain(user.split(['.', '_', '-']))
        .chain(std::iter::once(tenant))
        .map(normalise)
        .filter(|term| term.len() >= MIN_TERM_LEN)
        .collect();
    terms.sort();
    terms.dedup();
    Ok(terms)
}

/// True if and only if `candidate` contains none of the (normalised) forbidden terms after
/// normalisation; separators are ignored so `Con-toso` still matches `contoso`.
pub fn avoids_terms(candidate: &str, forbidden: &[String]) -> bool {
    let normalised = normalise(candidate);
    let joined: String = normalised.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    forbidden
        .iter()
        .all(|term| !normalised.contains(term.as_str()) && !joined.contains(term.as_str()))
}

/// True if and only if `candidate` meets Entra's rules for cloud-account passwords (length,
/// allowed characters, three of four classes; a space does not count as a symbol here).
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

fn draw(style: Style, choices: usize, rng: &SystemRandom) -> Result<SecretString, PassphraseError> {
    let mut text = String::new();
    match style {
        Style::Chars => {
            let alphabet = char_alphabet();
            for index in 0..choices {
                if index > 0 && index % GROUP == 0 {
                    text.push('-');
                }
                text.push(alphabet[random_index(rng, alphabet.len())?]);
            }
        }
        Style::Words => {
            let list = words();
            for index in 0..choices {
                if index > 0 {
                    text.push('-');
                }
                let word = list[random_index(rng, list.len())?];
                let mut letters = word.chars();
                if let Some(first) = letters.next() {
                    text.push(first.to_ascii_uppercase());
                    text.extend(letters);
                }
            }
        }
    }
    Ok(SecretString::new(text))
}

/// Generates a passphrase that meets `policy` and Entra's rules.
pub fn generate(policy: &Policy) -> Result<Passphrase, PassphraseError> {
    if !(MIN_BITS..=MAX_BITS).contains(&policy.bits) {
        return Err(PassphraseError::Bits(policy.bits));
    }
    let per_choice = bits_per_choice(policy.style);
    let mut choices = (f64::from(policy.bits) / per_choice).ceil() as usize;
    if policy.style == Style::Chars {
        choices = choices.div_ceil(GROUP) * GROUP;
    }
    let rng = SystemRandom::new();
    for _ in 0..MAX_ATTEMPTS {
        let candidate = draw(policy.style, choices, &rng)?;
        let text = candidate.expose();
        let classes_ok = match policy.style {
            Style::Chars => [UPPER, LOWER, DIGITS]
                .iter()
                .all(|class| text.chars().any(|c| class.contains(c))),
            Style::Words => true,
        };
        if classes_ok && meets_entra_rules(text) && avoids_terms(text, &policy.forbidden) {
            return Ok(Passphrase {
                text: candidate,
                bits: choices as f64 * per_choice,
                style: policy.style,
            });
        }
    }
    Err(PassphraseError::Exhausted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_bits_round_down() {
        assert_eq!(whole_bits(144.53), 144);
        assert_eq!(whole_bits(86.72), 86);
        assert_eq!(whole_bits(128.0), 128);
        let chars = generate(&policy(Style::Chars, 80)).unwrap();
        assert!(chars.bits > 86.5 && chars.bits < 87.0, "{}", chars.bits);
        assert_eq!(chars.whole_bits(), 86);
    }

    fn policy(style: Style, bits: u32) -> Policy {
        Policy {
            style,
            bits,
            forbidden: Vec::new(),
        }
    }

    #[test]
    fn default_passphrases_meet_entra_rules_and_strength() {
        for _ in 0..500 {
            let passphrase = generate(&Policy::default()).unwrap();
            assert!(meets_entra_rules(passphrase.text.expose()));
            assert!(passphrase.bits >= 128.0);
            assert_eq!(passphrase.text.expose().len(), 29);
        }
    }

    #[test]
    fn word_passphrases_meet_entra_rules_and_strength() {
        for bits in [80, 128, 200, 256] {
            let passphrase = generate(&policy(Style::Words, bits)).unwrap();
            let text = passphrase.text.expose();
            assert!(meets_entra_rules(text), "{bits}");
            assert!(passphrase.bits >= f64::from(bits));
            assert!(text.len() <= ENTRA_MAX_LEN);
            assert!(
                text.split('-')
                    .all(|word| word.chars().all(|c| c.is_ascii_alphabetic()))
            );
        }
    }

    #[test]
    fn word_list_is_the_eff_long_list() {
        let list = words();
        assert_eq!(list.len(), 7776);
        assert_eq!(list.first(), Some(&"abacus"));
        assert_eq!(list.last(), Some(&"zoom"));
        let mut unique = list.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 7776);
        assert!((bits_per_choice(Style::Words) - 12.925).abs() < 0.001);
    }

    #[test]
    fn strength_is_bounded() {
        assert_eq!(
            generate(&policy(Style::Chars, 79)).unwrap_err(),
            PassphraseError::Bits(79)
        );
        assert_eq!(
            generate(&policy(Style::Words, 257)).unwrap_err(),
            PassphraseError::Bits(257)
        );
        assert!(generate(&policy(Style::Chars, 80)).unwrap().bits >= 80.0);
    }

    #[test]
    fn entra_rules() {
        assert!(meets_entra_rules("Abcdefg1"));
        assert!(!meets_entra_rules("abcdefg1"));
        assert!(!meets_entra_rules("Abc1"));
        assert!(!meets_entra_rules("Abcdefg1é"));
        assert!(!meets_entra_rules("abcd efgh"), "a space is not counted as a symbol");
    }

    #[test]
    fn account_and_tenant_names_are_refused_after_normalisation() {
        let terms = forbidden_terms("ana.ruiz@Contoso.onmicrosoft.com").unwrap();
        assert_eq!(terms, ["ana.ruiz", "contoso", "ruiz"]);
        assert!(!avoids_terms("Xy-C0nt0so-9", &terms));
        assert!(!avoids_terms("Con-toso-Apple", &terms));
        assert!(!avoids_terms("Ru1z-Pear", &["rulz".to_owned()]), "1 normalises to l");
        assert!(avoids_terms("Ru1z-Pear", &terms), "ruiz has an i, not an l");
        assert!(avoids_terms("Kq7vX-m3Pz9", &terms));
        assert!(forbidden_terms("no-at-sign").is_err());
    }

    #[test]
    fn generated_passphrases_avoid_forbidden_terms() {
        let forbidden = vec!["ab".to_owned(), "ac".to_owned()];
        for _ in 0..200 {
            let passphrase = generate(&Policy {
                style: Style::Words,
                bits: 80,
                forbidden: forbidden.clone(),
            })
            .unwrap();
            assert!(avoids_terms(passphrase.text.expose(), &forbidden));
        }
    }

    #[test]
    fn two_passphrases_differ() {
        let (first, second) = (
            generate(&Policy::default()).unwrap(),
            generate(&Policy::default()).unwrap(),
        );
        assert!(!first.text.same_as(&second.text));
    }
}
