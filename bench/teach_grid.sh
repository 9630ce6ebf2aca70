#!/usr/bin/env bash
# Issue 16's full simulation grid (python -m bench.teach), cut to fit about two hours on a 2-core
# CPU: 600 training steps per model (bench.binary: 1,500), rounds of 50, up to 1,000 answers,
# models retrained from scratch at 600 answers (goal 1: 0.6x) and 1,000, not at 500.
# Seed by seed (so a cut-short run still has whole seeds), one process per dataset x start,
# each under the shared benchmark lock; then bench.teach_report merges the result files into
# mean +- std.
#   bash bench/teach_grid.sh [OUT] [SEEDS]      # OUT: bench/results/teach, SEEDS: "0 1 2"
# TEACH_WORK: the runs' folders (default /tmp/teach_grid); TEACH_OPTIONS: more bench.teach
# options, after the grid's (the last value of an option wins), e.g. for a quick check:
#   TEACH_OPTIONS="--max-answers 20 --round-size 10 --eval-every 10 --batch-at 20
#   --train-steps 4" TEACH_WORK=/tmp/teach_grid_check bash bench/teach_grid.sh /tmp/out 0
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/teach}
seeds=${2:-0 1 2}
work=${TEACH_WORK:-/tmp/teach_grid}
mkdir -p "$work"
files=()
for seed in $seeds; do
  for dataset in fashion_brands food_ingredients; do
    for start in gold patterns; do
      run="$work/${dataset}_${start}_seed${seed}"
      if [ ! -f "$run/done" ]; then
        # shellcheck disable=SC2086  # TEACH_OPTIONS is a list of options
        flock /tmp/bench.lock python -m bench.teach --output "$run" --datasets "$dataset" \
          --starts "$start" --seeds "$seed" --max-answers 1000 --batch-at 600,1000 \
          --ratios 3,4,5 --train-steps 600 ${TEACH_OPTIONS:-} > "$run.log" 2>&1
        touch "$run/done"
      fi
      files+=("$run/results.json")
    done
  done
done
python -m bench.teach_report "${files[@]}" --output "$out" > /dev/null
