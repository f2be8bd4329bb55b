//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillTestSupport
import Foundation
import Testing

/// The errors of `release` that need a real plugin: Fixtures/kv, changed for each case.
@Suite(.serialized)
struct ReleaseErrorTests {
    static var source: URL { KVReleases.workspace.source }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: source.appendingPathComponent(path), encoding: .utf8)
    }

    /// `Sources/KV/Application.swift` stating `version`.
    static func application(_ version: String) throws -> String {
        try text("Sources/KV/Application.swift").replacingOccurrences(
            of: "version: \"0.1.0\"",
            with: "version: \"\(version)\""
        )
    }

    @Test func previousReleaseMustExist() async throws {
        let error = try await KVReleases.releaseError("0.1.0", label: "no-previous") { $0.upgrade = true }
        #expect(error?.code == .previousReleaseNotFound && error?.exitStatus == 4)
        #expect(error?.message.hasPrefix("previous release not found for --upgrade: '") == true)
        #expect(
            error?.message.hasSuffix(
                "/_build/test-no-previous/releases' holds no release kv older than 0.1.0 to upgrade from"
            ) == true
        )
    }

    @Test func codeChangeNeedsAVersionBump() async throws {
        let base = try await KVReleases.v010()
        let error = try await KVReleases.releaseError(
            "0.2.0",
            overrides: [
                "Sources/KV/Application.swift": try Self.application("0.1.0"),
                "rel/config": try Self.text("rel/config").replacingOccurrences(
                    of: "{release, kv, [",
                    with: "{release, kv, [{version, \"0.1.1\"},"
                ),
            ],
            label: "not-bumped"
        ) {
            $0.upgrade = true
            $0.fromReleases = [base.tarball]
        }
        #expect(error?.code == .upgradeRefused && error?.exitStatus == 4)
        #expect(
            error?.message
                == "cannot upgrade from release kv 0.1.0: 'kv' is still version 0.1.0 but its code changed "
                + "(module 'KV'): give it a new version"
        )
    }

    @Test func stateChangeNeedsAVsnBump() async throws {
        let base = try await KVReleases.v010()
        let server = try Self.text("Sources/KV/KV.swift").replacingOccurrences(
            of: "var table: [Term: Term] = [:]",
            with: "var table: [Term: Term] = [:]\n        var hits: Int = 0"
        )
        let error = try await KVReleases.releaseError(
            "0.2.0",
            overrides: ["Sources/KV/KV.swift": server],
            label: "state"
        ) {
            $0.upgrade = true
            $0.fromReleases = [base.tarball]
        }
        #expect(error?.code == .upgradeRefused)
        #expect(
            error?.message
                == "cannot upgrade from release kv 0.1.0: KV.State gained field 'hits' but KV.vsn is still 1: "
                + "bump it and handle the old state in codeChange"
        )
    }

    @Test func theReleaseVersionMustChange() async throws {
        let base = try await KVReleases.v010()
        let error = try await KVReleases.releaseError("0.1.0", label: "same-version") {
            $0.upgrade = true
            $0.fromReleases = [base.tarball]
        }
        #expect(error?.code == .previousReleaseNotFound)
        #expect(
            error?.message
                == "previous release not found for --upgrade: '\(base.tarball)' holds release kv 0.1.0, the version "
                + "being built: give the new release another version"
        )
        let upFrom = try await KVReleases.releaseError("0.1.0", label: "same-version") {
            $0.upgrade = true
            $0.upFrom = ["0.1.0"]
        }
        #expect(upFrom?.message == "--upfrom 0.1.0 is the version being built; upgrade from an earlier release")
    }

    @Test func configVersionMustAgreeWithThePlugin() async throws {
        let config = try Self.text("rel/config").replacingOccurrences(
            of: "{kv, [{product, \"KV\"}]}",
            with: "{kv, [{product, \"KV\"}, {vsn, \"9.9.9\"}]}"
        )
        let error = try await KVReleases.releaseError("0.1.0", overrides: ["rel/config": config], label: "vsn")
        #expect(error?.code == .versionMismatch && error?.exitStatus == 2)
        #expect(
            error?.message
                == "rel/config gives application 'kv' version 9.9.9, but its plugin (KV) says 0.1.0: they must agree"
        )
    }

    @Test func outputDirectoryMustBeWritable() async throws {
        let file = try TemporaryDirectory(prefix: "distill-output")
        let blocker = file.path + "/a-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let error = try await KVReleases.releaseError("0.1.0", label: "unwritable") {
            $0.outputDirectory = blocker + "/release"
        }
        #expect(error?.code == .outputNotWritable && error?.exitStatus == 5)
        #expect(error?.message.hasPrefix("cannot create the output directory '\(blocker)/release': ") == true)
    }

    /// The disk fills up while the tarball is written: the error says so and nothing is left
    /// under the tarball's name.
    @Test(.enabled(if: Toolchain.canMount, "mounting a small tmpfs needs root"))
    func diskFullWhilePackingLeavesNoTarball() async throws {
        let base = try await KVReleases.v010()
        var treeBytes = 0
        for (path, node) in try FileTree(at: base.root).nodes where !path.hasSuffix(".tar.gz") {
            if case .file(_, let contents) = node { treeBytes += (contents.count + 4095) / 4096 * 4096 + 4096 }
        }
        let disk = try TemporaryDirectory(prefix: "distill-disk")
        // Room for the release's files and 64 KiB more: the tarball does not fit.
        try runProcess(
            "/usr/bin/env",
            ["mount", "-t", "tmpfs", "-o", "size=\(treeBytes + 512 * 1024)", "tmpfs", disk.path]
        )
        defer { _ = try? runProcess("/usr/bin/env", ["umount", disk.path]) }
        let output = disk.path + "/kv"
        let error = try await KVReleases.releaseError("0.1.0", label: "disk-full") { $0.outputDirectory = output }
        #expect(error?.code == .packFailed && error?.exitStatus == 5)
        #expect(error?.message.contains("No space left on device") == true, "\(String(describing: error))")
        let versionDirectory = output + "/releases/0.1.0"
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: versionDirectory).sorted() == [
                "kv.rel", "sys.config", "vm.args",
            ]
        )
    }
}
