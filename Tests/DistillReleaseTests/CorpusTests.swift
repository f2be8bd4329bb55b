//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import Foundation
import Testing

/// Malformed release files in `Corpus/`, each with the exact problems `swift-distill
/// check` reports in `NAME.expected` (one `file:line:column: severity: message` per
/// line). `DISTILL_RECORD_GOLDEN=1 swift test --filter CorpusTests` rewrites them.
struct CorpusTests {
    static let directory = repositoryRoot.appendingPathComponent("Tests/DistillReleaseTests/Corpus")

    /// Every corpus file (not the `.expected` sidecars), by name.
    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasSuffix(".expected") }.sorted()
    }()

    /// The kind of a corpus file: from its name as `check` guesses it, else from its
    /// extension (`x.relup`, `x.releases`, `x.start_erl`), as `--kind` would give it.
    static func kind(of name: String) -> ReleaseFileKind? {
        ReleaseFileKind(path: name) ?? name.split(separator: ".").last.flatMap { ReleaseFileKind(rawValue: String($0)) }
    }

    @Test func holdsAtLeastFortyFilesOfEveryKind() {
        #expect(Self.files.count >= 40)
        #expect(Set(Self.files.compactMap(Self.kind)) == Set(ReleaseFileKind.allCases))
    }

    @Test(arguments: files)
    func reportsTheExpectedProblems(name: String) throws {
        let kind = try #require(Self.kind(of: name), "cannot tell the kind of \(name)")
        let bytes = try Data(contentsOf: Self.directory.appendingPathComponent(name))
        let problems = ReleaseFileChecker.check(bytes: bytes, kind: kind, file: name)
        let lines = problems.map(\.description)
        let expectedFile = Self.directory.appendingPathComponent(name + ".expected")
        if ProcessInfo.processInfo.environment["DISTILL_RECORD_GOLDEN"] == "1" {
            try (lines.joined(separator: "\n") + "\n").write(to: expectedFile, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: expectedFile, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == expected)
        #expect(!problems.isEmpty, "every corpus file has something wrong")
    }
}
