//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillPlan
import DistillRelease
import DistillTerm
import Testing

/// `APP.snapshot`: a ``BuildSnapshot`` as a term, and back, with located errors.
struct BuildSnapshotTests {
    static let snapshot = BuildSnapshot(
        application: "kv",
        version: "0.2.0",
        runtimeFingerprint: "6.3.1-1.0.0-9f2c",
        modules: [
            Snapshots.server(
                "KV",
                vsn: 2,
                code: "a1b2",
                references: ["KVLib", "KVSupervisor"],
                state: [("table", "[String: Term]"), ("hits", "Int")]
            ),
            Snapshots.library("KVLib", code: "c3d4"),
            Snapshots.supervisor("KVSupervisor", code: "e5f6", references: ["KV"]),
            ModuleSnapshot(name: "Versioned", kind: .library, vsn: .tuple([.atom("v"), 3]), fingerprint: "99"),
        ]
    )

    static func decode(_ text: String) throws(ReleaseFileError) -> BuildSnapshot {
        let located: [LocatedTerm]
        do {
            located = try TermParser.parseAllLocated(text, file: "kv.snapshot")
        } catch {
            preconditionFailure("test text does not parse: \(error)")
        }
        return try BuildSnapshot(located: located[0], file: "kv.snapshot")
    }

    @Test func roundTripsThroughItsTermFileText() throws {
        let text = TermPrinter.file([Self.snapshot.term])
        #expect(try Self.decode(text) == Self.snapshot)
    }

    @Test func termIsReadable() throws {
        #expect(
            TermPrinter.printCompact(Self.snapshot.modules[1].term)
                == "{'KVLib',library,[{fingerprint,\"c3d4\"},{references,[]}]}"
        )
    }

    static let errors: [(text: String, error: ReleaseFileError)] = [
        (
            "{build_snapshot, kv, \"1\", [{runtime, \"r\"}, {modules, [{'KV', server, [{fingerprnt, \"x\"}]}]}]}.",
            ReleaseFileError(
                code: .unknownKey,
                message: "unknown key 'fingerprnt' in module 'KV'; did you mean 'fingerprint'?",
                file: "kv.snapshot",
                location: SourceLocation(file: "kv.snapshot", line: 1, column: 71),
                entry: .tuple([.atom("fingerprnt"), .string("x")])
            )
        ),
        (
            "{build_snapshot, kv, \"1\", [{runtime, \"r\"}, {modules, [{'KV', sever, []}]}]}.",
            ReleaseFileError(
                code: .invalidValue,
                message:
                    "the kind of module 'KV' must be server, supervisor or library, found sever; "
                    + "did you mean 'server'?",
                file: "kv.snapshot",
                location: SourceLocation(file: "kv.snapshot", line: 1, column: 62),
                entry: .atom("sever")
            )
        ),
        (
            "{build_snapshot, kv, \"1\", [{runtime, \"r\"}]}.",
            ReleaseFileError(
                code: .missingKey,
                message: "the snapshot of 'kv' has no 'modules'",
                file: "kv.snapshot",
                location: SourceLocation(file: "kv.snapshot", line: 1, column: 27),
                entry: .list([.tuple([.atom("runtime"), .string("r")])])
            )
        ),
        (
            "{build_snapshot, kv, 1, []}.",
            ReleaseFileError(
                code: .wrongShape,
                message: "the version of application 'kv' must be a string, found 1",
                file: "kv.snapshot",
                location: SourceLocation(file: "kv.snapshot", line: 1, column: 22),
                entry: 1
            )
        ),
    ]

    @Test(arguments: errors)
    func reportsWhereAndWhatIsWrong(_ text: String, _ expected: ReleaseFileError) {
        #expect(throws: expected) { try Self.decode(text) }
    }

    @Test func refusesAModuleListedTwice() {
        let text = """
            {build_snapshot, kv, "1", [{runtime, "r"}, {modules, [{'A', library, [{fingerprint, "1"}]},
                                                                 {'A', library, [{fingerprint, "2"}]}]}]}.
            """
        do {
            _ = try Self.decode(text)
            Issue.record("decoded a snapshot with a module listed twice")
        } catch {
            #expect(error.code == .duplicateKey)
            #expect(error.message == "duplicate module 'A' (first given at 1:55)")
            #expect(error.location?.line == 2)
        }
    }

    @Test func refusesStateOnALibrary() {
        let text = """
            {build_snapshot, kv, "1", [{runtime, "r"}, {modules, [{'A', library, [{fingerprint, "1"}, {state, []}]}]}]}.
            """
        #expect(throws: ReleaseFileError.self) { try Self.decode(text) }
    }
}
