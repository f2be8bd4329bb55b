//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import Glibc

/// The command line of a node command: `distill-run COMMAND [OPTIONS] [ARGUMENTS]`.
///
/// Options may come anywhere; `--` ends them (`rpc kv -- -1`).
///
/// | option | meaning |
/// | --- | --- |
/// | `--root DIR` | the release's root directory (default: `$RELEASE_ROOT`) |
/// | `--name NAME` | the release's name (default: the one `.rel` file of the release start_erl.data names) |
/// | `--timeout MS` | how long to wait (each command has its default) |
/// | `--json` | print one JSON object on standard output |
/// | `--console` | (`node`) copy the log to standard error |
struct NodeOptions {
    var command: String
    var root: String?
    var name: String?
    var timeout: Int?
    var json = false
    var console = false
    var arguments: [String] = []

    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    init(command: String, arguments: [String]) throws(UsageError) {
        self.command = command
        var index = 0
        var optionsEnded = false
        func value(_ option: String) throws(UsageError) -> String {
            index += 1
            guard index < arguments.count else { throw UsageError(description: "\(option) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            if optionsEnded || !argument.hasPrefix("--") {
                self.arguments.append(argument)
                index += 1
                continue
            }
            switch argument {
            case "--": optionsEnded = true
            case "--root": root = try value(argument)
            case "--name": name = try value(argument)
            case "--timeout":
                let text = try value(argument)
                guard let milliseconds = Int(text), (1...maximumTimeout).contains(milliseconds) else {
                    throw UsageError(
                        description: "--timeout takes milliseconds (1 to \(maximumTimeout)), found '\(text)'"
                    )
                }
                timeout = milliseconds
            case "--json": json = true
            case "--console": console = true
            case let option
            where ["--health", "--soak", "--no-permanent", "--time-limit"].contains(option)
                && ReleaseHandlerClient.commands.contains(command):
                // The release handler's own options: ReleaseHandlerClient reads them.
                self.arguments.append(argument)
                if argument != "--no-permanent" { self.arguments.append(try value(argument)) }
            default:
                let known = ["--root", "--name", "--timeout", "--json", "--console"]
                let hint = Spelling.closest(to: argument, among: known).map { "; did you mean '\($0)'?" } ?? ""
                throw UsageError(description: "unknown option '\(argument)'" + hint)
            }
            index += 1
        }
    }

    /// The release's paths: `--root` (or `$RELEASE_ROOT`) made absolute and canonical, and
    /// `--name` or the name of the release's `.rel` file.
    func paths() throws(UsageError) -> ReleasePaths {
        guard let given = root ?? getenv("RELEASE_ROOT").map({ String(cString: $0) }), !given.isEmpty else {
            throw UsageError(description: "\(command) needs --root DIR (the release's directory) or $RELEASE_ROOT")
        }
        guard let root = Posix.realPath(Posix.absolute(given)), Posix.isDirectory(root) else {
            throw UsageError(description: "no release directory at \(given)")
        }
        if let name { return ReleasePaths(root: root, name: name) }
        return ReleasePaths(root: root, name: try Self.discoverName(root: root))
    }

    /// The name of the one `.rel` file in the directory of the release start_erl.data names.
    static func discoverName(root: String) throws(UsageError) -> String {
        let probe = ReleasePaths(root: root, name: "")
        guard let text = try? Posix.readText(probe.startErlData),
            let data = try? StartErlData(parsing: text, file: "releases/start_erl.data")
        else {
            throw UsageError(description: "cannot read \(root)/releases/start_erl.data; give the release's --name")
        }
        let names = ((try? Posix.list(probe.versionDirectory(data.releaseVersion))) ?? [])
            .filter { $0.hasSuffix(".rel") }
        guard names.count == 1 else {
            throw UsageError(description: "cannot tell the release's name in \(root); give --name")
        }
        return String(names[0].dropLast(4))
    }
}
