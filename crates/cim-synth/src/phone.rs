//! Phone numbers that libphonenumber accepts as valid, and the many ways
//! people write them.

use crate::data;
use crate::rng::Rng;

/// Country of a phone number or address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Country {
    /// United States (+1).
    Us,
    /// United Kingdom (+44).
    Uk,
    /// Mainland China (+86).
    Cn,
}

impl Country {
    /// International calling code.
    pub fn calling_code(self) -> &'static str {
        match self {
            Country::Us => "1",
            Country::Uk => "44",
            Country::Cn => "86",
        }
    }
}

/// A phone number: national significant number (no trunk prefix) and the
/// sizes of its digit groups as written nationally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Phone {
    pub country: Country,
    pub nsn: String,
    pub groups: [u8; 3],
}

/// How a phone number is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PhoneStyle {
    /// `(415) 723-0132`, `07712 345678`, `138 0013 8000`.
    National,
    /// `415-723-0132`, `07712-345678`, `138-0013-8000`.
    NationalDash,
    /// `4157230132`, `07712345678`, `13800138000`.
    Compact,
    /// `+1 415 723 0132`.
    Intl,
    /// `+14157230132`.
    E164,
    /// `001 415 723 0132`, `0044 7712 345678`, `0086 138 0013 8000`.
    DoubleZero,
    /// `+1-415-723-0132`.
    IntlDash,
    /// `415.723.0132` (US habit; others fall back to [`PhoneStyle::NationalDash`]).
    Dotted,
    /// Full-width digits `１３８００１３８０００` (Chinese input methods).
    FullWidth,
}

/// The styles seen in the wild for numbers of each country.
pub(crate) fn styles_for(c: Country) -> &'static [PhoneStyle] {
    use PhoneStyle::*;
    match c {
        Country::Us => &[
            National,
            NationalDash,
            Compact,
            Intl,
            E164,
            IntlDash,
            Dotted,
        ],
        Country::Uk => &[National, Compact, Intl, E164, DoubleZero, IntlDash],
        Country::Cn => &[
            National,
            NationalDash,
            Compact,
            Intl,
            E164,
            DoubleZero,
            IntlDash,
            FullWidth,
        ],
    }
}

fn digits(rng: &mut Rng, n: usize, out: &mut String) {
    for _ in 0..n {
        out.push(char::from(b'0' + rng.below(10) as u8));
    }
}

impl Phone {
    /// A US number in one of `area_codes`: exchange `[2-9]XX`, never `555`
    /// (fictional) nor `N11` (service codes).
    pub fn us(rng: &mut Rng, area_codes: &[u16]) -> Phone {
        let area = rng.choose(area_codes);
        let exchange = loop {
            let e = rng.range(200, 999);
            if e != 555 && e % 100 != 11 {
                break e;
            }
        };
        let mut nsn = format!("{area}{exchange}");
        digits(rng, 4, &mut nsn);
        Phone {
            country: Country::Us,
            nsn,
            groups: [3, 3, 4],
        }
    }

    /// A UK mobile `07xxx xxxxxx` in a range libphonenumber accepts.
    pub fn uk_mobile(rng: &mut Rng) -> Phone {
        let mut nsn = String::from("7");
        nsn.push_str(rng.choose(data::UK_MOBILE_PREFIXES));
        let rest = 10 - nsn.len();
        digits(rng, rest, &mut nsn);
        Phone {
            country: Country::Uk,
            nsn,
            groups: [4, 6, 0],
        }
    }

    /// A UK landline in the city's Ofcom drama range.
    pub fn uk_landline(rng: &mut Rng, city: &data::UkCity) -> Phone {
        let mut nsn = city.landline_prefix.to_string();
        digits(rng, 3, &mut nsn);
        Phone {
            country: Country::Uk,
            nsn,
            groups: city.landline_groups,
        }
    }

    /// A mainland Chinese mobile `1xx xxxx xxxx`.
    pub fn cn_mobile(rng: &mut Rng) -> Phone {
        let mut nsn = rng.pick(data::CN_MOBILE_PREFIXES).to_string();
        digits(rng, 8, &mut nsn);
        Phone {
            country: Country::Cn,
            nsn,
            groups: [3, 4, 4],
        }
    }

    fn grouped(&self, sep: &str) -> String {
        let mut out = String::with_capacity(self.nsn.len() + 3);
        let mut at = 0;
        for g in self.groups.iter().filter(|g| **g > 0) {
            if at > 0 {
                out.push_str(sep);
            }
            let end = (at + usize::from(*g)).min(self.nsn.len());
            out.push_str(&self.nsn[at..end]);
            at = end;
        }
        out
    }

    fn trunk(&self) -> &'static str {
        if self.country == Country::Uk { "0" } else { "" }
    }

    /// The number written in `style`.
    pub fn format(&self, style: PhoneStyle) -> String {
        let cc = self.country.calling_code();
        match style {
            PhoneStyle::National if self.country == Country::Us => {
                format!(
                    "({}) {}-{}",
                    &self.nsn[..3],
                    &self.nsn[3..6],
                    &self.nsn[6..]
                )
            }
            PhoneStyle::National => format!("{}{}", self.trunk(), self.grouped(" ")),
            PhoneStyle::NationalDash => format!("{}{}", self.trunk(), self.grouped("-")),
            PhoneStyle::Compact => format!("{}{}", self.trunk(), self.nsn),
            PhoneStyle::Intl => format!("+{cc} {}", self.grouped(" ")),
            PhoneStyle::E164 => format!("+{cc}{}", self.nsn),
            PhoneStyle::DoubleZero => format!("00{cc} {}", self.grouped(" ")),
            PhoneStyle::IntlDash => format!("+{cc}-{}", self.grouped("-")),
            PhoneStyle::Dotted if self.country == Country::Us => self.grouped("."),
            PhoneStyle::Dotted => self.format(PhoneStyle::NationalDash),
            PhoneStyle::FullWidth => self
                .format(PhoneStyle::Compact)
                .chars()
                .map(|c| {
                    c.to_digit(10)
                        .map_or(c, |d| char::from_u32(0xFF10 + d).unwrap_or(c))
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_table() {
        let us = Phone {
            country: Country::Us,
            nsn: "4157230132".into(),
            groups: [3, 3, 4],
        };
        let uk = Phone {
            country: Country::Uk,
            nsn: "7712345678".into(),
            groups: [4, 6, 0],
        };
        let ldn = Phone {
            country: Country::Uk,
            nsn: "2079460123".into(),
            groups: [2, 4, 4],
        };
        let cn = Phone {
            country: Country::Cn,
            nsn: "13800138000".into(),
            groups: [3, 4, 4],
        };
        use PhoneStyle::*;
        let cases = [
            (&us, National, "(415) 723-0132"),
            (&us, Intl, "+1 415 723 0132"),
            (&us, E164, "+14157230132"),
            (&us, Dotted, "415.723.0132"),
            (&us, IntlDash, "+1-415-723-0132"),
            (&uk, National, "07712 345678"),
            (&uk, DoubleZero, "0044 7712 345678"),
            (&uk, Compact, "07712345678"),
            (&ldn, National, "020 7946 0123"),
            (&ldn, Intl, "+44 20 7946 0123"),
            (&cn, National, "138 0013 8000"),
            (&cn, Intl, "+86 138 0013 8000"),
            (&cn, DoubleZero, "0086 138 0013 8000"),
            (&cn, FullWidth, "１３８００１３８０００"),
        ];
        for (p, style, want) in cases {
            assert_eq!(p.format(style), want, "{style:?}");
        }
    }

    #[test]
    fn generated_numbers_follow_the_valid_ranges() {
        let mut rng = Rng::new(5, 0, 0);
        for _ in 0..2000 {
            let us = Phone::us(&mut rng, &[212, 415]);
            assert_eq!(us.nsn.len(), 10);
            assert!(us.nsn.starts_with("212") || us.nsn.starts_with("415"));
            assert!(us.nsn.as_bytes()[3] >= b'2');
            assert_ne!(&us.nsn[3..6], "555");
            assert_ne!(&us.nsn[4..6], "11");
            let uk = Phone::uk_mobile(&mut rng);
            assert_eq!(uk.nsn.len(), 10);
            assert!(uk.nsn.starts_with('7') && !uk.nsn.starts_with("7700"));
            let cn = Phone::cn_mobile(&mut rng);
            assert_eq!(cn.nsn.len(), 11);
            assert!(cn.nsn.starts_with('1'));
        }
    }
}
