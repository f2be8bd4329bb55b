//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// distill-bench: swift-distill's benchmarks, each compared in the same run with the
// baseline it must beat. Build with `-c release`:
//
//     swift build -c release --product distill-bench && .build/release/distill-bench term-text
//
// Usage: distill-bench <benchmark> [--runs N] [benchmark options]

#if canImport(Glibc)
import Glibc
#endif

/// The benchmarks by name.
let benchmarks: [String: (BenchmarkArguments) throws -> Void] = [
    "term-text": TermTextBenchmark.run
]

/// Writes `message` to standard error.
func printError(_ message: String) {
    var bytes = Array(message.utf8)
    bytes.append(UInt8(ascii: "\n"))
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let benchmark = benchmarks[name] else {
    let known = benchmarks.keys.sorted().joined(separator: ", ")
    printError("usage: distill-bench <benchmark> [--runs N] [options]\nbenchmarks: \(known)")
    exit(2)
}
do {
    try benchmark(BenchmarkArguments(Array(arguments.dropFirst())))
} catch {
    printError("distill-bench \(name): \(error)")
    exit(1)
}
