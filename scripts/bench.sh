#!/usr/bin/env bash
# make bench: every benchmark, release builds, figures as min/median/max over several runs.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product distill-bench
for benchmark in term-text; do
    .build/release/distill-bench "$benchmark"
done
