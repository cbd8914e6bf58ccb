//! The clean truth: households of customers with names, birth dates,
//! contact details and addresses, before any source renders or corrupts
//! them.

use crate::data::{self, CnCity, CnDistrict, CnGiven, CnSurname, Company, UkCity, UsCity};
use crate::date::{Date, civil_from_days, days_from_civil};
use crate::options::SynthOptions;
use crate::phone::{Country, Phone};
use crate::rng::Rng;
use crate::text;

/// A street address outside China.
#[derive(Clone, Debug)]
pub(crate) struct WesternAddress {
    pub country: Country,
    pub number: u32,
    pub street: &'static str,
    /// Index into [`data::STREET_TYPES`].
    pub street_type: usize,
    /// Apartment (US) or flat (UK) number.
    pub unit: Option<String>,
    pub city: &'static str,
    pub postcode: String,
}

/// An address in mainland China.
#[derive(Clone, Debug)]
pub(crate) struct CnAddress {
    pub city: &'static CnCity,
    pub district: &'static CnDistrict,
    /// (Han stem, pinyin stem, road kind index).
    pub road: (&'static str, &'static str, usize),
    pub number: u32,
    pub building: Option<u32>,
    pub room: u32,
    pub postcode: &'static str,
}

/// Any address.
#[derive(Clone, Debug)]
pub(crate) enum Address {
    Western(WesternAddress),
    China(CnAddress),
}

/// An email address.
#[derive(Clone, Debug)]
pub(crate) struct Email {
    pub local: String,
    pub domain: &'static str,
}

/// The Chinese parts of a Chinese customer's name.
#[derive(Clone, Debug)]
pub(crate) struct HanName {
    pub surname: &'static CnSurname,
    pub given: &'static CnGiven,
}

impl HanName {
    /// Family first, no space: `张伟`.
    pub fn han(&self) -> String {
        format!("{}{}", self.surname.han, self.given.han)
    }
}

/// Pinyin syllables `Xiu|ying` joined as usually written: `Xiuying`.
pub(crate) fn pinyin_joined(p: &str) -> String {
    p.replace('|', "")
}

/// One real customer.
#[derive(Clone, Debug)]
pub(crate) struct Identity {
    pub entity: u64,
    pub male: bool,
    /// Latin given name, or pinyin for Chinese customers.
    pub given: String,
    /// Latin family name, or pinyin for Chinese customers.
    pub family: String,
    pub han: Option<HanName>,
    pub dob: Date,
    pub email: Email,
    pub phone: Phone,
    pub address: Address,
    /// Where the customer lived before; shown by stale records.
    pub prev_address: Address,
    pub company: Option<&'static Company>,
}

impl Identity {
    /// Whether the customer lives in mainland China.
    pub fn in_china(&self) -> bool {
        matches!(self.address, Address::China(_))
    }
}

#[derive(Clone, Copy)]
enum Home {
    Us(&'static UsCity),
    Uk(&'static UkCity),
    Cn(&'static CnCity),
}

fn random_dob(rng: &mut Rng, from_year: i32, to_year: i32) -> Date {
    let lo = days_from_civil(from_year, 1, 1);
    let hi = days_from_civil(to_year, 12, 31);
    civil_from_days(lo + rng.below((hi - lo + 1) as u64) as i32)
}

fn address(rng: &mut Rng, home: Home) -> Address {
    match home {
        Home::Us(city) => {
            let unit = rng.chance(0.3).then(|| {
                if rng.chance(0.5) {
                    format!(
                        "{}{}",
                        rng.range(1, 30),
                        char::from(b'A' + rng.below(6) as u8)
                    )
                } else {
                    format!("{}", rng.range(1, 30) * 100 + rng.range(1, 20))
                }
            });
            Address::Western(WesternAddress {
                country: Country::Us,
                number: if rng.chance(0.7) {
                    rng.range(1, 999)
                } else {
                    rng.range(1000, 9999)
                },
                street: rng.choose(data::US_STREETS),
                street_type: rng.index(data::US_STREET_TYPES.min(data::STREET_TYPES.len())),
                unit,
                city: city.name,
                postcode: format!("{:05}", rng.range(city.zip_lo, city.zip_hi)),
            })
        }
        Home::Uk(city) => {
            let inward = format!(
                "{}{}{}",
                rng.range(1, 9),
                char::from(rng.choose(data::UK_INWARD_LETTERS)),
                char::from(rng.choose(data::UK_INWARD_LETTERS))
            );
            Address::Western(WesternAddress {
                country: Country::Uk,
                number: rng.range(1, 180),
                street: rng.choose(data::UK_STREETS),
                street_type: rng.index(data::STREET_TYPES.len()),
                unit: rng.chance(0.25).then(|| rng.range(1, 12).to_string()),
                city: city.name,
                postcode: format!("{} {inward}", rng.pick(city.districts)),
            })
        }
        Home::Cn(city) => {
            let district = rng.pick(city.districts);
            Address::China(CnAddress {
                city,
                district,
                road: rng.choose(data::CN_ROADS),
                number: rng.range(1, 999),
                building: rng.chance(0.7).then(|| rng.range(1, 30)),
                room: rng.range(1, 32) * 100 + rng.range(1, 8),
                postcode: rng.choose(district.postcodes),
            })
        }
    }
}

fn own_phone(rng: &mut Rng, home: Home) -> Phone {
    match home {
        Home::Us(city) => Phone::us(rng, city.area_codes),
        Home::Uk(_) => Phone::uk_mobile(rng),
        Home::Cn(_) => Phone::cn_mobile(rng),
    }
}

fn email(
    rng: &mut Rng,
    given: &str,
    family: &str,
    dob: Date,
    chinese: bool,
    home: Home,
    company: Option<&'static Company>,
) -> Email {
    let g = text::email_slug(given);
    let f = text::email_slug(family);
    let g0 = g.chars().next().map(String::from).unwrap_or_default();
    let yy = dob.y % 100;
    let nn = rng.range(1, 99);
    let domain: &'static str = match (company, home) {
        (Some(c), _) if rng.chance(0.3) => c.domain,
        (_, Home::Cn(_)) => rng.choose_skewed(data::CN_DOMAINS, 1.8),
        (_, Home::Uk(_)) if rng.chance(0.3) => rng.choose(data::UK_DOMAINS),
        _ => rng.choose_skewed(data::WESTERN_DOMAINS, 1.8),
    };
    let local = if domain == "qq.com" && rng.chance(0.5) {
        let len = rng.range(6, 10);
        let mut s = rng.range(1, 9).to_string();
        for _ in 1..len {
            s.push(char::from(b'0' + rng.below(10) as u8));
        }
        s
    } else if chinese {
        match rng.below(5) {
            0 => format!("{f}{g}{}", dob.y),
            1 => format!("{g}.{f}"),
            2 => format!("{f}_{g}{nn:02}"),
            3 => format!("{f}{g}{:02}{:02}", dob.m, dob.d),
            _ => format!("{g}{f}{yy:02}"),
        }
    } else {
        match rng.below(9) {
            0 | 1 => format!("{g}.{f}"),
            2 => format!("{g}{f}"),
            3 => format!("{g0}{f}"),
            4 => format!("{g}.{f}{yy:02}"),
            5 => format!("{g}{f}{nn}"),
            6 => format!("{f}.{g}"),
            7 => format!("{g0}.{f}{}", rng.range(100, 999)),
            _ => format!("{g}{}", dob.y),
        }
    };
    Email { local, domain }
}

/// A fresh given name of the right culture and sex, different from the
/// names already used in the household.
enum GivenName {
    Latin(&'static str),
    Chinese(&'static CnGiven),
}

fn pick_given(rng: &mut Rng, chinese: bool, male: bool, used: &[String]) -> GivenName {
    for _ in 0..16 {
        let g = if chinese {
            GivenName::Chinese(rng.skewed(if male { data::CN_MALE } else { data::CN_FEMALE }, 1.4))
        } else {
            GivenName::Latin(rng.choose_skewed(if male { data::MALE } else { data::FEMALE }, 1.6))
        };
        let latin = match &g {
            GivenName::Latin(s) => (*s).to_string(),
            GivenName::Chinese(c) => pinyin_joined(c.pinyin),
        };
        if !used.contains(&latin) {
            return g;
        }
    }
    // Tiny tables cannot run out for households of at most four.
    GivenName::Latin(if male { "Theodore" } else { "Beatrice" })
}

fn pick_surname(rng: &mut Rng) -> &'static CnSurname {
    let n = data::CN_SURNAMES.len();
    if rng.chance(0.02) {
        &data::CN_SURNAMES[n - data::CN_COMPOUND_SURNAMES + rng.index(data::CN_COMPOUND_SURNAMES)]
    } else {
        rng.skewed(&data::CN_SURNAMES[..n - data::CN_COMPOUND_SURNAMES], 1.3)
    }
}

/// Family name of one member: Latin string, or a Chinese surname.
#[derive(Clone, Copy)]
enum Surname {
    Latin(&'static str),
    Chinese(&'static CnSurname),
}

struct Member {
    male: bool,
    dob: Date,
    surname: Surname,
    /// Forced (given, hard case) name.
    forced_given: Option<GivenName>,
    shares_phone: bool,
}

/// Generates one household of at most `max_members` customers with entity
/// ids from `first_entity`.
pub(crate) fn household(
    rng: &mut Rng,
    opts: &SynthOptions,
    first_entity: u64,
    max_members: usize,
) -> Vec<Identity> {
    let hc = &opts.hard_cases;
    let roll = rng.f64();
    let chinese = rng.chance(opts.chinese_share);
    let home = if chinese && rng.chance(opts.china_resident_share) {
        Home::Cn(rng.skewed(data::CN_CITIES, 1.5))
    } else if rng.chance(opts.uk_share) {
        Home::Uk(rng.skewed(data::UK_CITIES, 1.5))
    } else {
        Home::Us(rng.skewed(data::US_CITIES, 1.5))
    };
    let home_address = address(rng, home);
    let prev_home = if rng.chance(0.8) {
        home
    } else {
        other_city(rng, home)
    };
    let household_phone = match home {
        Home::Uk(city) if rng.chance(0.6) => Phone::uk_landline(rng, city),
        _ => own_phone(rng, home),
    };
    let family_name = if chinese {
        Surname::Chinese(pick_surname(rng))
    } else {
        Surname::Latin(rng.choose_skewed(data::FAMILY, 1.6))
    };

    let mut members: Vec<Member> = Vec::new();
    if roll < hc.twins {
        let dob = random_dob(rng, 1962, 2006);
        for _ in 0..2 {
            members.push(Member {
                male: rng.chance(0.5),
                dob,
                surname: family_name,
                forced_given: None,
                shares_phone: rng.chance(0.5),
            });
        }
        if rng.chance(0.5) && dob.y >= 1985 {
            let parent = random_dob(rng, dob.y - 36, dob.y - 24);
            members.insert(
                0,
                Member {
                    male: rng.chance(0.5),
                    dob: parent,
                    surname: family_name,
                    forced_given: None,
                    shares_phone: true,
                },
            );
        }
    } else if roll < hc.twins + hc.family {
        let head_dob = random_dob(rng, 1945, 1982);
        let head_male = rng.chance(0.5);
        members.push(Member {
            male: head_male,
            dob: head_dob,
            surname: family_name,
            forced_given: None,
            shares_phone: true,
        });
        let spouse_surname = match family_name {
            // Chinese wives keep their own surname.
            Surname::Chinese(_) => Surname::Chinese(pick_surname(rng)),
            Surname::Latin(_) if rng.chance(0.15) => {
                Surname::Latin(rng.choose_skewed(data::FAMILY, 1.6))
            }
            latin => latin,
        };
        let spouse_year = (head_dob.y + rng.range(0, 10) as i32 - 5).min(2000);
        members.push(Member {
            male: !head_male,
            dob: random_dob(rng, spouse_year, spouse_year),
            surname: spouse_surname,
            forced_given: None,
            shares_phone: rng.chance(0.7),
        });
        for _ in 0..rng.below(3) {
            let year = head_dob.y + rng.range(22, 38) as i32;
            if year <= 2006 {
                members.push(Member {
                    male: rng.chance(0.5),
                    dob: random_dob(rng, year, year),
                    surname: family_name,
                    forced_given: None,
                    shares_phone: rng.chance(0.4),
                });
            }
        }
    } else {
        let mut m = Member {
            male: rng.chance(0.5),
            dob: random_dob(rng, 1945, 2006),
            surname: family_name,
            forced_given: None,
            shares_phone: false,
        };
        if rng.chance(hc.common_name) {
            if chinese {
                let (s, given, male) = rng.choose(data::COMMON_CHINESE);
                let g = data::CN_MALE
                    .iter()
                    .chain(data::CN_FEMALE)
                    .chain(data::EXTRA_GIVEN)
                    .find(|c| c.han == given)
                    .unwrap_or(&data::CN_MALE[0]);
                m.surname = Surname::Chinese(&data::CN_SURNAMES[s]);
                m.forced_given = Some(GivenName::Chinese(g));
                m.male = male;
            } else {
                let (g, f, male) = rng.choose(data::COMMON_WESTERN);
                m.surname = Surname::Latin(f);
                m.forced_given = Some(GivenName::Latin(g));
                m.male = male;
            }
        }
        members.push(m);
    }
    members.truncate(max_members.max(1));

    let mut used: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(members.len());
    for (i, m) in members.into_iter().enumerate() {
        let given = match m.forced_given {
            Some(g) => g,
            None => pick_given(rng, chinese, m.male, &used),
        };
        let (given_latin, han_given) = match given {
            GivenName::Latin(s) => (s.to_string(), None),
            GivenName::Chinese(c) => (pinyin_joined(c.pinyin), Some(c)),
        };
        used.push(given_latin.clone());
        let (family, han) = match (m.surname, han_given) {
            (Surname::Chinese(s), Some(g)) => (
                s.pinyin.to_string(),
                Some(HanName {
                    surname: s,
                    given: g,
                }),
            ),
            (Surname::Chinese(s), None) => (s.pinyin.to_string(), None),
            (Surname::Latin(f), _) => (f.to_string(), None),
        };
        let company = rng
            .chance(if matches!(home, Home::Cn(_)) {
                0.2
            } else {
                0.35
            })
            .then(|| {
                if matches!(home, Home::Cn(_)) {
                    &data::COMPANIES[data::WESTERN_COMPANIES
                        + rng.index(data::COMPANIES.len() - data::WESTERN_COMPANIES)]
                } else {
                    &data::COMPANIES[rng.index(data::WESTERN_COMPANIES)]
                }
            });
        let phone = if m.shares_phone {
            household_phone.clone()
        } else {
            own_phone(rng, home)
        };
        let email = email(rng, &given_latin, &family, m.dob, chinese, home, company);
        let prev_address = address(rng, prev_home);
        out.push(Identity {
            entity: first_entity + i as u64,
            male: m.male,
            given: given_latin,
            family,
            han,
            dob: m.dob,
            email,
            phone,
            address: home_address.clone(),
            prev_address,
            company,
        });
    }
    out
}

fn other_city(rng: &mut Rng, home: Home) -> Home {
    match home {
        Home::Us(_) => Home::Us(rng.pick(data::US_CITIES)),
        Home::Uk(_) => Home::Uk(rng.pick(data::UK_CITIES)),
        Home::Cn(_) => Home::Cn(rng.pick(data::CN_CITIES)),
    }
}
