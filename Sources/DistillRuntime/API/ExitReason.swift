//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Why a process exited: an Erlang term, as in `{'EXIT', Pid, Reason}` and `{'DOWN', ...}`.
///
/// `normal`, `shutdown` and `{shutdown, Term}` are the normal reasons (a `transient` child is
/// not restarted after them); `kill` cannot be trapped and becomes `killed` for everyone who
/// hears of the death; a callback that throws ends its process with ``error(_:)``.
public struct ExitReason: Hashable, Sendable, CustomStringConvertible {
    /// The reason as a term.
    public var term: Term

    public init(_ term: Term) { self.term = term }

    /// `normal`: the process finished its work.
    public static let normal = ExitReason(.atom("normal"))
    /// `shutdown`: its supervisor, or the node, stopped it.
    public static let shutdown = ExitReason(.atom("shutdown"))
    /// `kill`: an untrappable exit signal.
    public static let kill = ExitReason(.atom("kill"))
    /// `killed`: the reason of a process that was sent `kill`.
    public static let killed = ExitReason(.atom("killed"))
    /// `noproc`: the process did not exist.
    public static let noproc = ExitReason(.atom("noproc"))

    /// `{shutdown, detail}`.
    public static func shutdown(_ detail: Term) -> ExitReason { ExitReason(.tuple([.atom("shutdown"), detail])) }

    /// `{error, <<"Type">>, <<"description">>}`: a callback threw `error`. A ``RuntimeError``
    /// that carries an exit reason (a callee's exit, a child's failed start) passes it on.
    public static func error(_ error: any Error) -> ExitReason {
        if let runtimeError = error as? RuntimeError, let reason = runtimeError.reason { return reason }
        return ExitReason(
            .tuple([
                .atom("error"), .binary(_typeName(type(of: error), qualified: true)),
                .binary(String(describing: error)),
            ])
        )
    }

    /// Whether this is `normal`, `shutdown` or `{shutdown, _}` (OTP's "normal" exits: no
    /// restart of a transient child, no error report).
    public var isNormal: Bool {
        switch term {
        case .atom("normal"), .atom("shutdown"): return true
        case .tuple(let elements): return elements.count == 2 && elements[0] == .atom("shutdown")
        default: return false
        }
    }

    public var description: String { "\(term)" }
}
