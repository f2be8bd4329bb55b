//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import DistillBuild
import DistillTestSupport
import Foundation
import Testing

/// Random release-like trees (seeded): what TarballWriter packs, ReleaseArchive and GNU tar
/// both extract to the same tree, which is the source with normalised modes.
struct TarballRoundTripTests {
    @Test(arguments: 1...12)
    func randomTreesRoundTrip(seed: UInt64) throws {
        let work = try TemporaryDirectory()
        let tree = work.path + "/tree"
        var random = SplitMix(seed: seed)
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: false)
        var files: [String] = []
        try Self.fill(tree, relative: "", depth: 0, random: &random, files: &files)
        // Links to random files, written relative to the link's directory.
        for index in 0..<(files.isEmpty ? 0 : Int(random.next() % 4)) {
            let target = files[Int(random.next() % UInt64(files.count))]
            let depth = Int(random.next() % 2)
            let directory = depth == 0 ? "" : "links\(index)"
            if !directory.isEmpty {
                try FileManager.default.createDirectory(
                    atPath: tree + "/" + directory,
                    withIntermediateDirectories: true
                )
            }
            let link = (directory.isEmpty ? "" : directory + "/") + "link\(index)"
            let relative = String(repeating: "../", count: depth) + target
            try FileManager.default.createSymbolicLink(atPath: tree + "/" + link, withDestinationPath: relative)
        }
        let tarball = work.path + "/t.tar.gz"
        try TarballWriter().pack(directory: tree, to: tarball)
        try ReleaseArchive.extract(tarball, into: work.path + "/ours")
        let byTar = work.path + "/by-tar"
        try FileManager.default.createDirectory(atPath: byTar, withIntermediateDirectories: false)
        try runProcess("/usr/bin/env", ["tar", "-xzf", tarball, "-C", byTar])
        let expected = try FileTree(at: tree).packed
        #expect(try FileTree(at: work.path + "/ours") == expected)
        #expect(try FileTree(at: byTar) == expected)
    }

    private static let names = [
        "a", "B", "lib", ".hidden", "a.b", "é", "x-y_z", "ebin", "1", String(repeating: "n", count: 110),
    ]

    private static func fill(
        _ root: String,
        relative: String,
        depth: Int,
        random: inout SplitMix,
        files: inout [String]
    ) throws {
        var used = Set<String>()
        for _ in 0..<(1 + Int(random.next() % 5)) {
            let name = names[Int(random.next() % UInt64(names.count))]
            guard used.insert(name).inserted else { continue }
            let path = relative.isEmpty ? name : relative + "/" + name
            if depth < 3, random.next() % 3 == 0 {
                try FileManager.default.createDirectory(atPath: root + "/" + path, withIntermediateDirectories: false)
                try fill(root, relative: path, depth: depth + 1, random: &random, files: &files)
            } else {
                let size = Int(random.next() % 3 == 0 ? random.next() % 300_000 : random.next() % 600)
                var bytes = [UInt8](repeating: 0, count: size)
                for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: random.next() % 7) }
                try Data(bytes).write(to: URL(fileURLWithPath: root + "/" + path))
                let modes = [0o644, 0o600, 0o755, 0o700, 0o444]
                try FileManager.default.setAttributes(
                    [.posixPermissions: modes[Int(random.next() % 5)]],
                    ofItemAtPath: root + "/" + path
                )
                files.append(path)
            }
        }
    }
}

/// A tiny seeded generator (SplitMix64), so every run builds the same trees.
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
