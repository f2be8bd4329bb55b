//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DistillBuild

extension SwiftDistill {
    /// `swift-distill appup`: distillery's `gen.appup`.
    struct Appup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the generated appups to rel/appups/APP/FROM_to_TO.appup for review and editing.",
            discussion: """
                Builds the applications as release does and compares each with its build in the release \
                --upfrom names (found in _build/ENV/rel/REL or --from-release). A file in rel/appups replaces the \
                generated appup in later `release --upgrade` runs, after it is checked against both builds. An \
                existing file is kept unless --force.

                \(ExitStatuses.discussion)
                """
        )

        @OptionGroup var package: PackageOptions
        @OptionGroup var selection: ReleaseSelection

        @Option(name: .customLong("upfrom"), help: "The release version to upgrade from.")
        var upFrom: String

        @Option(name: .customLong("app"), help: "Only this application (default: every application that changed).")
        var application: String?

        @Option(name: .customLong("from-release"), help: "The previous release, as its tarball or directory.")
        var fromReleases: [String] = []

        @Flag(help: "Overwrite appups already in rel/appups.")
        var force = false

        func run() throws {
            let progress = TerminalProgress(verbose: selection.verbose)
            let options = selection.options(package, upgrade: true, upFrom: [upFrom], fromReleases: fromReleases)
            let written = try reportingBuildErrors(progress) { () throws(BuildError) in
                try ReleaseBuilder(options: options, progress: progress).writeAppups(
                    application: application,
                    force: force
                )
            }
            if written.isEmpty {
                print("no application changed since \(upFrom): no appup to write")
            }
            for path in written { print("wrote \(path)") }
        }
    }
}
