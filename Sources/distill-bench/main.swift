//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

// distill-bench: benchmarks that compare swift-distill against a named baseline in the
// same run. Usage: distill-bench BENCHMARK [--runs N]
//   etf     ExternalTermFormat encode/decode against erl's term_to_binary/binary_to_term on a ~10 MB term

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "etf":
    try ETFBenchmark(arguments: Array(arguments.dropFirst())).run()
default:
    print("usage: distill-bench etf [--runs N]")
    exit(2)
}
