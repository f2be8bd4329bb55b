//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import DistillTestSupport
import Foundation
import Testing

/// Mutated archives (bytes changed, flipped or cut in the tar stream, header checksums fixed
/// up most of the time so the damage reaches the parser): the reader never crashes, and either
/// refuses with the parent untouched or extracts exactly what it listed, all inside the root.
struct ReleaseArchiveFuzzTests {
    static let count = 400

    @Test func mutatedArchivesAreRefusedCleanlyOrExtractedSafely() throws {
        let work = try TemporaryDirectory()
        let corpus = work.path + "/corpus"
        try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: false)
        try ArchiveMaker.make(
            corpus,
            #"""
            import os, random
            random.seed(20240601)
            long = "n" * 120
            members = [directory("lib"), file("lib/" + long, b"data" * 50, 0o755), symlink("lib/l", long),
                       hardlink("lib/h", "lib/" + long), directory("releases/0.1.0"), file("releases/0.1.0/kv.rel", b"x" * 700),
                       symlink("releases/current", "0.1.0")]
            bases = [tar(*members, fmt=PAX), tar(*members, fmt=GNU)]
            def fix_checksums(raw):
                for offset in range(0, len(raw) - 511, 512):
                    block = raw[offset:offset + 512]
                    if block[257:262] == b"ustar":
                        block[148:156] = b" " * 8
                        raw[offset + 148:offset + 156] = b"%06o\0 " % sum(block)
            for index in range(\#(Self.count)):
                raw = bytearray(random.choice(bases))
                cuts = False
                for _ in range(random.randint(1, 4)):
                    position = random.randrange(len(raw))
                    choice = random.random()
                    if choice < 0.5:
                        raw[position] = random.choice([0, 0x20, 0x2F, 0x2E, 0x30, 0x37, 0x78, 0xFF, random.randrange(256)])
                    elif choice < 0.85:
                        raw[position] ^= 1 << random.randrange(8)
                    else:
                        del raw[position:position + random.randint(1, 600)]
                        cuts = True
                if not cuts and random.random() < 0.8:
                    fix_checksums(raw)
                with open(os.path.join(sys.argv[1], "%04d.tar.gz" % index), "wb") as out:
                    out.write(gz(bytes(raw)))
            """#
        )
        let scratch = work.path + "/scratch"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
        var accepted = 0
        for index in 0..<Self.count {
            let archive = corpus + String(format: "/%04d.tar.gz", index)
            let destination = scratch + "/kv"
            let listed: [ArchiveEntry]
            do {
                listed = try ReleaseArchive.list(archive)
            } catch {
                #expect(throws: ArchiveError.self) { try ReleaseArchive.extract(archive, into: destination) }
                #expect(try FileManager.default.contentsOfDirectory(atPath: scratch) == [], "\(archive)")
                continue
            }
            accepted += 1
            let extracted = try ReleaseArchive.extract(archive, into: destination)
            #expect(extracted == listed)
            let tree = try FileTree(at: destination)
            #expect(
                Set(tree.nodes.keys) == Set(listed.map(\.path)).union(Self.impliedDirectories(listed)),
                "\(archive)"
            )
            for (path, node) in tree.nodes {
                guard case .symbolicLink(let target) = node else { continue }
                #expect(Self.staysInside(link: path, target: target), "\(archive): \(path) -> \(target)")
            }
            try FileManager.default.removeItem(atPath: destination)
        }
        // Some mutations only touch file data or padding: those archives stay valid.
        #expect(accepted > 0 && accepted < Self.count)
    }

    private static func impliedDirectories(_ entries: [ArchiveEntry]) -> Set<String> {
        var directories = Set<String>()
        for entry in entries {
            var components = entry.path.split(separator: "/").dropLast()
            while !components.isEmpty {
                directories.insert(components.joined(separator: "/"))
                components = components.dropLast()
            }
        }
        return directories
    }

    /// Resolves `target` lexically from the link's directory; it must never climb above the root.
    private static func staysInside(link: String, target: String) -> Bool {
        if target.hasPrefix("/") { return false }
        var stack = Array(link.split(separator: "/").dropLast())
        for component in target.split(separator: "/") where component != "." {
            if component == ".." {
                if stack.isEmpty { return false }
                stack.removeLast()
            } else {
                stack.append(component)
            }
        }
        return true
    }
}
