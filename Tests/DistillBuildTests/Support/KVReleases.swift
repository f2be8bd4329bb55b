//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillTestSupport
import Foundation

/// Releases of `Fixtures/kv`, built once per test process through ``ReleaseBuilder`` in the
/// fixture's work directory, and copied away (the next build changes the output directory).
enum KVReleases {
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

    static let workspace = FixtureWorkspace.kv

    /// Where the copies go: `.build-fixtures/kv-releases`, emptied when a test process first uses it.
    static let scratch: String = {
        let path = Repository.root.appendingPathComponent(".build-fixtures/kv-releases").path
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// Builds release `version` of kv in `environment` into a fresh output directory, with
    /// the upgrades from the releases in `fromTarballs`.
    static func build(
        _ version: String,
        environment: String = "dev",
        overrides: [String: String] = [:],
        fromTarballs: [String] = [],
        upFrom: [String] = [],
        label: String,
        fresh: Bool = true
    ) async throws -> Built {
        try await workspace.withVersion(version, overrides: overrides) { directory in
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
            let tarball = keep + "/kv-\(version).tar.gz"
            if let packed = result.tarball?.path { try FileManager.default.copyItem(atPath: packed, toPath: tarball) }
            return Built(result: result, root: keep + "/release", tarball: tarball, keep: keep)
        }
    }

    /// The error `release` throws for kv at `version` with `overrides`, after `configure`
    /// adjusts the options (whose output directory starts empty); `nil` if it succeeds.
    static func releaseError(
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

    /// kv 0.1.0 in dev, built once.
    static func v010() async throws -> Built {
        try await workspace.memoized("release-0.1.0") { try await build("0.1.0", label: "0.1.0") }
    }

    /// kv 0.2.0 in dev with the upgrade from 0.1.0's tarball, built once.
    static func v020() async throws -> Built {
        try await workspace.memoized("release-0.2.0") {
            let base = try await v010()
            return try await build("0.2.0", fromTarballs: [base.tarball], label: "0.2.0")
        }
    }

    /// kv 0.3.0 in dev (a new state shape) with the upgrades from 0.1.0 and 0.2.0, built once.
    static func v030() async throws -> Built {
        try await workspace.memoized("release-0.3.0") {
            let bases = [try await v010(), try await v020()]
            return try await build(
                "0.3.0",
                fromTarballs: bases.map(\.tarball),
                upFrom: ["0.1.0", "0.2.0"],
                label: "0.3.0"
            )
        }
    }
}
