//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Glibc

/// `remote_console`: reads requests line by line (from a terminal, with a `NAME> ` prompt,
/// or from a pipe) and sends each over one control connection.
///
/// ```
/// kv {get, a}            call kv with {get, a} and print the reply (gen_server:call)
/// call kv {get, a}       the same
/// kv ! hello             send kv the message hello (Name ! Msg)
/// send kv hello          the same
/// cast kv {put, a, 1}    cast {put, a, 1} to kv (gen_server:cast)
/// ping | pid | describe | versions
/// help                   this grammar
/// quit                   (or end of input) leave; the node keeps running
/// ```
///
/// A term is Erlang's syntax, on one line, with or without its final `.`; a line starting
/// with `%` is a comment. A reply is printed as a term; an error as `error: ...` on standard
/// error. Reading from a pipe, the exit status is 1 if any request failed (0 otherwise); the
/// status is 3 if the connection is lost.
enum RemoteConsole {
    static let grammar = """
        NAME TERM             call NAME with TERM and print the reply
        call NAME TERM        the same
        NAME ! TERM           send TERM to NAME
        send NAME TERM        the same
        cast NAME TERM        cast TERM to NAME
        ping | pid | describe | versions
        help                  this text
        quit                  leave (the node keeps running)
        """

    enum Line: Equatable {
        case empty
        case quit
        case help
        /// A request: command and arguments.
        case request(String, [Term])
        case invalid(String)
    }

    /// Reads one line of input (see the type's documentation); `timeout` is a call's.
    static func parse(_ text: String, timeout: Int) -> Line {
        let line = text.drop { $0 == " " || $0 == "\t" }
        let trimmed = Substring(line.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
        if trimmed.isEmpty || trimmed.hasPrefix("%") { return .empty }
        let (first, rest) = word(trimmed)
        switch first {
        case "quit", "q", "exit": return rest.isEmpty ? .quit : .invalid("'\(first)' takes nothing after it")
        case "help": return .help
        case "ping", "pid", "describe", "versions":
            if rest.isEmpty { return .request(first, []) }
        case "call", "cast", "send":
            let (name, term) = word(rest)
            guard !name.isEmpty, !term.isEmpty else { return .invalid("usage: \(first) NAME TERM") }
            return request(first, name: name, term: String(term), timeout: timeout)
        default:
            break
        }
        if rest.hasPrefix("!") {
            return request("send", name: first, term: String(rest.dropFirst()), timeout: timeout)
        }
        guard !rest.isEmpty else { return .invalid("'\(first)' is not a command; try 'help'") }
        return request("call", name: first, term: String(rest), timeout: timeout)
    }

    /// The first word of `text` (a quoted atom, quotes included, is one word) and the rest
    /// without its leading spaces.
    static func word(_ text: Substring) -> (String, Substring) {
        var end = text.startIndex
        if text.first == "'" {
            end = text.index(after: end)
            while end < text.endIndex, text[end] != "'" {
                if text[end] == "\\" { end = text.index(after: end) }
                if end < text.endIndex { end = text.index(after: end) }
            }
            if end < text.endIndex { end = text.index(after: end) }
        } else {
            end = text.firstIndex(of: " ") ?? text.endIndex
        }
        return (String(text[..<end]), text[end...].drop { $0 == " " })
    }

    private static func request(_ kind: String, name: String, term text: String, timeout: Int) -> Line {
        guard let nameTerm = try? TermParser.parseOne(name, file: "<name>"), nameTerm.atomValue != nil else {
            return .invalid("'\(name)' is not a process name (an atom)")
        }
        let term: Term
        do {
            term = try TermParser.parseOne(text, file: "<input>")
        } catch {
            return .invalid("not a term: \(error.message)")
        }
        switch kind {
        case "call": return .request("rpc", [nameTerm, term, .integer(timeout)])
        default: return .request(kind, [nameTerm, term])
        }
    }

    static func run(_ options: NodeOptions) -> Int32 {
        let paths: ReleasePaths
        let channel: ControlChannel
        do {
            paths = try options.paths()
        } catch {
            RuntimeCommand.printError("distill-run: \(error)")
            return ExitStatus.usage.rawValue
        }
        do {
            channel = try ClientCommands.connect(paths)
        } catch {
            RuntimeCommand.printError("\(paths.name): error: \(error.message)")
            return error.status.rawValue
        }
        let interactive = isatty(0) != 0
        let timeout = options.timeout ?? 5000
        // The connection waits for a person between requests: the node must not close it as
        // idle (a node without the command answers unknown_command, and that is all).
        _ = try? ClientCommands.request(channel, "console", [], timeout: timeout + 2000, name: paths.name)
        var failed = false
        var reader = LineReader(fd: 0)
        if interactive {
            RuntimeCommand.printOut(
                "Connected to \(paths.name) (\(paths.root)). 'help' for the grammar, 'quit' to leave."
            )
        }
        while true {
            if interactive { RuntimeCommand.writeAll(1, paths.name + "> ") }
            guard let text = reader.next() else { break }
            switch parse(text, timeout: timeout) {
            case .empty: continue
            case .quit: return interactive || !failed ? 0 : ExitStatus.failure.rawValue
            case .help: RuntimeCommand.printOut(grammar)
            case .invalid(let message):
                failed = true
                RuntimeCommand.printError("error: \(message)")
            case .request(let command, let arguments):
                do {
                    let reply = try ClientCommands.request(
                        channel,
                        command,
                        arguments,
                        timeout: timeout + 2000,
                        name: paths.name
                    )
                    RuntimeCommand.printOut(TermPrinter.print(reply))
                } catch {
                    failed = true
                    RuntimeCommand.printError("error: \(error.message)")
                    if error.status == .notRunning { return ExitStatus.notRunning.rawValue }
                }
            }
        }
        if interactive { RuntimeCommand.printOut("") }
        return interactive || !failed ? 0 : ExitStatus.failure.rawValue
    }
}

/// Lines from a file descriptor, without their line breaks.
struct LineReader {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var ended = false

    init(fd: Int32) { self.fd = fd }

    mutating func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            if ended {
                guard !buffer.isEmpty else { return nil }
                defer { buffer = [] }
                return String(decoding: buffer, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                ended = true
            } else {
                buffer += chunk[..<count]
            }
        }
    }
}
