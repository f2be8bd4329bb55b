// swift-tools-version: 6.1
//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// Four versions of one application, "kv", as four plugin products of one package (one
// build, SwiftNIO compiled once): KV1 is kv 0.1.0, KV2 is 0.2.0 (a soft update: same state),
// KV3 is 0.3.0 (an advanced update: the state changes shape), KV4 is 0.4.0 (soft again). Each
// target is its own Swift module with the same type names, as two builds of one plugin would
// be. One source: each target's Version.swift names its version and links (symbolic links)
// the files of Shared/ it is made of. The release handler tests and `distill-bench upgrade`
// lay releases out with them.

import PackageDescription

let package = Package(
    name: "UpgradePlugins",
    products: [
        .library(name: "KV1", type: .dynamic, targets: ["KV1"]),
        .library(name: "KV2", type: .dynamic, targets: ["KV2"]),
        .library(name: "KV3", type: .dynamic, targets: ["KV3"]),
        .library(name: "KV4", type: .dynamic, targets: ["KV4"]),
    ],
    dependencies: [
        .package(name: "swift-distill", path: "../../../..")
    ],
    targets: [
        .target(name: "KV1", dependencies: [.product(name: "DistillRuntime", package: "swift-distill")]),
        .target(name: "KV2", dependencies: [.product(name: "DistillRuntime", package: "swift-distill")]),
        .target(name: "KV3", dependencies: [.product(name: "DistillRuntime", package: "swift-distill")]),
        .target(name: "KV4", dependencies: [.product(name: "DistillRuntime", package: "swift-distill")]),
    ],
    swiftLanguageModes: [.v6]
)
