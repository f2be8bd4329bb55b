//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import Foundation
import Synchronization

// MARK: - Recording what processes see

/// Messages and events recorded by test processes, by recorder number (a server's state can
/// only hold `Codable` values, so it holds the number).
final class Recorder: Sendable {
    private static let all = Mutex<[Int: Recorder]>([:])
    private static let counter = Mutex(0)

    let id: Int
    private let entries = Mutex<[Term]>([])

    init() {
        id = Recorder.counter.withLock { value in
            value += 1
            return value
        }
        Recorder.all.withLock { $0[id] = self }
    }

    static func named(_ id: Int) -> Recorder? { all.withLock { $0[id] } }

    func record(_ term: Term) { entries.withLock { $0.append(term) } }

    var terms: [Term] { entries.withLock { $0 } }

    /// Waits (polling, up to `seconds`) until `condition` holds for the recorded terms.
    @discardableResult
    func wait(seconds: Double = 5, until condition: ([Term]) -> Bool) -> [Term] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let current = terms
            if condition(current) { return current }
            usleep(1000)
        }
        return terms
    }

    func wait(count: Int, seconds: Double = 5) -> [Term] { wait(seconds: seconds) { $0.count >= count } }
}

/// Polls `condition` for up to `seconds`.
func eventually(seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Servers

/// Records every info and cast it gets into recorder `args`; answers calls with `ok`.
struct Probe: Server {
    static let vsn: Term = 1
    struct State: Codable, Sendable { var recorder: Int }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State {
        if case .tuple(let elements) = args, elements.count == 2, elements[1] == "trap_exit" { ctx.trapExit = true }
        return State(recorder: args.intValue ?? args.tupleElements?.first?.intValue ?? 0)
    }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        if let target = request.tagged("monitor")?.first, let destination = Destination(target) {
            return .reply(ctx.monitor(destination))
        }
        if let target = request.tagged("link")?.first, case .pid(let pid) = target {
            ctx.link(pid)
            return .reply("ok")
        }
        if let arguments = request.tagged("demonitor"), arguments.count == 1 {
            ctx.demonitor(arguments[0], flush: true)
            return .reply("ok")
        }
        if let arguments = request.tagged("send_after"), arguments.count == 2, let ms = arguments[0].intValue {
            return .reply(ctx.sendAfter(ms, arguments[1]))
        }
        if let arguments = request.tagged("cancel_timer"), arguments.count == 1 {
            return .reply(ctx.cancelTimer(arguments[0]).map { .integer($0) } ?? false)
        }
        return .reply("ok")
    }
    func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws {
        Recorder.named(state.recorder)?.record(.tuple(["cast", request]))
    }
    func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        Recorder.named(state.recorder)?.record(message)
    }
}

/// A counter with every kind of reply, crash and stop a test needs.
struct Counter: Server {
    static let vsn: Term = 1
    struct State: Codable, Sendable {
        var count = 0
        var waiting: [Caller] = []
        var recorder = 0
    }
    init() {}

    func start(_ args: Term, _ ctx: ProcessContext) throws -> State {
        if args == "fail" { throw TestFailure("refused to start") }
        if let recorder = args.tagged("recorder")?.first?.intValue {
            Recorder.named(recorder)?.record(.tuple(["started", .pid(ctx.pid)]))
            return State(recorder: recorder)
        }
        return State(count: args.intValue ?? 0)
    }

    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        switch request {
        case "get":
            return .reply(.integer(state.count))
        case "increment":
            state.count += 1
            return .reply(.integer(state.count))
        case "crash":
            throw TestFailure("boom")
        case "wait":
            state.waiting.append(from)
            return .noreply
        case "release":
            for caller in state.waiting { ctx.reply(to: caller, .integer(state.count)) }
            state.waiting = []
            return .reply("released")
        case "self":
            return .reply(.pid(ctx.pid))
        default:
            break
        }
        if let ms = request.tagged("sleep")?.first?.intValue {
            usleep(UInt32(ms) * 1000)
            state.count += 1
            return .reply("slept")
        }
        if let reason = request.tagged("stop")?.first {
            ctx.stop(ExitReason(reason))
            return .reply("stopping")
        }
        if let arguments = request.tagged("call"), arguments.count == 2, let destination = Destination(arguments[0]) {
            return .reply(try ctx.call(destination, arguments[1], timeout: 2000))
        }
        if let name = request.tagged("register")?.first?.atomValue {
            try ctx.register(name)
            return .reply("ok")
        }
        return .reply(.tuple(["unknown", request]))
    }

    func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws {
        switch request {
        case "increment": state.count += 1
        case "crash": throw TestFailure("cast boom")
        default:
            if let amount = request.tagged("add")?.first?.intValue { state.count += amount }
        }
    }

    func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        state.count += 100
        Recorder.named(state.recorder)?.record(message)
    }

    func terminate(_ reason: ExitReason, state: State, _ ctx: ProcessContext) {
        Recorder.named(state.recorder)?.record(.tuple(["terminate", .pid(ctx.pid), reason.term]))
    }
}
