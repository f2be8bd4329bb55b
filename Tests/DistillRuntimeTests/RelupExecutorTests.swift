//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillRuntime
import Foundation
import Testing

/// A node running store 1.0.0 (its supervisor, `store` with count 5, `meter`) and an
/// executor that loads the linked versions.
private func withStore(
    configuration: [String: [String: Term]]? = nil,
    suspendTimeout: Timeout = .seconds(5),
    _ body: (Node, RelupExecutor) throws -> Void
) throws {
    try withNode { node in
        try node.codeServer.register(UpgradeApplications.v1)
        try node.startApplication("store")
        let executor = RelupExecutor(
            node: node,
            options: .init(suspendTimeout: suspendTimeout, configuration: configuration),
            loader: RelupExecutor.linkedLoader(node: node, UpgradeApplications.all)
        )
        try body(node, executor)
    }
}

private func expectOldStoreRuns(
    _ node: Node,
    count: Int = 5,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws {
    #expect(try node.call("store", "version") == 1, sourceLocation: sourceLocation)
    #expect(try node.call("store", "get") == .integer(count), sourceLocation: sourceLocation)
    #expect(node.codeServer.versions(of: "Store")?.current.vsn == 1, sourceLocation: sourceLocation)
    #expect(node.codeServer.application("store")?.version == "1.0.0", sourceLocation: sourceLocation)
    #expect(node.processes.allSatisfy { !node.isSuspended($0) }, sourceLocation: sourceLocation)
}

private func failure(_ body: () throws -> Void) -> ReleaseHandlerError? {
    do {
        try body()
        return nil
    } catch {
        return error as? ReleaseHandlerError
    }
}

struct RelupExecutorTests {
    // MARK: - Upgrades that work

    @Test func anAdvancedUpgradeConvertsTheStateAndSwitchesTheCode() throws {
        try withStore { node, executor in
            let store = try #require(node.whereis("store"))
            #expect(try node.call("store", .tuple(["add", 2])) == 7)
            let outcome = try executor.run(Scripts.up("2.0.0"))
            guard case .completed(let completion) = outcome else {
                Issue.record("expected completion, got \(outcome)")
                return
            }
            #expect(completion.changedProcesses == [store])
            #expect(node.whereis("store") == store)
            #expect(try node.call("store", "version") == 2)
            #expect(try node.call("store", "get") == 7)
            #expect(try node.call("store", "label") == .binary("blue"))
            #expect(node.codeServer.application("store")?.version == "2.0.0")
            // The old code is purged once no process runs it.
            #expect(node.codeServer.oldCode("Store") == nil)
        }
    }

    @Test func aSoftUpgradeDecodesTheStateWithTheNewCode() throws {
        try withStore { node, executor in
            _ = try executor.run(Scripts.soft("1.1.0"))
            #expect(try node.call("store", "version") == .string("1.1"))
            #expect(try node.call("store", "get") == 5)
        }
    }

    @Test func aDowngradeConvertsTheStateBack() throws {
        try withStore { node, executor in
            _ = try executor.run(Scripts.up("2.0.0"))
            #expect(try node.call("store", .tuple(["add", 10])) == 15)
            _ = try executor.run(Scripts.down("1.0.0"))
            try expectOldStoreRuns(node, count: 15)
        }
    }

    @Test func manyUpgradesInARowAndBack() throws {
        try withStore { node, executor in
            for round in 1...5 {
                _ = try executor.run(Scripts.up("2.0.0"))
                #expect(try node.call("store", .tuple(["add", 1])) == .integer(5 + 2 * round - 1))
                _ = try executor.run(Scripts.down("1.0.0"))
                #expect(try node.call("store", .tuple(["add", 1])) == .integer(5 + 2 * round))
            }
            #expect(try node.call("store", "version") == 1)
        }
    }

    @Test func messagesSentDuringTheSuspensionAreAnsweredByTheNewCode() throws {
        try withStore { node, executor in
            let answers = Recorder()
            executor.beforeInstruction = { index, instruction in
                // After the suspend: callers and casters queue up behind the upgrade.
                guard case .load = instruction else { return }
                for _ in 0..<50 { node.cast("store", .tuple(["add", 1])) }
                for _ in 0..<4 {
                    Thread { answers.record((try? node.call("store", "version")) ?? "failed") }.start()
                }
                _ = eventually { (node.processInfo(node.whereis("store")!)?.messageQueueLength ?? 0) == 54 }
            }
            _ = try executor.run(Scripts.up("2.0.0"))
            #expect(answers.wait(count: 4) == [2, 2, 2, 2])
            #expect(try node.call("store", "get") == 55)
        }
    }

    @Test func theNewConfigurationIsAppliedAtThePointOfNoReturn() throws {
        try withStore(configuration: ["store": ["mode": "fast"]]) { node, executor in
            #expect(try node.call("store", "env") == "default-1.0.0")
            _ = try executor.run(Scripts.up("2.0.0"))
            #expect(try node.call("store", "env") == "fast")
        }
    }

    // MARK: - Every failure after point_of_no_return rolls back

    /// Scripts that fail at a given instruction, each after changing something.
    static let failingScripts: [(name: String, script: [RelupInstruction], failsAt: Int)] = [
        ("codeChange throws", Scripts.up("2.0.0", extra: "refuse"), 5),
        (
            "code_change of a module nothing loaded, after a change that worked",
            Scripts.up("2.0.0").replacing(
                at: 4,
                with: .codeChange(
                    .up,
                    [ModuleCodeChange(module: "Store", extra: "blue"), ModuleCodeChange(module: "Nope", extra: [])]
                )
            ),
            5
        ),
        (
            "soft switch of a state whose shape changed",
            Scripts.up("2.0.0").replacing(
                at: 4,
                with: .apply(FunctionCall(module: "StoreHooks", function: "note", arguments: []))
            ),
            4
        ),
        (
            "load of a module no load_object_code named",
            Scripts.up("2.0.0").inserting(
                .load(module: "Meter", prePurge: .brutalPurge, postPurge: .brutalPurge),
                at: 4
            ),
            5
        ),
        (
            "apply that throws after the change",
            Scripts.up("2.0.0").inserting(
                .apply(FunctionCall(module: "StoreHooks", function: "fail", arguments: [])),
                at: 5
            ),
            6
        ),
        (
            "apply of an unknown module",
            Scripts.up("2.0.0").inserting(
                .apply(FunctionCall(module: "nomodule", function: "f", arguments: [])),
                at: 6
            ),
            7
        ),
        ("a second group fails after the first resumed", Scripts.twoGroups(meterExtra: "refuse"), 10),
    ]

    @Test(arguments: 0..<failingScripts.count)
    func aFailureAfterThePointOfNoReturnRollsBack(_ index: Int) throws {
        let (_, script, failsAt) = Self.failingScripts[index]
        try withStore { node, executor in
            let store = try #require(node.whereis("store"))
            let error = failure { _ = try executor.run(script) }
            #expect(error?.code == .instructionFailed)
            #expect(error?.rollback?.failedIndex == failsAt)
            #expect(error?.rollback?.problems == [])
            #expect(error?.rollback?.restoredModules.contains("Store") == true)
            #expect(node.whereis("store") == store)
            try expectOldStoreRuns(node)
            #expect(try node.call("meter", "version") == 1)
        }
    }

    @Test func theRollbackReportNamesWhatWasPutBack() throws {
        try withStore { node, executor in
            let store = try #require(node.whereis("store"))
            let error = failure { _ = try executor.run(Scripts.up("2.0.0", extra: "refuse")) }
            #expect(
                error?.message
                    == "instruction 5, {code_change,up,[{'Store',refuse}]}, failed: Store codeChange: "
                    + "Store 2 refuses the change; the old release is back"
            )
            let report = try #require(error?.rollback)
            #expect(report.restoredModules == ["Store"])
            // The change itself failed: the process never left its old state.
            #expect(report.restoredProcesses == [])
            #expect(report.isExact)
            #expect(node.processInfo(store)?.vsn == 1)
        }
    }

    @Test func aProcessResumedOnTheNewCodeKeepsItsUpdatesWhenConvertedBack() throws {
        try withStore { node, executor in
            executor.beforeInstruction = { index, _ in
                // Store runs version 2 again (resumed) before Meter's change fails.
                if index == 7 { _ = try? node.call("store", .tuple(["add", 100])) }
            }
            let error = failure { _ = try executor.run(Scripts.twoGroups(meterExtra: "refuse")) }
            let report = try #require(error?.rollback)
            #expect(report.convertedProcesses == [node.whereis("store")!])
            #expect(report.irreversible == ["{'StoreHooks',note,[between]}"])
            try expectOldStoreRuns(node, count: 105)
        }
    }

    @Test func aSuspendTimeoutRollsBack() throws {
        try withStore(suspendTimeout: 100) { node, executor in
            _ = try executor.run(Scripts.up("2.0.0"))
            // Store runs version 2 now; a downgrade finds it busy in a long call.
            let busy = Recorder()
            Thread { busy.record((try? node.call("store", .tuple(["sleep", 600]), timeout: 5000)) ?? "failed") }.start()
            _ = eventually { node.processInfo(node.whereis("store")!)?.status == .running }
            let script: [RelupInstruction] = [
                .loadObjectCode(application: "store", version: "2.1.0", modules: ["Meter"]),
                .pointOfNoReturn,
                .suspend([SuspendedModule(module: "Meter")]),
                .load(module: "Meter", prePurge: .brutalPurge, postPurge: .brutalPurge),
                .codeChange(.up, [ModuleCodeChange(module: "Meter", extra: [])]),
                .resume(modules: ["Meter"]),
                .suspend([SuspendedModule(module: "Store", timeout: .milliseconds(50))]),
                .resume(modules: ["Store"]),
            ]
            let error = failure { _ = try executor.run(script) }
            #expect(error?.code == .instructionFailed)
            #expect(error?.message.contains("did not finish its current message within 50 ms") == true)
            #expect(error?.rollback?.restoredProcesses == [node.whereis("meter")!])
            #expect(busy.wait(count: 1) == ["slept"])
            #expect(try node.call("meter", "version") == 1)
            #expect(try node.call("store", "version") == 2)
        }
    }

    // MARK: - Failures that change nothing

    @Test func aLoadObjectCodeFailureChangesNothing() throws {
        try withStore { node, executor in
            var script = Scripts.up("2.0.0")
            script[0] = .loadObjectCode(application: "store", version: "2.0.0", modules: ["Store", "Missing"])
            let error = failure { _ = try executor.run(script) }
            #expect(error?.code == .loadFailed)
            #expect(
                error?.message
                    == "{load_object_code,{store,\"2.0.0\",['Store','Missing']}} failed: store 2.0.0 has no module "
                    + "'Missing' (it has Store, Meter, StoreHooks, StoreSupervisor); nothing was switched"
            )
            try expectOldStoreRuns(node)
        }
    }

    @Test func aModuleReplacedWithSoftPurgeWhileProcessesRunItsOldCodeIsRefused() throws {
        try withStore { node, executor in
            // store runs 1.0.0's code, which a manual switch made old.
            try node.codeServer.makeCurrent(module: "Store", from: node.codeServer.load(UpgradeApplications.v1Soft))
            var script = Scripts.up("2.0.0")
            script[3] = .load(module: "Store", prePurge: .softPurge, postPurge: .softPurge)
            let error = failure { _ = try executor.run(script) }
            #expect(error?.code == .oldProcesses)
            #expect(node.codeServer.versions(of: "Store")?.current.type == StoreV1Soft.self)
            #expect(try node.call("store", "version") == 1)
        }
    }

    @Test(arguments: [
        (
            [RelupInstruction.pointOfNoReturn, .restartNewEmulator],
            "restart_new_emulator is instruction 2; it can only be the first"
        ),
        ([.restartEmulator, .pointOfNoReturn], "restart_emulator is instruction 1; it must be the last"),
        (
            [.syncNodes(id: "x", .nodes(["a@b"])), .pointOfNoReturn],
            "{sync_nodes,x,[a@b]} needs other nodes; a swift-distill node upgrades alone"
        ),
        (
            [.resume(modules: ["Store"]), .pointOfNoReturn],
            "{resume,['Store']} (instruction 1) comes before point_of_no_return, where only load_object_code and apply may be"
        ),
        ([.pointOfNoReturn, .pointOfNoReturn], "the script has 2 point_of_no_return instructions"),
    ])
    func scriptsThisNodeCannotRunAreRefusedBeforeAnythingRuns(script: [RelupInstruction], message: String) throws {
        try withStore { node, executor in
            let error = failure { _ = try executor.run(script) }
            #expect(error == ReleaseHandlerError(.badScript, message))
            try expectOldStoreRuns(node)
        }
    }

    // MARK: - Applications, apply, stop and start

    @Test func addingAnApplicationStartsItAndARollbackStopsIt() throws {
        try withStore { node, executor in
            let add: [RelupInstruction] = [
                .loadObjectCode(
                    application: "helper",
                    version: "1.0.0",
                    modules: ["HelperServer", "HelperSupervisor"]
                ),
                .pointOfNoReturn,
                .load(module: "HelperServer", prePurge: .brutalPurge, postPurge: .brutalPurge),
                .load(module: "HelperSupervisor", prePurge: .brutalPurge, postPurge: .brutalPurge),
                .apply(FunctionCall(module: "application", function: "start", arguments: ["helper", "permanent"])),
            ]
            let error = failure {
                _ = try executor.run(
                    add + [.apply(FunctionCall(module: "StoreHooks", function: "fail", arguments: []))]
                )
            }
            #expect(error?.code == .instructionFailed)
            #expect(node.whereis("helper") == nil)
            #expect(node.runningApplications.map(\.name) == ["store"])
            #expect(node.codeServer.application("helper") == nil)
            _ = try executor.run(add)
            #expect(try node.call("helper", "anything") == "helping")
            // Removing it again, as systools translates remove_application.
            _ = try executor.run([
                .pointOfNoReturn,
                .apply(FunctionCall(module: "application", function: "stop", arguments: ["helper"])),
                .remove(module: "HelperServer", prePurge: .brutalPurge, postPurge: .brutalPurge),
                .remove(module: "HelperSupervisor", prePurge: .brutalPurge, postPurge: .brutalPurge),
                .purge(modules: ["HelperServer", "HelperSupervisor"]),
                .apply(FunctionCall(module: "application", function: "unload", arguments: ["helper"])),
            ])
            #expect(node.whereis("helper") == nil)
            #expect(node.codeServer.application("helper") == nil)
            #expect(node.codeServer.versions(of: "HelperServer") == nil)
        }
    }

    @Test func applyCallsAModuleFunction() throws {
        try withStore { node, executor in
            let before = StoreHooks.calls.terms.count
            let note = RelupInstruction.apply(
                FunctionCall(module: "StoreHooks", function: "note", arguments: [1, "x"])
            )
            guard case .completed(let completion) = try executor.run([note, .pointOfNoReturn]) else {
                Issue.record("expected completion")
                return
            }
            #expect(completion.applied == ["{'StoreHooks',note,[1,x]}"])
            #expect(StoreHooks.calls.terms.dropFirst(before) == [[1, "x"]])
        }
    }

    @Test func stopAndStartRestartTheModulesProcesses() throws {
        try withStore { node, executor in
            let meter = try #require(node.whereis("meter"))
            _ = try executor.run([
                .loadObjectCode(application: "store", version: "2.1.0", modules: ["Meter"]),
                .pointOfNoReturn,
                .stop(modules: ["Meter"]),
                .load(module: "Meter", prePurge: .brutalPurge, postPurge: .brutalPurge),
                .start(modules: ["Meter"]),
            ])
            let restarted = try #require(node.whereis("meter"))
            #expect(restarted != meter)
            #expect(try node.call("meter", "version") == 2)
        }
    }

    // MARK: - Restarts

    @Test func restartNewEmulatorFirstRunsNothing() throws {
        try withStore { node, executor in
            let script = [RelupInstruction.restartNewEmulator] + Scripts.up("2.0.0")
            guard case .restartNewEmulator(let remaining) = try executor.run(script) else {
                Issue.record("expected a restart")
                return
            }
            #expect(remaining == Scripts.up("2.0.0"))
            try expectOldStoreRuns(node)
        }
    }

    @Test func restartEmulatorLastRunsTheScriptFirst() throws {
        try withStore { node, executor in
            guard case .restartEmulator = try executor.run(Scripts.up("2.0.0") + [.restartEmulator]) else {
                Issue.record("expected a restart")
                return
            }
            #expect(try node.call("store", "version") == 2)
        }
    }
}

extension Array {
    func replacing(at index: Int, with element: Element) -> [Element] {
        var copy = self
        copy[index] = element
        return copy
    }

    func inserting(_ element: Element, at index: Int) -> [Element] {
        var copy = self
        copy.insert(element, at: index)
        return copy
    }
}
