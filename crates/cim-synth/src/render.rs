//! Renders one identity as one source row: the source's own conventions
//! (column split, date and phone style, abbreviations, script) plus the
//! configured corruptions.

use crate::data::{self, CountryNames};
use crate::date::{Date, DateTime, days_from_civil};
use crate::identity::{Address, CnAddress, Identity, WesternAddress};
use crate::options::CorruptionRates;
use crate::phone::{Country, PhoneStyle, styles_for};
use crate::rng::Rng;
use crate::source::{Cell, SourceKind};
use crate::text;

/// Corruption decisions for the records of one entity.
pub(crate) struct Noise<'a> {
    pub rng: Rng,
    pub r: &'a CorruptionRates,
}

/// A rendered personal name before it is laid out in columns.
struct NameParts {
    given: String,
    family: String,
    swapped: bool,
}

fn str_cell(s: String) -> Cell {
    Cell::Str(s)
}

fn opt_cell(s: Option<String>) -> Cell {
    s.map_or(Cell::Null, Cell::Str)
}

/// Abbreviation styles of address lines.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AddrStyle {
    /// Words written out (`Street`, `Room`).
    Full,
    /// Abbreviated (`St`, `Rm`).
    Short,
}

impl Noise<'_> {
    fn hit(&mut self, p: f64) -> bool {
        self.rng.chance(p)
    }

    fn missing(&mut self) -> bool {
        self.rng.chance(self.r.missing)
    }

    /// Latin (or pinyin) name with nickname, phonetic, typo, OCR and case
    /// noise applied per field.
    fn latin_name(&mut self, id: &Identity) -> NameParts {
        let mut given = id.given.clone();
        let mut family = id.family.clone();
        let r = self.r;
        if id.han.is_none()
            && self.hit(r.nickname)
            && let Some(nicks) = data::nicknames(&given)
        {
            given = self.rng.choose(nicks).to_string();
        }
        if self.hit(r.phonetic) {
            given = match &id.han {
                Some(h) if h.given.pinyin.contains('|') => {
                    let (a, b) = h
                        .given
                        .pinyin
                        .split_once('|')
                        .unwrap_or((h.given.pinyin, ""));
                    match self.rng.below(3) {
                        0 => format!("{a} {}", text::title_case(b)),
                        1 => format!("{a}-{b}"),
                        _ => format!("{a}{}", text::title_case(b)),
                    }
                }
                Some(_) => given,
                None => text::phonetic(&mut self.rng, &given).unwrap_or(given),
            };
        }
        if self.hit(r.phonetic) {
            family = match &id.han {
                Some(h) if !h.surname.alts.is_empty() => {
                    (self.rng.choose(h.surname.alts)).to_string()
                }
                Some(_) => family,
                None => text::phonetic(&mut self.rng, &family).unwrap_or(family),
            };
        }
        if self.hit(r.typo) {
            given = text::typo(&mut self.rng, &given);
        }
        if self.hit(r.typo) {
            family = text::typo(&mut self.rng, &family);
        }
        if self.hit(r.ocr) {
            given = text::ocr(&mut self.rng, &given).unwrap_or(given);
        }
        if self.hit(r.ocr) {
            family = text::ocr(&mut self.rng, &family).unwrap_or(family);
        }
        if self.hit(r.case) {
            if self.rng.chance(0.7) {
                given = given.to_uppercase();
                family = family.to_uppercase();
            } else {
                given = given.to_lowercase();
                family = family.to_lowercase();
            }
        }
        let swapped = self.hit(r.name_order_swap);
        NameParts {
            given,
            family,
            swapped,
        }
    }

    /// One full name in a single field, `Given Family` unless swapped.
    fn full_name(&mut self, id: &Identity) -> String {
        let n = self.latin_name(id);
        if !n.swapped {
            return format!("{} {}", n.given, n.family);
        }
        match (id.han.is_some(), self.rng.chance(0.5)) {
            (true, true) => format!("{} {}", n.family.to_uppercase(), n.given),
            (false, true) => format!("{}, {}", n.family, n.given),
            _ => format!("{} {}", n.family, n.given),
        }
    }

    /// Han name with input-method slips and traditional forms; Latin
    /// `Given Family` for customers without a Han name.
    fn han_name(&mut self, id: &Identity) -> String {
        let Some(h) = &id.han else {
            return self.full_name(id);
        };
        let mut s = h.han();
        let r = self.r;
        if self.hit(r.typo) {
            s = text::han_slip(&mut self.rng, &s).unwrap_or(s);
        }
        if self.hit(r.phonetic) {
            s = text::han_slip(&mut self.rng, &s).unwrap_or(s);
        }
        if self.hit(r.ocr) {
            s = text::han_traditional(&s).unwrap_or(s);
        }
        s
    }

    /// Birth date after missing and day/month-swap noise, plus whether the
    /// source's alternative format is used.
    fn dob(&mut self, id: &Identity) -> Option<(Date, bool)> {
        if self.missing() {
            return None;
        }
        let mut d = id.dob;
        if self.hit(self.r.date_swap) && d.d <= 12 && d.d != d.m {
            std::mem::swap(&mut d.d, &mut d.m);
        }
        Some((d, self.hit(self.r.date_format)))
    }

    fn phone(
        &mut self,
        id: &Identity,
        canonical: PhoneStyle,
        may_be_missing: bool,
    ) -> Option<String> {
        if may_be_missing && self.missing() {
            return None;
        }
        let style = if self.hit(self.r.phone_format) {
            let styles: Vec<PhoneStyle> = styles_for(id.phone.country)
                .iter()
                .copied()
                .filter(|s| *s != canonical)
                .collect();
            self.rng.choose(&styles)
        } else {
            canonical
        };
        let mut s = id.phone.format(style);
        if self.hit(self.r.ocr) {
            s = text::ocr(&mut self.rng, &s).unwrap_or(s);
        }
        Some(s)
    }

    fn email(&mut self, id: &Identity, may_be_missing: bool) -> Option<String> {
        if may_be_missing && self.missing() {
            return None;
        }
        let mut local = id.email.local.clone();
        let mut domain = id.email.domain.to_string();
        let gmail = domain == "gmail.com";
        if self.hit(self.r.email_variant) {
            let plus =
                gmail || ["outlook.com", "icloud.com", "protonmail.com"].contains(&domain.as_str());
            match self.rng.below(3) {
                1 if plus => {
                    local = format!("{local}+{}", self.rng.pick(data::EMAIL_TAGS));
                }
                2 if gmail => {
                    local = if local.contains('.') {
                        local.replace('.', "")
                    } else if local.len() > 2 {
                        let at = 1 + self.rng.index(local.len() - 1);
                        if local.is_char_boundary(at) {
                            format!("{}.{}", &local[..at], &local[at..])
                        } else {
                            local
                        }
                    } else {
                        local
                    };
                }
                _ => {
                    if self.rng.chance(0.3) {
                        local = local.to_uppercase();
                        domain = domain.to_uppercase();
                    } else {
                        local = local
                            .split('.')
                            .map(text::title_case)
                            .collect::<Vec<_>>()
                            .join(".");
                        let mut cs = domain.chars();
                        domain = cs
                            .next()
                            .map(|c| c.to_uppercase().chain(cs).collect())
                            .unwrap_or(domain);
                    }
                }
            }
        }
        if self.hit(self.r.typo) {
            local = text::typo(&mut self.rng, &local);
        }
        if self.hit(self.r.ocr) {
            local = text::ocr(&mut self.rng, &local).unwrap_or(local);
        }
        Some(format!("{local}@{domain}"))
    }

    fn pick_address<'i>(&mut self, id: &'i Identity) -> &'i Address {
        if self.hit(self.r.stale_address) {
            &id.prev_address
        } else {
            &id.address
        }
    }

    /// Whether a word is abbreviated: the source's habit, flipped by the
    /// `address_abbrev` rate.
    fn abbrev(&mut self, style: AddrStyle) -> bool {
        (style == AddrStyle::Short) != self.hit(self.r.address_abbrev)
    }

    fn street_name(&mut self, s: &str) -> String {
        let mut s = s.to_string();
        if self.hit(self.r.typo) {
            s = text::typo(&mut self.rng, &s);
        }
        if self.hit(self.r.ocr) {
            s = text::ocr(&mut self.rng, &s).unwrap_or(s);
        }
        s
    }

    /// (main line, unit line) of a Western address.
    fn western_lines(&mut self, a: &WesternAddress, style: AddrStyle) -> (String, Option<String>) {
        let (full, short) = data::STREET_TYPES[a.street_type];
        let ty = if self.abbrev(style) { short } else { full };
        let street = self.street_name(a.street);
        let main = format!("{} {street} {ty}", a.number);
        let unit = a.unit.as_ref().map(|u| match a.country {
            Country::Uk => format!("Flat {u}"),
            _ => {
                if self.hit(self.r.address_abbrev) {
                    match self.rng.below(4) {
                        0 => format!("Apartment {u}"),
                        1 => format!("Apt. {u}"),
                        2 => format!("#{u}"),
                        _ => format!("Unit {u}"),
                    }
                } else {
                    format!("Apt {u}")
                }
            }
        });
        (main, unit)
    }

    /// Western address in one line: `Flat 3, 22 Kings Road` (UK) or
    /// `12 Main Street, Apt 4B` (US).
    fn western_one_line(&mut self, a: &WesternAddress, style: AddrStyle) -> String {
        let (main, unit) = self.western_lines(a, style);
        match (unit, a.country) {
            (None, _) => main,
            (Some(u), Country::Uk) => format!("{u}, {main}"),
            (Some(u), _) => format!("{main}, {u}"),
        }
    }

    /// (room and building, road line, district) of a Chinese address in
    /// pinyin.
    fn cn_pinyin_parts(&mut self, a: &CnAddress, style: AddrStyle) -> (String, String, String) {
        let (_, full, short) = data::CN_ROAD_KINDS[a.road.2];
        let road = self.street_name(a.road.1);
        let kind = if self.abbrev(style) { short } else { full };
        let main = format!("{} {road} {kind}", a.number);
        let mut room = format!(
            "{} {}",
            if self.abbrev(style) { "Rm" } else { "Room" },
            a.room
        );
        if let Some(b) = a.building {
            room.push_str(&format!(
                ", {} {b}",
                if self.abbrev(style) {
                    "Bldg"
                } else {
                    "Building"
                }
            ));
        }
        let district = format!(
            "{} {}",
            a.district.pinyin,
            if self.abbrev(style) {
                "Dist"
            } else {
                "District"
            }
        );
        (room, main, district)
    }

    /// Chinese address in Han: `朝阳区建国路88号5栋1203室`.
    fn cn_han_line(&mut self, a: &CnAddress) -> String {
        let (kind, _, _) = data::CN_ROAD_KINDS[a.road.2];
        let mut road = format!("{}{kind}", a.road.0);
        if self.hit(self.r.typo) {
            road = text::han_slip(&mut self.rng, &road).unwrap_or(road);
        }
        let variant = self.hit(self.r.address_abbrev).then(|| self.rng.below(3));
        let mut s = String::new();
        if variant == Some(0) {
            s.push_str(a.city.han);
            s.push('市');
        }
        s.push_str(a.district.han);
        s.push_str(&road);
        s.push_str(&format!("{}号", a.number));
        if let Some(b) = a.building {
            s.push_str(&if variant == Some(1) {
                format!("{b}号楼")
            } else {
                format!("{b}栋")
            });
        }
        s.push_str(&a.room.to_string());
        if variant != Some(2) {
            s.push('室');
        }
        s
    }

    fn city(&mut self, a: &Address, han: bool) -> String {
        let mut c = match a {
            Address::China(cn) if han => {
                if self.hit(self.r.address_abbrev) {
                    cn.city.han.to_string()
                } else {
                    format!("{}市", cn.city.han)
                }
            }
            Address::China(cn) => cn.city.pinyin.to_string(),
            Address::Western(w) => {
                let nick = match w.city {
                    "New York" => Some("NYC"),
                    "Los Angeles" => Some("LA"),
                    "San Francisco" => Some("SF"),
                    _ => None,
                };
                match nick {
                    Some(n) if self.hit(self.r.address_abbrev) => n.to_string(),
                    _ => w.city.to_string(),
                }
            }
        };
        if !han && self.hit(self.r.typo) {
            c = text::typo(&mut self.rng, &c);
        }
        c
    }

    fn postcode(&mut self, a: &Address) -> String {
        let mut p = match a {
            Address::China(cn) => cn.postcode.to_string(),
            Address::Western(w) => {
                if self.hit(self.r.address_abbrev) {
                    match w.country {
                        Country::Us => format!("{}-{:04}", w.postcode, self.rng.range(1, 9999)),
                        _ if self.rng.chance(0.5) => w.postcode.replace(' ', ""),
                        _ => w.postcode.to_lowercase(),
                    }
                } else {
                    w.postcode.clone()
                }
            }
        };
        if self.hit(self.r.ocr) {
            p = text::ocr(&mut self.rng, &p).unwrap_or(p);
        }
        p
    }

    fn country_names(a: &Address) -> &'static CountryNames {
        match a {
            Address::China(_) => &data::CN_NAMES,
            Address::Western(w) if w.country == Country::Uk => &data::UK_NAMES,
            Address::Western(_) => &data::US_NAMES,
        }
    }

    fn company(&mut self, id: &Identity) -> Option<String> {
        let c = id.company?;
        if self.missing() {
            return None;
        }
        let mut stem = c.stem.to_string();
        if self.hit(self.r.typo) {
            stem = text::typo(&mut self.rng, &stem);
        }
        let form = if self.hit(self.r.address_abbrev) {
            self.rng.choose(c.forms)
        } else {
            c.forms[0]
        };
        let mut s = format!("{stem}{form}");
        if self.hit(self.r.case) {
            s = s.to_uppercase();
        }
        Some(s)
    }

    /// Last-update time of a record: 2019-01-01 .. 2025-06-30 UTC.
    fn updated(&mut self) -> i64 {
        let lo = i64::from(days_from_civil(2019, 1, 1)) * 86_400;
        let hi = i64::from(days_from_civil(2025, 6, 30)) * 86_400;
        lo + self.rng.below((hi - lo) as u64) as i64
    }
}

fn dmy(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.d, d.m, d.y)
}

/// Renders `id` as a row of `kind`; the key cell (index 0) is `Null` and
/// filled in when keys are assigned.
pub(crate) fn render(kind: SourceKind, id: &Identity, n: &mut Noise<'_>) -> Vec<Cell> {
    match kind {
        SourceKind::Crm => crm(id, n),
        SourceKind::Webshop => webshop(id, n),
        SourceKind::Loyalty => loyalty(id, n),
        SourceKind::Erp => erp(id, n),
    }
}

fn crm(id: &Identity, n: &mut Noise<'_>) -> Vec<Cell> {
    let name = n.latin_name(id);
    let (first, last) = if name.swapped {
        (name.family, name.given)
    } else {
        (name.given, name.family)
    };
    let email = n.email(id, true);
    let phone = n.phone(id, PhoneStyle::National, true);
    let dob = n.dob(id).map(|(d, alt)| match (alt, n.rng.chance(0.5)) {
        (false, _) => dmy(d),
        (true, true) => format!("{}/{}/{}", d.d, d.m, d.y),
        (true, false) => d.iso(),
    });
    let addr = n.pick_address(id);
    let street = (!n.missing()).then(|| match addr {
        Address::Western(w) => n.western_one_line(w, AddrStyle::Full),
        Address::China(cn) => {
            let (room, main, district) = n.cn_pinyin_parts(cn, AddrStyle::Full);
            format!("{room}, {main}, {district}")
        }
    });
    let city = (!n.missing()).then(|| n.city(addr, false));
    let postcode = (!n.missing()).then(|| n.postcode(addr));
    let names = Noise::country_names(addr);
    let country = (!n.missing()).then(|| {
        if n.hit(n.r.address_abbrev) {
            (*n.rng.pick(names.variants)).to_string()
        } else {
            names.long.to_string()
        }
    });
    let company = n.company(id);
    let t = DateTime::from_epoch(n.updated());
    vec![
        Cell::Null,
        str_cell(first),
        str_cell(last),
        opt_cell(email),
        opt_cell(phone),
        opt_cell(dob),
        opt_cell(street),
        opt_cell(city),
        opt_cell(postcode),
        opt_cell(country),
        opt_cell(company),
        str_cell(format!("{} {:02}:{:02}", dmy(t.date), t.h, t.min)),
    ]
}

fn webshop(id: &Identity, n: &mut Noise<'_>) -> Vec<Cell> {
    let name = n.full_name(id);
    // The shop login is the email: never missing.
    let email = n.email(id, false);
    let phone = n.phone(id, PhoneStyle::E164, true);
    let birthday = n.dob(id).map(|(d, alt)| match (alt, n.rng.below(3)) {
        (false, _) => d.iso(),
        (true, 0) => format!("{:04}/{:02}/{:02}", d.y, d.m, d.d),
        (true, 1) => format!("{}T00:00:00Z", d.iso()),
        (true, _) => format!("{}T00:00:00.000Z", d.iso()),
    });
    let addr = n.pick_address(id);
    let mut cells = vec![
        Cell::Null,
        str_cell(name),
        opt_cell(email),
        opt_cell(phone),
        opt_cell(birthday),
    ];
    if n.missing() {
        cells.extend([Cell::Null, Cell::Null, Cell::Null, Cell::Null, Cell::Null]);
    } else {
        let (line1, line2) = match addr {
            Address::Western(w) => n.western_lines(w, AddrStyle::Short),
            Address::China(cn) => {
                let (room, main, district) = n.cn_pinyin_parts(cn, AddrStyle::Short);
                (main, Some(format!("{room}, {district}")))
            }
        };
        let city = n.city(addr, false);
        let zip = (!n.missing()).then(|| n.postcode(addr));
        let names = Noise::country_names(addr);
        let country = if n.hit(n.r.address_abbrev) {
            match names.iso2 {
                "GB" => "UK",
                "US" => "USA",
                _ => "China",
            }
        } else {
            names.iso2
        };
        cells.extend([
            str_cell(line1),
            opt_cell(line2),
            str_cell(city),
            opt_cell(zip),
            str_cell(country.to_string()),
        ]);
    }
    let t = DateTime::from_epoch(n.updated());
    cells.push(str_cell(format!(
        "{}T{:02}:{:02}:{:02}Z",
        t.date.iso(),
        t.h,
        t.min,
        t.s
    )));
    cells.push(Cell::Bool(n.rng.chance(0.35)));
    cells.push(Cell::Int((n.rng.f64().powi(3) * 60.0) as i64));
    cells
}

fn loyalty(id: &Identity, n: &mut Noise<'_>) -> Vec<Cell> {
    let name = n.han_name(id);
    let canonical = if id.phone.country == Country::Cn {
        PhoneStyle::Compact
    } else {
        PhoneStyle::Intl
    };
    // The mobile number is the member's login: never missing.
    let phone = n.phone(id, canonical, false);
    let email = n.email(id, true);
    let dob = n.dob(id).map(|(d, alt)| {
        if alt {
            format!("{}年{}月{}日", d.y, d.m, d.d)
        } else {
            format!("{:04}{:02}{:02}", d.y, d.m, d.d)
        }
    });
    let addr = n.pick_address(id);
    let line = (!n.missing()).then(|| match addr {
        Address::China(cn) => n.cn_han_line(cn),
        Address::Western(w) => n.western_one_line(w, AddrStyle::Full),
    });
    let city = (!n.missing()).then(|| n.city(addr, true));
    let postcode = (!n.missing()).then(|| n.postcode(addr));
    let t = DateTime::from_epoch(n.updated());
    vec![
        Cell::Null,
        str_cell(name),
        opt_cell(phone),
        opt_cell(email),
        opt_cell(dob),
        opt_cell(line),
        opt_cell(city),
        opt_cell(postcode),
        str_cell(format!(
            "{} {:02}:{:02}:{:02}",
            t.date.iso(),
            t.h,
            t.min,
            t.s
        )),
    ]
}

fn erp(id: &Identity, n: &mut Noise<'_>) -> Vec<Cell> {
    let name = n.latin_name(id);
    let (family, given) = if name.swapped {
        (name.given, name.family)
    } else {
        (name.family, name.given)
    };
    let gender = (!n.missing()).then(|| if id.male { "M" } else { "F" }.to_string());
    let dob = n.dob(id).map_or(Cell::Null, |(d, _)| Cell::Date(d.days()));
    let phone = n.phone(id, PhoneStyle::Intl, true);
    let email = n.email(id, true);
    let addr = n.pick_address(id);
    let street = (!n.missing()).then(|| {
        match addr {
            Address::Western(w) => n.western_one_line(w, AddrStyle::Short),
            Address::China(cn) => {
                let (room, main, district) = n.cn_pinyin_parts(cn, AddrStyle::Short);
                format!("{main}, {room}, {district}")
            }
        }
        .to_uppercase()
    });
    let postcode = (!n.missing()).then(|| n.postcode(addr).to_uppercase());
    let city = (!n.missing()).then(|| n.city(addr, false).to_uppercase());
    let country = Noise::country_names(addr).iso2.to_string();
    let created = n.updated() * 1000;
    let status = match n.rng.below(50) {
        0 => "blocked",
        1..=4 => "inactive",
        _ => "active",
    };
    vec![
        Cell::Null,
        str_cell(format!("{}, {given}", family.to_uppercase())),
        opt_cell(gender),
        dob,
        opt_cell(phone),
        opt_cell(email),
        opt_cell(street),
        opt_cell(postcode),
        opt_cell(city),
        str_cell(country),
        Cell::Timestamp(created),
        str_cell(status.to_string()),
    ]
}
