//! Config errors a newcomer can act on: every error names the file, the
//! position, the full key path (array indices included: `sources[1].path`,
//! plus the source's name) and what was expected, with the key's own
//! documentation as a hint.
//!
//! Deserialisation errors get their key path from `serde_path_to_error` and
//! their position from the TOML span; validation errors (which know only the
//! key path) are located by walking a spanned parse of the file. The key
//! documentation comes from the same JSON schema as `docs/CONFIG.md`.

use std::path::Path;

use serde_json::Value;
use toml::de::{DeTable, DeValue};

use crate::ConfigError;

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// A table key.
    Key(String),
    /// An array element.
    Index(usize),
}

/// `sources[1].columns.email`; keys that are not bare TOML keys are quoted.
pub(crate) fn format_key(segs: &[Seg]) -> String {
    let mut out = String::new();
    for s in segs {
        match s {
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                if !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    out.push_str(k);
                } else {
                    out.push_str(&format!("{k:?}"));
                }
            }
        }
    }
    out
}

/// Inverse of [`format_key`] for the keys validation writes (no quoting of
/// dots inside quoted keys is needed there).
pub(crate) fn parse_key(key: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    for part in key.split('.') {
        let (name, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            segs.push(Seg::Key(name.trim_matches('"').to_owned()));
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                segs.push(Seg::Index(i));
            }
        }
    }
    segs
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Where the deepest existing prefix of `segs` is written in `text`, and
/// whether the whole path was found.
pub(crate) fn locate(text: &str, segs: &[Seg]) -> Option<((usize, usize), bool)> {
    let doc = DeTable::parse(text).ok()?;
    let mut table: Option<&DeTable<'_>> = Some(doc.get_ref());
    let mut array: Option<&[toml::Spanned<DeValue<'_>>]> = None;
    let mut at = doc.span().start;
    for (depth, s) in segs.iter().enumerate() {
        let value = match s {
            Seg::Key(k) => {
                let Some((key, value)) = table.and_then(|t| t.get_key_value(k.as_str())) else {
                    return Some((line_col(text, at), false));
                };
                at = key.span().start;
                value
            }
            Seg::Index(i) => {
                let Some(value) = array.and_then(|a| a.get(*i)) else {
                    return Some((line_col(text, at), false));
                };
                at = value.span().start;
                value
            }
        };
        table = None;
        array = None;
        match value.get_ref() {
            DeValue::Table(t) => table = Some(t),
            DeValue::Array(a) => array = Some(a.as_ref()),
            _ if depth + 1 < segs.len() => return Some((line_col(text, at), false)),
            _ => {}
        }
    }
    Some((line_col(text, at), true))
}

/// The name of source `i` as written in the file, if it is a string.
pub(crate) fn source_name_at(text: &str, segs: &[Seg]) -> Option<String> {
    let [Seg::Key(k), Seg::Index(i), ..] = segs else {
        return None;
    };
    if k != "sources" {
        return None;
    }
    let doc: toml::Table = toml::from_str(text).ok()?;
    doc.get("sources")?
        .as_array()?
        .get(*i)?
        .get("name")?
        .as_str()
        .map(str::to_owned)
}

/// What the documentation of the key at `segs` says, and the kind of value
/// it takes (`a date (YYYY-MM-DD)`...), from the config's JSON schema.
pub(crate) fn describe(segs: &[Seg]) -> (Option<String>, Option<String>) {
    let schema = schemars::schema_for!(crate::PipelineConfig);
    let root = schema.as_value();
    let defs = root.get("$defs").cloned().unwrap_or(Value::Null);
    let resolve = |v: &Value| -> Value {
        let mut v: &Value = v;
        // `$ref`, `allOf: [one]` and `anyOf: [T, null]` (Option) lead to T.
        for _ in 0..8 {
            if let Some(r) = v.get("$ref").and_then(Value::as_str) {
                let name = r.rsplit('/').next().unwrap_or(r);
                match defs.get(name) {
                    Some(d) => v = d,
                    None => break,
                }
            } else if let Some([one]) = v.get("allOf").and_then(Value::as_array).map(Vec::as_slice)
            {
                v = one;
            } else if let Some(alts) = v.get("anyOf").and_then(Value::as_array)
                && let [one] = alts
                    .iter()
                    .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
                    .collect::<Vec<_>>()
                    .as_slice()
            {
                v = one;
            } else {
                break;
            }
        }
        v.clone()
    };
    let mut node = root.clone();
    let mut doc: Option<String> = None;
    for s in segs {
        let t = resolve(&node);
        let next = match s {
            Seg::Index(_) => t.get("items").cloned(),
            Seg::Key(k) => t
                .get("properties")
                .and_then(|p| p.get(k))
                .cloned()
                .or_else(|| t.get("additionalProperties").cloned()),
        };
        let Some(next) = next else {
            return (None, None);
        };
        if let Seg::Key(_) = s {
            doc = next.get("description").and_then(Value::as_str).map(|d| {
                d.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .replace("[`", "`")
                    .replace("`]", "`")
            });
        }
        node = next;
    }
    let t = resolve(&node);
    // `Option<T>` may be `"type": ["string", "null"]`.
    let ty = match t.get("type") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).find(|s| *s != "null"),
        _ => None,
    };
    let kind = match (ty, t.get("format").and_then(Value::as_str)) {
        (Some("string"), Some("date")) => Some("a date `YYYY-MM-DD`".to_owned()),
        (Some("string"), Some("date-time")) => Some("a timestamp `YYYY-MM-DDTHH:MM:SS`".to_owned()),
        (Some("integer"), _) => Some("a whole number".to_owned()),
        (Some("number"), _) => Some("a number".to_owned()),
        (Some("boolean"), _) => Some("`true` or `false`".to_owned()),
        (Some("string"), _) => Some("a string".to_owned()),
        (Some("object"), _) => Some("a table".to_owned()),
        (Some("array"), _) => {
            let items = t.get("items").map(&resolve);
            if items.is_some_and(|i| i.get("properties").is_some()) {
                Some("an array of tables".to_owned())
            } else {
                Some("a list".to_owned())
            }
        }
        _ if t.get("properties").is_some() => Some("a table".to_owned()),
        _ => None,
    };
    (doc, kind)
}

/// serde's type names, in words a config author uses.
fn plain_expectation(msg: &str) -> String {
    let Some((head, expected)) = msg.split_once(", expected ") else {
        return msg.to_owned();
    };
    let words = match expected.trim() {
        "usize" | "u64" | "u32" | "u16" | "u8" => "a whole number (0 or more)",
        "i64" | "i32" | "i16" | "i8" | "isize" => "a whole number",
        "f64" | "f32" => "a number",
        "a boolean" => "`true` or `false`",
        "a sequence" => "an array (`[...]`, or `[[...]]` tables)",
        "a string" => "a string (in quotes)",
        "a character" => "a single character (in quotes)",
        other if other.starts_with("struct ") || other == "a map" => "a table",
        other => other,
    };
    format!("{head}, expected {words}")
}

/// serde says "unknown field `outptu`, expected one of `a`, `b`": add
/// "; did you mean `output`?" when one expected key is close.
pub(crate) fn suggest_for_unknown(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
        .or_else(|| message.strip_prefix("unknown value `"))
        .or_else(|| message.strip_prefix("unknown key `"))
        .or_else(|| message.strip_prefix("unknown match key `"))?;
    let (given, expected) = rest.split_once('`')?;
    let best = expected
        .split('`')
        .skip(1)
        .step_by(2)
        // Transpositions count once (`dri` -> `dir`), so short keys with a
        // swapped pair are still suggested; a distance above a third of the
        // key's length is not a typo any more.
        .map(|cand| (strsim::osa_distance(given, cand), cand))
        .filter(|(d, cand)| *d <= (cand.chars().count() / 3).max(1))
        .min_by_key(|(d, cand)| (*d, *cand))?;
    Some(format!("; did you mean `{}`?", best.1))
}

/// A deserialisation error with its key path.
pub(crate) fn from_deserialize(
    path: &Path,
    text: &str,
    err: &serde_path_to_error::Error<toml::de::Error>,
) -> ConfigError {
    use serde_path_to_error::Segment;
    let inner = err.inner();
    let mut segs: Vec<Seg> = err
        .path()
        .iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(Seg::Index(*index)),
            Segment::Map { key } => Some(Seg::Key(key.clone())),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .collect();
    let raw = inner.message().trim().to_owned();
    let span = inner.span();
    let mut value_text = span
        .clone()
        .and_then(|s| text.get(s))
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 60 && !v.contains('\n'))
        .map(str::to_owned);

    let backticked = |prefix: &str| {
        raw.strip_prefix(prefix)
            .and_then(|r| r.split_once('`'))
            .map(|(name, _)| name.to_owned())
    };
    let mut message = if let Some(field) = backticked("missing field `") {
        segs.push(Seg::Key(field.clone()));
        value_text = None;
        let plain: Vec<&str> = segs
            .iter()
            .filter_map(|s| match s {
                Seg::Key(k) => Some(k.as_str()),
                Seg::Index(_) => None,
            })
            .collect();
        let plain = plain.join(".");
        match describe(&segs).1.as_deref() {
            Some("a table") => {
                format!("required table is missing; expected a `[{plain}]` table")
            }
            Some("an array of tables") => {
                format!("required key is missing; expected one or more `[[{plain}]]` tables")
            }
            Some(kind) => format!("required key is missing; expected `{field} = ...`, {kind}"),
            None => format!("required key is missing; expected `{field}` in this table"),
        }
    } else if let Some(rest) = raw.strip_prefix("unknown match key `") {
        // cim-dedupe's "(known: a, b)" as serde's "expected one of `a`, `b`",
        // so that the nearest key is suggested like any other.
        let given = rest.split('`').next().unwrap_or_default();
        let known = rest
            .split_once("(known: ")
            .map(|(_, k)| k.trim_end_matches(')'))
            .unwrap_or_default();
        let known: Vec<String> = known.split(", ").map(|k| format!("`{k}`")).collect();
        format!(
            "unknown match key `{given}`, expected one of {}",
            known.join(", ")
        )
    } else if let Some(field) = backticked("unknown field `") {
        if segs.last() != Some(&Seg::Key(field.clone())) {
            segs.push(Seg::Key(field));
        }
        value_text = None;
        raw.replacen("unknown field", "unknown key", 1)
    } else if let Some(variant) = backticked("unknown variant `") {
        // A map keyed by an enum (`[sources.columns]`, `[survivorship.fields]`)
        // fails on the key: name it when the document has it.
        let mut with_key = segs.clone();
        with_key.push(Seg::Key(variant.clone()));
        if locate(text, &with_key).is_some_and(|(_, found)| found) {
            segs = with_key;
            raw.replacen("unknown variant", "unknown key", 1)
        } else {
            raw.replacen("unknown variant", "unknown value", 1)
        }
    } else if raw.contains("expected a formatted date") {
        // An unquoted TOML date (`as_of = 2026-01-01`) is a TOML datetime,
        // not the string the key takes.
        "a TOML date or time is not a string: expected a date in quotes, e.g. `\"2026-01-31\"`"
            .to_owned()
    } else {
        plain_expectation(&raw)
    };
    if let Some(hint) = suggest_for_unknown(&message) {
        message.push_str(&hint);
    }
    let (doc, kind) = if segs.is_empty() {
        (None, None)
    } else {
        describe(&segs)
    };
    let scalar = kind.as_deref().is_some_and(|k| {
        ["a date", "a timestamp", "a whole", "a number", "`true`"]
            .iter()
            .any(|p| k.starts_with(p))
    });
    if !message.contains("expected")
        && scalar
        && let Some(kind) = &kind
    {
        if let Some(v) = &value_text {
            message = format!("{v} is not valid: {message}");
        }
        message.push_str(&format!("; expected {kind}"));
    }
    if let Some(doc) = doc {
        message.push_str(&format!("\n  help: {doc}"));
    }
    let (line, column) = span
        .map(|s| line_col(text, s.start))
        .or_else(|| locate(text, &segs).map(|(at, _)| at))
        .unwrap_or((1, 1));
    ConfigError::Parse {
        path: path.to_path_buf(),
        line,
        column,
        key: (!segs.is_empty()).then(|| format_key(&segs)),
        source_name: source_name_at(text, &segs),
        message,
    }
}

/// Adds the position (and the source's name) to a validation error, from the
/// config text.
pub(crate) fn locate_invalid(err: ConfigError, text: &str) -> ConfigError {
    match err {
        ConfigError::Invalid {
            path,
            key,
            message,
            location: None,
            source_name,
        } => {
            let segs = parse_key(&key);
            let location = locate(text, &segs).map(|(at, _)| at);
            let source_name = source_name.or_else(|| source_name_at(text, &segs));
            ConfigError::Invalid {
                path,
                key,
                message,
                location,
                source_name,
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_nearest_key() {
        let m = "unknown field `outptu`, expected one of `dir`, `output`, `pairs`";
        assert_eq!(
            suggest_for_unknown(m).as_deref(),
            Some("; did you mean `output`?")
        );
        let far = "unknown field `zzzz`, expected one of `dir`, `pairs`";
        assert_eq!(suggest_for_unknown(far), None);
    }

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("a\nbc\nd", 3), (2, 2));
        assert_eq!(line_col("abc", 0), (1, 1));
    }

    #[test]
    fn key_paths_round_trip() {
        for key in [
            "sources[1].path",
            "dedupe.blocking_rules[0][1]",
            "run.as_of",
        ] {
            assert_eq!(format_key(&parse_key(key)), key);
        }
        assert_eq!(
            format_key(&[Seg::Key("columns".into()), Seg::Key("姓 名".into())]),
            "columns.\"姓 名\""
        );
    }

    #[test]
    fn locates_keys_in_arrays_of_tables() {
        let text = "[run]\nthreads = 1\n\n[[sources]]\nname = \"a\"\n\n[[sources]]\nname = \"b\"\npath = \"b.csv\"\n";
        assert_eq!(
            locate(text, &parse_key("sources[1].path")),
            Some(((9, 1), true))
        );
        // Missing key: the position of its table, and "not found".
        assert_eq!(
            locate(text, &parse_key("sources[0].path")).map(|(_, f)| f),
            Some(false)
        );
        assert_eq!(
            source_name_at(text, &parse_key("sources[1].path")).as_deref(),
            Some("b")
        );
    }

    #[test]
    fn describes_keys_from_their_doc_comments() {
        let (doc, kind) = describe(&parse_key("run.as_of"));
        assert!(doc.unwrap().contains("YYYY-MM-DD"));
        assert_eq!(kind.as_deref(), Some("a date `YYYY-MM-DD`"));
        let (doc, _) = describe(&parse_key("sources[3].path"));
        assert!(doc.unwrap().contains("glob"));
        assert_eq!(describe(&parse_key("nope.nothing")), (None, None));
    }
}
