//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser

@main
struct SwiftDistill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swift-distill",
        abstract: "Build OTP-style releases of Swift packages, with hot upgrades.",
        version: "0.1.0",
        subcommands: [Init.self, Release.self, Plan.self, Appup.self, Check.self, Relup.self]
    )
}
