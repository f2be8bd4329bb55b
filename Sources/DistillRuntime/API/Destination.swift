//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Where a message goes: a process identifier or a registered name (a string literal).
public enum Destination: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    case pid(Pid)
    case name(String)

    public init(stringLiteral value: String) { self = .name(value) }

    /// A pid or an atom as a destination, as Erlang's `!` takes them.
    public init?(_ term: Term) {
        switch term {
        case .pid(let pid): self = .pid(pid)
        case .atom(let name): self = .name(name)
        default: return nil
        }
    }

    public var term: Term {
        switch self {
        case .pid(let pid): return .pid(pid)
        case .name(let name): return .atom(name)
        }
    }

    public var description: String {
        switch self {
        case .pid(let pid): return pid.text
        case .name(let name): return name
        }
    }
}

extension Pid {
    /// `<0.ID.SERIAL>`, as Erlang prints a local pid.
    public var text: String { "<0.\(id).\(serial)>" }
}
