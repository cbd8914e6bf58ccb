//! PII never reaches logs or error messages: customer values from the demo
//! are absent from stderr at the most verbose level and in the errors that
//! malformed inputs raise, while source names, columns and lines are there.

use std::path::Path;

use crate::util::{assert_code, cim, repo, stderr};

/// Distinctive customer values of the demo CRM export (emails, phones,
/// names, streets), long enough not to occur by chance in a log line.
fn crm_values() -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("fixtures/demo/crm.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .split(',')
        .collect();
    let wanted = ["First Name", "Last Name", "Email", "Phone", "Street"];
    let idx: Vec<usize> = wanted
        .iter()
        .map(|w| header.iter().position(|h| h == w).unwrap())
        .collect();
    let mut values = Vec::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        for &i in &idx {
            if let Some(v) = cells.get(i).map(|v| v.trim())
                && v.chars().count() >= 5
            {
                values.push(v.to_owned());
            }
        }
    }
    values.sort();
    values.dedup();
    assert!(values.len() > 500, "{} values", values.len());
    values
}

#[track_caller]
fn assert_no_pii(err: &str, values: &[String]) {
    let leaked: Vec<&String> = values.iter().filter(|v| err.contains(v.as_str())).collect();
    assert!(
        leaked.is_empty(),
        "customer values in stderr: {leaked:?}\n{err}"
    );
}

const CRM_SOURCE: &str = r#"
[[sources]]
name = "crm"
path = "crm.csv"
date_order = "dmy"
[sources.columns]
source_key = "CustomerID"
given_name = "First Name"
family_name = "Last Name"
email = "Email"
phone = "Phone"
date_of_birth = "DOB"
address_line1 = "Street"
city = "City"
postcode = "Postcode"
country = "Country"
"#;

fn crm_lines() -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("fixtures/demo/crm.csv")).unwrap();
    text.lines().map(str::to_owned).collect()
}

fn run_crm(dir: &Path, csv: &str) -> (std::process::Output, String) {
    std::fs::write(dir.join("crm.csv"), csv).unwrap();
    let cfg = dir.join("pipeline.toml");
    std::fs::write(&cfg, CRM_SOURCE).unwrap();
    let out = dir.join("out");
    let o = cim(&[
        "run",
        cfg.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "-vv",
    ]);
    let err = stderr(&o);
    (o, err)
}

#[test]
fn demo_run_at_trace_level_logs_no_customer_values() {
    let values = crm_values();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = cim(&[
        "run",
        "fixtures/demo/pipeline.toml",
        "--output",
        out.to_str().unwrap(),
        "-vv",
    ]);
    assert_code(&o, 0);
    let err = stderr(&o);
    assert!(err.contains("source=crm"), "{err}");
    assert_no_pii(&err, &values);
}

#[test]
fn malformed_inputs_raise_errors_without_customer_values() {
    let values = crm_values();
    let lines = crm_lines();
    let tmp = tempfile::tempdir().unwrap();

    // Header row missing: the first customer's values become the "header".
    let (o, err) = run_crm(tmp.path(), &(lines[1..].join("\n") + "\n"));
    assert_code(&o, 1);
    assert!(err.contains("CustomerID") && err.contains("crm"), "{err}");
    assert_no_pii(&err, &values);

    // Most rows cut off after 6 fields: quarantined (ragged), quality gate.
    let mut csv = lines[0].clone() + "\n";
    for l in &lines[1..] {
        csv += &l.split(',').take(6).collect::<Vec<_>>().join(",");
        csv += "\n";
    }
    let (o, err) = run_crm(tmp.path(), &csv);
    assert_code(&o, 1);
    assert!(err.contains("quality gate") && err.contains("crm"), "{err}");
    assert_no_pii(&err, &values);

    // Invalid UTF-8 in a few rows and unparseable dates: quarantined or
    // parsed, logged at trace level, never with the values.
    let mut csv = lines[0].clone() + "\n";
    for (i, l) in lines[1..].iter().enumerate() {
        let l = if i % 50 == 0 {
            l.replacen(",", ",\u{FFFD}", 1)
        } else if i % 50 == 1 {
            l.replace('/', "?")
        } else {
            l.clone()
        };
        csv += &l;
        csv += "\n";
    }
    let mut bytes = csv.into_bytes();
    // Lone continuation bytes: invalid UTF-8.
    for b in bytes.iter_mut() {
        if *b == 0xBD {
            *b = 0xFF;
        }
    }
    std::fs::write(tmp.path().join("crm.csv"), &bytes).unwrap();
    let cfg = tmp.path().join("pipeline.toml");
    let out = tmp.path().join("out");
    let o = cim(&[
        "run",
        cfg.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "-vv",
    ]);
    let err = stderr(&o);
    assert!(err.contains("crm"), "{err}");
    assert_no_pii(&err, &values);
}
