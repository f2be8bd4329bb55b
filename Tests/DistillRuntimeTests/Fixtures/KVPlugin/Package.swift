// swift-tools-version: 6.1
//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// A plugin as a user writes one: a dynamic library product that depends on swift-distill's
// DistillRuntime product. PluginTests builds it (and distill-run from the same build).

import PackageDescription

let package = Package(
    name: "KVPlugin",
    products: [
        .library(name: "KVPlugin", type: .dynamic, targets: ["KVPlugin"])
    ],
    dependencies: [
        .package(name: "swift-distill", path: "../../../..")
    ],
    targets: [
        .target(name: "KVPlugin", dependencies: [.product(name: "DistillRuntime", package: "swift-distill")]),
        // A plugin author's tests: EmbeddedRuntime comes from the same libDistillRuntime.so.
        .testTarget(name: "KVPluginTests", dependencies: ["KVPlugin"]),
    ],
    swiftLanguageModes: [.v6]
)
