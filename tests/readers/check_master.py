#!/usr/bin/env python3
"""Check that a cim run's outputs open in DuckDB, pandas and polars with the
documented types (docs/OUTPUTS.md).

Usage: check_master.py OUT_DIR MASTER_ROWS CROSSWALK_ROWS

Exits 0 when every reader agrees, 1 with a message per failed check
otherwise. Needs: duckdb pandas pyarrow polars. Prints one line per library.
"""

import sys
from pathlib import Path

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def main():
    out = Path(sys.argv[1])
    master_rows, crosswalk_rows = int(sys.argv[2]), int(sys.argv[3])
    master, crosswalk = out / "master.parquet", out / "crosswalk.parquet"

    import duckdb
    import pandas as pd
    import polars as pl
    import pyarrow as pa
    import pyarrow.parquet as pq

    # ---- DuckDB
    con = duckdb.connect()
    n = con.execute(f"SELECT count(*) FROM '{master}'").fetchone()[0]
    check(n == master_rows, f"duckdb master rows {n} != {master_rows}")
    n = con.execute(f"SELECT count(*) FROM '{crosswalk}'").fetchone()[0]
    check(n == crosswalk_rows, f"duckdb crosswalk rows {n} != {crosswalk_rows}")
    types = dict(
        (r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM '{master}'").fetchall()
    )
    for col, ty in {
        "golden_id": "VARCHAR",
        "full_name": "VARCHAR",
        "email": "VARCHAR[]",
        "phone": "VARCHAR[]",
        "date_of_birth": "DATE",
        "member_count": "UINTEGER",
        "sources": "VARCHAR[]",
        "first_seen": "DATE",
        "last_updated": "TIMESTAMP WITH TIME ZONE",
        "quality_score": "FLOAT",
    }.items():
        check(types.get(col) == ty, f"duckdb master.{col}: {types.get(col)} != {ty}")
    check(types.get("lineage", "").startswith("STRUCT("), "duckdb master.lineage is a struct")
    # The documented lineage query works, and lineage points at real records.
    rows = con.execute(
        f"SELECT golden_id, email, lineage.email FROM '{master}' WHERE email IS NOT NULL"
    ).fetchall()
    check(len(rows) > 0, "duckdb lineage query returns rows")
    orphans = con.execute(
        f"SELECT count(*) FROM '{master}' m LEFT JOIN '{crosswalk}' c "
        f"ON c.record_id = m.lineage.email "
        f"WHERE m.lineage.email IS NOT NULL AND c.golden_id IS DISTINCT FROM m.golden_id"
    ).fetchone()[0]
    check(orphans == 0, f"duckdb: {orphans} lineage.email ids not members of their golden record")
    total = con.execute(f"SELECT sum(member_count) FROM '{master}'").fetchone()[0]
    check(total == crosswalk_rows, f"duckdb sum(member_count) {total} != {crosswalk_rows}")
    print(f"duckdb {duckdb.__version__}: ok" if not failures else f"duckdb: {failures}")
    before = len(failures)

    # ---- pandas (pyarrow engine)
    df = pd.read_parquet(master)
    check(len(df) == master_rows, f"pandas master rows {len(df)} != {master_rows}")
    check(df["golden_id"].is_unique, "pandas golden_id unique")
    check(str(df["member_count"].dtype) == "uint32", f"pandas member_count {df['member_count'].dtype}")
    check(str(df["quality_score"].dtype) == "float32", f"pandas quality_score {df['quality_score'].dtype}")
    check(
        str(df["last_updated"].dtype).startswith("datetime64") and "UTC" in str(df["last_updated"].dtype),
        f"pandas last_updated {df['last_updated'].dtype}",
    )
    emails = df["email"].dropna()
    check(len(emails) > 0 and all(isinstance(e[0], str) for e in emails), "pandas email lists of str")
    lineage = df["lineage"].dropna()
    check(len(lineage) == master_rows and "email" in lineage.iloc[0], "pandas lineage dicts")
    cw = pd.read_parquet(crosswalk)
    check(len(cw) == crosswalk_rows, f"pandas crosswalk rows {len(cw)} != {crosswalk_rows}")
    check(str(cw["line"].dtype) == "uint64", f"pandas crosswalk.line {cw['line'].dtype}")
    schema = pq.read_schema(master)
    check(schema.field("date_of_birth").type == pa.date32(), f"pyarrow date_of_birth {schema.field('date_of_birth').type}")
    check(
        schema.field("last_updated").type == pa.timestamp("ms", tz="UTC"),
        f"pyarrow last_updated {schema.field('last_updated').type}",
    )
    print(f"pandas {pd.__version__} / pyarrow {pa.__version__}: " + ("ok" if len(failures) == before else f"{failures[before:]}"))
    before = len(failures)

    # ---- polars
    m = pl.read_parquet(master)
    check(m.height == master_rows, f"polars master rows {m.height} != {master_rows}")
    check(m.schema["golden_id"] == pl.Utf8, f"polars golden_id {m.schema['golden_id']}")
    check(m.schema["email"] == pl.List(pl.Utf8), f"polars email {m.schema['email']}")
    check(m.schema["date_of_birth"] == pl.Date, f"polars date_of_birth {m.schema['date_of_birth']}")
    check(m.schema["member_count"] == pl.UInt32, f"polars member_count {m.schema['member_count']}")
    check(m.schema["quality_score"] == pl.Float32, f"polars quality_score {m.schema['quality_score']}")
    check(isinstance(m.schema["lineage"], pl.Struct), f"polars lineage {m.schema['lineage']}")
    src = m.select(pl.col("lineage").struct.field("email")).to_series()
    check(src.null_count() < m.height, "polars lineage.email has values")
    c = pl.read_parquet(crosswalk)
    check(c.height == crosswalk_rows, f"polars crosswalk rows {c.height} != {crosswalk_rows}")
    check(c.schema["line"] == pl.UInt64, f"polars crosswalk.line {c.schema['line']}")
    check(c["record_id"].n_unique() == c.height, "polars crosswalk record_id unique")
    print(f"polars {pl.__version__}: " + ("ok" if len(failures) == before else f"{failures[before:]}"))

    if failures:
        for f in failures:
            print(f"FAIL {f}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
