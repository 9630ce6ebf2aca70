#!/usr/bin/env bash
# Issue 16's full simulation grid (bench_teach.py), cut to fit about two hours on a 2-core CPU:
# 600 training steps per model (bench_binary.py: 1,500), rounds of 50, up to 1,000 answers,
# models retrained from scratch at 600 answers (goal 1: 0.6x) and 1,000, not at 500.
# Seed by seed (so a cut-short run still has whole seeds), one process per dataset x start,
# each under the shared benchmark lock; then the result files are merged into mean +- std.
#   bash bench/teach_grid.sh [OUT] [SEEDS]      # OUT: bench/results/teach, SEEDS: "0 1 2"
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/teach}
seeds=${2:-0 1 2}
work=${TEACH_WORK:-/tmp/teach_grid}
files=()
for seed in $seeds; do
  for dataset in fashion_brands food_ingredients; do
    for start in gold patterns; do
      run="$work/${dataset}_${start}_seed${seed}"
      if [ ! -f "$run/done" ]; then
        flock /tmp/bench.lock python bench/bench_teach.py --out "$run" --datasets "$dataset" \
          --starts "$start" --seeds "$seed" --max-answers 1000 --batch-at 600,1000 \
          --ratios 3,4,5 --train-steps 600 > "$run.log" 2>&1
        touch "$run/done"
      fi
      files+=(--summarize "$run/results.json")
    done
  done
done
python bench/bench_teach.py --out "$out" "${files[@]}" > /dev/null
