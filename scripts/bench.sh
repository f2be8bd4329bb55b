#!/usr/bin/env bash
# make bench: every benchmark, release builds, figures as min/median/max over several runs.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "make bench: no benchmark has landed yet." >&2
exit 1
