//! Bad configs, missing files and help text: clear messages, exit code 1.

use crate::util::{assert_code, cim, stderr, stdout};

fn write_config(dir: &std::path::Path, text: &str) -> String {
    let p = dir.join("pipeline.toml");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_owned()
}

#[test]
fn bad_configs_exit_1_naming_file_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    let base =
        "[[sources]]\nname = \"crm\"\npath = \"crm.csv\"\n[sources.columns]\nemail = \"Email\"\n";
    std::fs::write(tmp.path().join("crm.csv"), "Email\na@example.com\n").unwrap();
    let cases: &[(&str, &str)] = &[
        (
            "[[sources]]\nname = \"crm\"\n",
            "`sources[0].path` (source `crm`): required key is missing",
        ),
        (
            &format!("{base}[output]\ndri = \"x\"\n"),
            "did you mean `dir`?",
        ),
        (&base.replace("email =", "emial ="), "did you mean `email`?"),
        (
            &format!("{base}[run]\nmax_quarantine_ratio = 2.0\n"),
            "`run.max_quarantine_ratio`",
        ),
        (&base.replace("crm.csv", "missing.csv"), "missing.csv"),
        (&base.replace("\"Email\"", "\"Mail\""), "Mail"),
        ("sources = 3\n", "invalid type"),
    ];
    for (text, expected) in cases {
        let cfg = write_config(tmp.path(), text);
        let o = cim(&["run", &cfg, "-q"]);
        assert_code(&o, 1);
        let err = stderr(&o);
        assert!(err.contains(expected), "expected `{expected}` in:\n{err}");
        assert!(
            err.contains("pipeline.toml") || err.contains("crm"),
            "{err}"
        );
    }
}

#[test]
fn missing_config_file_exits_1() {
    let o = cim(&["run", "/nonexistent/pipeline.toml"]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("/nonexistent/pipeline.toml"));
}

#[test]
fn every_command_has_help() {
    for cmd in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["evaluate", "--help"],
        vec!["cluster", "--help"],
        vec!["train", "--help"],
    ] {
        let o = cim(&cmd);
        assert_code(&o, 0);
        assert!(stdout(&o).contains("Usage: cim"), "{cmd:?}");
    }
    let o = cim(&["run", "--help"]);
    for flag in [
        "--model",
        "--output",
        "--threads",
        "--as-of",
        "--json",
        "--quiet",
        "--verbose",
        "--show-pii",
    ] {
        assert!(stdout(&o).contains(flag), "run --help lacks {flag}");
    }
}
