//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Glibc
import Logging
import Testing

@testable import DistillRuntime

/// The node's pure pieces: vm.args, start order, the console grammar, JSON, framing. (Booting
/// real releases is DistillNodeTests', through the launcher.)
struct VMArgsTests {
    @Test func readsEveryFlag() throws {
        let args = try VMArgs(
            parsing: """
                ## comment line
                -schedulers 3   # trailing comment
                -heart
                -heart_restarts 2/30
                -log_level debug
                -shutdown_time infinity
                -env GREETING "hello world"
                -env EMPTY ""
                -sname kv@host

                """,
            file: "vm.args",
            environment: [:]
        )
        #expect(args.schedulers == 3)
        #expect(args.heart)
        #expect(args.heartRestarts == VMArgs.RestartLimit(count: 2, seconds: 30))
        #expect(args.logLevel == .debug)
        #expect(args.shutdownTime == nil)
        #expect(args.environment == [.init(key: "GREETING", value: "hello world"), .init(key: "EMPTY", value: "")])
        #expect(args.nodeName == "kv@host")
    }

    @Test func defaults() throws {
        let args = try VMArgs(parsing: "", file: "vm.args", environment: [:])
        #expect(args.schedulers == nil && !args.heart && args.heartRestarts.description == "5/60")
        #expect(args.logLevel == .info && args.shutdownTime == 30_000 && args.environment.isEmpty)
    }

    @Test func substitutesVariablesFirst() throws {
        let args = try VMArgs(
            parsing: "-schedulers ${N}\n-log_level ${LEVEL:-warning}\n-env A $${literal}\n",
            file: "vm.args",
            environment: ["N": "2"]
        )
        #expect(args.schedulers == 2 && args.logLevel == .warning)
        #expect(args.environment == [.init(key: "A", value: "${literal}")])
    }

    @Test func variablesInCommentsAreNotSubstituted() throws {
        let args = try VMArgs(
            parsing: "## ${NAME} is replaced\n-schedulers ${N} # not ${HERE}\n-env A \"x # ${B}\"\n",
            file: "vm.args",
            environment: ["N": "3", "B": "b"]
        )
        #expect(args.schedulers == 3)
        #expect(args.environment == [.init(key: "A", value: "x # b")])
    }

    static let errors: [(String, String)] = [
        ("-schedulers\n", "vm.args:1:1: error: '-schedulers' takes a number of threads, found nothing"),
        ("-schedulers 0\n", "vm.args:1:13: error: '-schedulers' takes a number from 1 to 1024, found '0'"),
        ("-heart yes\n", "vm.args:1:1: error: '-heart' takes no argument, found 'yes'"),
        ("-heart_restarts 5/0\n", "vm.args:1:17: error: '-heart_restarts' takes N/SECONDS (such as 5/60), found '5/0'"),
        (
            "-log_level loud\n",
            "vm.args:1:12: error: '-log_level' takes one of trace, debug, info, notice, warning, error, critical, "
                + "found 'loud'"
        ),
        (
            "-shutdown_time 0\n",
            "vm.args:1:16: error: '-shutdown_time' takes milliseconds (more than 0) or infinity, found '0'"
        ),
        ("-env A=B C\n", "vm.args:1:6: error: '-env' takes a variable name without '=', found 'A=B'"),
        ("-env A \"open\n", "vm.args:1:8: error: unterminated '\"'"),
        ("  -hart\n", "vm.args:1:3: error: unknown flag '-hart'; did you mean '-heart'?"),
        (
            "-mystery\n",
            "vm.args:1:1: error: unknown flag '-mystery'; the flags are -schedulers, -heart, -heart_restarts, "
                + "-log_level, -shutdown_time, -env, -name, -sname"
        ),
        (
            "-setcookie secret\n",
            "vm.args:1:1: error: '-setcookie' is a flag of Erlang's VM; the Swift node has no use for it"
        ),
        ("-schedulers ${N}\n", "vm.args:1:13: error: environment variable 'N' is not set"),
    ]

    @Test(arguments: 0..<12)
    func refusesWithTheLineAndColumn(_ index: Int) {
        let (text, message) = Self.errors[index]
        do {
            _ = try VMArgs(parsing: text, file: "vm.args", environment: [:])
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.description == message)
        }
    }
}

struct StartOrderTests {
    private func application(_ name: String, needs: [String], optional: [String]? = nil) -> BootPlan.Application {
        BootPlan.Application(
            name: name,
            version: "1",
            type: .permanent,
            spec: ApplicationSpec(
                name: name,
                description: "",
                version: "1",
                modules: [],
                applications: needs,
                optionalApplications: optional
            ),
            plugin: "/\(name).so"
        )
    }

    @Test func keepsTheRelOrderAndPutsNeedsFirst() throws {
        let ordered = try BootPlan.startOrder(
            [
                application("web", needs: ["db", "log"]), application("log", needs: []),
                application("db", needs: ["log"]), application("tools", needs: []),
            ],
            release: "r"
        )
        #expect(ordered.map(\.name) == ["log", "db", "web", "tools"])
    }

    @Test func optionalApplicationsMayBeMissing() throws {
        let ordered = try BootPlan.startOrder(
            [application("web", needs: ["metrics"], optional: ["metrics"])],
            release: "r"
        )
        #expect(ordered.map(\.name) == ["web"])
    }

    @Test func missingAndCircularNeedsAreErrors() {
        #expect(throws: BootError(.dependency, "application 'web' needs 'db', which release 'r' does not include")) {
            try BootPlan.startOrder([self.application("web", needs: ["db"])], release: "r")
        }
        #expect(throws: BootError(.dependency, "applications need each other in a circle: a -> b -> a")) {
            try BootPlan.startOrder(
                [self.application("a", needs: ["b"]), self.application("b", needs: ["a"])],
                release: "r"
            )
        }
    }
}

struct RemoteConsoleGrammarTests {
    static let lines: [(String, RemoteConsole.Line)] = [
        ("kv {get, a}", .request("rpc", [.atom("kv"), .tuple([.atom("get"), .atom("a")]), .integer(5000)])),
        ("  call kv {get, a}.  ", .request("rpc", [.atom("kv"), .tuple([.atom("get"), .atom("a")]), .integer(5000)])),
        ("kv ! hello", .request("send", [.atom("kv"), .atom("hello")])),
        ("send 'my server' [1, 2]", .request("send", [.atom("my server"), .list([1, 2])])),
        ("cast kv {put, a, 1}", .request("cast", [.atom("kv"), .tuple([.atom("put"), .atom("a"), 1])])),
        ("ping", .request("ping", [])),
        ("describe", .request("describe", [])),
        ("", .empty),
        ("% comment", .empty),
        ("quit", .quit),
        ("help", .help),
        ("kv", .invalid("'kv' is not a command; try 'help'")),
        ("cast kv", .invalid("usage: cast NAME TERM")),
        ("\"str\" hello", .invalid("'\"str\"' is not a process name (an atom)")),
        ("kv {", .invalid("not a term: expected a term, found end of input")),
    ]

    @Test(arguments: 0..<15)
    func parsesALine(_ index: Int) {
        let (text, expected) = Self.lines[index]
        #expect(RemoteConsole.parse(text, timeout: 5000) == expected)
    }
}

struct JSONOutputTests {
    static let cases: [(Term, String)] = [
        (.atom("true"), "true"),
        (.atom("ok"), "\"ok\""),
        (.integer(-42), "-42"),
        (.float(2.5), "2.5"),
        (.string("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\""),
        (.binary("é"), "\"é\""),
        (.binary([0xFF, 0x00]), "[255,0]"),
        (.list([1, .tuple([.atom("a"), 2])]), "[1,[\"a\",2]]"),
        (.map(TermMap([(.atom("k"), .binary("v")), (.string("s"), .list([]))])), "{\"k\":\"v\",\"s\":[]}"),
        (.string("\u{1}"), "\"\\u0001\""),
    ]

    @Test(arguments: 0..<10)
    func encodes(_ index: Int) {
        let (term, json) = Self.cases[index]
        #expect(JSONOutput.encode(term) == json)
    }

    @Test func envelopes() {
        #expect(JSONOutput.success(.atom("pong")) == "{\"ok\":true,\"result\":\"pong\"}")
        #expect(
            JSONOutput.failure(code: "noproc", message: "no 'x'")
                == "{\"ok\":false,\"error\":{\"code\":\"noproc\",\"message\":\"no 'x'\"}}"
        )
    }
}

struct ControlFrameTests {
    /// A connected pair of Unix stream sockets.
    private func pair() -> (ControlChannel, ControlChannel) {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        return (ControlChannel(fd: fds[0]), ControlChannel(fd: fds[1]))
    }

    @Test func framesCarryTermsBothWays() throws {
        let (client, server) = pair()
        let request = Term.tuple([.atom("rpc"), .list([.atom("kv"), .tuple([.atom("get"), .binary("k")]), 5000])])
        try client.write(request)
        #expect(try server.read(waitUntil: .after(.seconds(5))) == request)
        // term_to_binary(ok) in OTP 25: ATOM_EXT.
        #expect(ControlFrame.encode(.atom("ok")) == [0, 0, 0, 6, 131, 100, 0, 2, 111, 107])
    }

    @Test func aClosedConnectionBetweenFramesIsClosed() {
        let (client, server) = pair()
        shutdown(client.fd, Int32(SHUT_WR))
        #expect(throws: ChannelError.closed) { try server.read(waitUntil: .after(.seconds(5))) }
    }

    @Test func aSilentPeerTimesOut() {
        let (client, server) = pair()
        _ = withExtendedLifetime(client) {
            #expect(throws: ChannelError.timeout) { try server.read(waitUntil: .after(.milliseconds(50))) }
        }
    }

    @Test func aFrameMustArriveInTime() throws {
        let (client, server) = pair()
        try client.write(bytes: [0, 0, 0, 10, 131], until: .after(.seconds(1)))
        #expect(throws: ChannelError.timeout) {
            try server.read(waitUntil: .never, frameMilliseconds: 50)
        }
    }

    @Test func oversizeAndEmptyFramesAreRefusedBeforeReadingThem() throws {
        let (client, server) = pair()
        try client.write(bytes: [0x01, 0x00, 0x00, 0x01], until: .after(.seconds(1)))
        #expect(throws: ChannelError.tooLarge(16_777_217)) { try server.read(waitUntil: .after(.seconds(1))) }
        let (client2, server2) = pair()
        try client2.write(bytes: [0, 0, 0, 0], until: .after(.seconds(1)))
        #expect(throws: ChannelError.empty) { try server2.read(waitUntil: .after(.seconds(1))) }
    }
}

struct ControlCommandsTests {
    @Test func aLaterRegistrationReplacesAnEarlierOne() {
        var table = ControlCommands()
        table.register(ControlCommand("versions", summary: "basic") { _ in .atom("basic") })
        table.register(ControlCommand("versions", summary: "refined") { _ in .atom("refined") })
        #expect(table.all.map(\.summary) == ["refined"])
    }

    @Test func theStandardTableHasTheNodeCommands() {
        let names = ControlCommands.standard().all.map(\.name)
        #expect(
            names == [
                "cast", "console", "describe", "downgrade", "help", "install", "make_permanent", "pid", "ping",
                "releases",
                "remove", "restart", "rpc", "send", "stop", "unpack", "upgrade", "versions", "which_releases",
            ]
        )
    }

    @Test func errorsBecomeReplies() {
        #expect(
            ControlError(RuntimeError(.noProcess, "no process kv to call")).reply
                == .tuple([.atom("error"), .tuple([.atom("noproc"), .binary("no process kv to call")])])
        )
        #expect(ControlError(term: .tuple([.atom("timeout"), .binary("late")])) == ControlError(.timeout, "late"))
    }

    @Test func suggestionsCountASwapAsOneEdit() {
        #expect(Spelling.closest(to: "pnig", among: ["pid", "ping", "describe"]) == "ping")
        #expect(Spelling.closest(to: "stpo", among: ["stop", "start"]) == "stop")
        #expect(Spelling.closest(to: "xyz", among: ["stop", "start"]) == nil)
    }
}
