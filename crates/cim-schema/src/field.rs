use serde::{Deserialize, Serialize};
use std::fmt;

/// A customer attribute that cim understands. Source columns are mapped onto
/// these; anything unmapped is carried along as an extra attribute.
///
/// The serde and [`CanonicalField::name`] spelling (`snake_case`) is the one
/// used in config files, Arrow column names and the Parquet master.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CanonicalField {
    /// The source system's own primary key for the row.
    SourceKey,
    /// A whole personal name in one field (split during normalisation).
    FullName,
    /// Given (first) name.
    GivenName,
    /// Middle name(s).
    MiddleName,
    /// Family (last) name, surname.
    FamilyName,
    /// Email address.
    Email,
    /// Phone number in any format.
    Phone,
    /// Date of birth in any supported format.
    DateOfBirth,
    /// Gender as given by the source.
    Gender,
    /// First address line (street and house number).
    AddressLine1,
    /// Second address line (flat, building, district).
    AddressLine2,
    /// City, town or suburb.
    City,
    /// State, province, region.
    Region,
    /// Postal code.
    Postcode,
    /// Country name or code.
    Country,
    /// Company or employer name.
    Company,
    /// A national identifier (SSN, ID card number, tax id).
    NationalId,
    /// When the source last updated the row; drives "most recent" survivorship.
    UpdatedAt,
}

impl CanonicalField {
    /// Every canonical field, in schema order.
    pub const ALL: [CanonicalField; 18] = [
        Self::SourceKey,
        Self::FullName,
        Self::GivenName,
        Self::MiddleName,
        Self::FamilyName,
        Self::Email,
        Self::Phone,
        Self::DateOfBirth,
        Self::Gender,
        Self::AddressLine1,
        Self::AddressLine2,
        Self::City,
        Self::Region,
        Self::Postcode,
        Self::Country,
        Self::Company,
        Self::NationalId,
        Self::UpdatedAt,
    ];

    /// The `snake_case` name used in configs and column names.
    pub const fn name(self) -> &'static str {
        match self {
            Self::SourceKey => "source_key",
            Self::FullName => "full_name",
            Self::GivenName => "given_name",
            Self::MiddleName => "middle_name",
            Self::FamilyName => "family_name",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::DateOfBirth => "date_of_birth",
            Self::Gender => "gender",
            Self::AddressLine1 => "address_line1",
            Self::AddressLine2 => "address_line2",
            Self::City => "city",
            Self::Region => "region",
            Self::Postcode => "postcode",
            Self::Country => "country",
            Self::Company => "company",
            Self::NationalId => "national_id",
            Self::UpdatedAt => "updated_at",
        }
    }

    /// Parses the `snake_case` name; `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether the field holds personal data that logs and audit output must
    /// mask by default. Only the source key and timestamps are not PII.
    pub const fn is_pii(self) -> bool {
        !matches!(self, Self::SourceKey | Self::UpdatedAt)
    }
}

impl fmt::Display for CanonicalField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Validity of one normalised field value, stored as a `UInt8` code in the
/// `<field>__status` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldStatus {
    /// No value (null, empty, or a known placeholder such as `N/A`).
    Missing = 0,
    /// A value that passed the field's validation.
    Valid = 1,
    /// A value that is present but failed validation (kept, flagged).
    Invalid = 2,
}

impl FieldStatus {
    /// The `UInt8` code stored in status columns.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// Decodes a status code; unknown codes read as `Invalid`.
    pub const fn from_code(code: u8) -> Self {
        match code {
            0 => Self::Missing,
            1 => Self::Valid,
            _ => Self::Invalid,
        }
    }

    /// Lower-case name, as written in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Valid => "valid",
            Self::Invalid => "invalid",
        }
    }
}

/// A derived value used by blocking and comparison, one `Utf8` column
/// `key_<name>` in the normalised batch. Null when it cannot be derived.
///
/// Blocking rules in the config name these keys (e.g. `["family_phonetic",
/// "birth_year"]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKey {
    /// Whole name as sorted, folded, nickname-canonical tokens (order-free:
    /// `Zhang Wei` and `Wei Zhang` agree). Han names appear as pinyin.
    FullName,
    /// Given name: folded, accents stripped, nickname canonical (`bob` ->
    /// `robert`), pinyin for Han.
    GivenName,
    /// Family name: folded, accents stripped, pinyin for Han.
    FamilyName,
    /// Phonetic code (Double Metaphone primary) of the given name key.
    GivenPhonetic,
    /// Phonetic code (Double Metaphone primary) of the family name key.
    FamilyPhonetic,
    /// First letter of the given name key.
    GivenInitial,
    /// Han characters of the whole name, family first, without spaces
    /// (`张伟`); null for names without Han characters.
    HanName,
    /// Canonical email (lower case, provider rules, typo-corrected domain).
    Email,
    /// Local part of the canonical email.
    EmailLocal,
    /// E.164 phone when valid, else the digits only.
    Phone,
    /// Date of birth as `YYYY-MM-DD`.
    Dob,
    /// Year of birth, `YYYY`.
    BirthYear,
    /// Address line 1 + 2: folded, abbreviations canonicalised.
    Address,
    /// House number extracted from the address.
    HouseNumber,
    /// City: folded, accents stripped.
    City,
    /// Postcode normalised per country.
    Postcode,
    /// ISO 3166-1 alpha-2 country code.
    Country,
    /// Company name without legal-form suffix, folded.
    Company,
    /// National id: upper-case alphanumerics only.
    NationalId,
}

impl MatchKey {
    /// Every match key, in schema order.
    pub const ALL: [MatchKey; 19] = [
        Self::FullName,
        Self::GivenName,
        Self::FamilyName,
        Self::GivenPhonetic,
        Self::FamilyPhonetic,
        Self::GivenInitial,
        Self::HanName,
        Self::Email,
        Self::EmailLocal,
        Self::Phone,
        Self::Dob,
        Self::BirthYear,
        Self::Address,
        Self::HouseNumber,
        Self::City,
        Self::Postcode,
        Self::Country,
        Self::Company,
        Self::NationalId,
    ];

    /// The `snake_case` name used in configs.
    pub const fn name(self) -> &'static str {
        match self {
            Self::FullName => "full_name",
            Self::GivenName => "given_name",
            Self::FamilyName => "family_name",
            Self::GivenPhonetic => "given_phonetic",
            Self::FamilyPhonetic => "family_phonetic",
            Self::GivenInitial => "given_initial",
            Self::HanName => "han_name",
            Self::Email => "email",
            Self::EmailLocal => "email_local",
            Self::Phone => "phone",
            Self::Dob => "dob",
            Self::BirthYear => "birth_year",
            Self::Address => "address",
            Self::HouseNumber => "house_number",
            Self::City => "city",
            Self::Postcode => "postcode",
            Self::Country => "country",
            Self::Company => "company",
            Self::NationalId => "national_id",
        }
    }

    /// The Arrow column holding this key: `key_<name>`.
    pub fn column_name(self) -> String {
        format!("key_{}", self.name())
    }

    /// Parses the `snake_case` name; `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for MatchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
