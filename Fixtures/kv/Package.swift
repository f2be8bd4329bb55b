// swift-tools-version: 6.1
//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The key-value store the tests, the demo and the benchmarks build into releases: a plugin
// package as a user writes one. It depends on swift-distill by path, so `swift-distill release`
// builds its plugin, the launcher and the runtime from one checkout.
//
// Versions: this tree is 0.1.0; `versions/VSN/` holds the files that differ in version VSN
// (DistillTestSupport's FixtureWorkspace lays a version out in .build-fixtures/kv/).

import PackageDescription

let package = Package(
    name: "kv",
    products: [
        .library(name: "KV", type: .dynamic, targets: ["KV"])
    ],
    dependencies: [
        .package(name: "swift-distill", path: "../..")
    ],
    targets: [
        .target(name: "KV", dependencies: [.product(name: "DistillRuntime", package: "swift-distill")])
    ],
    swiftLanguageModes: [.v6]
)
