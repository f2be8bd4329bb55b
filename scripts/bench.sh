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
# The kv server's whole story beside the same server on OTP 25 (bench/otp): release build, tarball
# and unpacked sizes, boot to ready, calls in the node and from the shell, and hot upgrades of
# 10,000 keys with a client calling (whole command, install, longest pause, failed calls); one
# table, and JSON in .build/bench/kv.json for a CI job to keep. (`distill-bench upgrade` and
# `distill-bench otp` print the upgrade steps and the OTP baseline in more detail.)
"$bench" kv "${runs[@]}"
