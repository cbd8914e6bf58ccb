//! Drafting a first `pipeline.toml` from samples of the source files
//! (`cim init`): each column's canonical field is guessed from its name
//! (English and Chinese synonyms) and from its values (emails, phones,
//! dates, Han names, postcodes). Anything undecided is written as a comment,
//! never dropped silently. Sampling is the caller's job (it needs I/O);
//! this module only reasons about the sample, so it is deterministic.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use cim_schema::CanonicalField;

/// What `cim init` read from one source file.
#[derive(Debug, Clone, Default)]
pub struct SourceSample {
    /// Source name to use in the config.
    pub name: String,
    /// The path as it should be written in the config (relative to it).
    pub path: String,
    /// Detected format name (`csv`, `jsonl`, `parquet`, `arrow_ipc`).
    pub format: String,
    /// Encoding to write: `auto` (UTF-8 or BOM) or a label such as `gbk`.
    pub encoding: String,
    /// Rows read for the sample.
    pub rows_sampled: u64,
    /// Rows of the sample that could not be read (would be quarantined).
    pub rows_quarantined: u64,
    /// The columns (dotted paths for nested JSON), in file order.
    pub columns: Vec<ColumnSample>,
}

/// One column of a [`SourceSample`].
#[derive(Debug, Clone, Default)]
pub struct ColumnSample {
    /// Column name or JSON path.
    pub name: String,
    /// Non-empty sample values, in reading order.
    pub values: Vec<String>,
}

/// What a column's values look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Email,
    Phone,
    Date,
    DateTime,
    HanName,
    Postcode,
    Unknown,
}

/// A guess for one column.
#[derive(Debug, Clone)]
struct Guess {
    column: String,
    field: Option<CanonicalField>,
    confidence: f64,
    why: String,
}

/// Normalised header: lower-case ASCII letters and digits, Han kept.
fn norm(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn by_name(header: &str) -> Option<CanonicalField> {
    use CanonicalField as F;
    // Nested JSON: the leaf decides (`address.city` -> `city`), but the
    // whole path is tried first (`address.line1` -> `address_line1`).
    let leaf = header.rsplit('.').next().unwrap_or(header);
    for n in [norm(header), norm(leaf)] {
        let f = match n.as_str() {
            "姓名" | "名称" | "客户姓名" | "会员姓名" | "name" | "fullname" | "customername"
            | "contactname" => F::FullName,
            "名" | "名字" | "firstname" | "fname" | "given" | "givenname" | "forename" => {
                F::GivenName
            }
            "middlename" | "middle" => F::MiddleName,
            "姓" | "姓氏" | "lastname" | "surname" | "lname" | "familyname" => F::FamilyName,
            "手机" | "手机号" | "手机号码" | "电话" | "联系电话" | "phone" | "phonenumber"
            | "mobile" | "mobilephone" | "tel" | "telephone" | "cell" => F::Phone,
            "邮箱" | "电子邮件" | "电子邮箱" | "email" | "emailaddress" | "mail" | "email1" => {
                F::Email
            }
            "地址" | "详细地址" | "address" | "addressline1" | "line1" | "street"
            | "streetaddress" | "address1" => F::AddressLine1,
            "addressline2" | "line2" | "address2" => F::AddressLine2,
            "城市" | "市" | "city" | "town" => F::City,
            "省" | "省份" | "region" | "state" | "province" | "county" => F::Region,
            "邮编" | "邮政编码" | "postcode" | "zip" | "zipcode" | "postalcode" | "postal" => {
                F::Postcode
            }
            "国家" | "country" | "countrycode" => F::Country,
            "出生日期" | "生日" | "dob" | "birthday" | "birthdate" | "dateofbirth" => {
                F::DateOfBirth
            }
            "性别" | "gender" | "sex" => F::Gender,
            "公司" | "单位" | "company" | "employer" | "organisation" | "organization" => {
                F::Company
            }
            "会员编号" | "客户编号" | "编号" | "id" | "customerid" | "custid" | "customerno"
            | "partnerno" | "memberid" | "clientid" | "key" => F::SourceKey,
            "更新时间" | "修改时间" | "lastmodified" | "updatedat" | "modified" | "updated"
            | "modifiedat" | "lastupdated" => F::UpdatedAt,
            "身份证" | "身份证号" | "nationalid" | "ssn" => F::NationalId,
            _ => continue,
        };
        return Some(f);
    }
    None
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

/// ASCII digits of a value (full-width digits folded).
fn digits(v: &str) -> String {
    v.chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            _ => None,
        })
        .collect()
}

fn looks_email(v: &str) -> bool {
    v.split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !v.contains(' '))
}

fn looks_phone(v: &str) -> bool {
    let d = digits(v);
    let other_ok = v.chars().all(|c| {
        c.is_ascii_digit()
            || ('０'..='９').contains(&c)
            || " +-().".contains(c)
            || c == 'x'
            || c == '＋'
    });
    other_ok && (7..=15).contains(&d.len())
}

/// `(a, b, c)` numeric parts of a date-like value, year-first or not.
fn date_parts(v: &str) -> Option<(u32, u32, u32)> {
    let date = v.split([' ', 'T']).next()?;
    let date = date.trim_end_matches('日');
    let parts: Vec<&str> = date.split(['/', '-', '.', '年', '月']).collect();
    if parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.len() <= 4) {
        let n: Vec<u32> = parts
            .iter()
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        return Some((n[0], n[1], n[2]));
    }
    if date.len() == 8 && date.chars().all(|c| c.is_ascii_digit()) {
        let y: u32 = date[..4].parse().ok()?;
        if (1800..2200).contains(&y) {
            return Some((y, date[4..6].parse().ok()?, date[6..].parse().ok()?));
        }
    }
    None
}

fn looks_date(v: &str) -> bool {
    date_parts(v).is_some_and(|(a, b, c)| {
        let year_first = a >= 1000;
        let year_last = c >= 1000;
        (year_first && (1..=12).contains(&b) && (1..=31).contains(&c))
            || (year_last && (1..=31).contains(&a) && (1..=31).contains(&b))
    })
}

fn looks_time(v: &str) -> bool {
    v.contains(':')
}

fn looks_han_name(v: &str) -> bool {
    let n = v.chars().count();
    (2..=4).contains(&n) && v.chars().all(is_han)
}

fn looks_postcode(v: &str) -> bool {
    let t = v.trim();
    let d = digits(t);
    (d.len() == t.len() && (5..=6).contains(&d.len()))
        || (t.len() == 10 && t.as_bytes()[5] == b'-' && d.len() == 9)
        || uk_postcode(t)
}

fn uk_postcode(t: &str) -> bool {
    let parts: Vec<&str> = t.split(' ').collect();
    parts.len() == 2
        && (2..=4).contains(&parts[0].len())
        && parts[1].len() == 3
        && parts[0].starts_with(|c: char| c.is_ascii_uppercase())
        && parts[1].starts_with(|c: char| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ' ')
}

/// The dominant content of a column (at least 80 % of its values) and that
/// share.
fn content(values: &[String]) -> (Content, f64) {
    if values.is_empty() {
        return (Content::Unknown, 0.0);
    }
    let n = values.len() as f64;
    let share = |f: &dyn Fn(&str) -> bool| values.iter().filter(|v| f(v)).count() as f64 / n;
    let date = share(&looks_date);
    let checks: [(Content, f64); 5] = [
        (Content::Email, share(&looks_email)),
        (
            if share(&|v| looks_date(v) && looks_time(v)) > date / 2.0 {
                Content::DateTime
            } else {
                Content::Date
            },
            date,
        ),
        (Content::HanName, share(&looks_han_name)),
        (Content::Postcode, share(&looks_postcode)),
        (Content::Phone, share(&looks_phone)),
    ];
    checks
        .into_iter()
        .find(|(_, s)| *s >= 0.8)
        .unwrap_or((Content::Unknown, 0.0))
}

fn content_fits(field: CanonicalField, c: Content) -> bool {
    use CanonicalField as F;
    match c {
        Content::Email => field == F::Email,
        Content::Phone => matches!(field, F::Phone | F::SourceKey | F::NationalId | F::Postcode),
        Content::Date => matches!(field, F::DateOfBirth | F::UpdatedAt),
        Content::DateTime => matches!(field, F::UpdatedAt | F::DateOfBirth),
        Content::HanName => matches!(
            field,
            F::FullName | F::GivenName | F::FamilyName | F::City | F::Region | F::Company
        ),
        Content::Postcode => matches!(field, F::Postcode | F::SourceKey),
        Content::Unknown => true,
    }
}

fn guess_column(col: &ColumnSample) -> Guess {
    let (c, share) = content(&col.values);
    let pct = (share * 100.0).round();
    let named = by_name(&col.name);
    if named == Some(CanonicalField::SourceKey) && !col.values.is_empty() {
        // A key is judged by uniqueness, not by what its digits resemble.
        let distinct = col
            .values
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len();
        let pct = (100.0 * distinct as f64 / col.values.len() as f64).round();
        let confidence = if distinct == col.values.len() {
            0.95
        } else {
            0.7
        };
        return Guess {
            column: col.name.clone(),
            field: named,
            confidence,
            why: format!("name, and {pct}% of sample values are distinct"),
        };
    }
    let (field, confidence, why) = match (named, c) {
        (Some(f), Content::Unknown) => (Some(f), 0.8, "name".to_owned()),
        (Some(f), c) if content_fits(f, c) => (
            Some(f),
            0.95,
            format!("name, and {pct}% of values are {}", content_name(c)),
        ),
        (Some(f), c) => match content_field(c) {
            Some(cf) => (
                Some(cf),
                0.6,
                format!(
                    "{pct}% of values are {} although the name suggests {}",
                    content_name(c),
                    f.name()
                ),
            ),
            None => (
                Some(f),
                0.5,
                format!("name only; values look like {}", content_name(c)),
            ),
        },
        (None, c) => match content_field(c) {
            Some(cf) => (
                Some(cf),
                0.7,
                format!("{pct}% of values are {}", content_name(c)),
            ),
            None => (None, 0.0, content_name(c).to_owned()),
        },
    };
    Guess {
        column: col.name.clone(),
        field,
        confidence,
        why,
    }
}

fn content_name(c: Content) -> &'static str {
    match c {
        Content::Email => "email addresses",
        Content::Phone => "phone numbers",
        Content::Date => "dates",
        Content::DateTime => "date-times",
        Content::HanName => "short Han text",
        Content::Postcode => "postcodes",
        Content::Unknown => "unrecognised values",
    }
}

/// The field a column's content alone points to, when unambiguous.
fn content_field(c: Content) -> Option<CanonicalField> {
    match c {
        Content::Email => Some(CanonicalField::Email),
        Content::Phone => Some(CanonicalField::Phone),
        Content::HanName => Some(CanonicalField::FullName),
        Content::DateTime => Some(CanonicalField::UpdatedAt),
        // A bare date could be a birth date or a change date; a bare
        // 5-6 digit number could be a postcode or a key: left to the user.
        Content::Date | Content::Postcode | Content::Unknown => None,
    }
}

/// Day/month order from the values of the date columns: a first part above
/// 12 means day first, a second part above 12 means month first.
fn date_order(values: &[&String]) -> Option<(&'static str, String)> {
    let (mut dmy, mut mdy, mut ymd, mut other) = (0, 0, 0, 0);
    for v in values {
        match date_parts(v) {
            Some((a, _, _)) if a >= 1000 => ymd += 1,
            Some((a, b, _)) if a > 12 && b <= 12 => dmy += 1,
            Some((a, b, _)) if b > 12 && a <= 12 => mdy += 1,
            Some(_) => other += 1,
            None => {}
        }
    }
    let _ = other;
    match (dmy, mdy) {
        (d, 0) if d > 0 => Some(("dmy", format!("{d} sample dates have a day above 12 first"))),
        (0, m) if m > 0 => Some((
            "mdy",
            format!("{m} sample dates have a day above 12 second"),
        )),
        (0, 0) if ymd > 0 => Some(("ymd", "sample dates are year first".to_owned())),
        _ => None,
    }
}

/// `+86`/`0086` or bare `1[3-9]` + 9 digits: a Chinese mobile.
fn cn_mobile(v: &str) -> bool {
    let d = digits(v);
    let d = d
        .strip_prefix("0086")
        .or_else(|| d.strip_prefix("86").filter(|r| r.len() == 11))
        .unwrap_or(&d);
    d.len() == 11 && d.starts_with('1') && matches!(d.as_bytes()[1], b'3'..=b'9')
}

/// A TOML basic string.
fn q(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes a complete, commented `pipeline.toml` for the sampled sources.
/// Every mapping carries its confidence and reason; every column that was
/// not mapped and every setting that could not be decided appears as a
/// comment.
pub fn draft_config(files: &[SourceSample]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Drafted by `cim init` from a sample of each file. Review every line marked\n\
         # with a low confidence, then run `cim check` on this file before `cim run`.\n\
         # Paths are relative to this file. Every key is documented in docs/CONFIG.md.\n"
    );
    o.push_str(
        "[run]\n\
         # Fail the run when more than this share of rows is quarantined.\n\
         max_quarantine_ratio = 0.1\n\
         # Fix the reference date for reproducible golden-id dates (default: today).\n\
         # as_of = \"2026-01-01\"\n\
         # threads = 0  # 0 = one per core\n\n",
    );
    for s in files {
        source_section(&mut o, s);
    }
    o.push_str(
        "# Normalisation defaults (all optional).\n\
         # [normalize]\n\
         # nicknames = true\n\
         # min_birth_year = 1900\n\n\
         # Blocking rules and comparisons are chosen automatically from the mapped\n\
         # fields. To set them yourself, for example:\n\
         # [dedupe]\n\
         # blocking_rules = [[\"email\"], [\"phone\"], [\"family_phonetic\", \"birth_year\"]]\n\
         # match_threshold = 0.9\n\n\
         # Golden-record survivorship (defaults shown).\n\
         # [survivorship]\n\
         # default_rule = \"most_recent\"\n\
         # source_priority = []  # e.g. [\"crm\", \"webshop\"]\n\
         # keep_name_together = true\n\
         # keep_address_together = true\n\n\
         [output]\n\
         # Replaced as a whole on every run; keep it out of the input directories.\n\
         dir = \"out\"\n",
    );
    o
}

fn source_section(o: &mut String, s: &SourceSample) {
    // A JSON object column (`address`) whose members are columns of their
    // own (`address.city`) is only their parent: nothing to map.
    let columns: Vec<&ColumnSample> = s
        .columns
        .iter()
        .filter(|c| {
            let prefix = format!("{}.", c.name);
            !s.columns.iter().any(|o| o.name.starts_with(&prefix))
        })
        .collect();
    let guesses: Vec<Guess> = columns.iter().map(|c| guess_column(c)).collect();
    // One column per field: the most confident guess wins, ties go to the
    // earlier column; the others become comments.
    let mut best: BTreeMap<CanonicalField, usize> = BTreeMap::new();
    for (i, g) in guesses.iter().enumerate() {
        if let Some(f) = g.field {
            match best.get(&f) {
                Some(&j) if guesses[j].confidence >= g.confidence => {}
                _ => {
                    best.insert(f, i);
                }
            }
        }
    }
    let values_of = |f: CanonicalField| -> Vec<&String> {
        best.get(&f)
            .map(|&i| columns[i].values.iter().collect())
            .unwrap_or_default()
    };

    let _ = writeln!(
        o,
        "# {} ({}, {} rows sampled{})",
        s.path,
        s.format,
        s.rows_sampled,
        if s.rows_quarantined > 0 {
            format!(", {} unreadable", s.rows_quarantined)
        } else {
            String::new()
        }
    );
    o.push_str("[[sources]]\n");
    let _ = writeln!(o, "name = {}", q(&s.name));
    let _ = writeln!(o, "path = {}", q(&s.path));
    if s.encoding != "auto" {
        let _ = writeln!(o, "encoding = {}  # detected", q(&s.encoding));
    }

    // Date order from every date column of the source.
    let mut dates = values_of(CanonicalField::DateOfBirth);
    dates.extend(values_of(CanonicalField::UpdatedAt));
    match date_order(&dates) {
        Some(("ymd", why)) => {
            let _ = writeln!(o, "# date_order = \"ymd\"  # the default; {why}");
        }
        Some((order, why)) => {
            let _ = writeln!(o, "date_order = {}  # {why}", q(order));
        }
        None if dates.is_empty() => {}
        None => {
            o.push_str(
                "# date_order = \"dmy\"  # undecided: no sample date shows whether day or month comes first (default \"ymd\")\n",
            );
        }
    }

    // Phone region: only when most numbers are Chinese mobiles; with a
    // country column the region comes from each row.
    let phones = values_of(CanonicalField::Phone);
    let has_country = best.contains_key(&CanonicalField::Country);
    if !phones.is_empty() {
        let cn = phones.iter().filter(|v| cn_mobile(v)).count();
        let share = cn as f64 / phones.len() as f64;
        if share >= 0.6 {
            let _ = writeln!(
                o,
                "phone_region = \"CN\"  # {:.0}% of sample phones are Chinese mobiles",
                share * 100.0
            );
            if !has_country {
                o.push_str("default_country = \"CN\"  # follows phone_region\n");
            }
        } else if has_country {
            o.push_str("# phone_region: taken from each row's country column\n");
        } else {
            o.push_str(
                "# phone_region = \"US\"  # undecided: numbers without a country code are invalid until set\n",
            );
        }
    }

    o.push_str("\n[sources.columns]\n");
    let mut mapped: Vec<(CanonicalField, usize)> = best.iter().map(|(f, i)| (*f, *i)).collect();
    mapped.sort_by_key(|&(f, i)| (i, f));
    for (f, i) in &mapped {
        let g = &guesses[*i];
        let _ = writeln!(
            o,
            "{} = {}  # confidence {:.2}: {}",
            f.name(),
            q(&g.column),
            g.confidence,
            g.why
        );
    }
    for (i, g) in guesses.iter().enumerate() {
        if mapped.iter().any(|&(_, j)| j == i) {
            continue;
        }
        match g.field {
            Some(f) => {
                let _ = writeln!(
                    o,
                    "# {} = {}  # also looks like {} ({}); kept as extra attribute",
                    f.name(),
                    q(&g.column),
                    f.name(),
                    g.why
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "# unmapped column {} (kept as extra attribute; {})",
                    q(&g.column),
                    g.why
                );
            }
        }
    }
    o.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, values: &[&str]) -> ColumnSample {
        ColumnSample {
            name: name.into(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    #[test]
    fn guesses_from_names_and_content() {
        let cases: &[(&str, &[&str], Option<CanonicalField>)] = &[
            ("姓名", &["张伟", "李娜"], Some(CanonicalField::FullName)),
            ("手机", &["13800138000"], Some(CanonicalField::Phone)),
            ("First Name", &["John"], Some(CanonicalField::GivenName)),
            ("address.zip", &["94103"], Some(CanonicalField::Postcode)),
            (
                "contact",
                &["a@b.com", "c@d.org"],
                Some(CanonicalField::Email),
            ),
            (
                "x1",
                &["+86 138 0013 8000", "13912345678"],
                Some(CanonicalField::Phone),
            ),
            ("newsletter", &["true", "false"], None),
        ];
        for (name, values, want) in cases {
            assert_eq!(guess_column(&col(name, values)).field, *want, "{name}");
        }
    }

    #[test]
    fn date_order_from_values_above_12() {
        let v: Vec<String> = ["03/04/1990", "25/12/1980"].map(String::from).to_vec();
        let r: Vec<&String> = v.iter().collect();
        assert_eq!(date_order(&r).unwrap().0, "dmy");
        let v: Vec<String> = ["12/25/1980"].map(String::from).to_vec();
        let r: Vec<&String> = v.iter().collect();
        assert_eq!(date_order(&r).unwrap().0, "mdy");
        let v: Vec<String> = ["03/04/1990"].map(String::from).to_vec();
        let r: Vec<&String> = v.iter().collect();
        assert!(date_order(&r).is_none());
    }

    #[test]
    fn draft_loads_and_comments_unmapped() {
        let s = SourceSample {
            name: "loyalty".into(),
            path: "loyalty.csv".into(),
            format: "csv".into(),
            encoding: "gbk".into(),
            rows_sampled: 2,
            rows_quarantined: 0,
            columns: vec![
                col("会员编号", &["8800000001"]),
                col("姓名", &["张伟"]),
                col("手机", &["13800138000", "+86 139 1234 5678"]),
                col("newsletter", &["true"]),
            ],
        };
        let text = draft_config(&[s]);
        assert!(text.contains("# unmapped column \"newsletter\""), "{text}");
        assert!(text.contains("phone_region = \"CN\""), "{text}");
        let cfg = crate::parse(&text, std::path::Path::new("p.toml")).unwrap();
        let src = &cfg.config.sources[0];
        assert_eq!(src.encoding, "gbk");
        assert_eq!(src.columns.len(), 3);
    }
}
