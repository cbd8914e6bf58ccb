//! Normalisation: raw field values -> canonical display values, match keys
//! and a validity flag per field.
//!
//! The entry point is [`normalize_batch`], which turns a batch of
//! [`cim_schema::raw_schema`] into one of exactly
//! [`cim_schema::normalized_schema`], driven by [`NormalizeOptions`] (global)
//! and [`SourceHints`] (per source: phone region, [`DateOrder`], default
//! country, Excel dates). It is pure and synchronous; the pipeline calls it
//! once per batch from its rayon pool.
//!
//! The per-field normalisers are public for profiling, `explain` and tests:
//! [`person_name`] ([`PersonNameNorm`], [`split_full_name`]), [`email()`]
//! ([`EmailNorm`]), [`phone()`] ([`PhoneNorm`]), [`date()`] and
//! [`datetime`] ([`DateNorm`], [`DateTimeNorm`]), [`address()`]
//! ([`AddressNorm`]), [`postcode`], [`country`], [`city`], [`region`],
//! [`company()`], [`gender`], [`national_id`], each returning display, key,
//! [`FieldStatus`] and a reason code ([`reason`]). [`mask`] masks PII for
//! audit output. Text primitives are [`clean`] (display) and [`fold`] (keys).
//!
//! Lookup tables (nicknames, honorifics, Han surnames, address
//! abbreviations, email typos and providers, countries, company legal forms)
//! are bundled data files, see `data/README.md`.

mod address;
mod batch;
mod company;
mod date;
mod email;
mod error;
mod mask;
mod misc;
mod name;
mod options;
mod phone;
mod tables;
mod text;

use cim_schema::FieldStatus;

pub use address::{
    AddressNorm, address, address_key, city, country, country_code, house_number, postcode, region,
};
pub use batch::normalize_batch;
pub use company::{company, company_key};
pub use date::{DateNorm, DateTimeNorm, date, datetime, parse_date};
pub use email::{EmailNorm, email, fix_domain_typo, is_placeholder_email};
pub use error::Error;
pub use mask::mask;
pub use misc::{gender, national_id, source_key};
pub use name::{
    NameParts, PersonNameNorm, canonical_given, person_name, phonetic, pinyin_of, split_full_name,
    surname_pinyin,
};
pub use options::{DateOrder, NormalizeOptions, SourceHints};
pub use phone::{PhoneNorm, is_placeholder_digits, phone};
pub use text::{clean, fold, has_han, is_han, is_placeholder};

/// One normalised field value: what goes into its display column, its
/// status column, its match key (when the field has one) and, when
/// invalid, the reason code written to `quality_issues` as `field:reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldNorm {
    /// Cleaned display value; `None` when missing.
    pub display: Option<String>,
    /// Match key; `None` when missing, invalid or underivable.
    pub key: Option<String>,
    /// Validity.
    pub status: FieldStatus,
    /// Reason code when invalid (see [`reason`]).
    pub issue: Option<&'static str>,
}

impl FieldNorm {
    /// A missing value.
    pub fn missing() -> Self {
        Self {
            display: None,
            key: None,
            status: FieldStatus::Missing,
            issue: None,
        }
    }
}

/// Reason codes written to `quality_issues` (as `<field>:<code>`).
pub mod reason {
    /// An obvious fake: `test@test.com`, `0000000000`, an id of one repeated
    /// character.
    pub const PLACEHOLDER: &str = "placeholder";
    /// Email address syntax is wrong.
    pub const SYNTAX: &str = "syntax";
    /// A phone value with no digits at all.
    pub const NOT_A_NUMBER: &str = "not_a_number";
    /// A national-format phone number and no region to read it in.
    pub const NO_REGION: &str = "no_region";
    /// The phone number's country calling code does not exist.
    pub const INVALID_COUNTRY_CODE: &str = "invalid_country_code";
    /// Too few digits (phone) or characters (national id).
    pub const TOO_SHORT: &str = "too_short";
    /// Too many digits for a phone number.
    pub const TOO_LONG: &str = "too_long";
    /// The phone number parses but is not a valid number for its region.
    pub const INVALID_NUMBER: &str = "invalid_number";
    /// No date format matches.
    pub const UNPARSEABLE_DATE: &str = "unparseable_date";
    /// No date or date-time format matches (`updated_at`).
    pub const UNPARSEABLE_DATETIME: &str = "unparseable_datetime";
    /// A numeric day/month date that could be read either way, and the
    /// source declared no order.
    pub const AMBIGUOUS_DATE_ORDER: &str = "ambiguous_date_order";
    /// A date that does not exist (31 February, month 13).
    pub const IMPOSSIBLE_DATE: &str = "impossible_date";
    /// A birth date after the reference date.
    pub const FUTURE_DATE: &str = "future_date";
    /// A birth date before `min_birth_year`.
    pub const BEFORE_MIN_YEAR: &str = "before_min_year";
    /// A system default date (1900-01-01, 1970-01-01).
    pub const PLACEHOLDER_DATE: &str = "placeholder_date";
    /// A name containing digits.
    pub const CONTAINS_DIGITS: &str = "contains_digits";
    /// A city without any letter.
    pub const NO_LETTERS: &str = "no_letters";
    /// A country name or code that is not recognised.
    pub const UNKNOWN_COUNTRY: &str = "unknown_country";
    /// A postcode that breaks its country's format.
    pub const INVALID_POSTCODE: &str = "invalid_postcode";
    /// A gender value that is not recognised.
    pub const UNKNOWN_GENDER: &str = "unknown_gender";
    /// A national id whose check digit is wrong.
    pub const CHECKSUM: &str = "checksum";
    /// A US social security number with an impossible area number.
    pub const INVALID_SSN: &str = "invalid_ssn";
}
