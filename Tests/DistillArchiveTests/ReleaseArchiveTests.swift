//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import DistillBuild
import DistillTestSupport
import Foundation
import Testing

/// Good archives: from our writer, GNU tar (gnu, pax, ustar, v7 formats) and Python's tarfile
/// extract to the same trees as GNU tar extracts them.
struct ReleaseArchiveTests {
    @Test func extractsOurWritersTarballToTheSameTree() throws {
        let work = try TemporaryDirectory()
        let tree = try Trees.release(in: work.path)
        let tarball = work.path + "/kv-0.1.0.tar.gz"
        try TarballWriter().pack(directory: tree, to: tarball)
        let entries = try ReleaseArchive.extract(tarball, into: work.path + "/kv")
        #expect(try FileTree(at: work.path + "/kv") == FileTree(at: tree).packed)
        #expect(
            entries.contains(
                ArchiveEntry(
                    path: "erts-6.3.1/lib/libswiftCore.so.6",
                    kind: .symbolicLink(target: "libswiftCore.so"),
                    size: 0,
                    permissions: 0o755,
                    modificationTime: TarballWriter.defaultModificationTime
                )
            )
        )
    }

    @Test(arguments: ["gnu", "pax", "ustar", "v7"])
    func extractsGNUTarOutputLikeGNUTar(format: String) throws {
        let work = try TemporaryDirectory()
        let tree = try Trees.release(in: work.path)
        try FileTree.write(tree + "/lib/secret.conf", "s", mode: 0o600)
        try FileTree.write(tree + "/lib/group.conf", "g", mode: 0o640)
        try FileManager.default.setAttributes([.posixPermissions: 0o750], ofItemAtPath: tree + "/lib")
        if format != "v7" && format != "ustar" {
            // Longer than ustar's fields: GNU 'L'/'K' records or pax headers.
            let long = String(repeating: "n", count: 150)
            try FileTree.write(tree + "/lib/" + long, "long")
            try FileManager.default.createSymbolicLink(atPath: tree + "/lib/to-long", withDestinationPath: long)
        }
        let tarball = work.path + "/kv.tar.gz"
        try runProcess("/usr/bin/env", ["tar", "--format=\(format)", "-czf", tarball, "-C", tree, "."])
        let byTar = work.path + "/by-tar"
        try FileManager.default.createDirectory(atPath: byTar, withIntermediateDirectories: false)
        try runProcess("/usr/bin/env", ["tar", "-xzf", tarball, "-C", byTar])
        try ReleaseArchive.extract(tarball, into: work.path + "/by-us")
        let ours = try FileTree(at: work.path + "/by-us")
        #expect(ours == (try FileTree(at: byTar)))
        #expect(ours == (try FileTree(at: tree)))
    }

    @Test func extractsPythonGNULongNamesAndLinks() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv.tar.gz"
        let long = String(repeating: "x", count: 120)
        try ArchiveMaker.make(
            archive,
            #"""
            long = "\#(long)"
            write(gz(tar(directory("d"), file("d/" + long, b"data", 0o755), symlink("d/l", long), hardlink("d/h", "d/" + long), fmt=GNU)))
            """#
        )
        try ReleaseArchive.extract(archive, into: work.path + "/kv")
        let tree = try FileTree(at: work.path + "/kv")
        #expect(tree.nodes["d/" + long] == .file(permissions: 0o755, contents: Data("data".utf8)))
        #expect(tree.nodes["d/l"] == .symbolicLink(target: long))
        let a = try FileManager.default.attributesOfItem(atPath: work.path + "/kv/d/" + long)
        let b = try FileManager.default.attributesOfItem(atPath: work.path + "/kv/d/h")
        #expect(a[.systemFileNumber] as? Int == b[.systemFileNumber] as? Int)
    }

    @Test func stripsSetIDAndStickyBits() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv.tar.gz"
        try ArchiveMaker.make(archive, ##"write(gz(tar(directory("d", 0o3775), file("d/su", b"#!", 0o6755))))"##)
        let entries = try ReleaseArchive.list(archive)
        // Group write goes too (ArchiveMetadataTests.extractionMasksGroupAndOtherWriteBits).
        #expect(entries.map(\.permissions) == [0o755, 0o755])
        try ReleaseArchive.extract(archive, into: work.path + "/kv")
        let tree = try FileTree(at: work.path + "/kv")
        #expect(tree.nodes["d"] == .directory(permissions: 0o755))
        #expect(tree.nodes["d/su"] == .file(permissions: 0o755, contents: Data("#!".utf8)))
    }

    @Test func createsImpliedDirectoriesAndKeepsReadOnlyOnes() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv.tar.gz"
        try ArchiveMaker.make(archive, #"write(gz(tar(directory("ro", 0o555), file("ro/a/b/c", b"deep", 0o444))))"#)
        try ReleaseArchive.extract(archive, into: work.path + "/kv")
        let tree = try FileTree(at: work.path + "/kv")
        #expect(tree.nodes["ro"] == .directory(permissions: 0o555))
        #expect(tree.nodes["ro/a"] == .directory(permissions: 0o755))
        #expect(tree.nodes["ro/a/b/c"] == .file(permissions: 0o444, contents: Data("deep".utf8)))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: work.path + "/kv/ro")
    }

    @Test func readsEveryMemberOfAMultiMemberGzip() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv.tar.gz"
        try ArchiveMaker.make(
            archive,
            #"""
            raw = tar(file("a", b"A" * 3000), file("b", b"B" * 10))
            write(gz(raw[:700]) + gz(b"") + gz(raw[700:]))
            """#
        )
        let entries = try ReleaseArchive.list(archive)
        #expect(entries.map(\.path) == ["a", "b"])
        #expect(entries.map(\.size) == [3000, 10])
    }

    @Test func restoresModificationTimes() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv.tar.gz"
        try ArchiveMaker.make(archive, #"write(gz(tar(directory("d"), file("d/f"), symlink("d/l", "f"))))"#)
        try ReleaseArchive.extract(archive, into: work.path + "/kv")
        for path in ["d", "d/f", "d/l"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: work.path + "/kv/" + path)
            #expect((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 == 1_700_000_000)
        }
    }

    @Test func layoutValidatorSeesEveryEntryAndAcceptsAGoodLayout() throws {
        let work = try TemporaryDirectory()
        let tree = try Trees.release(in: work.path)
        let tarball = work.path + "/kv.tar.gz"
        try TarballWriter().pack(directory: tree, to: tarball)
        var seen = 0
        try ReleaseArchive.extract(tarball, into: work.path + "/kv") { entries throws(LayoutViolation) in
            seen = entries.count
            try ReleaseArchive.requiring(files: ["releases/0.1.0/kv.rel", "bin/kv"])(entries)
        }
        #expect(seen == 15)
        #expect(FileManager.default.fileExists(atPath: work.path + "/kv/releases/0.1.0/kv.rel"))
    }

    @Test func extractsIntoARelativeDestination() throws {
        let work = try TemporaryDirectory()
        let tree = try Trees.release(in: work.path)
        try TarballWriter().pack(directory: tree, to: work.path + "/kv.tar.gz")
        // A trailing slash names the same directory.
        try ReleaseArchive.extract(work.path + "/kv.tar.gz", into: work.path + "/kv/")
        #expect(try FileTree(at: work.path + "/kv") == FileTree(at: tree).packed)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).sorted() == ["kv", "kv.tar.gz", "tree"])
    }
}

/// A small release-shaped tree and file helpers.
enum Trees {
    static func release(in directory: String) throws -> String {
        let tree = directory + "/tree"
        try FileTree.write(tree + "/bin/kv", "#!/bin/sh\necho kv\n", mode: 0o755)
        try FileTree.write(
            tree + "/erts-6.3.1/lib/libswiftCore.so",
            String(repeating: "\u{7F}ELF", count: 1024),
            mode: 0o755
        )
        try FileManager.default.createSymbolicLink(
            atPath: tree + "/erts-6.3.1/lib/libswiftCore.so.6",
            withDestinationPath: "libswiftCore.so"
        )
        try FileTree.write(tree + "/lib/kv-0.1.0/ebin/kv.app", "{application, kv, [{vsn, \"0.1.0\"}]}.\n")
        try FileTree.write(tree + "/releases/0.1.0/kv.rel", "{release, {\"kv\", \"0.1.0\"}, {erts, \"6.3.1\"}, []}.\n")
        try FileManager.default.createSymbolicLink(atPath: tree + "/releases/current", withDestinationPath: "0.1.0")
        try FileTree.write(tree + "/releases/empty", "")
        return tree
    }

}
