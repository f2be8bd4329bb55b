#!/usr/bin/env bash
# make bench: every benchmark, release builds, figures as min/median/max over several runs.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product distill-bench
# Release tarballs: TarballWriter vs tar -czf, ReleaseArchive vs tar -xzf (~40 MB tree).
.build/release/distill-bench pack --runs "${BENCH_RUNS:-5}"
