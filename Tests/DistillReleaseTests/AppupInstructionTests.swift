//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Testing

struct AppupInstructionTests {
    /// Every written form: its text, its model, and its full form as `systools_rc`
    /// expands it (`expand_script` then `normalize_instrs`).
    static let forms: [(text: String, instruction: AppupInstruction, expanded: String)] = [
        (
            "{update, m}", .update(.soft(module: "m")),
            "{update, m, dynamic, default, soft, brutal_purge, brutal_purge, []}"
        ),
        (
            "{update, m, supervisor}", .update(.supervisor(module: "m")),
            "{update, m, static, default, {advanced, []}, brutal_purge, brutal_purge, []}"
        ),
        (
            "{update, m, soft}", .update(.change(module: "m", .soft)),
            "{update, m, dynamic, default, soft, brutal_purge, brutal_purge, []}"
        ),
        (
            "{update, m, {advanced, {x, 1}}}", .update(.change(module: "m", .advanced([.atom("x"), 1].tuple))),
            "{update, m, dynamic, default, {advanced, {x, 1}}, brutal_purge, brutal_purge, []}"
        ),
        (
            "{update, m, [a, b]}", .update(.dependencies(module: "m", ["a", "b"])),
            "{update, m, dynamic, default, soft, brutal_purge, brutal_purge, [a, b]}"
        ),
        (
            "{update, m, []}", .update(.dependencies(module: "m", [])),
            "{update, m, dynamic, default, soft, brutal_purge, brutal_purge, []}"
        ),
        (
            "{update, m, {advanced, []}, [a]}",
            .update(.changeAndDependencies(module: "m", .advanced(.nil), dependencies: ["a"])),
            "{update, m, dynamic, default, {advanced, []}, brutal_purge, brutal_purge, [a]}"
        ),
        (
            "{update, m, soft, [a]}", .update(.changeAndDependencies(module: "m", .soft, dependencies: ["a"])),
            "{update, m, dynamic, default, soft, brutal_purge, brutal_purge, [a]}"
        ),
        (
            "{update, m, {advanced, e}, soft_purge, brutal_purge, [a]}",
            .update(
                .purges(module: "m", .advanced("e"), prePurge: .softPurge, postPurge: .brutalPurge, dependencies: ["a"])
            ),
            "{update, m, dynamic, default, {advanced, e}, soft_purge, brutal_purge, [a]}"
        ),
        (
            "{update, m, 5000, soft, brutal_purge, soft_purge, []}",
            .update(
                .timeout(
                    module: "m",
                    .milliseconds(5000),
                    .soft,
                    prePurge: .brutalPurge,
                    postPurge: .softPurge,
                    dependencies: []
                )
            ),
            "{update, m, dynamic, 5000, soft, brutal_purge, soft_purge, []}"
        ),
        (
            "{update, m, infinity, soft, brutal_purge, brutal_purge, []}",
            .update(
                .timeout(
                    module: "m",
                    .infinity,
                    .soft,
                    prePurge: .brutalPurge,
                    postPurge: .brutalPurge,
                    dependencies: []
                )
            ),
            "{update, m, dynamic, infinity, soft, brutal_purge, brutal_purge, []}"
        ),
        (
            "{update, m, default, soft, brutal_purge, brutal_purge, []}",
            .update(
                .timeout(
                    module: "m",
                    .default,
                    .soft,
                    prePurge: .brutalPurge,
                    postPurge: .brutalPurge,
                    dependencies: []
                )
            ),
            "{update, m, dynamic, default, soft, brutal_purge, brutal_purge, []}"
        ),
        (
            "{update, m, static, 100, {advanced, []}, soft_purge, soft_purge, [a]}",
            .update(
                .full(
                    ModuleUpdate(
                        module: "m",
                        moduleType: .static,
                        timeout: .milliseconds(100),
                        change: .advanced(.nil),
                        prePurge: .softPurge,
                        postPurge: .softPurge,
                        dependencies: ["a"]
                    )
                )
            ),
            "{update, m, static, 100, {advanced, []}, soft_purge, soft_purge, [a]}"
        ),
        ("{load_module, m}", .loadModule(.module("m")), "{load_module, m, brutal_purge, brutal_purge, []}"),
        (
            "{load_module, m, [a]}", .loadModule(.dependencies("m", ["a"])),
            "{load_module, m, brutal_purge, brutal_purge, [a]}"
        ),
        (
            "{load_module, m, soft_purge, brutal_purge, [a]}",
            .loadModule(
                .full(ModuleLoad(module: "m", prePurge: .softPurge, postPurge: .brutalPurge, dependencies: ["a"]))
            ),
            "{load_module, m, soft_purge, brutal_purge, [a]}"
        ),
        ("{add_module, m}", .addModule("m", dependencies: nil), "{add_module, m, []}"),
        ("{add_module, m, [a]}", .addModule("m", dependencies: ["a"]), "{add_module, m, [a]}"),
        ("{delete_module, m}", .deleteModule("m", dependencies: nil), "{delete_module, m, []}"),
        ("{delete_module, m, [a]}", .deleteModule("m", dependencies: ["a"]), "{delete_module, m, [a]}"),
        ("{add_application, app}", .addApplication("app", type: nil), "{add_application, app, permanent}"),
        (
            "{add_application, app, temporary}", .addApplication("app", type: .temporary),
            "{add_application, app, temporary}"
        ),
        ("{add_application, app, none}", .addApplication("app", type: .unloaded), "{add_application, app, none}"),
        ("{remove_application, app}", .removeApplication("app"), "{remove_application, app}"),
        ("{restart_application, app}", .restartApplication("app"), "{restart_application, app}"),
        (
            "{apply, {m, f, [1, \"two\"]}}",
            .lowLevel(.apply(FunctionCall(module: "m", function: "f", arguments: [1, .string("two")]))),
            "{apply, {m, f, [1, \"two\"]}}"
        ),
        ("restart_new_emulator", .lowLevel(.restartNewEmulator), "restart_new_emulator"),
        ("restart_emulator", .lowLevel(.restartEmulator), "restart_emulator"),
        ("point_of_no_return", .lowLevel(.pointOfNoReturn), "point_of_no_return"),
        (
            "{load_object_code, {app, \"1.0\", [m]}}",
            .lowLevel(.loadObjectCode(application: "app", version: "1.0", modules: ["m"])),
            "{load_object_code, {app, \"1.0\", [m]}}"
        ),
        (
            "{suspend, [m, {n, 100}]}",
            .lowLevel(
                .suspend([SuspendedModule(module: "m"), SuspendedModule(module: "n", timeout: .milliseconds(100))])
            ),
            "{suspend, [m, {n, 100}]}"
        ),
    ]

    @Test(arguments: forms)
    func decodesEachFormAsWritten(text: String, instruction: AppupInstruction, expanded: String) throws {
        #expect(try AppupInstruction(located: located(text), file: "test") == instruction)
    }

    @Test(arguments: forms)
    func encodesTheSameFormBack(text: String, instruction: AppupInstruction, expanded: String) throws {
        #expect(instruction.term == (try term(text)))
    }

    @Test(arguments: forms)
    func expandsToOTPsFullForm(text: String, instruction: AppupInstruction, expanded: String) throws {
        #expect(instruction.expanded.term == (try term(expanded)))
    }

    @Test(arguments: forms)
    func readsBackItsPrintedText(text: String, instruction: AppupInstruction, expanded: String) throws {
        let printed = TermPrinter.print(instruction.term)
        #expect(try AppupInstruction(located: located(printed), file: "test") == instruction)
        #expect(try AppupInstruction(located: unlocated(instruction.term), file: "test") == instruction)
    }

    @Test func updateAndLoadModuleNameTheirModule() throws {
        for (_, instruction, _) in Self.forms {
            switch instruction {
            case .update(let update): #expect(update.module == "m")
            case .loadModule(let load): #expect(load.module == "m")
            default: continue
            }
        }
    }

    @Test func dependentInstructionsExposeTheirDependencies() {
        #expect(
            AppupInstruction.update(.dependencies(module: "m", ["a"])).expanded.dependentModule?.dependencies == ["a"]
        )
        #expect(AppupInstruction.addModule("m", dependencies: nil).expanded.dependentModule?.module == "m")
        #expect(AppupInstruction.removeApplication("x").expanded.dependentModule == nil)
    }

    /// Instructions OTP rejects, and what we say about them.
    static let rejected: [(text: String, message: String)] = [
        ("{load_modul, m}", "test:1:1: error: unknown appup instruction {load_modul, m}; did you mean 'load_module'?"),
        ("{udpate, m}", "test:1:1: error: unknown appup instruction {udpate, m}; did you mean 'update'?"),
        (
            "restart",
            "test:1:1: error: unknown appup instruction restart; release_handler cannot run 'restart'; did you mean "
                + "'restart_emulator'?"
        ),
        (
            "{update, m, soft, brutal_purge, []}",
            "test:1:1: error: wrong number of elements in {update, m, soft, brutal_purge, []}; update is written "
                + "{update, Mod}, {update, Mod, supervisor | Change | DepMods}, {update, Mod, Change, DepMods}, "
                + "{update, Mod, Change, PrePurge, PostPurge, DepMods}, {update, Mod, Timeout, Change, PrePurge, "
                + "PostPurge, DepMods} or {update, Mod, ModType, Timeout, Change, PrePurge, PostPurge, DepMods}"
        ),
        (
            "{load_module, m, brutal_purge, brutal_purge}",
            "test:1:1: error: wrong number of elements in {load_module, m, brutal_purge, brutal_purge}; load_module is "
                + "written {load_module, Mod}, {load_module, Mod, DepMods} or {load_module, Mod, PrePurge, "
                + "PostPurge, DepMods}"
        ),
        (
            "{update, m, static}",
            "test:1:13: error: the third element of update must be supervisor, soft, {advanced, Extra} or a list of "
                + "modules, found static"
        ),
        (
            "{update, m, sofft}",
            "test:1:13: error: the third element of update must be supervisor, soft, {advanced, Extra} or a list of "
                + "modules, found sofft; did you mean 'soft'?"
        ),
        ("{update, m, {advance, x}}", "test:1:13: error: change must be soft or {advanced, Extra}, found {advance, x}"),
        (
            "{load_module, m, soft, brutal_purge, []}",
            "test:1:18: error: the pre-purge method must be soft_purge or brutal_purge, found soft; did you mean "
                + "'soft_purge'?"
        ),
        (
            "{update, m, 0, soft, brutal_purge, brutal_purge, []}",
            "test:1:13: error: timeout must be default, infinity or an integer greater than 0, found 0"
        ),
        (
            "{update, m, dynamc, default, soft, brutal_purge, brutal_purge, []}",
            "test:1:13: error: the module type must be static or dynamic, found dynamc; did you mean 'dynamic'?"
        ),
        ("{update, \"m\"}", "test:1:10: error: the module of update must be an atom, found \"m\""),
        ("{update, m, [a, \"b\"]}", "test:1:17: error: a module name must be an atom, found \"b\""),
        (
            "{add_application, app, forever}",
            "test:1:24: error: the start type must be permanent, transient, temporary, load or none, found forever"
        ),
        ("{apply, {m, f, a}}", "test:1:16: error: the arguments of a function call must be a list, found a"),
        (
            "{apply, {m, f}}",
            "test:1:9: error: the function call must be a {Module, Function, Arguments} tuple, found {m, f}"
        ),
        (
            "{point_of_no_return}",
            "test:1:1: error: point_of_no_return is written as a bare atom, not {point_of_no_return}"
        ),
        (
            "update",
            "test:1:1: error: wrong number of elements in update; update is written {update, Mod}, "
                + "{update, Mod, supervisor | Change | DepMods}, {update, Mod, Change, DepMods}, {update, Mod, Change, "
                + "PrePurge, PostPurge, DepMods}, {update, Mod, Timeout, Change, PrePurge, PostPurge, DepMods} or "
                + "{update, Mod, ModType, Timeout, Change, PrePurge, PostPurge, DepMods}"
        ),
        (
            "{load_object_code, {app, <<\"1\">>, []}}",
            "test:1:26: error: the application version of load_object_code must be a string, found <<\"1\">>"
        ),
        ("42", "test:1:1: error: unknown appup instruction 42"),
    ]

    @Test(arguments: rejected)
    func rejectsWhatOTPRejects(text: String, message: String) throws {
        let node = try located(text)
        #expect(
            thrown { () throws(ReleaseFileError) in try AppupInstruction(located: node, file: "test") }?.description
                == message
        )
    }
}

extension Array where Element == Term {
    fileprivate var tuple: Term { .tuple(self) }
}
