//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

// distill-bench: benchmarks that compare swift-distill against a named baseline in the
// same run, printing runs and min/median/max. Usage: distill-bench BENCHMARK [--runs N] ...

/// The benchmarks, by name, with what each compares.
let benchmarks: [(name: String, summary: String, run: ([String]) throws -> Void)] = [
    ("etf", "ExternalTermFormat encode/decode vs erl's term_to_binary/binary_to_term (~10 MB term)",
        { try ETFBenchmark(arguments: $0).run() }),
    ("pack", "TarballWriter/ReleaseArchive vs tar -czf/-xzf on a ~40 MB release tree [--level 1-9]",
        { try PackBenchmark(arguments: $0).run() }),
]

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let benchmark = benchmarks.first(where: { $0.name == name }) else {
    print("usage: distill-bench BENCHMARK [--runs N]\n")
    for benchmark in benchmarks { print("  \(benchmark.name.padding(toLength: 12, withPad: " ", startingAt: 0))\(benchmark.summary)") }
    exit(2)
}
try benchmark.run(Array(arguments.dropFirst()))
