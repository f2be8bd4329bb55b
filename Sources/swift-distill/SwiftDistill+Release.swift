//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DistillBuild
import DistillPlan
import Foundation

extension SwiftDistill {
    /// `swift-distill release`: builds a release into `_build/ENV/rel/REL/` and packs it.
    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a release of the package: plugins, runtime, release files and tarball.",
            discussion: """
                Runs swift build for each application of the release (rel/config) and for the launcher, reads \
                each plugin's manifest through the launcher, fingerprints the code, and writes \
                _build/ENV/rel/REL/ (bin/REL, erts-ERTS/, lib/APP-VSN/, releases/VSN/) and \
                releases/VSN/REL.tar.gz, which is reproducible: the same sources give the same bytes \
                (SOURCE_DATE_EPOCH sets the entries' time). With --upgrade it also writes each changed \
                application's appup and the release's relup, from the previous release in the output directory, \
                from each --upfrom version, or from --from-release (a tarball or a release directory).

                \(ExitStatuses.discussion)
                """
        )

        @OptionGroup var package: PackageOptions
        @OptionGroup var selection: ReleaseSelection

        @Flag(help: "Write appups and a relup that upgrade from the previous release.")
        var upgrade = false

        @Option(name: .customLong("upfrom"), help: "A version to upgrade from (repeatable; implies --upgrade).")
        var upFrom: [String] = []

        @Option(
            name: .customLong("from-release"),
            help: "A previous release, as its tarball or directory (repeatable; implies --upgrade)."
        )
        var fromReleases: [String] = []

        @Flag(name: .customLong("no-tar"), help: "Do not pack releases/VSN/REL.tar.gz.")
        var noTar = false

        @Flag(help: "Print what was built as JSON on standard output.")
        var json = false

        func run() throws {
            let progress = TerminalProgress(verbose: selection.verbose)
            var options = selection.options(
                package,
                upgrade: upgrade || !upFrom.isEmpty || !fromReleases.isEmpty,
                upFrom: upFrom,
                fromReleases: fromReleases
            )
            options.packsTarball = !noTar
            options.sourceDateEpoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"]
            let result = try reportingBuildErrors(progress) { () throws(BuildError) in
                try ReleaseBuilder(options: options, progress: progress).release()
            }
            if json {
                try printJSON(result)
            } else {
                print(Self.summary(result))
            }
        }

        static func summary(_ result: ReleaseResult) -> String {
            var lines = [
                "release \(result.name) \(result.version)"
                    + (result.environment.map { " (\($0))" } ?? "") + " in \(result.path)",
                "  runtime erts-\(result.ertsVersion)",
            ]
            for application in result.applications {
                lines.append("  \(application.name) \(application.version)  \(application.plugin)")
            }
            if let tarball = result.tarball {
                lines.append("  tarball \(tarball.path) (\(tarball.bytes) bytes, sha256 \(tarball.sha256))")
            }
            for upgrade in result.upgrades {
                lines.append("upgrade from \(upgrade.from) (\(upgrade.origin)):")
                lines += upgrade.plan.description.split(separator: "\n", omittingEmptySubsequences: false)
                    .map { "  " + $0 }
            }
            return lines.joined(separator: "\n")
        }
    }
}
