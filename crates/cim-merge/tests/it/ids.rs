//! Stable golden ids over three runs: growth, merge, split, retirement,
//! new customers, and salted re-derivation that never revives a retired id.

use std::collections::{HashMap, HashSet};

use arrow::array::{Array, AsArray};
use arrow::datatypes::UInt32Type;
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use cim_merge::{MergeOutput, PreviousRun, SurvivorshipOptions};
use cim_schema::{CanonicalField as F, GoldenId, RecordId};

use crate::helper::{Rec, crosswalk, merge_groups_with, rec, run};

fn cluster(ids: &[&str]) -> Vec<Rec> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| {
            let (source, key) = id.split_once(':').unwrap();
            rec(source, key, i as u64 + 2).v(F::FullName, "Kim Park")
        })
        .collect()
}

fn d(id: &str) -> String {
    GoldenId::derive(id).0
}

type Change = (String, Option<String>, Option<String>, u32);

fn changes(out: &MergeOutput) -> Vec<Change> {
    let b = &out.id_changes;
    let s = |n: &str| b.column_by_name(n).unwrap().as_string::<i32>().clone();
    let (run_id, old, new, kind) = (s("run_id"), s("old_id"), s("new_id"), s("kind"));
    let count = b
        .column_by_name("record_count")
        .unwrap()
        .as_primitive::<UInt32Type>();
    (0..b.num_rows())
        .map(|i| {
            assert!(!run_id.value(i).is_empty());
            let opt =
                |a: &arrow::array::StringArray| (!a.is_null(i)).then(|| a.value(i).to_owned());
            (
                kind.value(i).to_owned(),
                opt(&old),
                opt(&new),
                count.value(i),
            )
        })
        .collect()
}

fn change(kind: &str, old: Option<&str>, new: Option<&str>, n: u32) -> Change {
    (kind.into(), old.map(Into::into), new.map(Into::into), n)
}

fn golden_of(out: &MergeOutput) -> HashMap<String, String> {
    crosswalk(out).into_iter().collect()
}

fn master_ids(out: &MergeOutput) -> Vec<String> {
    let a = out
        .master
        .column_by_name("golden_id")
        .unwrap()
        .as_string::<i32>();
    (0..a.len()).map(|i| a.value(i).to_owned()).collect()
}

fn state(out: &MergeOutput, history: &[RecordBatch]) -> PreviousRun {
    PreviousRun::from_batches(
        std::slice::from_ref(&out.master),
        std::slice::from_ref(&out.crosswalk),
        history,
    )
    .unwrap()
}

fn run1_groups() -> Vec<Vec<Rec>> {
    vec![
        cluster(&["crm:a1", "web:a1"]),
        cluster(&["crm:b1", "crm:b2", "web:b1"]),
        cluster(&["crm:c1"]),
        cluster(&["web:d1", "web:d2", "shop:d1"]),
        cluster(&["shop:e1"]),
        cluster(&["shop:t1", "shop:t2"]),
    ]
}

fn run2_groups() -> Vec<Vec<Rec>> {
    vec![
        cluster(&["crm:a1", "web:a1", "shop:a9"]), // A grows
        cluster(&["crm:b1", "crm:b2", "web:b1", "crm:c1", "web:bc"]), // B + C via web:bc
        cluster(&["web:d1", "web:d2"]),            // D, larger part
        cluster(&["shop:d1"]),                     // split off D
        cluster(&["shop:t1"]),                     // T, tie: smallest record id
        cluster(&["shop:t2"]),                     // split off T
        cluster(&["shop:f1", "web:f1"]),           // new customer
                                                   // shop:e1 is gone: E retires.
    ]
}

#[test]
fn ids_stay_merge_split_retire_and_never_come_back() {
    let opts = SurvivorshipOptions::default();
    let (a, b, c, dd, e, t, f) = (
        d("crm:a1"),
        d("crm:b1"),
        d("crm:c1"),
        d("shop:d1"),
        d("shop:e1"),
        d("shop:t1"),
        d("shop:f1"),
    );

    // Run 1: every cluster is created, ids derive from the smallest record id.
    let out1 = merge_groups_with(&run1_groups(), &opts, None, &run("r1", 1));
    let mut want: Vec<Change> = [&a, &b, &c, &dd, &e, &t]
        .iter()
        .zip([2, 3, 1, 3, 1, 2])
        .map(|(id, n)| change("created", None, Some(id), n))
        .collect();
    want.sort();
    assert_eq!(changes(&out1), want);
    let mut ids1 = master_ids(&out1);
    ids1.sort();
    assert_eq!(master_ids(&out1), ids1, "master sorted by golden id");
    assert_eq!(golden_of(&out1)["shop:d1"], dd);
    assert_eq!(out1.stats.ids_created, 6);

    // Run 2.
    let history1 = vec![out1.id_changes.clone()];
    let prev1 = state(&out1, &history1);
    assert_eq!(prev1.crosswalk.len(), 12);
    assert_eq!(
        prev1.first_seen[&GoldenId(a.clone())],
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
    );
    let out2 = merge_groups_with(&run2_groups(), &opts, Some(&prev1), &run("r2", 2));
    let g2 = golden_of(&out2);
    // Same first_seen for B and C: the smaller id survives the merge.
    let (survivor, loser, loser_n) = if b < c { (&b, &c, 1) } else { (&c, &b, 3) };
    // The split-off part of D seeds on shop:d1 again, which is D's own seed:
    // the new id is salted.
    let d_split = d("shop:d1#1");
    let t_split = d("shop:t2");
    assert_eq!(g2["shop:a9"], a, "A grew and kept its id");
    assert_eq!(g2["crm:a1"], a);
    for r in ["crm:b1", "crm:b2", "web:b1", "crm:c1", "web:bc"] {
        assert_eq!(&g2[r], survivor, "{r}");
    }
    assert_eq!(g2["web:d1"], dd, "the larger part keeps D");
    assert_eq!(g2["shop:d1"], d_split);
    assert_eq!(
        g2["shop:t1"], t,
        "tie: the part with the smallest record id keeps T"
    );
    assert_eq!(g2["shop:t2"], t_split);
    assert_eq!(g2["shop:f1"], f);
    assert!(!g2.contains_key("shop:e1"));
    let mut want = vec![
        change("created", None, Some(&f), 2),
        change("merged", Some(loser), Some(survivor), loser_n),
        change("retired", Some(&e), None, 1),
        change("split", Some(&dd), Some(&d_split), 1),
        change("split", Some(&t), Some(&t_split), 1),
    ];
    want.sort();
    assert_eq!(changes(&out2), want);
    let s = &out2.stats;
    assert_eq!(
        (
            s.golden_records,
            s.ids_kept,
            s.ids_created,
            s.ids_split,
            s.ids_merged,
            s.ids_retired
        ),
        (7, 4, 1, 2, 1, 1)
    );
    let mut retired = vec![GoldenId(loser.clone()), GoldenId(e.clone())];
    retired.sort();
    assert_eq!(out2.retired_ids, retired);
    // first_seen carries over for kept ids, is the run date for new ones.
    let ids2 = master_ids(&out2);
    let fs = out2
        .master
        .column_by_name("first_seen")
        .unwrap()
        .as_primitive::<arrow::datatypes::Date32Type>();
    for (i, id) in ids2.iter().enumerate() {
        let want = if [&a, survivor, &dd, &t].contains(&id) {
            19723
        } else {
            19724
        };
        assert_eq!(fs.value(i), want, "{id}");
    }

    // Run 3: the same customers, and shop:e1 comes back on its own. Its seed
    // derives E, which is retired: it gets a salted id instead.
    let history2 = vec![out1.id_changes.clone(), out2.id_changes.clone()];
    let prev2 = state(&out2, &history2);
    assert!(prev2.retired.contains(&GoldenId(e.clone())));
    assert!(prev2.retired.contains(&GoldenId(loser.clone())));
    let mut groups3 = run2_groups();
    groups3.push(cluster(&["shop:e1"]));
    let out3 = merge_groups_with(&groups3, &opts, Some(&prev2), &run("r3", 3));
    let e_again = d("shop:e1#1");
    assert_eq!(
        changes(&out3),
        vec![change("created", None, Some(&e_again), 1)]
    );
    let g3 = golden_of(&out3);
    for (r, id) in &g2 {
        assert_eq!(&g3[r], id, "{r} unchanged");
    }
    let ids3: HashSet<String> = master_ids(&out3).into_iter().collect();
    assert!(
        !ids3.contains(&e) && !ids3.contains(loser),
        "retired ids never come back"
    );
    assert_eq!(out3.stats.ids_kept, 7);

    // Re-running with unchanged input changes nothing.
    let prev3 = state(
        &out3,
        &[
            out1.id_changes.clone(),
            out2.id_changes.clone(),
            out3.id_changes.clone(),
        ],
    );
    let out4 = merge_groups_with(&groups3, &opts, Some(&prev3), &run("r4", 4));
    assert_eq!(out4.id_changes.num_rows(), 0);
    assert_eq!(out4.crosswalk.column(2), out3.crosswalk.column(2));
    assert_eq!(out4.master.column(0), out3.master.column(0));
}

#[test]
fn merge_keeps_the_oldest_id_even_when_it_is_the_larger() {
    let (old, young) = ("Gffffffffffffff00", "G0000000000000001");
    let prev = PreviousRun {
        crosswalk: vec![
            (RecordId("crm:1".into()), GoldenId(old.into())),
            (RecordId("crm:2".into()), GoldenId(young.into())),
            (RecordId("crm:3".into()), GoldenId(young.into())),
        ],
        first_seen: HashMap::from([
            (
                GoldenId(old.into()),
                NaiveDate::from_ymd_opt(2020, 5, 1).unwrap(),
            ),
            (
                GoldenId(young.into()),
                NaiveDate::from_ymd_opt(2023, 5, 1).unwrap(),
            ),
        ]),
        retired: HashSet::new(),
    };
    let out = merge_groups_with(
        &[cluster(&["crm:1", "crm:2", "crm:3"])],
        &SurvivorshipOptions::default(),
        Some(&prev),
        &run("r9", 9),
    );
    assert!(golden_of(&out).values().all(|g| g == old));
    assert_eq!(
        changes(&out),
        vec![change("merged", Some(young), Some(old), 2)]
    );
}

#[test]
fn split_goes_to_the_part_with_most_former_records_not_the_biggest_cluster() {
    // X had x1..x3; now x1 sits with five new records, x2 and x3 together.
    let x = "G00000000000000aa";
    let prev = PreviousRun {
        crosswalk: ["crm:x1", "crm:x2", "crm:x3"]
            .iter()
            .map(|r| (RecordId((*r).into()), GoldenId(x.into())))
            .collect(),
        first_seen: HashMap::from([(
            GoldenId(x.into()),
            NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        )]),
        retired: HashSet::new(),
    };
    let out = merge_groups_with(
        &[
            cluster(&["crm:x1", "web:n1", "web:n2", "web:n3", "web:n4", "web:n5"]),
            cluster(&["crm:x2", "crm:x3"]),
        ],
        &SurvivorshipOptions::default(),
        Some(&prev),
        &run("r2", 2),
    );
    let g = golden_of(&out);
    assert_eq!(g["crm:x2"], x);
    assert_eq!(g["crm:x3"], x);
    assert_eq!(g["crm:x1"], d("crm:x1"));
    assert_eq!(
        changes(&out),
        vec![change("split", Some(x), Some(&d("crm:x1")), 1)]
    );
}

#[test]
fn crosswalk_lists_every_record_sorted_with_provenance() {
    let out = merge_groups_with(
        &run1_groups(),
        &SurvivorshipOptions::default(),
        None,
        &run("r1", 1),
    );
    let cw = crosswalk(&out);
    assert_eq!(cw.len(), 12);
    let mut sorted = cw.clone();
    sorted.sort();
    assert_eq!(cw, sorted);
    assert_eq!(out.crosswalk.schema(), cim_merge::crosswalk_schema());
    let files = out
        .crosswalk
        .column_by_name("file")
        .unwrap()
        .as_string::<i32>();
    let first = cw.iter().position(|(r, _)| r == "crm:a1").unwrap();
    assert_eq!(files.value(first), "crm.csv");
    assert_eq!(out.id_changes.schema(), cim_merge::id_changes_schema());
}
