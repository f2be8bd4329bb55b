//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DistillBuild
import Foundation

/// The options every command that builds shares.
struct PackageOptions: ParsableArguments {
    @Option(name: .customLong("package-path"), help: "The package's directory.")
    var packagePath = "."

    @Option(
        name: .customLong("scratch-path"),
        help: "SwiftPM's build directory (default: the package's .build)."
    )
    var scratchPath: String?
}

/// The options of the commands that build a release's applications.
struct ReleaseSelection: ParsableArguments {
    @Option(name: .customLong("env"), help: "The environment of rel/config (default: default_environment).")
    var environment: String?

    @Option(name: .customLong("name"), help: "The release of rel/config (default: default_release).")
    var release: String?

    @Flag(help: "Stream the compiler's output instead of a progress line.")
    var verbose = false

    /// What the release builder is to build: this selection of `package`, upgrading from
    /// `upFrom` versions and `fromReleases` tarballs or directories when `upgrade`.
    func options(
        _ package: PackageOptions,
        upgrade: Bool,
        upFrom: [String] = [],
        fromReleases: [String] = []
    ) -> ReleaseOptions {
        ReleaseOptions(
            packageDirectory: package.packagePath,
            scratchPath: package.scratchPath,
            release: release,
            environment: environment,
            upgrade: upgrade,
            upFrom: upFrom,
            fromReleases: fromReleases
        )
    }
}

/// Exit statuses, shared by the building commands.
enum ExitStatuses {
    static let discussion = """
        Exit status: 0 success; 2 rel/config, the arguments or the package's products are wrong; 3 swift build or \
        a plugin failed; 4 the upgrade cannot be planned (previous release not found, version not bumped, state \
        changed without a vsn bump); 5 the release or its tarball cannot be written.
        """
}

/// Runs `body`, printing a ``BuildError`` like a compiler and exiting with its status.
func reportingBuildErrors<T>(_ progress: TerminalProgress, _ body: () throws(BuildError) -> T) throws -> T {
    do {
        let result = try body()
        progress.finished()
        return result
    } catch {
        progress.finished()
        FileHandle.standardError.write(Data((error.detailedDescription + "\n").utf8))
        throw ExitCode(error.exitStatus)
    }
}

/// Writes `value` as pretty JSON with sorted keys on standard output.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    FileHandle.standardOutput.write(try encoder.encode(value))
    FileHandle.standardOutput.write(Data("\n".utf8))
}
