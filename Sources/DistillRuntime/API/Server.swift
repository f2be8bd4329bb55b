//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging

/// A process's code: Erlang's `gen_server` behaviour.
///
/// A process runs one callback at a time, one message at a time, and owns its ``State``;
/// nothing else touches it. Callbacks are synchronous: they run on a scheduler thread (or,
/// for a call to an idle process, on the caller's thread) and must not block except in
/// `ctx.call`. Between two messages the release handler may suspend the process and switch
/// it to a new version of this type: the state then crosses as a ``Term``
/// (``codeChange(from:state:extra:)``).
///
/// ```swift
/// public struct KV: Server {
///     public static let vsn: Term = 1
///     public struct State: Codable, Sendable { var table: [String: Term] = [:] }
///     public init() {}
///     public func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
///     public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
///         guard let key = request.tagged("get")?.first?.atomValue else { return .reply("badarg") }
///         return .reply(state.table[key] ?? "undefined")
///     }
/// }
/// ```
public protocol Server: Module {
    /// The process state. It is `Codable` so that it can cross versions as a ``Term``.
    associatedtype State: Codable & Sendable

    /// The runtime makes an instance for each process (and for each code change); keep it
    /// stateless: the state is ``State``.
    init()

    /// `init/1`: builds the initial state. Runs in the new process before `spawn` returns;
    /// a thrown error fails the start.
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State

    /// `handle_call/3`: answers a call, now (``CallReply/reply(_:)``) or later.
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply

    /// `handle_cast/2`. Default: log the unexpected request and carry on.
    func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws

    /// `handle_info/2`: plain messages, timer messages, TCP events (`{tcp, Socket, Data}`,
    /// `{tcp_closed, Socket}`, `{tcp_accepted, Listener, Socket}`), `{'DOWN', ...}` and, when
    /// trapping exits, `{'EXIT', Pid, Reason}`. Default: log and carry on.
    func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws

    /// `terminate/2`: called when the process stops (``ProcessContext/stop(_:)``), when a
    /// callback throws, and when its supervisor shuts it down while it traps exits. Default:
    /// nothing.
    func terminate(_ reason: ExitReason, state: State, _ ctx: ProcessContext)

    /// `code_change/3`: builds this version's state from the state an older (or, with
    /// `oldVsn` = `{down, Vsn}`, newer) version encoded as a term. A thrown error aborts the
    /// whole upgrade: the process keeps its old code and old state. Default: decode `state`
    /// as ``State`` with the runtime's ``Term`` decoder. <doc:ChangingState> shows both
    /// directions with an example and its test.
    func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State

    /// The downgrade half of `code_change({down, Vsn}, ...)`, which OTP runs in the newer
    /// code: this version's state as the older version `oldVsn` reads it. The older code's
    /// ``codeChange(from:state:extra:)`` then receives the result with `{down, NewVsn}`, so a
    /// release shipped before this one never has to know this version's shape. Throwing
    /// aborts the downgrade like a throwing `codeChange`. Default: the state encoded as it is.
    func downgradeState(to oldVsn: Term, state: State, extra: Term) throws -> Term
}

extension Server {
    public func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws {
        ctx.logger.warning("unexpected cast", metadata: ["request": "\(request.logged)"])
    }

    public func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        ctx.logger.warning("unexpected message", metadata: ["message": "\(message.logged)"])
    }

    public func terminate(_ reason: ExitReason, state: State, _ ctx: ProcessContext) {}

    public func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State {
        try StateCoding.decode(State.self, from: state)
    }

    public func downgradeState(to oldVsn: Term, state: State, extra: Term) throws -> Term {
        try StateCoding.encode(state)
    }
}
