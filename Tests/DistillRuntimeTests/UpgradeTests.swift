//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import Foundation
import Testing

// MARK: - Three versions of one module, "Tally"

/// Version 1: a count.
struct TallyV1: Server {
    static let vsn: Term = 1
    static var moduleName: String { "Tally" }
    struct State: Codable, Sendable { var count = 0 }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State(count: args.intValue ?? 0) }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        switch request {
        case "get": return .reply(.integer(state.count))
        case "version": return .reply(1)
        default:
            if let ms = request.tagged("sleep")?.first?.intValue { usleep(UInt32(ms) * 1000) }
            return .reply("ok")
        }
    }
    func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let amount = request.tagged("add")?.first?.intValue { state.count += amount }
    }
    func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State {
        // Downgrade from 2: {down, 2}; the newer state has `total` and `label`.
        if oldVsn == .tuple(["down", 2]), let total = state.mapValue?["total"]?.intValue {
            return State(count: total)
        }
        // From 3, whose own downgradeState wrote this version's shape.
        if oldVsn == .tuple(["down", 3]) { return try TermDecoder().decode(State.self, from: state) }
        throw TestFailure("cannot downgrade from \(oldVsn)")
    }
}

/// Same shape as version 1, another type: a soft change decodes the old state directly.
struct TallyV1b: Server {
    static let vsn: Term = 1
    static var moduleName: String { "Tally" }
    struct State: Codable, Sendable { var count = 0 }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        switch request {
        case "get": return .reply(.integer(state.count))
        case "version": return .reply("1b")
        default: return .reply("ok")
        }
    }
    func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let amount = request.tagged("add")?.first?.intValue { state.count += amount * 10 }
    }
}

/// Version 2: the count is renamed `total` and a label added; `codeChange` converts.
struct TallyV2: Server {
    static let vsn: Term = 2
    static var moduleName: String { "Tally" }
    struct State: Codable, Sendable {
        var total = 0
        var label = ""
    }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        switch request {
        case "get": return .reply(.tuple([.integer(state.total), .binary(state.label)]))
        case "version": return .reply(2)
        default: return .reply("ok")
        }
    }
    func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let amount = request.tagged("add")?.first?.intValue { state.total += amount }
    }
    func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State {
        guard oldVsn == 1, let count = state.mapValue?["count"]?.intValue else {
            throw TestFailure("cannot upgrade from \(oldVsn)")
        }
        if extra == "refuse" { throw TestFailure("refused") }
        return State(total: count, label: extra.atomValue ?? "")
    }
}

/// Version 3: one count per source; converts its state down to version 1's shape itself
/// (OTP's code_change({down, 1}, ...) in the newer module), so version 1 needs no knowledge of it.
struct TallyV3: Server {
    static let vsn: Term = 3
    static var moduleName: String { "Tally" }
    struct State: Codable, Sendable { var counts: [Int] = [] }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        .reply(request == "version" ? 3 : .list(state.counts.map { .integer($0) }))
    }
    func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let amount = request.tagged("add")?.first?.intValue { state.counts.append(amount) }
    }
    func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State {
        guard oldVsn == 1, let count = state.mapValue?["count"]?.intValue else {
            throw TestFailure("cannot upgrade from \(oldVsn)")
        }
        return State(counts: [count])
    }
    func downgradeState(to oldVsn: Term, state: State, extra: Term) throws -> Term {
        guard oldVsn == 1 else { throw TestFailure("cannot go down to \(oldVsn)") }
        if extra == "refuse" { throw TestFailure("refused") }
        return .map(["count": .integer(state.counts.reduce(0, +))])
    }
}

struct UpgradeTests {
    // MARK: - Suspend and resume

    @Test func suspendWaitsForTheCurrentMessageAndQueuedMessagesWaitForResume() throws {
        try withNode { node in
            let tally = try node.spawn(TallyV1.self)
            let slow = Recorder()
            Thread { slow.record((try? node.call(.pid(tally), .tuple(["sleep", 150]))) ?? "failed") }.start()
            #expect(eventually { node.processInfo(tally)?.status == .running })
            let started = Date()
            try node.suspend(tally, timeout: 2000)
            // Suspending waited for the 150 ms message to finish.
            #expect(Date().timeIntervalSince(started) > 0.05)
            #expect(slow.wait(count: 1) == ["ok"])
            #expect(node.isSuspended(tally))
            // Casts and a call sent while suspended queue up.
            for amount in 1...100 { node.cast(.pid(tally), .tuple(["add", .integer(amount)])) }
            let answer = Recorder()
            Thread { answer.record((try? node.call(.pid(tally), "get")) ?? "failed") }.start()
            #expect(eventually { node.processInfo(tally)?.messageQueueLength == 101 })
            usleep(20_000)
            #expect(answer.terms.isEmpty)
            #expect(node.processInfo(tally)?.status == .suspended)
            try node.resume(tally)
            #expect(answer.wait(count: 1) == [5050])
        }
    }

    @Test func aSuspendThatTimesOutLeavesTheProcessRunning() throws {
        try withNode { node in
            let tally = try node.spawn(TallyV1.self)
            Thread { _ = try? node.call(.pid(tally), .tuple(["sleep", 300])) }.start()
            #expect(eventually { node.processInfo(tally)?.status == .running })
            do {
                try node.suspend(tally, timeout: 30)
                Issue.record("expected a suspend timeout")
            } catch let error as RuntimeError {
                #expect(error.code == .suspendTimeout)
            }
            #expect(!node.isSuspended(tally))
            node.cast(.pid(tally), .tuple(["add", 5]))
            #expect(try node.call(.pid(tally), "get", timeout: 2000) == 5)
        }
    }

    @Test func suspendingASetRollsBackWhenOneFails() throws {
        try withNode { node in
            let idle = try node.spawn(TallyV1.self)
            let busy = try node.spawn(TallyV1.self)
            Thread { _ = try? node.call(.pid(busy), .tuple(["sleep", 300])) }.start()
            #expect(eventually { node.processInfo(busy)?.status == .running })
            #expect(throws: RuntimeError.self) { try node.suspend([idle, busy], timeout: 30) }
            #expect(!node.isSuspended(idle))
            #expect(!node.isSuspended(busy))
        }
    }

    // MARK: - Code changes

    @Test func aSoftChangeDecodesTheOldStateWithTheNewCode() throws {
        let runtime = EmbeddedRuntime()
        let tally = try runtime.spawn(TallyV1.self, args: 3)
        runtime.cast(tally, .tuple(["add", 4]))
        try runtime.changeCode(tally, to: TallyV1b.self, mode: .soft)
        #expect(try runtime.call(tally, "version") == "1b")
        #expect(try runtime.call(tally, "get") == 7)
        runtime.cast(tally, .tuple(["add", 1]))
        #expect(try runtime.call(tally, "get") == 17)
        #expect(runtime.finish().isClean)
    }

    @Test func anAdvancedChangeRunsCodeChangeBothWays() throws {
        let runtime = EmbeddedRuntime()
        let tally = try runtime.spawn(TallyV1.self, args: 5)
        try runtime.changeCode(tally, to: TallyV2.self, mode: .advanced(extra: "blue"))
        #expect(try runtime.call(tally, "get") == .tuple([5, .binary("blue")]))
        runtime.cast(tally, .tuple(["add", 2]))
        try runtime.changeCode(tally, to: TallyV1.self, mode: .advanced(extra: []), direction: .down)
        #expect(try runtime.call(tally, "version") == 1)
        #expect(try runtime.call(tally, "get") == 7)
        #expect(runtime.finish().isClean)
    }

    @Test func theNewerCodeConvertsItsStateDownForTheOlderCode() throws {
        let runtime = EmbeddedRuntime()
        let tally = try runtime.spawn(TallyV1.self, args: 5)
        try runtime.changeCode(tally, to: TallyV3.self, mode: .advanced(extra: []))
        runtime.cast(tally, .tuple(["add", 2]))
        #expect(try runtime.call(tally, "get") == [5, 2])
        do {
            try runtime.changeCode(tally, to: TallyV1.self, mode: .advanced(extra: "refuse"), direction: .down)
            Issue.record("expected the downgrade to be refused")
        } catch let error as RuntimeError {
            #expect(error.code == .codeChangeFailed)
            #expect(error.message.hasPrefix("Tally downgradeState to vsn 1: "), "\(error.message)")
        }
        #expect(try runtime.call(tally, "get") == [5, 2])
        try runtime.changeCode(tally, to: TallyV1.self, mode: .advanced(extra: []), direction: .down)
        #expect(try runtime.call(tally, "version") == 1)
        #expect(try runtime.call(tally, "get") == 7)
        #expect(runtime.finish().isClean)
    }

    @Test func aFailingCodeChangeLeavesOldCodeAndState() throws {
        let runtime = EmbeddedRuntime()
        let tally = try runtime.spawn(TallyV1.self, args: 9)
        do {
            try runtime.changeCode(tally, to: TallyV2.self, mode: .advanced(extra: "refuse"))
            Issue.record("expected the change to fail")
        } catch let error as RuntimeError {
            #expect(error.code == .codeChangeFailed)
        }
        #expect(!runtime.node.isSuspended(tally))
        #expect(try runtime.call(tally, "version") == 1)
        #expect(try runtime.call(tally, "get") == 9)
        // A soft change to a different shape cannot decode the state: also refused.
        #expect(throws: RuntimeError.self) { try runtime.changeCode(tally, to: TallyV2.self, mode: .soft) }
        #expect(try runtime.call(tally, "get") == 9)
        #expect(runtime.finish().isClean)
    }

    @Test func aChangeCanBeUndoneUntilCommitted() throws {
        try withNode { node in
            let tally = try node.spawn(TallyV1.self, args: 2)
            try node.suspend(tally)
            let change = try node.changeCode(
                tally,
                to: node.codeServer.code(of: TallyV2.self),
                mode: .advanced(extra: "x")
            )
            #expect(change.from.vsn == 1 && change.to.vsn == 2)
            #expect(node.processInfo(tally)?.vsn == 2)
            try change.undo()
            #expect(node.processInfo(tally)?.vsn == 1)
            try node.resume(tally)
            #expect(try node.call(.pid(tally), "get") == 2)
            #expect(try node.call(.pid(tally), "version") == 1)
        }
    }

    @Test func codeChangesNeedASuspendedProcess() throws {
        try withNode { node in
            let tally = try node.spawn(TallyV1.self)
            do {
                _ = try node.changeCode(tally, to: node.codeServer.code(of: TallyV2.self), mode: .soft)
                Issue.record("expected notSuspended")
            } catch let error as RuntimeError {
                #expect(error.code == .notSuspended)
            }
        }
    }

    @Test func messagesQueuedDuringAnUpgradeAreHandledByTheNewCode() throws {
        try withNode { node in
            let tally = try node.spawn(TallyV1.self, args: 1)
            try node.suspend(tally)
            for _ in 0..<10 { node.cast(.pid(tally), .tuple(["add", 1])) }
            let reply = Recorder()
            Thread { reply.record((try? node.call(.pid(tally), "get")) ?? "failed") }.start()
            #expect(eventually { node.processInfo(tally)?.messageQueueLength == 11 })
            let change = try node.changeCode(
                tally,
                to: node.codeServer.code(of: TallyV2.self),
                mode: .advanced(extra: "v2")
            )
            change.commit()
            try node.resume(tally)
            #expect(reply.wait(count: 1) == [.tuple([11, .binary("v2")])])
        }
    }

    @Test func stateOfReadsTheStateBetweenMessages() throws {
        try withNode { node in
            let tally = try node.spawn(TallyV1.self, args: 4)
            #expect(try node.state(of: tally) == .map(["count": 4]))
            #expect(!node.isSuspended(tally))
        }
    }

    @Test func processesUsingAModuleAreFoundByCodeAndChildSpec() throws {
        let runtime = EmbeddedRuntime()
        let recorder = Recorder()
        let supervisor = try runtime.spawn(
            TestSupervisor.self,
            args: SupervisorTests.arguments("one_for_one", [("a", "permanent"), ("b", "permanent")], recorder)
        )
        let tally = try runtime.spawn(TallyV1.self)
        #expect(
            Set(runtime.node.processes(usingModule: "Worker"))
                == Set([runtime.node.whereis("a")!, runtime.node.whereis("b")!])
        )
        #expect(runtime.node.processes(usingModule: "Tally") == [tally])
        #expect(runtime.node.processes(usingModule: "TestSupervisor") == [supervisor])
        runtime.finish()
    }

    // MARK: - Supervisors

    @Test func aSupervisorCodeChangeRereadsItsSpecAndKeepsItsChildren() throws {
        let runtime = EmbeddedRuntime()
        let recorder = Recorder()
        let supervisor = try runtime.spawn(
            TestSupervisor.self,
            args: SupervisorTests.arguments("one_for_one", [("a", "permanent")], recorder)
        )
        let child = runtime.node.whereis("a")
        try runtime.node.suspend(supervisor)
        let change = try runtime.node.changeCode(
            supervisor,
            to: runtime.node.codeServer.code(of: TestSupervisorV2.self),
            mode: .advanced(extra: [])
        )
        change.commit()
        try runtime.node.resume(supervisor)
        let children = try runtime.call(supervisor, "which_children").listElements ?? []
        #expect(children.count == 2)
        #expect(children.first?.tupleElements?[1] == child.map(Term.pid))
        #expect(children.last?.tupleElements?[0] == "extra" && children.last?.tupleElements?[1] == "undefined")
        // The new child starts when asked, as after an appup's restart_child.
        #expect(try runtime.call(supervisor, .tuple(["restart_child", "extra"])).tupleElements?.first == "ok")
        runtime.finish()
    }
}

/// The next version of TestSupervisor: the same children plus `extra`, and a higher intensity.
struct TestSupervisorV2: Supervisor {
    static let vsn: Term = 2
    static var moduleName: String { "TestSupervisor" }
    init() {}
    func spec(_ args: Term) throws -> SupervisorSpec {
        var spec = try TestSupervisor().spec(args)
        let recorder = args.tupleElements?[3] ?? 0
        spec.intensity = 10
        spec.children.append(
            .worker(Worker.self, id: "extra", args: .tuple(["extra", recorder]), registeredName: "extra")
        )
        return spec
    }
}
