//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillPlan
import DistillRelease
import DistillTerm
import Foundation
import Testing

/// `rel/appups/kv/1_to_2.appup` checked against the builds of kv 1 and 2.
struct HandWrittenAppupTests {
    typealias S = Snapshots

    static let old = S.build("1", S.server("KV", references: ["Lib"]), S.library("Lib"), S.library("Old"))
    static let new = S.build(
        "2",
        S.server("KV", vsn: 2, code: "2", references: ["Lib"], state: [("table", "[String: Term]"), ("n", "Int")]),
        S.library("Lib", code: "2"),
        S.library("New")
    )

    static func file(_ text: String) throws -> AppupFile {
        let path = "rel/appups/kv/1_to_2.appup"
        let located = try TermParser.parseAllLocated(text + ".", file: path)
        return AppupFile(path: path, appup: try Appup(located: located[0], file: path))
    }

    static func check(up: String, down: String, version: String = "2") throws -> Result<[PlanWarning], PlanError> {
        let file = try file("{\"\(version)\", [{\"1\", \(up)}], [{\"1\", \(down)}]}")
        do {
            return .success(try HandWrittenAppup.check(file, from: old, to: new))
        } catch {
            return .failure(error)
        }
    }

    static let complete = (
        up:
            "[{add_module, 'New'}, {load_module, 'Lib'}, {update, 'KV', {advanced, from1}, ['Lib']}, "
            + "{delete_module, 'Old'}]",
        down:
            "[{add_module, 'Old'}, {load_module, 'Lib'}, {update, 'KV', {advanced, to1}, ['Lib']}, "
            + "{delete_module, 'New'}]"
    )

    @Test func acceptsAnAppupThatCoversEveryChange() throws {
        #expect(try Self.check(up: Self.complete.up, down: Self.complete.down).get() == [])
    }

    @Test func warnsAboutChangedModulesItDoesNotMention() throws {
        let warnings = try Self.check(up: "[{load_module, 'Lib'}]", down: "[{load_module, 'Lib'}]").get()
        #expect(
            warnings.map(\.message).contains(
                "rel/appups/kv/1_to_2.appup: up script does not mention 'KV', which changed between 1 and 2"
            )
        )
        #expect(warnings.count == 6)
    }

    @Test func warnsAboutASoftUpdateOfAServerWhoseVsnChanged() throws {
        let warnings = try Self.check(
            up: Self.complete.up.replacingOccurrences(of: "{advanced, from1}", with: "soft"),
            down: Self.complete.down
        ).get()
        #expect(
            warnings.map(\.message) == [
                "rel/appups/kv/1_to_2.appup: up script updates 'KV' softly, but its vsn changed: "
                    + "its codeChange will not run"
            ]
        )
    }

    @Test func warnsAboutUpdatingALibrary() throws {
        let warnings = try Self.check(
            up: Self.complete.up.replacingOccurrences(of: "{load_module, 'Lib'}", with: "{update, 'Lib'}"),
            down: Self.complete.down
        ).get()
        #expect(
            warnings.map(\.message) == [
                "rel/appups/kv/1_to_2.appup: up script updates library 'Lib', which has no processes: "
                    + "load_module is enough"
            ]
        )
    }

    static let errors: [(up: String, down: String, version: String, message: String)] = [
        ("[]", "[]", "3", "the hand-written appup of 'kv' is for version 3, but 'kv' is 2"),
        (
            "[{add_module, 'Old'}]", "[]", "2",
            "the hand-written appup of 'kv' up script: {add_module,'Old'} names module 'Old', which version 2 "
                + "does not have"
        ),
        (
            "[{delete_module, 'Lib'}]", "[]", "2",
            "the hand-written appup of 'kv' up script: {delete_module,'Lib'} deletes 'Lib', which version 2 still has"
        ),
        (
            "[{load_module, 'KV', ['Lib']}]", "[]", "2",
            "the hand-written appup of 'kv' up script: {load_module,'KV',['Lib']} depends on 'Lib', which has no "
                + "instruction in the script"
        ),
        (
            "[{load_object_code, {kv, \"1\", ['Lib']}}, point_of_no_return]", "[]", "2",
            "the hand-written appup of 'kv' up script: {load_object_code,{kv,\"1\",['Lib']}} must read 'kv' 2"
        ),
        (
            "[]", "[{load_module, 'New'}]", "2",
            "the hand-written appup of 'kv' down script: {load_module,'New'} names module 'New', which version 1 does "
                + "not have"
        ),
    ]

    @Test(arguments: errors)
    func refusesWhatCannotWork(_ error: (up: String, down: String, version: String, message: String)) throws {
        guard case .failure(let failure) = try Self.check(up: error.up, down: error.down, version: error.version) else {
            Issue.record("accepted an appup that cannot work")
            return
        }
        #expect(failure.code == .invalidAppup)
        #expect(failure.message == error.message)
        #expect(failure.file == "rel/appups/kv/1_to_2.appup")
    }

    @Test func refusesAnAppupWithoutEntryForTheOldVersion() throws {
        let file = try Self.file("{\"2\", [{\"0.9\", []}], [{\"1\", []}]}")
        #expect(throws: PlanError.self) { try HandWrittenAppup.check(file, from: Self.old, to: Self.new) }
    }
}
