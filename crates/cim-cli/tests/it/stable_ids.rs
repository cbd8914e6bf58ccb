//! Golden ids across runs into the same output directory: kept when a
//! cluster is unchanged or grows, the oldest id survives a merge, the bigger
//! (or smaller-record-id) part keeps the id on a split, new clusters get new
//! ids, every change is recorded cumulatively in `golden_id_changes.parquet`,
//! and a repeated run changes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use arrow::array::AsArray;
use arrow::datatypes::Date32Type;
use cim_schema::GoldenId;
use cim_schema::batch::{opt_str, str_col};

use crate::util::{assert_code, cim, stdout};

const HEADER: &str = "id,first,last,email,phone,dob,city,country";

/// Base CRM export: 13 customers; Priya (109, 110) is a duplicate pair, Noah
/// (111) has only his new email, Elena (112, 113) is tied together only by
/// `shop:S10` (same email as 112, same phone and birth date as 113).
const CRM_BASE: &[&str] = &[
    "101,Olivia,Hartmann,olivia.hartmann@gmail.com,+1 415 555 0101,1984-03-12,San Francisco,US",
    "102,Liam,Okafor,liam.okafor@mailbox.org,+1 212 555 0102,1979-11-02,New York,US",
    "103,Sofia,Lindqvist,sofia.lindqvist@outlook.com,+1 312 555 0103,1991-07-23,Chicago,US",
    "104,Mateo,Rossi,mateo.rossi@gmail.com,+1 617 555 0104,1988-01-30,Boston,US",
    "105,Amara,Nwosu,amara.nwosu@yahoo.com,+1 206 555 0105,1995-05-17,Seattle,US",
    "106,Hiroshi,Tanaka,h.tanaka@yahoo.co.jp,+1 503 555 0106,1972-09-09,Portland,US",
    "107,Grace,Whitfield,grace.whitfield@gmail.com,,,Austin,US",
    "108,Daniel,Kowalczyk,,+1 303 555 0108,1983-04-04,Denver,US",
    "109,Priya,Raman,priya.raman@gmail.com,,,Atlanta,US",
    "110,Priya,Raman,priya.raman@gmail.com,+1 404 555 0110,1990-02-14,Atlanta,US",
    "111,Noah,Fischer,noah.fischer@gmail.com,,,,US",
    "112,Elena,Petrova,elena.petrova@gmail.com,,,Boston,US",
    "113,Elena,Petrova,,+1 646 555 0115,1992-04-21,New York,US",
];

/// Base web-shop export: duplicates of several CRM customers, three new
/// customers, Noah's old record (old email, phone, birth date) and Isabel.
const SHOP_BASE: &[&str] = &[
    "S1,Olivia,Hartmann,olivia.hartmann@gmail.com,4155550101,,San Francisco,US",
    "S2,Liam,Okafor,liam.okafor@mailbox.org,,1979-11-02,New York,US",
    "S3,Grace,Whitfield,grace.whitfield@gmail.com,,,Austin,US",
    "S4,Daniel,Kowalczyk,dan.kowalczyk@acme-corp.com,+1 303 555 0108,1983-04-04,Denver,US",
    "S5,Priya,Raman,,+1 404 555 0110,1990-02-14,Atlanta,US",
    "S6,Ethan,Brooks,ethan.brooks@gmail.com,+1 702 555 0111,1986-12-01,Las Vegas,US",
    "S7,Chloe,Dubois,chloe.dubois@orange.fr,+1 305 555 0112,1993-08-08,Miami,US",
    "S8,Yusuf,Demir,yusuf.demir@gmail.com,+1 213 555 0113,1981-06-19,Los Angeles,US",
    "S9,Noah,Fischer,nfischer@hotmail.com,+1 720 555 0114,1987-10-10,Denver,US",
    "S10,Elena,Petrova,elena.petrova@gmail.com,+1 646 555 0115,1992-04-21,New York,US",
    "S11,Isabel,Moreno,isa.moreno@hotmail.com,+1 480 555 0116,1989-09-03,Phoenix,US",
];

fn write_sources(dir: &Path, as_of: &str, crm: &[String], shop: &[String]) {
    let config = format!(
        "[run]\nas_of = \"{as_of}\"\n\n{}{}[output]\ndir = \"out\"\n",
        source("crm"),
        source("shop")
    );
    std::fs::write(dir.join("pipeline.toml"), config).unwrap();
    let csv = |rows: &[String]| format!("{HEADER}\n{}\n", rows.join("\n"));
    std::fs::write(dir.join("crm.csv"), csv(crm)).unwrap();
    std::fs::write(dir.join("shop.csv"), csv(shop)).unwrap();
}

fn source(name: &str) -> String {
    format!(
        "[[sources]]\nname = \"{name}\"\npath = \"{name}.csv\"\n\n[sources.columns]\n\
         source_key = \"id\"\ngiven_name = \"first\"\nfamily_name = \"last\"\nemail = \"email\"\n\
         phone = \"phone\"\ndate_of_birth = \"dob\"\ncity = \"city\"\ncountry = \"country\"\n\n"
    )
}

/// Runs the pipeline; returns the run summary.
fn run(dir: &Path) -> serde_json::Value {
    let cfg = dir.join("pipeline.toml");
    let o = cim(&["run", cfg.to_str().unwrap(), "--json", "-q"]);
    assert_code(&o, 0);
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// Record id -> golden id.
fn crosswalk(out: &Path) -> BTreeMap<String, String> {
    let (_, batches) = cim_output::read_parquet(&out.join("crosswalk.parquet")).unwrap();
    let mut m = BTreeMap::new();
    for b in &batches {
        let rid = str_col(b, "record_id").unwrap();
        let gid = str_col(b, "golden_id").unwrap();
        for i in 0..b.num_rows() {
            let dup = m.insert(rid.value(i).to_owned(), gid.value(i).to_owned());
            assert!(dup.is_none(), "record listed twice in the crosswalk");
        }
    }
    m
}

/// Golden id -> sorted member record ids.
fn clusters(cw: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (r, g) in cw {
        m.entry(g.clone()).or_default().insert(r.clone());
    }
    m
}

/// Golden id -> `first_seen` (days since the epoch).
fn first_seen(out: &Path) -> BTreeMap<String, i32> {
    let (_, batches) = cim_output::read_parquet(&out.join("master.parquet")).unwrap();
    let mut m = BTreeMap::new();
    for b in &batches {
        let gid = str_col(b, "golden_id").unwrap();
        let fs = b
            .column_by_name("first_seen")
            .unwrap()
            .as_primitive::<Date32Type>();
        for i in 0..b.num_rows() {
            m.insert(gid.value(i).to_owned(), fs.value(i));
        }
    }
    m
}

/// One row of `golden_id_changes.parquet`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Change {
    run_id: String,
    kind: String,
    old: Option<String>,
    new: Option<String>,
    records: u32,
}

fn changes(out: &Path) -> Vec<Change> {
    let (_, batches) = cim_output::read_parquet(&out.join("golden_id_changes.parquet")).unwrap();
    let mut v = Vec::new();
    for b in &batches {
        let run = str_col(b, "run_id").unwrap();
        let old = str_col(b, "old_id").unwrap();
        let new = str_col(b, "new_id").unwrap();
        let kind = str_col(b, "kind").unwrap();
        let n = b
            .column_by_name("record_count")
            .unwrap()
            .as_primitive::<arrow::datatypes::UInt32Type>();
        for i in 0..b.num_rows() {
            v.push(Change {
                run_id: run.value(i).to_owned(),
                kind: kind.value(i).to_owned(),
                old: opt_str(old, i).map(str::to_owned),
                new: opt_str(new, i).map(str::to_owned),
                records: n.value(i),
            });
        }
    }
    v
}

fn owned(rows: &[&str]) -> Vec<String> {
    rows.iter().map(|s| (*s).to_owned()).collect()
}

fn days(date: &str) -> i32 {
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
}

#[test]
fn golden_ids_stay_merge_split_and_appear_across_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = dir.join("out");

    // The CRM key of the second Isabel record (run 2): chosen so that the id
    // it would get sorts *before* the older Isabel id, so that the merge in
    // run 4 proves the oldest id survives and not merely the smallest.
    let isabel_old = GoldenId::derive("shop:S11").0;
    let isabel_key = (200..1000)
        .find(|k| GoldenId::derive(&format!("crm:{k}")).0 < isabel_old)
        .expect("some key hashes below");
    let isabel_new_rid = format!("crm:{isabel_key}");

    // ---- Run 1: the base.
    let (mut crm, mut shop) = (owned(CRM_BASE), owned(SHOP_BASE));
    write_sources(dir, "2026-01-01", &crm, &shop);
    let s1 = run(dir);
    let cw1 = crosswalk(&out);
    assert_eq!(cw1.len() as u64, s1["rows"]["accepted"].as_u64().unwrap());
    assert_eq!(cw1.len(), CRM_BASE.len() + SHOP_BASE.len());
    let g1 = |r: &str| cw1[r].clone();
    // The matcher's view of the base, which the later assertions rely on.
    assert_eq!(g1("crm:101"), g1("shop:S1"));
    assert_eq!(g1("crm:109"), g1("shop:S5"));
    assert_eq!(g1("crm:110"), g1("shop:S5"));
    assert_eq!(g1("crm:112"), g1("shop:S10"), "Elena is one cluster");
    assert_eq!(g1("crm:113"), g1("shop:S10"), "Elena is one cluster");
    assert_ne!(g1("crm:111"), g1("shop:S9"), "Noah's two records differ");
    let c1 = clusters(&cw1);
    assert_eq!(c1.len(), 16);
    let ch1 = changes(&out);
    assert_eq!(ch1.len(), 16);
    assert!(ch1.iter().all(|c| c.kind == "created" && c.old.is_none()));
    // A new id derives from the cluster's smallest record id.
    assert_eq!(g1("crm:101"), GoldenId::derive("crm:101").0);
    assert_eq!(g1("shop:S11"), isabel_old);

    // ---- Run 2: a month later, a batch of changes.
    crm.push(format!(
        "{isabel_key},Isabel,Moreno,isabel.moreno@gmail.com,,,,US"
    ));
    crm.push(
        "115,Ethan,Brooks,ethan.brooks@gmail.com,(702) 555-0111,1986-12-01,Las Vegas,US".into(),
    );
    crm.push(
        "116,Kwame,Mensah,kwame.mensah@gmail.com,+1 919 555 0117,1977-02-25,Raleigh,US".into(),
    );
    shop.push("S12,Sofia,Lindqvist,sofia.lindqvist@outlook.com,312-555-0103,,Chicago,US".into());
    // The bridge: Noah's new email (crm:111) with his phone and birth date
    // (shop:S9).
    shop.push(
        "S13,Noah,Fischer,noah.fischer@gmail.com,+1 720 555 0114,1987-10-10,Denver,US".into(),
    );
    shop.push("S14,Ana,Costa,ana.costa@gmail.com,+1 617 555 0118,1996-10-30,Boston,US".into());
    // The Elena link disappears: her cluster splits.
    shop.retain(|r| !r.starts_with("S10,"));
    write_sources(dir, "2026-02-01", &crm, &shop);
    let s2 = run(dir);
    let run2 = s2["run_id"].as_str().unwrap().to_owned();
    let cw2 = crosswalk(&out);
    assert_eq!(cw2.len() as u64, s2["rows"]["accepted"].as_u64().unwrap());
    assert_eq!(cw2.len(), crm.len() + shop.len());
    let g2 = |r: &str| cw2[r].clone();
    let fs2 = first_seen(&out);

    // Stayed: unchanged clusters and grown ones keep their id.
    for r in [
        "crm:101", "crm:102", "crm:104", "crm:109", "shop:S7", "shop:S8",
    ] {
        assert_eq!(g2(r), g1(r), "{r} keeps its golden id");
    }
    assert_eq!(g2("crm:103"), g1("crm:103"), "Sofia grew and keeps her id");
    assert_eq!(
        g2("shop:S12"),
        g1("crm:103"),
        "the new Sofia record joined her"
    );
    assert_eq!(
        g2("crm:115"),
        g1("shop:S6"),
        "the new Ethan record joined him"
    );

    // Merged: the bridge really joined Noah's two clusters; the survivor is
    // the oldest id (both are from run 1: the smallest id wins the tie).
    let (noah_a, noah_b) = (g1("crm:111"), g1("shop:S9"));
    assert_eq!(g2("crm:111"), g2("shop:S9"), "the bridge merges Noah");
    assert_eq!(g2("shop:S13"), g2("crm:111"));
    assert_eq!(fs2[&g2("crm:111")], days("2026-01-01"));
    let survivor = noah_a.clone().min(noah_b.clone());
    let retired = noah_a.max(noah_b);
    assert_eq!(g2("crm:111"), survivor);
    assert!(!fs2.contains_key(&retired), "the retired id is gone");

    // Split: without S10 Elena's records part; the tie (one former record
    // each) goes to the part with the smallest former record id.
    let elena = g1("crm:112");
    assert_eq!(g2("crm:112"), elena, "the part with crm:112 keeps the id");
    assert_ne!(g2("crm:113"), elena, "crm:113 split off");
    let elena_split = g2("crm:113");
    assert!(!cw1.values().any(|g| *g == elena_split), "a fresh id");

    // Appeared: new customers get new ids, first seen in run 2; the second
    // Isabel record (new email only) is not yet linked to the first.
    for r in [isabel_new_rid.as_str(), "crm:116", "shop:S14"] {
        assert!(!cw1.values().any(|g| *g == g2(r)), "{r} gets a new id");
        assert_eq!(fs2[&g2(r)], days("2026-02-01"));
    }
    assert_ne!(g2(&isabel_new_rid), g2("shop:S11"));
    assert_eq!(clusters(&cw2).len(), 16 - 1 + 1 + 3);

    // The history is cumulative: run 1's rows, then exactly run 2's.
    let ch2 = changes(&out);
    assert_eq!(&ch2[..ch1.len()], &ch1[..], "run 1's history is kept");
    let mut new_rows: Vec<Change> = ch2[ch1.len()..].to_vec();
    new_rows.sort();
    let c = |kind: &str, old: Option<&str>, new: Option<&str>, records: u32| Change {
        run_id: run2.clone(),
        kind: kind.to_owned(),
        old: old.map(str::to_owned),
        new: new.map(str::to_owned),
        records,
    };
    let mut expected = vec![
        c("created", None, Some(&g2(&isabel_new_rid)), 1),
        c("created", None, Some(&g2("crm:116")), 1),
        c("created", None, Some(&g2("shop:S14")), 1),
        c("merged", Some(&retired), Some(&survivor), 1),
        c("split", Some(&elena), Some(&elena_split), 1),
    ];
    expected.sort();
    assert_eq!(new_rows, expected);
    let m = &s2["merge"];
    assert_eq!(m["ids_merged"], 1);
    assert_eq!(m["ids_split"], 1);
    assert_eq!(m["ids_created"], 3);
    assert_eq!(m["ids_retired"], 0);

    // ---- Run 3: the same inputs again change nothing.
    let master2 = std::fs::read(out.join("master.parquet")).unwrap();
    let s3 = run(dir);
    assert_eq!(s3["run_id"], s2["run_id"]);
    assert_eq!(crosswalk(&out), cw2);
    assert_eq!(changes(&out), ch2, "no new change rows");
    assert_eq!(
        std::fs::read(out.join("master.parquet")).unwrap(),
        master2,
        "the master is byte-identical"
    );
    assert_eq!(s3["merge"]["ids_kept"], s3["merge"]["golden_records"]);

    // ---- Run 4: a record links the run-2 Isabel to the run-1 Isabel. The
    // older id survives although the newer one sorts first.
    let isabel_newer = g2(&isabel_new_rid);
    assert!(isabel_newer < isabel_old);
    shop.push(
        "S15,Isabel,Moreno,isabel.moreno@gmail.com,+1 480 555 0116,1989-09-03,Phoenix,US".into(),
    );
    write_sources(dir, "2026-03-01", &crm, &shop);
    let s4 = run(dir);
    let cw4 = crosswalk(&out);
    assert_eq!(cw4.len(), crm.len() + shop.len());
    assert_eq!(
        cw4[&isabel_new_rid], cw4["shop:S11"],
        "the bridge merges Isabel"
    );
    assert_eq!(cw4["shop:S11"], isabel_old, "the oldest id survives");
    assert_eq!(first_seen(&out)[&isabel_old], days("2026-01-01"));
    let ch4 = changes(&out);
    assert_eq!(&ch4[..ch2.len()], &ch2[..]);
    let run4 = s4["run_id"].as_str().unwrap();
    let last: Vec<&Change> = ch4[ch2.len()..].iter().collect();
    assert_eq!(last.len(), 1, "{last:?}");
    assert_eq!(last[0].run_id, run4);
    assert_eq!(last[0].kind, "merged");
    assert_eq!(last[0].old.as_deref(), Some(isabel_newer.as_str()));
    assert_eq!(last[0].new.as_deref(), Some(isabel_old.as_str()));
    // Everything else kept its id.
    for (r, g) in &cw2 {
        if *g != isabel_newer {
            assert_eq!(&cw4[r], g, "{r}");
        }
    }
}
