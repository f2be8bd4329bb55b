#!/usr/bin/env bash
# make bench: every benchmark, release builds, each side by side with its baseline in the
# same run, figures as min/median/max over several runs (BENCH_RUNS overrides the count).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product distill-bench
swift build -c release --product swift-distill
bench=.build/release/distill-bench
runs=(--runs "${BENCH_RUNS:-7}")
# Term text: TermParser/TermPrinter against erl's file:consult and ~tp on the same ~10 MB file.
"$bench" term-text "${runs[@]}"
# ExternalTermFormat against erl's term_to_binary/binary_to_term on the same ~10 MB term.
"$bench" etf "${runs[@]}"
# Release tarballs: TarballWriter vs tar -czf, ReleaseArchive vs tar -xzf (~40 MB tree).
"$bench" pack "${runs[@]}"
# Release builder: swift-distill release (no-op rebuild of Fixtures/kv, prod) vs plain swift build,
# and its tree packed by TarballWriter vs tar -czf. The first make bench compiles the fixture.
"$bench" release "${runs[@]}"
# Relup compiler: RelupCompiler and swift-distill relup vs systools:make_relup (200 apps x 50 modules).
"$bench" plan "${runs[@]}"
# Boot: a release's exec-to-ready time vs erl's boot (the plugin fixture, release build).
swift build -c release --package-path Tests/DistillRuntimeTests/Fixtures/KVPlugin \
    --scratch-path .build/fixtures/KVPlugin --product LabPlugin
swift build -c release --package-path Tests/DistillRuntimeTests/Fixtures/KVPlugin \
    --scratch-path .build/fixtures/KVPlugin --product KVPlugin
swift build -c release --package-path Tests/DistillRuntimeTests/Fixtures/KVPlugin \
    --scratch-path .build/fixtures/KVPlugin --product distill-run
"$bench" boot "${runs[@]}" --fixture .build/fixtures/KVPlugin/release
# Runtime: call/cast throughput, call latency, memory per idle process vs OTP's gen_server.
"$bench" runtime "${runs[@]}"
# The OTP baseline alone (bench/otp): the kv release built with systools, booted, hot-upgraded
# with release_handler through bin/kv, and called; the release benchmarks print it beside ours.
"$bench" otp "${runs[@]}"
# Hot upgrades: bin/kv upgrade/downgrade of a kv server with 10,000 keys and a client calling it,
# the relup alone, the whole command and the longest pause, vs OTP's release_handler (bench/otp).
"$bench" upgrade "${runs[@]}"
