//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// An Erlang process identifier as the External Term Format carries it
/// (`NEW_PID_EXT`): the node's name, two numbers and the node's creation.
public struct Pid: Sendable, Hashable {
    /// The node the process lives on, an atom such as `nonode@nohost`.
    public var node: String
    /// The process number on that node.
    public var id: UInt32
    /// The serial number, for when `id` wraps.
    public var serial: UInt32
    /// The node incarnation that made this identifier.
    public var creation: UInt32

    public init(node: String, id: UInt32, serial: UInt32 = 0, creation: UInt32 = 0) {
        self.node = node
        self.id = id
        self.serial = serial
        self.creation = creation
    }
}

/// An Erlang reference as the External Term Format carries it
/// (`NEWER_REFERENCE_EXT`): the node's name, its creation and up to five words.
public struct Reference: Sendable, Hashable {
    /// The node that made the reference, an atom such as `nonode@nohost`.
    public var node: String
    /// The node incarnation that made it.
    public var creation: UInt32
    /// The reference's identifying words, least significant first.
    public var ids: [UInt32]

    public init(node: String, creation: UInt32 = 0, ids: [UInt32]) {
        self.node = node
        self.creation = creation
        self.ids = ids
    }
}
