use std::path::Path;

use super::*;

const MINIMAL: &str = r#"
[[sources]]
name = "crm"
path = "crm.csv"
[sources.columns]
source_key = "CustomerID"
email = "Email"
"#;

fn parse_str(text: &str) -> Result<LoadedConfig, ConfigError> {
    parse(text, Path::new("pipeline.toml"))
}

#[test]
fn minimal_config_gets_defaults() {
    let cfg = parse_str(MINIMAL).unwrap().config;
    assert_eq!(cfg.sources.len(), 1);
    assert_eq!(cfg.sources[0].encoding, "auto");
    assert_eq!(cfg.run.batch_rows, 65_536);
    assert_eq!(cfg.output.dir, PathBuf::from("out"));
    assert!(cfg.output.pairs);
}

#[test]
fn unknown_key_names_line_and_suggests() {
    let text = format!("{MINIMAL}\n[output]\ndri = \"x\"\n");
    let err = parse_str(&text).unwrap_err().to_string();
    assert!(err.starts_with("pipeline.toml:10:"), "{err}");
    assert!(err.contains("`output.dri`: unknown key `dri`"), "{err}");
    assert!(err.contains("did you mean `dir`?"), "{err}");
}

#[test]
fn unknown_canonical_field_is_named() {
    let text = MINIMAL.replace("email = ", "e_mail = ");
    let err = parse_str(&text).unwrap_err().to_string();
    assert!(err.contains("e_mail"), "{err}");
    assert!(err.contains("did you mean `email`?"), "{err}");
}

#[test]
fn wrong_type_names_line() {
    let text = format!("{MINIMAL}\n[run]\nthreads = \"two\"\n");
    let err = parse_str(&text).unwrap_err().to_string();
    assert!(err.starts_with("pipeline.toml:10:"), "{err}");
    assert!(err.contains("invalid type"), "{err}");
}

#[test]
fn missing_sources_is_an_error() {
    let err = parse_str("[run]\nthreads = 1\n").unwrap_err().to_string();
    assert!(
        err.contains("`sources`: required key is missing; expected"),
        "{err}"
    );
}

/// Writes `text` as `pipeline.toml` in `dir` and loads it.
pub(crate) fn load_in(dir: &Path, text: &str) -> Result<LoadedConfig, ConfigError> {
    let path = dir.join("pipeline.toml");
    std::fs::write(&path, text).unwrap();
    load(&path)
}

#[test]
fn load_resolves_paths_relative_to_the_config() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = load_in(tmp.path(), MINIMAL).unwrap().config;
    assert_eq!(cfg.sources[0].path, tmp.path().join("crm.csv"));
    assert_eq!(cfg.output.dir, tmp.path().join("out"));
}

#[test]
fn validation_errors_name_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (MINIMAL.replace("\"crm\"", "\"c r m\""), "sources[0].name"),
        (
            format!("{MINIMAL}\n[run]\nmax_quarantine_ratio = 1.5\n"),
            "run.max_quarantine_ratio",
        ),
        (
            MINIMAL.replace(
                "path = \"crm.csv\"",
                "path = \"crm.csv\"\nphone_region = \"china\"",
            ),
            "sources[0].phone_region",
        ),
        (
            MINIMAL.replace("path = \"crm.csv\"", "path = \"crm.csv\"\nmax_columns = 0"),
            "sources[0].max_columns",
        ),
        (format!("{MINIMAL}\n[output]\ndir = \".\"\n"), "output.dir"),
        (
            MINIMAL.replace("path = \"crm.csv\"", "path = \"out/crm.csv\""),
            "output.dir",
        ),
        (
            format!(
                "{}\n[output]\ndir = \"data/out\"\n",
                MINIMAL.replace("path = \"crm.csv\"", "path = \"data/**/*.csv\"")
            ),
            "output.dir",
        ),
        (
            format!(
                "{}\n[output]\ndir = \"data/out\"\n",
                MINIMAL.replace("path = \"crm.csv\"", "path = \"data/*/*.json\"")
            ),
            "output.dir",
        ),
        (
            format!(
                "{MINIMAL}\n[[sources]]\nname = \"crm\"\npath = \"b.csv\"\n[sources.columns]\nemail = \"e\"\n"
            ),
            "sources[1].name",
        ),
    ];
    for (text, key) in cases {
        let err = load_in(tmp.path(), &text).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("`{key}`")),
            "expected key {key} in: {msg}"
        );
        assert!(msg.contains("pipeline.toml"), "{msg}");
    }
}

#[test]
fn missing_config_file_is_named() {
    let err = load(Path::new("/nonexistent/pipeline.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent/pipeline.toml"), "{err}");
}

#[test]
fn hash_changes_with_content() {
    let a = parse_str(MINIMAL).unwrap().hash;
    let b = parse_str(&MINIMAL.replace("Email", "Mail")).unwrap().hash;
    assert_ne!(a, b);
    assert_eq!(a.len(), 16);
}

#[test]
fn output_beside_a_one_level_glob_is_allowed() {
    // `data/*.csv` cannot match files in `data/out/`: no false alarm.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("data")).unwrap();
    std::fs::write(tmp.path().join("data/crm.csv"), "Email\na@example.com\n").unwrap();
    let text = format!(
        "{}\n[output]\ndir = \"data/out\"\n",
        MINIMAL.replace("path = \"crm.csv\"", "path = \"data/*.csv\"")
    );
    load_in(tmp.path(), &text).unwrap();
}

#[test]
fn stage_checks_name_the_key_and_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("crm.csv"), "CustomerID,Email\n1,a@b.c\n").unwrap();
    let cases = [
        (
            format!("{MINIMAL}\n[dedupe]\nmatch_threshold = 1.5\n"),
            "dedupe.match_threshold",
            10,
        ),
        (
            format!("{MINIMAL}\n[dedupe]\nblocking_rules = [[\"email\"], [\"phone\"]]\n"),
            "dedupe.blocking_rules[1][0]",
            10,
        ),
        (
            format!(
                "{MINIMAL}\n[[dedupe.comparisons]]\nname = \"dob\"\nkind = \"date\"\nfields = [\"date_of_birth\"]\n"
            ),
            "dedupe.comparisons[0].fields[0]",
            12,
        ),
        (
            format!("{MINIMAL}\n[survivorship]\nsource_priority = [\"erp\"]\n"),
            "survivorship.source_priority[0]",
            10,
        ),
        (
            MINIMAL.replace(
                "path = \"crm.csv\"",
                "path = \"crm.csv\"\nrequired = [\"phone\"]",
            ),
            "sources[0].required[0]",
            5,
        ),
    ];
    for (text, key, line) in cases {
        let err = load_in(tmp.path(), &text).unwrap_err();
        assert_eq!(err.key(), Some(key), "{err}");
        let ConfigError::Invalid { location, .. } = &err else {
            panic!("not a validation error: {err}");
        };
        assert_eq!(location.map(|l| l.0), Some(line), "{err}");
        assert!(err.to_string().contains("expected"), "{err}");
    }
}

#[test]
fn type_errors_name_the_full_key_path() {
    let text =
        format!("{MINIMAL}\n[[sources]]\nname = \"web\"\n[sources.columns]\nemail = \"mail\"\n");
    let err = parse_str(&text).unwrap_err();
    assert_eq!(err.key(), Some("sources[1].path"), "{err}");
    assert!(err.to_string().contains("(source `web`)"), "{err}");
    let err = parse_str(&format!("{MINIMAL}\n[run]\nas_of = \"2026-02-30\"\n")).unwrap_err();
    assert_eq!(err.key(), Some("run.as_of"), "{err}");
    assert!(
        err.to_string().contains("expected a date `YYYY-MM-DD`"),
        "{err}"
    );
}
