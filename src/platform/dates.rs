//! Times as files hold them, read once into types: a manifest's `created` and a certificate's
//! validity ([`UtcTime`]), an expiry ([`Day`]). Nothing downstream parses or slices the text
//! again. (Apart from `clock`, which `build.rs` compiles on its own without serde.)

use crate::platform::clock::{date, parse_date, parse_rfc3339, rfc3339};

/// Serde for a type written as its `Display` text and read back with its `parse`, refusing
/// any other text with `$error`.
macro_rules! written_as_text {
    ($type:ty, $error:expr) => {
        impl TryFrom<String> for $type {
            type Error = DateError;

            fn try_from(text: String) -> Result<Self, DateError> {
                Self::parse(&text).ok_or($error)
            }
        }

        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Self::try_from(<String as serde::Deserialize>::deserialize(deserializer)?)
                    .map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A moment in UTC to the second, as manifests, certificates and the log write it
/// (`YYYY-MM-DDTHH:MM:SSZ`): read once, so nothing downstream parses or slices the text again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime(i64);

impl UtcTime {
    /// The moment `seconds` after the Unix epoch.
    pub fn from_unix(seconds: i64) -> Self {
        Self(seconds)
    }

    /// Reads exactly the form [`rfc3339`] writes.
    pub fn parse(text: &str) -> Option<Self> {
        parse_rfc3339(text).map(Self)
    }

    /// Seconds since the Unix epoch.
    pub fn unix(self) -> i64 {
        self.0
    }

    /// The day it falls on.
    pub fn day(self) -> Day {
        Day(self.0.div_euclid(DAY_SECONDS) * DAY_SECONDS)
    }
}

impl std::fmt::Display for UtcTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&rfc3339(self.0))
    }
}

written_as_text!(UtcTime, DateError::NotATime);

/// Seconds in a day.
const DAY_SECONDS: i64 = 86_400;

/// A calendar day in UTC (`YYYY-MM-DD`, 1970 to 9999): an expiry or a due date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i64);

impl Day {
    /// Reads `YYYY-MM-DD` (as [`parse_date`]).
    pub fn parse(text: &str) -> Option<Self> {
        parse_date(text).map(Self)
    }

    /// Unix time of the day's start, 00:00 UTC.
    pub fn start(self) -> i64 {
        self.0
    }

    /// Unix time of the day's end: the start of the next day.
    pub fn end(self) -> i64 {
        self.0.saturating_add(DAY_SECONDS)
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&date(self.0))
    }
}

written_as_text!(Day, DateError::NotADay);

/// Why a time or date read from a file was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not `YYYY-MM-DDTHH:MM:SSZ`.
    #[error("not a YYYY-MM-DDTHH:MM:SSZ time")]
    NotATime,
    /// Not `YYYY-MM-DD` (1970 to 9999).
    #[error("not a YYYY-MM-DD date")]
    NotADay,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_times_read_and_write_the_file_forms() {
        let created = UtcTime::parse("2026-11-25T12:30:45Z").unwrap();
        assert_eq!(created.unix(), 1_795_609_845);
        assert_eq!(created.to_string(), "2026-11-25T12:30:45Z");
        assert_eq!(created.day().to_string(), "2026-11-25");
        assert_eq!(created.day(), Day::parse("2026-11-25").unwrap());
        assert_eq!(Day::parse("2026-11-25").unwrap().end(), 1_795_651_200);
        assert_eq!(UtcTime::from_unix(-1).day().to_string(), "1969-12-31");
        let time: Result<UtcTime, _> = serde_json::from_str("\"2026-11-25\"");
        assert!(
            time.unwrap_err()
                .to_string()
                .starts_with("not a YYYY-MM-DDTHH:MM:SSZ time")
        );
        let day: Result<Day, _> = serde_json::from_str("\"2026-02-30\"");
        assert!(day.unwrap_err().to_string().starts_with("not a YYYY-MM-DD date"));
        assert_eq!(serde_json::to_string(&created).unwrap(), "\"2026-11-25T12:30:45Z\"");
    }
}
