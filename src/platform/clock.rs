//! The current date, for manifests and sheets.
//!
//! Tests and drills need to control time without sleeping, so `BREAKGLASS_NOW` (seconds since
//! the Unix epoch) overrides the system clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, from `BREAKGLASS_NOW` if set, else the system clock.
pub fn now_unix() -> i64 {
    if let Some(seconds) = std::env::var("BREAKGLASS_NOW")
        .ok()
        .and_then(|value| value.trim().parse().ok())
    {
        return seconds;
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}

/// Civil date (year, month, day) of a day count since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time.
pub fn rfc3339(seconds: i64) -> String {
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
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
    if bytes.len() != 20 || bytes[10] != b'T' || bytes[19] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = text.get(range)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if bytes[4] != b'-' || bytes[7] != b'-' || bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let shifted_year = if month <= 2 { year - 1 } else { year };
    let era = shifted_year.div_euclid(400);
    let year_of_era = shifted_year - era * 400;
    let month_index = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let seconds = (era * 146_097 + day_of_era - 719_468) * 86_400 + hour * 3600 + minute * 60 + second;
    // Converting back rejects impossible dates such as 2026-02-30.
    (rfc3339(seconds) == text).then_some(seconds)
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
