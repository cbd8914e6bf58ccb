//! Ground truth: which records are the same real-world entity.
//!
//! Three CSV shapes are accepted, recognised by their header (names are
//! matched after trimming, lower-casing and dropping a UTF-8 BOM; extra
//! columns are ignored):
//!
//! * `record_id,entity_id`: one row per record.
//! * `source,source_key,entity_id`: one row per record; the record id is
//!   `source:source_key`, as [`cim_schema::RecordId::from_key`] builds it.
//! * `record_id_l,record_id_r`: one row per true pair. Entities are the
//!   connected components of the pairs (the pairs need not be transitively
//!   closed). Records that appear in no pair are taken as singletons, so in
//!   this format every record of the run is covered by the truth.
//!
//! When a header qualifies for several shapes, the first in the order
//! above wins.

use crate::map::{Map, new_map};
use std::io::Read;

use serde::Serialize;

use crate::error::Error;

/// The shape a truth file was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TruthFormat {
    /// `record_id,entity_id`.
    RecordEntity,
    /// `source,source_key,entity_id`.
    SourceKeyEntity,
    /// `record_id_l,record_id_r` (true pairs).
    Pairs,
}

impl TruthFormat {
    /// The header that identifies the format, as shown to users.
    pub const fn header(self) -> &'static str {
        match self {
            Self::RecordEntity => "record_id,entity_id",
            Self::SourceKeyEntity => "source,source_key,entity_id",
            Self::Pairs => "record_id_l,record_id_r",
        }
    }
}

/// A parsed ground truth: every listed record and its entity.
///
/// Records are numbered densely in order of first appearance in the file,
/// which keeps everything derived from them deterministic.
#[derive(Debug, Clone)]
pub struct Truth {
    pub(crate) format: TruthFormat,
    /// Record id -> record number.
    pub(crate) index: Map<Box<str>, u32>,
    /// Entity number of each record number.
    pub(crate) entity_of: Vec<u32>,
    /// Name of each entity number (for pairs: the component's first record).
    pub(crate) entity_names: Vec<Box<str>>,
}

impl Truth {
    /// Builds a truth from `(record_id, entity_id)` assignments (format
    /// [`TruthFormat::RecordEntity`]). A record assigned to two different
    /// entities is an error; `label` names the origin in that error.
    pub fn from_assignments<R, E>(
        label: &str,
        assignments: impl IntoIterator<Item = (R, E)>,
    ) -> Result<Self, Error>
    where
        R: AsRef<str>,
        E: AsRef<str>,
    {
        let mut b = EntityBuilder::new(TruthFormat::RecordEntity);
        for (i, (r, e)) in assignments.into_iter().enumerate() {
            b.add(label, i as u64 + 1, r.as_ref(), e.as_ref())?;
        }
        Ok(b.finish())
    }

    /// The format the truth was read as.
    pub fn format(&self) -> TruthFormat {
        self.format
    }

    /// Number of records the truth lists.
    pub fn records(&self) -> usize {
        self.entity_of.len()
    }

    /// Number of distinct entities among the listed records.
    pub fn entities(&self) -> usize {
        self.entity_names.len()
    }

    /// The entity of `record_id`, or `None` when the truth does not list it.
    pub fn entity_of(&self, record_id: &str) -> Option<&str> {
        let &i = self.index.get(record_id)?;
        Some(&self.entity_names[self.entity_of[i as usize] as usize])
    }
}

/// Reads a ground truth CSV (see the module docs for the formats). `file`
/// names the input in error messages.
pub fn parse_truth(reader: impl Read, file: &str) -> Result<Truth, Error> {
    let csv_err = |source| Error::TruthCsv {
        file: file.to_owned(),
        source,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header: Vec<String> = rdr
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let bad_header = || Error::TruthHeader {
        file: file.to_owned(),
        found: header.join(","),
    };

    let format = if col("record_id").is_some() && col("entity_id").is_some() {
        TruthFormat::RecordEntity
    } else if col("source").is_some() && col("source_key").is_some() && col("entity_id").is_some() {
        TruthFormat::SourceKeyEntity
    } else if col("record_id_l").is_some() && col("record_id_r").is_some() {
        TruthFormat::Pairs
    } else {
        return Err(bad_header());
    };

    let mut record = csv::StringRecord::new();
    let line_of = |r: &csv::StringRecord| r.position().map_or(0, |p| p.line());
    let field = |r: &csv::StringRecord, idx: usize, name: &str| -> Result<String, Error> {
        match r.get(idx) {
            Some(v) if !v.is_empty() => Ok(v.to_owned()),
            _ => Err(Error::TruthRow {
                file: file.to_owned(),
                line: line_of(r),
                detail: format!("empty `{name}`"),
            }),
        }
    };

    match format {
        TruthFormat::RecordEntity | TruthFormat::SourceKeyEntity => {
            let mut b = EntityBuilder::new(format);
            let e_idx = col("entity_id").ok_or_else(bad_header)?;
            while rdr.read_record(&mut record).map_err(csv_err)? {
                let rid = if format == TruthFormat::RecordEntity {
                    field(
                        &record,
                        col("record_id").ok_or_else(bad_header)?,
                        "record_id",
                    )?
                } else {
                    let s = field(&record, col("source").ok_or_else(bad_header)?, "source")?;
                    let k = field(
                        &record,
                        col("source_key").ok_or_else(bad_header)?,
                        "source_key",
                    )?;
                    cim_schema::RecordId::from_key(&s, &k).0
                };
                let eid = field(&record, e_idx, "entity_id")?;
                b.add(file, line_of(&record), &rid, &eid)?;
            }
            Ok(b.finish())
        }
        TruthFormat::Pairs => {
            let (l_idx, r_idx) = (
                col("record_id_l").ok_or_else(bad_header)?,
                col("record_id_r").ok_or_else(bad_header)?,
            );
            let mut index: Map<Box<str>, u32> = new_map();
            let mut uf = UnionFind::default();
            let mut intern = |id: String, uf: &mut UnionFind| -> u32 {
                let next = index.len() as u32;
                *index.entry(id.into_boxed_str()).or_insert_with(|| {
                    uf.push();
                    next
                })
            };
            while rdr.read_record(&mut record).map_err(csv_err)? {
                let l = field(&record, l_idx, "record_id_l")?;
                let r = field(&record, r_idx, "record_id_r")?;
                let (a, b) = (intern(l, &mut uf), intern(r, &mut uf));
                uf.union(a, b);
            }
            Ok(truth_from_components(TruthFormat::Pairs, index, &mut uf))
        }
    }
}

/// Numbers records and entities of an entity-format truth.
struct EntityBuilder {
    format: TruthFormat,
    index: Map<Box<str>, u32>,
    entity_of: Vec<u32>,
    entities: Map<Box<str>, u32>,
    entity_names: Vec<Box<str>>,
}

impl EntityBuilder {
    fn new(format: TruthFormat) -> Self {
        Self {
            format,
            index: new_map(),
            entity_of: Vec::new(),
            entities: new_map(),
            entity_names: Vec::new(),
        }
    }

    fn add(&mut self, file: &str, line: u64, record: &str, entity: &str) -> Result<(), Error> {
        let e = match self.entities.get(entity) {
            Some(&e) => e,
            None => {
                let e = self.entity_names.len() as u32;
                self.entities.insert(entity.into(), e);
                self.entity_names.push(entity.into());
                e
            }
        };
        match self.index.get(record) {
            Some(&r) if self.entity_of[r as usize] == e => Ok(()),
            Some(_) => Err(Error::TruthRow {
                file: file.to_owned(),
                line,
                detail: format!("record `{record}` is assigned to two different entities"),
            }),
            None => {
                self.index
                    .insert(record.into(), self.entity_of.len() as u32);
                self.entity_of.push(e);
                Ok(())
            }
        }
    }

    fn finish(self) -> Truth {
        Truth {
            format: self.format,
            index: self.index,
            entity_of: self.entity_of,
            entity_names: self.entity_names,
        }
    }
}

/// Entities of a pairs-format truth: one per component, numbered in order of
/// the component's first record, named after that record.
fn truth_from_components(
    format: TruthFormat,
    index: Map<Box<str>, u32>,
    uf: &mut UnionFind,
) -> Truth {
    let n = uf.len();
    let mut names: Vec<Option<&str>> = vec![None; n];
    for (id, &i) in &index {
        names[i as usize] = Some(id);
    }
    let mut entity_of_root = vec![u32::MAX; n];
    let mut entity_of = Vec::with_capacity(n);
    let mut entity_names: Vec<Box<str>> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let root = uf.find(i as u32) as usize;
        if entity_of_root[root] == u32::MAX {
            entity_of_root[root] = entity_names.len() as u32;
            entity_names.push(name.unwrap_or_default().into());
        }
        entity_of.push(entity_of_root[root]);
    }
    Truth {
        format,
        index,
        entity_of,
        entity_names,
    }
}

/// Union-find with path halving and union by size.
#[derive(Debug, Default, Clone)]
pub(crate) struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    pub(crate) fn new(n: usize) -> Self {
        Self {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.parent.len()
    }

    fn push(&mut self) {
        self.parent.push(self.parent.len() as u32);
        self.size.push(1);
    }

    pub(crate) fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let gp = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = gp;
            x = gp;
        }
        x
    }

    /// Joins the sets of `a` and `b`; returns `(new_root, absorbed_root)`
    /// when they were different sets.
    pub(crate) fn union(&mut self, a: u32, b: u32) -> Option<(u32, u32)> {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return None;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
        Some((ra, rb))
    }
}
