//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import Glibc

// The `lab` application: what the node tests (DistillNodeTests) drive through `bin/REL rpc`.
//
// LabSupervisor (one_for_one, 3 restarts in 10 s)
//   lab   Lab: calls, casts, timers, environment, kills, a trap
//   echo  Echo: a TCP echo server on 127.0.0.1, port from the `echo_port` env (0: any)
//   sup_o, sup_a, sup_r  StrategySupervisor: one_for_one, one_for_all, rest_for_one, each with
//         workers o1 o2 o3 (a1..., r1...), at most 2 restarts in 10 s
//
// Every process traps exits, so a shutdown runs its `terminate`, which appends a line
// "NAME terminate REASON" to the file the `terminate_log` env names (if set).

/// Appends `line` to the file the application's `terminate_log` names.
func recordTermination(_ name: String, _ reason: ExitReason, _ ctx: ProcessContext) {
    guard let path = ctx.environment("terminate_log")?.stringValue else { return }
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let bytes = Array("\(name) terminate \(reason)\n".utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

public struct Lab: Server {
    public static let vsn: Term = 1

    public struct State: Codable, Sendable {
        var values: [String: Term] = [:]
        var timers: [Term] = []
    }

    public init() {}

    public func start(_ args: Term, _ ctx: ProcessContext) throws -> State {
        ctx.trapExit = true
        return State()
    }

    public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply
    {
        if let echoed = request.tagged("echo"), echoed.count == 1 { return .reply(echoed[0]) }
        if let key = request.tagged("get")?.first?.atomValue { return .reply(state.values[key] ?? "undefined") }
        if let arguments = request.tagged("send_after"), arguments.count == 2, let milliseconds = arguments[0].intValue {
            ctx.sendAfter(milliseconds, .tuple(["timer", arguments[1]]))
            return .reply("ok")
        }
        if request == "timers" { return .reply(.list(state.timers)) }
        if let name = request.tagged("whereis")?.first?.atomValue {
            return .reply(ctx.whereis(name).map(Term.pid) ?? "undefined")
        }
        if let name = request.tagged("kill")?.first?.atomValue {
            guard let pid = ctx.whereis(name) else { return .reply(.tuple(["error", "noproc"])) }
            ctx.exit(pid, .kill)
            return .reply("ok")
        }
        if let key = request.tagged("env")?.first?.atomValue { return .reply(ctx.environment(key) ?? "undefined") }
        if let name = request.tagged("getenv")?.first?.atomValue {
            return .reply(getenv(name).map { .binary(String(cString: $0)) } ?? "undefined")
        }
        if request == "crash" { throw LabError.requested }
        if request == "trap" { fatalError("lab: trap requested") }
        if let milliseconds = request.tagged("sleep")?.first?.intValue {
            usleep(UInt32(milliseconds) * 1000)
            return .reply("ok")
        }
        return .reply(.tuple(["error", "badarg"]))
    }

    public func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let arguments = request.tagged("set"), arguments.count == 2, let key = arguments[0].atomValue {
            state.values[key] = arguments[1]
        }
    }

    public func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let fired = message.tagged("timer")?.first { state.timers.append(fired) }
        if let arguments = message.tagged("set"), arguments.count == 2, let key = arguments[0].atomValue {
            state.values[key] = arguments[1]
        }
    }

    public func terminate(_ reason: ExitReason, state: State, _ ctx: ProcessContext) {
        recordTermination("lab", reason, ctx)
    }
}

enum LabError: Error { case requested }

/// A TCP echo server: it owns the listener and every connection, and writes back what it reads.
public struct Echo: Server {
    public static let vsn: Term = 1

    public struct State: Codable, Sendable {
        var listener: Term
        var port: Int
    }

    public init() {}

    public func start(_ args: Term, _ ctx: ProcessContext) throws -> State {
        ctx.trapExit = true
        let port = ctx.environment("echo_port")?.intValue ?? 0
        let (listener, bound) = try ctx.tcp.listen(port: port, host: "127.0.0.1")
        return State(listener: listener, port: bound)
    }

    public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply
    {
        if request == "port" { return .reply(.integer(state.port)) }
        return .reply(.tuple(["error", "badarg"]))
    }

    public func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        guard case .tuple(let parts) = message, parts.count == 3, parts[0] == "tcp", case .binary(let bytes) = parts[2]
        else { return }
        try ctx.tcp.send(parts[1], bytes)
    }

    public func terminate(_ reason: ExitReason, state: State, _ ctx: ProcessContext) {
        recordTermination("echo", reason, ctx)
    }
}

/// A worker of a strategy supervisor: answers `pid`, crashes on `crash`.
public struct Worker: Server {
    public static let vsn: Term = 1

    public struct State: Codable, Sendable {
        var name: String
    }

    public init() {}

    public func start(_ args: Term, _ ctx: ProcessContext) throws -> State {
        ctx.trapExit = true
        return State(name: args.atomValue ?? "worker")
    }

    public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply
    {
        if request == "crash" { throw LabError.requested }
        return .reply(.pid(ctx.pid))
    }

    public func terminate(_ reason: ExitReason, state: State, _ ctx: ProcessContext) {
        recordTermination(state.name, reason, ctx)
    }
}

/// A supervisor of three workers with the strategy its arguments name: `{Strategy, Prefix}`.
public struct StrategySupervisor: Supervisor {
    public static let vsn: Term = 1
    public init() {}

    public func spec(_ args: Term) throws -> SupervisorSpec {
        guard let parts = args.tupleElements, parts.count == 2, let name = parts[0].atomValue,
            let strategy = SupervisorSpec.Strategy(rawValue: name), let prefix = parts[1].atomValue
        else { throw LabError.requested }
        return SupervisorSpec(
            strategy: strategy,
            intensity: 2,
            period: 10,
            children: (1...3).map { index in
                .worker(
                    Worker.self,
                    id: "\(prefix)\(index)",
                    args: .atom("\(prefix)\(index)"),
                    registeredName: "\(prefix)\(index)"
                )
            }
        )
    }
}

/// The application's top supervisor.
public struct LabSupervisor: Supervisor {
    public static let vsn: Term = 1
    public init() {}

    public func spec(_ args: Term) throws -> SupervisorSpec {
        SupervisorSpec(
            strategy: .oneForOne,
            intensity: 3,
            period: 10,
            children: [
                .worker(Lab.self, registeredName: "lab"),
                .worker(Echo.self, registeredName: "echo"),
                .supervisor(StrategySupervisor.self, id: "sup_o", args: .tuple(["one_for_one", "o"]), registeredName: "sup_o"),
                .supervisor(StrategySupervisor.self, id: "sup_a", args: .tuple(["one_for_all", "a"]), registeredName: "sup_a"),
                .supervisor(StrategySupervisor.self, id: "sup_r", args: .tuple(["rest_for_one", "r"]), registeredName: "sup_r"),
            ]
        )
    }
}

@_cdecl("distill_application")
public func distillApplication() -> UnsafeMutableRawPointer {
    Application(
        name: "lab",
        version: "1.0.0",
        description: "The node tests' laboratory",
        start: LabSupervisor.self,
        modules: [Lab.self, Echo.self, Worker.self, StrategySupervisor.self],
        registered: ["lab", "echo", "sup_o", "sup_a", "sup_r"],
        env: ["echo_port": 0]
    ).export()
}
