//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

// distill-bench: benchmarks that compare swift-distill against a named baseline in the
// same run. Usage: distill-bench BENCHMARK [--runs N]
//   pack [--level 1-9]  TarballWriter and ReleaseArchive against GNU tar + gzip on a ~40 MB release tree

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "pack":
    try PackBenchmark(arguments: Array(arguments.dropFirst())).run()
default:
    print("usage: distill-bench pack [--runs N] [--level 1-9]")
    exit(2)
}
