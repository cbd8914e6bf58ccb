//! PII masking for audit output and logs.

use cim_schema::CanonicalField;

/// First character kept, the rest (at most three) starred: `Zhang` ->
/// `Z***`, `Wei` -> `W**`, `张伟` -> `张*`.
fn mask_token(tok: &str) -> String {
    let mut chars = tok.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let rest = chars.count().min(3);
    let mut out = String::with_capacity(first.len_utf8() + rest);
    out.push(first);
    out.extend(std::iter::repeat_n('*', rest));
    out
}

fn mask_words(value: &str) -> String {
    value
        .split_whitespace()
        .map(mask_token)
        .collect::<Vec<_>>()
        .join(" ")
}

fn mask_email(value: &str) -> String {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return mask_token(value);
    };
    let (host, tld) = domain.rsplit_once('.').unwrap_or((domain, ""));
    let host_first: String = host.chars().take(1).collect();
    let local_first: String = local.chars().take(1).collect();
    if tld.is_empty() {
        format!("{local_first}***@{host_first}***")
    } else {
        format!("{local_first}***@{host_first}***.{tld}")
    }
}

/// Country calling codes are 1-3 digits; the shortest prefix that is a
/// known code is taken (ITU codes are prefix-free).
fn calling_code_len(digits: &str) -> usize {
    for len in 1..=3.min(digits.len()) {
        if let Ok(code) = digits[..len].parse::<u16>()
            && crate::phone::is_calling_code(code)
        {
            return len;
        }
    }
    0
}

fn mask_phone(value: &str) -> String {
    let main = value.split(" ext").next().unwrap_or(value);
    let digits: String = main.chars().filter(char::is_ascii_digit).collect();
    let (cc, national) = if main.trim_start().starts_with('+') {
        let n = calling_code_len(&digits);
        (&digits[..n], &digits[n..])
    } else {
        ("", digits.as_str())
    };
    let n = national.len();
    let masked = if n >= 8 {
        format!(
            "{}{}{}",
            &national[..3],
            "*".repeat(n - 7),
            &national[n - 4..]
        )
    } else if n > 2 {
        format!("{}{}", "*".repeat(n - 2), &national[n - 2..])
    } else {
        "*".repeat(n)
    };
    if cc.is_empty() {
        masked
    } else {
        format!("+{cc} {masked}")
    }
}

/// Masks a value for audit output: `j***@g***.com` (email),
/// `+86 138****8000` (phone), `Z*** W**` (names and other text),
/// `1990-**-**` (date of birth), outward code only for postcodes
/// (`SW1A ***`), last 4 characters of national ids. Country, gender code,
/// source key and timestamps are not masked (not identifying, or not PII).
pub fn mask(field: CanonicalField, value: &str) -> String {
    match field {
        CanonicalField::Email => mask_email(value),
        CanonicalField::Phone => mask_phone(value),
        CanonicalField::DateOfBirth => {
            let mut chars = value.chars();
            let year: String = chars.by_ref().take(4).collect();
            if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) {
                let rest: String = chars
                    .map(|c| if c.is_ascii_digit() { '*' } else { c })
                    .collect();
                format!("{year}{rest}")
            } else {
                value
                    .chars()
                    .map(|c| if c.is_alphanumeric() { '*' } else { c })
                    .collect()
            }
        }
        CanonicalField::Postcode => match value.split_once(' ') {
            Some((outward, inward)) => {
                format!("{outward} {}", "*".repeat(inward.chars().count()))
            }
            None => {
                let n = value.chars().count();
                let keep = n.div_ceil(2).min(3);
                value
                    .chars()
                    .enumerate()
                    .map(|(i, c)| if i < keep { c } else { '*' })
                    .collect()
            }
        },
        CanonicalField::NationalId => {
            let n = value.chars().count();
            value
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i + 4 >= n || !c.is_alphanumeric() {
                        c
                    } else {
                        '*'
                    }
                })
                .collect()
        }
        CanonicalField::Country
        | CanonicalField::Gender
        | CanonicalField::SourceKey
        | CanonicalField::UpdatedAt => value.to_string(),
        _ => mask_words(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CanonicalField as F;

    #[test]
    fn masks_follow_the_documented_shapes() {
        let cases: &[(F, &str, &str)] = &[
            (F::Email, "john.smith@gmail.com", "j***@g***.com"),
            (F::Email, "wei@qq.com", "w***@q***.com"),
            (F::Phone, "+8613800138000", "+86 138****8000"),
            (F::Phone, "+442079460958", "+44 207***0958"),
            (F::Phone, "+12025550123 ext. 12", "+1 202***0123"),
            (F::FullName, "Zhang Wei", "Z*** W**"),
            (F::FullName, "张伟", "张*"),
            (F::GivenName, "Al", "A*"),
            (F::DateOfBirth, "1990-01-02", "1990-**-**"),
            (F::Postcode, "SW1A 1AA", "SW1A ***"),
            (F::Postcode, "100020", "100***"),
            (F::NationalId, "110101199003074477", "**************4477"),
            (F::Country, "CN", "CN"),
            (F::AddressLine1, "12 High Street", "1* H*** S***"),
        ];
        for (field, value, want) in cases {
            assert_eq!(mask(*field, value), *want, "{field} {value}");
        }
    }

    #[test]
    fn masks_never_contain_the_full_value() {
        for (f, v) in [
            (F::Email, "someone@example.org"),
            (F::Phone, "13800138000"),
            (F::FamilyName, "Christensen"),
        ] {
            assert_ne!(mask(f, v), v);
        }
    }
}
