//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import Testing

/// A worker that traps exits and records `{started, Id}` and `{stopped, Id, Reason}`.
struct Worker: Server {
    static let vsn: Term = 1
    struct State: Codable, Sendable {
        var id: String
        var recorder: Int
    }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State {
        guard let elements = args.tupleElements, elements.count == 2, let id = elements[0].atomValue,
            let recorder = elements[1].intValue
        else { throw TestFailure("bad worker args") }
        if id.hasPrefix("broken") { throw TestFailure("cannot start") }
        ctx.trapExit = true
        Recorder.named(recorder)?.record(.tuple(["started", .atom(id)]))
        return State(id: id, recorder: recorder)
    }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        if request == "crash" { throw TestFailure("crash") }
        if let reason = request.tagged("stop")?.first { ctx.stop(ExitReason(reason)) }
        return .reply(.atom(state.id))
    }
    func terminate(_ reason: ExitReason, state: State, _ ctx: ProcessContext) {
        Recorder.named(state.recorder)?.record(.tuple(["stopped", .atom(state.id), reason.term]))
    }
}

/// Supervises `{Strategy, Intensity, [{Id, Restart}], Recorder}` workers registered as their ids.
struct TestSupervisor: Supervisor {
    static let vsn: Term = 1
    init() {}
    func spec(_ args: Term) throws -> SupervisorSpec {
        guard let elements = args.tupleElements, elements.count == 4,
            let strategy = elements[0].atomValue.flatMap(SupervisorSpec.Strategy.init(rawValue:)),
            let intensity = elements[1].intValue, let children = elements[2].listElements,
            let recorder = elements[3].intValue
        else { throw TestFailure("bad supervisor args") }
        return SupervisorSpec(
            strategy: strategy,
            intensity: intensity,
            period: 5,
            children: children.map { child in
                let parts = child.tupleElements ?? []
                let id = parts[0].atomValue ?? "?"
                let restart = parts[1].atomValue.flatMap(ChildSpec.Restart.init(rawValue:)) ?? .permanent
                return .worker(
                    Worker.self,
                    id: id,
                    args: .tuple([.atom(id), .integer(recorder)]),
                    restart: restart,
                    registeredName: id
                )
            }
        )
    }
}

struct SupervisorTests {
    static func arguments(
        _ strategy: String,
        intensity: Int = 3,
        _ children: [(String, String)],
        _ recorder: Recorder
    )
        -> Term
    {
        .tuple([
            .atom(strategy), .integer(intensity), .list(children.map { .tuple([.atom($0.0), .atom($0.1)]) }),
            .integer(recorder.id),
        ])
    }

    static func started(_ ids: String...) -> [Term] { ids.map { .tuple(["started", .atom($0)]) } }

    @Test func childrenStartInOrderAndStopInReverse() throws {
        let recorder = Recorder()
        let runtime = EmbeddedRuntime()
        let supervisor = try runtime.spawn(
            TestSupervisor.self,
            args: Self.arguments("one_for_one", [("a", "permanent"), ("b", "permanent"), ("c", "permanent")], recorder)
        )
        #expect(recorder.terms == Self.started("a", "b", "c"))
        let children = try runtime.call(supervisor, "which_children")
        #expect(children.listElements?.map { $0.tupleElements?[0] } == ["a", "b", "c"])
        #expect(children.listElements?.first?.tupleElements?[3] == ["Worker"])
        runtime.node.stop(supervisor)
        #expect(
            Array(recorder.terms.dropFirst(3)) == [
                .tuple(["stopped", "c", "shutdown"]), .tuple(["stopped", "b", "shutdown"]),
                .tuple(["stopped", "a", "shutdown"]),
            ]
        )
        #expect(runtime.finish().isClean)
    }

    @Test func oneForOneRestartsOnlyTheChildThatDied() throws {
        let recorder = Recorder()
        let runtime = EmbeddedRuntime()
        try runtime.spawn(
            TestSupervisor.self,
            args: Self.arguments("one_for_one", [("a", "permanent"), ("b", "permanent")], recorder)
        )
        let before = runtime.node.whereis("b")
        _ = try? runtime.call("a", "crash")
        #expect(
            Array(recorder.terms.dropFirst(2)) == [
                .tuple([
                    "stopped", "a", .tuple(["error", .binary("DistillRuntimeTests.TestFailure"), .binary("crash")]),
                ]), .tuple(["started", "a"]),
            ]
        )
        #expect(runtime.node.whereis("b") == before)
        #expect(try runtime.call("a", "ping") == "a")
        #expect(runtime.finish().crashes.count == 1)
    }

    @Test func oneForAllRestartsEveryChild() throws {
        let recorder = Recorder()
        let runtime = EmbeddedRuntime()
        try runtime.spawn(
            TestSupervisor.self,
            args: Self.arguments("one_for_all", [("a", "permanent"), ("b", "permanent"), ("c", "permanent")], recorder)
        )
        _ = try? runtime.call("b", "crash")
        let events = Array(recorder.terms.dropFirst(3))
        #expect(
            events.first
                == .tuple([
                    "stopped", "b", .tuple(["error", .binary("DistillRuntimeTests.TestFailure"), .binary("crash")]),
                ])
        )
        #expect(
            Array(events.dropFirst()) == [.tuple(["stopped", "c", "shutdown"]), .tuple(["stopped", "a", "shutdown"])]
                + Self.started("a", "b", "c")
        )
        runtime.finish()
    }

    @Test func restForOneRestartsTheChildAndThoseAfterIt() throws {
        let recorder = Recorder()
        let runtime = EmbeddedRuntime()
        try runtime.spawn(
            TestSupervisor.self,
            args: Self.arguments(
                "rest_for_one",
                [("a", "permanent"), ("b", "permanent"), ("c", "permanent")],
                recorder
            )
        )
        let a = runtime.node.whereis("a")
        _ = try? runtime.call("b", "crash")
        let events = Array(recorder.terms.dropFirst(4))
        #expect(events == [.tuple(["stopped", "c", "shutdown"])] + Self.started("b", "c"))
        #expect(runtime.node.whereis("a") == a)
        runtime.finish()
    }

    @Test(arguments: [
        ("permanent", "normal", true), ("permanent", "crash", true),
        ("transient", "normal", false), ("transient", "crash", true),
        ("temporary", "normal", false), ("temporary", "crash", false),
    ])
    func restartTypesDecideWhetherAChildComesBack(restart: String, exit: String, restarted: Bool) throws {
        let recorder = Recorder()
        let runtime = EmbeddedRuntime()
        let supervisor = try runtime.spawn(
            TestSupervisor.self,
            args: Self.arguments("one_for_one", [("a", restart)], recorder)
        )
        if exit == "crash" {
            _ = try? runtime.call("a", "crash")
        } else {
            _ = try runtime.call("a", .tuple(["stop", "normal"]))
        }
        #expect((runtime.node.whereis("a") != nil) == restarted)
        let children = try runtime.call(supervisor, "which_children").listElements ?? []
        #expect(children.count == (restart == "temporary" ? 0 : 1))
        runtime.finish()
    }

    @Test func tooManyRestartsStopTheSupervisor() throws {
        let recorder = Recorder()
        let runtime = EmbeddedRuntime()
        let supervisor = try runtime.spawn(
            TestSupervisor.self,
            args: Self.arguments("one_for_one", intensity: 2, [("a", "permanent"), ("b", "permanent")], recorder)
        )
        _ = try? runtime.call("a", "crash")
        _ = try? runtime.call("a", "crash")
        #expect(runtime.node.isAlive(supervisor))
        _ = try? runtime.call("a", "crash")
        #expect(!runtime.node.isAlive(supervisor))
        #expect(runtime.node.whereis("b") == nil)
        #expect(recorder.terms.last == .tuple(["stopped", "b", "shutdown"]))
        let report = runtime.finish()
        #expect(report.crashes.count == 3)
    }

    @Test func restartsOutsideThePeriodDoNotCount() throws {
        let recorder = Recorder()
        let runtime = EmbeddedRuntime()
        let supervisor = try runtime.spawn(
            TestSupervisor.self,
            args: Self.arguments("one_for_one", intensity: 1, [("a", "permanent")], recorder)
        )
        _ = try? runtime.call("a", "crash")
        runtime.advanceTime(by: .seconds(6))
        _ = try? runtime.call("a", "crash")
        #expect(runtime.node.isAlive(supervisor))
        runtime.finish()
    }

    @Test func aChildThatFailsToStartFailsTheSupervisorStart() throws {
        let recorder = Recorder()
        let runtime = EmbeddedRuntime()
        do {
            try runtime.spawn(
                TestSupervisor.self,
                args: Self.arguments("one_for_one", [("a", "permanent"), ("broken", "permanent")], recorder)
            )
            Issue.record("expected the start to fail")
        } catch let error as RuntimeError {
            #expect(error.code == .startFailed)
            #expect(error.reason?.term.tupleElements?.first == "shutdown")
        }
        #expect(recorder.terms == Self.started("a") + [.tuple(["stopped", "a", "shutdown"])])
        #expect(runtime.node.processCount == 0)
    }

    @Test func supervisorCallsManageChildren() throws {
        let recorder = Recorder()
        let runtime = EmbeddedRuntime()
        let supervisor = try runtime.spawn(
            TestSupervisor.self,
            args: Self.arguments("one_for_one", [("a", "permanent")], recorder)
        )
        #expect(try runtime.call(supervisor, .tuple(["terminate_child", "a"])) == "ok")
        #expect(runtime.node.whereis("a") == nil)
        #expect(try runtime.call(supervisor, .tuple(["restart_child", "a"])).tupleElements?.first == "ok")
        #expect(runtime.node.whereis("a") != nil)
        #expect(try runtime.call(supervisor, .tuple(["delete_child", "a"])) == .tuple(["error", "running"]))
        let spec = try runtime.call(supervisor, .tuple(["get_childspec", "a"]))
        let parsed = try ChildSpec(term: spec.tupleElements?[1] ?? [])
        #expect(parsed.id == "a" && parsed.module == "Worker" && parsed.registeredName == "a")
        var other = parsed
        other.id = "z"
        other.registeredName = "z"
        other.args = .tuple(["z", .integer(recorder.id)])
        #expect(try runtime.call(supervisor, .tuple(["start_child", other.term])).tupleElements?.first == "ok")
        #expect(try runtime.call("z", "ping") == "z")
        #expect(
            try runtime.call(supervisor, "count_children") == [
                .tuple(["specs", 2]), .tuple(["active", 2]), .tuple(["supervisors", 0]), .tuple(["workers", 2]),
            ]
        )
        runtime.finish()
    }

    @Test func supervisorsWorkOnARealNode() throws {
        let recorder = Recorder()
        try withNode { node in
            let supervisor = try node.spawn(
                TestSupervisor.self,
                args: Self.arguments("one_for_one", [("a", "permanent"), ("b", "permanent")], recorder)
            )
            let a = node.whereis("a")
            _ = try? node.call("a", "crash")
            #expect(eventually { node.whereis("a") != nil && node.whereis("a") != a })
            node.stop(supervisor)
            #expect(node.processCount == 0)
            #expect(
                recorder.terms.suffix(2) == [
                    .tuple(["stopped", "b", "shutdown"]), .tuple(["stopped", "a", "shutdown"]),
                ]
            )
        }
    }
}
