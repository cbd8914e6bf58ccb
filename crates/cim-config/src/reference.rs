//! The config reference (`docs/CONFIG.md`), generated from the JSON schema
//! of [`PipelineConfig`] that `schemars` derives from the config types' doc
//! comments, so the reference cannot drift from the code: a test compares
//! it with the committed file.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::PipelineConfig;

/// The Markdown reference of every config key: one table per section with
/// key, type, default and description, then the values of each enumerated
/// type, then an example.
pub fn config_reference_markdown() -> String {
    let schema = schemars::schema_for!(PipelineConfig);
    let root = schema.as_value();
    let empty = Map::new();
    let defs = root
        .get("$defs")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut w = Walker {
        defs,
        out: String::new(),
        enums: Vec::new(),
    };
    w.out.push_str(
        "# Config reference\n\n\
         <!-- Generated from the config types' doc comments by\n\
         `cargo run -p cim-cli -- config-reference > docs/CONFIG.md`; do not edit. -->\n\n\
         A pipeline is one TOML file (`pipeline.toml`). Paths are relative to it.\n\
         Unknown keys are errors that suggest the nearest valid key. `cim init FILE...`\n\
         drafts a config from sample files; `cim check CONFIG` validates one.\n",
    );
    w.section("", "The whole file", root);
    let mut enums = std::mem::take(&mut w.enums);
    enums.sort();
    enums.dedup();
    if !enums.is_empty() {
        w.out.push_str("\n## Enumerated values\n");
        for name in enums {
            if let Some(def) = defs.get(&name) {
                w.enum_values(&name, def);
            }
        }
    }
    w.out.push_str(
        "\n## Example\n\nThe demo pipeline (`fixtures/demo/pipeline.toml`):\n\n```toml\n",
    );
    w.out
        .push_str(include_str!("../../../fixtures/demo/pipeline.toml"));
    w.out.push_str("```\n");
    w.out
}

struct Walker<'a> {
    defs: &'a Map<String, Value>,
    out: String,
    enums: Vec<String>,
}

/// One Markdown table cell: one line, rustdoc links reduced to code.
fn one_line(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("[`", "`")
        .replace("`]", "`")
        .replace('|', "\\|")
}

impl<'a> Walker<'a> {
    /// Follows `$ref` (and a single-element `allOf` wrapper).
    fn resolve(&self, v: &'a Value) -> (Option<String>, &'a Value) {
        if let Some(r) = v.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or(r).to_owned();
            if let Some(d) = self.defs.get(&name) {
                // A newtype over another type (`DeterministicRule`) is a
                // reference to a reference.
                if d.get("$ref").is_some() && d.get("properties").is_none() {
                    return self.resolve(d);
                }
                return (Some(name), d);
            }
        }
        if let Some([one]) = v.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
            return self.resolve(one);
        }
        (None, v)
    }

    /// The object schema a property leads to (through `Option` and lists),
    /// and whether it is a list of tables.
    fn table_of(&self, v: &'a Value) -> Option<(&'a Value, bool)> {
        let (_, t) = self.resolve(v);
        if t.get("properties").is_some() {
            return Some((t, false));
        }
        for alt in t
            .get("anyOf")
            .or_else(|| t.get("oneOf"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if alt.get("type").and_then(Value::as_str) == Some("null") {
                continue;
            }
            if let Some(found) = self.table_of(alt) {
                return Some(found);
            }
        }
        if let Some(items) = t.get("items") {
            let (_, it) = self.resolve(items);
            if it.get("properties").is_some() {
                return Some((it, true));
            }
        }
        None
    }

    fn type_name(&mut self, v: &Value) -> String {
        let (name, t) = self.resolve(v);
        if let Some(name) = &name {
            if t.get("properties").is_some() {
                return "table".to_owned();
            }
            if t.get("oneOf").is_some() || t.get("enum").is_some() {
                self.enums.push(name.clone());
                return format!("{} ([values](#{}))", enum_inline(t), name.to_lowercase());
            }
        }
        if let Some(alts) = t
            .get("anyOf")
            .or_else(|| t.get("oneOf"))
            .and_then(Value::as_array)
        {
            let parts: Vec<String> = alts
                .iter()
                .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
                .map(|a| self.type_name(a))
                .collect();
            let nullable = alts.len() > parts.len();
            let joined = parts.join(" or ");
            return if nullable {
                format!("{joined} (optional)")
            } else {
                joined
            };
        }
        if t.get("enum").is_some() || t.get("const").is_some() {
            return enum_inline(t);
        }
        let types: Vec<&str> = match t.get("type") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let nullable = types.contains(&"null");
        let base = types
            .iter()
            .find(|t| **t != "null")
            .copied()
            .unwrap_or("any");
        let s = match base {
            "array" => match t.get("items") {
                Some(items) => format!("list of {}", self.type_name(items)),
                None => "list".to_owned(),
            },
            "object" => match t.get("additionalProperties") {
                Some(ap) if ap.is_object() => format!("table of {}", self.type_name(ap)),
                _ => "table".to_owned(),
            },
            "integer" => "integer".to_owned(),
            "number" => "number".to_owned(),
            "boolean" => "boolean".to_owned(),
            "string" => match t.get("format").and_then(Value::as_str) {
                Some("date") => "date (`YYYY-MM-DD`)".to_owned(),
                _ => "string".to_owned(),
            },
            other => other.to_owned(),
        };
        if nullable {
            format!("{s} (optional)")
        } else {
            s
        }
    }

    fn section(&mut self, path: &str, title: &str, schema: &'a Value) {
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let _ = writeln!(self.out, "\n## {title}\n");
        if let Some(d) = schema.get("description").and_then(Value::as_str) {
            let _ = writeln!(self.out, "{}\n", one_line(d));
        }
        self.out
            .push_str("| key | type | default | description |\n| --- | --- | --- | --- |\n");
        let mut subsections = Vec::new();
        for (key, p) in props {
            let full = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            let (ty, sub) = match self.table_of(p) {
                Some((t, many)) => {
                    let header = if many {
                        format!("[[{full}]]")
                    } else {
                        format!("[{full}]")
                    };
                    subsections.push((full.clone(), header.clone(), t));
                    (
                        if many {
                            format!("list of tables, see `{header}`")
                        } else {
                            format!("table, see `{header}`")
                        },
                        true,
                    )
                }
                None => (self.type_name(p), false),
            };
            let default = match p.get("default") {
                Some(v) if !sub => render_default(v),
                Some(_) => "see below".to_owned(),
                None if required.contains(&key.as_str()) => "**required**".to_owned(),
                None => "none".to_owned(),
            };
            let desc = p
                .get("description")
                .and_then(Value::as_str)
                .map(one_line)
                .unwrap_or_default();
            let _ = writeln!(self.out, "| `{key}` | {ty} | {default} | {desc} |");
        }
        for (full, header, t) in subsections {
            self.section(&full, &format!("`{header}`"), t);
        }
    }

    fn enum_values(&mut self, name: &str, def: &Value) {
        let _ = writeln!(self.out, "\n### {name}\n");
        if let Some(d) = def.get("description").and_then(Value::as_str) {
            let _ = writeln!(self.out, "{}\n", one_line(d));
        }
        for alt in def
            .get("oneOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let values: Vec<String> = alt
                .get("const")
                .into_iter()
                .chain(
                    alt.get("enum")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                )
                .map(render_default)
                .collect();
            let desc = alt
                .get("description")
                .and_then(Value::as_str)
                .map(one_line)
                .unwrap_or_default();
            let _ = writeln!(self.out, "- {}: {desc}", values.join(", "));
        }
        if let Some(values) = def.get("enum").and_then(Value::as_array) {
            let v: Vec<String> = values.iter().map(render_default).collect();
            let _ = writeln!(self.out, "- {}", v.join(", "));
        }
    }
}

fn enum_inline(t: &Value) -> String {
    let mut values: Vec<String> = Vec::new();
    if let Some(c) = t.get("const") {
        values.push(render_default(c));
    }
    for v in t
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        values.push(render_default(v));
    }
    for alt in t
        .get("oneOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(c) = alt.get("const") {
            values.push(render_default(c));
        }
        for v in alt
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            values.push(render_default(v));
        }
    }
    if values.is_empty() {
        "string".to_owned()
    } else {
        values.join(" \\| ")
    }
}

/// A default value as it would be written in TOML.
fn render_default(v: &Value) -> String {
    match v {
        Value::Null => "none".to_owned(),
        Value::String(_) => format!("`{v}`"),
        Value::Array(a) if a.is_empty() => "`[]`".to_owned(),
        Value::Object(o) if o.is_empty() => "`{}`".to_owned(),
        other => format!("`{}`", other.to_string().replace('|', "\\|")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STALE: &str =
        "docs/CONFIG.md is stale: run `cargo run -p cim-cli -- config-reference > docs/CONFIG.md`";

    #[test]
    fn committed_reference_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/CONFIG.md");
        let now = config_reference_markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &now).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == now, "{STALE} (or set UPDATE_DOCS=1)");
    }

    #[test]
    fn every_section_and_key_is_documented() {
        let md = config_reference_markdown();
        for needle in [
            "`[run]`",
            "`[[sources]]`",
            "`[sources.csv]`",
            "`[normalize]`",
            "`[dedupe]`",
            "`[dedupe.clustering]`",
            "`[survivorship]`",
            "`[output]`",
            "| `max_quarantine_ratio` | number | `0.1` |",
            "| `name` | string | **required** |",
            "| `dir` | string | `\"out\"` |",
        ] {
            assert!(md.contains(needle), "missing `{needle}` in:\n{md}");
        }
        // Every row has a description.
        for line in md.lines().filter(|l| l.starts_with("| `")) {
            assert!(!line.ends_with("|  |"), "undocumented key: {line}");
        }
    }
}
