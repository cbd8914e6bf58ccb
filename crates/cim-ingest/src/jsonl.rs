//! JSON Lines: one object per line, decoded line by line so a bad line only
//! costs itself. Nested objects are flattened to dotted paths
//! (`address.city`); arrays stay whole (as JSON text in `extra`, and are
//! refused where a mapped field needs text).

use std::borrow::Cow;
use std::io::{BufRead, BufReader};
use std::path::Path;

use cim_schema::QuarantineReason;
use serde_json::Value;

use crate::encoding::{self, EncodingPlan, TextInput};
use crate::error::{Error, io_err};
use crate::options::SourceOptions;
use crate::sink::{BadRow, Row, RowSink};

struct Line {
    number: u64,
    bytes: Vec<u8>,
    /// Full length including any part dropped for being too long.
    len: u64,
    /// Offsets of the line in the decoded stream.
    start: u64,
    end: u64,
}

pub(crate) struct JsonlFile {
    source: String,
    file: String,
    input: BufReader<TextInput>,
    plan: EncodingPlan,
    offset: u64,
    line_no: u64,
    max_field: usize,
    max_columns: usize,
    max_line: usize,
    pending: Option<Line>,
}

/// A flattened leaf: dotted path, text (None for null), and whether it is
/// an array.
type Leaf = (String, Option<String>, bool);

fn flatten(prefix: &str, map: serde_json::Map<String, Value>, out: &mut Vec<Leaf>) {
    for (k, v) in map {
        let path = if prefix.is_empty() {
            k
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(m) => flatten(&path, m, out),
            Value::Null => out.push((path, None, false)),
            Value::String(s) => out.push((path, Some(s), false)),
            Value::Bool(b) => out.push((path, Some(b.to_string()), false)),
            Value::Number(n) => out.push((path, Some(n.to_string()), false)),
            a @ Value::Array(_) => out.push((path, Some(a.to_string()), true)),
        }
    }
}

/// A flattened leaf borrowing from the line where the JSON text allows it
/// (no escapes): dotted path, text (None for null), whether it is an array.
type FastLeaf<'a> = (Cow<'a, str>, Option<Cow<'a, str>>, bool);

/// Flattening straight from the JSON text, without building a `Value`
/// tree and without copying strings that need no unescaping. It yields
/// exactly what [`flatten`] over the parsed `Value` yields, sorted by path,
/// or `None` when it cannot be sure to (invalid JSON, not an object, a key
/// repeated within one object or a key containing `.`): the caller then
/// takes the `Value` path, which also words the errors.
mod fast {
    use std::borrow::Cow;
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde_json::Value;

    use super::FastLeaf;

    pub(super) fn flatten(text: &str) -> Option<Vec<FastLeaf<'_>>> {
        let mut out = Vec::with_capacity(16);
        let mut de = serde_json::Deserializer::from_str(text);
        ObjectSeed {
            prefix: None,
            out: &mut out,
        }
        .deserialize(&mut de)
        .ok()?;
        de.end().ok()?;
        // Keys hold no `.` and none repeats within an object, so paths are
        // distinct and this order is the `Value` path's order.
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Some(out)
    }

    /// Any way out of the fast path: the `Value` path decides.
    fn bail<E: de::Error>() -> E {
        E::custom("fast path declined")
    }

    /// A key or string value, borrowed when it has no escapes.
    struct Text;

    impl<'de> DeserializeSeed<'de> for Text {
        type Value = Cow<'de, str>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
    }

    impl<'de> Visitor<'de> for Text {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v))
        }
    }

    /// An object whose leaves are pushed to `out` under `prefix`.
    struct ObjectSeed<'o, 'de> {
        prefix: Option<&'o str>,
        out: &'o mut Vec<FastLeaf<'de>>,
    }

    impl<'de> DeserializeSeed<'de> for ObjectSeed<'_, 'de> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for ObjectSeed<'_, 'de> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut keys: Vec<Cow<'de, str>> = Vec::new();
            while let Some(key) = map.next_key_seed(Text)? {
                // `Value` keeps the last of repeated keys; dotted keys can
                // collide with nested paths: both are rare, leave them to
                // the `Value` path.
                if key.contains('.') || keys.contains(&key) {
                    return Err(bail());
                }
                let path: Cow<'de, str> = match self.prefix {
                    None => key.clone(),
                    Some(p) => Cow::Owned(format!("{p}.{key}")),
                };
                keys.push(key);
                map.next_value_seed(LeafSeed {
                    path,
                    out: &mut *self.out,
                })?;
            }
            Ok(())
        }
    }

    /// The value at `path`: a leaf, or an object to flatten further.
    struct LeafSeed<'o, 'de> {
        path: Cow<'de, str>,
        out: &'o mut Vec<FastLeaf<'de>>,
    }

    impl<'de> DeserializeSeed<'de> for LeafSeed<'_, 'de> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> LeafSeed<'_, 'de> {
        fn push(self, v: Option<Cow<'de, str>>, nested: bool) {
            self.out.push((self.path, v, nested));
        }
    }

    impl<'de> Visitor<'de> for LeafSeed<'_, 'de> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            self.push(None, false);
            Ok(())
        }
        fn visit_none<E: de::Error>(self) -> Result<(), E> {
            self.push(None, false);
            Ok(())
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
            self.push(Some(Cow::Borrowed(if v { "true" } else { "false" })), false);
            Ok(())
        }
        // Numbers print as `Value::Number` prints them.
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
            self.push(
                Some(Cow::Owned(serde_json::Number::from(v).to_string())),
                false,
            );
            Ok(())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
            self.push(
                Some(Cow::Owned(serde_json::Number::from(v).to_string())),
                false,
            );
            Ok(())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
            match serde_json::Number::from_f64(v) {
                Some(n) => self.push(Some(Cow::Owned(n.to_string())), false),
                None => self.push(None, false),
            }
            Ok(())
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
            self.push(Some(Cow::Borrowed(v)), false);
            Ok(())
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
            self.push(Some(Cow::Owned(v.to_owned())), false);
            Ok(())
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
            self.push(Some(Cow::Owned(v)), false);
            Ok(())
        }
        // Arrays stay whole, as the compact JSON text of their `Value`.
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut items = Vec::new();
            while let Some(v) = seq.next_element::<Value>()? {
                items.push(v);
            }
            self.push(Some(Cow::Owned(Value::Array(items).to_string())), true);
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
            let path = self.path;
            ObjectSeed {
                prefix: Some(&path),
                out: self.out,
            }
            .visit_map(map)
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl JsonlFile {
    pub fn open(opts: &SourceOptions, path: &Path, file: &str) -> Result<Self, Error> {
        let (prefix, f) = encoding::open_with_prefix(&opts.name, path, file, 4096)?;
        let plan = encoding::plan(opts, &prefix, b"\n\r")?;
        let input = TextInput::new(prefix, f, &plan);
        let max_field = opts.max_field_bytes.max(1);
        let mut me = Self {
            source: opts.name.clone(),
            file: file.to_owned(),
            input: BufReader::with_capacity(64 * 1024, input),
            plan,
            offset: 0,
            line_no: 0,
            max_field,
            max_columns: opts.max_columns,
            max_line: (64 * max_field).max(1 << 20),
            pending: None,
        };
        me.pending = me.next_line()?;
        if me.pending.is_none() {
            return Err(Error::NoRows {
                source_name: me.source.clone(),
                file: me.file.clone(),
            });
        }
        Ok(me)
    }

    pub fn encoding_name(&self) -> String {
        self.plan.name()
    }

    /// The next non-blank line, at most `max_line` bytes of it kept.
    fn next_line(&mut self) -> Result<Option<Line>, Error> {
        loop {
            let mut bytes = Vec::with_capacity(512);
            let mut len = 0u64;
            let start = self.offset;
            loop {
                let chunk = match self.input.fill_buf() {
                    Ok(c) => c,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(io_err(&self.source, &self.file, e)),
                };
                if chunk.is_empty() {
                    break;
                }
                let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                    Some(p) => (p + 1, true),
                    None => (chunk.len(), false),
                };
                let room = (self.max_line + 1).saturating_sub(bytes.len());
                bytes.extend_from_slice(&chunk[..take.min(room)]);
                len += take as u64;
                self.input.consume(take);
                if done {
                    break;
                }
            }
            if len == 0 {
                return Ok(None);
            }
            self.offset += len;
            self.line_no += 1;
            let line = Line {
                number: self.line_no,
                bytes,
                len,
                start,
                end: self.offset,
            };
            if !line.bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some(line));
            }
        }
    }

    fn process(&mut self, line: Line, sink: &mut dyn RowSink) {
        let mut raw: &[u8] = &line.bytes;
        while let [rest @ .., b'\n' | b'\r'] = raw {
            raw = rest;
        }
        let bad = |reason, detail: String| BadRow {
            line: line.number,
            reason,
            detail,
            raw: raw.to_vec(),
            column: None,
        };
        if line.len > self.max_line as u64 {
            return sink.bad_row(bad(
                QuarantineReason::FieldTooLarge,
                format!(
                    "line of {} bytes exceeds the limit of {} bytes",
                    line.len, self.max_line
                ),
            ));
        }
        let malformed = self.input.get_mut().malformed_in(line.start, line.end);
        if malformed && !self.plan.replace {
            return sink.bad_row(bad(
                QuarantineReason::InvalidEncoding,
                format!("bytes invalid in {}", self.plan.encoding_name()),
            ));
        }
        let Some((text, used_fallback)) = self.plan.decode_one(raw) else {
            return sink.bad_row(bad(
                QuarantineReason::InvalidEncoding,
                format!("line is not valid {}", self.plan.encoding_name()),
            ));
        };
        if raw.contains(&0) {
            return sink.bad_row(bad(
                QuarantineReason::NulByte,
                "NUL byte in line".to_owned(),
            ));
        }
        let leaves: Vec<FastLeaf<'_>> = match fast::flatten(&text) {
            Some(l) => l,
            None => {
                let value: Value = match serde_json::from_str(&text) {
                    Ok(v) => v,
                    Err(e) => {
                        let what = match e.classify() {
                            serde_json::error::Category::Eof => "truncated",
                            _ => "syntax error",
                        };
                        return sink.bad_row(bad(
                            QuarantineReason::InvalidJson,
                            format!("invalid JSON ({what}) at column {}", e.column()),
                        ));
                    }
                };
                let map = match value {
                    Value::Object(m) => m,
                    other => {
                        return sink.bad_row(bad(
                            QuarantineReason::NotAnObject,
                            format!("JSON line is {}, not an object", kind(&other)),
                        ));
                    }
                };
                let mut leaves = Vec::with_capacity(map.len());
                flatten("", map, &mut leaves);
                leaves.sort_by(|a, b| a.0.cmp(&b.0));
                leaves.dedup_by(|a, b| a.0 == b.0);
                leaves
                    .into_iter()
                    .map(|(p, v, n)| (Cow::Owned(p), v.map(Cow::Owned), n))
                    .collect()
            }
        };
        if leaves.len() > self.max_columns {
            return sink.bad_row(bad(
                QuarantineReason::WrongFieldCount,
                format!(
                    "{} fields, more than `max_columns` = {}",
                    leaves.len(),
                    self.max_columns
                ),
            ));
        }
        for (path, v, _) in &leaves {
            if let Some(v) = v {
                if v.len() > self.max_field {
                    return sink.bad_row(bad(
                        QuarantineReason::FieldTooLarge,
                        format!("`{path}` has {} bytes, limit {}", v.len(), self.max_field),
                    ));
                }
                if v.contains('\0') {
                    return sink.bad_row(bad(
                        QuarantineReason::NulByte,
                        format!("NUL character in `{path}`"),
                    ));
                }
            }
        }
        let mut names: Vec<Cow<'_, str>> = Vec::with_capacity(leaves.len());
        let mut nested: Vec<bool> = Vec::with_capacity(leaves.len());
        let mut values: Vec<Option<Cow<'_, str>>> = Vec::with_capacity(leaves.len());
        for (p, v, n) in leaves {
            names.push(p);
            values.push(v);
            nested.push(n);
        }
        let raw_fn = || raw.to_vec();
        sink.row(Row {
            line: line.number,
            names: Some(&names),
            values: &values,
            nested: &nested,
            used_fallback,
            raw: &raw_fn,
        });
    }

    /// Feeds up to `max_rows` lines to `sink`; `true` at end of file.
    pub fn read_some(&mut self, sink: &mut dyn RowSink, max_rows: usize) -> Result<bool, Error> {
        for _ in 0..max_rows.max(1) {
            let line = match self.pending.take() {
                Some(l) => l,
                None => match self.next_line()? {
                    Some(l) => l,
                    None => return Ok(true),
                },
            };
            self.process(line, sink);
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `Value` path as `process` takes it, as owned leaves.
    fn slow(text: &str) -> Option<Vec<Leaf>> {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
            return None;
        };
        let mut leaves = Vec::new();
        flatten("", map, &mut leaves);
        leaves.sort_by(|a, b| a.0.cmp(&b.0));
        leaves.dedup_by(|a, b| a.0 == b.0);
        Some(leaves)
    }

    fn owned(leaves: Vec<FastLeaf<'_>>) -> Vec<Leaf> {
        leaves
            .into_iter()
            .map(|(p, v, n)| (p.into_owned(), v.map(Cow::into_owned), n))
            .collect()
    }

    #[test]
    fn fast_flattening_matches_the_value_path() {
        let lines = [
            r#"{"id":7000001,"name":"Xiaoyan Luo","phone":"18008941695","address":{"line1":"655 Jiefang Rd","line2":null,"city":"Nanjing","zip":"210018"},"newsletter":false,"orders":18}"#,
            r#"{"id":-3,"score":1.5,"big":18446744073709551615,"neg":-9223372036854775808,"e":1e2,"f":-0.0,"g":12345678901234567890123}"#,
            r#"{"name":"Jos\u00e9 \"Pepe\" O\\'Neil","tab":"a\tb","emoji":"\ud83d\ude00","nul":"a\u0000b"}"#,
            r#"{"tags":["a",1,{"b":null},[true,2.50]],"empty":[],"obj":{}}"#,
            r#"{"z":1,"a":{"y":{"x":"deep"},"b":"B"},"m":"M"}"#,
            r#"  {"spaces" : "around" , "k" :	true }  "#,
            r#"{"Ä":"umlaut","a":"lower","A":"upper","_":"u","0":"digit"}"#,
            r#"{}"#,
        ];
        for line in lines {
            let fast = fast::flatten(line).map(owned);
            assert!(fast.is_some(), "fast path declined {line}");
            assert_eq!(fast, slow(line), "{line}");
        }
    }

    #[test]
    fn fast_flattening_declines_what_it_cannot_match() {
        let lines = [
            // Repeated keys: `Value` keeps the last.
            r#"{"a":1,"a":2}"#,
            r#"{"a":{"b":1},"a":"x"}"#,
            // Dotted keys can collide with nested paths.
            r#"{"a.b":1,"a":{"b":2}}"#,
            // Not objects, not JSON, trailing text.
            r#"[1,2]"#,
            r#""text""#,
            r#"{"a":1"#,
            r#"{"a":1} x"#,
            r#"{"a":tru}"#,
        ];
        for line in lines {
            assert_eq!(fast::flatten(line).map(owned), None, "{line}");
        }
        // What the `Value` path then makes of the first three.
        assert_eq!(
            slow(r#"{"a":{"b":1},"a":"x"}"#),
            Some(vec![("a".to_owned(), Some("x".to_owned()), false)])
        );
        assert_eq!(
            slow(r#"{"a.b":1,"a":{"b":2}}"#),
            Some(vec![("a.b".to_owned(), Some("2".to_owned()), false)])
        );
    }
}
