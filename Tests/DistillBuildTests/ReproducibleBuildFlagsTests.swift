//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
import DistillTestSupport
import Foundation
import Testing

@testable import DistillBuild

/// What made two clean builds differ (issue 19), checked in seconds in `make test` (where
/// `make reproducible` takes a quarter of an hour or more): on kv's dev release, which the
/// other kv tests build anyway, the launcher, the runtime and the plugin have a
/// `.swift_modhash` of zeros, no version definition naming the output file (gold's), and no
/// loaded byte naming the checkout (a C `__FILE__`, a `#filePath`); and a recomputed
/// build-id depends on nothing else.
struct ReproducibleBuildFlagsTests {
    @Test func shippedBinariesNameNoBuildDirectoryAndHashNoModule() async throws {
        let built = try await KVReleases.v010()
        let erts = try #require(
            FileManager.default.contentsOfDirectory(atPath: built.root).first { $0.hasPrefix("erts-") }
        )
        let checkout = Data(Repository.root.path.utf8)
        for path in [
            "\(erts)/bin/distill-run", "\(erts)/lib/libDistillRuntime.so", "lib/kv-0.1.0/lib/libKV-0.1.0.so",
        ] {
            let file = try ELFFile(path: built.root + "/" + path)
            let modhash = try #require(file.section(named: ".swift_modhash"), "\(path) has no .swift_modhash")
            #expect(file.contents(of: modhash).allSatisfy { $0 == 0 }, "\(path): .swift_modhash is not zeros")
            #expect(file.section(named: ".gnu.version_d") == nil, "\(path) has a version definition")
            for section in file.sections where section.flags.contains(.alloc) {
                let found = Data(file.contents(of: section)).range(of: checkout) != nil
                #expect(!found, "\(path): section \(section.name) names the checkout \(Repository.root.path)")
            }
        }
    }

    /// Two copies that differ only in their build-id (as two clean builds' stripped
    /// libraries did) are equal once it is recomputed, and the new one is the SHA-256 of
    /// the file with the build-id zeroed.
    @Test func aRecomputedBuildIDDependsOnlyOnTheRestOfTheFile() throws {
        let directory = try TemporaryDirectory(prefix: "distill-build-id")
        let one = directory.path + "/one"
        let other = directory.path + "/other"
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: one)
        let range = try #require(try ELFEditor.buildIDRange(one))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: one))
        let original = bytes[range]
        bytes.replaceSubrange(range, with: original.map { ~$0 })
        try bytes.write(to: URL(fileURLWithPath: other))
        #expect(!FileManager.default.contentsEqual(atPath: one, andPath: other))

        let editor = try ELFEditor(needsStrip: false)
        try editor.recomputeBuildID(one)
        try editor.recomputeBuildID(other)
        #expect(FileManager.default.contentsEqual(atPath: one, andPath: other))
        var recomputed = try Data(contentsOf: URL(fileURLWithPath: one))
        let identifier = recomputed[range]
        recomputed.replaceSubrange(range, with: repeatElement(0, count: range.count))
        var hasher = SHA256()
        hasher.update(recomputed)
        #expect(Array(identifier) == Array(hasher.finalize().prefix(range.count)))
        #expect(identifier != original)
        #expect(try Self.readelfBuildID(one) == identifier.map { String(format: "%02x", $0) }.joined())
    }

    /// The build-id `readelf -n` prints.
    static func readelfBuildID(_ path: String) throws -> String? {
        let output = try runProcess("/usr/bin/readelf", ["-n", path])
        return output.split(separator: "\n").first { $0.contains("Build ID:") }.map {
            String($0.split(separator: " ").last ?? "")
        }
    }
}
