//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm

/// The client side of the release handler's commands (``ControlCommand/releaseHandlerCommands``):
/// turns `distill-run COMMAND ARGS...` into a request and a reply into text.
///
/// | command line | request |
/// | --- | --- |
/// | `upgrade VSN [--health CMD] [--soak SECONDS] [--no-permanent] [--time-limit MS]` | `{upgrade, [Vsn, Options]}` |
/// | `install VSN [--time-limit MS]`, `downgrade VSN [--time-limit MS]` | `{install, [Vsn, Options]}`, `{downgrade, [Vsn, Options]}` |
/// | `unpack VSN`, `make_permanent VSN`, `remove VSN` | `{Command, [Vsn]}` |
///
/// `Options` carries the client's environment (`{env, [...]}`): `${VAR}`s in the new
/// `sys.config`, the hooks and the health command see the operator's variables, as relx's
/// `REPLACE_OS_VARS` does when the script runs. The command's timeout defaults to the soak
/// time plus ten minutes (an upgrade may restart the runtime), plus the install's time limit
/// (`--time-limit MS` or `infinity`: how long the relup may wait on processes, `{time_limit, Ms}`).
enum ReleaseHandlerClient {
    static let commands: Set<String> = ["upgrade", "install", "downgrade", "unpack", "make_permanent", "remove"]

    /// The request for `command` with `arguments`, and its default timeout (ms); `nil` if
    /// `command` is not the release handler's.
    static func request(
        _ command: String,
        _ arguments: [String],
        environment: [String: String]
    ) throws(ClientCommands.Failure) -> (arguments: [Term], timeout: Int)? {
        guard commands.contains(command) else { return nil }
        func usage(_ text: String) -> ClientCommands.Failure {
            ClientCommands.Failure(status: .usage, code: "usage", message: text)
        }
        let takesOptions = ["upgrade", "install", "downgrade"].contains(command)
        let synopsis =
            command == "upgrade"
            ? "upgrade VSN [--health CMD] [--soak SECONDS] [--no-permanent] [--time-limit MS]"
            : takesOptions ? "\(command) VSN [--time-limit MS]" : "\(command) VSN"
        var version: String?
        var options: [Term] = []
        var soak = 0.0
        var timeLimit = 0
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            switch argument {
            case "--health" where command == "upgrade", "--soak" where command == "upgrade":
                guard index < arguments.count else { throw usage("\(argument) needs a value; usage: \(synopsis)") }
                let value = arguments[index]
                index += 1
                if argument == "--health" {
                    options.append(.tuple([.atom("health"), .binary(value)]))
                } else {
                    guard let seconds = Double(value), seconds.isFinite, seconds >= 0 else {
                        throw usage("--soak takes a number of seconds, not '\(value)'")
                    }
                    guard seconds <= ControlRequest.maximumSoak else {
                        throw usage("--soak takes at most \(ControlRequest.maximumSoak) seconds, not '\(value)'")
                    }
                    soak = seconds
                    options.append(.tuple([.atom("soak"), .float(seconds)]))
                }
            case "--time-limit" where takesOptions:
                guard index < arguments.count else { throw usage("\(argument) needs a value; usage: \(synopsis)") }
                let value = arguments[index]
                index += 1
                if value == "infinity" {
                    options.append(.tuple([.atom("time_limit"), .atom("infinity")]))
                } else {
                    guard let milliseconds = Int(value), (1...maximumTimeout).contains(milliseconds) else {
                        throw usage(
                            "--time-limit takes milliseconds (1 to \(maximumTimeout)) or infinity, not '\(value)'"
                        )
                    }
                    timeLimit = milliseconds
                    options.append(.tuple([.atom("time_limit"), .integer(milliseconds)]))
                }
            case "--no-permanent" where command == "upgrade":
                options.append(.tuple([.atom("permanent"), .atom("false")]))
            default:
                guard version == nil, !argument.hasPrefix("--") else {
                    throw usage("unexpected '\(argument)'; usage: \(synopsis)")
                }
                version = argument
            }
        }
        guard let version else { throw usage("usage: \(synopsis)") }
        var request: [Term] = [.binary(version)]
        if takesOptions {
            let variables: [Term] = environment.sorted { $0.key < $1.key }.map {
                .tuple([.binary($0.key), .binary($0.value)])
            }
            options.append(.tuple([.atom("env"), .list(variables)]))
            request.append(.list(options))
        }
        return (request, Int(soak * 1000) + timeLimit + 600_000)
    }

    /// What to print for a reply: its `message`, or the term.
    static func render(_ reply: Term) -> String {
        if case .map(let map) = reply, case .binary(let bytes)? = map[.atom("message")] {
            return String(decoding: bytes, as: UTF8.self)
        }
        return TermPrinter.print(reply)
    }
}
