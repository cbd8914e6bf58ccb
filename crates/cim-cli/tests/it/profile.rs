//! `cim profile`: per-source column profiles, masked by default, with the
//! validity of mapped fields.

use crate::util::{assert_code, cim, repo, stderr, stdout};

/// Every `@`-token of a demo file: raw email addresses that must not leak.
fn emails_in(file: &str) -> Vec<String> {
    let bytes = std::fs::read(repo().join(file)).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    text.split(|c: char| c == ',' || c == '"' || c.is_whitespace())
        .filter(|t| t.contains('@') && t.len() > 5)
        .map(str::to_owned)
        .collect()
}

#[test]
fn profile_of_the_demo_config_lists_every_source_masked() {
    let o = cim(&["profile", "fixtures/demo/pipeline.toml"]);
    assert_code(&o, 0);
    let text = stdout(&o);
    for source in ["crm", "webshop", "loyalty"] {
        assert!(text.contains(&format!("source `{source}`")), "{text}");
    }
    // Shapes of known columns, mapped columns marked.
    assert!(text.contains("column `Email` -> email"), "{text}");
    assert!(text.contains("shapes: "), "{text}");
    assert!(text.contains("column `姓名` -> full_name"), "{text}");
    // Validity per mapped field, with reasons for the invalid ones.
    assert!(text.contains("validity of mapped fields"), "{text}");
    let phone = text
        .lines()
        .find(|l| l.trim_start().starts_with("phone ") && l.contains("<- Phone"))
        .expect("crm phone validity line");
    assert!(
        phone.contains("valid ") && phone.contains("reasons:"),
        "{phone}"
    );
    // Masked: no raw email from the demo appears.
    let emails = emails_in("fixtures/demo/crm.csv");
    assert!(emails.len() > 100, "the demo has emails: {}", emails.len());
    for e in emails {
        assert!(!text.contains(&e), "raw email leaked into the profile");
    }
    // --show-pii reveals them.
    let o = cim(&["profile", "fixtures/demo/pipeline.toml", "--show-pii"]);
    assert_code(&o, 0);
    let shown = stdout(&o);
    assert!(
        emails_in("fixtures/demo/crm.csv")
            .iter()
            .any(|e| shown.contains(e.as_str())),
        "--show-pii shows raw top values"
    );
}

#[test]
fn profile_of_the_gbk_file_by_path_as_json() {
    let o = cim(&["profile", "fixtures/demo/loyalty_gbk.csv", "--json"]);
    assert_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    let sources = v["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 1);
    let s = &sources[0];
    assert_eq!(s["source"], "loyalty_gbk");
    let r = &s["report"];
    assert_eq!(
        r["rows_read"].as_u64().unwrap(),
        r["accepted"].as_u64().unwrap() + r["quarantined"].as_u64().unwrap()
    );
    let cols = s["columns"].as_array().unwrap();
    let names: Vec<&str> = cols.iter().map(|c| c["name"].as_str().unwrap()).collect();
    // The encoding was guessed: Chinese headers read correctly.
    for h in ["会员编号", "姓名", "手机", "邮箱"] {
        assert!(names.contains(&h), "{names:?}");
    }
    let phone = cols.iter().find(|c| c["name"] == "手机").unwrap();
    assert_eq!(phone["top_shapes"][0]["value"], "99999999999");
    for tv in phone["top_values"].as_array().unwrap() {
        assert!(tv["value"].as_str().unwrap().ends_with("***"), "{tv}");
    }
    // No mapping for a bare file: nothing to validate.
    assert_eq!(s["validity"].as_array().unwrap().len(), 0);

    // --rows limits the rows read.
    let o = cim(&[
        "profile",
        "fixtures/demo/loyalty_gbk.csv",
        "--json",
        "--rows",
        "10",
    ]);
    assert_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["sources"][0]["report"]["rows_read"], 10);
    assert_eq!(v["sources"][0]["truncated"], true);
}

#[test]
fn validity_counts_cover_every_profiled_row() {
    let o = cim(&[
        "profile",
        "fixtures/demo/pipeline.toml",
        "--json",
        "--rows",
        "120",
    ]);
    assert_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["values_masked"], true);
    let sources = v["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 3);
    for s in sources {
        let accepted = s["report"]["accepted"].as_u64().unwrap();
        let read = s["report"]["rows_read"].as_u64().unwrap();
        assert!(read <= 120, "{}", s["source"]);
        assert_eq!(s["truncated"], read == 120);
        let validity = s["validity"].as_array().unwrap();
        assert!(validity.len() >= 5, "{}", s["source"]);
        for f in validity {
            let n = |k: &str| f[k].as_u64().unwrap();
            assert_eq!(n("valid") + n("invalid") + n("missing"), accepted, "{f}");
            let reasons: u64 = f["top_reasons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["count"].as_u64().unwrap())
                .sum();
            assert!(reasons <= n("invalid"), "{f}");
        }
    }
    // The crm export has phones without a country code that cannot be
    // placed: they are invalid with a reason.
    let crm = &sources[0];
    assert_eq!(crm["report"]["rows_read"], 120);
    let phone = crm["validity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "phone")
        .unwrap();
    assert!(phone["invalid"].as_u64().unwrap() > 0, "{phone}");
    assert!(!phone["top_reasons"].as_array().unwrap().is_empty());
}

#[test]
fn profile_of_a_missing_file_exits_1_naming_it() {
    let o = cim(&["profile", "fixtures/demo/no_such_export.csv"]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("no_such_export.csv"), "{}", stderr(&o));
    let o = cim(&["profile", "/nonexistent/pipeline.toml"]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("/nonexistent/pipeline.toml"));
}
