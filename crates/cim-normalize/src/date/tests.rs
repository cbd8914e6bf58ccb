use super::*;

fn reference() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()
}

fn opts() -> NormalizeOptions {
    NormalizeOptions {
        reference_date: Some(reference()),
        ..NormalizeOptions::default()
    }
}

fn dob(raw: &str, order: DateOrder) -> DateNorm {
    date(raw, order, false, &opts())
}

#[test]
fn formats_parse_to_iso() {
    use DateOrder::*;
    let cases: &[(&str, DateOrder, &str)] = &[
        ("1990-01-02", Ymd, "1990-01-02"),
        ("1990-1-2", Ymd, "1990-01-02"),
        ("1990/01/02", Ymd, "1990-01-02"),
        ("1990.01.02", Ymd, "1990-01-02"),
        ("1990-01-02T00:00:00Z", Ymd, "1990-01-02"),
        ("1990-01-02 13:45", Ymd, "1990-01-02"),
        ("19900102", Ymd, "1990-01-02"),
        ("１９９０－０１－０２", Ymd, "1990-01-02"),
        ("1990年1月2日", Ymd, "1990-01-02"),
        ("1990年01月02日", Ymd, "1990-01-02"),
        ("2 Jan 1990", Ymd, "1990-01-02"),
        ("2nd January 1990", Ymd, "1990-01-02"),
        ("Jan 2, 1990", Ymd, "1990-01-02"),
        ("Tuesday, 2 January 1990", Ymd, "1990-01-02"),
        ("02-JAN-90", Ymd, "1990-01-02"),
        ("2-Sept-1990", Ymd, "1990-09-02"),
        ("25/12/1990", Ymd, "1990-12-25"),
        ("12/25/1990", Ymd, "1990-12-25"),
        ("05/05/1990", Ymd, "1990-05-05"),
        ("03/04/1990", Dmy, "1990-04-03"),
        ("03/04/1990", Mdy, "1990-03-04"),
        ("03.04.1990", Dmy, "1990-04-03"),
        ("3/4/90", Dmy, "1990-04-03"),
        ("3/4/05", Dmy, "2005-04-03"),
        ("02011990", Dmy, "1990-01-02"),
        ("32874", Ymd, "1990-01-01"),
    ];
    for (raw, order, want) in cases {
        let d = dob(raw, *order);
        assert_eq!(
            d.status,
            FieldStatus::Valid,
            "{raw} ({order:?}): {:?}",
            d.issue
        );
        assert_eq!(d.display.as_deref(), Some(*want), "{raw} ({order:?})");
    }
}

#[test]
fn invalid_and_implausible_dates() {
    use DateOrder::*;
    let cases: &[(&str, DateOrder, &str, Option<&str>)] = &[
        ("03/04/1990", Ymd, reason::AMBIGUOUS_DATE_ORDER, None),
        ("1/2/1990", Ymd, reason::AMBIGUOUS_DATE_ORDER, None),
        ("31/02/1990", Ymd, reason::IMPOSSIBLE_DATE, None),
        ("1990-02-30", Ymd, reason::IMPOSSIBLE_DATE, None),
        ("1990-13-01", Ymd, reason::IMPOSSIBLE_DATE, None),
        ("13/13/1990", Ymd, reason::IMPOSSIBLE_DATE, None),
        ("05/13/1990", Dmy, reason::IMPOSSIBLE_DATE, None),
        ("2031-05-01", Ymd, reason::FUTURE_DATE, Some("2031-05-01")),
        (
            "1850-05-01",
            Ymd,
            reason::BEFORE_MIN_YEAR,
            Some("1850-05-01"),
        ),
        (
            "1900-01-01",
            Ymd,
            reason::PLACEHOLDER_DATE,
            Some("1900-01-01"),
        ),
        (
            "01/01/1970",
            Ymd,
            reason::PLACEHOLDER_DATE,
            Some("1970-01-01"),
        ),
        ("yesterday", Ymd, reason::UNPARSEABLE_DATE, None),
        ("1990", Ymd, reason::UNPARSEABLE_DATE, None),
        ("99999", Ymd, reason::UNPARSEABLE_DATE, None),
        ("1990-01-02-03", Ymd, reason::UNPARSEABLE_DATE, None),
    ];
    for (raw, order, issue, display) in cases {
        let d = dob(raw, *order);
        assert_eq!(d.status, FieldStatus::Invalid, "{raw} ({order:?})");
        assert_eq!(d.issue, Some(*issue), "{raw} ({order:?})");
        let want_display = display.map_or_else(|| clean(raw), str::to_string);
        assert_eq!(d.display.as_deref(), Some(want_display.as_str()), "{raw}");
    }
    for raw in ["", "N/A", "00/00/0000", "0000-00-00", "-"] {
        assert_eq!(dob(raw, Ymd).status, FieldStatus::Missing, "{raw:?}");
    }
    let strict = NormalizeOptions {
        min_birth_year: 1920,
        ..opts()
    };
    assert_eq!(
        date("1910-05-01", Ymd, false, &strict).issue,
        Some(reason::BEFORE_MIN_YEAR)
    );
}

#[test]
fn excel_serials_need_the_hint_outside_the_safe_range() {
    let o = opts();
    assert_eq!(
        date("32874", DateOrder::Ymd, false, &o).display.as_deref(),
        Some("1990-01-01")
    );
    assert_eq!(
        date("32874", DateOrder::Ymd, true, &o).display.as_deref(),
        Some("1990-01-01")
    );
    assert_eq!(
        date("32874.75", DateOrder::Ymd, true, &o)
            .display
            .as_deref(),
        Some("1990-01-01")
    );
    // 4-digit serial: only with the hint.
    assert_eq!(
        date("9000", DateOrder::Ymd, false, &o).issue,
        Some(reason::UNPARSEABLE_DATE)
    );
    assert_eq!(
        date("9000", DateOrder::Ymd, true, &o).display.as_deref(),
        Some("1924-08-21")
    );
    // 5-digit serial after the reference date is not taken as a serial.
    assert_eq!(
        date("60000", DateOrder::Ymd, false, &o).issue,
        Some(reason::UNPARSEABLE_DATE)
    );
}

#[test]
fn datetimes_sort_as_strings() {
    let r = reference();
    let cases: &[(&str, &str)] = &[
        ("2024-03-01T10:20:30Z", "2024-03-01T10:20:30"),
        ("2024-03-01 10:20:30", "2024-03-01T10:20:30"),
        ("2024-03-01T10:20:30.123456+08:00", "2024-03-01T02:20:30"),
        ("2024-03-01T01:00:00+0800", "2024-02-29T17:00:00"),
        ("2024-03-01 10:20:30 -05:00", "2024-03-01T15:20:30"),
        ("2024-03-01 10:20", "2024-03-01T10:20:00"),
        ("2024-03-01", "2024-03-01T00:00:00"),
        ("20240301", "2024-03-01T00:00:00"),
        ("2024/3/1 9:05:00 PM", "2024-03-01T21:05:00"),
        ("1 Mar 2024 12:00 am", "2024-03-01T00:00:00"),
        ("1709288430", "2024-03-01T10:20:30"),
        ("1709288430000", "2024-03-01T10:20:30"),
        ("2024年3月1日 10:20:30", "2024-03-01T10:20:30"),
    ];
    for (raw, want) in cases {
        let t = datetime_with_reference(raw, DateOrder::Ymd, r);
        assert_eq!(t.status, FieldStatus::Valid, "{raw}: {:?}", t.issue);
        assert_eq!(t.display.as_deref(), Some(*want), "{raw}");
    }
    for (raw, issue) in [
        ("soon", reason::UNPARSEABLE_DATETIME),
        ("2024-03-01T25:00:00", reason::UNPARSEABLE_DATETIME),
        ("2024-02-30 10:00", reason::IMPOSSIBLE_DATE),
        ("03/04/2024 10:00", reason::AMBIGUOUS_DATE_ORDER),
    ] {
        let t = datetime_with_reference(raw, DateOrder::Ymd, r);
        assert_eq!(t.status, FieldStatus::Invalid, "{raw}");
        assert_eq!(t.issue, Some(issue), "{raw}");
    }
    assert_eq!(datetime("", DateOrder::Ymd).status, FieldStatus::Missing);
    let a = datetime("2024-03-01T23:59:59+00:00", DateOrder::Ymd)
        .display
        .unwrap();
    let b = datetime("2024-03-02T00:00:01+01:00", DateOrder::Ymd)
        .display
        .unwrap();
    assert!(b < a, "UTC conversion orders {b} before {a}");
}

#[test]
fn iso_rendering_matches_chrono_format() {
    use chrono::NaiveTime;
    let mut d = NaiveDate::from_ymd_opt(-3, 12, 25).unwrap();
    let end = NaiveDate::from_ymd_opt(10_002, 3, 1).unwrap();
    let mut n = 0u32;
    while d < end {
        assert_eq!(iso_date(d), d.format("%Y-%m-%d").to_string());
        let t =
            NaiveTime::from_hms_nano_opt(n % 24, (n * 7) % 60, (n * 13) % 60, n % 3 * 400_000_000)
                .unwrap();
        let dt = d.and_time(t);
        assert_eq!(
            iso_datetime(&dt),
            dt.format("%Y-%m-%dT%H:%M:%S").to_string()
        );
        d += Duration::days(97);
        n += 1;
    }
    // A leap second prints as 60.
    let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
        .unwrap()
        .and_time(NaiveTime::from_hms_nano_opt(23, 59, 59, 1_500_000_000).unwrap());
    assert_eq!(
        iso_datetime(&leap),
        leap.format("%Y-%m-%dT%H:%M:%S").to_string()
    );
    assert_eq!(iso_datetime(&leap), "2016-12-31T23:59:60");
}
