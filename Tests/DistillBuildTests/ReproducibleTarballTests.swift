//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillTestSupport
import Foundation
import Testing

/// Two clean builds of the same sources give the same tarball, byte for byte (issue 19):
/// `Fixtures/kv` in prod (optimised, debug information stripped), with one
/// `SOURCE_DATE_EPOCH`, built three times from nothing: twice in one checkout with two
/// scratch paths, once in a second checkout in a directory whose name differs in length.
///
/// Each build compiles SwiftNIO and the runtime in release mode (2.5 to 6 minutes on two
/// cores, 15 when other builds share them), so the test runs only with
/// `DISTILL_REPRODUCIBLE=1`: `make reproducible`.
@Suite(
    .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["DISTILL_REPRODUCIBLE"] == "1", "make reproducible")
)
struct ReproducibleTarballTests {
    @Test func cleanBuildsInTwoCheckoutsGiveOneTarball() async throws {
        let root = Repository.root.appendingPathComponent(".build-fixtures/reproducible").path
        try? FileManager.default.removeItem(atPath: root)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let first = try Self.checkout(at: root + "/one/swift-distill")
        let second = try Self.checkout(at: root + "/second-checkout/distill")

        let builds = [
            (first, root + "/scratch-a"),
            (first, root + "/one/another-scratch-path"),
            (second, nil),
        ]
        var results: [(label: String, bytes: Data, release: String)] = []
        for (package, scratch) in builds {
            let label = package + " (scratch path " + (scratch ?? "default") + ")"
            let started = ContinuousClock.now
            let result = try await offloaded { try Self.release(package: package, scratchPath: scratch) }
            print("reproducible: built \(label) in \(ContinuousClock.now - started)")
            let tarball = try #require(result.tarball?.path)
            print("reproducible: sha256 \(result.tarball?.sha256 ?? "")")
            results.append((label, try Data(contentsOf: URL(fileURLWithPath: tarball)), result.path))
        }
        for other in results.dropFirst() {
            #expect(
                other.bytes == results[0].bytes,
                """
                the tarballs differ: \(results[0].label) and \(other.label); files that differ: \
                \(Self.differingFiles(results[0].release, other.release))
                """
            )
        }
    }

    /// A copy of this checkout's package (manifest, sources, templates) at `directory`,
    /// with `Fixtures/kv` at its base version; returns the fixture's directory.
    static func checkout(at directory: String) throws -> String {
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in ["Package.swift", "Sources", "Plugins", "Tests", "templates"] {
            try fileManager.copyItem(
                atPath: Repository.root.appendingPathComponent(name).path,
                toPath: directory + "/" + name
            )
        }
        let package = directory + "/Fixtures/kv"
        for (path, contents) in try FixtureWorkspace.kv.files(of: FixtureWorkspace.kv.baseVersion) {
            let url = URL(fileURLWithPath: package + "/" + path)
            try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url)
        }
        return package
    }

    /// `swift-distill release --env prod` with `SOURCE_DATE_EPOCH=1700000000`.
    static func release(package: String, scratchPath: String?) throws -> ReleaseResult {
        var options = ReleaseOptions(packageDirectory: package, environment: "prod")
        options.scratchPath = scratchPath
        options.sourceDateEpoch = "1700000000"
        do {
            return try ReleaseBuilder(options: options).release()
        } catch {
            throw FixtureError(description: error.detailedDescription)
        }
    }

    /// The files of two release directories whose bytes differ (or that one lacks).
    static func differingFiles(_ one: String, _ other: String) -> [String] {
        let fileManager = FileManager.default
        let names = Set((fileManager.subpaths(atPath: one) ?? []) + (fileManager.subpaths(atPath: other) ?? []))
        return names.sorted().filter { name in
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: one + "/" + name, isDirectory: &isDirectory), isDirectory.boolValue {
                return false
            }
            return !fileManager.contentsEqual(atPath: one + "/" + name, andPath: other + "/" + name)
        }
    }
}
