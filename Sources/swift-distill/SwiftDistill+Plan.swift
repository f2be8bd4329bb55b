//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DistillBuild
import DistillPlan
import DistillRelease
import Foundation

extension SwiftDistill {
    /// `swift-distill plan`: what an upgrade would do, without writing a release.
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the upgrade plan from the previous release, without building a tarball.",
            discussion: """
                Builds the applications as release does, compares their snapshots with the previous release's \
                (the newest older one in _build/ENV/rel/REL, each --upfrom version, or --from-release) and prints \
                which modules load, update and change state, application by application. Nothing is written.

                \(ExitStatuses.discussion)
                """
        )

        @OptionGroup var package: PackageOptions
        @OptionGroup var selection: ReleaseSelection

        @Option(name: .customLong("upfrom"), help: "A version to upgrade from (repeatable).")
        var upFrom: [String] = []

        @Option(
            name: .customLong("from-release"),
            help: "A previous release, as its tarball or directory (repeatable)."
        )
        var fromReleases: [String] = []

        @Flag(help: "Print the plan as JSON on standard output.")
        var json = false

        /// The `--json` output: one plan per release upgraded from.
        struct Report: Encodable {
            var from: String
            var origin: String
            var plan: UpgradePlan
        }

        func run() throws {
            let progress = TerminalProgress(verbose: selection.verbose)
            let options = selection.options(package, upgrade: true, upFrom: upFrom, fromReleases: fromReleases)
            let upgrades = try reportingBuildErrors(progress) { () throws(BuildError) in
                try ReleaseBuilder(options: options, progress: progress).plan()
            }
            if json {
                try printJSON(upgrades.map { Report(from: $0.from.version, origin: $0.from.origin, plan: $0.plan) })
                return
            }
            for upgrade in upgrades {
                print("upgrade from \(upgrade.from.spec.name) \(upgrade.from.version) (\(upgrade.from.origin)):")
                for line in upgrade.plan.description.split(separator: "\n", omittingEmptySubsequences: false) {
                    print("  " + line)
                }
            }
        }
    }
}
