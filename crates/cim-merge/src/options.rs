//! Survivorship configuration and run information.

use std::collections::BTreeMap;

use cim_schema::CanonicalField;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};

/// How the surviving value of one field is chosen among the members of a
/// cluster.
///
/// Every rule is validity-aware: candidates are first ranked valid before
/// invalid, missing values are never candidates. The rule then orders the
/// candidates within a validity tier, and the fixed tie-break chain
/// (see [`SurvivorshipOptions`]) settles the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The value of the record with the latest `updated_at` (records
    /// without a valid `updated_at` rank after all dated ones).
    MostRecent,
    /// The value shared by most members, values compared by their match key
    /// (e.g. `key_email`) when the field has one, else by display value.
    MostFrequent,
    /// The value of the record whose source comes first in
    /// `source_priority`.
    SourcePriority,
    /// The longest value (in characters); for a kept-together unit (name,
    /// address) the record with the most filled unit fields, then the
    /// longest total.
    Longest,
    /// The value of the first record in record order: source order of the
    /// config, then file, then line.
    FirstValid,
    /// The greatest value: dates compare as dates, numbers as numbers,
    /// anything else as text.
    Max,
    /// The smallest value, compared like [`Rule::Max`].
    Min,
    /// Every distinct value (distinct by match key), as a `List<Utf8>`
    /// column ordered best first: valid values only (invalid ones only when
    /// no valid value exists), then by the tie-break chain. The first
    /// element is what a scalar rule would have picked with the tie-break
    /// chain alone (most frequent, then most recent, ...).
    CollectAll,
}

/// Survivorship configuration (`[survivorship]` in the config file).
///
/// **Candidate ranking** for a field, best first:
/// 1. validity: valid values beat invalid ones, missing values never win;
/// 2. the field's [`Rule`];
/// 3. tie-breaks, in this order: most frequent value (by match key), most
///    recent `updated_at`, source priority, record order (config source
///    order, file, line), smallest record id.
///
/// **Units.** With `keep_name_together`, `full_name`, `given_name`,
/// `middle_name` and `family_name` come from one record, chosen by the rule
/// of `full_name` applied to the full name (a record counts as invalid when
/// its full name or any present name part is invalid). A part that record
/// lacks (or has only as an invalid value) is filled from the best-ranked
/// member whose full name has the same match key (the same person name),
/// so parts never mix different names. Same for `keep_address_together`
/// with `address_line1` (the anchor), `address_line2`, `city`, `region`,
/// `postcode`, `country`, agreement judged by `key_address`. When no member
/// has the anchor, the unit's fields are chosen one by one with the
/// anchor's rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct SurvivorshipOptions {
    /// Rule of every field without an entry in `fields`.
    /// Default: `most_recent`.
    pub default_rule: Rule,
    /// Per-field rules. Entries given in the config are added to, or
    /// replace, the defaults one by one (to drop a default, set that field
    /// explicitly). `source_key` and `updated_at` take no rule (the master
    /// has `last_updated`, the latest `updated_at` of the members). With a
    /// unit kept together only its anchor (`full_name`, `address_line1`)
    /// may have an entry, and it may not be `collect_all`.
    /// Default: `{ full_name = "most_frequent", email = "collect_all",
    /// phone = "collect_all", date_of_birth = "most_frequent",
    /// gender = "most_frequent", national_id = "most_frequent" }`.
    #[serde(deserialize_with = "fields_over_defaults")]
    #[schemars(with = "BTreeMap<String, Rule>")]
    pub fields: BTreeMap<CanonicalField, Rule>,
    /// Source names, most trusted first, for the `source_priority` rule and
    /// the tie-break chain. Sources not listed rank after the listed ones,
    /// in config source order. Default: `[]` (config source order).
    pub source_priority: Vec<String>,
    /// Take the name fields from one record (see above). Default: `true`.
    pub keep_name_together: bool,
    /// Take the address fields from one record (see above). Default: `true`.
    pub keep_address_together: bool,
}

/// Name fields kept together; the first one is the anchor.
pub(crate) const NAME_UNIT: [CanonicalField; 4] = [
    CanonicalField::FullName,
    CanonicalField::GivenName,
    CanonicalField::MiddleName,
    CanonicalField::FamilyName,
];

/// Address fields kept together; the first one is the anchor.
pub(crate) const ADDRESS_UNIT: [CanonicalField; 6] = [
    CanonicalField::AddressLine1,
    CanonicalField::AddressLine2,
    CanonicalField::City,
    CanonicalField::Region,
    CanonicalField::Postcode,
    CanonicalField::Country,
];

fn default_fields() -> BTreeMap<CanonicalField, Rule> {
    use CanonicalField as F;
    BTreeMap::from([
        (F::FullName, Rule::MostFrequent),
        (F::Email, Rule::CollectAll),
        (F::Phone, Rule::CollectAll),
        (F::DateOfBirth, Rule::MostFrequent),
        (F::Gender, Rule::MostFrequent),
        (F::NationalId, Rule::MostFrequent),
    ])
}

fn fields_over_defaults<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<CanonicalField, Rule>, D::Error> {
    let given = BTreeMap::<CanonicalField, Rule>::deserialize(d)?;
    let mut fields = default_fields();
    fields.extend(given);
    Ok(fields)
}

impl Default for SurvivorshipOptions {
    fn default() -> Self {
        Self {
            default_rule: Rule::MostRecent,
            fields: default_fields(),
            source_priority: Vec::new(),
            keep_name_together: true,
            keep_address_together: true,
        }
    }
}

impl SurvivorshipOptions {
    /// Checks the options for contradictions; [`crate::merge`] calls it
    /// first, the config loader may call it early.
    pub fn validate(&self) -> Result<()> {
        for f in [CanonicalField::SourceKey, CanonicalField::UpdatedAt] {
            if self.fields.contains_key(&f) {
                return Err(Error::InvalidOptions(format!(
                    "field `{f}` takes no survivorship rule"
                )));
            }
        }
        let units = [
            (
                self.keep_name_together,
                &NAME_UNIT[..],
                "keep_name_together",
            ),
            (
                self.keep_address_together,
                &ADDRESS_UNIT[..],
                "keep_address_together",
            ),
        ];
        for (on, unit, flag) in units {
            if !on {
                continue;
            }
            let anchor = unit[0];
            if let Some(f) = unit[1..].iter().find(|f| self.fields.contains_key(f)) {
                return Err(Error::InvalidOptions(format!(
                    "field `{f}` has its own rule but `{flag}` is on: set the rule of `{anchor}` or turn `{flag}` off"
                )));
            }
            if self.rule_of(anchor) == Rule::CollectAll {
                return Err(Error::InvalidOptions(format!(
                    "`{anchor}` cannot be `collect_all` while `{flag}` is on"
                )));
            }
        }
        Ok(())
    }

    /// The configured rule of a field (its entry, else `default_rule`),
    /// ignoring units.
    fn rule_of(&self, field: CanonicalField) -> Rule {
        self.fields
            .get(&field)
            .copied()
            .unwrap_or(self.default_rule)
    }

    /// The rule actually applied to `field`: inside a kept-together unit,
    /// the rule of the unit's anchor.
    pub fn effective_rule(&self, field: CanonicalField) -> Rule {
        if self.keep_name_together && NAME_UNIT.contains(&field) {
            return self.rule_of(NAME_UNIT[0]);
        }
        if self.keep_address_together && ADDRESS_UNIT.contains(&field) {
            return self.rule_of(ADDRESS_UNIT[0]);
        }
        self.rule_of(field)
    }
}

/// Identity of the current run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunInfo {
    /// Run identifier written to every `golden_id_changes` row.
    pub run_id: String,
    /// The run's as-of date: `first_seen` of the golden ids issued now.
    pub as_of: chrono::NaiveDate,
}
