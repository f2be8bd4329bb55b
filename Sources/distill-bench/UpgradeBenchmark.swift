//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import DistillTestSupport
import Foundation

/// `distill-bench upgrade`: hot upgrades of a kv server holding 10,000 keys, through
/// `bin/kv upgrade` and `bin/kv downgrade`, against OTP 25's release_handler doing the same
/// steps on the same machine in the same run (bench/otp, ``OTPBaseline``).
///
/// The release: the upgrade fixture's plugins built `-c release` (kv 0.1.0, 0.2.0 a soft
/// update, 0.3.0 a state change), laid out by ``KVReleaseLayout``, started with `bin/kv start`.
/// Each run: a fresh node of 0.1.0, `{fill, Keys}`, the probe (a process of the node calling
/// kv in a loop, like bench/otp's client) started; then up to 0.2.0, up to 0.3.0, down to
/// 0.2.0, down to 0.1.0, as bench/otp does. For each step:
/// - **install**: the relup alone, timed by the release handler (OTP: `install_release`);
/// - **command**: the whole `bin/kv upgrade|downgrade VSN`, from exec to exit (unpack,
///   install, make permanent; OTP: the same command through nodetool);
/// - **longest pause**: the longest time between two completed calls of the probe during the
///   command (OTP: `max_gap`);
/// - **failed calls**: calls that failed or got another value than the one put.
/// After each step the node must run the new version and every key hold its value.
enum UpgradeBenchmark {
    struct Options {
        var runs = 7
        var keys = 10_000
        var otp = true
    }

    /// One step's figures over the runs.
    struct Step {
        var from: String
        var to: String
        var install = Stats()
        var command = Stats()
        var pause = Stats()
        var calls = Stats()
        var failed = Stats()
        var downgrade: Bool { to < from }
        var label: String { "\(downgrade ? "downgrade" : "upgrade") \(from) -> \(to)" }
    }

    static let steps = [("0.1.0", "0.2.0"), ("0.2.0", "0.3.0"), ("0.3.0", "0.2.0"), ("0.2.0", "0.1.0")]

    static func main(_ arguments: [String]) throws {
        let parsed = try BenchmarkArguments(arguments)
        var options = Options()
        options.runs = try parsed.runs
        options.keys = try parsed.integer("keys", default: 10_000)
        options.otp = parsed.string("otp") != "no"

        let results = try measure(runs: options.runs, keys: options.keys)
        var otp: [OTPUpgradeStep] = []
        if options.otp {
            if OTPBaseline.isAvailable {
                say("upgrade: OTP 25's release_handler on bench/otp's kv (\(options.runs) runs)...")
                do {
                    otp = try OTPBaseline.build(runs: 1).upgrade(runs: options.runs, keys: options.keys)
                } catch {
                    say("  otp: not measured (\(error))")
                }
            } else {
                say("  otp: not measured (erl, erlc or epmd missing)")
            }
        }
        report(results, otp: otp, keys: options.keys, runs: options.runs)
    }

    /// The four steps' figures over `runs` fresh nodes holding `keys` keys.
    static func measure(runs: Int, keys: Int) throws -> [Step] {
        say("upgrade: building the upgrade fixture (release configuration)...")
        let runtime = try UpgradeRuntime.prepare(configuration: "release")
        var results = steps.map { Step(from: $0.0, to: $0.1) }
        for run in 1...runs {
            try measure(run: run, runtime: runtime, keys: keys, into: &results)
        }
        return results
    }

    /// One run: a fresh node and the four steps.
    static func measure(run: Int, runtime: UpgradeRuntime.Prepared, keys: Int, into results: inout [Step]) throws {
        let release = try KVReleaseLayout(installed: KVReleaseLayout.v1, runtime: runtime)
        try release.place(KVReleaseLayout.v2)
        try release.place(KVReleaseLayout.v3)
        defer { _ = try? command(release, ["stop", "--timeout", "20000"]) }
        try expect(release, ["start"])
        try expect(release, ["rpc", "kv", "{fill, \(keys)}", "--timeout", "60000"])
        try expect(release, ["rpc", "probe", "{start, \(keys)}"])
        var line = "  swift run \(run):"
        for index in results.indices {
            let step = results[index]
            try expect(release, ["rpc", "probe", "reset"])
            let verb = step.downgrade ? "downgrade" : "upgrade"
            let (output, seconds) = try timed(release, [verb, step.to, "--json"])
            let stats = try TermParser.parseOne(try expect(release, ["rpc", "probe", "stats"]))
            func stat(_ key: String) -> Double {
                Double(
                    stats.listElements?.first { $0.tupleElements?.first == .atom(key) }?.tupleElements?.last?.intValue
                        ?? -1
                )
            }
            let install = try installMicroseconds(output, downgrade: step.downgrade)
            try verify(release, version: step.to, keys: keys)
            results[index].install.values.append(install / 1e6)
            results[index].command.values.append(seconds)
            results[index].pause.values.append(stat("max_gap_us") / 1e6)
            results[index].calls.values.append(stat("calls"))
            results[index].failed.values.append(stat("failures") + stat("wrong"))
            line +=
                " \(step.from)->\(step.to) \(format(install / 1000, 2)) ms install, "
                + "\(format(seconds * 1000, 1)) ms command, \(format(stat("max_gap_us") / 1000, 2)) ms pause;"
        }
        say(String(line.dropLast()))
    }

    /// The relup's microseconds from the command's `--json` reply.
    static func installMicroseconds(_ json: String, downgrade: Bool) throws -> Double {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let result = object["result"] as? [String: Any]
        else { throw BenchmarkError("unexpected reply: \(json)") }
        let install = downgrade ? result : result["install"] as? [String: Any]
        guard let microseconds = install?["microseconds"] as? Int else {
            throw BenchmarkError("no install time in the reply: \(json)")
        }
        return Double(microseconds)
    }

    /// The node runs `version` permanently and every key holds its value.
    static func verify(_ release: KVReleaseLayout, version: String, keys: Int) throws {
        let running = try expect(release, ["rpc", "kv", "version"])
        guard running == "<<\"\(version)\">>", try release.statuses()[version] == "permanent" else {
            throw BenchmarkError("after \(version): kv answers \(running), RELEASES \(try release.statuses())")
        }
        let count = try expect(release, ["rpc", "kv", "count"])
        guard count == String(keys) else { throw BenchmarkError("after \(version): \(count) keys, not \(keys)") }
        let last = keys - 1
        let value = try expect(release, ["rpc", "kv", "{get, <<\"key-\(last)\">>}"])
        guard value == "<<\"value-\(last)-0123456789abcdef\">>" else {
            throw BenchmarkError("after \(version): key-\(last) holds \(value)")
        }
    }

    // MARK: - Running bin/kv

    @discardableResult
    static func expect(_ release: KVReleaseLayout, _ arguments: [String]) throws -> String {
        let (status, output) = try command(release, arguments)
        guard status == 0 else {
            throw BenchmarkError("bin/kv \(arguments.joined(separator: " ")) exited with \(status): \(output)")
        }
        return output.trimmingCharacters(in: .newlines)
    }

    /// Runs `bin/kv ARGUMENTS`, which must succeed, timed by the shell that runs it.
    static func timed(_ release: KVReleaseLayout, _ arguments: [String]) throws -> (output: String, seconds: Double) {
        try timedInShell(#""$@""#, arguments: [release.script] + arguments)
    }

    /// Runs `script` in `sh` (`arguments` as `$1`...; in `directory`), which must succeed, timed
    /// by that shell from just before the script to its end: without this program's process
    /// spawning and Foundation's `waitUntilExit` (which polls every 50 ms) in the figure, as
    /// bench/otp's driver times its commands. Returns what the script printed.
    static func timedInShell(
        _ script: String,
        arguments: [String] = [],
        in directory: String? = nil
    ) throws -> (output: String, seconds: Double) {
        let timed =
            "s=$(date +%s%N); \(script); status=$?; e=$(date +%s%N); echo \"elapsed_ns $((e - s))\"; exit $status"
        let (status, output) = try run("/bin/sh", ["-c", timed, "sh"] + arguments, in: directory)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        guard status == 0, let last = lines.last(where: { $0.hasPrefix("elapsed_ns ") }),
            let nanoseconds = Double(last.dropFirst("elapsed_ns ".count))
        else {
            throw BenchmarkError("\(([script] + arguments).joined(separator: " ")) exited with \(status): \(output)")
        }
        let printed = lines.filter { !$0.hasPrefix("elapsed_ns ") }.joined(separator: "\n")
        return (printed.trimmingCharacters(in: .newlines), nanoseconds / 1e9)
    }

    static func command(_ release: KVReleaseLayout, _ arguments: [String]) throws -> (Int32, String) {
        try run(release.script, arguments)
    }

    /// Runs `executable` with `arguments` (in `directory`), standard output and error into one text.
    static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> (Int32, String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "RELEASE_ROOT")
        process.environment = environment
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "distill-bench-kv-\(UUID().uuidString)"
        )
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    // MARK: - Report

    static func report(_ results: [Step], otp: [OTPUpgradeStep], keys: Int, runs: Int) {
        print("")
        print("Hot upgrade of a kv server holding \(grouped(Double(keys))) keys, a client calling it in a loop")
        print("(medians of \(runs) runs; min-max in brackets; OTP 25 release_handler on bench/otp's kv, same machine)")
        print("")
        func milliseconds(_ stats: Stats) -> String {
            guard !stats.values.isEmpty else { return "-" }
            return
                "\(format(stats.median * 1000, 2)) ms [\(format(stats.min * 1000, 2))-\(format(stats.max * 1000, 2))]"
        }
        func count(_ stats: Stats) -> String {
            guard !stats.values.isEmpty else { return "-" }
            return "\(Int(stats.max))"
        }
        let header = pad("step", -28) + pad("swift-distill", -34) + pad("OTP 25", -34) + "ratio"
        print(header)
        for step in results {
            let other = otp.first { $0.from == step.from && $0.to == step.to }
            print(step.label)
            let rows: [(String, Stats, Stats?)] = [
                ("  install (relup only)", step.install, other?.installRelease),
                ("  whole bin/kv command", step.command, other?.command),
                ("  longest pause seen", step.pause, other?.maxGap),
            ]
            for (label, ours, theirs) in rows {
                let ratio = theirs.map {
                    $0.median > 0 && ours.median > 0 ? format($0.median / ours.median, 1) + "x" : "-"
                }
                print(
                    pad(label, -28) + pad(milliseconds(ours), -34) + pad(theirs.map(milliseconds) ?? "-", -34)
                        + (ratio ?? "")
                )
            }
            print(
                pad("  failed calls (worst run)", -28) + pad(count(step.failed), -34)
                    + pad(other.map { "\(Int($0.failedCalls.max + $0.wrongReplies.max))" } ?? "-", -34)
            )
            print(
                pad("  calls during the command", -28) + pad(format(step.calls.median, 0), -34)
                    + pad(other.map { format($0.calls.median, 0) } ?? "-", -34)
            )
        }
    }

    static func say(_ text: String) { printError(text) }
}

extension Duration {
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
