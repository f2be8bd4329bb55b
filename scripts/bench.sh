#!/usr/bin/env bash
# make bench: every benchmark, release builds, figures as min/median/max over several runs.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product distill-bench
# ExternalTermFormat against erl's term_to_binary/binary_to_term on the same ~10 MB term.
.build/release/distill-bench etf "$@"
