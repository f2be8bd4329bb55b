// swift-tools-version: 6.1
//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// A line-based TCP chat server (in the spirit of octochat): a plugin package as a user
// writes one, whose tests hot-upgrade it while clients stay connected. It depends on
// swift-distill by path, so `swift-distill release` builds its plugin, the launcher and the
// runtime from one checkout.
//
// Versions: this tree is 0.1.0; `versions/VSN/` holds the files that differ in version VSN
// (DistillTestSupport's FixtureWorkspace lays a version out in .build-fixtures/chat/).

import PackageDescription

let package = Package(
    name: "chat",
    products: [
        .library(name: "Chat", type: .dynamic, targets: ["Chat"])
    ],
    dependencies: [
        .package(name: "swift-distill", path: "../..")
    ],
    targets: [
        .target(name: "Chat", dependencies: [.product(name: "DistillRuntime", package: "swift-distill")])
    ],
    swiftLanguageModes: [.v6]
)
