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
    assert!(stdout(&o).contains("ok: a run would proceed"));
    let o = cim_in(tmp.path(), &["run", "pipeline.toml", "-q"]);
    assert_code(&o, 0);
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

#[test]
fn config_error_messages() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("crm.csv"),
        "Email,Name\na@example.com,Ann\n",
    )
    .unwrap();
    let base =
        "[[sources]]\nname = \"crm\"\npath = \"crm.csv\"\n[sources.columns]\nemail = \"Email\"\n";
    let cases: Vec<(&str, String)> = vec![
        (
            "missing path",
            "[[sources]]\nname = \"crm\"\n[sources.columns]\nemail = \"Email\"\n".into(),
        ),
        (
            "misspelt output key",
            format!("{base}[output]\ndri = \"x\"\n"),
        ),
        ("misspelt field", base.replace("email =", "emial =")),
        (
            "ratio above 1",
            format!("{base}[run]\nmax_quarantine_ratio = 2.0\n"),
        ),
        (
            "missing source file",
            base.replace("crm.csv", "missing.csv"),
        ),
        ("unknown column", base.replace("\"Email\"", "\"Mail\"")),
        ("sources not a table", "sources = 3\n".into()),
        ("no sources", "[run]\nthreads = 1\n".into()),
        (
            "bad source name",
            base.replace("name = \"crm\"", "name = \"c r m\""),
        ),
        (
            "bad phone region",
            base.replace(
                "path = \"crm.csv\"\n",
                "path = \"crm.csv\"\nphone_region = \"china\"\n",
            ),
        ),
        (
            "bad date order",
            base.replace(
                "path = \"crm.csv\"\n",
                "path = \"crm.csv\"\ndate_order = \"dym\"\n",
            ),
        ),
        (
            "bad encoding",
            base.replace(
                "path = \"crm.csv\"\n",
                "path = \"crm.csv\"\nencoding = \"klingon\"\n",
            ),
        ),
        (
            "bad blocking key",
            format!("{base}[dedupe]\nblocking_rules = [[\"emali\"]]\n"),
        ),
        (
            "output is the source directory",
            format!("{base}[output]\ndir = \".\"\n"),
        ),
        ("wrong type", format!("{base}[run]\nthreads = \"two\"\n")),
        (
            "bad as_of date",
            format!("{base}[run]\nas_of = \"2026-13-01\"\n"),
        ),
    ];
    let tmp_str = tmp.path().canonicalize().unwrap().display().to_string();
    let mut all = String::new();
    for (name, text) in &cases {
        let cfg = tmp.path().join("pipeline.toml");
        std::fs::write(&cfg, text).unwrap();
        let o = cim_in(tmp.path(), &["check", "pipeline.toml", "-q"]);
        assert_code(&o, 1);
        let err = stderr(&o)
            .replace(&tmp_str, "<tmp>")
            .replace(&tmp.path().display().to_string(), "<tmp>");
        assert!(
            err.contains("pipeline.toml") || err.contains("crm"),
            "{name}: the message names neither the file nor the source:\n{err}"
        );
        all.push_str(&format!("## {name}\n{text}--\n{err}\n"));
    }
    assert_snapshot("config_errors.txt", &all);
}
