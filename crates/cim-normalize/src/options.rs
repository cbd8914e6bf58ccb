//! Option types shared with `cim-config` (they appear in the TOML config).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How normalisation behaves for every source (config section `[normalize]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct NormalizeOptions {
    /// Strip accents (José -> jose) in match keys. Display values always keep
    /// them. Default: `true`.
    pub strip_accents: bool,
    /// Apply mail-provider rules to the email key (googlemail.com -> gmail.com,
    /// dots and `+tag` removed for Gmail, `+tag` removed for providers that
    /// support sub-addressing). Never changes the display value. Default: `true`.
    pub email_provider_rules: bool,
    /// Correct common domain typos (gmial.com, hotmial.com, qq.con, `.con` for
    /// `.com`) in both the email display value and key. Default: `true`.
    pub fix_email_typos: bool,
    /// Canonicalise given-name nicknames in keys (Bob -> robert, Peggy ->
    /// margaret) from the bundled table. Default: `true`.
    pub nicknames: bool,
    /// "Today" for date plausibility checks (dates of birth in the future are
    /// invalid). Default: none, meaning the current UTC date when the batch is
    /// normalised; set it for reproducible runs.
    pub reference_date: Option<NaiveDate>,
    /// Dates of birth before 1 January of this year are invalid
    /// (`before_min_year`). Default: `1900`.
    pub min_birth_year: i32,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        Self {
            strip_accents: true,
            email_provider_rules: true,
            fix_email_typos: true,
            nicknames: true,
            reference_date: None,
            min_birth_year: 1900,
        }
    }
}

impl NormalizeOptions {
    /// The reference date in force: [`Self::reference_date`] or today (UTC).
    pub fn reference_date_or_today(&self) -> NaiveDate {
        self.reference_date
            .unwrap_or_else(|| chrono::Utc::now().date_naive())
    }
}

/// Order of day, month and year in all-numeric dates such as `03/04/1990`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// Year first (ISO). Day-month-year forms are accepted only when they are
    /// unambiguous (`25/12/1990`, or day = month); `03/04/1990` is invalid
    /// with reason `ambiguous_date_order`. The default.
    #[default]
    Ymd,
    /// Day, month, year (`03/04/1990` is 3 April).
    Dmy,
    /// Month, day, year (`03/04/1990` is 4 March).
    Mdy,
}

/// What is known about one source's conventions (config `[sources.<name>]`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct SourceHints {
    /// ISO 3166-1 alpha-2 region for phone numbers written without a country
    /// code (`138 0013 8000` with `CN` -> `+8613800138000`). When unset the
    /// row's country, then [`Self::default_country`], is used. Default: none.
    pub phone_region: Option<String>,
    /// Order of all-numeric dates. Default: `ymd` (only unambiguous forms).
    pub date_order: DateOrder,
    /// ISO 3166-1 alpha-2 country assumed for rows without a country value:
    /// drives postcode rules, the phone region fallback and the country key.
    /// Default: none.
    pub default_country: Option<String>,
    /// The source writes dates as Excel serial day numbers (`32874` =
    /// 1990-01-01), so any serial number is accepted. Without it only 5-digit
    /// serials that land between 1900-01-01 and the reference date are.
    /// Default: `false`.
    pub excel_dates: bool,
}
