//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm
public import Logging
import Synchronization

/// The commands a node answers on its control socket: one table, built in one place
/// (``standard()``).
///
/// A request is the term `{Command, Args}` (an atom and a list); the reply is `{ok, Term}` or
/// `{error, {Code, Message}}` (an atom and a binary; see ``ControlError``). A command is a name,
/// a one-line summary and a handler that runs on the connection's thread; it may block (calls
/// into processes do), and it must not trap.
///
/// Adding commands (the release handler adds `unpack`, `install`, `upgrade`, ...):
///
/// ```swift
/// extension ControlCommand {
///     static let upgrade = ControlCommand("upgrade", summary: "upgrade to an unpacked release") { request in
///         let version = try request.string(at: 0)
///         ...
///         return .atom("ok")
///     }
/// }
/// // and one line in ControlCommands.standard(): table.register(.upgrade)
/// ```
///
/// A command registered under a name already in the table replaces the earlier one, so a
/// later group may refine a basic command (`versions`).
public struct ControlCommands: Sendable {
    private var table: [String: ControlCommand] = [:]

    /// An empty table.
    public init() {}

    /// Every command of a running node. **The one place commands are listed.**
    public static func standard() -> ControlCommands {
        var table = ControlCommands()
        table.register(contentsOf: ControlCommand.nodeCommands)
        table.register(contentsOf: ControlCommand.releaseHandlerCommands)
        return table
    }

    /// Adds `command`, replacing a command of the same name.
    public mutating func register(_ command: ControlCommand) { table[command.name] = command }

    /// Adds each command, in order (a later one replaces an earlier of the same name).
    public mutating func register(contentsOf commands: [ControlCommand]) {
        for command in commands { register(command) }
    }

    /// The command named `name`.
    public func command(named name: String) -> ControlCommand? { table[name] }

    /// Every command, sorted by name.
    public var all: [ControlCommand] { table.values.sorted { $0.name < $1.name } }

    /// The largest request frame for `command` (`nil`: a frame that does not start as a
    /// request): ``ControlFrame/maximumFrameSize`` for a command that takes large arguments,
    /// ``ControlFrame/smallFrameSize`` otherwise.
    func frameLimit(for command: String?) -> Int {
        guard let command, let found = table[command], found.takesLargeArguments else {
            return ControlFrame.smallFrameSize
        }
        return ControlFrame.maximumFrameSize
    }

    /// Answers one decoded request: `{ok, Term}` or `{error, {Code, Message}}`. What the
    /// handler asked to run after its reply is added to `effects`.
    func reply(
        to request: Term,
        release: ReleaseNode,
        peer: Int32,
        connection: Int32 = -1,
        session: ControlSession? = nil,
        effects: AfterReply
    ) -> Term {
        guard case .tuple(let parts) = request, parts.count == 2, let name = parts[0].atomValue,
            let arguments = parts[1].listElements
        else {
            return ControlError(.badRequest, "a request is {Command, [Argument]}, got \(brief(request))").reply
        }
        guard let command = table[name] else {
            let hint = Spelling.closest(to: name, among: Array(table.keys)).map { "; did you mean '\($0)'?" } ?? ""
            return ControlError(.unknownCommand, "unknown command '\(name)'" + hint).reply
        }
        let context = ControlRequest(
            command: name,
            arguments: arguments,
            release: release,
            peerPid: peer,
            connection: connection,
            session: session,
            effects: effects
        )
        do {
            return .tuple([.atom("ok"), try command.handler(context)])
        } catch {
            return ControlError(error).reply
        }
    }

    private func brief(_ term: Term) -> String { TermPrinter.printCompact(term, maximumBytes: 77) }
}

/// One control command: its name (the request's atom), a one-line summary (`help`), and what
/// it does.
public struct ControlCommand: Sendable {
    /// Answers a request with the `Term` of `{ok, Term}`, or throws (a ``ControlError``, or
    /// any error, reported as `{error, {Code, Message}}`).
    public typealias Handler = @Sendable (ControlRequest) throws -> Term

    public let name: String
    public let summary: String
    /// Whether a request may carry terms or an environment (`rpc`, `upgrade`): its frame may
    /// be up to ``ControlFrame/maximumFrameSize``; other requests up to
    /// ``ControlFrame/smallFrameSize``.
    public let takesLargeArguments: Bool
    public let handler: Handler

    public init(_ name: String, summary: String, takesLargeArguments: Bool = false, handler: @escaping Handler) {
        self.name = name
        self.summary = summary
        self.takesLargeArguments = takesLargeArguments
        self.handler = handler
    }
}

/// A request as a command's handler sees it: the arguments and the node they are about.
public struct ControlRequest: Sendable {
    /// The command's name.
    public let command: String
    /// The request's arguments (`Args`).
    public let arguments: [Term]
    /// The node booted from the release.
    public let release: ReleaseNode
    /// The process id of the client, as the socket's peer credentials give it.
    public let peerPid: Int32
    /// The connection's descriptor (a release handler command that restarts the runtime
    /// hands it to the new runtime, which replies on it).
    public let connection: Int32
    /// The connection as the server tracks it (`nil` outside a server).
    let session: ControlSession?
    let effects: AfterReply

    /// Runs `body` once the reply has been written to the client (a `stop` replies first,
    /// then stops the node).
    public func afterReply(_ body: @escaping @Sendable () -> Void) { effects.add(body) }

    /// The running node.
    public var node: Node { release.node }

    /// The node's logger.
    public var logger: Logger { release.node.logger }

    /// Checks the number of arguments.
    public func expectArguments(_ counts: ClosedRange<Int>, usage: String) throws(ControlError) {
        guard counts.contains(arguments.count) else {
            throw ControlError(.badArgument, "\(command) takes \(usage), got \(arguments.count) argument(s)")
        }
    }

    /// Argument `index` if there is one.
    public func argument(at index: Int) -> Term? { index < arguments.count ? arguments[index] : nil }

    /// Argument `index` as text: a string, a binary or an atom.
    public func string(at index: Int) throws(ControlError) -> String {
        switch argument(at: index) {
        case .string(let text)?, .atom(let text)?: return text
        case .binary(let bytes)?:
            if let text = String(validating: bytes, as: UTF8.self) { return text }
        case .list(let elements)? where elements.isEmpty: return ""
        default: break
        }
        throw ControlError(.badArgument, "\(command): argument \(index + 1) must be a string")
    }

    /// Argument `index` as an atom (a name).
    public func atom(at index: Int) throws(ControlError) -> String {
        guard let name = argument(at: index)?.atomValue else {
            throw ControlError(.badArgument, "\(command): argument \(index + 1) must be an atom")
        }
        return name
    }

    /// Argument `index` as an integer in `range`.
    public func integer(at index: Int, in range: ClosedRange<Int>) throws(ControlError) -> Int {
        guard let value = argument(at: index)?.intValue, range.contains(value) else {
            throw ControlError(
                .badArgument,
                "\(command): argument \(index + 1) must be an integer in \(range.lowerBound)..\(range.upperBound), got "
                    + (argument(at: index).map { TermPrinter.printCompact($0, maximumBytes: 40) } ?? "nothing")
            )
        }
        return value
    }
}

/// An error reply: `{error, {Code, Message}}`, with `Code` an atom a script can match and
/// `Message` a binary sentence for people.
public struct ControlError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The reply's code atom.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The atom.
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The request is not `{Command, [Argument]}`.
        public static var badRequest: Self { Self("bad_request") }
        /// No command has that name.
        public static var unknownCommand: Self { Self("unknown_command") }
        /// The arguments are wrong.
        public static var badArgument: Self { Self("badarg") }
        /// No process has that name (`noproc`).
        public static var noProcess: Self { Self("noproc") }
        /// No reply in time.
        public static var timeout: Self { Self("timeout") }
        /// The process exited while handling the call.
        public static var exited: Self { Self("exit") }
        /// The client is not the node's user (its connection is closed after this reply).
        public static var refused: Self { Self("refused") }
        /// The node is stopping and takes no more commands of this kind.
        public static var stopping: Self { Self("stopping") }
        /// Anything else that went wrong.
        public static var failed: Self { Self("failed") }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Any error as a reply: a ``ControlError`` as it is, a ``RuntimeError`` by its code,
    /// anything else as `failed`.
    public init(_ error: any Error) {
        if let error = error as? ControlError {
            self = error
        } else if let error = error as? RuntimeError {
            let code: Code =
                switch error.code {
                case .timeout: .timeout
                case .noProcess: .noProcess
                case .exited, .interrupted: .exited
                case .badArgument: .badArgument
                default: .failed
                }
            self.init(code, error.message)
        } else {
            self.init(.failed, "\(error)")
        }
    }

    /// `{Code, <<"Message">>}`.
    public var term: Term { .tuple([.atom(code.name), .binary(message)]) }

    /// `{error, {Code, <<"Message">>}}`.
    public var reply: Term { .tuple([.atom("error"), term]) }

    /// Reads `{Code, Message}` back (the client side); `nil` if `term` is not one.
    public init?(term: Term) {
        guard case .tuple(let parts) = term, parts.count == 2, let code = parts[0].atomValue else { return nil }
        let message: String
        switch parts[1] {
        case .binary(let bytes): message = String(decoding: bytes, as: UTF8.self)
        case .string(let text): message = text
        default: message = TermPrinter.printCompact(parts[1])
        }
        self.init(Code(code), message)
    }

    public var description: String { "error: \(message)" }
}

/// What handlers asked to run after their reply is sent.
final class AfterReply: Sendable {
    private let actions = Mutex<[@Sendable () -> Void]>([])

    func add(_ action: @escaping @Sendable () -> Void) { actions.withLock { $0.append(action) } }

    /// Runs and forgets the actions, in order.
    func run() {
        let taken = actions.withLock { actions in
            defer { actions = [] }
            return actions
        }
        for action in taken { action() }
    }
}
