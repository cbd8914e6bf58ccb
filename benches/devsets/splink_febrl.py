#!/usr/bin/env python3
"""Splink + DuckDB on Febrl 3 and Febrl 4, beside `benches/devsets/febrl34.sh`.

Usage (after febrl34.sh has fetched the data and written the truth; the
venv is e2e.sh's):
    target/splink-venv/bin/python benches/devsets/splink_febrl.py

Splink is configured as in its own published examples for these two sets
(docs/demos/examples/duckdb/febrl3 and febrl4 in the Splink repository):
the same blocking rules, comparisons, deterministic rules for the prior,
u from 1e6 random pairs and EM sessions blocked on date of birth and on
postcode. Only the clustering threshold is cim's (0.8, --threshold), and
the score is the pairwise precision, recall and F1 that `cim evaluate`
computes (the same function as benches/splink_bench.py).
"""

import argparse
import json
import os
import sys
import time

import pandas as pd

import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from splink_bench import pairwise  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "target", "devsets", "febrl-data")


def load(name, source):
    df = pd.read_csv(os.path.join(DATA, name), dtype=str, skipinitialspace=True,
                     keep_default_na=False)
    df.columns = [c.strip() for c in df.columns]
    df = df.apply(lambda s: s.str.strip()).replace("", pd.NA)
    df["unique_id"] = source + ":" + df["rec_id"]
    return df


def febrl3_settings():
    rules = [block_on("soc_sec_id"), block_on("given_name"), block_on("surname"),
             block_on("date_of_birth"), block_on("postcode")]
    return SettingsCreator(
        unique_id_column_name="unique_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=rules,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
    ), [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
        "l.given_name = r.surname and l.surname = r.given_name "
        "and l.date_of_birth = r.date_of_birth",
    ], 0.9


def febrl4_settings():
    rules = [block_on("given_name", "surname"),
             "l.given_name = r.surname and l.surname = r.given_name",
             block_on("date_of_birth"), block_on("soc_sec_id"),
             block_on("state", "address_1"), block_on("street_number", "address_1"),
             block_on("postcode")]
    return SettingsCreator(
        unique_id_column_name="unique_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d",
                                     invalid_dates_as_null=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True),
        ],
    ), [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], 0.8


def run(name, frames, settings, threshold):
    settings, deterministic, recall = settings
    t0 = time.perf_counter()
    tables = frames if len(frames) > 1 else frames[0]
    linker = Linker(tables, settings, db_api=DuckDBAPI())
    linker.training.estimate_probability_two_random_records_match(deterministic,
                                                                  recall=recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in ("date_of_birth", "postcode"):
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(rule), estimate_without_term_frequencies=True)
    pred = linker.inference.predict(threshold_match_probability=0.2)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pred, threshold_match_probability=threshold).as_pandas_dataframe()
    took = time.perf_counter() - t0
    # The truth febrl34.sh wrote for cim: one derivation for both tools.
    truth = pd.read_csv(os.path.join(ROOT, "target", "devsets", f"{name}.truth.csv"),
                        dtype=str).rename(columns={"record_id": "unique_id"})
    score = pairwise(clusters[["unique_id", "cluster_id"]], truth)
    score.update({"set": name, "seconds": round(took, 2), "threshold": threshold})
    return score


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "devsets",
                                                  "splink-febrl.json"))
    args = ap.parse_args()
    results = [
        run("febrl3", [load("dataset3.csv", "febrl3")], febrl3_settings(),
            args.threshold),
        run("febrl4", [load("dataset4a.csv", "febrl4a"), load("dataset4b.csv", "febrl4b")],
            febrl4_settings(), args.threshold),
    ]
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
    for r in results:
        print(f"== {r['set']} (Splink, clusters at {r['threshold']}): "
              f"P {r['precision']:.4f}  R {r['recall']:.4f}  F1 {r['f1']:.4f}  "
              f"({r['seconds']} s)")


if __name__ == "__main__":
    main()
