#!/bin/sh
#===----------------------------------------------------------------------===#
# This source file is part of the swift-distill open source project
# SPDX-License-Identifier: Apache-2.0
#===----------------------------------------------------------------------===#
#
# Builds the kv releases the fleet test rolls out, with the project's swift-distill
# against Fixtures/kv, as scripts/demo.sh does, and copies their tarballs to OUT:
#
#   OUT/kv-0.1.0.tar.gz   the first deploy
#   OUT/kv-0.2.0.tar.gz   with the relup from 0.1.0
#   OUT/kv-0.3.0.tar.gz   with the relups from 0.1.0 and 0.2.0, and a health check that fails
#
# Each release ships a health check, releases/VSN/commands/health.sh (rel/config's
# `commands`): scripts/fleet/health.sh, or for 0.3.0 scripts/fleet/health-broken.sh.
#
# Usage: scripts/fleet/releases.sh OUT
# Environment: SWIFT (default swift), DISTILL (a built swift-distill; default: built here).
# The fixture is laid out in .build-fixtures/fleet-kv and compiled in .build-fixtures/kv/.build,
# the SwiftPM directory the test suite's kv builds use (dev: a debug build), so a run after
# `swift test` compiles only what changed.
set -eu

OUT=${1:?usage: scripts/fleet/releases.sh OUT}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
SWIFT=${SWIFT:-swift}
WORK=$REPO/.build-fixtures/fleet-kv
SCRATCH=$REPO/.build-fixtures/kv/.build

if [ -z "${DISTILL:-}" ]; then
    nice "$SWIFT" build --package-path "$REPO" --product swift-distill >/dev/null
    DISTILL=$("$SWIFT" build --package-path "$REPO" --show-bin-path)/swift-distill
fi

# Lays out version $1 of Fixtures/kv in $WORK with health check $2: the base tree, then
# versions/$1 on top, and a rel/config whose release ships the health check.
layout() {
    mkdir -p "$WORK"
    find "$WORK" -mindepth 1 -maxdepth 1 ! -name .build ! -name _build -exec rm -rf {} +
    (cd "$REPO/Fixtures/kv" && tar -cf - --exclude=./versions --exclude=./.build --exclude=./_build .) |
        (cd "$WORK" && tar -xf -)
    if [ "$1" != 0.1.0 ]; then cp -R "$REPO/Fixtures/kv/versions/$1/." "$WORK/"; fi
    mkdir -p "$WORK/rel/commands"
    cp "$REPO/scripts/fleet/$2" "$WORK/rel/commands/health.sh"
    sed 's|^{release, kv, \[$|{release, kv, [\n    {commands, [{health, "rel/commands/health.sh"}]},|' \
        "$REPO/Fixtures/kv/rel/config" > "$WORK/rel/config"
    grep -q 'rel/commands/health.sh' "$WORK/rel/config" || {
        echo "scripts/fleet/releases.sh: cannot add the health command to Fixtures/kv/rel/config" >&2
        exit 1
    }
}

# Builds version $1 with health check $2 and extra arguments; copies its tarball to $OUT.
build() {
    version=$1
    health=$2
    shift 2
    layout "$version" "$health"
    echo "fleet: building kv $version ($health)"
    # The build's progress and compiler output go to a log, shown if the build fails.
    if ! nice "$DISTILL" release --package-path "$WORK" --scratch-path "$SCRATCH" --env dev "$@" \
        > "$OUT/build-$version.log" 2>&1; then
        cat "$OUT/build-$version.log" >&2
        echo "scripts/fleet/releases.sh: building kv $version failed (log above)" >&2
        exit 1
    fi
    cp "$WORK/_build/dev/rel/kv/releases/$version/kv.tar.gz" "$OUT/kv-$version.tar.gz"
}

mkdir -p "$OUT"
rm -rf "$WORK/_build"
build 0.1.0 health.sh
build 0.2.0 health.sh --upgrade
build 0.3.0 health-broken.sh --upfrom 0.1.0 --upfrom 0.2.0
