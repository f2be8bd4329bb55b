//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import Foundation

// MARK: - The servers measured (the same shapes as the Erlang module below)

/// Replies to every call with the request; counts casts.
struct BenchEcho: Server {
    static let vsn: Term = 1
    struct State: Codable, Sendable { var count = 0 }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        state.count += 1
        return .reply(request)
    }
    func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws { state.count += 1 }
}

/// On `{calls, Target, N, Collector}` calls Target N times; on `{casts, Target, N, Collector}`
/// casts N times then calls once (so all casts have been handled); then tells Collector.
struct BenchClient: Server {
    static let vsn: Term = 1
    struct State: Codable, Sendable {}
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        .reply("ok")
    }
    func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws {
        guard case .tuple(let elements) = request, elements.count == 4, case .pid(let target) = elements[1],
            let count = elements[2].intValue, case .pid(let collector) = elements[3]
        else { return }
        let message: Term = "ping"
        if elements[0] == "calls" {
            for _ in 0..<count { _ = try ctx.call(target, message) }
        } else {
            for _ in 0..<count { ctx.cast(target, message) }
            _ = try ctx.call(target, message)
        }
        ctx.cast(collector, "done")
    }
}

/// Answers `wait` once `expected` clients said `done`.
struct BenchCollector: Server {
    static let vsn: Term = 1
    struct State: Codable, Sendable {
        var expected: Int
        var done = 0
        var waiter: Caller?
    }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State(expected: args.intValue ?? 1) }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        if state.done >= state.expected { return .reply("ok") }
        state.waiter = from
        return .noreply
    }
    func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws {
        state.done += 1
        if state.done >= state.expected, let waiter = state.waiter { ctx.reply(to: waiter, "ok") }
    }
}

// MARK: - The benchmark

enum RuntimeBenchmark {
    struct Options {
        var runs = 5
        var calls = 2_000_000
        var casts = 2_000_000
        var idleProcesses = 100_000
        var otp = true
        var variants = false
    }

    static func main(_ arguments: [String]) {
        var options = Options()
        var index = 0
        while index < arguments.count {
            let value = index + 1 < arguments.count ? Int(arguments[index + 1]) : nil
            switch arguments[index] {
            case "--runs":
                options.runs = value ?? options.runs
                index += 1
            case "--calls":
                options.calls = value ?? options.calls
                index += 1
            case "--casts":
                options.casts = value ?? options.casts
                index += 1
            case "--processes":
                options.idleProcesses = value ?? options.idleProcesses
                index += 1
            case "--no-otp": options.otp = false
            case "--variants": options.variants = true
            default: break
            }
            index += 1
        }
        say("runtime benchmark: \(options.runs) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        say("  swift: DistillRuntime, \(Node.onlineProcessors) scheduler threads; otp: erl, gen_server")
        let measured = configurations(options).map { label, configuration in
            (label, measureSwift(options, label: label, configuration: configuration))
        }
        let otp = options.otp ? measureOTP(options) : [:]
        for (label, swift) in measured {
            say("")
            say(
                "\(pad(label, 34)) \(pad("min", 12)) \(pad("median", 12)) \(pad("max", 12))"
                    + " \(pad("otp median", 12)) \(pad("ratio", 7))"
            )
            for key in [
                "call, 1 client (calls/s)", "call, 2 clients (calls/s)", "cast, 1 client (casts/s)",
                "call round trip (ns)", "idle process (bytes)",
            ] {
                guard let stats = swift[key] else { continue }
                var line =
                    "\(pad(key, 34)) \(pad(grouped(stats.min), 12)) \(pad(grouped(stats.median), 12))"
                    + " \(pad(grouped(stats.max), 12))"
                if let baseline = otp[key] {
                    let lowerIsBetter = key.contains("(ns)") || key.contains("bytes")
                    let ratio = lowerIsBetter ? baseline.median / stats.median : stats.median / baseline.median
                    line += " \(pad(grouped(baseline.median), 12)) \(pad(String(format: "%.2fx", ratio), 7))"
                }
                say(line)
            }
        }
        say("(ratio: how many times better than OTP, by median; > 1 is better)")
    }

    // MARK: Swift

    /// The node configurations measured: the runtime as shipped, and the alternatives it was
    /// chosen over (`--variants`).
    static func configurations(_ options: Options) -> [(String, Node.Configuration)] {
        let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        var list = [("swift", Node.Configuration(logger: quiet))]
        if options.variants {
            list.append(
                (
                    "swift, no spinning",
                    Node.Configuration(logger: quiet, idleSpinMicroseconds: 0, replySpinMicroseconds: 0)
                )
            )
            for spin in [2, 20] where spin != Node.Configuration().replySpinMicroseconds {
                list.append(
                    ("swift, reply spin \(spin) us", Node.Configuration(logger: quiet, replySpinMicroseconds: spin))
                )
            }
            list.append(("swift, no caller-runs", Node.Configuration(logger: quiet, callerRuns: false)))
        }
        return list
    }

    static func measureSwift(_ options: Options, label: String, configuration: Node.Configuration) -> [String: Stats] {
        let node = Node(configuration: configuration)
        defer { node.shutdown() }
        var results: [String: [Double]] = [:]
        for run in 1...options.runs {
            let oneClient = throughput(node, clients: 1, operation: "calls", count: options.calls)
            let twoClients = throughput(node, clients: 2, operation: "calls", count: options.calls / 2)
            let casts = throughput(node, clients: 1, operation: "casts", count: options.casts)
            results["call, 1 client (calls/s)", default: []].append(oneClient)
            results["call, 2 clients (calls/s)", default: []].append(twoClients)
            results["cast, 1 client (casts/s)", default: []].append(casts)
            results["call round trip (ns)", default: []].append(1e9 / oneClient)
            say(
                "  \(label) run \(run): \(grouped(oneClient)) calls/s, \(grouped(twoClients)) calls/s (2 clients), "
                    + "\(grouped(casts)) casts/s"
            )
        }
        if label == "swift" {
            for _ in 1...min(3, options.runs) {
                if let bytes = memoryInChild(options.idleProcesses) {
                    results["idle process (bytes)", default: []].append(bytes)
                }
            }
        }
        return results.mapValues { Stats(values: $0) }
    }

    /// Operations per second: `clients` processes each doing `count` operations on one server.
    static func throughput(_ node: Node, clients: Int, operation: Term, count: Int) -> Double {
        do {
            let echo = try node.spawn(BenchEcho.self)
            let collector = try node.spawn(BenchCollector.self, args: .integer(clients))
            let workers = try (0..<clients).map { _ in try node.spawn(BenchClient.self) }
            let start = DispatchTime.now().uptimeNanoseconds
            for worker in workers {
                node.cast(.pid(worker), .tuple([operation, .pid(echo), .integer(count), .pid(collector)]))
            }
            _ = try node.call(.pid(collector), "wait", timeout: .infinity)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            for pid in [echo, collector] + workers { node.stop(pid) }
            return Double(count * clients) / elapsed
        } catch {
            say("swift benchmark failed: \(error)")
            exit(1)
        }
    }

    /// Resident bytes per idle server process, measured in a fresh process (this executable,
    /// `runtime-memory N`): the RSS growth from spawning `count` idle servers, divided by `count`.
    static func memoryInChild(_ count: Int) -> Double? {
        guard let output = try? run(CommandLine.arguments[0], ["runtime-memory", String(count)]) else { return nil }
        return Double(output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func memoryChild(_ count: Int) {
        let node = Node(configuration: .init(logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }))
        // Warm up the runtime's own structures with a few processes first.
        for _ in 0..<100 { _ = try! node.spawn(BenchEcho.self) }
        let before = residentBytes()
        for _ in 0..<count { _ = try! node.spawn(BenchEcho.self) }
        let after = residentBytes()
        say("\(Double(after - before) / Double(count))")
        exit(0)
    }

    static func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    // MARK: OTP

    static let erlangModule = """
        -module(distill_bench).
        -behaviour(gen_server).
        -export([main/1, init/1, handle_call/3, handle_cast/2, calls/2, casts/2]).

        init(_) -> {ok, 0}.
        handle_call(Request, _From, N) -> {reply, Request, N + 1}.
        handle_cast(_Request, N) -> {noreply, N + 1}.

        calls(_, 0) -> ok;
        calls(S, N) -> ping = gen_server:call(S, ping), calls(S, N - 1).
        casts(S, 0) -> ping = gen_server:call(S, ping);
        casts(S, N) -> gen_server:cast(S, ping), casts(S, N - 1).

        throughput(Clients, Op, Count) ->
            {ok, S} = gen_server:start(?MODULE, [], []),
            Self = self(),
            T0 = erlang:monotonic_time(nanosecond),
            Pids = [spawn(fun() -> ?MODULE:Op(S, Count), Self ! {done, self()} end) || _ <- lists:seq(1, Clients)],
            [receive {done, P} -> ok end || P <- Pids],
            T1 = erlang:monotonic_time(nanosecond),
            gen_server:stop(S),
            Clients * Count / ((T1 - T0) / 1.0e9).

        idle_bytes(Count) ->
            erlang:garbage_collect(),
            Before = erlang:memory(total),
            Pids = [element(2, gen_server:start(?MODULE, [], [])) || _ <- lists:seq(1, Count)],
            After = erlang:memory(total),
            [exit(P, kill) || P <- Pids],
            (After - Before) / Count.

        main([Runs, Calls, Casts, Procs]) ->
            [begin
                 C1 = throughput(1, calls, Calls),
                 C2 = throughput(2, calls, Calls div 2),
                 K1 = throughput(1, casts, Casts),
                 M = case R =< 3 of true -> idle_bytes(Procs); false -> none end,
                 io:format("~p ~p ~p ~p~n", [C1, C2, K1, M])
             end || R <- lists:seq(1, Runs)],
            ok.
        """

    static func measureOTP(_ options: Options) -> [String: Stats] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("distill-bench-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("distill_bench.erl")
        do {
            try erlangModule.write(to: source, atomically: true, encoding: .utf8)
            _ = try run("/usr/bin/env", ["erlc", "-o", directory.path, source.path])
            let output = try run(
                "/usr/bin/env",
                [
                    "erl", "-noshell", "-pa", directory.path, "-eval",
                    "distill_bench:main([\(options.runs), \(options.calls), \(options.casts), \(options.idleProcesses)])",
                    "-s", "init", "stop",
                ]
            )
            var results: [String: [Double]] = [:]
            for (run, line) in output.split(separator: "\n").enumerated() {
                let fields = line.split(separator: " ").map(String.init)
                guard fields.count == 4, let calls = Double(fields[0]), let two = Double(fields[1]),
                    let casts = Double(fields[2])
                else { continue }
                results["call, 1 client (calls/s)", default: []].append(calls)
                results["call, 2 clients (calls/s)", default: []].append(two)
                results["cast, 1 client (casts/s)", default: []].append(casts)
                results["call round trip (ns)", default: []].append(1e9 / calls)
                if let bytes = Double(fields[3]) { results["idle process (bytes)", default: []].append(bytes) }
                say(
                    "  otp run \(run + 1): \(grouped(calls)) calls/s, \(grouped(two)) calls/s (2 clients), "
                        + "\(grouped(casts)) casts/s"
                )
            }
            return results.mapValues { Stats(values: $0) }
        } catch {
            say("  otp: not measured (\(error))")
            return [:]
        }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "distill-bench", code: Int(process.terminationStatus))
        }
        return String(decoding: data, as: UTF8.self)
    }
}
