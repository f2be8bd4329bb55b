//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import Glibc

/// Text from a binary, an atom or a string argument.
func text(_ term: Term) -> String? {
    switch term {
    case .binary(let bytes): return String(decoding: bytes, as: UTF8.self)
    case .atom(let name): return name
    default: return term.stringValue
    }
}

func monotonicMicroseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return now.tv_sec * 1_000_000 + now.tv_nsec / 1000
}

/// Listens on `echo_port` (0: any free port; `port` answers which) and hands each connection
/// to a new EchoHandler, started from the current code.
public struct EchoListener: Server {
    public static let vsn: Term = 1
    public struct State: Codable, Sendable { var port = 0 }
    public init() {}
    public func start(_ args: Term, _ ctx: ProcessContext) throws -> State {
        let wanted = ctx.environment("echo_port")?.intValue ?? 0
        let (_, port) = try ctx.tcp.listen(port: wanted, host: "127.0.0.1")
        return State(port: port)
    }
    public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply
    {
        .reply(.integer(state.port))
    }
    public func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        guard let accepted = message.tagged("tcp_accepted"), accepted.count == 2 else { return }
        let handler = try ctx.spawn(module: "EchoHandler")
        try ctx.tcp.controllingProcess(accepted[1], handler)
    }
}

/// Echoes each chunk its connection sends, prefixed with the version of the code that
/// answers (`0.1.0 hello`, from `kvVersion`); counts what it echoed.
public struct EchoHandler: Server {
    public static let vsn: Term = 1
    public struct State: Codable, Sendable { var echoed = 0 }
    public init() {}
    public func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
    public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply
    {
        .reply(.integer(state.echoed))
    }
    public func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let data = message.tagged("tcp"), data.count == 2 {
            state.echoed += 1
            try ctx.tcp.send(data[0], Array("\(kvVersion) #\(state.echoed) ".utf8) + (data[1].binaryValue ?? []))
        } else if message.tagged("tcp_closed") != nil {
            ctx.stop()
        }
    }
}

/// Calls kv in a loop (`start`), like a client of the node, and keeps the longest time
/// between two completed calls, the calls made, and the failed and wrong ones (`stats`).
public struct Probe: Server {
    public static let vsn: Term = 1
    public struct State: Codable, Sendable {
        var running = false
        var keys = 1
        var next = 0
        var calls = 0
        var failures = 0
        var wrong = 0
        var maxGap = 0
        var last = 0
    }
    public init() {}
    public func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
    public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply
    {
        if let keys = request.tagged("start")?.first?.intValue {
            let wasRunning = state.running
            state = State(running: true, keys: max(1, keys), last: monotonicMicroseconds())
            if !wasRunning { ctx.send(ctx.pid, "tick") }
            return .reply("ok")
        }
        switch request {
        case "stop":
            state.running = false
            return .reply("ok")
        case "reset":
            let keys = state.keys
            let running = state.running
            state = State(running: running, keys: keys, last: monotonicMicroseconds())
            return .reply("ok")
        case "stats":
            return .reply(
                .list([
                    .tuple(["calls", .integer(state.calls)]), .tuple(["failures", .integer(state.failures)]),
                    .tuple(["wrong", .integer(state.wrong)]), .tuple(["max_gap_us", .integer(state.maxGap)]),
                ])
            )
        default:
            return .reply(.tuple(["error", "badarg"]))
        }
    }
    public func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        guard message == "tick", state.running else { return }
        let index = state.next % state.keys
        state.next += 1
        do {
            let reply = try ctx.call("kv", .tuple(["get", .binary("key-\(index)")]), timeout: 5000)
            if reply != .binary("value-\(index)-0123456789abcdef") { state.wrong += 1 }
        } catch {
            state.failures += 1
        }
        let now = monotonicMicroseconds()
        state.maxGap = max(state.maxGap, now - state.last)
        state.last = now
        state.calls += 1
        ctx.send(ctx.pid, "tick")
    }
}

/// Functions relups `apply`: `touch(Path)` creates a file, `fail()` throws.
public enum KVHooks: Library {
    public static let vsn: Term = 1
    public static func apply(_ function: String, _ arguments: [Term]) throws -> Term {
        switch function {
        case "touch":
            guard let path = arguments.first.flatMap(text) else { return "badarg" }
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if fd >= 0 {
                _ = kvVersion.withCString { write(fd, $0, strlen($0)) }
                close(fd)
            }
            return "ok"
        case "fail":
            struct Refused: Error {}
            throw Refused()
        default:
            return "undef"
        }
    }
}

/// kv, echo and the probe.
public struct KVSupervisor: Supervisor {
    public static let vsn: Term = 1
    public init() {}
    public func spec(_ args: Term) throws -> SupervisorSpec {
        SupervisorSpec(
            strategy: .oneForOne,
            intensity: 10,
            period: 5,
            children: [
                ChildSpec(id: "kv", module: "KV", registeredName: "kv"),
                ChildSpec(
                    id: "echo",
                    module: "EchoListener",
                    modules: ["EchoListener", "EchoHandler"],
                    registeredName: "echo"
                ),
                ChildSpec(id: "probe", module: "Probe", registeredName: "probe"),
            ]
        )
    }
}

@_cdecl("distill_application")
public func distillApplication() -> UnsafeMutableRawPointer {
    Application(
        name: "kv",
        version: kvVersion,
        description: "kv \(kvVersion) for release handler tests",
        start: KVSupervisor.self,
        modules: [KV.self, EchoListener.self, EchoHandler.self, Probe.self, KVHooks.self],
        registered: ["kv", "echo", "probe"],
        env: ["echo_port": 0]
    ).export()
}
