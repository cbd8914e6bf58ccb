//! Parsing of the normaliser's date and timestamp display values, and the
//! Arrow encodings of dates and timestamps.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");

/// Value of an all-ASCII-digit slice.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// `YYYY-MM-DD` at the start of `b`, without chrono's format machinery
/// (this runs once per record and per date value).
fn ymd(b: &[u8]) -> Option<NaiveDate> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(
        digits(&b[..4])? as i32,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )
}

/// Parses an ISO date `YYYY-MM-DD`.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.trim().as_bytes();
    if b.len() == 10 { ymd(b) } else { None }
}

/// Parses an ISO 8601 timestamp or date into epoch milliseconds (UTC).
/// Accepts RFC 3339 with an offset, a naive date-time (read as UTC, `T` or
/// space separated, seconds and fractions optional) and a bare date
/// (midnight UTC).
pub(crate) fn parse_timestamp_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    // Fast paths: `YYYY-MM-DD` and `YYYY-MM-DD[T ]HH:MM:SS[Z]`.
    let b = s.as_bytes();
    let midnight = |d: NaiveDate| {
        d.and_time(chrono::NaiveTime::MIN)
            .and_utc()
            .timestamp_millis()
    };
    if b.len() == 10 {
        return ymd(b).map(midnight);
    }
    if (b.len() == 19 || (b.len() == 20 && b[19] == b'Z'))
        && matches!(b[10], b'T' | b' ')
        && b[13] == b':'
        && b[16] == b':'
    {
        let t = chrono::NaiveTime::from_hms_opt(
            digits(&b[11..13])?,
            digits(&b[14..16])?,
            digits(&b[17..19])?,
        )?;
        return Some(ymd(b)?.and_time(t).and_utc().timestamp_millis());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.timestamp_millis());
        }
    }
    None
}

/// Days since the Unix epoch (Arrow `Date32`).
pub(crate) fn date_to_days(d: NaiveDate) -> i32 {
    (d - EPOCH).num_days() as i32
}

/// Inverse of [`date_to_days`].
pub(crate) fn days_to_date(days: i32) -> Option<NaiveDate> {
    EPOCH.checked_add_signed(chrono::TimeDelta::try_days(i64::from(days))?)
}

/// Renders epoch milliseconds as RFC 3339 UTC (`2024-03-01T10:00:00Z`,
/// milliseconds only when non-zero).
pub(crate) fn format_timestamp_ms(ms: i64) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(t) if ms % 1000 == 0 => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_in_every_iso_shape() {
        let base = parse_timestamp_ms("2024-03-01T10:00:00Z").unwrap();
        for s in [
            "2024-03-01T10:00:00",
            "2024-03-01 10:00:00",
            "2024-03-01T10:00",
            "2024-03-01T11:00:00+01:00",
            "2024-03-01T10:00:00.000Z",
        ] {
            assert_eq!(parse_timestamp_ms(s), Some(base), "{s}");
        }
        assert_eq!(
            parse_timestamp_ms("2024-03-01"),
            Some(base - 10 * 3600 * 1000)
        );
        assert_eq!(parse_timestamp_ms("yesterday"), None);
        assert_eq!(parse_timestamp_ms("2024-02-30"), None);
        assert_eq!(parse_timestamp_ms("2024-03-01T25:00:00Z"), None);
        assert_eq!(
            parse_date(" 1985-03-02 "),
            NaiveDate::from_ymd_opt(1985, 3, 2)
        );
        assert_eq!(parse_date("1985-3-2"), None);
        assert_eq!(parse_date("1985-03-0x"), None);
        assert_eq!(format_timestamp_ms(base), "2024-03-01T10:00:00Z");
        assert_eq!(format_timestamp_ms(base + 5), "2024-03-01T10:00:00.005Z");
    }

    #[test]
    fn dates_round_trip_through_date32() {
        let d = NaiveDate::from_ymd_opt(1985, 3, 2).unwrap();
        assert_eq!(days_to_date(date_to_days(d)), Some(d));
        assert_eq!(date_to_days(EPOCH), 0);
        assert!(date_to_days(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()) < 0);
    }
}
