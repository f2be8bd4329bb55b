//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import DistillBuild
import DistillRelease
import DistillRuntime
import DistillTestSupport
import Foundation
import Testing

/// Tarballs whose entries are all clean but whose *contents* are hostile or incomplete: a
/// `.rel` naming paths instead of versions, a release missing its `.app`, its plugin or its
/// runtime. Each is refused at `unpack` with nothing written, and `remove` never reaches
/// outside the release.
struct ReleaseHandlerContentsTests {
    /// Packs `version` of "store" with `edit` applied to the staged tree, and places it at
    /// `releases/VSN/store.tar.gz` of `node`.
    static func place(
        _ version: ReleaseTree.Version,
        in node: StoreNode,
        edit: (String) throws -> Void = { _ in }
    ) throws {
        let staging = try TemporaryDirectory(prefix: "distill-stage")
        try ReleaseTree.write(version, name: "store", into: staging.path)
        try edit(staging.path)
        let directory = node.tree.root + "/releases/\(version.version)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try TarballWriter().pack(directory: staging.path, to: directory + "/store.tar.gz")
    }

    /// The error `unpack` throws, or `nil`.
    static func unpackError(_ node: StoreNode, _ version: String) -> ReleaseHandlerError? {
        do {
            try node.handler.unpack(version)
            return nil
        } catch {
            return error
        }
    }

    /// A directory outside the release, with a file in it, that an attack aims to delete.
    static func victim() throws -> TemporaryDirectory {
        let victim = try TemporaryDirectory(prefix: "VICTIM")
        try FileTree.write(victim.path + "/precious", "do not delete")
        return victim
    }

    @Test(arguments: ["application version", "erts version"])
    func aRelNamingAPathIsRefusedAndTheVictimSurvives(_ attack: String) throws {
        let victim = try Self.victim()
        let name = URL(fileURLWithPath: victim.path).lastPathComponent
        // The node runs 1.0.0 with its runtime in erts-6.3.1-test, as a real release does.
        var installed = StoreReleases.v1
        installed.launcher = "/bin/true"
        let store = try StoreNode(installed: installed)
        let rel: String
        if attack == "application version" {
            // lib/store-1.0.0/../../../VICTIM is the victim, next to the release's directory.
            rel = #"{release, {"store", "2.0.0"}, {erts, "6.3.1-test"}, [{store, "1.0.0/../../../\#(name)"}]}."#
        } else {
            // erts-6.3.1-test/../../VICTIM likewise.
            rel = #"{release, {"store", "2.0.0"}, {erts, "6.3.1-test/../../\#(name)"}, [{store, "2.0.0"}]}."#
        }
        try Self.place(StoreReleases.v2, in: store) { staging in
            try FileTree.write(staging + "/releases/2.0.0/store.rel", rel)
        }
        let before = try FileTree(at: store.tree.root)
        let error = try #require(Self.unpackError(store, "2.0.0"))
        #expect(error.code == .badRelease)
        let value = attack == "application version" ? "1.0.0/../../../\(name)" : "6.3.1-test/../../\(name)"
        let role = attack == "application version" ? "the version of application 'store'" : "the erts version"
        #expect(error.message.contains("releases/2.0.0/store.rel:1:"), "\(error)")
        #expect(error.message.contains("\(role) \"\(value)\" cannot name a directory: it contains '/'"), "\(error)")
        #expect(error.message.hasSuffix("nothing was written"), "\(error)")
        #expect(try FileTree(at: store.tree.root) == before)
        #expect(store.handler.versionsText == "1.0.0 permanent (running)")

        #expect(throws: ReleaseHandlerError.self) { try store.handler.remove("2.0.0") }
        #expect(try String(contentsOfFile: victim.path + "/precious", encoding: .utf8) == "do not delete")
    }

    @Test func aHostileRELEASESStopsTheHandlerBeforeAnyRemove() throws {
        let victim = try Self.victim()
        let name = URL(fileURLWithPath: victim.path).lastPathComponent
        let store = try StoreNode()
        // A RELEASES file written by hand (or by an older node) that records a library
        // directory outside the release.
        let releases = """
            %% utf-8
            [{release,"store","2.0.0","6.3.1-test",[{store,"2.0.0","lib/../../\(name)"}],unpacked},
             {release,"store","1.0.0","6.3.1-test",[{store,"1.0.0","lib/store-1.0.0"}],permanent}].
            """
        try FileTree.write(store.tree.root + "/releases/RELEASES", releases)
        let error = #expect(throws: ReleaseHandlerError.self) {
            _ = try ReleaseHandler(node: store.node, configuration: store.handler.configuration, booted: "1.0.0")
        }
        #expect(error?.code == .badRelease)
        #expect(
            error?.message.contains(
                "the directory of application 'store' \"lib/../../\(name)\" is not allowed: it must be lib/NAME-VSN"
            ) == true,
            "\(String(describing: error))"
        )
        #expect(try String(contentsOfFile: victim.path + "/precious", encoding: .utf8) == "do not delete")
    }

    @Test(arguments: ["../../x", "2.0.0/../../x", ".hidden", "2.0.0 x", ""])
    func anUnsafeVersionArgumentIsRefused(_ version: String) throws {
        let store = try StoreNode()
        let before = try FileTree(at: store.tree.root)
        for command in ["unpack", "remove"] {
            let error = #expect(throws: ReleaseHandlerError.self) {
                if command == "unpack" { try store.handler.unpack(version) } else { try store.handler.remove(version) }
            }
            #expect(error?.code == .noSuchRelease, "\(command): \(String(describing: error))")
            #expect(
                error?.message.hasPrefix("no release can have the version \"") == true,
                "\(String(describing: error))"
            )
        }
        #expect(try FileTree(at: store.tree.root) == before)
    }

    // MARK: - Completeness

    static let incomplete: [(name: String, message: String)] = [
        ("no .app", "lib/store-2.0.0/ebin/store.app is missing"),
        ("no plugin", "lib/store-2.0.0/lib must hold the one plugin of store; found none"),
        ("two plugins", "lib/store-2.0.0/lib must hold the one plugin of store; found libextra.so, libstore-2.0.0.so"),
        ("no runtime", "the runtime erts-9.9.9 is in neither the tarball nor the release (the node runs 6.3.1-test)"),
        ("only a rel and zeros", "lib/store-2.0.0/ebin/store.app is missing"),
    ]

    @Test(arguments: incomplete.map(\.name))
    func anIncompleteReleaseIsRefusedWithNothingWritten(_ name: String) throws {
        let expected = try #require(Self.incomplete.first { $0.name == name }?.message)
        let store = try StoreNode()
        var version = StoreReleases.v2
        if name == "no runtime" { version.erts = "9.9.9" }
        try Self.place(version, in: store) { staging in
            let manager = FileManager.default
            switch name {
            case "no .app": try manager.removeItem(atPath: staging + "/lib/store-2.0.0/ebin/store.app")
            case "no plugin": try manager.removeItem(atPath: staging + "/lib/store-2.0.0/lib/libstore-2.0.0.so")
            case "two plugins": try FileTree.write(staging + "/lib/store-2.0.0/lib/libextra.so", "")
            case "only a rel and zeros":
                try manager.removeItem(atPath: staging + "/lib")
                try manager.createDirectory(atPath: staging + "/lib/store-2.0.0", withIntermediateDirectories: true)
                // 200 MB of zeros, sparse on disk: the tarball holds them compressed.
                let fd = open(staging + "/lib/store-2.0.0/zeros", O_WRONLY | O_CREAT, 0o644)
                defer { close(fd) }
                #expect(ftruncate(fd, 200 << 20) == 0)
            default: break
            }
        }
        let before = try FileTree.listing(at: store.tree.root)
        let started = ContinuousClock.now
        let error = try #require(Self.unpackError(store, "2.0.0"))
        let elapsed = ContinuousClock.now - started
        #expect(error.code == .badRelease, "\(error)")
        #expect(error.message.contains(expected), "\(error)")
        #expect(error.message.hasSuffix("nothing was written"), "\(error)")
        #expect(try FileTree.listing(at: store.tree.root) == before)
        #expect(store.handler.versionsText == "1.0.0 permanent (running)")
        if name == "only a rel and zeros" { #expect(elapsed < .seconds(10), "refused after \(elapsed)") }
    }

    @Test func aRuntimeAlreadyInTheReleaseCompletesIt() throws {
        let store = try StoreNode()
        try FileTree.write(store.tree.root + "/erts-7.0.0-test/bin/distill-run", "#!/bin/sh\n", mode: 0o755)
        var version = StoreReleases.v2
        version.erts = "7.0.0-test"
        try Self.place(version, in: store)
        try store.handler.unpack("2.0.0")
        #expect(try store.tree.statuses() == ["2.0.0": "unpacked", "1.0.0": "permanent"])
    }

    // MARK: - Limits

    @Test func theOperatorSetsTheArchiveLimitsInSysConfig() throws {
        var configuration = ReleaseHandler.Configuration(root: ReleaseRoot(path: "/srv/store", name: "store"))
        try configuration.readArchiveLimits(
            .list([
                .tuple([.atom("total_size"), 2_000]), .tuple([.atom("entries"), 50]),
                .tuple([.atom("metadata_size"), 3_000]), .tuple([.atom("extension_headers"), 7]),
            ])
        )
        #expect(configuration.archiveLimits.maximumTotalSize == 2_000)
        #expect(configuration.archiveLimits.maximumEntryCount == 50)
        #expect(configuration.archiveLimits.maximumMetadataSize == 3_000)
        #expect(configuration.archiveLimits.maximumExtensionHeaderCount == 7)
        #expect(configuration.archiveLimits.maximumEntrySize == ArchiveLimits.default.maximumEntrySize)
        let bad: [(Term, String)] = [
            (
                .list([.tuple([.atom("total_size"), 0])]),
                "sys.config: {distill, [{archive_limits, ...}]}: total_size must be an integer above 0, found 0"
            ),
            (
                .list([.tuple([.atom("size"), 1])]),
                "sys.config: {distill, [{archive_limits, ...}]}: unknown entry {size,1}; the keys are total_size, "
                    + "entry_size, entries, path_length, extension_headers, extension_header_size, metadata_size"
            ),
        ]
        for (term, message) in bad {
            #expect(throws: ReleaseHandlerError(.configFailed, message)) { try configuration.readArchiveLimits(term) }
        }
    }

    @Test func anUnpackOverTheOperatorsLimitsIsRefused() throws {
        let store = try StoreNode(placed: [StoreReleases.v2]) { configuration in
            try? configuration.readArchiveLimits(.list([.tuple([.atom("entries"), 3])]))
        }
        let before = try FileTree(at: store.tree.root)
        let error = try #require(Self.unpackError(store, "2.0.0"))
        #expect(error.code == .badArchive)
        #expect(error.message.contains("archive has more than 3 entries"), "\(error)")
        #expect(try FileTree(at: store.tree.root) == before)
    }
}
