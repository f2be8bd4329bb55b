//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The code a process runs and the state it owns: a server or supervisor type of one
/// loaded image plus that type's state value.
///
/// A code change makes a new body (from the new image's type) and keeps the old one, with
/// its untouched state value, until the change is committed: undoing is putting it back.
/// Only the thread that owns the process (status `.running`), or the code changer while the
/// process is suspended, touches a body.
// @unchecked: only the thread that owns the process, or the code changer while it is
// suspended, touches a body (see above).
class ProcessBody: @unchecked Sendable {
    /// The code this body was made from.
    final let code: ModuleCode

    init(code: ModuleCode) { self.code = code }

    func handleCall(_ request: Term, from: Caller, _ ctx: ProcessContext) throws -> CallReply {
        preconditionFailure("abstract")
    }

    func handleCast(_ request: Term, _ ctx: ProcessContext) throws { preconditionFailure("abstract") }

    func handleInfo(_ message: Term, _ ctx: ProcessContext) throws { preconditionFailure("abstract") }

    func terminate(_ reason: ExitReason, _ ctx: ProcessContext) { preconditionFailure("abstract") }

    /// The state as a term, encoded by this body's code (for a code change, `sys:get_state`).
    func encodeState() throws -> Term { preconditionFailure("abstract") }

    /// The state as a term for older code of vsn `oldVsn` (a downgrade's advanced code change).
    func encodeState(downgradingTo oldVsn: Term, extra: Term) throws -> Term { try encodeState() }

    /// A copy of the state as a value of `type`, if it is one bit for bit (``StateTransfer``).
    func transferState<T>(as type: T.Type) -> T? { nil }
}

/// A ``Server`` type's body.
// @unchecked: as ``ProcessBody``: one thread at a time touches `state`.
final class ServerBody<S: Server>: ProcessBody, @unchecked Sendable {
    let server: S
    var state: S.State

    init(code: ModuleCode, server: S, state: S.State) {
        self.server = server
        self.state = state
        super.init(code: code)
    }

    override func handleCall(_ request: Term, from: Caller, _ ctx: ProcessContext) throws -> CallReply {
        try server.handleCall(request, from: from, state: &state, ctx)
    }

    override func handleCast(_ request: Term, _ ctx: ProcessContext) throws {
        try server.handleCast(request, state: &state, ctx)
    }

    override func handleInfo(_ message: Term, _ ctx: ProcessContext) throws {
        try server.handleInfo(message, state: &state, ctx)
    }

    override func terminate(_ reason: ExitReason, _ ctx: ProcessContext) {
        server.terminate(reason, state: state, ctx)
    }

    override func encodeState() throws -> Term { try StateCoding.encode(state) }

    override func encodeState(downgradingTo oldVsn: Term, extra: Term) throws -> Term {
        try server.downgradeState(to: oldVsn, state: state, extra: extra)
    }

    override func transferState<T>(as type: T.Type) -> T? { StateTransfer.transfer(state, as: type) }
}
