//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Who is waiting for the reply to a call: gen_server's `From`.
///
/// Reply by returning ``CallReply/reply(_:)`` from ``Server/handleCall(_:from:state:_:)``,
/// or return ``CallReply/noreply``, keep the caller, and later call
/// ``ProcessContext/reply(to:_:)`` (from any process). A caller that has timed out, or
/// has been answered, drops further replies: no stray message reaches it.
public struct Caller: Hashable, Sendable, CustomStringConvertible {
    let slot: ReplySlot
    let tag: UInt64

    init(slot: ReplySlot, tag: UInt64) {
        self.slot = slot
        self.tag = tag
    }

    /// The calling process, or `nil` when the call came from outside any process.
    public var pid: Pid? { slot.ownerPid }

    /// Whether the caller still waits for this reply.
    public var isWaiting: Bool { slot.isWaiting(tag: tag) }

    public static func == (lhs: Caller, rhs: Caller) -> Bool { lhs.slot === rhs.slot && lhs.tag == rhs.tag }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(slot))
        hasher.combine(tag)
    }

    public var description: String { "Caller(\(pid?.text ?? "external"), tag: \(tag))" }
}

/// What ``Server/handleCall(_:from:state:_:)`` answers: gen_server's `{reply, R, S}` or
/// `{noreply, S}`.
public enum CallReply: Sendable {
    /// Answer the caller now.
    case reply(Term)
    /// Answer later with ``ProcessContext/reply(to:_:)``.
    case noreply
}
