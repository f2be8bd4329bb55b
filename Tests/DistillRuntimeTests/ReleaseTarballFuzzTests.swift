//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import DistillBuild
import DistillRuntime
import DistillTestSupport
import Foundation
import Testing

/// The release tarball fuzzer: mutations of a real release tarball (store 2.0.0, packed by
/// the project's TarballWriter) — bit flips, truncations, header field edits, inserted pax
/// headers, renamed, dropped and duplicated entries, mutated `.rel` contents, damaged gzip —
/// each either refused with nothing written, or extracted to exactly what Python's tarfile
/// reads from it; and the release handler of a running node either refuses it with the
/// release untouched, or unpacks exactly the extracted files. The node answers after each.
///
/// Runs for `DISTILL_FUZZ_SECONDS` (default 20) from a fixed seed; `make fuzz` runs 600.
/// A mutant that kills the process is left in the work directory (`current` names it); one
/// whose extraction differs from tarfile's reading is copied to `DISTILL_FUZZ_KEEP` if set:
/// add them to `Fixtures/tarball-corpus`, which ``theCorpusIsRefusedOrUnpackedCleanly`` replays.
struct ReleaseTarballFuzzTests {
    static let seed = 20_261_207
    static let batch = 100
    static let script = Repository.root.appendingPathComponent("Tests/DistillRuntimeTests/Fixtures/tarball-fuzz.py")
        .path
    static let corpus = Repository.root.appendingPathComponent("Tests/DistillRuntimeTests/Fixtures/tarball-corpus").path

    static var budget: Duration {
        .seconds(Int(ProcessInfo.processInfo.environment["DISTILL_FUZZ_SECONDS"] ?? "") ?? 20)
    }

    /// Store 2.0.0 as `swift-distill release` would pack it, with a path long enough for pax
    /// headers, a symbolic link and an executable hook.
    static func baseTarball(at path: String) throws {
        let staging = try TemporaryDirectory(prefix: "distill-fuzz-stage")
        var version = StoreReleases.v2
        version.extraFiles["lib/store-2.0.0/priv/" + String(repeating: "long-name-", count: 12) + "data"] = "data\n"
        version.hooks = ["post_upgrade": [("10-check", "exit 0")]]
        version.launcher = "/bin/true"
        try ReleaseTree.write(version, name: "store", into: staging.path)
        try FileManager.default.createSymbolicLink(
            atPath: staging.path + "/lib/store-2.0.0/priv/app",
            withDestinationPath: "../ebin/store.app"
        )
        try TarballWriter().pack(directory: staging.path, to: path)
    }

    @Test func mutatedReleaseTarballsAreRefusedCleanlyOrUnpackedExactly() throws {
        let work = try TemporaryDirectory(prefix: "distill-tarball-fuzz")
        let base = work.path + "/base.tar.gz"
        try Self.baseTarball(at: base)
        let started = ContinuousClock.now
        var (tried, extracted, unpacked) = (0, 0, 0)
        var batch = 0
        repeat {
            let mutants = work.path + "/batch-\(batch)"
            try FileManager.default.createDirectory(atPath: mutants, withIntermediateDirectories: false)
            try runProcess(
                "/usr/bin/env",
                ["python3", Self.script, "mutate", base, mutants, "\(Self.seed + batch)", "\(Self.batch)"]
            )
            let log =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: mutants + "/mutations.json"))
                )
                as? [String: [String]] ?? [:]
            let store = try Self.node()
            let initial = try FileTree.listing(at: store.tree.root)
            var pairs: [[String]] = []
            for index in 0..<Self.batch {
                let name = String(format: "%04d.tar.gz", index)
                let archive = mutants + "/" + name
                try Data((archive + "\n").utf8).write(to: URL(fileURLWithPath: work.path + "/current"))
                let what = "\(archive): \(log[name] ?? [])"
                let outcome = try Self.check(
                    archive,
                    scratch: mutants + "/x-\(index)",
                    store: store,
                    initial: initial,
                    what: what
                )
                tried += 1
                if let directory = outcome.extracted {
                    extracted += 1
                    pairs.append([archive, directory])
                }
                if outcome.unpacked { unpacked += 1 }
                if ContinuousClock.now - started > Self.budget { break }
            }
            try JSONSerialization.data(withJSONObject: pairs).write(to: URL(fileURLWithPath: mutants + "/pairs.json"))
            let mismatches = try runProcess(
                "/usr/bin/env",
                ["python3", Self.script, "compare", mutants + "/pairs.json"]
            )
            for line in mismatches.split(separator: "\n") {
                let archive = (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["archive"]
                let name = (archive as? String).map { URL(fileURLWithPath: $0).lastPathComponent } ?? ""
                Issue.record("extracted tree differs from what tarfile reads: \(line); mutations: \(log[name] ?? [])")
                if let keep = ProcessInfo.processInfo.environment["DISTILL_FUZZ_KEEP"] {
                    try? FileManager.default.copyItem(
                        atPath: mutants + "/" + name,
                        toPath: keep + "/batch-\(batch)-" + name
                    )
                }
            }
            try FileManager.default.removeItem(atPath: mutants)
            batch += 1
        } while ContinuousClock.now - started < Self.budget
        print(
            "tarball fuzz: \(tried) mutants in \(ContinuousClock.now - started): \(extracted) extracted, \(unpacked) unpacked"
        )
        // The mutations reach every outcome: most are refused, some stay valid archives, a few valid releases.
        #expect(extracted > 0 && extracted < tried)
        #expect(unpacked > 0)
    }

    @Test func theCorpusIsRefusedOrUnpackedCleanly() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Self.corpus))?.filter {
            $0.hasSuffix(".tar.gz")
        }
        let work = try TemporaryDirectory(prefix: "distill-tarball-corpus")
        let store = try Self.node()
        let initial = try FileTree.listing(at: store.tree.root)
        for name in try #require(names).sorted() {
            _ = try Self.check(
                Self.corpus + "/" + name,
                scratch: work.path + "/" + name,
                store: store,
                initial: initial,
                what: name
            )
        }
    }

    /// A node running store 1.0.0 with its runtime in `erts-6.3.1-test`, as a real release
    /// has it: a tarball's runtime of the same version is then never moved in.
    static func node() throws -> StoreNode {
        var installed = StoreReleases.v1
        installed.launcher = "/bin/true"
        return try StoreNode(installed: installed)
    }

    struct Outcome {
        /// Where the archive was extracted, if it was.
        var extracted: String?
        /// Whether the release handler unpacked it.
        var unpacked: Bool
    }

    /// Runs one tarball through `ReleaseArchive` and through the release handler of `store`.
    static func check(
        _ archive: String,
        scratch: String,
        store: StoreNode,
        initial: [String],
        what: String
    ) throws
        -> Outcome
    {
        var outcome = Outcome(extracted: nil, unpacked: false)
        // The archive alone: refused with nothing written, or extracted as listed.
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
        let destination = scratch + "/tree"
        if let listed = try? ReleaseArchive.list(archive) {
            let entries = try ReleaseArchive.extract(archive, into: destination)
            #expect(entries == listed, "\(what)")
            outcome.extracted = destination
        } else {
            #expect(throws: ArchiveError.self, "\(what)") { try ReleaseArchive.extract(archive, into: destination) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch) == [], "\(what)")
        }
        // The release handler: refused with the release untouched, or unpacked.
        let directory = store.tree.root + "/releases/2.0.0"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: archive, toPath: directory + "/store.tar.gz")
        let before = try FileTree.listing(at: store.tree.root)
        do {
            try store.handler.unpack("2.0.0")
            outcome.unpacked = true
            #expect(outcome.extracted != nil, "unpacked what ReleaseArchive refuses: \(what)")
            if let extracted = outcome.extracted {
                #expect(
                    try FileTree(at: store.tree.root + "/lib/store-2.0.0")
                        == FileTree(at: extracted + "/lib/store-2.0.0"),
                    "\(what)"
                )
            }
            #expect(store.handler.versionsText == "2.0.0 unpacked\n1.0.0 permanent (running)", "\(what)")
            try store.handler.remove("2.0.0")
        } catch let error as ReleaseHandlerError {
            #expect([.badArchive, .badRelease].contains(error.code), "\(what): \(error)")
            #expect(error.message.hasSuffix("nothing was written"), "\(what): \(error)")
            #expect(try FileTree.listing(at: store.tree.root) == before, "\(what): \(error)")
            try FileManager.default.removeItem(atPath: directory)
        }
        #expect(try FileTree.listing(at: store.tree.root) == initial, "\(what)")
        #expect(try store.call("version") == 1, "\(what)")
        return outcome
    }
}
