//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import DistillRelease
import DistillRuntime
import DistillTestSupport
import Foundation
import Testing

/// Tarballs made with Python's tarfile, one hostile entry each, on top of a valid release.
private let hostileTarball = """
    import sys, tarfile, io, os
    staging, out, case = sys.argv[1:4]
    def add(t, name, data=b'x', **kw):
        info = tarfile.TarInfo(name)
        for key, value in kw.items(): setattr(info, key, value)
        info.size = len(data) if info.type in (tarfile.REGTYPE, tarfile.AREGTYPE) else 0
        t.addfile(info, io.BytesIO(data) if info.size else None)
    with tarfile.open(out, 'w:gz') as t:
        for top in sorted(os.listdir(staging)):
            t.add(os.path.join(staging, top), arcname=top)
        if case == 'absolute': add(t, '/tmp/distill-evil')
        if case == 'dotdot': add(t, 'lib/../../distill-evil')
        if case == 'symlink-absolute': add(t, 'lib/store-2.0.0/evil', type=tarfile.SYMTYPE, linkname='/etc/passwd')
        if case == 'symlink-escape': add(t, 'lib/store-2.0.0/evil', type=tarfile.SYMTYPE, linkname='../../../../etc')
        if case == 'hardlink-escape': add(t, 'lib/store-2.0.0/evil', type=tarfile.LNKTYPE, linkname='../etc/passwd')
        if case == 'device': add(t, 'lib/store-2.0.0/null', type=tarfile.CHRTYPE, devmajor=1, devminor=3)
        if case == 'fifo': add(t, 'lib/store-2.0.0/fifo', type=tarfile.FIFOTYPE)
    data = open(out, 'rb').read()
    if case == 'truncated': open(out, 'wb').write(data[: len(data) // 2])
    if case == 'corrupt':
        middle = len(data) // 2
        open(out, 'wb').write(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    """

struct ReleaseHandlerUnpackTests {
    static let cases: [(name: String, code: ReleaseHandlerError.Code)] = [
        ("absolute", .badArchive), ("dotdot", .badArchive), ("symlink-absolute", .badArchive),
        ("symlink-escape", .badArchive), ("hardlink-escape", .badArchive), ("device", .badArchive),
        ("fifo", .badArchive), ("truncated", .badArchive), ("corrupt", .badArchive),
        ("wrong-name", .badRelease), ("wrong-version", .badRelease), ("no-rel", .badArchive),
    ]

    @Test(arguments: cases.map(\.name))
    func aHostileTarballIsRefusedWithNothingWritten(_ name: String) throws {
        let code = try #require(Self.cases.first { $0.name == name }?.code)
        let store = try StoreNode()
        let staging = try TemporaryDirectory(prefix: "distill-hostile")
        var version = StoreReleases.v2
        if name == "wrong-version" { version.version = "3.0.0" }
        try ReleaseTree.write(version, name: name == "wrong-name" ? "other" : "store", into: staging.path)
        if name == "wrong-version" {
            // A 3.0.0 release whose .rel sits where 2.0.0's should be.
            try FileManager.default.moveItem(
                atPath: staging.path + "/releases/3.0.0",
                toPath: staging.path + "/releases/2.0.0"
            )
        }
        if name == "wrong-name" {
            try FileManager.default.moveItem(
                atPath: staging.path + "/releases/2.0.0/other.rel",
                toPath: staging.path + "/releases/2.0.0/store.rel"
            )
        }
        if name == "no-rel" { try FileManager.default.removeItem(atPath: staging.path + "/releases/2.0.0/store.rel") }
        let directory = store.tree.root + "/releases/2.0.0"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = staging.path + "/../hostile-\(UUID().uuidString).py"
        try hostileTarball.write(toFile: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: script) }
        try runProcess("/usr/bin/env", ["python3", script, staging.path, directory + "/store.tar.gz", name])

        let before = try FileTree(at: store.tree.root)
        let error = try #require(
            { () -> ReleaseHandlerError? in
                do {
                    try store.handler.unpack("2.0.0")
                    return nil
                } catch {
                    return error as? ReleaseHandlerError
                }
            }()
        )
        #expect(error.code == code, "\(error)")
        #expect(error.message.hasSuffix("nothing was written"), "\(error)")
        #expect(try FileTree(at: store.tree.root) == before)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/distill-evil"))
        #expect(store.handler.versionsText == "1.0.0 permanent (running)")
    }

    @Test func aTarballOverTheSizeLimitIsRefused() throws {
        let store = try StoreNode(placed: [StoreReleases.v2]) { configuration in
            configuration.archiveLimits = ArchiveLimits(maximumTotalSize: 100)
        }
        let before = try FileTree(at: store.tree.root)
        do {
            try store.handler.unpack("2.0.0")
            Issue.record("expected a refusal")
        } catch {
            #expect(error.code == .badArchive)
            #expect(error.message.contains("limit"), "\(error)")
        }
        #expect(try FileTree(at: store.tree.root) == before)
    }

    @Test func theTarballsOwnRecordsAndScriptAreIgnored() throws {
        var v2 = StoreReleases.v2
        v2.extraFiles = [
            "releases/RELEASES": "[].",
            "releases/start_erl.data": "evil 9.9.9",
            "bin/store": "#!/bin/sh\necho replaced\n",
        ]
        let store = try StoreNode(placed: [v2])
        let releases = store.tree.releasesFile
        try store.handler.unpack("2.0.0")
        #expect(store.tree.startErlData == "\(StoreReleases.erts) 1.0.0")
        #expect(!FileManager.default.fileExists(atPath: store.tree.root + "/bin/store"))
        #expect(store.tree.releasesFile != releases)
        #expect(try store.tree.statuses() == ["2.0.0": "unpacked", "1.0.0": "permanent"])
    }

    @Test func unpackingTwiceIsRefused() throws {
        let store = try StoreNode(placed: [StoreReleases.v2])
        try store.handler.unpack("2.0.0")
        do {
            try store.handler.unpack("2.0.0")
            Issue.record("expected a refusal")
        } catch {
            #expect(
                error == ReleaseHandlerError(.alreadyUnpacked, "release 2.0.0 is unpacked already (status unpacked)")
            )
        }
    }

    @Test func aMissingTarballIsNamed() throws {
        let store = try StoreNode()
        do {
            try store.handler.unpack("2.0.0")
            Issue.record("expected a refusal")
        } catch {
            #expect(error.code == .noSuchRelease)
            #expect(
                error.message
                    == "no tarball at \(store.tree.root)/releases/2.0.0/store.tar.gz; copy store-2.0.0.tar.gz there"
            )
        }
    }
}
