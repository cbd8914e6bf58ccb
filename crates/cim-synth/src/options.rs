//! Generator options. They derive `Deserialize` with
//! `deny_unknown_fields` so a config file (or `cim generate`) can reuse them.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::source::{FileFormat, SourceKind};

/// Everything that shapes a synthetic data set. Equal options give
/// byte-identical output, whatever the thread count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SynthOptions {
    /// Seed of every random choice. Default: `42`.
    pub seed: u64,
    /// Number of distinct real customers (entities). The record count is
    /// about [`SynthOptions::expected_records_per_entity`] times this
    /// (1.6 with the default duplicate profile). Default: `1000`.
    pub entities: u64,
    /// Share of customers with Chinese names (Han characters, pinyin in the
    /// Western sources). Default: `0.3`.
    pub chinese_share: f64,
    /// Share of the Chinese customers who live in China (+86 mobile, Chinese
    /// address and postcode); the others live in the US or UK.
    /// Default: `0.8`.
    pub china_resident_share: f64,
    /// Share of the customers living outside China who live in the UK; the
    /// others live in the US. Default: `0.35`.
    pub uk_share: f64,
    /// Per-field corruption probabilities. Default: [`CorruptionRates::default`].
    pub rates: CorruptionRates,
    /// Frequencies of the hard cases (shared names, families, twins).
    /// Default: [`HardCases::default`].
    pub hard_cases: HardCases,
    /// How many records each entity has. Default: [`DuplicateProfile::default`].
    pub duplicates: DuplicateProfile,
    /// The sources to write, each kind at most once. Default: `crm`,
    /// `webshop`, `loyalty` in their native formats.
    pub sources: Vec<SourceSpec>,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            seed: 42,
            entities: 1000,
            chinese_share: 0.3,
            china_resident_share: 0.8,
            uk_share: 0.35,
            rates: CorruptionRates::default(),
            hard_cases: HardCases::default(),
            duplicates: DuplicateProfile::default(),
            sources: vec![
                SourceSpec::new(SourceKind::Crm),
                SourceSpec::new(SourceKind::Webshop),
                SourceSpec::new(SourceKind::Loyalty),
            ],
        }
    }
}

impl SynthOptions {
    /// Default options with the entity count chosen so that about
    /// `records` records come out (the default duplicate profile averages
    /// 1.6 records per entity).
    pub fn for_records(records: u64) -> Self {
        let mut o = SynthOptions::default();
        o.entities = ((records as f64 / o.expected_records_per_entity()).round() as u64).max(1);
        o
    }

    /// Adds the Parquet `erp` source (native format) if it is not there.
    pub fn with_erp(mut self) -> Self {
        if !self.sources.iter().any(|s| s.kind == SourceKind::Erp) {
            self.sources.push(SourceSpec::new(SourceKind::Erp));
        }
        self
    }

    /// Mean records per entity under [`SynthOptions::duplicates`].
    pub fn expected_records_per_entity(&self) -> f64 {
        let d = &self.duplicates;
        let many_mean = (4.0 + f64::from(d.max_records.max(4))) / 2.0;
        let single = (1.0 - d.two - d.three - d.many).max(0.0);
        single + 2.0 * d.two + 3.0 * d.three + many_mean * d.many
    }

    /// Checks ranges and source uniqueness.
    pub fn validate(&self) -> Result<(), Error> {
        let probs = [
            ("chinese_share", self.chinese_share),
            ("china_resident_share", self.china_resident_share),
            ("uk_share", self.uk_share),
            ("hard_cases.common_name", self.hard_cases.common_name),
            ("hard_cases.family", self.hard_cases.family),
            ("hard_cases.twins", self.hard_cases.twins),
            ("duplicates.two", self.duplicates.two),
            ("duplicates.three", self.duplicates.three),
            ("duplicates.many", self.duplicates.many),
        ];
        for (name, p) in probs.into_iter().chain(self.rates.named()) {
            if !(0.0..=1.0).contains(&p) {
                return Err(Error::InvalidOption {
                    option: name.to_string(),
                    reason: "must be within 0..=1",
                });
            }
        }
        if self.hard_cases.family + self.hard_cases.twins > 1.0 {
            return Err(Error::InvalidOption {
                option: "hard_cases".into(),
                reason: "family + twins must not exceed 1",
            });
        }
        if self.duplicates.two + self.duplicates.three + self.duplicates.many > 1.0 {
            return Err(Error::InvalidOption {
                option: "duplicates".into(),
                reason: "two + three + many must not exceed 1",
            });
        }
        if self.duplicates.max_records < 4 || self.duplicates.max_records > 1000 {
            return Err(Error::InvalidOption {
                option: "duplicates.max_records".into(),
                reason: "must be within 4..=1000",
            });
        }
        if self.sources.is_empty() {
            return Err(Error::InvalidOption {
                option: "sources".into(),
                reason: "needs at least one source",
            });
        }
        for (i, s) in self.sources.iter().enumerate() {
            if self.sources[..i].iter().any(|t| t.kind == s.kind) {
                return Err(Error::InvalidOption {
                    option: format!("sources[{i}]"),
                    reason: "each source kind may appear once",
                });
            }
            for w in [s.weight, s.weight_china].into_iter().flatten() {
                if !(w.is_finite() && w >= 0.0) {
                    return Err(Error::InvalidOption {
                        option: format!("sources[{i}].weight"),
                        reason: "weights must be finite and >= 0",
                    });
                }
            }
        }
        Ok(())
    }
}

/// Per-field corruption probabilities: each is the chance that one eligible
/// field of one record gets that corruption (independently per field).
/// All zero ([`CorruptionRates::none`]) makes every record of an entity an
/// exact copy modulo its source's formatting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CorruptionRates {
    /// Keyboard typo (insertion, deletion, substitution, transposition,
    /// adjacent key) in a name, street, city or email local part; a
    /// homophone slip in a Han name. Default: `0.04`.
    pub typo: f64,
    /// OCR-like confusion (`0`/`O`, `1`/`l`, `rn`/`m`) in a name, email,
    /// street or postcode; traditional characters in a Han name.
    /// Default: `0.01`.
    pub ocr: f64,
    /// Phonetic respelling (`ph`/`f`, `ie`/`y`, doubled letters), another
    /// romanisation of a Chinese surname (`Zhang`/`Cheung`), split pinyin
    /// (`Xiu Ying`). Default: `0.03`.
    pub phonetic: f64,
    /// Nickname instead of the formal given name (`Robert` -> `Bob`).
    /// Default: `0.06`.
    pub nickname: f64,
    /// Given and family name swapped (columns swapped, or `Zhang Wei` /
    /// `ZHANG Wei` / `Smith, John` in single-field names). Default: `0.04`.
    pub name_order_swap: f64,
    /// Name written all upper or all lower case. Default: `0.03`.
    pub case: f64,
    /// An optional field (email, phone, date of birth, address parts,
    /// company) left empty. Default: `0.06`.
    pub missing: f64,
    /// Day and month of the birth date swapped (only when both are <= 12,
    /// so the date stays valid). Default: `0.02`.
    pub date_swap: f64,
    /// Birth date written in the source's alternative format (crm `d/m/yyyy`
    /// or ISO, webshop `yyyy/mm/dd` or a datetime, loyalty `1990年1月2日`).
    /// Default: `0.08`.
    pub date_format: f64,
    /// Phone written in a non-canonical style for its source (`+44 ...`,
    /// `0044 ...`, full-width digits, dots, dashes). Default: `0.2`.
    pub phone_format: f64,
    /// Email with changed case, a `+tag`, or (Gmail) dots moved.
    /// Default: `0.08`.
    pub email_variant: f64,
    /// Address words abbreviated or expanded (`Street`/`St`, `Apartment`/
    /// `Apt`, `Room`/`Rm`, `5栋`/`5号楼`), country and postcode spelling
    /// variants, company legal form variants. Default: `0.15`.
    pub address_abbrev: f64,
    /// Record shows the customer's previous address (they moved).
    /// Default: `0.05`.
    pub stale_address: f64,
}

impl Default for CorruptionRates {
    fn default() -> Self {
        CorruptionRates {
            typo: 0.04,
            ocr: 0.01,
            phonetic: 0.03,
            nickname: 0.06,
            name_order_swap: 0.04,
            case: 0.03,
            missing: 0.06,
            date_swap: 0.02,
            date_format: 0.08,
            phone_format: 0.2,
            email_variant: 0.08,
            address_abbrev: 0.15,
            stale_address: 0.05,
        }
    }
}

impl CorruptionRates {
    /// All rates zero: duplicates are exact copies modulo source formatting.
    pub fn none() -> Self {
        CorruptionRates {
            typo: 0.0,
            ocr: 0.0,
            phonetic: 0.0,
            nickname: 0.0,
            name_order_swap: 0.0,
            case: 0.0,
            missing: 0.0,
            date_swap: 0.0,
            date_format: 0.0,
            phone_format: 0.0,
            email_variant: 0.0,
            address_abbrev: 0.0,
            stale_address: 0.0,
        }
    }

    fn named(&self) -> [(&'static str, f64); 13] {
        [
            ("rates.typo", self.typo),
            ("rates.ocr", self.ocr),
            ("rates.phonetic", self.phonetic),
            ("rates.nickname", self.nickname),
            ("rates.name_order_swap", self.name_order_swap),
            ("rates.case", self.case),
            ("rates.missing", self.missing),
            ("rates.date_swap", self.date_swap),
            ("rates.date_format", self.date_format),
            ("rates.phone_format", self.phone_format),
            ("rates.email_variant", self.email_variant),
            ("rates.address_abbrev", self.address_abbrev),
            ("rates.stale_address", self.stale_address),
        ]
    }
}

/// Frequencies of the cases that trip up record linkage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HardCases {
    /// Share of single-person households given a very common name
    /// (`John Smith`, `张伟`, ...): many distinct people, different birth
    /// dates and addresses, same name. Default: `0.03`.
    pub common_name: f64,
    /// Share of households that are families: 2-4 members sharing family
    /// name (Chinese wives keep their own), address and usually the home
    /// phone, with different given names and birth dates. Default: `0.08`.
    pub family: f64,
    /// Share of households with twins: same birth date, family name and
    /// address, different given names. Default: `0.015`.
    pub twins: f64,
}

impl Default for HardCases {
    fn default() -> Self {
        HardCases {
            common_name: 0.03,
            family: 0.08,
            twins: 0.015,
        }
    }
}

/// Skewed distribution of records per entity: most customers appear once,
/// some two or three times, a few many times. Records of one entity are
/// spread within and across sources.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DuplicateProfile {
    /// Probability of exactly two records. Default: `0.22`.
    pub two: f64,
    /// Probability of exactly three records. Default: `0.07`.
    pub three: f64,
    /// Probability of 4..=`max_records` records (uniform). Default: `0.03`.
    pub many: f64,
    /// Largest record count of one entity. Default: `12`.
    pub max_records: u32,
}

impl Default for DuplicateProfile {
    fn default() -> Self {
        DuplicateProfile {
            two: 0.22,
            three: 0.07,
            many: 0.03,
            max_records: 12,
        }
    }
}

/// One source to generate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// Which source layout (column names, value styles). Required.
    pub kind: SourceKind,
    /// File format. Default: the kind's native format (crm `csv`, webshop
    /// `jsonl`, loyalty `csv_gbk`, erp `parquet`).
    #[serde(default)]
    pub format: Option<FileFormat>,
    /// Relative share of the records of customers living outside China that
    /// land in this source. Default: per kind (crm 0.45, webshop 0.45,
    /// loyalty 0, erp 0.3).
    #[serde(default)]
    pub weight: Option<f64>,
    /// Relative share of the records of customers living in China. Default:
    /// per kind (crm 0.15, webshop 0.25, loyalty 0.6, erp 0.1).
    #[serde(default)]
    pub weight_china: Option<f64>,
}

impl SourceSpec {
    /// A source of `kind` with its native format and default weights.
    pub fn new(kind: SourceKind) -> Self {
        SourceSpec {
            kind,
            format: None,
            weight: None,
            weight_china: None,
        }
    }

    /// The format this source is written in.
    pub fn effective_format(&self) -> FileFormat {
        self.format.unwrap_or(self.kind.native_format())
    }

    /// (weight outside China, weight in China).
    pub(crate) fn effective_weights(&self) -> (f64, f64) {
        let (w, c) = self.kind.default_weights();
        (self.weight.unwrap_or(w), self.weight_china.unwrap_or(c))
    }
}
