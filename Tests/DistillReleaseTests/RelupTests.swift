//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Foundation
import Testing

struct RelupTests {
    /// Every low-level instruction form, with its model.
    static let instructions: [(text: String, instruction: RelupInstruction)] = [
        (
            "{load_object_code, {kv, \"0.2.0\", [kv_server, kv_sup]}}",
            .loadObjectCode(application: "kv", version: "0.2.0", modules: ["kv_server", "kv_sup"])
        ),
        ("point_of_no_return", .pointOfNoReturn),
        ("{load, {m, brutal_purge, soft_purge}}", .load(module: "m", prePurge: .brutalPurge, postPurge: .softPurge)),
        (
            "{remove, {m, soft_purge, brutal_purge}}",
            .remove(module: "m", prePurge: .softPurge, postPurge: .brutalPurge)
        ),
        ("{purge, [a, b]}", .purge(modules: ["a", "b"])),
        ("{purge, []}", .purge(modules: [])),
        (
            "{suspend, [a, {b, 5000}, {c, infinity}, {d, default}]}",
            .suspend([
                SuspendedModule(module: "a"), SuspendedModule(module: "b", timeout: .milliseconds(5000)),
                SuspendedModule(module: "c", timeout: .infinity), SuspendedModule(module: "d", timeout: .default),
            ])
        ),
        ("{resume, [b, a]}", .resume(modules: ["b", "a"])),
        ("{code_change, [{a, extra}]}", .codeChange(nil, [ModuleCodeChange(module: "a", extra: "extra")])),
        (
            "{code_change, up, [{a, {x, 1}}, {b, []}]}",
            .codeChange(
                .up,
                [ModuleCodeChange(module: "a", extra: .tuple(["x", 1])), ModuleCodeChange(module: "b", extra: .nil)]
            )
        ),
        ("{code_change, down, [{a, []}]}", .codeChange(.down, [ModuleCodeChange(module: "a", extra: .nil)])),
        ("{stop, [a]}", .stop(modules: ["a"])),
        ("{start, [a]}", .start(modules: ["a"])),
        ("{sync_nodes, id1, [n1@host, n2@host]}", .syncNodes(id: "id1", .nodes(["n1@host", "n2@host"]))),
        (
            "{sync_nodes, {id, 2}, {m, nodes, []}}",
            .syncNodes(id: .tuple(["id", 2]), .function(FunctionCall(module: "m", function: "nodes", arguments: [])))
        ),
        (
            "{apply, {application, start, [kv, permanent]}}",
            .apply(FunctionCall(module: "application", function: "start", arguments: ["kv", "permanent"]))
        ),
        ("restart_new_emulator", .restartNewEmulator),
        ("restart_emulator", .restartEmulator),
    ]

    @Test(arguments: instructions)
    func decodesEveryInstruction(text: String, instruction: RelupInstruction) throws {
        #expect(try RelupInstruction(located: located(text), file: "relup") == instruction)
        #expect(instruction.term == (try term(text)))
        #expect(
            try RelupInstruction(located: located(TermPrinter.print(instruction.term)), file: "relup") == instruction
        )
    }

    @Test(arguments: instructions)
    func isAlsoAnAppupInstruction(text: String, instruction: RelupInstruction) throws {
        #expect(try AppupInstruction(located: located(text), file: "a.appup") == .lowLevel(instruction))
    }

    static let rejected: [(text: String, message: String)] = [
        ("{update, m}", "relup:1:1: error: unknown relup instruction {update, m}"),
        (
            "{lod, {m, brutal_purge, brutal_purge}}",
            "relup:1:1: error: unknown relup instruction {lod, {m, brutal_purge, brutal_purge}}; did you mean 'load'?"
        ),
        (
            "{load, {m, brutal_purge}}",
            "relup:1:8: error: the target of load must be a {Mod, PrePurge, PostPurge} tuple, found {m, brutal_purge}"
        ),
        (
            "{load, {m, brutal, brutal_purge}}",
            "relup:1:12: error: the pre-purge method must be soft_purge or brutal_purge, found brutal; did you mean "
                + "'brutal_purge'?"
        ),
        (
            "{suspend, [{m, 0}]}",
            "relup:1:16: error: timeout must be default, infinity or an integer greater than 0, found 0"
        ),
        (
            "{suspend, [{m, 1, 2}]}",
            "relup:1:12: error: a module to suspend must be Mod or {Mod, Timeout}, found {m, 1, 2}"
        ),
        (
            "{code_change, sideways, []}",
            "relup:1:15: error: the code_change direction must be up or down, found sideways"
        ),
        ("{code_change, [a]}", "relup:1:16: error: a module of code_change must be a {Mod, Extra} tuple, found a"),
        (
            "{code_change, up, [], []}",
            "relup:1:1: error: wrong number of elements in {code_change, up, [], []}; code_change is written "
                + "{code_change, [{Mod, Extra}]} or {code_change, up | down, [{Mod, Extra}]}"
        ),
        ("{purge, a}", "relup:1:9: error: the modules of purge must be a list, found a"),
        ("{sync_nodes, id, [\"n1\"]}", "relup:1:19: error: a node name must be an atom, found \"n1\""),
        (
            "{load_object_code, {kv, \"1\", [m], x}}",
            "relup:1:20: error: the target of load_object_code must be an {App, AppVsn, [Mod]} tuple, found {kv, "
                + "\"1\", [m], x}"
        ),
    ]

    @Test(arguments: rejected)
    func rejectsMalformedInstructions(text: String, message: String) throws {
        let node = try located(text, file: "relup")
        #expect(
            thrown { () throws(ReleaseFileError) in try RelupInstruction(located: node, file: "relup") }?.description
                == message
        )
    }

    @Test func readsAndWritesARelupFile() throws {
        let source = """
            %% utf-8
            {"2",
             [{"1",[],
               [{load_object_code,{foo,"1.1",[foo_lib]}},
                point_of_no_return,
                {load,{foo_lib,brutal_purge,brutal_purge}}]}],
             [{"1",{description, "back"},
               [{load_object_code,{foo,"1.0",[foo_lib]}},
                point_of_no_return,
                {load,{foo_lib,brutal_purge,brutal_purge}}]}]}.
            """
        let relup = try Relup(parsing: source, file: "relup")
        #expect(relup.version == "2")
        #expect(relup.upgrade(from: "1")?.instructions.count == 3)
        #expect(relup.downgrade(to: "1")?.description == .tuple(["description", .string("back")]))
        #expect(relup.upgrade(from: "0") == nil)
        #expect(relup.fileContents.hasPrefix("%% utf-8\n{\"2\",\n"))
        #expect(try Relup(parsing: relup.fileContents, file: "relup") == relup)
        #expect(try TermParser.parseAll(source, file: "relup") == [relup.term])
    }

    @Test func reportsEveryBadInstructionOfAFile() {
        let source = """
            {"2",
             [{"1",[],
               [{lod,{a,brutal_purge,brutal_purge}},
                point_of_no_return,
                {purge,a}]}],
             []}.
            """
        #expect(
            problems(source, kind: .relup, file: "relup") == [
                "relup:3:5: error: unknown relup instruction {lod, {a, brutal_purge, brutal_purge}}; did you mean "
                    + "'load'?",
                "relup:5:12: error: the modules of purge must be a list, found a",
            ]
        )
    }
}
