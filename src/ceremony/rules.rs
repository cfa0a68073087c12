//! The rules every ceremony obeys, whether flags or a policy file describe it: how many
//! custodians, which threshold, unique names and envelope serials. One set of rules, checked by
//! `seal` and by the policy parser; the errors say what is wrong, and the front end adds how to
//! fix it in its own terms (a flag, or a line of the policy).

/// Fewest custodians a ceremony can have.
pub const MIN_CUSTODIANS: usize = 2;
/// Most custodians a ceremony can have (share indices are one byte, 0 is not a share).
pub const MAX_CUSTODIANS: usize = 255;

/// A broken ceremony rule.
/// Not `non_exhaustive`: a new rule must get its fix in every front end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Too few or too many custodians.
    #[error("{} given; a ceremony needs between 2 and 255 custodians", crate::wording::count(*count, "custodian", "custodians"))]
    CustodianCount {
        /// How many were given.
        count: usize,
    },
    /// A threshold of one is no sharing at all.
    #[error("threshold 1 would let any single sheet reveal the secret")]
    ThresholdOne,
    /// More sheets needed than exist.
    #[error("threshold {threshold} is more than the {custodians} custodians")]
    ThresholdAboveCustodians {
        /// k.
        threshold: i64,
        /// n.
        custodians: usize,
    },
    /// Not a threshold at all (zero, negative, above 255).
    #[error("threshold must be between 2 and the number of custodians")]
    ThresholdOutOfRange,
    /// Two custodians with the same name (compared case-insensitively).
    #[error("custodian {name:?} is listed twice")]
    NameTwice {
        /// The name, as given the second time.
        name: String,
        /// Position (1-based) of the first custodian with that name.
        first: usize,
    },
    /// Two custodians whose names print alike (a no-break space, a Cyrillic letter).
    #[error("custodian {name:?} looks like {like:?} on paper")]
    LookAlike {
        /// The name, as given the second time.
        name: String,
        /// The name it looks like.
        like: String,
        /// Position (1-based) of the first custodian with that look.
        first: usize,
    },
    /// Two envelopes with the same serial.
    #[error("seal serial {serial:?} is also given to custodian {first}")]
    SerialTwice {
        /// The serial.
        serial: String,
        /// Position (1-based) of the first custodian with that serial.
        first: usize,
    },
}

/// Checks the number of custodians.
pub fn check_custodian_count(count: usize) -> Result<(), RuleError> {
    if (MIN_CUSTODIANS..=MAX_CUSTODIANS).contains(&count) {
        Ok(())
    } else {
        Err(RuleError::CustodianCount { count })
    }
}

/// Checks threshold `k` against `custodians` (as given, so that a policy's `threshold = -1` is
/// judged by the same rule as `--threshold 1`).
pub fn check_threshold(threshold: i64, custodians: usize) -> Result<u8, RuleError> {
    match u8::try_from(threshold) {
        Ok(1) => Err(RuleError::ThresholdOne),
        Ok(k) if k >= 2 && usize::from(k) <= custodians => Ok(k),
        Ok(k) if k >= 2 => Err(RuleError::ThresholdAboveCustodians { threshold, custodians }),
        _ => Err(RuleError::ThresholdOutOfRange),
    }
}

/// Whether a threshold equal to the number of custodians leaves no spare sheet (allowed, but
/// worth a warning: losing any one sheet loses the secret).
pub fn no_spare_sheet(threshold: u8, custodians: usize) -> bool {
    usize::from(threshold) == custodians
}

/// Every custodian name given twice, or looking like an earlier one on paper, by position
/// (1-based), in order. Names are compared as a reader sees them (`names::look_alike_key`:
/// NFC, any whitespace as one space, no case, confusable letters alike).
pub fn repeated_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<(usize, RuleError)> {
    let mut found = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
    for (position, name) in names.into_iter().enumerate() {
        let (first, like) = *seen
            .entry(crate::ceremony::names::look_alike_key(name))
            .or_insert((position + 1, name));
        if first != position + 1 {
            let same = |name: &str| crate::ceremony::names::normalise(name).to_lowercase();
            let rule = if same(like) == same(name) {
                RuleError::NameTwice {
                    name: name.trim().to_owned(),
                    first,
                }
            } else {
                RuleError::LookAlike {
                    name: name.trim().to_owned(),
                    like: like.trim().to_owned(),
                    first,
                }
            };
            found.push((position + 1, rule));
        }
    }
    found
}

/// Every envelope serial given twice (compared trimmed), by position (1-based), in order.
pub fn repeated_serials<'a>(serials: impl IntoIterator<Item = Option<&'a str>>) -> Vec<(usize, RuleError)> {
    let mut found = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
    for (position, serial) in serials.into_iter().enumerate() {
        let Some(serial) = serial.map(str::trim) else { continue };
        let first = *seen.entry(serial.to_owned()).or_insert(position + 1);
        if first != position + 1 {
            let serial = serial.to_owned();
            found.push((position + 1, RuleError::SerialTwice { serial, first }));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_rules() {
        assert_eq!(check_threshold(2, 3), Ok(2));
        assert_eq!(check_threshold(3, 3), Ok(3));
        assert!(no_spare_sheet(3, 3) && !no_spare_sheet(2, 3));
        assert_eq!(check_threshold(1, 3), Err(RuleError::ThresholdOne));
        assert_eq!(
            check_threshold(4, 3),
            Err(RuleError::ThresholdAboveCustodians {
                threshold: 4,
                custodians: 3
            })
        );
        for bad in [0, -1, 256] {
            assert_eq!(check_threshold(bad, 3), Err(RuleError::ThresholdOutOfRange), "{bad}");
        }
        assert!(check_custodian_count(1).is_err() && check_custodian_count(256).is_err());
        assert!(check_custodian_count(2).is_ok() && check_custodian_count(255).is_ok());
    }

    #[test]
    fn repeats_are_found_with_their_first_position() {
        let names = repeated_names(["Ana", "Ben", " ana ", "BEN", "Chen"]);
        let positions: Vec<(usize, String)> = names.iter().map(|(at, e)| (*at, e.to_string())).collect();
        assert_eq!(
            positions,
            [
                (3, "custodian \"ana\" is listed twice".to_owned()),
                (4, "custodian \"BEN\" is listed twice".to_owned())
            ]
        );
        assert!(matches!(names[0].1, RuleError::NameTwice { first: 1, .. }));
        let serials = repeated_serials([Some("TE-1"), None, Some("TE-2"), Some("TE-1 ")]);
        assert_eq!(serials.len(), 1);
        assert!(matches!(&serials[0], (4, RuleError::SerialTwice { first: 1, serial }) if serial == "TE-1"));
    }
}
