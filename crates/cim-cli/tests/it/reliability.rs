//! Reliability on a larger generated data set (cim-synth): SIGKILL at many
//! points never leaves a mixed output directory, the lock refuses a
//! concurrent run, outputs are byte-identical across runs and thread counts,
//! and a full disk fails cleanly with the previous outputs intact.

// Tests report what they measured (kill points, errors) in their output.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::util::{assert_code, cim, stderr};

/// Records per generated data set: large enough that a run takes a
/// noticeable time (so kills land mid-run), small enough for `cargo test`.
const RECORDS: u64 = 20_000;

/// Files whose bytes must match an uninterrupted run.
const COMPARED: [&str; 3] = ["master.parquet", "crosswalk.parquet", "pairs.parquet"];

/// A generated data set plus a config for it, cached per seed in the
/// target's temp dir so the tests of this module generate it once.
fn dataset(seed: u64) -> PathBuf {
    static LOCK: Mutex<()> = Mutex::new(());
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cim-reliability-{RECORDS}-{seed}"));
    let config = dir.join("pipeline.toml");
    if !config.is_file() {
        let _ = std::fs::remove_dir_all(&dir);
        let mut opts = cim_synth::SynthOptions::for_records(RECORDS);
        opts.seed = seed;
        cim_synth::write_dataset(&dir, &opts).expect("synthetic data set");
        // Written last: its presence marks a complete data set.
        std::fs::write(&config, CONFIG).unwrap();
    }
    config
}

/// cim-synth writes the demo's sources, so the demo's own config maps them;
/// every test passes `--output`, which overrides its `output.dir`.
const CONFIG: &str = include_str!("../../../../fixtures/demo/pipeline.toml");

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn run_ok(config: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["run", s(config), "--output", s(out), "-q"];
    args.extend_from_slice(extra);
    assert_code(&cim(&args), 0);
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()))
}

fn run_json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(dir, "run.json")).unwrap()
}

/// Checks that `dir` is one complete generation: every file listed in
/// run.json `outputs` exists with the recorded byte size (and, for Parquet,
/// row count), and no other file is there. Returns the run id.
#[track_caller]
fn assert_consistent(dir: &Path) -> String {
    let summary = run_json(dir);
    let mut expected = BTreeMap::new();
    for o in summary["outputs"].as_array().unwrap() {
        expected.insert(
            o["name"].as_str().unwrap().to_owned(),
            (o["bytes"].as_u64().unwrap(), o["rows"].as_u64().unwrap()),
        );
    }
    let mut on_disk = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name == "run.json" || name.starts_with('.') {
            continue;
        }
        on_disk.insert(name, e.metadata().unwrap().len());
    }
    assert_eq!(
        on_disk.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "files on disk differ from run.json outputs in {}",
        dir.display()
    );
    for (name, (bytes, rows)) in &expected {
        assert_eq!(on_disk[name], *bytes, "{name}: size differs from run.json");
        if name.ends_with(".parquet") {
            let (_, b) = cim_output::read_parquet(&dir.join(name)).unwrap();
            let n: u64 = b.iter().map(|b| b.num_rows() as u64).sum();
            assert_eq!(n, *rows, "{name}: row count differs from run.json");
        }
    }
    // The crosswalk holds exactly the accepted rows of this generation.
    assert_eq!(
        expected["crosswalk.parquet"].1,
        summary["rows"]["accepted"].as_u64().unwrap()
    );
    summary["run_id"].as_str().unwrap().to_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn staging_dirs(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("cim-staging"))
        .collect()
}

#[test]
fn sigkill_at_any_point_leaves_one_complete_generation() {
    let cfg_a = dataset(7);
    let cfg_b = dataset(8);
    let tmp = tempfile::tempdir().unwrap();

    // Reference: A then B, uninterrupted; timed to spread the kills.
    let reference = tmp.path().join("reference");
    run_ok(&cfg_a, &reference, &[]);
    let id_a = assert_consistent(&reference);
    let t = Instant::now();
    run_ok(&cfg_b, &reference, &[]);
    let full = t.elapsed();
    let id_b = assert_consistent(&reference);
    assert_ne!(id_a, id_b, "changed input must give a new run id");
    println!(
        "uninterrupted run on {RECORDS} records: {:.2} s",
        full.as_secs_f64()
    );

    // Generation A, copied afresh before every kill: golden ids carry over
    // from the previous run, so each kill must start from the same history.
    let gen_a = tmp.path().join("gen_a");
    run_ok(&cfg_a, &gen_a, &[]);
    let a_bytes: Vec<Vec<u8>> = COMPARED.iter().map(|f| read(&gen_a, f)).collect();

    // Skewed early: under load the reference run (which sets the scale) can
    // be slower than the killed ones.
    let fractions = [0.03, 0.1, 0.2, 0.35, 0.5, 0.75, 1.5];
    let mut mid_run = 0;
    for (i, f) in fractions.into_iter().enumerate() {
        let out = tmp.path().join(format!("out{i}"));
        copy_dir(&gen_a, &out);
        let delay = full.mul_f64(f);
        let mut child = Command::new(env!("CARGO_BIN_EXE_cim"))
            .args(["run", s(&cfg_b), "--output", s(&out), "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        if !finished {
            mid_run += 1;
        }
        let id = assert_consistent(&out);
        let generation = if id == id_a {
            for (name, bytes) in COMPARED.iter().zip(&a_bytes) {
                assert!(
                    read(&out, name) == *bytes,
                    "{name} changed but run.json is A's"
                );
            }
            "A (previous)"
        } else if id == id_b {
            for name in COMPARED {
                assert!(
                    read(&out, name) == read(&reference, name),
                    "{name} differs but run.json is B's"
                );
            }
            "B (new)"
        } else {
            panic!("run id {id} is neither generation A {id_a} nor B {id_b}")
        };
        println!(
            "kill after {:>5} ms ({:>3.0}% of a run): {}, output holds generation {generation}",
            delay.as_millis(),
            f * 100.0,
            if finished {
                "already finished"
            } else {
                "mid-run"
            },
        );

        // A rerun succeeds whatever the kill left behind (stale staging
        // directory, lock file) and matches the uninterrupted run.
        run_ok(&cfg_b, &out, &[]);
        assert_eq!(assert_consistent(&out), id_b);
        for name in COMPARED {
            assert!(
                read(&out, name) == read(&reference, name),
                "{name} after a kill at {f} of a run + rerun differs from an uninterrupted run"
            );
        }
        assert!(
            staging_dirs(tmp.path()).is_empty(),
            "{:?}",
            staging_dirs(tmp.path())
        );
    }
    // How many kills land mid-run depends on machine load; the earliest
    // (3% of a run) always does in practice, and every kill, mid-run or
    // not, was checked for consistency above.
    assert!(mid_run >= 1, "no kill landed mid-run");
}

#[test]
fn lock_refuses_a_concurrent_run_naming_the_holder() {
    let cfg = dataset(7);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");

    // Another process holds the lock: simulated by this test holding it.
    let lock_path = tmp.path().join(".out.cim-lock");
    {
        let lock = std::fs::File::create(&lock_path).unwrap();
        std::fs::write(&lock_path, "pid 424242\n").unwrap();
        lock.try_lock().unwrap();
        let o = cim(&["run", s(&cfg), "--output", s(&out), "-q"]);
        assert_code(&o, 1);
        let err = stderr(&o);
        assert!(err.contains("locked by another cim run"), "{err}");
        assert!(
            err.contains("pid 424242"),
            "message names the other run: {err}"
        );
        assert!(!out.exists(), "a refused run must not create outputs");
    }

    // A real concurrent run: start one, wait until it holds the lock (its
    // staging directory appears), then start a second.
    let mut first = Command::new(env!("CARGO_BIN_EXE_cim"))
        .args(["run", s(&cfg), "--output", s(&out), "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while staging_dirs(tmp.path()).is_empty() {
        assert!(Instant::now() < deadline, "first run never took the lock");
        std::thread::sleep(Duration::from_millis(5));
    }
    let o = cim(&["run", s(&cfg), "--output", s(&out), "-q"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains(&format!("pid {}", first.id())),
        "message names the running run's pid {}: {err}",
        first.id()
    );
    assert!(
        first.wait().unwrap().success(),
        "the first run is unaffected"
    );
    assert_consistent(&out);
}

#[test]
fn generated_outputs_are_byte_identical_across_runs_and_thread_counts() {
    let cfg = dataset(7);
    let tmp = tempfile::tempdir().unwrap();
    let mut all = Vec::new();
    for (name, threads) in [("t1", "1"), ("t2", "2"), ("t2-again", "2")] {
        let out = tmp.path().join(name);
        run_ok(&cfg, &out, &["--threads", threads]);
        all.push((name, COMPARED.map(|f| read(&out, f))));
    }
    for (name, files) in &all[1..] {
        for (i, f) in COMPARED.iter().enumerate() {
            assert!(files[i] == all[0].1[i], "{f} differs between t1 and {name}");
        }
    }
}

/// Unmounts the test's tmpfs however the test ends.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn disk_full_fails_with_exit_2_and_keeps_the_previous_outputs() {
    let cfg = dataset(7);
    let tmp = tempfile::tempdir().unwrap();
    let disk = tmp.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    // 1 MiB holds the demo's outputs (~0.3 MB) twice, not the generated set's.
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs", s(&disk)])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|st| st.success());
    if !mounted {
        println!("SKIPPED disk_full test: cannot mount a tmpfs here (needs root)");
        return;
    }
    let _mount = Mount(disk.clone());
    let out = disk.join("out");
    let o = cim(&[
        "run",
        "fixtures/demo/pipeline.toml",
        "--output",
        s(&out),
        "-q",
    ]);
    assert_code(&o, 0);
    let id = assert_consistent(&out);
    let before: Vec<Vec<u8>> = COMPARED.iter().map(|f| read(&out, f)).collect();

    let o = cim(&["run", s(&cfg), "--output", s(&out), "-q"]);
    assert_code(&o, 2);
    let err = stderr(&o);
    println!("disk full error: {err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(
        err.contains("disk full"),
        "the message says what to do: {err}"
    );
    assert!(err.contains("previous outputs"), "{err}");
    assert_eq!(assert_consistent(&out), id);
    for (f, b) in COMPARED.iter().zip(&before) {
        assert!(read(&out, f) == *b, "{f} changed");
    }
    assert!(
        staging_dirs(&disk).is_empty(),
        "staging left: {:?}",
        staging_dirs(&disk)
    );
    // Space is back: the same run succeeds.
    let o = cim(&[
        "run",
        "fixtures/demo/pipeline.toml",
        "--output",
        s(&out),
        "-q",
    ]);
    assert_code(&o, 0);
}

#[test]
fn dangerous_output_locations_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(data.join("2026")).unwrap();
    let csv = "CustomerID,Email\n1,a@example.com\n2,b@example.com\n";
    std::fs::write(data.join("crm.csv"), csv).unwrap();
    std::fs::write(data.join("2026/crm.csv"), csv).unwrap();
    let cfg = |path: &str, out: &str| {
        let p = tmp.path().join("pipeline.toml");
        std::fs::write(
            &p,
            format!(
                "[[sources]]\nname = \"crm\"\npath = \"{path}\"\n[sources.columns]\nsource_key = \"CustomerID\"\nemail = \"Email\"\n[output]\ndir = \"{out}\"\n"
            ),
        )
        .unwrap();
        p
    };
    let cases = [
        // (source path, output dir, expected words)
        ("data/crm.csv", "data", "contains the input of source `crm`"),
        ("data/crm.csv", ".", "contains the input of source `crm`"),
        ("data/*.csv", "data", "contains the input of source `crm`"),
        ("data/**/*.csv", "data/out", "source `crm`"),
        ("data/*/*.parquet", "data/out", "source `crm`"),
        ("data/crm.csv", "/", "output.dir"),
    ];
    for (path, out, expected) in cases {
        let p = cfg(path, out);
        let o = cim(&["run", s(&p), "-q"]);
        assert_code(&o, 1);
        let err = stderr(&o);
        assert!(
            err.contains(expected),
            "{path} -> {out}: expected `{expected}` in {err}"
        );
        assert!(err.contains("output.dir"), "names the key: {err}");
        // The same through --output.
        let p = cfg(path, "elsewhere");
        let o = cim(&["run", s(&p), "--output", s(&tmp.path().join(out)), "-q"]);
        assert_code(&o, 1);
        assert!(
            stderr(&o).contains(expected),
            "--output {out}: {}",
            stderr(&o)
        );
    }
    // The inputs survived every refused run.
    assert_eq!(std::fs::read_to_string(data.join("crm.csv")).unwrap(), csv);
    // A dedicated directory beside the data is fine.
    let p = cfg("data/crm.csv", "out");
    assert_code(&cim(&["run", s(&p), "-q"]), 0);
}

#[test]
fn limits_fail_clearly_or_quarantine() {
    let tmp = tempfile::tempdir().unwrap();
    let mut csv = String::from("CustomerID,Name,DOB\n");
    for i in 0..60 {
        // Everyone shares a family name and birth date: one huge block
        // (distinct given names, so rows are not exact copies).
        let given: String = [i / 26, i % 26]
            .iter()
            .map(|d| (b'a' + *d as u8) as char)
            .collect();
        csv += &format!("{i},Jan{given} Doe,1980-01-01\n");
    }
    csv += &format!("999,{},1980-01-01\n", "x".repeat(5000));
    std::fs::write(tmp.path().join("crm.csv"), &csv).unwrap();
    let cfg = |extra: &str| {
        let p = tmp.path().join("pipeline.toml");
        std::fs::write(
            &p,
            format!(
                "[run]\nmax_quarantine_ratio = 0.1\n[[sources]]\nname = \"crm\"\npath = \"crm.csv\"\nmax_field_bytes = 1000\n[sources.columns]\nsource_key = \"CustomerID\"\nfull_name = \"Name\"\ndate_of_birth = \"DOB\"\n{extra}"
            ),
        )
        .unwrap();
        p
    };
    let out = tmp.path().join("out");

    // A field over max_field_bytes quarantines its row, named by line.
    let o = cim(&["run", s(&cfg("")), "--output", s(&out), "--json", "-q"]);
    assert_code(&o, 0);
    let summary: serde_json::Value = serde_json::from_str(&crate::util::stdout(&o)).unwrap();
    assert_eq!(
        summary["rows"]["quarantined_by_reason"]["field_too_large"], 1,
        "{summary:#}"
    );
    assert_eq!(summary["rows"]["accepted"], 60);

    // The pair budget: a default blocking rule over it is left out with a
    // warning on stderr (keys as hashes, no values)...
    let o = cim(&[
        "run",
        s(&cfg("[dedupe]\nmax_pairs_per_rule = 100\n")),
        "--output",
        s(&out),
        "-q",
    ]);
    assert_code(&o, 0);
    let err = stderr(&o);
    assert!(
        err.contains("WARN") && err.contains("max_pairs_per_rule 100"),
        "{err}"
    );
    assert!(
        !err.contains("Jan") && !err.contains("Doe"),
        "no values: {err}"
    );
    // ...a rule the user wrote stops the run with a message naming the
    // setting, exit 1, previous outputs intact.
    let before = read(&out, "master.parquet");
    let o = cim(&[
        "run",
        s(&cfg(
            "[dedupe]\nmax_pairs_per_rule = 100\nmax_block_size = 1000\nblocking_rules = [[\"family_phonetic\", \"birth_year\"]]\n",
        )),
        "--output",
        s(&out),
        "-q",
    ]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("max_pairs_per_rule"), "{err}");
    assert!(
        !err.contains("Jan") && !err.contains("Doe"),
        "no values: {err}"
    );
    assert!(read(&out, "master.parquet") == before);
}

/// `run.spill_records_above_mib = 0` sends the records to disk before
/// matching, which keeps only its columns, and merging reads back
/// the rest it needs: the outputs must be the
/// bytes of a run that kept them in memory, whether the spill is
/// records.parquet itself or a scratch file (`output.records = false`),
/// and the scratch file must not be published. A limit between the
/// records' size (10 MiB here) and the scored pairs' (1 MiB) spills the
/// records but writes pairs.parquet beside merging: the same bytes again.
#[test]
fn spilling_the_records_changes_no_output_byte() {
    let cfg = dataset(7);
    let dir = cfg.parent().unwrap();
    let with = |name: &str, spill_mib: u64, records: bool| {
        let mut text = CONFIG.replacen(
            "[run]\n",
            &format!("[run]\nspill_records_above_mib = {spill_mib}\n"),
            1,
        );
        if !records {
            text = text.replacen("[output]\n", "[output]\nrecords = false\n", 1);
        }
        let path = dir.join(format!("spill-{name}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for (name, spill_mib, records, threads, pairs_written) in [
        ("memory", 1 << 30, true, "2", "beside"),
        ("spill", 0, true, "2", "before"),
        ("spill-t1", 0, true, "1", "before"),
        ("scratch", 0, false, "2", "before"),
        ("spill-beside", 4, true, "2", "beside"),
    ] {
        let out = tmp.path().join(name);
        let o = cim(&[
            "-v",
            "run",
            s(&with(name, spill_mib, records)),
            "--output",
            s(&out),
            "--threads",
            threads,
        ]);
        assert_code(&o, 0);
        let log = stderr(&o);
        assert!(
            log.contains(&format!("pairs.parquet written {pairs_written} merging")),
            "{name}: pairs.parquet should be written {pairs_written} merging"
        );
        assert_consistent(&out);
        let spilled = run_json(&out)["records_spilled_mib"].as_u64();
        assert_eq!(
            spilled.is_some(),
            spill_mib < 1 << 30,
            "{name}: records_spilled_mib"
        );
        assert_eq!(out.join("records.parquet").exists(), records, "{name}");
        assert!(!out.join("records.spill.parquet").exists(), "{name}");
        runs.push((name, out));
    }
    let (_, memory) = &runs[0];
    for (name, out) in &runs[1..] {
        let mut files = COMPARED.to_vec();
        if out.join("records.parquet").exists() {
            files.push("records.parquet");
        }
        for f in files {
            assert!(
                read(out, f) == read(memory, f),
                "{f} differs between the in-memory run and `{name}`"
            );
        }
    }
}
