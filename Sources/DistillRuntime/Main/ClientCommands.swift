//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Glibc

/// The client commands: each a short-lived `distill-run` that connects to the node's control
/// socket, sends one request (or, for `remote_console`, many), prints the reply and exits
/// with a status of ``ExitStatus``.
///
/// | command | request | prints | default timeout |
/// | --- | --- | --- | ---: |
/// | `ping` | `ping` | `pong` | 5 s |
/// | `pid` | `pid` | the node's OS pid | 5 s |
/// | `describe` | `describe` | the node's description (a term) | 5 s |
/// | `versions` | `versions` | the releases the node knows | 5 s |
/// | `stop` | `stop`, then waits for the process to end | `ok` | 60 s |
/// | `restart` | `restart`, then waits for the node to answer again | `ok` | 60 s |
/// | `rpc NAME TERM` | `{rpc, [Name, Term, Timeout]}` | the reply | 5 s (the call's timeout) |
/// | `cast NAME TERM`, `send NAME TERM` | `cast`, `send` | `ok` | 5 s |
/// | `help` | `help` | the node's commands | 5 s |
/// | anything else | `{Command, ["Arg", ...]}` (arguments as strings) | the reply | 120 s |
///
/// `stop` asks the node to stop cleanly and waits until its process (and heart's) has ended;
/// if it has not within the timeout, it sends SIGTERM (to heart first, so that it does not
/// restart the node), then SIGKILL after 5 more seconds, and exits 4.
enum ClientCommands {
    /// A failed command: its exit status, a code for `--json`, a message.
    struct Failure: Error {
        var status: ExitStatus
        var code: String
        var message: String
    }

    static let builtIn: Set<String> = [
        "ping", "pid", "describe", "versions", "stop", "restart", "rpc", "cast", "send", "help",
    ]

    static func run(_ options: NodeOptions) -> Int32 {
        do throws(Failure) {
            let paths: ReleasePaths
            do {
                paths = try options.paths()
            } catch {
                throw Failure(status: .usage, code: "usage", message: error.description)
            }
            let result = try perform(options, paths: paths)
            printOut(options.json ? JSONOutput.success(result) : ReleaseHandlerClient.render(result))
            return ExitStatus.success.rawValue
        } catch {
            if options.json {
                printOut(JSONOutput.failure(code: error.code, message: error.message))
            } else {
                printError("\(options.name ?? "distill-run"): error: \(error.message)")
            }
            return error.status.rawValue
        }
    }

    private static func perform(_ options: NodeOptions, paths: ReleasePaths) throws(Failure) -> Term {
        let timeout = options.timeout
        switch options.command {
        case "ping", "pid", "describe", "versions", "help":
            try expectArguments(options, 0)
            return try call(paths, options.command, [], timeout: timeout ?? 5000)
        case "stop":
            try expectArguments(options, 0)
            return try stop(paths, timeout: timeout ?? 60_000)
        case "restart":
            try expectArguments(options, 0)
            return try restart(paths, timeout: timeout ?? 60_000)
        case "rpc":
            try expectArguments(options, 2, usage: "rpc NAME TERM")
            let callTimeout = timeout ?? 5000
            let arguments: [Term] = [
                .atom(options.arguments[0]), try parse(options.arguments[1]), .integer(callTimeout),
            ]
            return try call(paths, "rpc", arguments, timeout: callTimeout + 2000)
        case "cast", "send":
            try expectArguments(options, 2, usage: "\(options.command) NAME TERM")
            let arguments: [Term] = [.atom(options.arguments[0]), try parse(options.arguments[1])]
            return try call(paths, options.command, arguments, timeout: timeout ?? 5000)
        default:
            if let request = try ReleaseHandlerClient.request(
                options.command,
                options.arguments,
                environment: Posix.environment()
            ) {
                return try call(paths, options.command, request.arguments, timeout: timeout ?? request.timeout)
            }
            return try call(paths, options.command, options.arguments.map(Term.string), timeout: timeout ?? 120_000)
        }
    }

    private static func expectArguments(_ options: NodeOptions, _ count: Int, usage: String? = nil) throws(Failure) {
        guard options.arguments.count == count else {
            let expected = usage.map { "usage: \($0)" } ?? "\(options.command) takes no arguments"
            throw Failure(status: .usage, code: "usage", message: expected)
        }
    }

    /// A term given on the command line (`'{put, a, 1}'`, with or without its final `.`).
    static func parse(_ text: String) throws(Failure) -> Term {
        do {
            return try TermParser.parseOne(text, file: "<argument>")
        } catch {
            throw Failure(status: .usage, code: "usage", message: "not a term: \(error.message) in '\(text)'")
        }
    }

    // MARK: - Talking to the node

    /// Connects to the node's control socket.
    static func connect(_ paths: ReleasePaths) throws(Failure) -> ControlChannel {
        let fd = UnixSocket.connect(paths.socket)
        guard fd >= 0 else {
            let code = errno
            if code == EACCES || code == EPERM {
                throw Failure(
                    status: .refused,
                    code: "refused",
                    message: "permission denied on \(paths.socket): the node belongs to another user"
                )
            }
            throw Failure(
                status: .notRunning,
                code: "not_running",
                message: "\(paths.name) is not running (nothing listens on \(paths.relative(paths.socket)))"
            )
        }
        return ControlChannel(fd: fd)
    }

    /// Sends `{command, arguments}` on `channel` and returns the `Term` of `{ok, Term}`; an
    /// error reply, a timeout or a lost connection throws.
    static func request(
        _ channel: ControlChannel,
        _ command: String,
        _ arguments: [Term],
        timeout: Int,
        name: String
    ) throws(Failure) -> Term {
        let deadline = Deadline.after(.milliseconds(timeout))
        let reply: Term
        do {
            do {
                try channel.write(.tuple([.atom(command), .list(arguments)]), until: deadline)
            } catch .system(let code) where code == EPIPE || code == ECONNRESET {
                // The node may have answered before reading (a refusal) and closed: read it.
            }
            reply = try channel.read(waitUntil: deadline, frameMilliseconds: timeout)
        } catch .timeout {
            throw Failure(
                status: .timeout,
                code: "timeout",
                message: "\(name) did not answer '\(command)' within \(timeout) ms"
            )
        } catch {
            throw Failure(status: .notRunning, code: "connection_lost", message: "connection to \(name) lost: \(error)")
        }
        switch reply.tupleElements {
        case let parts? where parts.count == 2 && parts[0] == .atom("ok"):
            return parts[1]
        case let parts? where parts.count == 2 && parts[0] == .atom("error"):
            let error = ControlError(term: parts[1]) ?? ControlError(.failed, TermPrinter.printCompact(parts[1]))
            throw Failure(status: status(for: error.code), code: error.code.name, message: error.message)
        default:
            throw Failure(
                status: .failure,
                code: "bad_reply",
                message: "unexpected reply \(TermPrinter.printCompact(reply))"
            )
        }
    }

    static func status(for code: ControlError.Code) -> ExitStatus {
        switch code {
        case .refused: .refused
        case .timeout: .timeout
        case .badRequest, .unknownCommand, .badArgument: .usage
        default: .failure
        }
    }

    /// One request on a fresh connection.
    static func call(
        _ paths: ReleasePaths,
        _ command: String,
        _ arguments: [Term],
        timeout: Int
    ) throws(Failure) -> Term {
        let channel = try connect(paths)
        return try request(channel, command, arguments, timeout: timeout, name: paths.name)
    }

    // MARK: - stop and restart

    private static func stop(_ paths: ReleasePaths, timeout: Int) throws(Failure) -> Term {
        let deadline = Deadline.after(.milliseconds(timeout))
        let channel = try connect(paths)
        // Only a heart that has the release's lock open: a stale pid file may name any process.
        let heart = readPid(paths.heartPidFile).flatMap { NodeLock.isOpen(by: $0, paths) ? $0 : nil }
        let reply = try request(channel, "stop", [], timeout: timeout, name: paths.name)
        guard let pid = reply.intValue.map(Int32.init) else {
            throw Failure(
                status: .failure,
                code: "bad_reply",
                message: "unexpected reply \(TermPrinter.printCompact(reply))"
            )
        }
        _ = channel.waitForClose(until: deadline)
        if waitForExit(pid, until: deadline) {
            if let heart { _ = waitForExit(heart, until: .after(.seconds(5))) }
            return .atom("ok")
        }
        // The teardown: heart first (so that it does not restart the node), then the node.
        if let heart { kill(heart, SIGTERM) }
        kill(pid, SIGTERM)
        var sent = "SIGTERM"
        if !waitForExit(pid, until: .after(.seconds(5))) {
            kill(pid, SIGKILL)
            if let heart { kill(heart, SIGKILL) }
            _ = waitForExit(pid, until: .after(.seconds(5)))
            sent += ", then SIGKILL"
        }
        // A killed node leaves its files behind.
        for path in [paths.socket, paths.pidFile, paths.heartPidFile] { unlink(path) }
        throw Failure(
            status: .timeout,
            code: "timeout",
            message: "\(paths.name) (pid \(pid)) did not stop within \(timeout) ms; it was sent \(sent)"
        )
    }

    private static func restart(_ paths: ReleasePaths, timeout: Int) throws(Failure) -> Term {
        let deadline = Deadline.after(.milliseconds(timeout))
        let channel = try connect(paths)
        _ = try request(channel, "restart", [], timeout: timeout, name: paths.name)
        _ = channel.waitForClose(until: deadline)
        guard waitUntilAnswering(paths, until: deadline) else {
            throw Failure(
                status: .timeout,
                code: "timeout",
                message: "\(paths.name) did not come back within \(timeout) ms"
            )
        }
        return .atom("ok")
    }

    /// Polls `ping` until the node answers or `deadline` passes (while `alive` says the
    /// process to wait for is still there): every millisecond for the first 200 ms (a boot
    /// takes about 10), then every 10 ms. A poll before the socket exists is one failed
    /// `connect`.
    static func waitUntilAnswering(
        _ paths: ReleasePaths,
        until deadline: Deadline,
        alive: () -> Bool = { true }
    ) -> Bool {
        let started = Posix.monotonicMilliseconds()
        while !deadline.hasPassed {
            if let channel = try? connect(paths),
                (try? request(channel, "ping", [], timeout: 1000, name: paths.name)) == .atom("pong")
            {
                return true
            }
            guard alive() else { return false }
            Posix.sleep(milliseconds: Posix.monotonicMilliseconds() - started < 200 ? 1 : 10)
        }
        return false
    }

    /// Waits until `pid` is gone (or a zombie); `false` if `deadline` passed first.
    static func waitForExit(_ pid: Int32, until deadline: Deadline) -> Bool {
        while Posix.isAlive(pid) {
            if deadline.hasPassed { return false }
            Posix.sleep(milliseconds: 5)
        }
        return true
    }

    static func readPid(_ path: String) -> Int32? {
        guard let text = try? Posix.readText(path) else { return nil }
        return Int32(text.split(separator: "\n").first ?? "")
    }

    static func printOut(_ text: String) { RuntimeCommand.printOut(text) }
    static func printError(_ text: String) { RuntimeCommand.printError(text) }
}
