#!/usr/bin/env python3
"""Check that outputs written with `[output.encryption]` decrypt in pyarrow
with the key, and that without it the unencrypted columns stay readable
(plaintext footer) while the encrypted ones do not.

Usage: check_encrypted_master.py ENC_DIR PLAIN_DIR ENCRYPTED_COLUMN PLAIN_COLUMN

ENC_DIR and PLAIN_DIR are runs of the same inputs with and without
encryption. Needs: duckdb pyarrow polars. Prints one line per check group;
exits 1 listing failures.

pyarrow only offers the key-management API (CryptoFactory + KmsClient). cim
writes its key metadata in that API's format (PKMT1 key material) with
`masterKeyID` = `env:NAME` or `file:PATH` and `wrappedDEK` = `cim:direct`
(the data key is the master key itself), so the KMS client below only has
to fetch the key that `masterKeyID` names. Use it as a template.
"""

import base64
import os
import sys
from datetime import timedelta
from pathlib import Path

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def load_key(master_key_id):
    """The AES key cim's `masterKeyID` names: hex or base64 text."""
    kind, _, where = master_key_id.partition(":")
    if kind == "env":
        text = os.environ[where]
    elif kind == "file":
        text = Path(where).read_text()
    else:
        raise ValueError(f"not a cim key id: {master_key_id}")
    text = text.strip()
    try:
        return bytes.fromhex(text)
    except ValueError:
        return base64.b64decode(text, validate=True)


def main():
    enc, plain = Path(sys.argv[1]), Path(sys.argv[2])
    enc_col, plain_col = sys.argv[3], sys.argv[4]

    import duckdb
    import polars as pl
    import pyarrow as pa
    import pyarrow.parquet as pq
    import pyarrow.parquet.encryption as pe

    class CimKmsClient(pe.KmsClient):
        def __init__(self, _config):
            pe.KmsClient.__init__(self)

        def wrap_key(self, key_bytes, master_key_identifier):
            raise NotImplementedError("cim writes the files; this client only reads")

        def unwrap_key(self, wrapped_key, master_key_identifier):
            if wrapped_key != "cim:direct":
                raise ValueError("not cim key material")
            return load_key(master_key_identifier)

    factory = pe.CryptoFactory(lambda config: CimKmsClient(config))
    decryption = factory.file_decryption_properties(
        pe.KmsConnectionConfig(),
        pe.DecryptionConfiguration(cache_lifetime=timedelta(minutes=5)),
    )

    # ---- with the key: identical content
    for name in ["master.parquet", "records.parquet", "quarantine.parquet"]:
        got = pq.read_table(enc / name, decryption_properties=decryption)
        want = pq.read_table(plain / name)
        check(
            got.replace_schema_metadata(None).equals(want.replace_schema_metadata(None)),
            f"pyarrow: decrypted {name} differs from the unencrypted run",
        )
    print(f"pyarrow {pa.__version__} with the key: " + ("ok" if not failures else f"{failures}"))
    before = len(failures)

    # ---- without the key
    master = enc / "master.parquet"
    rows = pq.read_metadata(plain / "master.parquet").num_rows
    try:
        pq.read_table(master, columns=[enc_col])
        check(False, f"pyarrow read encrypted column {enc_col} without the key")
    except OSError:
        pass
    t = pq.read_table(master, columns=["golden_id", plain_col])
    check(t.num_rows == rows, f"pyarrow plain columns without key: {t.num_rows} rows != {rows}")
    con = duckdb.connect()
    n = con.execute(f"SELECT count(*) FROM (SELECT golden_id, {plain_col} FROM '{master}')").fetchone()[0]
    check(n == rows, f"duckdb plain columns without key: {n} rows != {rows}")
    try:
        con.execute(f"SELECT {enc_col} FROM '{master}'").fetchall()
        check(False, f"duckdb read encrypted column {enc_col} without the key")
    except duckdb.Error:
        pass
    m = pl.read_parquet(master, columns=["golden_id", plain_col])
    check(m.height == rows, f"polars plain columns without key: {m.height} rows != {rows}")
    print(
        f"without the key (duckdb {duckdb.__version__}, polars {pl.__version__}): "
        + ("ok" if len(failures) == before else f"{failures[before:]}")
    )

    if failures:
        for f in failures:
            print(f"FAIL {f}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
