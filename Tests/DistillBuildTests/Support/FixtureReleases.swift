//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillTestSupport
import Foundation

/// Releases of a fixture package (`Fixtures/NAME`), built through ``ReleaseBuilder`` in the
/// fixture's work directory, and copied away (the next build changes the output directory).
struct FixtureReleases: Sendable {
    /// A release as one build left it.
    struct Built: Sendable {
        /// The builder's result (paths point into the work directory, which later builds change).
        var result: ReleaseResult
        /// A copy of the release's directory.
        var root: String
        /// A copy of the tarball.
        var tarball: String
        /// The directory that holds the copies (kept for the whole run).
        var keep: String
    }

    let workspace: FixtureWorkspace
    /// Where the copies go: `.build-fixtures/NAME-releases`, emptied when a test process first uses it.
    let scratch: String

    init(workspace: FixtureWorkspace) {
        self.workspace = workspace
        scratch = Repository.root.appendingPathComponent(".build-fixtures/\(workspace.name)-releases").path
        try? FileManager.default.removeItem(atPath: scratch)
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    /// Builds release `version` in `environment` into a fresh output directory, with the
    /// upgrades from the releases in `fromTarballs` (`upFrom`: the versions to plan upgrades
    /// from; empty: the newest older one).
    func build(
        _ version: String,
        environment: String = "dev",
        overrides: [String: String] = [:],
        fromTarballs: [String] = [],
        upFrom: [String] = [],
        label: String,
        fresh: Bool = true
    ) async throws -> Built {
        let name = workspace.name
        let scratch = scratch
        return try await workspace.withVersion(version, overrides: overrides) { directory in
            let output = directory.path + "/_build/test-\(label)"
            if fresh { try? FileManager.default.removeItem(atPath: output) }
            let options = ReleaseOptions(
                packageDirectory: directory.path,
                environment: environment,
                outputDirectory: output,
                upgrade: !fromTarballs.isEmpty,
                upFrom: upFrom,
                fromReleases: fromTarballs
            )
            let result: ReleaseResult
            do {
                result = try await offloaded { try ReleaseBuilder(options: options).release() }
            } catch let error as BuildError {
                throw FixtureError(description: error.detailedDescription)  // with swift build's output
            }
            let keep = scratch + "/" + label + (fresh ? "" : "-\(UUID().uuidString)")
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try runProcess("/bin/cp", ["-a", output, keep + "/release"])
            let tarball = keep + "/\(name)-\(version).tar.gz"
            if let packed = result.tarball?.path { try FileManager.default.copyItem(atPath: packed, toPath: tarball) }
            return Built(result: result, root: keep + "/release", tarball: tarball, keep: keep)
        }
    }

    /// The error `release` throws at `version` with `overrides`, after `configure` adjusts
    /// the options (whose output directory starts empty); `nil` if it succeeds.
    func releaseError(
        _ version: String,
        overrides: [String: String] = [:],
        label: String,
        configure: @escaping @Sendable (inout ReleaseOptions) -> Void = { _ in }
    ) async throws -> BuildError? {
        try await workspace.withVersion(version, overrides: overrides) { directory in
            var options = ReleaseOptions(
                packageDirectory: directory.path,
                environment: "dev",
                outputDirectory: directory.path + "/_build/test-\(label)"
            )
            try? FileManager.default.removeItem(atPath: options.outputDirectory!)
            configure(&options)
            let builder = ReleaseBuilder(options: options)
            return await buildError(offloading: { () throws(BuildError) in _ = try builder.release() })
        }
    }

    /// `version` in dev, built once per process.
    func built(_ version: String) async throws -> Built {
        try await workspace.memoized("release-\(version)") { try await build(version, label: version) }
    }

    /// `version` in dev with the upgrades from the tarballs of `bases` (each built once by
    /// ``built(_:)``), built once per process.
    func built(_ version: String, upgradingFrom bases: [String]) async throws -> Built {
        let label = "\(version)-from-\(bases.joined(separator: "-"))"
        return try await workspace.memoized("release-\(label)") {
            var tarballs: [String] = []
            for base in bases { tarballs.append(try await built(base).tarball) }
            return try await build(
                version,
                fromTarballs: tarballs,
                upFrom: bases.count > 1 ? bases : [],
                label: label
            )
        }
    }
}
