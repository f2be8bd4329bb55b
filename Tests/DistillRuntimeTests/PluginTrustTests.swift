//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTestSupport
import Foundation
import Testing

@testable import DistillRuntime

/// Boot (``BootPlan``) and install (``ReleaseRoot/plugin(application:directory:)``) load a
/// plugin only from inside the release, never through a symbolic link, and only when neither
/// the file nor a directory from the release root down to it can be changed by group or others.
struct PluginTrustTests {
    /// A release tree of store 1.0.0 (a placeholder plugin), every mode as an extracted
    /// tarball leaves it, then `edit` applied.
    static func tree(_ edit: (String) throws -> Void = { _ in }) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "distill-trust")
        try ReleaseTree(root: directory.path, name: "store").install(StoreReleases.v1)
        for path in ["", "/lib", "/lib/store-1.0.0", "/lib/store-1.0.0/lib"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path + path)
        }
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o755],
            ofItemAtPath: directory.path + "/lib/store-1.0.0/lib/libstore-1.0.0.so"
        )
        try edit(directory.path)
        return directory
    }

    static func chmod(_ path: String, _ mode: Int) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    static let plugin = "lib/store-1.0.0/lib/libstore-1.0.0.so"

    static let untrusted: [(name: String, edit: @Sendable (String) throws -> Void, reason: String)] = [
        ("group-writable plugin", { try chmod($0 + "/" + plugin, 0o775) }, "is writable by group or others (mode 775)"),
        ("world-writable plugin", { try chmod($0 + "/" + plugin, 0o757) }, "is writable by group or others (mode 757)"),
        (
            "group-writable lib directory", { try chmod($0 + "/lib/store-1.0.0/lib", 0o775) },
            "lib/store-1.0.0/lib' is writable by group or others (mode 775)"
        ),
        ("world-writable lib/", { try chmod($0 + "/lib", 0o777) }, "/lib' is writable by group or others (mode 777)"),
        ("world-writable root", { try chmod($0, 0o777) }, "' is writable by group or others (mode 777)"),
        (
            "plugin is a symbolic link",
            { root in
                try FileManager.default.removeItem(atPath: root + "/" + plugin)
                try FileManager.default.createSymbolicLink(
                    atPath: root + "/" + plugin,
                    withDestinationPath: "/bin/true"
                )
            },
            "is a symbolic link or not a directory"
        ),
        (
            "application directory is a symbolic link",
            { root in
                try FileManager.default.moveItem(atPath: root + "/lib/store-1.0.0", toPath: root + "/elsewhere")
                try FileManager.default.createSymbolicLink(
                    atPath: root + "/lib/store-1.0.0",
                    withDestinationPath: "../elsewhere"
                )
            },
            "lib/store-1.0.0' is a symbolic link or not a directory"
        ),
    ]

    @Test func aTrustedPluginIsFound() throws {
        let root = try Self.tree()
        let plan = try BootPlan.read(paths: ReleasePaths(root: root.path, name: "store"), environment: [:])
        #expect(plan.applications.map(\.plugin) == [root.path + "/" + Self.plugin])
        let plugin = try ReleaseRoot(path: root.path, name: "store").plugin(
            application: "store",
            directory: "lib/store-1.0.0"
        )
        #expect(plugin.path == root.path + "/" + Self.plugin)
    }

    @Test(arguments: untrusted.map(\.name))
    func bootRefusesAnUntrustedPlugin(_ name: String) throws {
        let test = try #require(Self.untrusted.first { $0.name == name })
        let root = try Self.tree(test.edit)
        let error = #expect(throws: BootError.self) {
            try BootPlan.read(paths: ReleasePaths(root: root.path, name: "store"), environment: [:])
        }
        #expect(error?.code == .badPlugin || error?.code == .pluginNotFound, "\(String(describing: error))")
        #expect(error?.message.contains(test.reason) == true, "\(String(describing: error))")
    }

    @Test(arguments: untrusted.map(\.name))
    func installRefusesAnUntrustedPlugin(_ name: String) throws {
        let test = try #require(Self.untrusted.first { $0.name == name })
        let root = try Self.tree(test.edit)
        let error = #expect(throws: ReleaseHandlerError.self) {
            try ReleaseRoot(path: root.path, name: "store").plugin(application: "store", directory: "lib/store-1.0.0")
        }
        #expect(error?.code == .loadFailed, "\(String(describing: error))")
        #expect(error?.message.contains(test.reason) == true, "\(String(describing: error))")
    }
}
