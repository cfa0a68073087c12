//! The current date, for manifests and sheets, and the two date forms files hold
//! (`YYYY-MM-DDTHH:MM:SSZ`, `YYYY-MM-DD`), converted with the `time` crate.
//!
//! Tests and drills need to control time without sleeping, so `BREAKGLASS_NOW` (seconds since
//! the Unix epoch) overrides the system clock; every log record written under it is marked
//! `clock_overridden`.

use std::time::{SystemTime, UNIX_EPOCH};

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// The time `BREAKGLASS_NOW` sets, if it is set to a number.
fn override_seconds() -> Option<i64> {
    std::env::var("BREAKGLASS_NOW")
        .ok()
        .and_then(|value| value.trim().parse().ok())
}

/// Whether `BREAKGLASS_NOW` is in effect. Every log record says so (`clock_overridden`), so a
/// release binary cannot backdate a record unnoticed.
pub fn overridden() -> bool {
    override_seconds().is_some()
}

/// Seconds since the Unix epoch, from `BREAKGLASS_NOW` if set, else the system clock.
pub fn now_unix() -> i64 {
    if let Some(seconds) = override_seconds() {
        return seconds;
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}

/// The UTC date and time of a Unix time, clamped to the years 1 to 9999 (a clock, or
/// `BREAKGLASS_NOW`, beyond them is not a real date).
fn utc(seconds: i64) -> OffsetDateTime {
    let first = PrimitiveDateTime::new(Date::MIN, Time::MIDNIGHT).assume_utc();
    let last = PrimitiveDateTime::MAX.assume_utc();
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(if seconds < 0 { first } else { last })
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time.
pub fn rfc3339(seconds: i64) -> String {
    let at = utc(seconds);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// `YYYY-MM-DD` for a Unix time.
pub fn date(seconds: i64) -> String {
    rfc3339(seconds)[..10].to_owned()
}

/// The `YYYY-MM-DD` part of a time as [`rfc3339`] writes it, or the whole text when it is not
/// one: for printing a date taken from a file without slicing it at a byte index.
pub fn day_of(time: &str) -> &str {
    match parse_rfc3339(time) {
        Some(_) => &time[..10],
        None => time,
    }
}

/// Unix time of `YYYY-MM-DDTHH:MM:SSZ` (exactly the form [`rfc3339`] writes, which is what
/// manifests, certificates and the log hold); `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 20 || bytes[10] != b'T' || bytes[13] != b':' || bytes[16] != b':' || bytes[19] != b'Z' {
        return None;
    }
    let date = leading_date(text)?;
    let (hour, minute, second) = (digits(text, 11..13)?, digits(text, 14..16)?, digits(text, 17..19)?);
    let time = Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc().unix_timestamp())
}

/// Unix time of the start (00:00 UTC) of the day `YYYY-MM-DD` (exactly that form, 1970 to 9999:
/// client-secret expiries, policy dates); `None` for anything else.
pub fn parse_date(text: &str) -> Option<i64> {
    let text = text.trim();
    let date = leading_date(text).filter(|date| text.len() == 10 && date.year() >= 1970)?;
    Some(date.midnight().assume_utc().unix_timestamp())
}

/// The number in `text[range]`, if it is all ASCII digits.
fn digits(text: &str, range: std::ops::Range<usize>) -> Option<i64> {
    let digits = text.get(range)?;
    digits
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| digits.parse().ok())?
}

/// The date `YYYY-MM-DD` that `text` starts with, if it is one (no 2026-02-30).
fn leading_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(text, 0..4)?, digits(text, 5..7)?, digits(text, 8..10)?);
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_609_845), "2026-11-25T12:30:45Z");
        assert_eq!(date(4_102_444_800), "2100-01-01");
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2026-11-25"), Some(1_795_564_800));
        assert_eq!(parse_date("2024-02-29").map(date).as_deref(), Some("2024-02-29"));
        for bad in [
            "2025-02-29",
            "2026-13-01",
            "26-11-25",
            "1969-12-31",
            "2026-11-2x",
            "+026-11-25",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(rfc3339(i64::MAX), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn day_of_never_slices_through_a_character() {
        assert_eq!(day_of("2026-11-25T12:30:45Z"), "2026-11-25");
        for odd in ["", "x", "2026-11-25\u{e9}12:30:4Z", "2026-11-2\u{e9}T12:30:45Z"] {
            assert_eq!(day_of(odd), odd);
        }
    }

    #[test]
    fn parses_what_it_writes_and_nothing_else() {
        for seconds in [0, 951_782_400, 1_795_609_845, 4_102_444_799, 253_402_300_799] {
            assert_eq!(parse_rfc3339(&rfc3339(seconds)), Some(seconds));
        }
        for bad in [
            "",
            "2026-02-30T00:00:00Z",
            "2026-11-25T24:00:00Z",
            "2026-11-25 12:30:45Z",
            "2026-11-25T12:30:45+00:00",
            "+026-11-25T12:30:45Z",
            "2026-1-250T12:30:45Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
