//! Civil dates without a date library: the generator needs only conversion
//! between days since 1970-01-01 and (year, month, day), and formatting.

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Date {
    pub y: i32,
    pub m: u32,
    pub d: u32,
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u32;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i32 - 719_468
}

/// Inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(z: i32) -> Date {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i32 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    Date {
        y: if m <= 2 { y + 1 } else { y },
        m,
        d,
    }
}

impl Date {
    /// Days since 1970-01-01.
    pub fn days(self) -> i32 {
        days_from_civil(self.y, self.m, self.d)
    }

    /// `yyyy-mm-dd`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
}

/// A timestamp as seconds since the epoch, split for formatting.
pub(crate) struct DateTime {
    pub date: Date,
    pub h: u32,
    pub min: u32,
    pub s: u32,
}

impl DateTime {
    /// From seconds since 1970-01-01T00:00:00Z.
    pub fn from_epoch(secs: i64) -> Self {
        let days = secs.div_euclid(86_400) as i32;
        let rem = secs.rem_euclid(86_400) as u32;
        DateTime {
            date: civil_from_days(days),
            h: rem / 3600,
            min: rem / 60 % 60,
            s: rem % 60,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_known_dates() {
        for (y, m, d, days) in [
            (1970, 1, 1, 0),
            (2000, 2, 29, 11_016),
            (1969, 12, 31, -1),
            (1945, 5, 8, -9004),
            (2025, 6, 30, 20_269),
        ] {
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
            assert_eq!(civil_from_days(days), Date { y, m, d });
        }
    }

    #[test]
    fn timestamp_split() {
        let t = DateTime::from_epoch(1_700_000_000);
        assert_eq!(
            (t.date.iso(), t.h, t.min, t.s),
            ("2023-11-14".to_string(), 22, 13, 20)
        );
    }
}
