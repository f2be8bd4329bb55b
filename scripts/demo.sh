#!/bin/sh
#===----------------------------------------------------------------------===#
# This source file is part of the swift-distill open source project
# SPDX-License-Identifier: Apache-2.0
#===----------------------------------------------------------------------===#
#
# make demo: the hot upgrade of a live node, as a user does it.
#
#   1. build swift-distill
#   2. build Fixtures/kv 0.1.0 with `swift-distill release --env prod`
#   3. deploy the tarball into a temporary directory (as scp + tar would) and start it
#   4. store data through `bin/kv rpc`
#   5. build 0.2.0 (which logs every request) with `swift-distill release --env prod --upgrade`
#   6. copy its tarball to releases/0.2.0/ and run `bin/kv upgrade 0.2.0` on the live node
#   7. show the same data, the same OS process, and the new code's log lines
#   8. `bin/kv downgrade 0.1.0`, show the data again, stop the node
#
# Each step prints what it runs and how long it took; any failed check exits non-zero.
# Environment: SWIFT (default swift), DEMO_DIR (the deploy directory; default a fresh
# temporary one, removed at the end unless KEEP=1).
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
SWIFT=${SWIFT:-swift}
# The fixture is built two levels below the repository (it depends on swift-distill by
# "../.."); its .build stays between runs, so a second demo compiles little.
WORK=$REPO/.build-fixtures/demo-kv
DEPLOY=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/distill-demo.XXXXXX")}
KV=$DEPLOY/bin/kv

if [ -t 1 ]; then BOLD=$(printf '\033[1m'); DIM=$(printf '\033[2m'); RED=$(printf '\033[31m'); OFF=$(printf '\033[0m')
else BOLD=; DIM=; RED=; OFF=; fi

now_ms() { date +%s%3N; }
DEMO_START=$(now_ms)
STEP_START=$DEMO_START
step() {
    STEP_START=$(now_ms)
    printf '\n%s==> %s%s\n' "$BOLD" "$*" "$OFF"
}
done_step() {
    printf '%s    (%s ms)%s\n' "$DIM" "$(( $(now_ms) - STEP_START ))" "$OFF"
}
fail() {
    printf '%smake demo: %s%s\n' "$RED" "$*" "$OFF" >&2
    if [ -f "$DEPLOY/var/log/kv.log" ]; then
        echo "--- the node's log (last 30 lines):" >&2
        tail -n 30 "$DEPLOY/var/log/kv.log" >&2
    fi
    exit 1
}
# Prints and runs a command.
run() {
    printf '    $ %s\n' "$*"
    "$@" || fail "'$*' failed (status $?)"
}
# Runs `bin/kv rpc kv TERM` and checks that it prints EXPECTED.
expect_rpc() {
    term=$1
    expected=$2
    printf "    \$ bin/kv rpc kv '%s'\n" "$term"
    reply=$("$KV" rpc kv "$term") || fail "bin/kv rpc kv '$term' failed"
    printf '    %s\n' "$reply"
    [ "$reply" = "$expected" ] || fail "expected '$expected', got '$reply'"
}
cleanup() {
    if [ -x "$KV" ] && "$KV" ping >/dev/null 2>&1; then "$KV" stop >/dev/null 2>&1 || true; fi
    if [ -z "${DEMO_DIR:-}" ] && [ "${KEEP:-0}" != 1 ]; then rm -rf "$DEPLOY"; fi
}
trap cleanup EXIT INT TERM

# Lays out version $1 of Fixtures/kv in $WORK: the base tree, then versions/$1 on top.
layout() {
    mkdir -p "$WORK"
    find "$WORK" -mindepth 1 -maxdepth 1 ! -name .build ! -name _build -exec rm -rf {} +
    (cd "$REPO/Fixtures/kv" && tar -cf - --exclude=./versions --exclude=./.build --exclude=./_build .) |
        (cd "$WORK" && tar -xf -)
    if [ "$1" != 0.1.0 ]; then cp -R "$REPO/Fixtures/kv/versions/$1/." "$WORK/"; fi
}

step "1. Build swift-distill"
run "$SWIFT" build --package-path "$REPO" --product swift-distill
DISTILL=$("$SWIFT" build --package-path "$REPO" --show-bin-path)/swift-distill
done_step

step "2. Build the kv release 0.1.0 (swift-distill release --env prod)"
layout 0.1.0
rm -rf "$WORK/_build"
run "$DISTILL" release --package-path "$WORK" --env prod
TARBALL=$WORK/_build/prod/rel/kv/releases/0.1.0/kv.tar.gz
[ -f "$TARBALL" ] || fail "no tarball at $TARBALL"
printf '    %s (%s bytes)\n' "${TARBALL#"$REPO"/}" "$(wc -c < "$TARBALL")"
done_step

step "3. Deploy it to $DEPLOY and start the node"
run tar -xzf "$TARBALL" -C "$DEPLOY"
run "$KV" start
run "$KV" versions
done_step

step "4. Store data on the live node"
expect_rpc '{put, a, 42}' ok
expect_rpc '{put, greeting, <<"hello">>}' ok
expect_rpc '{get, a, nil}' 42
expect_rpc keys '[a,greeting]'
PID=$("$KV" pid)
printf '    the node is OS process %s\n' "$PID"
done_step

step "5. Build 0.2.0, which logs every request (swift-distill release --env prod --upgrade)"
layout 0.2.0
run "$DISTILL" release --package-path "$WORK" --env prod --upgrade
printf '    the generated appup (lib/kv-0.2.0/ebin/kv.appup):\n'
sed -n '/^{/,$p' "$WORK/_build/prod/rel/kv/lib/kv-0.2.0/ebin/kv.appup" | sed 's/^/      /'
done_step

step "6. Hot-upgrade the live node (bin/kv upgrade 0.2.0)"
run mkdir -p "$DEPLOY/releases/0.2.0"
run cp "$WORK/_build/prod/rel/kv/releases/0.2.0/kv.tar.gz" "$DEPLOY/releases/0.2.0/kv.tar.gz"
run "$KV" upgrade 0.2.0
done_step

step "7. The same data, the same process, the new code"
expect_rpc '{get, a, nil}' 42
expect_rpc '{get, greeting, nil}' '<<"hello">>'
expect_rpc '{put, b, 7}' ok
[ "$("$KV" pid)" = "$PID" ] || fail "the node's OS process changed"
printf '    still OS process %s; the requests 0.2.0 logged (var/log/kv.log):\n' "$PID"
grep -q 'request' "$DEPLOY/var/log/kv.log" || fail "0.2.0 logged no request"
grep 'request' "$DEPLOY/var/log/kv.log" | tail -n 3 | sed 's/^/      /'
run "$KV" versions
done_step

step "8. Downgrade to 0.1.0, then stop"
run "$KV" downgrade 0.1.0
expect_rpc '{get, a, nil}' 42
expect_rpc '{get, b, nil}' 7
[ "$("$KV" pid)" = "$PID" ] || fail "the node's OS process changed"
run "$KV" stop
done_step

printf '\n%smake demo: the node kept its data through an upgrade and a downgrade (%s ms in all).%s\n' \
    "$BOLD" "$(( $(now_ms) - DEMO_START ))" "$OFF"
