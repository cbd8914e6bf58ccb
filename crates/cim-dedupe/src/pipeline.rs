//! The stages of a run glued together: resolve rules and comparisons,
//! intern, block, compare, train, score.

use std::collections::HashSet;
use std::time::Instant;

use arrow::record_batch::RecordBatch;
use cim_schema::MatchKey;
use rayon::prelude::*;

use crate::Error;
use crate::blocking::{self, Candidates, RuleBlocks};
use crate::compare::{self, Compiled};
use crate::em::{self, EmProblem, PatternTable, clamp_p};
use crate::model::{
    ComparisonModel, EmSession, LevelParams, MODEL_FORMAT_VERSION, Model, TrainingReport,
};
use crate::options::{BlockingRule, ComparisonSpec, DedupeOptions, LinkType, TrainingMode};
use crate::report::RuleOrigin;
use crate::table::{self, ColRef, NULL, Table};

/// Everything computed before the model is needed.
pub(crate) struct Prepared {
    pub table: Table,
    pub specs: Vec<ComparisonSpec>,
    pub comps: Vec<Compiled>,
    pub rules: Vec<BlockingRule>,
    pub origins: Vec<RuleOrigin>,
    /// Index in `rules` of each deterministic rule.
    pub det_rules: Vec<usize>,
    /// Kept rules' blocks, for the report: their rows and per-row ids are
    /// freed once pairs are generated (each pair keeps its rule mask).
    pub blocks: Vec<RuleBlocks>,
    /// Rules left out, for the report.
    pub warnings: Vec<String>,
    pub cands: Candidates,
    /// Level codes, `comps.len()` per candidate pair.
    pub levels: Vec<u8>,
    pub block_ms: u64,
    pub compare_ms: u64,
}

/// Blocking rules and comparisons in force, before any data is interned.
pub(crate) struct Plan {
    pub specs: Vec<ComparisonSpec>,
    pub rules: Vec<BlockingRule>,
    pub origins: Vec<RuleOrigin>,
    pub det_rules: Vec<usize>,
}

impl Plan {
    /// Whether rule `i` may be left out when over a budget: a default rule
    /// that no deterministic rule needs.
    pub(crate) fn droppable(&self, i: usize) -> bool {
        self.origins[i] == RuleOrigin::Default && !self.det_rules.contains(&i)
    }
}

pub(crate) fn plan(
    records: &[RecordBatch],
    opts: &DedupeOptions,
    model_specs: Option<&[ComparisonSpec]>,
) -> Result<Plan, Error> {
    opts.validate()?;
    let mut fills = std::collections::HashMap::new();
    let mut fill = |r: ColRef| -> Result<f64, Error> {
        if let Some(&f) = fills.get(&r) {
            return Ok(f);
        }
        let f = table::fill_rate(records, r)?;
        fills.insert(r, f);
        Ok(f)
    };
    let (mut rules, mut origins): (Vec<BlockingRule>, Vec<RuleOrigin>) = match &opts.blocking_rules
    {
        Some(r) => (r.clone(), vec![RuleOrigin::Configured; r.len()]),
        None => {
            let mut v = Vec::new();
            for r in blocking::default_rules() {
                let mut ok = true;
                for p in &r.parts {
                    ok &= fill(ColRef::Key(p.key))? >= blocking::MIN_FILL;
                }
                if ok {
                    v.push(r);
                }
            }
            let n = v.len();
            (v, vec![RuleOrigin::Default; n])
        }
    };
    let mut det_rules = Vec::new();
    for d in &opts.deterministic_rules {
        match rules.iter().position(|r| *r == d.0) {
            Some(i) => det_rules.push(i),
            None => {
                rules.push(d.0.clone());
                origins.push(RuleOrigin::Deterministic);
                det_rules.push(rules.len() - 1);
            }
        }
    }
    if rules.len() > 64 {
        return Err(Error::Config(format!(
            "{} blocking rules (deterministic ones included); at most 64 are supported",
            rules.len()
        )));
    }
    let specs: Vec<ComparisonSpec> = match (model_specs, &opts.comparisons) {
        (Some(s), _) => s.to_vec(),
        (None, Some(s)) => s.clone(),
        (None, None) => {
            let mut known = std::collections::HashMap::new();
            for k in MatchKey::ALL {
                known.insert(ColRef::Key(k), fill(ColRef::Key(k))?);
            }
            compare::default_comparisons(
                &|r| known.get(&r).copied().unwrap_or(0.0),
                blocking::MIN_FILL,
            )
        }
    };
    let mut names = HashSet::new();
    for s in &specs {
        if !names.insert(s.name.as_str()) {
            return Err(Error::Config(format!(
                "comparison name `{}` is used twice",
                s.name
            )));
        }
    }
    if specs.len() > 32 {
        return Err(Error::Config("at most 32 comparisons are supported".into()));
    }
    Ok(Plan {
        specs,
        rules,
        origins,
        det_rules,
    })
}

/// Interns the columns a plan reads.
pub(crate) fn intern(records: &[RecordBatch], plan: &Plan) -> Result<Table, Error> {
    Table::build(records, &intern_columns(plan))
}

/// The columns a plan reads, the source column included, sorted, each once.
pub(crate) fn intern_columns(plan: &Plan) -> Vec<ColRef> {
    let mut refs: Vec<ColRef> = std::iter::once(ColRef::Source)
        .chain(
            plan.rules
                .iter()
                .flat_map(|r| r.parts.iter().map(|p| ColRef::Key(p.key))),
        )
        .collect();
    for s in &plan.specs {
        refs.extend(compare::spec_refs(s));
    }
    refs.sort();
    refs.dedup();
    refs
}

pub(crate) fn compile(
    plan: &Plan,
    table: &Table,
    opts: &DedupeOptions,
) -> Result<Vec<Compiled>, Error> {
    // In parallel: each builds its own tables (address tokens, respelled
    // name flags) in one serial pass over its column.
    plan.specs
        .par_iter()
        .map(|s| Compiled::new(s, table, s.term_frequency.unwrap_or(opts.term_frequency)))
        .collect()
}

pub(crate) fn prepare(
    records: &[RecordBatch],
    opts: &DedupeOptions,
    model_specs: Option<&[ComparisonSpec]>,
) -> Result<Prepared, Error> {
    let t0 = Instant::now();
    let plan = plan(records, opts, model_specs)?;
    let table = intern(records, &plan)?;
    prepare_interned(plan, table, opts, t0)
}

/// [`prepare`] from here on reads only the interned table, not the records.
/// `t0` is when interning started (blocking time includes it).
pub(crate) fn prepare_interned(
    plan: Plan,
    table: Table,
    opts: &DedupeOptions,
    t0: Instant,
) -> Result<Prepared, Error> {
    let droppable: Vec<bool> = (0..plan.rules.len()).map(|i| plan.droppable(i)).collect();
    // Compiling the comparisons is partly serial (1M records: 0.15 s of
    // address tokens on one thread); blocking fills the other thread.
    let (comps, blocked) = rayon::join(
        || compile(&plan, &table, opts),
        || blocking::block_all(&table, &plan.rules, &droppable, opts),
    );
    let comps = comps?;
    let (maybe_blocks, warnings) = blocked?;
    let mut rules = Vec::new();
    let mut origins = Vec::new();
    let mut blocks = Vec::new();
    let mut new_index = vec![usize::MAX; plan.rules.len()];
    for (i, b) in maybe_blocks.into_iter().enumerate() {
        if let Some(b) = b {
            new_index[i] = rules.len();
            rules.push(plan.rules[i].clone());
            origins.push(plan.origins[i]);
            blocks.push(b);
        }
    }
    let det_rules: Vec<usize> = plan.det_rules.iter().map(|&i| new_index[i]).collect();
    let block_ids = blocking::BlockIds::take(&mut blocks, table.n_rows);
    let cands = blocking::generate(&table, &blocks, &block_ids, opts.link_type);
    // Only the report needs the blocks from here on: their rows go.
    drop(block_ids);
    for b in &mut blocks {
        b.order = Vec::new();
        b.offsets = Vec::new();
    }
    let block_ms = t0.elapsed().as_millis() as u64;
    let t1 = Instant::now();
    let nc = comps.len();
    let mut levels = vec![0u8; cands.pairs.len() * nc];
    if nc > 0 {
        const CHUNK: usize = 4096;
        levels
            .par_chunks_mut(nc * CHUNK)
            .zip(cands.pairs.par_chunks(CHUNK))
            .for_each(|(out, pairs)| {
                for (j, (o, &(a, b))) in out.chunks_mut(nc).zip(pairs).enumerate() {
                    if let Some(&(x, y)) = pairs.get(j + table::PREFETCH_AHEAD) {
                        table.prefetch_row(x as usize);
                        table.prefetch_row(y as usize);
                    }
                    em::levels_into(&table, &comps, a as usize, b as usize, o);
                }
            });
    }
    let compare_ms = t1.elapsed().as_millis() as u64;
    Ok(Prepared {
        table,
        specs: plan.specs,
        comps,
        rules,
        origins,
        det_rules,
        blocks,
        warnings,
        cands,
        levels,
        block_ms,
        compare_ms,
    })
}

/// Eligible pairs among all records under the link type.
pub(crate) fn total_pairs(table: &Table, link: LinkType) -> f64 {
    let n = table.n_rows as f64;
    let all = n * (n - 1.0) / 2.0;
    let src = table.sources();
    let same: f64 = src
        .counts
        .iter()
        .map(|&c| f64::from(c) * (f64::from(c) - 1.0) / 2.0)
        .sum();
    match link {
        LinkType::LinkAndDedupe => all,
        LinkType::DedupeOnly => same,
        LinkType::LinkOnly => all - same,
    }
}

/// Resolves `opts.fixed` into per-level pins.
#[allow(clippy::type_complexity)]
fn resolve_fixed(
    comps: &[Compiled],
    opts: &DedupeOptions,
) -> Result<(Vec<Vec<Option<f64>>>, Vec<Vec<Option<f64>>>), Error> {
    let mut m: Vec<Vec<Option<f64>>> = comps.iter().map(|c| vec![None; c.n_levels()]).collect();
    let mut u = m.clone();
    for f in &opts.fixed {
        let ci = comps
            .iter()
            .position(|c| c.name == f.comparison)
            .ok_or_else(|| {
                Error::Config(format!("fixed: unknown comparison `{}`", f.comparison))
            })?;
        let li = comps[ci]
            .level_names
            .iter()
            .position(|l| *l == f.level)
            .filter(|&l| l > 0)
            .ok_or_else(|| {
                Error::Config(format!(
                    "fixed: comparison `{}` has no level `{}` (levels: {})",
                    f.comparison,
                    f.level,
                    comps[ci].level_names[1..].join(", ")
                ))
            })?;
        m[ci][li] = f.m;
        u[ci][li] = f.u;
    }
    Ok((m, u))
}

/// Minimum pairs for a per-rule EM session.
const MIN_SESSION_PAIRS: f64 = 50.0;

/// Unsupervised training on prepared data.
#[allow(clippy::needless_range_loop)] // [comparison][level] tables
pub(crate) fn train_prepared(p: &Prepared, opts: &DedupeOptions) -> Result<Model, Error> {
    let nc = p.comps.len();
    let n_levels: Vec<usize> = p.comps.iter().map(Compiled::n_levels).collect();
    let (fixed_m, fixed_u) = resolve_fixed(&p.comps, opts)?;

    // u from random pairs.
    let (u_counts, u_pairs) = em::sample_u_counts(
        &p.table,
        &p.comps,
        opts.link_type,
        opts.u_sample_pairs,
        opts.seed,
    );
    let u: Vec<Vec<f64>> = u_counts
        .iter()
        .zip(&fixed_u)
        .map(|(counts, fx)| {
            let mut u = em::u_from_counts(counts);
            for (l, f) in fx.iter().enumerate() {
                if let Some(v) = f {
                    u[l] = clamp_p(*v);
                }
            }
            u
        })
        .collect();

    let table = PatternTable::build(&p.levels, nc, &|i| p.cands.masks.get(i));
    let m_pinned: Vec<Vec<bool>> = fixed_m
        .iter()
        .map(|v| v.iter().map(Option::is_some).collect())
        .collect();
    let pin = |mut m: Vec<Vec<f64>>| {
        for (mc, fx) in m.iter_mut().zip(&fixed_m) {
            for (x, f) in mc.iter_mut().zip(fx) {
                if let Some(v) = f {
                    *x = clamp_p(*v);
                }
            }
        }
        m
    };
    let m0 = pin(n_levels.iter().map(|&k| em::initial_m(k)).collect());

    let mut sessions = Vec::new();
    let all_active = vec![true; nc];
    let (pats, counts) = table.select(|_| true);
    let global = em::run_em(
        &EmProblem {
            patterns: &pats,
            counts: &counts,
            n_levels: &n_levels,
            u: &u,
            active: &all_active,
            m_fixed: &m_pinned,
            max_iterations: opts.em_max_iterations,
            tolerance: opts.em_tolerance,
            estimate_lambda: true,
            estimate_m: true,
            estimate_u: opts.em_estimate_u,
        },
        m0,
        em::initial_lambda(&pats, &counts, nc, &all_active),
    );
    sessions.push(EmSession {
        blocking_rule: None,
        pairs: counts.iter().sum::<f64>() as u64,
        patterns: pats.len() as u64,
        estimated: p.comps.iter().map(|c| c.name.clone()).collect(),
        iterations: global.iterations,
        converged: global.converged,
        proportion_matching: global.lambda,
    });
    let mut m_final = global.m.clone();

    if opts.training == TrainingMode::PerRule {
        let mut sum: Vec<Vec<f64>> = n_levels.iter().map(|&k| vec![0.0; k]).collect();
        let mut weight = vec![0.0; nc];
        for (k, rule) in p.rules.iter().enumerate() {
            let active: Vec<bool> = p
                .comps
                .iter()
                .map(|c| !rule.parts.iter().any(|part| c.related.contains(&part.key)))
                .collect();
            if active.iter().filter(|&&a| a).count() < 2 {
                continue;
            }
            let (pk, ck) = table.select(|mask| mask & (1 << k) != 0);
            let n: f64 = ck.iter().sum();
            if n < MIN_SESSION_PAIRS {
                continue;
            }
            let r = em::run_em(
                &EmProblem {
                    patterns: &pk,
                    counts: &ck,
                    n_levels: &n_levels,
                    u: &u,
                    active: &active,
                    m_fixed: &m_pinned,
                    max_iterations: opts.em_max_iterations,
                    tolerance: opts.em_tolerance,
                    estimate_lambda: true,
                    estimate_m: true,
                    estimate_u: opts.em_estimate_u,
                },
                global.m.clone(),
                em::initial_lambda(&pk, &ck, nc, &active),
            );
            for c in 0..nc {
                if active[c] {
                    weight[c] += r.expected_matches;
                    for l in 0..n_levels[c] {
                        sum[c][l] += r.expected_matches * r.m[c][l];
                    }
                }
            }
            sessions.push(EmSession {
                blocking_rule: Some(rule.to_string()),
                pairs: n as u64,
                patterns: pk.len() as u64,
                estimated: p
                    .comps
                    .iter()
                    .zip(&active)
                    .filter(|(_, a)| **a)
                    .map(|(c, _)| c.name.clone())
                    .collect(),
                iterations: r.iterations,
                converged: r.converged,
                proportion_matching: r.lambda,
            });
        }
        for c in 0..nc {
            if weight[c] > 0.0 {
                for l in 1..n_levels[c] {
                    m_final[c][l] = clamp_p(sum[c][l] / weight[c]);
                }
            }
        }
    }

    // A level seen neither among random pairs nor among candidate pairs
    // carries no information: give it weight 0 rather than letting the
    // pseudo-count against the u floor invent a large one.
    let mut neutral: Vec<Vec<bool>> = n_levels.iter().map(|&k| vec![false; k]).collect();
    for c in 0..nc {
        for l in 1..n_levels[c] {
            let in_candidates = pats
                .iter()
                .zip(&counts)
                .any(|(&p, &n)| n > 0.0 && usize::from(em::unpack(p, c)) == l);
            if u_counts[c][l] == 0 && !in_candidates && !m_pinned[c][l] {
                m_final[c][l] = u[c][l];
                neutral[c][l] = true;
            }
        }
        // Keep m a distribution: rescale the other estimated levels.
        let fixed: f64 = (1..n_levels[c])
            .filter(|&l| m_pinned[c][l] || neutral[c][l])
            .map(|l| m_final[c][l])
            .sum();
        let free: f64 = (1..n_levels[c])
            .filter(|&l| !(m_pinned[c][l] || neutral[c][l]))
            .map(|l| m_final[c][l])
            .sum();
        if free > 0.0 {
            for l in 1..n_levels[c] {
                if !(m_pinned[c][l] || neutral[c][l]) {
                    m_final[c][l] = clamp_p(m_final[c][l] * (1.0 - fixed).max(em::P_MIN) / free);
                }
            }
        }
    }

    // The match proportion among candidates under the final m and u.
    let fin = em::run_em(
        &EmProblem {
            patterns: &pats,
            counts: &counts,
            n_levels: &n_levels,
            u: &u,
            active: &all_active,
            m_fixed: &m_pinned,
            max_iterations: opts.em_max_iterations.max(1),
            tolerance: opts.em_tolerance,
            estimate_lambda: true,
            estimate_m: false,
            estimate_u: false,
        },
        m_final.clone(),
        global.lambda,
    );
    let n_cands = p.cands.pairs.len() as f64;
    let total = total_pairs(&p.table, opts.link_type);
    let prior = if total > 0.0 {
        clamp_p(fin.lambda * n_cands / total)
    } else {
        em::P_MIN
    };
    let report = TrainingReport {
        records: p.table.n_rows as u64,
        candidate_pairs: p.cands.pairs.len() as u64,
        u_pairs_sampled: u_pairs,
        labelled_pairs: 0,
        mode: opts.training,
        em_iterations: sessions.iter().map(|s| s.iterations).sum(),
        converged: sessions.iter().all(|s| s.converged),
        sessions,
    };
    Ok(build_model(
        p, opts, &m_final, &u, &m_pinned, &fixed_u, prior, fin.lambda, report,
    ))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn build_model(
    p: &Prepared,
    _opts: &DedupeOptions,
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    m_pinned: &[Vec<bool>],
    u_pinned: &[Vec<Option<f64>>],
    prior: f64,
    lambda_candidates: f64,
    training: TrainingReport,
) -> Model {
    let comparisons = p
        .comps
        .iter()
        .enumerate()
        .map(|(c, comp)| ComparisonModel {
            spec: p.specs[c].clone(),
            levels: comp
                .level_names
                .iter()
                .enumerate()
                .map(|(l, name)| {
                    if l == 0 {
                        LevelParams {
                            name: name.clone(),
                            m: 1.0,
                            u: 1.0,
                            match_weight: 0.0,
                            term_frequency: false,
                            m_fixed: false,
                            u_fixed: false,
                        }
                    } else {
                        LevelParams {
                            name: name.clone(),
                            m: m[c][l],
                            u: u[c][l],
                            match_weight: (m[c][l] / u[c][l]).log2(),
                            term_frequency: comp.tf_cols[l].is_some(),
                            m_fixed: m_pinned[c][l],
                            u_fixed: u_pinned[c][l].is_some(),
                        }
                    }
                })
                .collect(),
        })
        .collect();
    Model {
        format_version: MODEL_FORMAT_VERSION,
        probability_two_random_records_match: prior,
        prior_match_weight: crate::model::weight_of(prior),
        proportion_of_candidate_pairs_matching: lambda_candidates,
        comparisons,
        training,
    }
}

/// Checks that a model's levels match the compiled comparisons.
pub(crate) fn check_model(model: &Model, comps: &[Compiled]) -> Result<(), Error> {
    model.check()?;
    if model.comparisons.len() != comps.len() {
        return Err(Error::Model(
            "comparison count differs from the data's".into(),
        ));
    }
    for (mc, c) in model.comparisons.iter().zip(comps) {
        let names: Vec<&str> = mc.levels.iter().map(|l| l.name.as_str()).collect();
        if names != c.level_names.iter().map(String::as_str).collect::<Vec<_>>() {
            return Err(Error::Model(format!(
                "comparison `{}`: the model's levels ({}) do not match its spec ({})",
                c.name,
                names.join(", "),
                c.level_names.join(", ")
            )));
        }
    }
    Ok(())
}

/// Scores pairs: weights and term-frequency adjustments per comparison.
pub(crate) struct Scorer<'a> {
    pub table: &'a Table,
    pub comps: &'a [Compiled],
    pub weights: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    pub tf_on: Vec<Vec<bool>>,
    pub prior_weight: f64,
    pub tf_max: f64,
    pub det: Vec<BlockingRule>,
    /// The person-conflict guard, when on and a `given_name` comparison
    /// exists.
    pub conflict: Option<Conflict>,
    /// Comparison indices of each evidence group (two or more members).
    pub groups: Vec<Vec<usize>>,
    /// `(given, family, swapped level of each)`: a swap of given and family
    /// name is one event, so when both comparisons report it only the
    /// larger weight counts.
    pub swap: Option<(usize, u8, usize, u8)>,
}

/// The default evidence group: fields a household shares.
pub(crate) const DEFAULT_EVIDENCE_GROUP: [&str; 3] = ["phone", "address", "location"];

/// Levels that make up a person conflict: `given` = `(comparison, else
/// level)` of the given name; `identities` = `(comparison, exact level)` of
/// person-level identifiers (email, national id) whose agreement overrides
/// the guard.
#[derive(Debug, Clone)]
pub(crate) struct Conflict {
    given: (usize, u8),
    identities: Vec<(usize, u8)>,
}

/// Match weight at which the person-conflict guard caps a pair.
pub(crate) const CONFLICT_CAP: f64 = 0.0;

/// The model's m of the `given_name` comparison's `else` level: the share
/// of true duplicates whose given names clearly differ. `None` without
/// such a comparison.
pub(crate) fn given_name_mismatch_share(model: &Model) -> Option<f64> {
    let c = model
        .comparisons
        .iter()
        .find(|c| c.spec.name == "given_name")?;
    c.levels.iter().find(|l| l.name == "else").map(|l| l.m)
}

/// Whether the person-conflict guard applies under `model`: switched on,
/// and the model's share of true duplicates with clearly different given
/// names (what the guard would veto) at most
/// `person_conflict_guard_max_share`.
pub(crate) fn conflict_guard_applies(model: &Model, opts: &DedupeOptions) -> bool {
    opts.person_conflict_guard
        && given_name_mismatch_share(model)
            .is_some_and(|m| m <= opts.person_conflict_guard_max_share)
}

impl<'a> Scorer<'a> {
    pub(crate) fn new(
        table: &'a Table,
        comps: &'a [Compiled],
        model: &Model,
        opts: &DedupeOptions,
        det: Vec<BlockingRule>,
    ) -> Self {
        Self {
            table,
            comps,
            weights: model.weights(),
            u: model
                .comparisons
                .iter()
                .map(|c| c.levels.iter().map(|l| l.u).collect())
                .collect(),
            tf_on: model
                .comparisons
                .iter()
                .map(|c| c.levels.iter().map(|l| l.term_frequency).collect())
                .collect(),
            prior_weight: model.prior_match_weight,
            tf_max: opts.tf_max_adjustment,
            det,
            conflict: if conflict_guard_applies(model, opts) {
                let level_of = |name: &str, level: &str| {
                    comps.iter().enumerate().find_map(|(i, c)| {
                        let l = c.level_names.iter().position(|n| n == level)?;
                        (c.name == name).then_some((i, l as u8))
                    })
                };
                level_of("given_name", "else").map(|given| Conflict {
                    given,
                    identities: [level_of("email", "exact"), level_of("national_id", "exact")]
                        .into_iter()
                        .flatten()
                        .collect(),
                })
            } else {
                None
            },
            groups: {
                let default = vec![DEFAULT_EVIDENCE_GROUP.map(String::from).to_vec()];
                opts.evidence_groups
                    .as_ref()
                    .unwrap_or(&default)
                    .iter()
                    .map(|g| {
                        g.iter()
                            .filter_map(|name| comps.iter().position(|c| &c.name == name))
                            .collect::<Vec<usize>>()
                    })
                    .filter(|g| g.len() >= 2)
                    .collect()
            },
            swap: {
                let swapped = |name: &str| {
                    comps.iter().enumerate().find_map(|(i, c)| {
                        let l = c.level_names.iter().position(|n| n == "swapped")?;
                        (c.name == name).then_some((i, l as u8))
                    })
                };
                swapped("given_name")
                    .zip(swapped("family_name"))
                    .map(|((g, gl), (f, fl))| (g, gl, f, fl))
            },
        }
    }

    /// Bits to add to the plain sum of `weights` so that redundant evidence
    /// counts once (never positive): within each evidence group every
    /// positive weight but the largest is taken back, and a given/family
    /// swap reported by both name comparisons counts once.
    #[inline]
    pub(crate) fn redundancy(&self, levels: &[u8], weights: &[f32]) -> f64 {
        let mut adj = 0.0f64;
        for g in &self.groups {
            let mut sum = 0.0f64;
            let mut max = 0.0f64;
            for &c in g {
                let w = f64::from(weights[c]);
                if w > 0.0 {
                    sum += w;
                    max = max.max(w);
                }
            }
            adj -= sum - max;
        }
        if let Some((g, gl, f, fl)) = self.swap
            && levels[g] == gl
            && levels[f] == fl
        {
            let (a, b) = (f64::from(weights[g]), f64::from(weights[f]));
            if a > 0.0 && b > 0.0 {
                adj -= a.min(b);
            }
        }
        adj
    }

    /// Whether the levels show two different people (see
    /// [`crate::DedupeOptions::person_conflict_guard`]).
    #[inline]
    pub(crate) fn conflicts(&self, levels: &[u8]) -> bool {
        self.conflict.as_ref().is_some_and(|g| {
            levels[g.given.0] == g.given.1 && !g.identities.iter().any(|&(c, l)| levels[c] == l)
        })
    }

    /// Term-frequency adjustment (bits) of comparison `c` at `level`:
    /// `log2(u_ref / tf)`, where `tf` is the frequency of the (more common)
    /// value and `u_ref` the u of the strongest level on that column, i.e.
    /// how much rarer than average the agreeing value is. Applied to fuzzy
    /// levels too, so a typo on a common value never outweighs an exact
    /// agreement on it.
    #[inline]
    pub(crate) fn tf_adjustment(&self, c: usize, level: u8, a: usize, b: usize) -> f64 {
        if !self.tf_on[c][level as usize] {
            return 0.0;
        }
        match self.comps[c].tf_value(self.table, level, a, b) {
            Some((tf, r)) => {
                let tf = tf.max(em::P_MIN);
                (self.u[c][r as usize] / tf)
                    .log2()
                    .clamp(-self.tf_max, self.tf_max)
            }
            None => 0.0,
        }
    }

    /// Per-comparison weights (with TF) into `out`, returns the total.
    #[inline]
    pub(crate) fn weigh(&self, levels: &[u8], a: usize, b: usize, out: &mut [f32]) -> f64 {
        let mut total = self.prior_weight;
        for (c, &l) in levels.iter().enumerate() {
            let w = self.weights[c][l as usize] + self.tf_adjustment(c, l, a, b);
            out[c] = w as f32;
            total += w;
        }
        total += self.redundancy(levels, out);
        if self.conflicts(levels) {
            total = total.min(CONFLICT_CAP);
        }
        total
    }

    /// Index of the first deterministic rule the pair satisfies.
    #[inline]
    pub(crate) fn deterministic(&self, a: usize, b: usize) -> Option<usize> {
        self.det
            .iter()
            .position(|r| keys_agree(self.table, r, a, b))
    }

    /// Match probability of any pair (used when clustering re-scores);
    /// with `even_prior` the prior weight is left out (odds 1:1).
    pub(crate) fn probability(&self, a: usize, b: usize, even_prior: bool) -> f64 {
        if self.deterministic(a, b).is_some() {
            return 1.0;
        }
        let mut lv = vec![0u8; self.comps.len()];
        let mut w = vec![0f32; self.comps.len()];
        em::levels_into(self.table, self.comps, a, b, &mut lv);
        let mut weight = self.weigh(&lv, a, b, &mut w);
        if even_prior {
            weight -= self.prior_weight;
            if self.conflicts(&lv) {
                weight = weight.min(CONFLICT_CAP);
            }
        }
        crate::model::probability(weight)
    }
}

/// Whether every part of `rule` is non-empty and equal for rows `a`, `b`.
pub(crate) fn keys_agree(table: &Table, rule: &BlockingRule, a: usize, b: usize) -> bool {
    rule.parts.iter().all(|p| {
        let col = table.by_ref(ColRef::Key(p.key));
        let (x, y) = (col.id(a), col.id(b));
        if x == NULL || y == NULL {
            return false;
        }
        match p.prefix {
            None => x == y,
            Some(n) => {
                let n = n as usize;
                col.value(x)
                    .chars()
                    .take(n)
                    .eq(col.value(y).chars().take(n))
            }
        }
    })
}
