//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import DistillBuild
import DistillTestSupport
import Foundation
import Testing

struct TarballWriterTests {
    // MARK: - GNU tar reads what we write

    @Test func gnuTarListsTheTarballWithFixedModesOwnersAndTime() throws {
        let work = try TemporaryDirectory()
        let tree = try Fixture.release(in: work.path)
        let tarball = work.path + "/kv-0.1.0.tar.gz"
        try TarballWriter(modificationTime: 1_700_000_000).pack(directory: tree, to: tarball)

        let listing = try runProcess("/usr/bin/env", ["TZ=UTC", "tar", "-tvzf", tarball])
        let expected = """
            drwxr-xr-x 0/0               0 2023-11-14 22:13 bin/
            -rwxr-xr-x 0/0              23 2023-11-14 22:13 bin/kv
            drwxr-xr-x 0/0               0 2023-11-14 22:13 erts-6.3.1/
            drwxr-xr-x 0/0               0 2023-11-14 22:13 erts-6.3.1/lib/
            -rwxr-xr-x 0/0            4096 2023-11-14 22:13 erts-6.3.1/lib/libswiftCore.so
            lrwxrwxrwx 0/0               0 2023-11-14 22:13 erts-6.3.1/lib/libswiftCore.so.6 -> libswiftCore.so
            drwxr-xr-x 0/0               0 2023-11-14 22:13 lib/
            drwxr-xr-x 0/0               0 2023-11-14 22:13 lib/kv-0.1.0/
            drwxr-xr-x 0/0               0 2023-11-14 22:13 lib/kv-0.1.0/ebin/
            -rw-r--r-- 0/0              56 2023-11-14 22:13 lib/kv-0.1.0/ebin/kv.app
            drwxr-xr-x 0/0               0 2023-11-14 22:13 releases/
            drwxr-xr-x 0/0               0 2023-11-14 22:13 releases/0.1.0/
            -rw-r--r-- 0/0              62 2023-11-14 22:13 releases/0.1.0/kv.rel
            lrwxrwxrwx 0/0               0 2023-11-14 22:13 releases/current -> 0.1.0
            -rw-r--r-- 0/0               0 2023-11-14 22:13 releases/empty

            """
        #expect(listing == expected)
    }

    @Test func gnuTarExtractsTheSameTree() throws {
        let work = try TemporaryDirectory()
        let tree = try Fixture.release(in: work.path)
        let tarball = work.path + "/kv.tar.gz"
        try TarballWriter().pack(directory: tree, to: tarball)
        let extracted = work.path + "/extracted"
        try FileManager.default.createDirectory(atPath: extracted, withIntermediateDirectories: false)
        try runProcess("/usr/bin/env", ["tar", "-xzf", tarball, "-C", extracted])
        #expect(try FileTree(at: extracted) == FileTree(at: tree).packed)
    }

    @Test func longPathsRoundTripThroughGNUTarAndOurReader() throws {
        let work = try TemporaryDirectory()
        let tree = work.path + "/tree"
        // The last component is longer than ustar's 100-byte name field: a pax header is needed.
        let directory = "lib/" + String(repeating: "d", count: 65)
        let path = directory + "/" + String(repeating: "f", count: 200 - directory.count - 1)
        #expect(path.count == 200)
        try FileTree.write(tree + "/" + path, "long\n")
        let tarball = work.path + "/long.tar.gz"
        try TarballWriter().pack(directory: tree, to: tarball)

        let listing = try runProcess("/usr/bin/env", ["tar", "-tzf", tarball])
        #expect(listing.split(separator: "\n").last.map(String.init) == path)
        let entries = try ReleaseArchive.list(tarball)
        #expect(entries.last?.path == path)
        // libarchive names the pax header without a process ID, so it is reproducible.
        let raw = try runProcess("/bin/sh", ["-c", "gzip -dc '\(tarball)' | tr -c '[:print:]' '\\n' | grep PaxHeader"])
        #expect(raw.split(separator: "\n").allSatisfy { $0.hasPrefix("PaxHeader/") })
    }

    // MARK: - Reproducible

    @Test func packingTwiceGivesIdenticalBytes() throws {
        let work = try TemporaryDirectory()
        let tree = try Fixture.release(in: work.path)
        try TarballWriter().pack(directory: tree, to: work.path + "/a.tar.gz")
        try TarballWriter().pack(directory: tree, to: work.path + "/b.tar.gz")
        #expect(try Fixture.bytes(work.path + "/a.tar.gz") == Fixture.bytes(work.path + "/b.tar.gz"))
    }

    @Test func timesOwnersAndUmaskDoNotChangeTheBytes() throws {
        let work = try TemporaryDirectory()
        let tree = try Fixture.release(in: work.path)
        let copy = work.path + "/copy"
        // Another umask (files 0600, directories 0700) and every file touched to another time.
        try runProcess(
            "/bin/sh",
            [
                "-c",
                "umask 077 && cp -R '\(tree)' '\(copy)' && find '\(copy)' -exec touch -h -d '2001-02-03 04:05:06' {} +",
            ]
        )
        #expect(try FileTree(at: copy) != FileTree(at: tree))
        try TarballWriter().pack(directory: tree, to: work.path + "/a.tar.gz")
        try TarballWriter().pack(directory: copy, to: work.path + "/b.tar.gz")
        #expect(try Fixture.bytes(work.path + "/a.tar.gz") == Fixture.bytes(work.path + "/b.tar.gz"))
    }

    @Test func gzipHeaderHasNoTimestampNorName() throws {
        let work = try TemporaryDirectory()
        let tree = try Fixture.release(in: work.path)
        try TarballWriter().pack(directory: tree, to: work.path + "/kv.tar.gz")
        // ID1 ID2 CM=deflate FLG=0 (no name, no comment, no extra) MTIME=0 XFL=0 OS=Unix.
        #expect(try Fixture.bytes(work.path + "/kv.tar.gz").prefix(10) == [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3])
    }

    @Test func entriesAreSortedBytewiseWithEveryParentDirectory() throws {
        let work = try TemporaryDirectory()
        let sources = work.path + "/sources"
        try FileTree.write(sources + "/one", "1")
        let entries = [
            TarballEntry(path: "a/b/c", kind: .file(source: sources + "/one")),
            TarballEntry(path: "a.txt", kind: .file(source: sources + "/one")),
            TarballEntry(path: "B", kind: .file(source: sources + "/one")),
            TarballEntry(path: "./a/\u{E9}", kind: .file(source: sources + "/one")),
            TarballEntry(path: "a/link", kind: .symbolicLink(target: "b/c")),
        ]
        try TarballWriter().pack(entries, to: work.path + "/t.tar.gz")
        let paths = try ReleaseArchive.list(work.path + "/t.tar.gz").map(\.path)
        #expect(paths == ["B", "a", "a.txt", "a/b", "a/b/c", "a/link", "a/\u{E9}"])
    }

    @Test func modificationTimeComesFromSourceDateEpoch() throws {
        #expect(try TarballWriter.modificationTime(sourceDateEpoch: nil) == 315_532_800)
        #expect(try TarballWriter.modificationTime(sourceDateEpoch: "") == 315_532_800)
        #expect(try TarballWriter.modificationTime(sourceDateEpoch: "1700000000") == 1_700_000_000)
        for bad in ["-1", "1.5", "soon", " 12"] {
            #expect(
                throws: PackError(
                    code: .invalidSourceDateEpoch,
                    destination: "SOURCE_DATE_EPOCH",
                    message: "'\(bad)' is not a non-negative whole number of seconds"
                )
            ) { try TarballWriter.modificationTime(sourceDateEpoch: bad) }
        }
        let work = try TemporaryDirectory()
        let tree = try Fixture.release(in: work.path)
        try TarballWriter(modificationTime: 1_234_567_890).pack(directory: tree, to: work.path + "/t.tar.gz")
        #expect(try ReleaseArchive.list(work.path + "/t.tar.gz").allSatisfy { $0.modificationTime == 1_234_567_890 })
    }

    // MARK: - Inputs

    @Test func packsAnEntryListFromSourcesElsewhere() throws {
        let work = try TemporaryDirectory()
        try FileTree.write(work.path + "/build/libKV.so", "elf", mode: 0o700)
        try FileTree.write(work.path + "/build/kv.app", "{application, kv, []}.\n", mode: 0o600)
        let entries = [
            TarballEntry(path: "lib/kv-0.1.0/lib/libKV-0.1.0.so", kind: .file(source: work.path + "/build/libKV.so")),
            TarballEntry(path: "lib/kv-0.1.0/ebin/kv.app", kind: .file(source: work.path + "/build/kv.app")),
            TarballEntry(path: "bin/kv", kind: .file(source: work.path + "/build/kv.app", executable: true)),
            TarballEntry(path: "var", kind: .directory),
        ]
        try TarballWriter().pack(entries, to: work.path + "/kv.tar.gz")
        let listed = try ReleaseArchive.list(work.path + "/kv.tar.gz").map {
            "\($0.path) \(String($0.permissions, radix: 8))"
        }
        #expect(
            listed == [
                "bin 755", "bin/kv 755", "lib 755", "lib/kv-0.1.0 755", "lib/kv-0.1.0/ebin 755",
                "lib/kv-0.1.0/ebin/kv.app 644", "lib/kv-0.1.0/lib 755", "lib/kv-0.1.0/lib/libKV-0.1.0.so 755",
                "var 755",
            ]
        )
    }

    @Test func destinationInsideTheTreeIsLeftOut() throws {
        let work = try TemporaryDirectory()
        let tree = try Fixture.release(in: work.path)
        let tarball = tree + "/releases/0.1.0/kv.tar.gz"
        try TarballWriter().pack(directory: tree, to: tarball)
        let first = try Fixture.bytes(tarball)
        // What a pack killed halfway leaves behind is not packed either.
        try FileTree.write(tree + "/releases/0.1.0/.kv.tar.gz.tmp-Ab12Cd", "partial")
        try TarballWriter().pack(directory: tree, to: tarball)
        #expect(try Fixture.bytes(tarball) == first)
        #expect(try !ReleaseArchive.list(tarball).contains { $0.path.hasSuffix(".tar.gz") })
    }

    @Test func excludedPathsAreLeftOut() throws {
        let work = try TemporaryDirectory()
        let tree = try Fixture.release(in: work.path)
        try FileTree.write(tree + "/var/run/kv.pid", "42")
        try TarballWriter().pack(directory: tree, to: work.path + "/kv.tar.gz", excluding: ["var"])
        #expect(try !ReleaseArchive.list(work.path + "/kv.tar.gz").contains { $0.path.hasPrefix("var") })
    }

    @Test func hardLinkedFilesArePackedAsTwoFiles() throws {
        let work = try TemporaryDirectory()
        try FileTree.write(work.path + "/tree/a", "same")
        try FileManager.default.linkItem(atPath: work.path + "/tree/a", toPath: work.path + "/tree/b")
        try TarballWriter().pack(directory: work.path + "/tree", to: work.path + "/t.tar.gz")
        #expect(try ReleaseArchive.list(work.path + "/t.tar.gz").map(\.kind) == [.regularFile, .regularFile])
    }

    @Test func progressCountsFileBytesUpToTheTotal() throws {
        let work = try TemporaryDirectory()
        try FileTree.write(work.path + "/tree/big", String(repeating: "x", count: 3 << 20))
        try FileTree.write(work.path + "/tree/small", "abc")
        var reports: [TarballWriter.Progress] = []
        try TarballWriter().pack(directory: work.path + "/tree", to: work.path + "/t.tar.gz") { reports.append($0) }
        #expect(reports.first?.bytesDone == 0)
        let total: Int64 = (3 << 20) + 3
        #expect(reports.allSatisfy { $0.bytesTotal == total && $0.entriesTotal == 2 })
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.bytesDone <= $1.bytesDone })
        #expect(reports.count >= 4)  // 1 MiB chunks
        #expect(reports.last?.bytesDone == total)
        #expect(reports.last?.entriesDone == 2)
    }

    // MARK: - Refusals and failures leave nothing behind

    @Test(arguments: [
        ("lib", "/etc", PackError.Code.symlinkEscapes, "symbolic link target '/etc' is absolute"),
        ("a/b", "../../x", .symlinkEscapes, "symbolic link target '../../x' leaves the release directory"),
    ])
    func refusesSymbolicLinksLeavingTheTree(link: String, target: String, code: PackError.Code, message: String) throws
    {
        let work = try TemporaryDirectory()
        try FileTree.write(work.path + "/tree/file", "x")
        try FileManager.default.createDirectory(atPath: work.path + "/tree/a", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: work.path + "/tree/" + link, withDestinationPath: target)
        let before = try FileTree.listing(at: work.path)
        let destination = work.path + "/t.tar.gz"
        #expect(throws: PackError(code: code, destination: destination, entry: link, message: message)) {
            try TarballWriter().pack(directory: work.path + "/tree", to: destination)
        }
        #expect(try FileTree.listing(at: work.path) == before)
    }

    @Test func refusesFIFOs() throws {
        let work = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: work.path + "/tree", withIntermediateDirectories: true)
        try runProcess("/usr/bin/env", ["mkfifo", work.path + "/tree/pipe"])
        let destination = work.path + "/t.tar.gz"
        let error = #expect(throws: PackError.self) {
            try TarballWriter().pack(directory: work.path + "/tree", to: destination)
        }
        #expect(error?.code == .unsupportedFileType)
        #expect(!FileManager.default.fileExists(atPath: destination))
    }

    @Test func refusesDuplicateAndEscapingPaths() throws {
        let work = try TemporaryDirectory()
        try FileTree.write(work.path + "/one", "1")
        let destination = work.path + "/t.tar.gz"
        let file = TarballEntry.Kind.file(source: work.path + "/one")
        #expect(
            throws: PackError(
                code: .duplicatePath,
                destination: destination,
                entry: "a/b",
                message: "path appears more than once"
            )
        ) {
            try TarballWriter().pack(
                [.init(path: "a/b", kind: file), .init(path: "a//b/", kind: file)],
                to: destination
            )
        }
        #expect(
            throws: PackError(
                code: .invalidPath,
                destination: destination,
                entry: "../x",
                message: "path escapes the release directory"
            )
        ) {
            try TarballWriter().pack([.init(path: "../x", kind: file)], to: destination)
        }
        #expect(
            throws: PackError(
                code: .invalidPath,
                destination: destination,
                entry: "l/x",
                message: "parent 'l' is a symbolic link"
            )
        ) {
            try TarballWriter().pack(
                [.init(path: "l", kind: .symbolicLink(target: "d")), .init(path: "l/x", kind: file)],
                to: destination
            )
        }
        #expect(!FileManager.default.fileExists(atPath: destination))
    }

    @Test func failureWhileWritingRemovesTheTemporaryFile() throws {
        let work = try TemporaryDirectory()
        try FileTree.write(work.path + "/one", String(repeating: "1", count: 100_000))
        try FileManager.default.createDirectory(atPath: work.path + "/dir", withIntermediateDirectories: true)
        let out = work.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: URL(fileURLWithPath: out + "/t.tar.gz"))
        let destination = out + "/t.tar.gz"
        // The first file is written, then a "file" that is a directory fails mid-stream.
        #expect(
            throws: PackError(
                code: .unsupportedFileType,
                destination: destination,
                entry: "b",
                message: "'\(work.path)/dir' is not a regular file"
            )
        ) {
            try TarballWriter().pack(
                [
                    .init(path: "a", kind: .file(source: work.path + "/one")),
                    .init(path: "b", kind: .file(source: work.path + "/dir")),
                ],
                to: destination
            )
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["t.tar.gz"])
        #expect(try Fixture.bytes(destination) == Array("old".utf8))
    }

    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func fullDiskLeavesNoFile() throws {
        let work = try TemporaryDirectory()
        let disk = work.path + "/disk"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        try runProcess("/usr/bin/env", ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", disk])
        defer { _ = try? runProcess("/usr/bin/env", ["umount", disk]) }
        // 1 MB of random bytes does not compress: the 64 KiB disk fills up.
        try runProcess("/bin/sh", ["-c", "head -c 1000000 /dev/urandom > '\(work.path)/random'"])
        let destination = disk + "/kv.tar.gz"
        #expect(
            throws: PackError(
                code: .io,
                destination: destination,
                entry: "random",
                message: "cannot write the tarball: No space left on device"
            )
        ) {
            try TarballWriter().pack(
                [.init(path: "random", kind: .file(source: work.path + "/random"))],
                to: destination
            )
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk) == [])
    }
}

/// A small release-shaped tree and file helpers.
enum Fixture {
    /// `tree/` with an executable, a shared library and a link to it, term files, an empty file.
    static func release(in directory: String) throws -> String {
        let tree = directory + "/tree"
        try FileTree.write(tree + "/bin/kv", "#!/bin/sh\necho kv \"$@\"\n", mode: 0o755)
        try FileTree.write(
            tree + "/erts-6.3.1/lib/libswiftCore.so",
            String(repeating: "\u{7F}ELF", count: 1024),
            mode: 0o755
        )
        try FileManager.default.createSymbolicLink(
            atPath: tree + "/erts-6.3.1/lib/libswiftCore.so.6",
            withDestinationPath: "libswiftCore.so"
        )
        try FileTree.write(
            tree + "/lib/kv-0.1.0/ebin/kv.app",
            "{application, kv, [{vsn, \"0.1.0\"}, {modules, ['KV']}]}.\n"
        )
        try FileTree.write(
            tree + "/releases/0.1.0/kv.rel",
            "{release, {\"kv\", \"0.1.0\"}, {erts, \"6.3.1\"}, [{kv, \"0.1.0\"}]}.\n"
        )
        try FileManager.default.createSymbolicLink(atPath: tree + "/releases/current", withDestinationPath: "0.1.0")
        try FileTree.write(tree + "/releases/empty", "")
        return tree
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
