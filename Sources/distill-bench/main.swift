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
default:
    FileHandle.standardError.write(Data("usage: distill-bench runtime [--runs N] [--calls N] [--no-otp]\n".utf8))
    exit(2)
}
