//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillTestSupport

/// Releases of `Fixtures/kv` (``FixtureReleases``), built once per test process.
enum KVReleases {
    typealias Built = FixtureReleases.Built

    static let releases = FixtureReleases(workspace: .kv)
    static var workspace: FixtureWorkspace { releases.workspace }

    /// Builds release `version` of kv
    /// (``FixtureReleases/build(_:environment:overrides:fromTarballs:upFrom:label:fresh:)``).
    static func build(
        _ version: String,
        environment: String = "dev",
        overrides: [String: String] = [:],
        fromTarballs: [String] = [],
        upFrom: [String] = [],
        label: String,
        fresh: Bool = true
    ) async throws -> Built {
        try await releases.build(
            version,
            environment: environment,
            overrides: overrides,
            fromTarballs: fromTarballs,
            upFrom: upFrom,
            label: label,
            fresh: fresh
        )
    }

    /// The error `release` throws for kv (``FixtureReleases/releaseError(_:overrides:label:configure:)``).
    static func releaseError(
        _ version: String,
        overrides: [String: String] = [:],
        label: String,
        configure: @escaping @Sendable (inout ReleaseOptions) -> Void = { _ in }
    ) async throws -> BuildError? {
        try await releases.releaseError(version, overrides: overrides, label: label, configure: configure)
    }

    /// kv 0.1.0 in dev, built once.
    static func v010() async throws -> Built { try await releases.built("0.1.0") }

    /// kv 0.2.0 in dev with the upgrade from 0.1.0's tarball, built once.
    static func v020() async throws -> Built { try await releases.built("0.2.0", upgradingFrom: ["0.1.0"]) }

    /// kv 0.3.0 in dev (a new state shape) with the upgrades from 0.1.0 and 0.2.0, built once.
    static func v030() async throws -> Built {
        try await releases.built("0.3.0", upgradingFrom: ["0.1.0", "0.2.0"])
    }
}
