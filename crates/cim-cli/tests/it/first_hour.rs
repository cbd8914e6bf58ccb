//! "The first hour with cim": `cim init` -> `cim check` -> `cim run` on
//! files nobody configured by hand, plus snapshots of what a newcomer reads
//! (drafted configs, check output, help, config errors).
//!
//! Snapshots are plain files under `tests/it/snapshots/`; rewrite them with
//! `UPDATE_SNAPSHOTS=1 cargo test -p cim-cli first_hour` and review the diff.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::{assert_code, cim, repo, stderr, stdout};

fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots")
}

/// Compares `actual` with the committed snapshot `name`.
#[track_caller]
fn assert_snapshot(name: &str, actual: &str) {
    let path = snapshot_dir().join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(snapshot_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "snapshot `{}` missing: run `UPDATE_SNAPSHOTS=1 cargo test -p cim-cli first_hour`",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "snapshot `{name}` differs (rewrite with UPDATE_SNAPSHOTS=1 and review the diff)\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

/// Runs `cim` in `dir`.
fn cim_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cim"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .env_remove("CIM_CONFIG")
        .output()
        .expect("cim runs")
}

/// A temp dir holding copies of the three demo exports.
fn demo_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for f in ["crm.csv", "webshop.jsonl", "loyalty_gbk.csv"] {
        std::fs::copy(repo().join("fixtures/demo").join(f), tmp.path().join(f)).unwrap();
    }
    tmp
}

fn init_demo(dir: &Path) -> String {
    let o = cim_in(
        dir,
        &["init", "crm.csv", "webshop.jsonl", "loyalty_gbk.csv", "-q"],
    );
    assert_code(&o, 0);
    std::fs::read_to_string(dir.join("pipeline.toml")).unwrap()
}

#[test]
fn init_drafts_the_demo_config() {
    let tmp = demo_copy();
    let text = init_demo(tmp.path());
    assert_snapshot("init_demo.toml", &text);
    // What a hand-written config needs, guessed from names and content.
    for line in [
        "name = \"crm\"",
        "name = \"webshop\"",
        "name = \"loyalty\"",
        "date_order = \"dmy\"",
        "encoding = \"gbk\"",
        "phone_region = \"CN\"",
        "full_name = \"姓名\"",
        "postcode = \"address.zip\"",
        "given_name = \"First Name\"",
        "# unmapped column \"newsletter\"",
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    // The draft loads as it is.
    let loaded = cim_config::load(&tmp.path().join("pipeline.toml")).unwrap();
    assert_eq!(loaded.config.source_names(), ["crm", "webshop", "loyalty"]);
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let tmp = demo_copy();
    std::fs::write(tmp.path().join("pipeline.toml"), "# mine\n").unwrap();
    let o = cim_in(tmp.path(), &["init", "crm.csv"]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("pipeline.toml")).unwrap(),
        "# mine\n"
    );
    let o = cim_in(tmp.path(), &["init", "crm.csv", "--force", "-q"]);
    assert_code(&o, 0);
    assert!(
        std::fs::read_to_string(tmp.path().join("pipeline.toml"))
            .unwrap()
            .contains("name = \"crm\"")
    );
}

#[test]
fn init_then_check_then_run_reaches_f1_0_9() {
    let tmp = demo_copy();
    init_demo(tmp.path());
    let o = cim_in(tmp.path(), &["check", "pipeline.toml", "-q"]);
    assert_code(&o, 0);
    let check = stdout(&o);
    assert!(check.contains("ok: a run would proceed"));
    assert!(check.contains("blocking (candidate pairs over every row, exact)"));
    assert_snapshot("check_init_demo.txt", &check);
    let o = cim_in(tmp.path(), &["run", "pipeline.toml"]);
    assert_code(&o, 0);
    // The run summary up to the model-dependent counts: run id (dated) and
    // time masked.
    let run = stdout(&o);
    let head: Vec<String> = run
        .lines()
        .take_while(|l| !l.trim_start().starts_with("golden records"))
        .map(|l| match l.strip_prefix("cim run ") {
            Some(_) => "cim run <run id> finished in <t> s".to_owned(),
            None => l.to_owned(),
        })
        .collect();
    assert_snapshot("run_init_demo.txt", &(head.join("\n") + "\n"));
    assert!(run.contains("master.parquet"), "{run}");
    let truth = repo().join("fixtures/demo/truth.csv");
    let o = cim_in(
        tmp.path(),
        &[
            "evaluate",
            "out",
            "--truth",
            truth.to_str().unwrap(),
            "--json",
        ],
    );
    assert_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let f1 = find_number(&v, "pairwise", "f1").expect("pairwise f1 in evaluation JSON");
    assert!(f1 >= 0.9, "pairwise F1 {f1} < 0.9 on the drafted config");
}

/// `v[section][key]`, searching one level of nesting for `section`.
fn find_number(v: &serde_json::Value, section: &str, key: &str) -> Option<f64> {
    if let Some(x) = v
        .get(section)
        .and_then(|s| s.get(key))
        .and_then(|x| x.as_f64())
    {
        return Some(x);
    }
    v.as_object()?
        .values()
        .find_map(|inner| find_number(inner, section, key))
}

#[test]
fn init_on_a_chinese_gbk_file() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "客户编号,姓名,手机号,邮箱,生日,性别,省,城市,邮编,地址,公司,更新时间,备注\r\n\
        C001,张伟,13800138000,zhangwei@qq.com,1990年1月2日,男,广东省,深圳市,518000,南山区科技路1号,腾达科技有限公司,2024-05-06 09:12:33,老客户\r\n\
        C002,李娜,+86 139 1234 5678,lina@163.com,1985年12月24日,女,北京市,北京市,100020,朝阳区建国路88号,,2024-06-01 10:00:00,\r\n\
        C003,王芳,137-0000-1111,,1979年7月30日,女,上海市,上海市,200001,黄浦区南京路5号,华新贸易公司,2023-01-15 08:30:00,VIP\r\n\
        C004,刘洋,15911112222,liuyang@126.com,2001年3月9日,男,浙江省,杭州市,310000,西湖区文三路20号,,2024-02-29 17:45:10,\r\n";
    let (bytes, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad);
    std::fs::write(tmp.path().join("members_2024.csv"), &bytes).unwrap();
    let o = cim_in(
        tmp.path(),
        &["init", "members_2024.csv", "-o", "cfg.toml", "-q"],
    );
    assert_code(&o, 0);
    let cfg = std::fs::read_to_string(tmp.path().join("cfg.toml")).unwrap();
    assert_snapshot("init_gbk.toml", &cfg);
    for line in [
        "name = \"members\"",
        "encoding = \"gbk\"",
        "phone_region = \"CN\"",
        "source_key = \"客户编号\"",
        "full_name = \"姓名\"",
        "phone = \"手机号\"",
        "date_of_birth = \"生日\"",
        "gender = \"性别\"",
        "region = \"省\"",
        "company = \"公司\"",
        "# unmapped column \"备注\"",
    ] {
        assert!(cfg.contains(line), "missing `{line}` in:\n{cfg}");
    }
    let o = cim_in(tmp.path(), &["run", "cfg.toml", "-q"]);
    assert_code(&o, 0);
}

#[test]
fn check_on_the_demo_config() {
    let o = cim(&["check", "fixtures/demo/pipeline.toml", "-q"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert_snapshot("check_demo.txt", &out);
    // Masked by default; the raw value shows only with --show-pii.
    assert!(!out.contains("amandahughes47@gmail.com"));
    let o = cim(&["check", "fixtures/demo/pipeline.toml", "-q", "--json"]);
    assert_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["proceed"], true);
    assert_eq!(
        v["sources"][2]["quarantined_by_reason"]["invalid_encoding"],
        1
    );
    assert!(v["blocking"].as_array().is_some_and(|b| !b.is_empty()));
    // Nothing written.
    let o = cim(&["check", "fixtures/demo/pipeline.toml", "-q", "--show-pii"]);
    assert!(stdout(&o).contains('@'));
}

#[test]
fn check_fails_when_a_run_would_not_proceed() {
    let tmp = demo_copy();
    init_demo(tmp.path());
    let path = tmp.path().join("pipeline.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("max_quarantine_ratio = 0.1", "max_quarantine_ratio = 0.001");
    std::fs::write(&path, text).unwrap();
    let o = cim_in(tmp.path(), &["check", "pipeline.toml", "-q"]);
    assert_code(&o, 1);
    assert!(
        stdout(&o).contains("problem: source `crm`"),
        "{}",
        stdout(&o)
    );
    assert!(
        !tmp.path().join("out").exists(),
        "check must not write outputs"
    );
}

/// Subcommands listed by `cim --help`.
fn commands() -> Vec<String> {
    let help = stdout(&cim(&["--help"]));
    help.split("Commands:")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect()
}

#[test]
fn help_of_every_command() {
    let cmds = commands();
    assert!(cmds.iter().any(|c| c == "init") && cmds.iter().any(|c| c == "check"));
    let o = cim(&["--help"]);
    assert_code(&o, 0);
    assert_snapshot("help.txt", &stdout(&o));
    for c in cmds {
        let o = cim(&[&c, "--help"]);
        assert_code(&o, 0);
        assert_snapshot(&format!("help_{c}.txt"), &stdout(&o));
    }
}

/// A broken config: what is wrong, the text, and the key path the error
/// must name (`None` for a TOML syntax error, which has no key).
struct Broken {
    name: &'static str,
    text: String,
    key: Option<&'static str>,
}

fn broken_configs() -> Vec<Broken> {
    let base =
        "[[sources]]\nname = \"crm\"\npath = \"crm.csv\"\n[sources.columns]\nemail = \"Email\"\n";
    let web = "[[sources]]\nname = \"web\"\npath = \"web.jsonl\"\n[sources.columns]\nemail = \"mail\"\nfull_name = \"name\"\n";
    let two = format!("{base}{web}");
    // An option line in the first source's table.
    let opt = |line: &str| {
        base.replace(
            "path = \"crm.csv\"\n",
            &format!("path = \"crm.csv\"\n{line}\n"),
        )
    };
    let b = |name, text: String, key| Broken { name, text, key };
    vec![
        b("TOML syntax error", format!("{base}[run\n"), None),
        b("no sources", "[run]\nthreads = 1\n".into(), Some("sources")),
        b(
            "sources not an array of tables",
            "sources = 3\n".into(),
            Some("sources"),
        ),
        b(
            "second source without path",
            format!("{base}[[sources]]\nname = \"web\"\n[sources.columns]\nemail = \"mail\"\n"),
            Some("sources[1].path"),
        ),
        b(
            "source without name",
            base.replace("name = \"crm\"\n", ""),
            Some("sources[0].name"),
        ),
        b(
            "source without columns",
            "[[sources]]\nname = \"crm\"\npath = \"crm.csv\"\n".into(),
            Some("sources[0].columns"),
        ),
        b(
            "misspelt section",
            format!("{base}[dedup]\nmatch_threshold = 0.9\n"),
            Some("dedup"),
        ),
        b(
            "misspelt output key",
            format!("{base}[output]\ndri = \"x\"\n"),
            Some("output.dri"),
        ),
        b(
            "misspelt field",
            base.replace("email =", "emial ="),
            Some("sources[0].columns.emial"),
        ),
        b(
            "misspelt source option",
            opt("encodng = \"gbk\""),
            Some("sources[0].encodng"),
        ),
        b(
            "wrong type",
            format!("{base}[run]\nthreads = \"two\"\n"),
            Some("run.threads"),
        ),
        b(
            "negative count",
            format!("{base}[run]\nthreads = -1\n"),
            Some("run.threads"),
        ),
        b(
            "bad as_of date",
            format!("{base}[run]\nas_of = \"2026-13-01\"\n"),
            Some("run.as_of"),
        ),
        b(
            "timestamp where a date is expected",
            format!("{base}[run]\nas_of = \"2026-01-31T08:00:00\"\n"),
            Some("run.as_of"),
        ),
        b(
            "unquoted TOML date",
            format!("{base}[normalize]\nreference_date = 2026-01-31\n"),
            Some("normalize.reference_date"),
        ),
        b(
            "ratio above 1",
            format!("{base}[run]\nmax_quarantine_ratio = 2.0\n"),
            Some("run.max_quarantine_ratio"),
        ),
        b(
            "threshold above 1",
            format!("{base}[dedupe]\nmatch_threshold = 1.5\n"),
            Some("dedupe.match_threshold"),
        ),
        b(
            "negative floor",
            format!("{base}[dedupe]\npairs_floor = -0.1\n"),
            Some("dedupe.pairs_floor"),
        ),
        b(
            "fixed m above 1",
            format!("{base}[[dedupe.fixed]]\ncomparison = \"email\"\nlevel = \"exact\"\nm = 1.5\n"),
            Some("dedupe.fixed[0].m"),
        ),
        b(
            "bad link type",
            format!("{base}[dedupe]\nlink_type = \"link\"\n"),
            Some("dedupe.link_type"),
        ),
        b(
            "bad blocking key",
            format!("{base}[dedupe]\nblocking_rules = [[\"email\"], [\"emali\"]]\n"),
            Some("dedupe.blocking_rules[1]"),
        ),
        b(
            "blocking rule on an unmapped field",
            format!("{base}[dedupe]\nblocking_rules = [[\"email\"], [\"dob\", \"postcode\"]]\n"),
            Some("dedupe.blocking_rules[1][0]"),
        ),
        b(
            "comparison on an unmapped field",
            format!(
                "{base}[[dedupe.comparisons]]\nname = \"email\"\nkind = \"email\"\nfields = [\"email\"]\n[[dedupe.comparisons]]\nname = \"dob\"\nkind = \"date\"\nfields = [\"date_of_birth\"]\n"
            ),
            Some("dedupe.comparisons[1].fields[0]"),
        ),
        b(
            "similarity threshold above 1",
            format!(
                "{two}[[dedupe.comparisons]]\nname = \"name\"\nkind = \"full_name\"\nfields = [\"full_name\"]\nthresholds = [0.9, 75]\n"
            ),
            Some("dedupe.comparisons[0].thresholds[1]"),
        ),
        b(
            "survivorship rule for an unknown field",
            format!("{base}[survivorship.fields]\nemial = \"most_recent\"\n"),
            Some("survivorship.fields.emial"),
        ),
        b(
            "survivorship rule inside a kept-together unit",
            format!("{two}[survivorship.fields]\ngiven_name = \"longest\"\n"),
            Some("survivorship.fields.given_name"),
        ),
        b(
            "source priority names an unknown source",
            format!("{two}[survivorship]\nsource_priority = [\"web\", \"erp\"]\n"),
            Some("survivorship.source_priority[1]"),
        ),
        b(
            "duplicate source names",
            format!("{base}{}", web.replace("\"web\"", "\"crm\"")),
            Some("sources[1].name"),
        ),
        b(
            "bad source name",
            base.replace("name = \"crm\"", "name = \"c r m\""),
            Some("sources[0].name"),
        ),
        b(
            "bad phone region",
            opt("phone_region = \"china\""),
            Some("sources[0].phone_region"),
        ),
        b(
            "bad date order",
            opt("date_order = \"dym\""),
            Some("sources[0].date_order"),
        ),
        b(
            "unknown encoding",
            opt("encoding = \"klingon\""),
            Some("sources[0].encoding"),
        ),
        b(
            "unknown fallback encoding",
            opt("fallback_encoding = \"gbkk\""),
            Some("sources[0].fallback_encoding"),
        ),
        b(
            "two-character delimiter",
            format!("{base}[sources.csv]\ndelimiter = \";;\"\n"),
            Some("sources[0].csv.delimiter"),
        ),
        b(
            "required field not mapped",
            opt("required = [\"email\", \"phone\"]"),
            Some("sources[0].required[1]"),
        ),
        b(
            "missing source file",
            base.replace("crm.csv", "missing.csv"),
            Some("sources[0].path"),
        ),
        b(
            "bad glob",
            base.replace("crm.csv", "exports/crm-[0-9.csv"),
            Some("sources[0].path"),
        ),
        b(
            "glob matching no file",
            base.replace("crm.csv", "exports/*.csv"),
            Some("sources[0].path"),
        ),
        b(
            "unknown column",
            base.replace("\"Email\"", "\"E-mail\""),
            Some("sources[0].columns.email"),
        ),
        b(
            "output is the source directory",
            format!("{base}[output]\ndir = \".\"\n"),
            Some("output.dir"),
        ),
        b(
            "output is a file",
            format!("{base}[output]\ndir = \"crm.csv\"\n"),
            Some("output.dir"),
        ),
    ]
}

#[test]
fn config_error_messages() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("crm.csv"),
        "Email,Name\na@example.com,Ann\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("web.jsonl"),
        "{\"mail\": \"b@example.com\", \"name\": \"Bo Li\"}\n",
    )
    .unwrap();
    std::fs::create_dir(tmp.path().join("exports")).unwrap();
    let cases = broken_configs();
    assert!(cases.len() >= 20);
    let tmp_str = tmp.path().canonicalize().unwrap().display().to_string();
    let mut all = String::new();
    for case in &cases {
        let cfg = tmp.path().join("pipeline.toml");
        std::fs::write(&cfg, &case.text).unwrap();
        let o = cim_in(tmp.path(), &["check", "pipeline.toml", "-q"]);
        assert_code(&o, 1);
        let err = stderr(&o)
            .replace(&tmp_str, "<tmp>")
            .replace(&tmp.path().display().to_string(), "<tmp>");
        let name = case.name;
        // The file, with a line and column.
        let at = err
            .strip_prefix("error: pipeline.toml:")
            .unwrap_or_else(|| panic!("{name}: the message does not start with the file:\n{err}"));
        assert!(
            at.starts_with(|c: char| c.is_ascii_digit()),
            "{name}: no line:column:\n{err}"
        );
        // The key, as a full dotted path.
        if let Some(key) = case.key {
            assert!(
                err.contains(&format!("`{key}`")),
                "{name}: the message does not name `{key}`:\n{err}"
            );
        }
        // What was expected.
        assert!(
            err.contains("expected"),
            "{name}: the message does not say what was expected:\n{err}"
        );
        // Never a customer value (the data file's one row).
        for value in ["a@example.com", "Ann", "b@example.com", "Bo Li"] {
            assert!(!err.contains(value), "{name}: data value in:\n{err}");
        }
        all.push_str(&format!("## {name}\n{}--\n{err}\n", case.text));
    }
    assert_snapshot("config_errors.txt", &all);
}

/// `cim ... | head`: when the reader closes stdout, every command ends
/// quietly with exit code 0 instead of panicking on the broken pipe.
#[test]
fn closed_stdout_exits_quietly() {
    let demo = repo().join("fixtures/demo/pipeline.toml");
    let demo = demo.to_str().unwrap();
    for args in [
        vec!["check", demo, "-q"],
        vec!["check", demo, "-q", "--json"],
        vec!["completions", "bash"],
        vec!["config-reference"],
        vec!["--help"],
    ] {
        // A pipe whose read end is already closed: the first write fails
        // with EPIPE, whatever the timing.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = Command::new(env!("CARGO_BIN_EXE_cim"))
            .args(&args)
            .current_dir(repo())
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("cim runs");
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
        assert!(!err.contains("Broken pipe"), "{args:?}:\n{err}");
        assert_eq!(o.status.code(), Some(0), "{args:?}:\n{err}");
    }
}

/// `cim check` counts rows and blocking pairs over every row, whatever the
/// sample size: the same figures the run then reports; `--sample-only`
/// counts the sample and says so.
#[test]
fn check_counts_exactly_what_a_run_blocks() {
    let tmp = demo_copy();
    init_demo(tmp.path());
    let json = |args: &[&str]| -> serde_json::Value {
        let o = cim_in(tmp.path(), args);
        assert_code(&o, 0);
        serde_json::from_str(&stdout(&o)).unwrap()
    };
    let check = json(&[
        "check",
        "pipeline.toml",
        "-q",
        "--json",
        "--sample-rows",
        "40",
    ]);
    assert_eq!(check["exact"], true);
    let run = json(&["run", "pipeline.toml", "-q", "--json"]);
    for (c, r) in check["sources"]
        .as_array()
        .unwrap()
        .iter()
        .zip(run["sources"].as_array().unwrap())
    {
        assert_eq!(c["name"], r["name"]);
        for k in ["read", "accepted", "quarantined"] {
            assert_eq!(c[k], r[k], "{k} of {}", c["name"]);
        }
        assert!(c["read"].as_u64().unwrap() > 40);
        assert_eq!(c["sample"].as_array().unwrap().len(), 3);
    }
    let rules = |v: &serde_json::Value| -> Vec<(String, u64)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["rule"].as_str().unwrap().to_owned(),
                    r["candidate_pairs"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let counted = rules(&check["blocking"]);
    assert!(!counted.is_empty());
    assert_eq!(counted, rules(&run["dedupe"]["rules"]));

    let sampled = json(&[
        "check",
        "pipeline.toml",
        "-q",
        "--json",
        "--sample-rows",
        "40",
        "--sample-only",
    ]);
    assert_eq!(sampled["exact"], false);
    let read: u64 = sampled["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["read"].as_u64().unwrap())
        .sum();
    assert!(
        read <= 3 * 40,
        "sample of 40 rows per source read {read} rows"
    );
    let total_pairs = |v: &[(String, u64)]| v.iter().map(|r| r.1).sum::<u64>();
    assert!(total_pairs(&rules(&sampled["blocking"])) < total_pairs(&counted));
    let o = cim_in(
        tmp.path(),
        &[
            "check",
            "pipeline.toml",
            "-q",
            "--sample-rows",
            "40",
            "--sample-only",
        ],
    );
    assert!(stdout(&o).contains("blocking (candidate pairs on the sample)"));
}
