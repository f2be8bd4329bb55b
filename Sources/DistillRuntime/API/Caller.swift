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
///
/// A caller is `Codable` so that a state can keep waiting callers across a code change; it
/// encodes as the calling process's pid and the call's tag, which find the same caller again
/// in the same running node.
public struct Caller: Hashable, Sendable, Codable, CustomStringConvertible {
    let slot: ReplySlot
    let tag: UInt64

    init(slot: ReplySlot, tag: UInt64) {
        self.slot = slot
        self.tag = tag
    }

    private enum CodingKeys: String, CodingKey {
        case node
        case creation
        case process
        case tag
    }

    /// Finds the caller again from what ``encode(to:)`` wrote: the calling process's reply
    /// slot, in the node that is running (a caller from outside any process, or from a node
    /// that is gone, decodes as a caller that no longer waits).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let node = try container.decode(String.self, forKey: .node)
        let creation = try container.decode(Int.self, forKey: .creation)
        let number = try container.decode(Int.self, forKey: .process)
        let tag = try container.decode(Int.self, forKey: .tag)
        let pid = Pid(
            node: node,
            id: UInt32(truncatingIfNeeded: number),
            serial: UInt32(truncatingIfNeeded: number >> 32),
            creation: UInt32(truncatingIfNeeded: creation)
        )
        let process = Node.running(named: node, creation: pid.creation).lazy.compactMap { $0.process(pid) }.first
        self.slot = process?.replySlot ?? ReplySlot.gone
        self.tag = UInt64(tag)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let pid = slot.ownerPid
        try container.encode(pid?.node ?? "", forKey: .node)
        try container.encode(Int(pid?.creation ?? 0), forKey: .creation)
        try container.encode(pid.map { Int(UInt64($0.serial) << 32 | UInt64($0.id)) } ?? 0, forKey: .process)
        try container.encode(Int(tag), forKey: .tag)
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
