#!/usr/bin/env python3
"""Splink + DuckDB on the same generated files as `benches/e2e.sh`.

Usage (normally called by `SPLINK=1 benches/e2e.sh`):
    target/splink-venv/bin/python benches/splink_bench.py --data target/bench-data/100000

What it does, so that the comparison stays fair and reproducible:

* Reads crm.csv (UTF-8), webshop.jsonl (nested address) and
  loyalty_gbk.csv (decoded from GBK) [and erp.parquet when present] with
  pandas and maps every source to one schema: first_name, surname, dob
  (ISO), email, phone, address, postcode, city. The preparation is the
  usual hand-written pandas cleaning a Splink user writes: lower-case and
  trim, names split on the last space (Han names: first character is the
  surname), phone reduced to its last 9 digits (drops country/trunk
  prefixes), dates parsed per source format, postcode without spaces.
  No transliteration of Chinese names (Splink has none built in).
* Splink 4 settings (dedupe_only, DuckDB backend, default thread count):
  - blocking rules for prediction: email; phone; first_name+surname+dob;
    surname+dob; postcode+first_name.
  - comparisons: NameComparison(first_name), NameComparison(surname),
    DateOfBirthComparison(dob), EmailComparison(email),
    LevenshteinAtThresholds(phone, 1), LevenshteinAtThresholds(address, [2, 5]),
    PostcodeComparison(postcode), ExactMatch(city).
  - training: prior from deterministic rules (email, name+dob) at
    recall 0.7; u by random sampling (max_pairs 1e6, seed 1); EM
    once per blocking rule: first_name+surname, dob, email (--em-rules;
    'dob,email' trains in a minute at 1M instead of 12).
  - predict at match probability 0.8, connected components at 0.8
    (--threshold).
* Pairwise precision/recall/F1 from the clusters against truth.csv
  (pairs within a predicted cluster vs pairs within a true entity), the
  same definition `cim evaluate` uses.

Writes a JSON summary (timings per stage, F1) to --out. The total time
excludes the evaluation step; the process's peak RSS (measured outside by
GNU time) includes everything.
"""

import argparse
import json
import os
import re
import time

import duckdb  # noqa: F401  (imported so its version is the one Splink uses)
import pandas as pd

import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

SCHEMA = ["unique_id", "source", "source_key", "first_name", "surname", "dob",
          "email", "phone", "address", "postcode", "city"]


def _norm(s):
    return s.astype("string").str.strip().str.lower().replace("", pd.NA)


def _split_name(full):
    """'Given Family' -> (given, family); 'FAMILY, Given' -> (given, family);
    Han '张伟' -> ('伟', '张')."""
    full = full.astype("string").str.strip()
    comma = full.str.contains(",", regex=False, na=False)
    han = full.str.match(r"^[\u4e00-\u9fff]+$", na=False)
    given = full.str.rsplit(" ", n=1).str[0]
    family = full.str.rsplit(" ", n=1).str[-1]
    given = given.where(~comma, full.str.split(",", n=1).str[-1])
    family = family.where(~comma, full.str.split(",", n=1).str[0])
    given = given.where(~han, full.str[1:])
    family = family.where(~han, full.str[:1])
    return _norm(given), _norm(family)


def _phone(s):
    digits = s.astype("string").str.replace(r"\D", "", regex=True)
    return digits.str[-9:].replace("", pd.NA)


def _dob(s, dayfirst):
    s = s.astype("string").str.strip()
    # 1945年4月19日 -> 1945-4-19; 19630409 stays (format="mixed" reads it).
    s = s.str.replace(r"(\d{4})年(\d{1,2})月(\d{1,2})日", r"\1-\2-\3", regex=True)
    s = s.str.replace(r"T.*$", "", regex=True)
    d = pd.to_datetime(s, errors="coerce", dayfirst=dayfirst, format="mixed")
    return d.dt.strftime("%Y-%m-%d").astype("string")


def _frame(source, key, first, last, dob, email, phone, address, postcode, city):
    df = pd.DataFrame({
        "source": source,
        "source_key": key.astype("string"),
        "first_name": first,
        "surname": last,
        "dob": dob,
        "email": _norm(email),
        "phone": _phone(phone),
        "address": _norm(address),
        "postcode": _norm(postcode).str.replace(" ", "", regex=False).str.upper(),
        "city": _norm(city),
    })
    df["unique_id"] = df["source"] + ":" + df["source_key"]
    return df[SCHEMA]


def load(data):
    frames = []
    crm = pd.read_csv(os.path.join(data, "crm.csv"), dtype=str, encoding="utf-8-sig",
                      keep_default_na=False, on_bad_lines="skip")
    frames.append(_frame("crm", crm["CustomerID"], _norm(crm["First Name"]),
                         _norm(crm["Last Name"]), _dob(crm["DOB"], True), crm["Email"],
                         crm["Phone"], crm["Street"], crm["Postcode"], crm["City"]))
    rows = []
    with open(os.path.join(data, "webshop.jsonl"), encoding="utf-8") as f:
        for line in f:
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue
    web = pd.json_normalize(rows)
    del rows
    first, last = _split_name(web["name"])
    addr = web["address.line1"].fillna("").astype(str) + " " + \
        web["address.line2"].fillna("").astype(str)
    frames.append(_frame("webshop", web["id"], first, last, _dob(web["birthday"], False),
                         web["email"], web["phone"], addr, web["address.zip"],
                         web["address.city"]))
    del web
    loy = pd.read_csv(os.path.join(data, "loyalty_gbk.csv"), dtype=str, encoding="gbk",
                      encoding_errors="replace", keep_default_na=False, on_bad_lines="skip")
    first, last = _split_name(loy["姓名"])
    frames.append(_frame("loyalty", loy["会员编号"], first, last, _dob(loy["出生日期"], False),
                         loy["邮箱"], loy["手机"], loy["地址"], loy["邮编"], loy["城市"]))
    del loy
    erp_path = os.path.join(data, "erp.parquet")
    if os.path.exists(erp_path):
        erp = pd.read_parquet(erp_path)
        first, last = _split_name(erp["name"])
        dob = pd.to_datetime(erp["birth_date"], errors="coerce").dt.strftime("%Y-%m-%d")
        frames.append(_frame("erp", erp["partner_no"], first, last, dob.astype("string"),
                             erp["email"], erp["mobile"], erp["street"],
                             erp["postal_code"], erp["city"]))
    df = pd.concat(frames, ignore_index=True)
    df = df.drop_duplicates("unique_id", keep="first")
    # Splink wants plain object columns with None for missing values.
    return df.astype(object).where(df.notna(), None)


def settings():
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("phone"),
            block_on("first_name", "surname", "dob"),
            block_on("surname", "dob"),
            block_on("postcode", "first_name"),
        ],
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.EmailComparison("email"),
            cl.LevenshteinAtThresholds("phone", 1),
            cl.LevenshteinAtThresholds("address", [2, 5]),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("city"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def pairwise(clusters, truth):
    m = clusters.merge(truth, on="unique_id", how="inner")
    c2 = lambda n: (n * (n - 1) // 2).sum()  # noqa: E731
    tp = c2(m.groupby(["cluster_id", "entity_id"]).size())
    pred = c2(m.groupby("cluster_id").size())
    true = c2(m.groupby("entity_id").size())
    p = tp / pred if pred else None
    r = tp / true if true else None
    f1 = 2 * p * r / (p + r) if p and r else None
    return {"precision": p, "recall": r, "f1": f1, "true_positives": int(tp),
            "predicted_pairs": int(pred), "true_pairs": int(true),
            "evaluated_records": int(len(m))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument(
        "--em-rules", default="first_name+surname,dob,email",
        help="EM blocking rules, comma-separated, columns joined by '+' "
             "(default: the Splink tutorial's; at 1M first_name+surname "
             "alone makes training take 12 minutes: try 'dob,email')")
    args = ap.parse_args()
    em_rules = [block_on(*r.split("+")) for r in args.em_rules.split(",") if r]

    t = {}
    t0 = time.perf_counter()
    df = load(args.data)
    t["load_prepare"] = time.perf_counter() - t0

    s = time.perf_counter()
    linker = Linker(df, settings(), db_api=DuckDBAPI())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("first_name", "surname", "dob")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    t["train"] = time.perf_counter() - s

    s = time.perf_counter()
    pred = linker.inference.predict(threshold_match_probability=args.threshold)
    t["predict"] = time.perf_counter() - s

    s = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pred, threshold_match_probability=args.threshold)
    cdf = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    cdf.to_parquet(os.path.join(args.data, "splink_clusters.parquet"))
    t["cluster_write"] = time.perf_counter() - s
    t["total"] = time.perf_counter() - t0

    s = time.perf_counter()
    truth = pd.read_csv(os.path.join(args.data, "truth.csv"), dtype=str)
    truth["unique_id"] = truth["source"] + ":" + truth["source_key"]
    res = pairwise(cdf, truth[["unique_id", "entity_id"]])
    t["evaluate"] = time.perf_counter() - s

    res["records"] = int(len(df))
    res["threshold"] = args.threshold
    res["em_rules"] = args.em_rules
    res["timings_s"] = {k: round(v, 2) for k, v in t.items()}
    with open(args.out, "w") as f:
        json.dump(res, f, indent=2)
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
