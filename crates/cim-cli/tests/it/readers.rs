//! The master and crosswalk open in the tools analysts use. Always: the
//! Parquet footers read back with the types docs/OUTPUTS.md documents. With
//! `CIM_PYTHON` pointing to a Python that has duckdb, pandas, pyarrow and
//! polars (`.ci/run` sets one up): tests/readers/check_master.py reads both
//! files with each library and checks row counts and column types.

// Saying which readers were checked (or skipped) is the point of the output.
#![allow(clippy::print_stdout)]

use arrow::datatypes::{DataType, TimeUnit};

use crate::util::{assert_code, cim, repo};

#[test]
fn master_and_crosswalk_open_with_the_documented_types() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = cim(&[
        "run",
        "fixtures/demo/pipeline.toml",
        "--output",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_code(&o, 0);

    let (master, batches) = cim_output::read_parquet(&out.join("master.parquet")).unwrap();
    let master_rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let utf8_list =
        |t: &DataType| matches!(t, DataType::List(f) if *f.data_type() == DataType::Utf8);
    let ty = |name: &str| {
        master
            .field_with_name(name)
            .unwrap_or_else(|_| panic!("master lacks `{name}`"))
            .data_type()
            .clone()
    };
    // The table of docs/OUTPUTS.md, default survivorship.
    for c in [
        "golden_id",
        "full_name",
        "given_name",
        "middle_name",
        "family_name",
        "gender",
        "address_line1",
        "address_line2",
        "city",
        "region",
        "postcode",
        "country",
        "company",
        "national_id",
        "extra",
    ] {
        assert_eq!(ty(c), DataType::Utf8, "{c}");
    }
    assert!(utf8_list(&ty("email")));
    assert!(utf8_list(&ty("phone")));
    assert!(utf8_list(&ty("sources")));
    assert_eq!(ty("date_of_birth"), DataType::Date32);
    assert_eq!(ty("first_seen"), DataType::Date32);
    assert_eq!(ty("member_count"), DataType::UInt32);
    assert_eq!(ty("quality_score"), DataType::Float32);
    assert_eq!(
        ty("last_updated"),
        DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
    );
    let DataType::Struct(lineage) = ty("lineage") else {
        panic!("lineage is a struct");
    };
    for c in [
        "full_name",
        "email",
        "phone",
        "date_of_birth",
        "last_updated",
    ] {
        let f = lineage.iter().find(|f| f.name() == c).expect(c);
        assert_eq!(*f.data_type(), DataType::Utf8, "lineage.{c}");
    }
    for c in [
        "golden_id",
        "member_count",
        "sources",
        "first_seen",
        "lineage",
    ] {
        assert!(!master.field_with_name(c).unwrap().is_nullable(), "{c}");
    }

    let (cw, batches) = cim_output::read_parquet(&out.join("crosswalk.parquet")).unwrap();
    let crosswalk_rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let names: Vec<&str> = cw.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "record_id",
            "source",
            "golden_id",
            "file",
            "line",
            "row_hash"
        ]
    );
    assert_eq!(
        *cw.field_with_name("line").unwrap().data_type(),
        DataType::UInt64
    );
    assert_eq!(crosswalk_rows, 471);
    assert!(master_rows > 0 && master_rows < crosswalk_rows);

    // The Python readers, when available.
    let Some(python) = std::env::var_os("CIM_PYTHON") else {
        println!("CIM_PYTHON unset: DuckDB/pandas/polars check skipped (Parquet schema checked)");
        return;
    };
    let has_modules = std::process::Command::new(&python)
        .args(["-c", "import duckdb, pandas, pyarrow, polars"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_modules {
        println!(
            "CIM_PYTHON={} lacks duckdb/pandas/pyarrow/polars: Python readers check skipped",
            python.to_string_lossy()
        );
        return;
    }
    let script = repo().join("tests/readers/check_master.py");
    let o = std::process::Command::new(&python)
        .arg(&script)
        .arg(&out)
        .arg(master_rows.to_string())
        .arg(crosswalk_rows.to_string())
        .output()
        .expect("python runs");
    let text = String::from_utf8_lossy(&o.stdout);
    println!("{text}");
    assert!(
        o.status.success(),
        "readers check failed:\n{text}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for lib in ["duckdb", "pandas", "polars"] {
        assert!(text.contains(lib), "{lib} was checked: {text}");
    }
}
