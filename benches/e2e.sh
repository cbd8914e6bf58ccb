#!/usr/bin/env bash
# End-to-end benchmark: generated records -> `cim run` -> Parquet master,
# optionally side by side with Splink + DuckDB on the same files.
#
# Run from the repository root:
#   benches/e2e.sh                    # 100k records (default)
#   N=1000000 benches/e2e.sh          # 1M records
#   N=10000000 benches/e2e.sh         # 10M (opt-in: ~several GiB of input)
#   ERP=1 N=100000 benches/e2e.sh     # add the fourth source (erp, Parquet)
#   SPLINK=1 N=100000 benches/e2e.sh  # also run benches/splink_bench.py
#   SPLINK_ARGS="--em-rules dob,email --threshold 0.99" ...  # its options
#   THREADS=2 ...                     # rayon threads for cim (default: all)
#   CIM=path/to/cim ...               # use this binary instead of building
#   KEEP_OUT=1 ...                    # re-run against the previous outputs
#   SPILL_MIB=0 ...                   # set run.spill_records_above_mib (0: always spill)
#
# Data goes to target/bench-data/<N>[-erp]/ and is reused when present
# (delete the directory to regenerate). Prints records/s, per-stage times
# (run.json timings_ms), peak RSS (GNU time) and pairwise P/R/F1 from
# `cim evaluate --json` against the generated truth.csv.
set -euo pipefail

N=${N:-100000}
ERP=${ERP:-0}
SPLINK=${SPLINK:-0}
THREADS=${THREADS:-0}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

if [[ ! -x /usr/bin/time ]] || ! /usr/bin/time -v true 2>/dev/null; then
    echo "GNU time missing: installing (apt-get install -y time)" >&2
    apt-get install -y time >/dev/null
fi
command -v jq >/dev/null || { echo "jq is required (apt-get install -y jq)" >&2; exit 1; }

suffix=""
synth_flags=()
if [[ "$ERP" == 1 ]]; then
    suffix="-erp"
    synth_flags+=(--erp)
fi
DATA="$ROOT/target/bench-data/${N}${suffix}"

# CIM=/path/to/cim skips building cim (e.g. to compare two builds).
if [[ -z "${CIM:-}" ]]; then
    echo "== building (release)"
    cargo build --release -q -p cim-cli
    CIM="$ROOT/target/release/cim"
fi
SYNTH="$ROOT/target/release/examples/synth"
# Always (re)build: a stale generator silently benchmarks old data.
cargo build --release -q -p cim-synth --example synth

if [[ ! -f "$DATA/truth.csv" ]]; then
    echo "== generating $N records into $DATA"
    mkdir -p "$DATA"
    "$SYNTH" --records "$N" --out "$DATA" "${synth_flags[@]}"
else
    echo "== reusing $DATA"
fi

# cim-synth writes the demo's three sources, so the demo's own config maps
# them (as the reliability tests do): copied next to the data, its relative
# paths (and `output.dir = "out"`) resolve there. ERP=1 appends the fourth
# source, mapped per cim_synth::SourceKind::columns.
CFG="$DATA/pipeline.toml"
{
    echo "# Copied from fixtures/demo/pipeline.toml by benches/e2e.sh."
    cat "$ROOT/fixtures/demo/pipeline.toml"
} >"$CFG"
if [[ -n "${SPILL_MIB:-}" ]]; then
    sed -i "s/^\[run\]$/[run]\nspill_records_above_mib = $SPILL_MIB/" "$CFG"
fi
if [[ "$ERP" == 1 ]]; then
    cat >>"$CFG" <<'EOF2'

# Added by benches/e2e.sh (ERP=1).
[[sources]]
name = "erp"
path = "erp.parquet"

[sources.columns]
source_key = "partner_no"
full_name = "name"
gender = "gender"
date_of_birth = "birth_date"
phone = "mobile"
email = "email"
address_line1 = "street"
postcode = "postal_code"
city = "city"
country = "country_iso"
updated_at = "created_at"
EOF2
fi

OUT="$DATA/out"
TIMELOG="$DATA/cim.time"
# A first run by default: with the previous outputs present, `cim run` also
# reads them and keeps golden ids stable (KEEP_OUT=1 measures that re-run).
[[ "${KEEP_OUT:-0}" == 1 ]] || rm -rf "$OUT"
echo "== cim run ($N records, threads=${THREADS/#0/all})"
thread_args=()
[[ "$THREADS" != 0 ]] && thread_args+=(--threads "$THREADS")
start=$(date +%s.%N)
/usr/bin/time -v -o "$TIMELOG" "$CIM" run "$CFG" "${thread_args[@]}" >/dev/null
end=$(date +%s.%N)
wall=$(echo "$end - $start" | bc -l)
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TIMELOG")
cpu_pct=$(awk -F': ' '/Percent of CPU/ {print $2}' "$TIMELOG")
records=$(jq '.rows.read' "$OUT/run.json")

"$CIM" evaluate "$OUT" --truth "$DATA/truth.csv" --json >"$DATA/cim-eval.json"

printf '\n== cim: %s records\n' "$records"
printf 'wall          %8.2f s   (%s CPU)\n' "$wall" "$cpu_pct"
printf 'throughput    %8.0f records/s\n' "$(echo "$records / $wall" | bc -l)"
printf 'peak RSS      %8.0f MiB\n' "$(echo "$rss_kb / 1024" | bc -l)"
echo "stages (run.json timings_ms):"
jq -r '.timings_ms | to_entries[] | "  \(.key)\t\(.value) ms"' "$OUT/run.json"
jq -r '.dedupe.timings // empty | "dedupe: " + (to_entries | map("\(.key) \(.value)") | join(", "))' "$OUT/run.json"
jq -r '.peak_rss_mib // {} | select(length > 0) | "peak RSS per stage (MiB): " + (to_entries | map("\(.key) \(.value)") | join(", "))' "$OUT/run.json"
jq -r '.pairwise | "pairwise      P \(.precision*10000|round/10000)  R \(.recall*10000|round/10000)  F1 \(.f1*10000|round/10000)  (predicted \(.predicted_pairs), true \(.true_pairs))"' "$DATA/cim-eval.json"

if [[ "$SPLINK" == 1 ]]; then
    VENV="$ROOT/target/splink-venv"
    if [[ ! -x "$VENV/bin/python" ]]; then
        echo "== creating $VENV (splink, duckdb, pandas, pyarrow)"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q --upgrade pip
        "$VENV/bin/pip" install -q "splink==4.0.17" duckdb pandas pyarrow
    fi
    echo "== splink (versions: $("$VENV/bin/python" -c 'import splink, duckdb; print("splink", splink.__version__, "duckdb", duckdb.__version__)'))"
    STIME="$DATA/splink.time"
    # Split into words like THREADS' arguments, so no unquoted expansion.
    read -ra splink_args <<<"${SPLINK_ARGS:-}"
    sstart=$(date +%s.%N)
    /usr/bin/time -v -o "$STIME" "$VENV/bin/python" "$ROOT/benches/splink_bench.py" \
        --data "$DATA" --out "$DATA/splink-eval.json" "${splink_args[@]}"
    send=$(date +%s.%N)
    swall=$(echo "$send - $sstart" | bc -l)
    srss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$STIME")
    sf1=$(jq '.f1' "$DATA/splink-eval.json")
    cf1=$(jq '.pairwise.f1' "$DATA/cim-eval.json")
    printf '\n== side by side (%s records)\n' "$records"
    printf '%-8s %10s %12s %8s\n' tool "wall s" "peak MiB" F1
    printf '%-8s %10.2f %12.0f %8.4f\n' cim "$wall" "$(echo "$rss_kb / 1024" | bc -l)" "$cf1"
    printf '%-8s %10.2f %12.0f %8.4f\n' splink "$swall" "$(echo "$srss_kb / 1024" | bc -l)" "$sf1"
    printf 'ratio    %9.1fx %11.1fx\n' "$(echo "$swall / $wall" | bc -l)" "$(echo "$srss_kb / $rss_kb" | bc -l)"
    jq -r '"splink stages: " + (.timings_s | to_entries | map("\(.key) \(.value) s") | join(", "))' "$DATA/splink-eval.json"
fi
