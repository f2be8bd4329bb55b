//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import DistillTestSupport
import Foundation
import Testing

@testable import DistillBuild

/// The tarball of a release: only this release's paths, each entry's metadata fixed.
struct ReleasePackingTests {
    static func tree() throws -> TemporaryDirectory {
        let root = try TemporaryDirectory(prefix: "distill-pack")
        let files: [(String, String, Int)] = [
            ("bin/kv", "#!/bin/sh\n", 0o700),
            ("erts-1-abc/bin/distill-run", "launcher", 0o775),
            ("erts-1-abc/lib/libDistillRuntime.so", "runtime", 0o600),
            ("lib/kv-0.2.0/ebin/kv.app", "{application,kv,[]}.\n", 0o664),
            ("lib/kv-0.1.0/ebin/kv.app", "old", 0o644),
            ("releases/0.2.0/kv.rel", "rel", 0o644),
            ("releases/0.1.0/kv.rel", "old rel", 0o644),
            ("releases/RELEASES", "[].", 0o644),
            ("releases/start_erl.data", "1-abc 0.2.0", 0o644),
            ("var/run/kv.pid", "123", 0o644),
        ]
        for (path, text, mode) in files {
            let url = root.url.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try text.write(to: url, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        }
        return root
    }

    static let paths = [
        "bin/kv", "erts-1-abc", "lib/kv-0.2.0", "releases/0.2.0", "releases/RELEASES", "releases/start_erl.data",
    ]

    @Test func packsOnlyThisReleaseWithFixedMetadata() throws {
        let root = try Self.tree()
        let builder = ReleaseBuilder(
            options: ReleaseOptions(packageDirectory: root.path, sourceDateEpoch: "1700000000")
        )
        let destination = root.path + "/releases/0.2.0/kv.tar.gz"
        let tarball = try builder.pack(root: root.path, paths: Self.paths, to: destination)
        #expect(tarball.bytes == Int64(try FileManager.default.attributesOfItem(atPath: destination)[.size] as! Int))
        #expect(tarball.sha256 == SHA256.hexDigest(ofFile: destination))
        let entries = try ReleaseArchive.list(destination)
        #expect(
            entries.map { "\($0.kind == .directory ? "d" : "f") \(String($0.permissions, radix: 8)) \($0.path)" } == [
                "d 755 bin", "f 755 bin/kv", "d 755 erts-1-abc", "d 755 erts-1-abc/bin",
                "f 755 erts-1-abc/bin/distill-run",
                "d 755 erts-1-abc/lib", "f 644 erts-1-abc/lib/libDistillRuntime.so", "d 755 lib", "d 755 lib/kv-0.2.0",
                "d 755 lib/kv-0.2.0/ebin", "f 644 lib/kv-0.2.0/ebin/kv.app", "d 755 releases", "d 755 releases/0.2.0",
                "f 644 releases/0.2.0/kv.rel", "f 644 releases/RELEASES", "f 644 releases/start_erl.data",
            ]
        )
        #expect(entries.allSatisfy { $0.modificationTime == 1_700_000_000 })
        let listing = try runProcess("/usr/bin/env", ["tar", "--numeric-owner", "-tvzf", destination])
        #expect(
            listing.split(separator: "\n").allSatisfy {
                $0.split(separator: " ", omittingEmptySubsequences: true)[1] == "0/0"
            }
        )
    }

    @Test func packingTwiceGivesTheSameBytes() throws {
        let root = try Self.tree()
        let builder = ReleaseBuilder(options: ReleaseOptions(packageDirectory: root.path))
        let first = try builder.pack(root: root.path, paths: Self.paths, to: root.path + "/a.tar.gz")
        // Other times and another umask change nothing.
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 5)],
            ofItemAtPath: root.path + "/bin/kv"
        )
        let second = try builder.pack(root: root.path, paths: Self.paths.reversed(), to: root.path + "/b.tar.gz")
        #expect(first.sha256 == second.sha256)
        #expect(try ReleaseArchive.list(root.path + "/a.tar.gz").allSatisfy { $0.modificationTime == 315_532_800 })
    }

    @Test func refusesAnInvalidSourceDateEpoch() throws {
        let root = try Self.tree()
        let builder = ReleaseBuilder(options: ReleaseOptions(packageDirectory: root.path, sourceDateEpoch: "yesterday"))
        let error = buildError { () throws(BuildError) in
            _ = try builder.pack(root: root.path, paths: Self.paths, to: root.path + "/x.tar.gz")
        }
        #expect(error?.code == .invalidConfig && error?.file == "SOURCE_DATE_EPOCH")
        #expect(!FileManager.default.fileExists(atPath: root.path + "/x.tar.gz"))
    }
}
