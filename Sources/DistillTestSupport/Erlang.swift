//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
public import Testing

/// Real Erlang/OTP (`erl`, `escript` from Debian's erlang-base) for the interop tests.
///
/// Tests that need it carry the ``Testing/Trait/requiresErlang`` trait. Without `erl`
/// they are skipped with a message saying how to get it, unless the environment sets
/// `DISTILL_REQUIRE_ERLANG=1` (as `make test` and CI do): then they run and fail, so a
/// machine without Erlang can never pass them silently.
public enum Erlang {
    /// The `escript` executable on `PATH`, if any.
    public static let escript: String? = findExecutable("escript")

    /// Whether the interop tests can run here.
    public static var isAvailable: Bool { escript != nil }

    /// Whether the environment demands the interop tests (`DISTILL_REQUIRE_ERLANG=1`).
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["DISTILL_REQUIRE_ERLANG"] == "1" }

    /// What a skipped test says.
    public static let missingMessage =
        "needs Erlang/OTP: 'escript' is not on PATH; install Debian's erlang-base (make test does)"

    /// A failure from running Erlang code.
    public struct Failure: Error, CustomStringConvertible {
        public var status: Int32
        public var output: String
        public var description: String { "escript exited with status \(status):\n\(output)" }
    }

    /// Runs `body` as the body of an escript's `main(Args)` (Erlang source; `Args` are
    /// `arguments` as strings) and returns what it printed on standard output.
    ///
    /// Example: `try Erlang.run("io:format(\"~p\", [term_to_binary(a)])")`.
    @discardableResult
    public static func run(
        _ body: String,
        arguments: [String] = [],
        timeout: Duration = .seconds(120)
    ) throws
        -> String
    {
        guard let escript else { throw Failure(status: -1, output: missingMessage) }
        let directory = try TemporaryDirectory()
        let script = directory.url.appendingPathComponent("run.escript")
        let source = """
            #!/usr/bin/env escript
            %%! -noshell
            main(Args) ->
                \(body).
            """
        try source.write(to: script, atomically: true, encoding: .utf8)
        return try runProcess(escript, [script.path] + arguments, timeout: timeout)
    }

    private static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test only where Erlang is installed, or fails it where Erlang is
    /// required but missing (see ``Erlang``).
    public static var requiresErlang: Self {
        .enabled(if: Erlang.isAvailable || Erlang.isRequired, Comment(rawValue: Erlang.missingMessage))
    }
}
