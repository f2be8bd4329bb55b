//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// distill-bench SUITE [options]: the benchmarks `make bench` runs, each against its
// baseline in the same run.

import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "runtime":
    RuntimeBenchmark.main(Array(arguments.dropFirst()))
case "runtime-memory":
    // Run in a fresh process by the runtime suite so that the heap is not warm.
    RuntimeBenchmark.memoryChild(Int(arguments.dropFirst().first ?? "") ?? 100_000)
default:
    FileHandle.standardError.write(Data("usage: distill-bench runtime [--runs N] [--calls N] [--no-otp]\n".utf8))
    exit(2)
}
