#!/usr/bin/env bash
# Reproduce the README's accuracy table: every dataset in fast mode, then finetune mode.
#   bash benchmarks/run_all.sh [DATA_DIR]     (default ../shared/datasets)
# Results land in benchmarks/results/<dataset>_<mode>.json. Extra flags for every run: BENCH_ARGS="--threads 1".
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/datasets}
py=${PYTHON:-.venv/bin/python}
run() {  # dataset mode [extra args...]
  local ds=$1 mode=$2; shift 2
  echo "== $ds $mode" >&2
  "$py" benchmarks/nlu.py --dataset "$ds" --mode "$mode" --data "$data" \
    --out "benchmarks/results/${ds}_${mode}.json" ${BENCH_ARGS:-} "$@" > /dev/null
}
for ds in ${FAST_DATASETS:-snips atis cais banking77 clinc150}; do run "$ds" fast; done
for ds in ${FINETUNE_DATASETS:-banking77 clinc150 snips atis cais}; do
  run "$ds" finetune --max-train-minutes "${FINETUNE_MINUTES:-15}"
done
