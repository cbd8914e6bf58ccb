use crate::ConfigError;
use crate::tests::load_in;

const BASE: &str = r#"
[[sources]]
name = "crm"
path = "crm.csv"
[sources.columns]
source_key = "CustomerID"
email = "Email"
"#;

#[test]
fn encryption_table_parses_with_defaults_and_resolves_the_key_file() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = load_in(tmp.path(), BASE).unwrap().config;
    assert!(cfg.output.encryption.is_none(), "off by default");

    let text = format!("{BASE}\n[output.encryption]\ncolumns = [\"email\", \"phone\"]\n");
    let enc = load_in(tmp.path(), &text)
        .unwrap()
        .config
        .output
        .encryption
        .unwrap();
    assert_eq!(enc.columns, ["email", "phone"]);
    assert_eq!(enc.key_env, None);
    assert_eq!(enc.key_file, None);
    assert!(enc.plaintext_footer);
    assert!(enc.audit_outputs);

    let text = format!(
        "{BASE}\n[output.encryption]\ncolumns = [\"national_id\"]\nkey_file = \"keys/master.key\"\nplaintext_footer = false\naudit_outputs = false\n"
    );
    let enc = load_in(tmp.path(), &text)
        .unwrap()
        .config
        .output
        .encryption
        .unwrap();
    assert_eq!(enc.key_file, Some(tmp.path().join("keys/master.key")));
    assert!(!enc.plaintext_footer);
    assert!(!enc.audit_outputs);
}

#[test]
fn bad_encryption_settings_name_the_key_and_the_expectation() {
    let tmp = tempfile::tempdir().unwrap();
    for (table, key, expect) in [
        (
            "columns = [\"emial\"]",
            "output.encryption.columns",
            "`emial` is not a master column; expected one of `full_name`",
        ),
        (
            "columns = [\"golden_id\"]",
            "output.encryption.columns",
            "`golden_id` cannot be encrypted",
        ),
        (
            "columns = []",
            "output.encryption.columns",
            "at least one master column",
        ),
        (
            "columns = [\"email\"]\nkey_env = \"K\"\nkey_file = \"k\"",
            "output.encryption.key_file",
            "not both",
        ),
        (
            "columns = [\"email\"]\nkey_env = \"\"",
            "output.encryption.key_env",
            "not an environment variable name",
        ),
    ] {
        let text = format!("{BASE}\n[output.encryption]\n{table}\n");
        let err = load_in(tmp.path(), &text).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("`{key}`")),
            "expected {key} in: {msg}"
        );
        assert!(msg.contains(expect), "expected `{expect}` in: {msg}");
    }
    let text = format!("{BASE}\n[output.encryption]\ncolumns = [\"email\"]\nkey = \"00ff\"\n");
    let msg = load_in(tmp.path(), &text).unwrap_err().to_string();
    assert!(msg.contains("key"), "unknown keys are refused: {msg}");
}
