#!/usr/bin/env bash
# Measures hrmg's accuracy and training speed on the bundled data and prints
# Markdown tables for docs/benchmarks.md.
#
# Usage: scripts/benchmarks.sh [SEEDS] [OUTDIR]
#   SEEDS   number of seeds per model (default 3)
#   OUTDIR  where model files go (default out/bench)
#
# Each model is trained on the fixed train split, validated on the valid split
# and scored on the test split. Extra flags for every HRM run can be passed in
# HRM_FLAGS, for example HRM_FLAGS="--halting none".
set -euo pipefail
cd "$(dirname "$0")/.."

seeds=${1:-3}
out=${2:-out/bench}
mkdir -p "$out"
make build >/dev/null
bin=bin/hrmg

cal=(--data datasets/california-housing/train.csv --valid datasets/california-housing/valid.csv
  --test datasets/california-housing/test.csv --target median_house_value)
atl=(--data datasets/atlanta-alphaearth/train.csv --valid datasets/atlanta-alphaearth/valid.csv
  --test datasets/atlanta-alphaearth/test.csv --target y_log_density --id cb_2020_3
  --drop B01003_001E,tract_area_sqkm,population_density)

echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores;" \
  "$(go version | cut -d' ' -f3); BLAS: $($bin --version | sed 's/.*BLAS: \(.*\))/\1/')"
echo

# summarise NAME VALUES... prints "mean ± std (v1, v2, ...)".
summarise() {
  printf '%s\n' "$@" | awk '{v[NR]=$1; s+=$1} END {
    m=s/NR; for(i=1;i<=NR;i++) ss+=(v[i]-m)^2; sd=(NR>1)?sqrt(ss/(NR-1)):0
    printf "%.4f ± %.4f (", m, sd; for(i=1;i<=NR;i++) printf "%s%.4f", (i>1?", ":""), v[i]; printf ")"}'
}

# hrm DATASET NAME FLAGS... trains one HRM per seed and prints a table row
# with test R², validation R², training rows/s and seconds.
hrm() {
  local ds=$1 name=$2; shift 2
  local -n args=$ds
  local tests=() valids=() speeds=() secs=()
  for seed in $(seq 1 "$seeds"); do
    local model="$out/$ds-$name-$seed.hrmg"
    local start end
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    result=$($bin --log-level warn train "${args[@]}" --seed "$seed" --out "$model" ${HRM_FLAGS:-} "$@")
    end=$(date +%s.%N)
    tests+=("$(echo "$result" | awk '$2=="test"{print $4}')")
    valids+=("$(echo "$result" | awk '$2=="valid"{print $4}')")
    speeds+=("$(awk -F'"rows_per_second":' '{split($2,a,","); s+=a[1]; n++} END {printf "%.0f", s/n}' "${model%.hrmg}.epochs.jsonl")")
    secs+=("$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')")
  done
  printf '| %s | %s | %s | %s | %.0f |\n' "$name" "$(summarise "${tests[@]}")" "$(summarise "${valids[@]}")" \
    "$(printf '%s\n' "${speeds[@]}" | awk '{s+=$1} END {printf "%.0f", s/NR}')" \
    "$(printf '%s\n' "${secs[@]}" | awk '{s+=$1} END {printf "%.1f", s/NR}')"
}

# trees DATASET prints the forest's and the boosting's test R² over seeds.
trees() {
  local ds=$1
  local -n args=$ds
  local rf=() gbm=() rfs=() gbms=()
  for seed in $(seq 1 "$seeds"); do
    result=$($bin --log-level warn baselines "${args[@]}" --seed "$seed" --out-dir "$out/$ds-trees-$seed")
    rf+=("$(echo "$result" | awk -F'\t' '$1=="random forest"{print $2}')")
    gbm+=("$(echo "$result" | awk -F'\t' '$1=="gradient boosting"{print $2}')")
    rfs+=("$(echo "$result" | awk -F'\t' '$1=="random forest"{print $5}')")
    gbms+=("$(echo "$result" | awk -F'\t' '$1=="gradient boosting"{print $5}')")
  done
  printf '| random forest | %s | | | %s |\n' "$(summarise "${rf[@]}")" "$(printf '%s\n' "${rfs[@]}" | awk '{s+=$1} END {printf "%.2f", s/NR}')"
  printf '| gradient boosting | %s | | | %s |\n' "$(summarise "${gbm[@]}")" "$(printf '%s\n' "${gbms[@]}" | awk '{s+=$1} END {printf "%.2f", s/NR}')"
}

for ds in cal atl; do
  echo "### $ds"
  echo
  echo "| model | test R² | validation R² | training rows/s | seconds |"
  echo "|---|---|---|---|---|"
  hrm "$ds" "HRM, defaults (40 epochs)"
  hrm "$ds" "HRM, defaults without halting (--halting none)" --halting none
  hrm "$ds" "HRM, early stopping (100 epochs, patience 10)" --epochs 100 --patience 10
  hrm "$ds" "HRM, reference (linear, standard scaling, lr 3e-4 constant, no halting)" \
    --scale standard --lr 3e-4 --schedule constant --warmup-epochs 0 --halting none
  trees "$ds"
  echo
done
