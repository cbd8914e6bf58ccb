//! Lenient reading of `run.json` and `model.json`: every accessor returns
//! `None` for a missing key or an unexpected type instead of failing, so
//! the report renders whatever shape the stage reports currently have.

use serde_json::Value;

/// The value at `path` (object keys) below `v`.
pub(crate) fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(v, |v, k| v.get(*k))
        .filter(|v| !v.is_null())
}

/// The first of several alternative paths that exists.
pub(crate) fn any<'a>(v: &'a Value, paths: &[&[&str]]) -> Option<&'a Value> {
    paths.iter().find_map(|p| at(v, p))
}

/// A non-negative integer: a JSON integer, a whole float, or a numeric
/// string.
pub(crate) fn uint(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.is_finite())
                .map(|f| f.round() as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A finite float: a JSON number or a numeric string.
pub(crate) fn num(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

/// Text of a scalar; arrays of scalars are joined with `sep`.
pub(crate) fn text(v: Option<&Value>, sep: &str) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().filter_map(|x| text(Some(x), sep)).collect();
            (!parts.is_empty()).then(|| parts.join(sep))
        }
        Value::Object(_) => Some(v?.to_string()),
        Value::Null => None,
    }
}

/// The `(key, count)` entries of an object of counts, largest first, then
/// by key.
pub(crate) fn counts(v: Option<&Value>) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = v
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), uint(Some(v))?)))
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// The array at `v`, or an empty slice.
pub(crate) fn array(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// Scalar leaves of an object, flattened with dotted keys (objects nested
/// at most `depth` levels; arrays are summarised by their length).
pub(crate) fn scalars(v: Option<&Value>, depth: usize) -> Vec<(String, String)> {
    fn walk(v: &Value, prefix: &str, depth: usize, out: &mut Vec<(String, String)>) {
        let Some(o) = v.as_object() else { return };
        for (k, x) in o {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match x {
                Value::Object(_) if depth > 0 => walk(x, &key, depth - 1, out),
                Value::Object(_) => {}
                Value::Array(a) => out.push((key, format!("{} entries", a.len()))),
                Value::Null => {}
                Value::Number(n) => out.push((key, number(n))),
                _ => out.push((key, text(Some(x), ", ").unwrap_or_default())),
            }
        }
    }
    let mut out = Vec::new();
    if let Some(v) = v {
        walk(v, "", depth, &mut out);
    }
    out
}

/// A number for people: integers with thousands separators, small floats
/// with four decimals (or scientific), large ones with one.
fn number(n: &serde_json::Number) -> String {
    if let Some(u) = n.as_u64() {
        crate::fmt::int(u)
    } else if let Some(i) = n.as_i64() {
        format!("-{}", crate::fmt::int(i.unsigned_abs()))
    } else {
        let f = n.as_f64().unwrap_or(f64::NAN);
        if f.abs() >= 1000.0 {
            crate::fmt::float(f, 1)
        } else {
            crate::fmt::prob(f)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_accessors() {
        let v = json!({"a": {"b": 3, "s": "12", "f": 2.0, "neg": -1, "n": null}, "arr": ["x", 1]});
        assert_eq!(uint(at(&v, &["a", "b"])), Some(3));
        assert_eq!(uint(at(&v, &["a", "s"])), Some(12));
        assert_eq!(uint(at(&v, &["a", "f"])), Some(2));
        assert_eq!(uint(at(&v, &["a", "neg"])), None);
        assert_eq!(at(&v, &["a", "n"]), None);
        assert_eq!(uint(at(&v, &["a", "missing"])), None);
        assert_eq!(uint(at(&json!(5), &["a"])), None);
        assert_eq!(text(at(&v, &["arr"]), " + ").as_deref(), Some("x + 1"));
        assert_eq!(any(&v, &[&["zz"], &["a", "b"]]), Some(&json!(3)));
        assert_eq!(
            counts(Some(&json!({"a": 1, "b": 5, "c": "x"}))),
            vec![("b".into(), 5), ("a".into(), 1)]
        );
        let s = scalars(
            Some(&json!({"big": 2450000, "neg": -12, "f": 0.25, "a": {"b": 3}, "arr": [1, 2]})),
            1,
        );
        assert!(s.contains(&("big".into(), "2,450,000".into())));
        assert!(s.contains(&("neg".into(), "-12".into())));
        assert!(s.contains(&("f".into(), "0.2500".into())));
        assert!(s.contains(&("a.b".into(), "3".into())));
        assert!(s.contains(&("arr".into(), "2 entries".into())));
    }
}
