//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import DistillTestSupport
import Foundation
import Testing

/// Hostile and damaged archives: each is refused with the exact error, by `list` and by
/// `extract`, and extraction leaves the destination's parent exactly as it was.
struct ReleaseArchiveRefusalTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var python: String
        var code: ArchiveError.Code
        var entry: String?
        var message: String
        var limits = ArchiveLimits.default
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "dot-dot path",
            python: #"write(gz(tar(file("../etc/passwd"))))"#,
            code: .pathEscapes,
            entry: "../etc/passwd",
            message: "path escapes the release directory"
        ),
        Case(
            name: "dot-dot inside a path",
            python: #"write(gz(tar(directory("a"), file("a/../../x"))))"#,
            code: .pathEscapes,
            entry: "a/../../x",
            message: "path escapes the release directory"
        ),
        Case(
            name: "absolute path",
            python: #"write(gz(tar(file("/etc/passwd"))))"#,
            code: .absolutePath,
            entry: "/etc/passwd",
            message: "path is absolute"
        ),
        Case(
            name: "absolute symlink",
            python: #"write(gz(tar(symlink("lib", "/etc"), file("lib/passwd"))))"#,
            code: .symlinkEscapes,
            entry: "lib",
            message: "symbolic link target '/etc' is absolute"
        ),
        Case(
            name: "symlink climbing out",
            python: #"write(gz(tar(directory("a"), symlink("a/b", "../../x"))))"#,
            code: .symlinkEscapes,
            entry: "a/b",
            message: "symbolic link target '../../x' leaves the release directory"
        ),
        Case(
            name: "symlink to the root's parent",
            python: #"write(gz(tar(symlink("up", ".."))))"#,
            code: .symlinkEscapes,
            entry: "up",
            message: "symbolic link target '..' leaves the release directory"
        ),
        Case(
            name: "symlink climbing through a symlink",
            python: #"write(gz(tar(symlink("s", "."), symlink("l", "s/../x"))))"#,
            code: .symlinkEscapes,
            entry: "l",
            message: "symbolic link target 's/../x' has '..' after a name"
        ),
        Case(
            name: "file through a symlink",
            python: #"write(gz(tar(directory("sub"), symlink("lib", "sub"), file("lib/x"))))"#,
            code: .parentIsSymlink,
            entry: "lib/x",
            message: "parent 'lib' is a symbolic link in this archive"
        ),
        Case(
            name: "file below a file",
            python: #"write(gz(tar(file("a"), file("a/b"))))"#,
            code: .parentNotDirectory,
            entry: "a/b",
            message: "parent 'a' is a file in this archive"
        ),
        Case(
            name: "hard link out",
            python: #"write(gz(tar(hardlink("h", "../x"))))"#,
            code: .invalidHardLink,
            entry: "h",
            message: "hard link target '../x' is outside the release directory"
        ),
        Case(
            name: "hard link with a NUL in a pax record",
            python: #"write(gz(tar(file("a"), hardlink("h", "a\x00" + "b" * 120), fmt=PAX)))"#,
            code: .invalidHardLink,
            entry: "h",
            message: "hard link target 'a\u{0}\(String(repeating: "b", count: 120))' is not a valid path "
                + "(path contains a NUL byte)"
        ),
        Case(
            name: "hard link absolute",
            python: #"write(gz(tar(hardlink("h", "/etc/shadow"))))"#,
            code: .invalidHardLink,
            entry: "h",
            message: "hard link target '/etc/shadow' is outside the release directory"
        ),
        Case(
            name: "hard link forward",
            python: #"write(gz(tar(hardlink("h", "later"), file("later"))))"#,
            code: .invalidHardLink,
            entry: "h",
            message: "hard link target 'later' is not a regular file extracted before it"
        ),
        Case(
            name: "hard link to a directory",
            python: #"write(gz(tar(directory("d"), hardlink("h", "d"))))"#,
            code: .invalidHardLink,
            entry: "h",
            message: "hard link target 'd' is not a regular file extracted before it"
        ),
        Case(
            name: "character device",
            python: #"write(gz(tar(chardev("dev/null"))))"#,
            code: .unsupportedEntryType,
            entry: "dev/null",
            message: "device files are not allowed in a release"
        ),
        Case(
            name: "block device",
            python: #"write(gz(tar(blockdev("sda"))))"#,
            code: .unsupportedEntryType,
            entry: "sda",
            message: "device files are not allowed in a release"
        ),
        Case(
            name: "FIFO",
            python: #"write(gz(tar(fifo("pipe"))))"#,
            code: .unsupportedEntryType,
            entry: "pipe",
            message: "FIFOs are not allowed in a release"
        ),
        Case(
            name: "GNU sparse file",
            python: #"write(gz(tar(sparse("holes"), fmt=GNU)))"#,
            code: .unsupportedEntryType,
            entry: "holes",
            message: "sparse files are not supported"
        ),
        Case(
            name: "duplicate file",
            python: #"write(gz(tar(file("a"), file("./a"))))"#,
            code: .duplicatePath,
            entry: "./a",
            message: "path 'a' appears more than once in the archive"
        ),
        Case(
            name: "directory over a file",
            python: #"write(gz(tar(file("a"), directory("a"))))"#,
            code: .duplicatePath,
            entry: "a/",
            message: "path 'a' appears more than once in the archive"
        ),
        Case(
            name: "file named like the root",
            python: #"write(gz(tar(file("./"))))"#,
            code: .invalidPath,
            entry: "./",
            message: "entry names the release directory itself"
        ),
        Case(
            name: "file path ending in a slash",
            python: #"write(gz(tar(file("a/"))))"#,
            code: .invalidPath,
            entry: "a/",
            message: "path of a regular file ends with '/'"
        ),
        Case(
            name: "symlink carrying data",
            python:
                #"i, _ = symlink("l", "x"); i.size = 3; write(gz(i.tobuf(PAX) + b"abc".ljust(512, bytes(1)) + bytes(1024)))"#,
            code: .malformedHeader,
            entry: "l",
            message: "a link entry declares 3 bytes of data"
        ),
        Case(
            name: "name not UTF-8",
            python: #"write(gz(tar(file("caf\u00e9"), fmt=USTAR, encoding="latin-1")))"#,
            code: .invalidPath,
            entry: "caf\u{FFFD}",
            message: "path is not valid UTF-8"
        ),
        Case(
            name: "huge declared size (pax)",
            python: #"i, _ = file("big"); i.size = 100 << 30; write(gz(i.tobuf(PAX) + bytes(1024)))"#,
            code: .limitExceeded,
            entry: "big",
            message: "entry size 107374182400 bytes exceeds the limit of 1073741824 bytes"
        ),
        Case(
            name: "huge declared size (GNU base-256)",
            python: #"i, _ = file("big"); i.size = 100 << 30; write(gz(i.tobuf(GNU) + bytes(1024)))"#,
            code: .limitExceeded,
            entry: "big",
            message: "entry size 107374182400 bytes exceeds the limit of 1073741824 bytes"
        ),
        Case(
            name: "total over the limit",
            python: #"write(gz(tar(file("a", bytes(60)), file("b", bytes(60)))))"#,
            code: .limitExceeded,
            entry: "b",
            message: "archive contents exceed the limit of 100 bytes in total",
            limits: ArchiveLimits(maximumTotalSize: 100)
        ),
        Case(
            name: "too many entries",
            python: #"write(gz(tar(*[file(f"f{i}") for i in range(10)])))"#,
            code: .limitExceeded,
            entry: "f5",
            message: "archive has more than 5 entries",
            limits: ArchiveLimits(maximumEntryCount: 5)
        ),
        Case(
            name: "path too long",
            python: #"write(gz(tar(file("a" * 300))))"#,
            code: .limitExceeded,
            entry: String(repeating: "a", count: 300),
            message: "path or link target is longer than 255 bytes",
            limits: ArchiveLimits(maximumPathLength: 255)
        ),
        Case(
            name: "no end-of-archive blocks",
            python: #"write(gz(tar(file("a"), eof=False)))"#,
            code: .truncated,
            entry: nil,
            message: "archive ends without its end-of-archive blocks (truncated tar archive)"
        ),
        Case(
            name: "one end-of-archive block",
            python: #"write(gz(tar(file("a"), eof=False) + bytes(512)))"#,
            code: .truncated,
            entry: nil,
            message: "archive ends after one end-of-archive block (truncated tar archive)"
        ),
        Case(
            name: "entry data cut short",
            python: #"write(gz(tar(file("a", bytes(2000)), eof=False)[:1536]))"#,
            code: .truncated,
            entry: "a",
            message: "archive ends inside the entry's data"
        ),
        Case(
            name: "header cut short",
            python: #"write(gz(tar(file("a"), eof=False)[:300]))"#,
            code: .truncated,
            entry: nil,
            message: "archive ends inside a header block (truncated tar archive)"
        ),
        Case(
            name: "header checksum wrong",
            python: #"raw = bytearray(tar(file("abc"))); raw[0] ^= 0x01; write(gz(bytes(raw)))"#,
            code: .malformedHeader,
            entry: "`bc",
            message: "header checksum is wrong (corrupt tar header)"
        ),
        Case(
            name: "garbage after the tar end",
            python: #"write(gz(tar(file("a")) + b"junk"))"#,
            code: .trailingData,
            entry: nil,
            message: "non-zero data follows the end-of-archive blocks"
        ),
        Case(
            name: "garbage after the gzip stream",
            python: #"write(gz(tar(file("a"))) + b"junk")"#,
            code: .trailingData,
            entry: nil,
            message: "data after the end of the gzip stream is not a gzip member"
        ),
        Case(
            name: "plain tar, not gzip",
            python: #"write(tar(file("a")))"#,
            code: .notGzip,
            entry: nil,
            message: "not a gzip file"
        ),
        Case(
            name: "empty file",
            python: #"write(b"")"#,
            code: .notGzip,
            entry: nil,
            message: "file is empty, not a gzip file"
        ),
        Case(
            name: "gzip CRC wrong",
            python: #"data = bytearray(gz(tar(file("a", b"hello")))); data[-8] ^= 0xFF; write(bytes(data))"#,
            code: .corrupt,
            entry: nil,
            message: "compressed data is corrupt (incorrect data check)"
        ),
        Case(
            name: "gzip length wrong",
            python: #"data = bytearray(gz(tar(file("a", b"hello")))); data[-2] ^= 0xFF; write(bytes(data))"#,
            code: .corrupt,
            entry: nil,
            message: "compressed data is corrupt (incorrect length check)"
        ),
    ]

    @Test(arguments: cases)
    func refusesBeforeWritingAnything(_ test: Case) throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv-0.2.0.tar.gz"
        try ArchiveMaker.make(archive, test.python)
        let expected = ArchiveError(code: test.code, archive: archive, entry: test.entry, message: test.message)
        #expect(throws: expected) { try ReleaseArchive.list(archive, limits: test.limits) }
        let before = try FileTree.listing(at: work.path)
        #expect(throws: expected) {
            try ReleaseArchive.extract(archive, into: work.path + "/kv", limits: test.limits)
        }
        #expect(try FileTree.listing(at: work.path) == before)
    }

    @Test(arguments: [1, 5, 10, 11, 100, 1000, -100, -9, -8, -1])
    func refusesAnArchiveTruncatedAnywhere(at offset: Int) throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv.tar.gz"
        try ArchiveMaker.make(
            archive,
            #"""
            import random
            random.seed(7)
            whole = gz(tar(directory("lib"), file("lib/a.so", random.randbytes(5000)), file("b", b"text" * 300)))
            end = \#(offset) if \#(offset) > 0 else len(whole) + \#(offset)
            write(whole[:end])
            """#
        )
        let before = try FileTree.listing(at: work.path)
        #expect(
            throws: ArchiveError(
                code: .truncated,
                archive: archive,
                message: "compressed data ends early (truncated gzip stream)"
            )
        ) { try ReleaseArchive.extract(archive, into: work.path + "/kv") }
        #expect(try FileTree.listing(at: work.path) == before)
    }

    @Test func refusesFlippedBytesInsideFileData() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv.tar.gz"
        // Random data is stored uncompressed by deflate: a flipped byte changes only the file's
        // contents, so only the CRC at the end can tell.
        try ArchiveMaker.make(
            archive,
            #"""
            import random
            random.seed(11)
            data = bytearray(gz(tar(file("a.so", random.randbytes(65536)))))
            data[len(data) // 2] ^= 0x10
            write(bytes(data))
            """#
        )
        let before = try FileTree.listing(at: work.path)
        #expect(
            throws: ArchiveError(
                code: .corrupt,
                archive: archive,
                message: "compressed data is corrupt (incorrect data check)"
            )
        ) { try ReleaseArchive.extract(archive, into: work.path + "/kv") }
        #expect(try FileTree.listing(at: work.path) == before)
    }

    @Test func tenThousandTinyEntriesAreFineUnderTheDefaultLimits() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/many.tar.gz"
        try ArchiveMaker.make(archive, #"write(gz(tar(*[file(f"d{i // 100}/f{i}", b"x") for i in range(10000)])))"#)
        let entries = try ReleaseArchive.extract(archive, into: work.path + "/many")
        #expect(entries.count == 10_000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path + "/many").count == 100)
        #expect(
            throws: ArchiveError(
                code: .limitExceeded,
                archive: archive,
                entry: "d99/f9999",
                message: "archive has more than 9999 entries"
            )
        ) { try ReleaseArchive.list(archive, limits: ArchiveLimits(maximumEntryCount: 9999)) }
    }

    @Test func refusesAnExistingDestinationAndLeavesItAlone() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv.tar.gz"
        try ArchiveMaker.make(archive, #"write(gz(tar(file("a"))))"#)
        try FileManager.default.createDirectory(atPath: work.path + "/kv", withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: work.path + "/kv/mine"))
        let before = try FileTree(at: work.path)
        #expect(
            throws: ArchiveError(
                code: .destinationExists,
                archive: archive,
                message: "destination '\(work.path)/kv' exists already"
            )
        ) { try ReleaseArchive.extract(archive, into: work.path + "/kv") }
        #expect(try FileTree(at: work.path) == before)
    }

    @Test func layoutValidatorRefusesBeforeAnythingIsWritten() throws {
        let work = try TemporaryDirectory()
        let archive = work.path + "/kv.tar.gz"
        try ArchiveMaker.make(archive, #"write(gz(tar(file("releases/0.2.0/kv.boot"))))"#)
        let before = try FileTree.listing(at: work.path)
        #expect(
            throws: ArchiveError(
                code: .rejectedLayout,
                archive: archive,
                entry: "releases/0.2.0/kv.rel",
                message: "required file is missing from the archive"
            )
        ) {
            try ReleaseArchive.extract(
                archive,
                into: work.path + "/kv",
                validate: ReleaseArchive.requiring(files: ["releases/0.2.0/kv.rel"])
            )
        }
        #expect(try FileTree.listing(at: work.path) == before)
    }

    @Test func errorsReadLikeCompilerDiagnostics() {
        let error = ArchiveError(
            code: .pathEscapes,
            archive: "kv-0.2.0.tar.gz",
            entry: "../etc/passwd",
            message: "path escapes the release directory"
        )
        #expect("\(error)" == "kv-0.2.0.tar.gz: entry '../etc/passwd': path escapes the release directory")
        let whole = ArchiveError(code: .notGzip, archive: "kv-0.2.0.tar.gz", message: "not a gzip file")
        #expect("\(whole)" == "kv-0.2.0.tar.gz: not a gzip file")
        let hostile = ArchiveError(
            code: .pathEscapes,
            archive: "kv.tar.gz",
            entry: "\u{1B}[2J../x\n",
            message: "path escapes the release directory"
        )
        #expect("\(hostile)" == #"kv.tar.gz: entry '\u{1B}[2J../x\u{A}': path escapes the release directory"#)
    }
}
