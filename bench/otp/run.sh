#!/usr/bin/env bash
# This source file is part of the swift-distill open source project
# SPDX-License-Identifier: Apache-2.0
#
# The OTP baseline: the kv release built with erlc + systools, booted, hot-upgraded and
# measured through its bin/kv, as the swift-distill benchmarks do with ours. Every figure
# is one JSON line on standard output (progress goes to standard error):
#
#   {"bench":"otp","measure":"install_release","case":"0.1.0->0.2.0","run":1,"value":0.0041,"unit":"s"}
#
# Usage: bench/otp/run.sh [--build-dir DIR] COMMAND [--runs N] [options]
#
#   build       [--runs N]                 build from scratch N times (erlc + systools); tarball
#                                          and unpacked sizes; the last build stays in DIR
#   boot        [--runs N]                 exec of bin/kv foreground / bin/kv start to ping and
#                                          to kv answering
#   upgrade     [--runs N] [--keys K]      with K keys (default 10000): bin/kv upgrade 0.2.0,
#                                          upgrade 0.3.0, downgrade 0.2.0, downgrade 0.1.0, on an
#                                          idle node, then with a client calling kv throughout
#   throughput  [--runs N] [--calls C] [--cli-calls M]
#                                          gen_server:call in the node, 1 and 2 clients (C calls,
#                                          default 1000000); bin/kv rpc, M sequential (default 20),
#                                          through nodetool and through erl_call
#   all         [--runs N]                 every command above
#
# DIR defaults to bench/otp/_build (gitignored). Commands other than build build first if the
# sources changed. Nodes run on a private epmd (a free port, ERL_EPMD_PORT) with a fresh
# cookie; the nodes and that epmd are stopped on exit, failure or interrupt.
set -euo pipefail
shopt -s inherit_errexit

HERE="$(cd "$(dirname "$0")" && pwd -P)"
BUILD="$HERE/_build"
if [ "${1:-}" = "--build-dir" ]; then
    BUILD="$2"
    shift 2
fi
COMMAND="${1:-}"
[ -n "$COMMAND" ] && shift
RUNS=7
KEYS=10000
CALLS=1000000
CLI_CALLS=20
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="$2" ;;
        --keys) KEYS="$2" ;;
        --calls) CALLS="$2" ;;
        --cli-calls) CLI_CALLS="$2" ;;
        *) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift 2
done

for tool in erl erlc epmd; do
    command -v "$tool" > /dev/null || { echo "run.sh: '$tool' is not on PATH (install erlang-base)" >&2; exit 1; }
done
mkdir -p "$BUILD"
BUILD="$(cd "$BUILD" && pwd -P)"

now_ns() { date +%s%N; }

json() {  # measure case run value unit
    printf '{"bench":"otp","measure":"%s","case":"%s","run":%s,"value":%s,"unit":"%s"}\n' "$@"
}

seconds() {  # nanoseconds -> seconds
    awk -v ns="$1" 'BEGIN { printf "%.6f", ns / 1e9 }'
}

# The harness (driver, probe, systools steps), compiled once; not part of the timed build.
compile_harness() {
    local out="$BUILD/harness"
    mkdir -p "$out"
    for source in "$HERE"/harness/*.erl; do
        local beam
        beam="$out/$(basename "${source%.erl}").beam"
        if [ ! -f "$beam" ] || [ "$source" -nt "$beam" ]; then
            erlc -Werror -o "$out" "$source" >&2
        fi
    done
}

# One build into $1: erlc of the three versions, then systools (kv_build). Prints the two
# durations in nanoseconds.
build_into() {
    local dir="$1" version number start compiled finished
    rm -rf "$dir"
    start=$(now_ns)
    number=0
    for version in 0.1.0 0.2.0 0.3.0; do
        number=$((number + 1))
        mkdir -p "$dir/lib/kv-$version/ebin"
        erlc -Werror "-DKV_VERSION=$number" -o "$dir/lib/kv-$version/ebin" \
            "$HERE/src/kv.erl" "$HERE/src/kv_sup.erl" "$HERE/src/kv_app.erl" >&2
    done
    compiled=$(now_ns)
    erl -noshell -boot start_clean -pa "$BUILD/harness" -run kv_build main "$HERE" "$dir" >&2
    finished=$(now_ns)
    echo "$((compiled - start)) $((finished - compiled))"
}

sources_stamp() {
    cat "$HERE"/src/* "$HERE"/appups/* "$HERE"/rel/* "$HERE"/bin/* "$HERE"/harness/kv_build.erl | cksum
}

# build [RUNS]: N builds from scratch, each timed; the last one becomes $BUILD/rel.
build() {
    local runs="$1" run times erlc_ns systools_ns
    compile_harness
    for run in $(seq 1 "$runs"); do
        echo "otp: build $run/$runs" >&2
        times=$(build_into "$BUILD/rel.new")
        erlc_ns="${times% *}"
        systools_ns="${times#* }"
        json build_total all "$run" "$(seconds $((erlc_ns + systools_ns)))" s
        json build_erlc all "$run" "$(seconds "$erlc_ns")" s
        json build_systools all "$run" "$(seconds "$systools_ns")" s
    done
    rm -rf "$BUILD/rel"
    mv "$BUILD/rel.new" "$BUILD/rel"
    sources_stamp > "$BUILD/rel/stamp"
    local version unpacked
    for version in 0.1.0 0.2.0 0.3.0; do
        json tarball_bytes "$version" 1 "$(stat -c %s "$BUILD/rel/kv-$version.tar.gz")" bytes
    done
    unpacked="$BUILD/unpacked"
    rm -rf "$unpacked"
    mkdir -p "$unpacked"
    tar -xzf "$BUILD/rel/kv-0.1.0.tar.gz" -C "$unpacked"
    json unpacked_bytes 0.1.0 1 "$(find "$unpacked" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')" bytes
    json unpacked_files 0.1.0 1 "$(find "$unpacked" -type f | wc -l)" files
    rm -rf "$unpacked"
}

ensure_built() {
    compile_harness
    if [ ! -f "$BUILD/rel/stamp" ] || [ "$(cat "$BUILD/rel/stamp")" != "$(sources_stamp)" ]; then
        build 1 > /dev/null
    fi
}

# MARK: - Nodes, epmd and cleanup

RUN_DIR=""
EPMD_PID=""

cleanup() {
    local status=$? pid proc
    trap - EXIT INT TERM
    if [ -n "$RUN_DIR" ]; then
        # Nodes the driver recorded, then anything still running from this run's directory
        # (a node that never answered): matched by its unique path, killed by process id.
        if [ -f "$RUN_DIR/pids" ]; then
            while read -r pid; do kill -9 "$pid" 2> /dev/null || true; done < "$RUN_DIR/pids"
        fi
        for proc in /proc/[0-9]*; do
            pid="${proc#/proc/}"
            [ "$pid" = "$$" ] && continue
            if tr '\0' ' ' 2> /dev/null < "$proc/cmdline" | grep -qF -- "$RUN_DIR/"; then
                kill -9 "$pid" 2> /dev/null || true
            fi
        done
        rm -rf "$RUN_DIR"
    fi
    if [ -n "$EPMD_PID" ]; then
        # SIGKILL: a parent may have blocked SIGTERM for its children (Foundation's Process
        # passes its thread's signal mask on), and epmd keeps nothing worth a graceful end.
        kill -KILL "$EPMD_PID" 2> /dev/null || true
        wait "$EPMD_PID" 2> /dev/null || true
    fi
    exit "$status"
}

# A private epmd on a free port, so that these nodes never meet another run's.
start_epmd() {
    local attempt port
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        epmd -port "$port" -relaxed_command_check > /dev/null 2>&1 &
        EPMD_PID=$!
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            if ! kill -0 "$EPMD_PID" 2> /dev/null; then break; fi
            if ERL_EPMD_PORT="$port" epmd -names > /dev/null 2>&1; then
                export ERL_EPMD_PORT="$port"
                return 0
            fi
            sleep 0.05
        done
        kill -KILL "$EPMD_PID" 2> /dev/null || true
        wait "$EPMD_PID" 2> /dev/null || true
        EPMD_PID=""
    done
    echo "run.sh: could not start epmd on a free port" >&2
    exit 1
}

# driver COMMAND ARGS...: kv_bench in a hidden node on the private epmd.
driver() {
    local cookie
    cookie="kvbench$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
    erl -noshell -hidden -boot start_sasl -sasl errlog_type error -sname "kv_bench_$$" -setcookie "$cookie" \
        -pa "$BUILD/harness" -run kv_bench main "$1" "$BUILD/rel" "$RUN_DIR" "${@:2}"
}

with_nodes() {
    ensure_built
    trap cleanup EXIT INT TERM
    RUN_DIR="$(mktemp -d "$BUILD/run.XXXXXX")"
    start_epmd
    "$@"
}

case "$COMMAND" in
    build) build "$RUNS" ;;
    boot) with_nodes driver boot "$RUNS" ;;
    upgrade) with_nodes driver upgrade "$RUNS" "$KEYS" ;;
    throughput) with_nodes driver throughput "$RUNS" "$CALLS" "$CLI_CALLS" ;;
    all)
        build "$RUNS"
        with_nodes driver boot "$RUNS"
        driver upgrade "$RUNS" "$KEYS"
        driver throughput "$RUNS" "$CALLS" "$CLI_CALLS"
        ;;
    *)
        sed -n '/^# Usage/,/^# cookie/p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
