//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import Testing

// The two versions of the "Changing a server's state across versions" article, under two
// names and one module name, as the article tells a plugin author to test them.

private struct CounterError: Error, CustomStringConvertible {
    var description: String
}

private struct CounterV1: Server {
    static let vsn: Term = 1
    static var moduleName: String { "Counter" }
    struct State: Codable, Sendable { var count = 0 }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        state.count += 1
        return .reply(.integer(state.count))
    }
}

private struct CounterV2: Server {
    static let vsn: Term = 2
    static var moduleName: String { "Counter" }
    struct State: Codable, Sendable { var counts: [String: Int] = [:] }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        let tag = request.atomValue ?? "other"
        state.counts[tag, default: 0] += 1
        return .reply(.integer(state.counts.values.reduce(0, +)))
    }

    func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State {
        guard oldVsn == 1 else { return try TermDecoder().decode(State.self, from: state) }
        guard let count = state.mapValue?["count"]?.intValue else {
            throw CounterError(description: "cannot read the vsn 1 state \(state)")
        }
        return State(counts: ["other": count])
    }

    func downgradeState(to oldVsn: Term, state: State, extra: Term) throws -> Term {
        guard oldVsn == 1 else { return try TermEncoder().encode(state) }
        return .map(["count": .integer(state.counts.values.reduce(0, +))])
    }
}

struct ChangingStateArticleTests {
    @Test func counterStateCrossesBothWays() throws {
        let runtime = EmbeddedRuntime()
        defer { runtime.finish() }
        let counter = try runtime.spawn(CounterV1.self)
        _ = try runtime.call(counter, "a")
        _ = try runtime.call(counter, "b")

        try runtime.changeCode(counter, to: CounterV2.self, mode: .advanced(extra: []))
        #expect(try runtime.call(counter, "a") == 3)

        try runtime.changeCode(counter, to: CounterV1.self, mode: .advanced(extra: []), direction: .down)
        #expect(try runtime.call(counter, "a") == 4)
    }

    /// The table's `oldVsn` column: the old code's vsn up, `{down, NewVsn}` down.
    @Test func oldVsnIsTheOldCodesVsnUpAndTaggedDown() throws {
        struct Recorder: Server {
            static let vsn: Term = 1
            static var moduleName: String { "Recorder" }
            struct State: Codable, Sendable { var seen: Term = [] }
            init() {}
            func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
            func handleCall(
                _ request: Term,
                from: Caller,
                state: inout State,
                _ ctx: ProcessContext
            ) throws
                -> CallReply
            { .reply(state.seen) }
            func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State { State(seen: oldVsn) }
        }
        struct RecorderV2: Server {
            static let vsn: Term = 2
            static var moduleName: String { "Recorder" }
            struct State: Codable, Sendable { var seen: Term = [] }
            init() {}
            func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
            func handleCall(
                _ request: Term,
                from: Caller,
                state: inout State,
                _ ctx: ProcessContext
            ) throws
                -> CallReply
            { .reply(state.seen) }
            func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State { State(seen: oldVsn) }
        }
        let runtime = EmbeddedRuntime()
        defer { runtime.finish() }
        let pid = try runtime.spawn(Recorder.self)
        try runtime.changeCode(pid, to: RecorderV2.self, mode: .advanced(extra: []))
        #expect(try runtime.call(pid, "seen") == 1)
        try runtime.changeCode(pid, to: Recorder.self, mode: .advanced(extra: []), direction: .down)
        #expect(try runtime.call(pid, "seen") == .tuple(["down", 2]))
    }

    @Test func aRefusedConversionKeepsTheOldCodeAndState() throws {
        struct Refusing: Server {
            static let vsn: Term = 2
            static var moduleName: String { "Counter" }
            struct State: Codable, Sendable { var counts: [String: Int] = [:] }
            init() {}
            func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
            func handleCall(
                _ request: Term,
                from: Caller,
                state: inout State,
                _ ctx: ProcessContext
            ) throws
                -> CallReply
            { .reply("v2") }
            func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State {
                throw CounterError(description: "refused")
            }
        }
        let runtime = EmbeddedRuntime()
        defer { runtime.finish() }
        let counter = try runtime.spawn(CounterV1.self)
        _ = try runtime.call(counter, "a")
        #expect(throws: (any Error).self) {
            try runtime.changeCode(counter, to: Refusing.self, mode: .advanced(extra: []))
        }
        #expect(try runtime.call(counter, "a") == 2)
    }
}
