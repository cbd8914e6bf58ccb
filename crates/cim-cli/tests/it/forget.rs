//! `cim forget`: a forgotten customer disappears from every output, the
//! counts are right, the erasure log holds ids and counts but no values.

use std::collections::BTreeSet;
use std::path::Path;

use arrow::array::{Array, StringArray};

use crate::util::{assert_code, cim, stderr, stdout};

fn ids(dir: &Path, file: &str, col: &str) -> Vec<String> {
    let (_, batches) = cim_output::read_parquet(&dir.join(file)).unwrap();
    let mut v = Vec::new();
    for b in &batches {
        let c = b
            .column_by_name(col)
            .unwrap()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        for i in 0..b.num_rows() {
            v.push(c.value(i).to_owned());
        }
    }
    v
}

#[test]
fn forget_removes_a_customer_everywhere_and_logs_no_pii() {
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

    // A customer with several member records and at least one scored pair.
    let cw_rid = ids(&out, "crosswalk.parquet", "record_id");
    let cw_gid = ids(&out, "crosswalk.parquet", "golden_id");
    let pairs_l = ids(&out, "pairs.parquet", "record_id_l");
    let pairs_r = ids(&out, "pairs.parquet", "record_id_r");
    let golden = cw_gid
        .iter()
        .find(|g| {
            let members: BTreeSet<&String> = cw_rid
                .iter()
                .zip(&cw_gid)
                .filter(|(_, h)| h == g)
                .map(|(r, _)| r)
                .collect();
            members.len() >= 3 && pairs_l.iter().any(|l| members.contains(l))
        })
        .expect("the demo has a customer with 3+ records")
        .clone();
    let members: BTreeSet<String> = cw_rid
        .iter()
        .zip(&cw_gid)
        .filter(|(_, g)| **g == golden)
        .map(|(r, _)| r.clone())
        .collect();
    let pair_rows = pairs_l
        .iter()
        .zip(&pairs_r)
        .filter(|(l, r)| members.contains(*l) || members.contains(*r))
        .count() as u64;
    let master_before = ids(&out, "master.parquet", "golden_id").len();
    let records_before = ids(&out, "records.parquet", "record_id").len();

    // The member records' raw values, to prove the log does not hold them.
    let (_, recs) = cim_output::read_parquet(&out.join("records.parquet")).unwrap();
    let mut values = Vec::new();
    for b in &recs {
        let rid = b
            .column_by_name("record_id")
            .unwrap()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        for col in ["email", "phone", "full_name", "family_name"] {
            let Some(c) = b.column_by_name(col) else {
                continue;
            };
            let c = c.as_any().downcast_ref::<StringArray>().unwrap();
            for i in 0..b.num_rows() {
                if members.contains(rid.value(i)) && !c.is_null(i) && c.value(i).len() >= 4 {
                    values.push(c.value(i).to_owned());
                }
            }
        }
    }
    assert!(!values.is_empty());

    // Forget by one member's record id: the whole customer goes.
    let member = members.iter().next().unwrap().clone();
    let o = cim(&[
        "forget",
        out.to_str().unwrap(),
        "--record-id",
        &member,
        "--reason",
        "ticket DSR-1042",
        "--json",
    ]);
    assert_code(&o, 0);
    let entry: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(entry["golden_ids"], serde_json::json!([golden]));
    let removed = &entry["rows_removed"];
    assert_eq!(removed["master.parquet"], 1);
    assert_eq!(removed["crosswalk.parquet"], members.len() as u64);
    assert_eq!(removed["records.parquet"], members.len() as u64);
    assert_eq!(removed["pairs.parquet"], pair_rows);

    assert_eq!(
        ids(&out, "master.parquet", "golden_id").len(),
        master_before - 1
    );
    assert_eq!(
        ids(&out, "records.parquet", "record_id").len(),
        records_before - members.len()
    );
    for (file, col) in [
        ("master.parquet", "golden_id"),
        ("crosswalk.parquet", "golden_id"),
        ("crosswalk.parquet", "record_id"),
        ("records.parquet", "record_id"),
        ("pairs.parquet", "record_id_l"),
        ("pairs.parquet", "record_id_r"),
    ] {
        let left = ids(&out, file, col);
        assert!(!left.contains(&golden), "{file}.{col} still has {golden}");
        assert!(
            !left.iter().any(|v| members.contains(v)),
            "{file}.{col} still has a member"
        );
    }
    // No file of the directory mentions the customer's values any more.
    for e in std::fs::read_dir(&out).unwrap() {
        let e = e.unwrap();
        if e.file_name().to_string_lossy().ends_with(".parquet") {
            continue; // checked column-wise above (compressed pages)
        }
        let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
        for v in &values {
            assert!(
                !text.contains(v.as_str()),
                "{:?} mentions an erased value",
                e.file_name()
            );
        }
    }

    // The log: one line, ids and counts, no values.
    let log = std::fs::read_to_string(out.join("erasures.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 1);
    let line: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(line["reason"], "ticket DSR-1042");
    assert_eq!(line["record_ids"].as_array().unwrap().len(), members.len());
    assert!(line["at"].as_str().unwrap().ends_with('Z'));

    // run.json lists the new files with their sizes; the dir is still a
    // valid previous run: a new run (sources unchanged) brings them back.
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    for o in run["outputs"].as_array().unwrap() {
        let name = o["name"].as_str().unwrap();
        assert_eq!(
            std::fs::metadata(out.join(name)).unwrap().len(),
            o["bytes"].as_u64().unwrap(),
            "{name}"
        );
    }

    // Unknown ids: exit 1, nothing changes; a second erasure appends.
    let before = std::fs::read(out.join("master.parquet")).unwrap();
    let o = cim(&["forget", out.to_str().unwrap(), "--golden-id", &golden]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains(&golden), "{}", stderr(&o));
    assert_eq!(std::fs::read(out.join("master.parquet")).unwrap(), before);
    let other = ids(&out, "master.parquet", "golden_id")[0].clone();
    let o = cim(&["forget", out.to_str().unwrap(), "--golden-id", &other, "-q"]);
    assert_code(&o, 0);
    assert_eq!(
        std::fs::read_to_string(out.join("erasures.jsonl"))
            .unwrap()
            .lines()
            .count(),
        2
    );
    assert!(!ids(&out, "master.parquet", "golden_id").contains(&other));
}
