//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DistillBuild

extension SwiftDistill {
    /// `swift-distill init`: writes a commented `rel/config`.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a commented rel/config for the package.",
            discussion: """
                Reads the package (swift package describe) and writes rel/config with one application per \
                dynamic library product that depends on DistillRuntime, and a dev and a prod environment. An \
                existing rel/config is kept unless --force.

                \(ExitStatuses.discussion)
                """
        )

        @OptionGroup var package: PackageOptions

        @Flag(help: "Replace an existing rel/config.")
        var force = false

        func run() throws {
            let progress = TerminalProgress(verbose: false, interactive: false)
            let path = try reportingBuildErrors(progress) { () throws(BuildError) in
                let swiftPackage = try SwiftPackage(directory: package.packagePath, scratchPath: package.scratchPath)
                return try ConfigWriter.write(for: try swiftPackage.describe(), force: force)
            }
            print("wrote \(path)")
        }
    }
}
