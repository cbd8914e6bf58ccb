//! Parsing of the normaliser's date and timestamp display values, and the
//! Arrow encodings of dates and timestamps.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");

/// Parses an ISO date `YYYY-MM-DD`.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Parses an ISO 8601 timestamp or date into epoch milliseconds (UTC).
/// Accepts RFC 3339 with an offset, a naive date-time (read as UTC, `T` or
/// space separated, seconds and fractions optional) and a bare date
/// (midnight UTC).
pub(crate) fn parse_timestamp_ms(s: &str) -> Option<i64> {
    let s = s.trim();
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
    parse_date(s).map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp_millis())
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
