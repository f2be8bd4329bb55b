//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// distill-bench: swift-distill's benchmarks, each compared in the same run with the
// baseline it must beat, printing runs and min/median/max. Build with `-c release`:
//
//     swift build -c release --product distill-bench && .build/release/distill-bench term-text
//
// Usage: distill-bench <benchmark> [--runs N] [benchmark options]

#if canImport(Glibc)
import Glibc
#endif

/// The benchmarks, by name, with what each compares.
let benchmarks: [(name: String, summary: String, run: ([String]) throws -> Void)] = [
    (
        "term-text", "TermParser/TermPrinter vs erl's file:consult and ~tp (~10 MB term file)",
        { try TermTextBenchmark.run(BenchmarkArguments($0)) }
    ),
    (
        "etf", "ExternalTermFormat encode/decode vs erl's term_to_binary/binary_to_term (~10 MB term)",
        { try ETFBenchmark(arguments: $0).run() }
    ),
    (
        "boot", "boot-to-ready of a release (exec to ping answered) vs erl's boot [--fixture DIR --no-otp]",
        { try BootBenchmark(arguments: $0).run() }
    ),
    (
        "pack", "TarballWriter/ReleaseArchive vs tar -czf/-xzf on a ~40 MB release tree [--level 1-9]",
        { try PackBenchmark(arguments: $0).run() }
    ),
    (
        "plan",
        "RelupCompiler, swift-distill relup vs systools:make_relup, 200 apps × 50 modules [--apps --modules "
            + "--otp-runs --systools no --cli no]",
        { try PlanBenchmark(arguments: $0).run() }
    ),
    (
        "release",
        "swift-distill release of Fixtures/kv on a no-op rebuild vs swift build; its tree packed vs "
            + "tar -czf [--env dev|prod]",
        { try ReleaseBenchmark(arguments: $0).run() }
    ),
    (
        "runtime",
        "call/cast throughput, call latency, memory per idle process vs OTP's gen_server [--calls N --no-otp]",
        { RuntimeBenchmark.main($0) }
    ),
    (
        "upgrade",
        "bin/kv upgrade/downgrade of a kv server with 10,000 keys (install, command, longest pause, failed "
            + "calls) vs OTP 25's release_handler [--keys N --otp no]",
        { try UpgradeBenchmark.main($0) }
    ),
    (
        "kv",
        "the kv server's whole story beside OTP 25's: release, sizes, boot, calls, hot upgrades; a table and "
            + "JSON [--keys N --cli-calls N --json PATH]",
        { try KVStoryBenchmark.main($0) }
    ),
    (
        "otp",
        "the OTP baseline alone: bench/otp's kv release built, booted, hot-upgraded, called [--keys --calls "
            + "--cli-calls]",
        { try OTPBenchmark.run(BenchmarkArguments($0)) }
    ),
    // Run by the runtime benchmark in a fresh process, so that the heap is not warm.
    (
        "runtime-memory", "(internal) spawn N idle processes and report memory",
        { RuntimeBenchmark.memoryChild(Int($0.first ?? "") ?? 100_000) }
    ),
]

/// Writes `message` to standard error.
func printError(_ message: String) {
    var bytes = Array(message.utf8)
    bytes.append(UInt8(ascii: "\n"))
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let benchmark = benchmarks.first(where: { $0.name == name }) else {
    printError("usage: distill-bench <benchmark> [--runs N] [options]\n")
    for benchmark in benchmarks { printError("  " + pad(benchmark.name, -12) + benchmark.summary) }
    exit(2)
}
do {
    try benchmark.run(Array(arguments.dropFirst()))
} catch {
    printError("distill-bench \(name): \(error)")
    exit(1)
}
