//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTestSupport
import Foundation
import Testing

/// `unpack` of any archive keeps a live node's resident memory within 64 MiB of what it was
/// before (ArchiveLimits documents the bound): measured on the node process itself, its peak
/// (`VmHWM`, reset through `/proc/PID/clear_refs` just before the command) against its
/// resident size before it (`VmRSS`).
struct UnpackMemoryTests {
    static let bound = 64 << 20

    /// Python writing `releases/0.2.0/lab.tar.gz` of a lab release: `body` returns the raw tar
    /// bytes to put in front of (or instead of the data of) a valid 0.2.0 release.
    static func tarball(_ release: TestRelease, _ body: String) throws {
        let script = """
            import gzip, io, sys, tarfile
            def member(name, data=b"", kind=tarfile.REGTYPE):
                info = tarfile.TarInfo(name); info.type = kind; info.size = len(data); info.mode = 0o644
                return info, data
            def release(*extra):
                out = io.BytesIO()
                archive = tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT)
                rel = b'{release,{"lab","0.2.0"},{erts,"0.0.1-test"},[{lab,"1.0.0"}]}.\\n'
                for info, data in [member("releases/0.2.0/lab.rel", rel), member("releases/0.2.0/sys.config", b"[].\\n")] + list(extra):
                    archive.addfile(info, io.BytesIO(data))
                archive.close()
                return out.getvalue()
            with gzip.open(sys.argv[1], "wb", compresslevel=1) as out:
            \(body.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """
        try FileManager.default.createDirectory(
            atPath: release.root + "/releases/0.2.0",
            withIntermediateDirectories: true
        )
        try runProcess("/usr/bin/env", ["python3", "-c", script, release.root + "/releases/0.2.0/lab.tar.gz"])
    }

    /// A `/proc/PID/status` field in bytes.
    static func status(_ pid: Int32, _ field: String) throws -> Int {
        let text = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(field + ":") })
        let kilobytes = try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        return kilobytes << 10
    }

    /// Runs `bin/lab unpack 0.2.0` on a running node; returns its output and the growth of the
    /// node's peak resident memory over its resident memory before the command.
    static func unpack(_ release: TestRelease) throws -> (CommandResult, Int) {
        let pid = try #require(release.pid)
        try "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
        let before = try status(pid, "VmRSS")
        let result = try release.run(["unpack", "0.2.0"], timeout: .seconds(120))
        let peak = try status(pid, "VmHWM")
        return (result, peak - before)
    }

    @Test func twoThousandGlobalPaxHeadersStayWithinTheBound() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        // The issue's bomb, smaller (2,000 headers of 60 KB, not 20,000): enough to hold
        // 120 MB of records if they were kept, and refused by the metadata limit.
        try Self.tarball(
            release,
            """
            for index in range(2000):
                out.write(tarfile.TarInfo._create_pax_generic_header({"DISTILL.k%06d" % index: "v" * 60000}, tarfile.XGLTYPE, "utf-8"))
            out.write(release())
            """
        )
        let (result, growth) = try Self.unpack(release)
        print("unpack of 2,000 global pax headers: peak resident growth \(growth >> 10) KiB")
        #expect(result.status != 0, "\(result)")
        #expect(
            result.stderr.contains("archive metadata (extension headers, paths, link targets) exceeds"),
            "\(result)"
        )
        #expect(growth < Self.bound, "the node grew by \(growth >> 20) MiB")
        #expect(try release.expectSuccess(["ping"]) == "pong")
    }

    @Test func fiftyThousandLongPathsStayWithinTheBound() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        // About as much metadata as the default limit allows: 50,000 files with 147-byte paths,
        // each in a pax header of its own (about 15 MB counted), accepted and unpacked.
        try Self.tarball(
            release,
            """
            out.write(release(*[member("releases/0.2.0/data/%05d-" % index + "p" * 120) for index in range(50000)]))
            """
        )
        let (result, growth) = try Self.unpack(release)
        print("unpack of 50,000 long paths: peak resident growth \(growth >> 10) KiB")
        #expect(result.status == 0, "\(result)")
        #expect(growth < Self.bound, "the node grew by \(growth >> 20) MiB")
        #expect(try release.expectSuccess(["ping"]) == "pong")
    }
}
