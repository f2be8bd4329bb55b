//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import DistillTestSupport
import Foundation
import Testing

/// Archive metadata is bounded: pax and GNU extension headers count toward the limits, a
/// global pax header replaces the previous one, and extraction never leaves a file or a
/// directory writable by group or others.
struct ArchiveMetadataTests {
    /// Python building `count` global pax headers of `size` bytes of records each (distinct
    /// keys, so that merging them would keep them all), in front of a small valid archive.
    static func paxBomb(count: Int, size: Int) -> String {
        """
        body = tar(directory("releases"), file("releases/kv.rel", b"{release}."))
        def global_header(index):
            value = "v" * (\(size) - 40)
            return tarfile.TarInfo._create_pax_generic_header({"DISTILL.k%06d" % index: value}, tarfile.XGLTYPE, "utf-8")
        raw = b"".join(global_header(index) for index in range(\(count))) + body
        write(gz(raw))
        """
    }

    @Test func thousandsOfGlobalPaxHeadersAreRefusedByTheMetadataLimit() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv-0.2.0.tar.gz"
        try ArchiveMaker.make(archive, Self.paxBomb(count: 400, size: 60_000))
        let before = try FileTree.listing(at: work.path)
        let error = #expect(throws: ArchiveError.self) { try ReleaseArchive.extract(archive, into: work.path + "/kv") }
        #expect(error?.code == .limitExceeded)
        #expect(
            error?.message
                == "archive metadata (extension headers, paths, link targets) exceeds the limit of 16777216 bytes in total"
        )
        #expect(try FileTree.listing(at: work.path) == before)
    }

    @Test func theNumberOfExtensionHeadersIsLimited() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv-0.2.0.tar.gz"
        // Eleven entries with long names: GNU writes an `L` header for each.
        try ArchiveMaker.make(
            archive,
            #"write(gz(tar(*[file("f%03d-" % i + "n" * 120) for i in range(11)], fmt=GNU)))"#
        )
        let error = #expect(throws: ArchiveError.self) {
            try ReleaseArchive.list(archive, limits: ArchiveLimits(maximumExtensionHeaderCount: 10))
        }
        #expect(error?.code == .limitExceeded)
        #expect(error?.message == "archive has more than 10 extension headers")
        #expect(try ReleaseArchive.list(archive, limits: ArchiveLimits(maximumExtensionHeaderCount: 11)).count == 11)
    }

    @Test func pathsCountTowardTheMetadataLimit() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv-0.2.0.tar.gz"
        try ArchiveMaker.make(archive, #"write(gz(tar(*[file("f%03d" % i) for i in range(100)])))"#)
        #expect(try ReleaseArchive.list(archive, limits: ArchiveLimits(maximumMetadataSize: 400)).count == 100)
        let error = #expect(throws: ArchiveError.self) {
            try ReleaseArchive.list(archive, limits: ArchiveLimits(maximumMetadataSize: 399))
        }
        #expect(error?.entry == "f099")
    }

    @Test func anExtensionHeaderOverItsLimitIsRefused() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv-0.2.0.tar.gz"
        try ArchiveMaker.make(archive, Self.paxBomb(count: 1, size: 2_000))
        let error = #expect(throws: ArchiveError.self) {
            try ReleaseArchive.list(archive, limits: ArchiveLimits(maximumExtensionHeaderSize: 1_024))
        }
        #expect(error?.code == .limitExceeded)
        #expect(error?.message.hasPrefix("extended header of ") == true)
        #expect(error?.message.hasSuffix(" bytes is larger than 1024 bytes") == true)
    }

    @Test func aGlobalPaxHeaderReplacesThePreviousOne() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv-0.2.0.tar.gz"
        try ArchiveMaker.make(
            archive,
            #"""
            def global_header(records):
                return tarfile.TarInfo._create_pax_generic_header(records, tarfile.XGLTYPE, "utf-8")
            a = tar(file("a", b"a"), eof=False)
            b = tar(file("b", b"b"))
            write(gz(global_header({"mtime": "1"}) + a + global_header({"comment": "later"}) + b))
            """#
        )
        let entries = try ReleaseArchive.list(archive)
        #expect(entries.map(\.path) == ["a", "b"])
        #expect(entries.map(\.modificationTime) == [1, 1_700_000_000])
    }

    /// Headers that readers apply differently (found by ReleaseTarballFuzzTests: Python's
    /// tarfile lets the first of two pax headers win, we let the last): refused, so that what
    /// is extracted is what every reader sees.
    static let ambiguous: [(python: String, message: String)] = [
        (
            #"write(gz(pax({"path": "a"}, "x") + pax({"path": "b"}, "x") + tar(file("c", b"c"))))"#,
            "two pax headers precede one entry"
        ),
        (
            #"write(gz(pax({"path": "a"}, "x") + tar(file("c" * 120, b"c"), fmt=GNU)))"#,
            "both a GNU long name and a pax header name the entry"
        ),
        (#"write(gz(pax({"path": "a"}, "g") + tar(file("c", b"c"))))"#, "a global pax header sets 'path'"),
        (#"write(gz(pax({"size": "0"}, "g") + tar(file("c", b"c"))))"#, "a global pax header sets 'size'"),
    ]

    @Test(arguments: ambiguous.indices)
    func headersReadersDisagreeOnAreRefused(_ index: Int) throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv-0.2.0.tar.gz"
        try ArchiveMaker.make(
            archive,
            """
            def pax(records, kind):
                kind = tarfile.XHDTYPE if kind == "x" else tarfile.XGLTYPE
                return tarfile.TarInfo._create_pax_generic_header(records, kind, "utf-8")
            \(Self.ambiguous[index].python)
            """
        )
        let error = #expect(throws: ArchiveError.self) { try ReleaseArchive.list(archive) }
        #expect(error?.code == .malformedHeader)
        #expect(error?.message == Self.ambiguous[index].message)
    }

    /// Found by ReleaseTarballFuzzTests: an entry named by one 300-byte component was listed
    /// as valid, then extraction failed on `mkdir` (`ENAMETOOLONG`).
    @Test func aComponentLongerThanAFileNameIsRefusedBeforeExtraction() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv-0.2.0.tar.gz"
        try ArchiveMaker.make(archive, #"write(gz(tar(directory("a" * 300), file("b/" + "c" * 256))))"#)
        let error = #expect(throws: ArchiveError.self) { try ReleaseArchive.list(archive) }
        #expect(error?.code == .invalidPath)
        #expect(error?.message == "a path component is longer than 255 bytes")
        #expect(error?.entry == String(repeating: "a", count: 300) + "/")
        try ArchiveMaker.make(archive, #"write(gz(tar(directory("a" * 255), file("a" * 255 + "/" + "c" * 255))))"#)
        #expect(try ReleaseArchive.extract(archive, into: work.path + "/kv").count == 2)
    }

    /// Found by ReleaseTarballFuzzTests: a number field that GNU tar and Python's tarfile
    /// refuse (a base-256 marker other than 0x80 or 0xFF, octal digits after the terminating
    /// space) was read, so we extracted entries that tarfile does not list.
    @Test(arguments: [[0x9A] + [UInt8](repeating: 1, count: 11), Array("0001 234567\0".utf8)])
    func numberFieldsOtherReadersRefuseAreRefused(_ mtime: [UInt8]) throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv-0.2.0.tar.gz"
        let bytes = mtime.map { String($0) }.joined(separator: ", ")
        try ArchiveMaker.make(
            archive,
            """
            raw = bytearray(tar(file("a", b"a"), file("b", b"b")))
            raw[512 * 2 + 136:512 * 2 + 148] = bytes([\(bytes)])
            block = raw[1024:1536]; block[148:156] = b" " * 8
            raw[1024 + 148:1024 + 156] = b"%06o\\0 " % sum(block)
            write(gz(bytes(raw)))
            """
        )
        let error = #expect(throws: ArchiveError.self) { try ReleaseArchive.list(archive) }
        #expect(error?.code == .malformedHeader)
        #expect(error?.message == "header has an invalid modification time field")
    }

    /// Found by ReleaseTarballFuzzTests: the number fields of a pax header (and the owner,
    /// group and device fields of any header) went unread, while tarfile stops at a bad one.
    @Test(arguments: [(0, 136, "modification time"), (0, 108, "owner"), (1024, 329, "device major")])
    func everyNumberFieldOfEveryHeaderIsChecked(block: Int, field: Int, what: String) throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv-0.2.0.tar.gz"
        try ArchiveMaker.make(
            archive,
            """
            raw = bytearray(tar(file("p" * 120, b"a")))
            raw[\(block) + \(field):\(block) + \(field) + 8] = b"12x45\\0\\0\\0"
            header = raw[\(block):\(block) + 512]; header[148:156] = b" " * 8
            raw[\(block) + 148:\(block) + 156] = b"%06o\\0 " % sum(header)
            write(gz(bytes(raw)))
            """
        )
        let error = #expect(throws: ArchiveError.self) { try ReleaseArchive.list(archive) }
        #expect(error?.message == "header has an invalid \(what) field")
    }

    @Test func extractionMasksGroupAndOtherWriteBits() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv-0.2.0.tar.gz"
        try ArchiveMaker.make(
            archive,
            #"""
            write(gz(tar(directory("open", 0o777), file("open/world", b"w", 0o666), file("open/group", b"g", 0o775),
                         directory("shared", 0o2775), file("shared/plain", b"p", 0o644))))
            """#
        )
        let entries = try ReleaseArchive.extract(archive, into: work.path + "/kv")
        #expect(entries.map(\.permissions) == [0o755, 0o644, 0o755, 0o755, 0o644])
        let tree = try FileTree(at: work.path + "/kv")
        #expect(tree.nodes["open"] == .directory(permissions: 0o755))
        #expect(tree.nodes["open/world"] == .file(permissions: 0o644, contents: Data("w".utf8)))
        #expect(tree.nodes["open/group"] == .file(permissions: 0o755, contents: Data("g".utf8)))
        #expect(tree.nodes["shared"] == .directory(permissions: 0o755))
        #expect(tree.nodes["shared/plain"] == .file(permissions: 0o644, contents: Data("p".utf8)))
    }
}
