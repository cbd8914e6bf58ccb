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
#   THREADS=2 ...                     # rayon threads for cim (default: all)
#   CIM=path/to/cim ...               # use this binary instead of building
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
[[ -x "$SYNTH" ]] || cargo build --release -q -p cim-synth --example synth

if [[ ! -f "$DATA/truth.csv" ]]; then
    echo "== generating $N records into $DATA"
    mkdir -p "$DATA"
    "$SYNTH" --records "$N" --out "$DATA" "${synth_flags[@]}"
else
    echo "== reusing $DATA"
fi

# Column mappings as in fixtures/demo/pipeline.toml; erp per
# cim_synth::SourceKind::columns.
CFG="$DATA/pipeline.toml"
cat >"$CFG" <<'EOF'
# Written by benches/e2e.sh. Paths are relative to this file.
[run]
as_of = "2026-01-01"
max_quarantine_ratio = 0.05

[[sources]]
name = "crm"
path = "crm.csv"
date_order = "dmy"

[sources.columns]
source_key = "CustomerID"
given_name = "First Name"
family_name = "Last Name"
email = "Email"
phone = "Phone"
date_of_birth = "DOB"
address_line1 = "Street"
city = "City"
postcode = "Postcode"
country = "Country"
company = "Company"
updated_at = "LastModified"

[[sources]]
name = "webshop"
path = "webshop.jsonl"

[sources.columns]
source_key = "id"
full_name = "name"
email = "email"
phone = "phone"
date_of_birth = "birthday"
address_line1 = "address.line1"
address_line2 = "address.line2"
city = "address.city"
postcode = "address.zip"
country = "address.country"
updated_at = "updated_at"

[[sources]]
name = "loyalty"
path = "loyalty_gbk.csv"
encoding = "gbk"
phone_region = "CN"
default_country = "CN"

[sources.columns]
source_key = "会员编号"
full_name = "姓名"
phone = "手机"
email = "邮箱"
date_of_birth = "出生日期"
address_line1 = "地址"
city = "城市"
postcode = "邮编"
updated_at = "更新时间"
EOF
if [[ "$ERP" == 1 ]]; then
    cat >>"$CFG" <<'EOF'

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
EOF
fi
cat >>"$CFG" <<'EOF'

[output]
dir = "out"
EOF

OUT="$DATA/out"
TIMELOG="$DATA/cim.time"
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
    sstart=$(date +%s.%N)
    /usr/bin/time -v -o "$STIME" "$VENV/bin/python" "$ROOT/benches/splink_bench.py" \
        --data "$DATA" --out "$DATA/splink-eval.json"
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
