//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
public import Logging

/// The node's flags, `releases/VSN/vm.args`: one flag and its arguments per line, `#` starts
/// a comment, `${NAME}` and `${NAME:-default}` are replaced with environment variables first
/// (DistillRelease's `VariableSubstitution`); an argument with spaces is written in double quotes.
///
/// | flag | meaning | default |
/// | --- | --- | --- |
/// | `-schedulers N` | scheduler threads (1-1024) | one per core |
/// | `-heart` | run the node under heart, which restarts it when it dies | off |
/// | `-heart_restarts N/SECONDS` | heart gives up after more than N restarts in SECONDS | `5/60` |
/// | `-log_level LEVEL` | `trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical` | `info` |
/// | `-shutdown_time MS` | the longest a clean stop may take (ms or `infinity`); then the node exits anyway | `30000` |
/// | `-env KEY VALUE` | sets an environment variable before `sys.config` is read | |
/// | `-name NAME`, `-sname NAME` | the node's name, as pids carry it | `nonode@nohost` |
///
/// An unknown flag is an error, so a typo never goes unnoticed; BEAM flags (`+K true`,
/// `-setcookie`) are refused with a note that the Swift node has no use for them.
public struct VMArgs: Hashable, Sendable {
    /// Heart's restart limit: more than `count` restarts within `seconds` and heart gives up.
    public struct RestartLimit: Hashable, Sendable, CustomStringConvertible {
        public var count: Int
        public var seconds: Int
        public init(count: Int, seconds: Int) {
            self.count = count
            self.seconds = seconds
        }
        public var description: String { "\(count)/\(seconds)" }
    }

    /// One `-env KEY VALUE`.
    public struct Variable: Hashable, Sendable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// `-schedulers N`: `nil` for one per core.
    public var schedulers: Int?
    /// `-heart`.
    public var heart = false
    /// `-heart_restarts N/SECONDS`.
    public var heartRestarts = RestartLimit(count: 5, seconds: 60)
    /// `-log_level LEVEL`.
    public var logLevel = Logger.Level.info
    /// `-shutdown_time MS` in milliseconds, `nil` for `infinity`.
    public var shutdownTime: Int? = 30_000
    /// `-env KEY VALUE`, in order.
    public var environment: [Variable] = []
    /// `-name NAME` or `-sname NAME`.
    public var nodeName: String?

    public init() {}

    /// The flags, their arguments and what they do (the table above, for `help` texts).
    public static let flags: [(flag: String, arguments: String, summary: String)] = [
        ("-schedulers", "N", "scheduler threads (default: one per core)"),
        ("-heart", "", "run under heart, which restarts the node when it dies"),
        ("-heart_restarts", "N/SECONDS", "heart gives up after more than N restarts in SECONDS (default 5/60)"),
        ("-log_level", "LEVEL", "trace, debug, info, notice, warning, error or critical (default info)"),
        ("-shutdown_time", "MS", "the longest a clean stop may take, or infinity (default 30000)"),
        ("-env", "KEY VALUE", "set an environment variable before sys.config is read"),
        ("-name", "NAME", "the node's name (default nonode@nohost)"),
        ("-sname", "NAME", "the node's name"),
    ]

    /// Reads the text of a `vm.args` file after substituting `environment`'s variables.
    public init(parsing text: String, file: String, environment: [String: String]) throws(BootError) {
        let substituted: String
        do {
            // Comments are not configuration: a `${NAME}` in one is not a variable.
            substituted = try VariableSubstitution.substitute(
                inText: Self.blankingComments(text),
                environment: environment,
                file: file
            )
        } catch {
            throw BootError(error)
        }
        for (number, line) in substituted.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let tokens = try Self.tokens(of: Substring(line), line: number + 1, file: file)
            guard let flag = tokens.first else { continue }
            try apply(flag, arguments: Array(tokens.dropFirst()), file: file)
        }
    }

    /// `text` with each comment (from a `#` that starts a token to the end of its line)
    /// replaced by spaces, so that lines and columns stay where they were.
    static func blankingComments(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var inQuotes = false
        var inComment = false
        var previous: Unicode.Scalar = "\n"
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                inQuotes = false
                inComment = false
            } else if inComment {
                result.append(" ")
                previous = scalar
                continue
            } else if scalar == "\"" && previous != "\\" {
                inQuotes.toggle()
            } else if scalar == "#" && !inQuotes && [" ", "\t", "\r", "\n"].contains(previous) {
                inComment = true
                result.append(" ")
                previous = scalar
                continue
            }
            result.append(scalar)
            previous = scalar
        }
        return String(result)
    }

    struct Token {
        var text: String
        var location: SourceLocation
    }

    /// The whitespace-separated tokens of one line, up to a `#` that starts a token.
    static func tokens(of line: Substring, line number: Int, file: String) throws(BootError) -> [Token] {
        var tokens: [Token] = []
        let scalars = Array(line.unicodeScalars)
        var index = 0
        while index < scalars.count {
            if scalars[index] == " " || scalars[index] == "\t" || scalars[index] == "\r" {
                index += 1
                continue
            }
            if scalars[index] == "#" { break }
            let location = SourceLocation(file: file, line: number, column: index + 1)
            var text = String.UnicodeScalarView()
            if scalars[index] == "\"" {
                index += 1
                var closed = false
                while index < scalars.count {
                    if scalars[index] == "\\", index + 1 < scalars.count {
                        text.append(scalars[index + 1])
                        index += 2
                        continue
                    }
                    if scalars[index] == "\"" {
                        closed = true
                        index += 1
                        break
                    }
                    text.append(scalars[index])
                    index += 1
                }
                guard closed else {
                    throw BootError(.invalidFlag, "unterminated '\"'", file: file, location: location)
                }
            } else {
                while index < scalars.count, scalars[index] != " ", scalars[index] != "\t", scalars[index] != "\r" {
                    text.append(scalars[index])
                    index += 1
                }
            }
            tokens.append(Token(text: String(text), location: location))
        }
        return tokens
    }

    private mutating func apply(_ flag: Token, arguments: [Token], file: String) throws(BootError) {
        func fail(_ message: String, at token: Token? = nil) -> BootError {
            BootError(.invalidFlag, message, file: file, location: (token ?? flag).location)
        }
        func expect(_ count: Int, _ shape: String) throws(BootError) {
            guard arguments.count == count else {
                let found = arguments.isEmpty ? "nothing" : arguments.map { "'\($0.text)'" }.joined(separator: " ")
                throw fail("'\(flag.text)' takes \(shape), found \(found)")
            }
        }
        switch flag.text {
        case "-schedulers":
            try expect(1, "a number of threads")
            guard let count = Int(arguments[0].text), (1...1024).contains(count) else {
                throw fail(
                    "'-schedulers' takes a number from 1 to 1024, found '\(arguments[0].text)'",
                    at: arguments[0]
                )
            }
            schedulers = count
        case "-heart":
            try expect(0, "no argument")
            heart = true
        case "-heart_restarts":
            try expect(1, "N/SECONDS")
            let parts = arguments[0].text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let count = Int(parts[0]), let seconds = Int(parts[1]), count >= 0, seconds > 0
            else {
                throw fail(
                    "'-heart_restarts' takes N/SECONDS (such as 5/60), found '\(arguments[0].text)'",
                    at: arguments[0]
                )
            }
            heartRestarts = RestartLimit(count: count, seconds: seconds)
        case "-log_level":
            try expect(1, "a level")
            guard let level = Logger.Level(rawValue: arguments[0].text) else {
                let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail("'-log_level' takes one of \(levels), found '\(arguments[0].text)'", at: arguments[0])
            }
            logLevel = level
        case "-shutdown_time":
            try expect(1, "milliseconds or infinity")
            if arguments[0].text == "infinity" {
                shutdownTime = nil
            } else if let milliseconds = Int(arguments[0].text), milliseconds > 0 {
                shutdownTime = milliseconds
            } else {
                throw fail(
                    "'-shutdown_time' takes milliseconds (more than 0) or infinity, found '\(arguments[0].text)'",
                    at: arguments[0]
                )
            }
        case "-env":
            try expect(2, "KEY VALUE")
            let key = arguments[0].text
            guard !key.isEmpty, !key.contains("=") else {
                throw fail("'-env' takes a variable name without '=', found '\(key)'", at: arguments[0])
            }
            environment.append(Variable(key: key, value: arguments[1].text))
        case "-name", "-sname":
            try expect(1, "a node name")
            nodeName = arguments[0].text
        default:
            if flag.text.hasPrefix("+") || ["-setcookie", "-kernel", "-boot", "-config", "-mode"].contains(flag.text) {
                throw fail("'\(flag.text)' is a flag of Erlang's VM; the Swift node has no use for it")
            }
            let known = Self.flags.map(\.flag)
            let hint = Spelling.closest(to: flag.text, among: known).map { "; did you mean '\($0)'?" }
            throw fail(
                "unknown flag '\(flag.text)'" + (hint ?? "; the flags are \(known.joined(separator: ", "))")
            )
        }
    }
}
