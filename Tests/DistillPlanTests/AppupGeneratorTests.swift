//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillPlan
import DistillRelease
import DistillTerm
import Testing

/// The generator's rules, one row each: two builds in, the up and down scripts out.
struct AppupGeneratorTests {
    struct Rule: Sendable, CustomTestStringConvertible {
        var name: String
        var old: BuildSnapshot
        var new: BuildSnapshot
        var up: String
        var down: String
        var testDescription: String { name }
    }

    typealias S = Snapshots

    static let rules: [Rule] = [
        Rule(
            name: "a module only in the new build is added",
            old: S.build("1", S.server("KV")),
            new: S.build("2", S.server("KV"), S.library("Cache")),
            up: "[{add_module, 'Cache'}]",
            down: "[{delete_module, 'Cache'}]"
        ),
        Rule(
            name: "a module only in the old build is deleted",
            old: S.build("1", S.server("KV"), S.library("Old")),
            new: S.build("2", S.server("KV")),
            up: "[{delete_module, 'Old'}]",
            down: "[{add_module, 'Old'}]"
        ),
        Rule(
            name: "a library whose code changed is loaded",
            old: S.build("1", S.library("Lib")),
            new: S.build("2", S.library("Lib", code: "2")),
            up: "[{load_module, 'Lib', []}]",
            down: "[{load_module, 'Lib', []}]"
        ),
        Rule(
            name: "a server whose code changed and vsn did not is updated softly",
            old: S.build("1", S.server("KV")),
            new: S.build("2", S.server("KV", code: "2")),
            up: "[{update, 'KV', []}]",
            down: "[{update, 'KV', []}]"
        ),
        Rule(
            name: "a server whose vsn changed gets an advanced update both ways",
            old: S.build("1", S.server("KV")),
            new: S.build(
                "2",
                S.server("KV", vsn: 2, code: "2", state: [("table", "[String: Term]"), ("hits", "Int")])
            ),
            up: "[{update, 'KV', {advanced, []}, []}]",
            down: "[{update, 'KV', {advanced, []}, []}]"
        ),
        Rule(
            name: "a supervisor that changed is updated as a supervisor",
            old: S.build("1", S.supervisor("Sup")),
            new: S.build("2", S.supervisor("Sup", code: "2")),
            up: "[{update, 'Sup', supervisor}]",
            down: "[{update, 'Sup', supervisor}]"
        ),
        Rule(
            name: "DepMods are the changed modules a module references",
            old: S.build("1", S.server("KV", references: ["Lib", "Same"]), S.library("Lib"), S.library("Same")),
            new: S.build(
                "2",
                S.server("KV", code: "2", references: ["Lib", "Same"]),
                S.library("Lib", code: "2"),
                S.library("Same")
            ),
            up: "[{load_module, 'Lib', []}, {update, 'KV', ['Lib']}]",
            down: "[{load_module, 'Lib', []}, {update, 'KV', ['Lib']}]"
        ),
        Rule(
            name: "a server calling a changed library switches image too",
            old: S.build("1", S.server("KV", references: ["Lib"]), S.library("Lib")),
            new: S.build("2", S.server("KV", references: ["Lib"]), S.library("Lib", code: "2")),
            up: "[{load_module, 'Lib', []}, {update, 'KV', ['Lib']}]",
            down: "[{load_module, 'Lib', []}, {update, 'KV', ['Lib']}]"
        ),
        Rule(
            name: "a changed library reached through an unchanged one counts",
            old: S.build(
                "1",
                S.server("KV", references: ["Outer"]),
                S.library("Outer", references: ["Inner"]),
                S.library("Inner")
            ),
            new: S.build(
                "2",
                S.server("KV", references: ["Outer"]),
                S.library("Outer", references: ["Inner"]),
                S.library("Inner", code: "2")
            ),
            up: "[{load_module, 'Inner', []}, {update, 'KV', ['Inner']}]",
            down: "[{load_module, 'Inner', []}, {update, 'KV', ['Inner']}]"
        ),
        Rule(
            name: "a server calling a changed server does not switch",
            old: S.build("1", S.server("Front", references: ["Back"]), S.server("Back")),
            new: S.build("2", S.server("Front", references: ["Back"]), S.server("Back", code: "2")),
            up: "[{update, 'Back', []}]",
            down: "[{update, 'Back', []}]"
        ),
        Rule(
            name: "a library is not reached through a server",
            old: S.build(
                "1",
                S.server("Front", references: ["Back"]),
                S.server("Back", references: ["Lib"]),
                S.library("Lib")
            ),
            new: S.build(
                "2",
                S.server("Front", references: ["Back"]),
                S.server("Back", references: ["Lib"]),
                S.library("Lib", code: "2")
            ),
            up: "[{load_module, 'Lib', []}, {update, 'Back', ['Lib']}]",
            down: "[{load_module, 'Lib', []}, {update, 'Back', ['Lib']}]"
        ),
        Rule(
            name: "a supervisor with DepMods uses the long form",
            old: S.build("1", S.supervisor("Sup", references: ["Lib"]), S.library("Lib")),
            new: S.build("2", S.supervisor("Sup", references: ["Lib"]), S.library("Lib", code: "2")),
            up:
                "[{load_module, 'Lib', []}, "
                + "{update, 'Sup', static, default, {advanced, []}, brutal_purge, brutal_purge, ['Lib']}]",
            down:
                "[{load_module, 'Lib', []}, "
                + "{update, 'Sup', static, default, {advanced, []}, brutal_purge, brutal_purge, ['Lib']}]"
        ),
        Rule(
            name: "an added library is a DepMod of the server that calls it",
            old: S.build("1", S.server("KV")),
            new: S.build("2", S.server("KV", code: "2", references: ["New"]), S.library("New")),
            up: "[{add_module, 'New'}, {update, 'KV', ['New']}]",
            down: "[{update, 'KV', []}, {delete_module, 'New'}]"
        ),
        Rule(
            name: "the down script's DepMods follow the old build's references",
            old: S.build("1", S.server("KV", references: ["Gone"]), S.library("Gone")),
            new: S.build("2", S.server("KV", code: "2")),
            up: "[{update, 'KV', []}, {delete_module, 'Gone'}]",
            down: "[{add_module, 'Gone'}, {update, 'KV', ['Gone']}]"
        ),
        Rule(
            name: "instructions go added, libraries, soft, advanced, supervisors, deleted",
            old: S.build("1", S.supervisor("Sup"), S.server("B"), S.server("A"), S.library("L"), S.library("Old")),
            new: S.build(
                "2",
                S.supervisor("Sup", code: "2"),
                S.server("B", vsn: 2, code: "2"),
                S.server("A", code: "2"),
                S.library("L", code: "2"),
                S.library("New")
            ),
            up: """
                [{add_module, 'New'}, {load_module, 'L', []}, {update, 'A', []}, {update, 'B', {advanced, []}, []},
                 {update, 'Sup', supervisor}, {delete_module, 'Old'}]
                """,
            down: """
                [{add_module, 'Old'}, {load_module, 'L', []}, {update, 'A', []}, {update, 'B', {advanced, []}, []},
                 {update, 'Sup', supervisor}, {delete_module, 'New'}]
                """
        ),
        Rule(
            name: "only the version changed: empty scripts",
            old: S.build("1", S.server("KV")),
            new: S.build("2", S.server("KV")),
            up: "[]",
            down: "[]"
        ),
    ]

    @Test(arguments: rules)
    func rule(_ rule: Rule) throws {
        let generated = try AppupGenerator().generate(from: rule.old, to: rule.new)
        let appup = try #require(generated.appup)
        #expect(appup.version == rule.new.version)
        #expect(appup.upgrades.map(\.version) == [.exact(rule.old.version)])
        #expect(appup.downgrades.map(\.version) == [.exact(rule.old.version)])
        #expect(appup.upgrades.first?.instructions.map(\.term) == (try Fixtures.script(rule.up)))
        #expect(appup.downgrades.first?.instructions.map(\.term) == (try Fixtures.script(rule.down)))
    }

    @Test func nothingChangedNeedsNoAppup() throws {
        let generated = try AppupGenerator().generate(
            from: S.build("1", S.server("KV")),
            to: S.build("1", S.server("KV"))
        )
        #expect(generated.appup == nil)
        #expect(generated.changes.isEmpty)
    }

    @Test func changesAreSummarised() throws {
        let rule = try #require(Self.rules.first { $0.name.hasPrefix("instructions go") })
        let changes = try AppupGenerator().generate(from: rule.old, to: rule.new).changes
        #expect(changes.added == ["New"])
        #expect(changes.deleted == ["Old"])
        #expect(changes.loaded == ["L"])
        #expect(changes.softUpdated == ["A"])
        #expect(changes.advancedUpdated == ["B"])
        #expect(changes.supervisorUpdated == ["Sup"])
    }

    @Test func stateChangeWithVsnBumpIsRecorded() throws {
        let rule = try #require(Self.rules.first { $0.name.hasPrefix("a server whose vsn") })
        let changes = try AppupGenerator().generate(from: rule.old, to: rule.new).changes
        #expect(
            changes.stateChanges == [
                StateChange(module: "KV", oldVsn: 1, newVsn: 2, fields: [.gained(.init(name: "hits", type: "Int"))])
            ]
        )
    }

    @Test func runtimeChangeIsAWarning() throws {
        let generated = try AppupGenerator().generate(
            from: S.build("1", runtime: "rt1", S.server("KV")),
            to: S.build("2", runtime: "rt2", S.server("KV"))
        )
        #expect(generated.warnings.map(\.code) == [.runtimeChanged])
    }

    // MARK: - Errors

    static func error(_ old: BuildSnapshot, _ new: BuildSnapshot) -> PlanError? {
        do {
            _ = try AppupGenerator().generate(from: old, to: new)
            return nil
        } catch {
            return error
        }
    }

    @Test func codeChangeWithoutVersionBump() throws {
        let error = try #require(
            Self.error(
                S.build("1", S.server("KV"), S.library("Lib")),
                S.build("1", S.server("KV", code: "2"), S.library("New"))
            )
        )
        #expect(error.code == .codeChangedWithoutVersion)
        #expect(error.application == "kv")
        #expect(
            error.message == """
                'kv' is still version 1 but its code changed (modules 'KV', 'Lib' and 'New'): give it a new version
                """
        )
    }

    @Test(arguments: [
        (
            [("table", "[String: Term]"), ("hits", "Int")],
            "KV.State gained field 'hits' but KV.vsn is still 1: bump it and handle the old state in codeChange"
        ),
        (
            [(String, String)](),
            "KV.State lost field 'table' but KV.vsn is still 1: bump it and handle the old state in codeChange"
        ),
        (
            [("table", "[String: Int]")],
            "KV.State field 'table' changed type from [String: Term] to [String: Int] but KV.vsn is still 1: bump it "
                + "and handle the old state in codeChange"
        ),
    ])
    func stateChangeWithoutVsnBump(_ fields: [(String, String)], _ message: String) throws {
        let error = try #require(
            Self.error(
                S.build("1", S.server("KV")),
                S.build("2", S.server("KV", code: "2", state: fields))
            )
        )
        #expect(error.code == .stateChangedWithoutVsn)
        #expect(error.message == message)
        #expect(error.instruction == .atom("KV"))
    }

    @Test func moduleChangingKind() throws {
        let error = try #require(Self.error(S.build("1", S.library("KV")), S.build("2", S.server("KV"))))
        #expect(error.code == .moduleKindChanged)
        #expect(error.message.hasPrefix("module 'KV' is a library in 1 and a server in 2"))
    }

    @Test func snapshotsOfTwoApplications() throws {
        var other = S.build("2", S.server("KV"))
        other.application = "metrics"
        #expect(Self.error(S.build("1", S.server("KV")), other)?.code == .invalidSnapshot)
    }
}
