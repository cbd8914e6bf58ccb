//! Dates of birth and update timestamps.
//!
//! All-numeric day/month forms are read in the order the source declares
//! ([`DateOrder`]); with the default (`Ymd`) only unambiguous forms are
//! accepted, so `03/04/1990` is invalid (`ambiguous_date_order`) rather than
//! silently guessed, while `25/12/1990` is read as 25 December.
//!
//! Excel serial day numbers (days since 1899-12-30) are read when the source
//! says `excel_dates = true`; otherwise only a bare 5-digit number whose date
//! falls between 1900-01-01 and the reference date is taken as a serial
//! (5-digit serials cover 1927-05-18 to 2173-10-14, and a 5-digit value in a
//! date column has no other plausible reading).

use std::borrow::Cow;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use cim_schema::FieldStatus;

use crate::options::{DateOrder, NormalizeOptions};
use crate::reason;
use crate::text::{clean, clean_cow, is_placeholder};

/// A normalised date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateNorm {
    /// `YYYY-MM-DD` when the value parsed (even if implausible), else the
    /// cleaned input; `None` when missing.
    pub display: Option<String>,
    /// The parsed date, when it parsed.
    pub date: Option<NaiveDate>,
    /// Validity.
    pub status: FieldStatus,
    /// Reason code when invalid: `unparseable_date`, `ambiguous_date_order`,
    /// `impossible_date`, `future_date`, `before_min_year`, `placeholder_date`.
    pub issue: Option<&'static str>,
}

/// A normalised timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTimeNorm {
    /// `YYYY-MM-DDTHH:MM:SS` (UTC when the input carried an offset) when
    /// valid, so that string order is time order; the cleaned input when
    /// invalid; `None` when missing.
    pub display: Option<String>,
    /// The parsed timestamp.
    pub datetime: Option<NaiveDateTime>,
    /// Validity.
    pub status: FieldStatus,
    /// Reason code when invalid: `unparseable_datetime` or a date reason.
    pub issue: Option<&'static str>,
}

const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("sept", 9),
];

const IGNORED_WORDS: &[&str] = &[
    "st",
    "nd",
    "rd",
    "th",
    "of",
    "the",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

fn month_of(word: &str) -> Option<u32> {
    if word.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .find(|(name, _)| *name == word || (word.len() == 3 && name.starts_with(word)))
        .map(|(_, m)| *m)
}

/// Day 0 of Excel's 1900 date system (serial 1 = 1900-01-01 after Excel's
/// fictional 1900-02-29 is accounted for).
fn excel_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default()
}

fn from_serial(n: i64) -> Option<NaiveDate> {
    excel_epoch().checked_add_signed(Duration::try_days(n)?)
}

fn ymd(y: i32, m: u32, d: u32) -> Result<NaiveDate, &'static str> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or(reason::IMPOSSIBLE_DATE)
}

fn expand_year(v: u32, len: usize, reference: NaiveDate) -> i32 {
    if len <= 2 {
        let yy = v as i32;
        if 2000 + yy <= reference.year() {
            2000 + yy
        } else {
            1900 + yy
        }
    } else {
        v as i32
    }
}

/// Parses a date in any supported format. `reference` resolves two-digit
/// years (the latest century that is not in the future) and bounds bare
/// 5-digit Excel serials. Errors are reason codes.
pub fn parse_date(
    raw: &str,
    order: DateOrder,
    excel_dates: bool,
    reference: NaiveDate,
) -> Result<NaiveDate, &'static str> {
    // Borrowed when already clean lower-case ASCII (ISO dates, digits):
    // this runs for two fields of every row.
    let cleaned = clean_cow(raw);
    let s: Cow<'_, str> = if !cleaned.is_ascii() {
        Cow::Owned(cleaned.to_lowercase())
    } else if cleaned.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(cleaned.to_ascii_lowercase())
    } else {
        cleaned
    };
    if excel_dates
        && let Ok(f) = s.parse::<f64>()
        && (1.0..2_958_466.0).contains(&f)
    {
        return from_serial(f.floor() as i64).ok_or(reason::UNPARSEABLE_DATE);
    }
    // A time of day after the date is ignored.
    let s = match s.find(':') {
        Some(colon) => match s[..colon].rfind([' ', 't']) {
            Some(cut) => &s[..cut],
            None => return Err(reason::UNPARSEABLE_DATE),
        },
        None => &s[..],
    };
    let mut nums: Vec<(u32, usize)> = Vec::with_capacity(3);
    let mut month: Option<u32> = None;
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if c.is_ascii_digit() {
            let mut end = i + 1;
            while let Some(&(j, d)) = iter.peek() {
                if d.is_ascii_digit() {
                    end = j + 1;
                    iter.next();
                } else {
                    break;
                }
            }
            let tok = &s[i..end];
            if tok.len() > 8 || nums.len() == 3 {
                return Err(reason::UNPARSEABLE_DATE);
            }
            nums.push((
                tok.parse().map_err(|_| reason::UNPARSEABLE_DATE)?,
                tok.len(),
            ));
        } else if c.is_alphabetic() {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = iter.peek() {
                if d.is_alphabetic() && !matches!(d, '年' | '月' | '日' | '号') {
                    end = j + d.len_utf8();
                    iter.next();
                } else {
                    break;
                }
            }
            let word = &s[i..end];
            if matches!(word, "年" | "月" | "日" | "号") || IGNORED_WORDS.contains(&word) {
                continue;
            }
            match month_of(word) {
                Some(m) if month.is_none() => month = Some(m),
                _ => return Err(reason::UNPARSEABLE_DATE),
            }
        }
        // anything else is a separator
    }
    match (nums.as_slice(), month) {
        (&[(v, 8)], None) => {
            let (a, b, c) = (v / 10000, v / 100 % 100, v % 100);
            if (1000..=2999).contains(&a) {
                ymd(a as i32, b, c)
            } else {
                let (d, m, y) = (v / 1_000_000, v / 10000 % 100, v % 10000);
                match order {
                    DateOrder::Dmy => ymd(y as i32, m, d),
                    DateOrder::Mdy => ymd(y as i32, d, m),
                    DateOrder::Ymd => Err(reason::UNPARSEABLE_DATE),
                }
            }
        }
        (&[(v, 5)], None) => match from_serial(i64::from(v)) {
            Some(d)
                if d >= NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default()
                    && d <= reference =>
            {
                Ok(d)
            }
            _ => Err(reason::UNPARSEABLE_DATE),
        },
        (&[(y, 4), (m, 1..=2), (d, 1..=2)], None) => ymd(y as i32, m, d),
        (&[(a, 1..=2), (b, 1..=2), (y, ylen @ (2 | 4))], None) => {
            let y = expand_year(y, ylen, reference);
            let (d, m) = match order {
                DateOrder::Dmy => (a, b),
                DateOrder::Mdy => (b, a),
                DateOrder::Ymd => {
                    if a == b || (a > 12 && b <= 12) {
                        (a, b)
                    } else if b > 12 && a <= 12 {
                        (b, a)
                    } else if a <= 12 && b <= 12 {
                        return Err(reason::AMBIGUOUS_DATE_ORDER);
                    } else {
                        return Err(reason::IMPOSSIBLE_DATE);
                    }
                }
            };
            ymd(y, m, d)
        }
        (&[(a, alen), (b, blen)], Some(m)) => {
            // "2 Jan 1990", "Jan 2, 1990", "1990 Jan 2": the 4-digit number
            // is the year; with two short numbers the last one is.
            let (d, y, ylen) = if alen == 4 && blen <= 2 {
                (b, a, alen)
            } else if alen <= 2 && (blen == 4 || blen == 2) {
                (a, b, blen)
            } else {
                return Err(reason::UNPARSEABLE_DATE);
            };
            ymd(expand_year(y, ylen, reference), m, d)
        }
        _ => Err(reason::UNPARSEABLE_DATE),
    }
}

/// Normalises a date of birth: parses it ([`parse_date`]) and checks that it
/// is plausible. Implausible dates keep their `YYYY-MM-DD` display but are
/// invalid: in the future relative to the reference date (`future_date`),
/// before `min_birth_year` (`before_min_year`), or a system placeholder
/// (1900-01-01, 1970-01-01: `placeholder_date`). All-zero values
/// (`00/00/0000`, `0000-00-00`) are missing.
pub fn date(raw: &str, order: DateOrder, excel_dates: bool, opts: &NormalizeOptions) -> DateNorm {
    date_with_reference(
        raw,
        order,
        excel_dates,
        opts,
        opts.reference_date_or_today(),
    )
}

pub(crate) fn date_with_reference(
    raw: &str,
    order: DateOrder,
    excel_dates: bool,
    opts: &NormalizeOptions,
    reference: NaiveDate,
) -> DateNorm {
    let cleaned = clean(raw);
    if is_placeholder(&cleaned, false) || cleaned.chars().all(|c| c == '0' || !c.is_alphanumeric())
    {
        return DateNorm {
            display: None,
            date: None,
            status: FieldStatus::Missing,
            issue: None,
        };
    }
    match parse_date(&cleaned, order, excel_dates, reference) {
        Err(issue) => DateNorm {
            display: Some(cleaned),
            date: None,
            status: FieldStatus::Invalid,
            issue: Some(issue),
        },
        Ok(d) => {
            let issue = if d > reference {
                Some(reason::FUTURE_DATE)
            } else if d.year() < opts.min_birth_year {
                Some(reason::BEFORE_MIN_YEAR)
            } else if (d.month(), d.day()) == (1, 1) && matches!(d.year(), 1900 | 1970) {
                Some(reason::PLACEHOLDER_DATE)
            } else {
                None
            };
            DateNorm {
                display: Some(iso_date(d)),
                date: Some(d),
                status: if issue.is_some() {
                    FieldStatus::Invalid
                } else {
                    FieldStatus::Valid
                },
                issue,
            }
        }
    }
}

/// Parses `HH:MM[:SS[.fff]]` with an optional `am`/`pm` and an optional
/// zone (`Z`, `UTC`, `GMT`, `+08:00`, `+0800`, `-05`). Returns the time and
/// the offset east of UTC in seconds, if any.
fn parse_time(t: &str) -> Option<(NaiveTime, Option<i32>)> {
    let t = t.trim();
    let b = t.as_bytes();
    let mut i = 0;
    let num = |i: &mut usize, max: usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - start < max {
            *i += 1;
        }
        if *i == start {
            None
        } else {
            t[start..*i].parse().ok()
        }
    };
    let mut h = num(&mut i, 2)?;
    if b.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    let m = num(&mut i, 2)?;
    let mut s = 0;
    let mut nanos = 0;
    if b.get(i) == Some(&b':') {
        i += 1;
        s = num(&mut i, 2)?;
        if matches!(b.get(i), Some(b'.' | b',')) {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let frac = &t[start..i];
            let digits: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
            nanos = digits.parse().unwrap_or(0);
        }
    }
    let mut rest = t[i..].trim_start().to_ascii_lowercase();
    for (suffix, add) in [("pm", 12), ("am", 0), ("p.m.", 12), ("a.m.", 0)] {
        if let Some(r) = rest.strip_prefix(suffix) {
            if !(1..=12).contains(&h) {
                return None;
            }
            h = h % 12 + add;
            rest = r.trim_start().to_string();
            break;
        }
    }
    let offset = match rest.as_str() {
        "" => None,
        "z" | "utc" | "gmt" => Some(0),
        z => {
            let z = z
                .strip_prefix("utc")
                .or_else(|| z.strip_prefix("gmt"))
                .unwrap_or(z);
            let sign = match z.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = z[1..].chars().filter(|c| *c != ':').collect();
            if !digits.bytes().all(|d| d.is_ascii_digit()) {
                return None;
            }
            let (oh, om): (i32, i32) = match digits.len() {
                1 | 2 => (digits.parse().ok()?, 0),
                4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
                _ => return None,
            };
            if oh > 18 || om > 59 {
                return None;
            }
            Some(sign * (oh * 3600 + om * 60))
        }
    };
    Some((NaiveTime::from_hms_nano_opt(h, m, s, nanos)?, offset))
}

/// `d.format("%Y-%m-%d")` without chrono's format-string interpreter
/// (one value per row: it showed in profiles).
fn iso_date(d: NaiveDate) -> String {
    if !(0..=9999).contains(&d.year()) {
        // Signed, wider years: chrono's own rendering.
        return d.format("%Y-%m-%d").to_string();
    }
    let mut s = String::with_capacity(19);
    // Digits pushed directly: `write!` with padding went through the
    // formatting machinery for each of the three numbers.
    let y = d.year() as u32;
    push_2_digits(&mut s, y / 100);
    push_2_digits(&mut s, y % 100);
    s.push('-');
    push_2_digits(&mut s, d.month());
    s.push('-');
    push_2_digits(&mut s, d.day());
    s
}

/// Appends `v` (below 100) as two digits, as `{:02}` would.
fn push_2_digits(s: &mut String, v: u32) {
    s.push(char::from(b'0' + (v / 10) as u8));
    s.push(char::from(b'0' + (v % 10) as u8));
}

/// `dt.format("%Y-%m-%dT%H:%M:%S")`, see [`iso_date`].
fn iso_datetime(dt: &chrono::NaiveDateTime) -> String {
    use chrono::Timelike;
    if !(0..=9999).contains(&dt.year()) {
        return dt.format("%Y-%m-%dT%H:%M:%S").to_string();
    }
    let mut s = iso_date(dt.date());
    // `%S` prints a leap second (nanosecond >= 1e9) as 60.
    let sec = dt.second() + u32::from(dt.nanosecond() >= 1_000_000_000);
    s.push('T');
    push_2_digits(&mut s, dt.hour());
    s.push(':');
    push_2_digits(&mut s, dt.minute());
    s.push(':');
    push_2_digits(&mut s, sec);
    s
}

/// Normalises a date or date-time (`updated_at`): ISO 8601 with `T` or a
/// space, optional fractional seconds and `Z`/offset (converted to UTC),
/// any date format [`parse_date`] reads (midnight), or Unix epoch seconds
/// (10 digits) / milliseconds (13 digits).
pub fn datetime(raw: &str, order: DateOrder) -> DateTimeNorm {
    datetime_with_reference(raw, order, chrono::Utc::now().date_naive())
}

pub(crate) fn datetime_with_reference(
    raw: &str,
    order: DateOrder,
    reference: NaiveDate,
) -> DateTimeNorm {
    let cleaned = clean(raw);
    if is_placeholder(&cleaned, false) {
        return DateTimeNorm {
            display: None,
            datetime: None,
            status: FieldStatus::Missing,
            issue: None,
        };
    }
    match parse_datetime(&cleaned, order, reference) {
        Ok(dt) => DateTimeNorm {
            display: Some(iso_datetime(&dt)),
            datetime: Some(dt),
            status: FieldStatus::Valid,
            issue: None,
        },
        Err(issue) => DateTimeNorm {
            display: Some(cleaned),
            datetime: None,
            status: FieldStatus::Invalid,
            issue: Some(issue),
        },
    }
}

fn parse_datetime(
    s: &str,
    order: DateOrder,
    reference: NaiveDate,
) -> Result<NaiveDateTime, &'static str> {
    if s.bytes().all(|b| b.is_ascii_digit()) && (s.len() == 10 || s.len() == 13) {
        let v: i64 = s.parse().map_err(|_| reason::UNPARSEABLE_DATETIME)?;
        let (secs, millis) = if s.len() == 13 {
            (v / 1000, v % 1000)
        } else {
            (v, 0)
        };
        return chrono::DateTime::from_timestamp(secs, (millis * 1_000_000) as u32)
            .map(|d| d.naive_utc())
            .ok_or(reason::UNPARSEABLE_DATETIME);
    }
    let Some(colon) = s.find(':') else {
        let d = parse_date(s, order, false, reference).map_err(|e| {
            if e == reason::UNPARSEABLE_DATE {
                reason::UNPARSEABLE_DATETIME
            } else {
                e
            }
        })?;
        return Ok(d.and_time(NaiveTime::MIN));
    };
    let cut = s[..colon]
        .rfind([' ', 'T', 't'])
        .ok_or(reason::UNPARSEABLE_DATETIME)?;
    let d = parse_date(&s[..cut], order, false, reference).map_err(|e| {
        if e == reason::UNPARSEABLE_DATE {
            reason::UNPARSEABLE_DATETIME
        } else {
            e
        }
    })?;
    let (t, offset) = parse_time(&s[cut + 1..]).ok_or(reason::UNPARSEABLE_DATETIME)?;
    let naive = d.and_time(t);
    Ok(match offset {
        Some(secs) => naive - Duration::seconds(i64::from(secs)),
        None => naive,
    })
}

#[cfg(test)]
mod tests;
