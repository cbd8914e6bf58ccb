//! `[output.encryption]`: the demo with Parquet modular encryption. The
//! encrypted outputs decrypt to exactly the content of an unencrypted run,
//! hide the encrypted values in their bytes, survive a second run (which
//! reads the previous encrypted master) and `cim forget`; a missing or
//! malformed key stops the run with an error naming where the key should
//! come from, never the key.

use std::path::Path;
use std::process::{Command, Output};

use arrow::array::{Array, ListArray, StringArray};
use std::sync::Arc;

use arrow::compute::concat_batches;
use arrow::datatypes::Schema;
use arrow::record_batch::RecordBatch;

use crate::util::{assert_code, cim, repo, stderr};

const KEY_HEX: &str = "8f0e6a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071829304a5b6c7";
const COLUMNS: &str = r#"["full_name", "given_name", "family_name", "email", "phone", "date_of_birth", "address_line1"]"#;

/// The demo config with absolute source paths and `encryption` appended.
fn demo_config(dir: &Path, encryption: &str) -> std::path::PathBuf {
    let demo = repo().join("fixtures/demo");
    let mut text = std::fs::read_to_string(demo.join("pipeline.toml")).unwrap();
    for f in ["crm.csv", "webshop.jsonl", "loyalty_gbk.csv"] {
        text = text.replace(
            &format!("path = \"{f}\""),
            &format!("path = \"{}\"", demo.join(f).display()),
        );
    }
    text.push_str(encryption);
    let path = dir.join("pipeline.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run_with_env(config: &Path, out: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cim"));
    cmd.args([
        "run",
        config.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "-q",
    ])
    .current_dir(repo())
    .env("NO_COLOR", "1")
    .env_remove("RUST_LOG")
    .env_remove("CIM_TEST_MASTER_KEY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("cim runs")
}

/// The whole file as one batch, without the schema metadata (an encrypted
/// file records its encryption there).
fn read(path: &Path) -> RecordBatch {
    let (schema, batches) = cim_output::read_parquet(path).unwrap();
    let b = concat_batches(&schema, &batches).unwrap();
    let bare = Arc::new(Schema::new(schema.fields().clone()));
    RecordBatch::try_new(bare, b.columns().to_vec()).unwrap()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Every email of the master (list column).
fn emails(master: &RecordBatch) -> Vec<String> {
    let list = master
        .column_by_name("email")
        .unwrap()
        .as_any()
        .downcast_ref::<ListArray>()
        .unwrap();
    let values = list
        .values()
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    (0..values.len())
        .filter(|&i| values.is_valid(i))
        .map(|i| values.value(i).to_owned())
        .collect()
}

#[test]
fn encrypted_demo_decrypts_to_the_plain_outputs_and_survives_rerun_and_forget() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("master.key"), format!("{KEY_HEX}\n")).unwrap();
    let config = demo_config(
        tmp.path(),
        &format!("\n[output.encryption]\ncolumns = {COLUMNS}\nkey_file = \"master.key\"\n"),
    );
    // The same config without encryption.
    std::fs::create_dir(tmp.path().join("p")).unwrap();
    let plain_config = demo_config(&tmp.path().join("p"), "");
    let plain = tmp.path().join("plain");
    let enc = tmp.path().join("enc");
    assert_code(&run_with_env(&plain_config, &plain, &[]), 0);
    assert_code(&run_with_env(&config, &enc, &[]), 0);

    // Decrypted content equals the unencrypted run; files without customer
    // values are byte-identical.
    for f in ["master.parquet", "records.parquet", "quarantine.parquet"] {
        assert_eq!(read(&enc.join(f)), read(&plain.join(f)), "{f}");
        assert!(
            cim_output::parquet_encryption(&enc.join(f))
                .unwrap()
                .is_some(),
            "{f} is encrypted"
        );
    }
    // (golden_id_changes.parquet names the run, whose id hashes the config.)
    for f in ["crosswalk.parquet", "pairs.parquet"] {
        assert_eq!(
            std::fs::read(enc.join(f)).unwrap(),
            std::fs::read(plain.join(f)).unwrap(),
            "{f} holds no customer values and is written as before"
        );
    }
    let recorded = cim_output::parquet_encryption(&enc.join("master.parquet"))
        .unwrap()
        .unwrap();
    assert!(recorded.plaintext_footer);
    assert_eq!(recorded.columns.len(), 7);

    // The encrypted values do not appear in the file's bytes, although
    // the plain file shows them.
    let master = read(&plain.join("master.parquet"));
    let all = emails(&master);
    let plain_bytes = std::fs::read(plain.join("master.parquet")).unwrap();
    let enc_bytes = std::fs::read(enc.join("master.parquet")).unwrap();
    let visible: Vec<&String> = all.iter().filter(|e| contains(&plain_bytes, e)).collect();
    assert!(
        visible.len() >= 3,
        "control: the plain master shows emails ({} of {})",
        visible.len(),
        all.len()
    );
    for e in &visible {
        assert!(
            !contains(&enc_bytes, e),
            "an email is in clear in the encrypted master"
        );
    }
    assert!(!contains(&enc_bytes, KEY_HEX));

    // A second run reads the previous (encrypted) master for stable ids.
    assert_code(&run_with_env(&config, &enc, &[]), 0);
    assert_eq!(
        read(&enc.join("master.parquet")),
        master,
        "rerun: same content"
    );

    // `cim forget` keeps the master encrypted.
    let cw = read(&enc.join("crosswalk.parquet"));
    let rid = cw
        .column_by_name("record_id")
        .unwrap()
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap()
        .value(0)
        .to_owned();
    assert_code(
        &cim(&["forget", enc.to_str().unwrap(), "--record-id", &rid]),
        0,
    );
    let after = cim_output::parquet_encryption(&enc.join("master.parquet"))
        .unwrap()
        .unwrap();
    assert_eq!(after.columns, recorded.columns);
    assert_eq!(
        read(&enc.join("master.parquet")).num_rows(),
        master.num_rows() - 1
    );

    // Without the key: the run stops before replacing anything, naming the
    // key file; the outputs stay as they were.
    let before = std::fs::read(enc.join("master.parquet")).unwrap();
    std::fs::remove_file(tmp.path().join("master.key")).unwrap();
    let o = run_with_env(&config, &enc, &[]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("encryption key `file:") && err.contains("cannot read key file"),
        "{err}"
    );
    assert_eq!(std::fs::read(enc.join("master.parquet")).unwrap(), before);
}

#[test]
fn key_from_the_environment_and_clear_key_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let config = demo_config(
        tmp.path(),
        "\n[output.encryption]\ncolumns = [\"email\", \"phone\"]\nkey_env = \"CIM_TEST_MASTER_KEY\"\nplaintext_footer = false\n",
    );
    let out = tmp.path().join("out");

    let o = run_with_env(&config, &out, &[]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("encryption key `env:CIM_TEST_MASTER_KEY`: environment variable `CIM_TEST_MASTER_KEY` is not set"),
        "{err}"
    );
    assert!(!out.exists(), "nothing published");

    let short = "00112233445566778899aabbccddee"; // 15 bytes
    let o = run_with_env(&config, &out, &[("CIM_TEST_MASTER_KEY", short)]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("decodes to 15 bytes; expected 32, 48 or 64 hex digits"),
        "{err}"
    );
    assert!(!err.contains(short), "key material in the error: {err}");

    let o = run_with_env(&config, &out, &[("CIM_TEST_MASTER_KEY", KEY_HEX)]);
    assert_code(&o, 0);
    // Encrypted footer: without the key not even the schema can be read.
    let bytes = std::fs::read(out.join("master.parquet")).unwrap();
    assert_eq!(&bytes[bytes.len() - 4..], b"PARE");
    // (this test process has no CIM_TEST_MASTER_KEY)
    let e = cim_output::read_parquet(&out.join("master.parquet"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("`CIM_TEST_MASTER_KEY` is not set"), "{e}");
    // ... and a rerun without the key cannot read the previous master.
    let o = run_with_env(&config, &out, &[]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("CIM_TEST_MASTER_KEY"), "{}", stderr(&o));
}

#[test]
fn encryption_config_errors_name_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let config = demo_config(
        tmp.path(),
        "\n[output.encryption]\ncolumns = [\"e_mail\"]\n",
    );
    let o = cim(&["check", config.to_str().unwrap()]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("output.encryption.columns")
            && err.contains("`e_mail` is not a master column"),
        "{err}"
    );
}

/// pyarrow decrypts the master with the key (through a tiny KMS client that
/// reads the key `masterKeyID` names); without it DuckDB, polars and pyarrow
/// still read the unencrypted columns. Runs tests/readers/check_encrypted_master.py
/// with `CIM_PYTHON` (see readers.rs); skipped without it.
#[test]
fn pyarrow_decrypts_the_master_with_the_key() {
    let Some(python) = std::env::var_os("CIM_PYTHON") else {
        println!("CIM_PYTHON unset: pyarrow decryption check skipped");
        return;
    };
    let has_modules = Command::new(&python)
        .args(["-c", "import duckdb, pyarrow.parquet.encryption, polars"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_modules {
        println!("CIM_PYTHON lacks duckdb/pyarrow/polars: pyarrow decryption check skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("p")).unwrap();
    let plain_config = demo_config(&tmp.path().join("p"), "");
    let config = demo_config(
        tmp.path(),
        &format!("\n[output.encryption]\ncolumns = {COLUMNS}\nkey_env = \"CIM_TEST_MASTER_KEY\"\n"),
    );
    let (plain, enc) = (tmp.path().join("plain"), tmp.path().join("enc"));
    assert_code(&run_with_env(&plain_config, &plain, &[]), 0);
    assert_code(
        &run_with_env(&config, &enc, &[("CIM_TEST_MASTER_KEY", KEY_HEX)]),
        0,
    );
    let script = repo().join("tests/readers/check_encrypted_master.py");
    let o = Command::new(&python)
        .arg(&script)
        .args([&enc, &plain])
        .args(["email", "city"])
        .env("CIM_TEST_MASTER_KEY", KEY_HEX)
        .output()
        .expect("python runs");
    let text = String::from_utf8_lossy(&o.stdout);
    println!("{text}");
    assert!(
        o.status.success(),
        "pyarrow decryption check failed:\n{text}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains("with the key: ok") && text.contains("without the key"),
        "{text}"
    );
}
