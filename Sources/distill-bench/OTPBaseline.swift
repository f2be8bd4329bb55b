//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// The OTP baseline the release benchmarks compare against, measured in the same run on the
/// same machine: `bench/otp/`, the kv server written for OTP 25, built with `erlc` and
/// systools (tarballs with ERTS), booted with its `bin/kv`, hot-upgraded with `bin/kv upgrade`
/// (release_handler), and measured by `bench/otp/run.sh`, which prints one JSON line per figure.
///
/// ```swift
/// let otp = try OTPBaseline.build(runs: 7)
/// let boot = try otp.bootToReady(runs: 7)
/// let steps = try otp.upgrade(runs: 7, keys: 10_000)
/// let calls = try otp.throughput(runs: 7)
/// ```
enum OTPBaseline {
    /// `bench/otp/run.sh` in this checkout, or the script `DISTILL_OTP_BASELINE` names.
    static var script: URL {
        if let path = ProcessInfo.processInfo.environment["DISTILL_OTP_BASELINE"] {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("bench/otp/run.sh")
    }

    /// Whether `erl`, `erlc` and `epmd` are on `PATH` (Debian's erlang-base).
    static var isAvailable: Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return ["erl", "erlc", "epmd"].allSatisfy { tool in
            path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
        }
    }

    /// Builds the release from source `runs` times from scratch (`erlc`, then systools'
    /// make_script, make_relup and make_tar for 0.1.0, 0.2.0 and 0.3.0); the last build stays in
    /// `directory` (default `bench/otp/_build`) for the other measurements.
    static func build(runs: Int = 1, directory: URL? = nil) throws -> OTPRelease {
        let figures = try run(directory: directory, ["build", "--runs", String(runs)])
        var tarballs: [String: Int] = [:]
        for version in ["0.1.0", "0.2.0", "0.3.0"] {
            tarballs[version] = Int(try figures.stats("tarball_bytes", version).values[0])
        }
        return OTPRelease(
            directory: directory,
            buildTime: try figures.stats("build_total", "all", name: "build (erlc + systools)"),
            erlcTime: try figures.stats("build_erlc", "all", name: "  erlc, 3 versions"),
            systoolsTime: try figures.stats("build_systools", "all", name: "  systools (script, relup, tar)"),
            tarballBytes: tarballs,
            unpackedBytes: Int(try figures.stats("unpacked_bytes", "0.1.0").values[0]),
            unpackedFiles: Int(try figures.stats("unpacked_files", "0.1.0").values[0])
        )
    }

    /// Runs `run.sh [--build-dir DIR] ARGUMENTS` and reads the figures it printed. Its progress
    /// (standard error) goes to this process's standard error.
    static func run(directory: URL?, _ arguments: [String]) throws -> OTPFigures {
        var command = directory.map { ["--build-dir", $0.path] } ?? []
        command += arguments
        let process = Process()
        process.executableURL = script
        process.arguments = command
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchmarkError(
                "\(script.path) \(command.joined(separator: " ")) exited with status \(process.terminationStatus)"
            )
        }
        return try OTPFigures(parsing: String(decoding: data, as: UTF8.self))
    }
}

/// The OTP kv release, built: its build figures, and the measurements that run it.
struct OTPRelease {
    /// The build directory (`nil`: `bench/otp/_build`).
    var directory: URL?
    /// The whole build, erlc + systools, per run (seconds).
    var buildTime: Stats
    var erlcTime: Stats
    var systoolsTime: Stats
    /// Each version's tarball (with ERTS), in bytes.
    var tarballBytes: [String: Int]
    /// 0.1.0's tarball unpacked: the bytes of its files, and how many.
    var unpackedBytes: Int
    var unpackedFiles: Int

    /// From exec of `bin/kv foreground` and of `bin/kv start` (run_erl, relx's daemon) to the
    /// node answering a ping and to kv answering a call, `runs` boots of each.
    func bootToReady(runs: Int) throws -> OTPBoot {
        let figures = try OTPBaseline.run(directory: directory, ["boot", "--runs", String(runs)])
        return OTPBoot(
            foregroundPing: try figures.stats("boot_to_ping", "foreground", name: "bin/kv foreground to ping"),
            foregroundReady: try figures.stats("boot_to_ready", "foreground", name: "bin/kv foreground to kv ready"),
            startPing: try figures.stats("boot_to_ping", "start", name: "bin/kv start to ping"),
            startReady: try figures.stats("boot_to_ready", "start", name: "bin/kv start to kv ready")
        )
    }

    /// `runs` times, on a fresh node of 0.1.0 holding `keys` keys: `bin/kv upgrade 0.2.0`
    /// (soft), `upgrade 0.3.0` (state change), `downgrade 0.2.0`, `downgrade 0.1.0`, once on an
    /// idle node and once with a process calling kv in a loop throughout. Every step checks
    /// afterwards that the node runs the new version permanently, that every key kept its
    /// value, and that kv's state has the new version's shape.
    func upgrade(runs: Int, keys: Int = 10_000) throws -> [OTPUpgradeStep] {
        let figures = try OTPBaseline.run(
            directory: directory,
            ["upgrade", "--runs", String(runs), "--keys", String(keys)]
        )
        return try OTPUpgradeStep.steps.map { from, to in try OTPUpgradeStep(from: from, to: to, figures: figures) }
    }

    /// `gen_server:call` to kv from 1 and 2 processes in the node (`calls` calls per run), and
    /// `bin/kv rpc kv get ...` from the command line, `cliCalls` in sequence per run: through
    /// bin/nodetool (an escript), and through erl_call (relx 4's default).
    func throughput(runs: Int, calls: Int = 1_000_000, cliCalls: Int = 20) throws -> OTPThroughput {
        let figures = try OTPBaseline.run(
            directory: directory,
            ["throughput", "--runs", String(runs), "--calls", String(calls), "--cli-calls", String(cliCalls)]
        )
        return OTPThroughput(
            oneClient: try figures.stats("call_throughput", "clients=1", name: "gen_server:call, 1 client"),
            twoClients: try figures.stats("call_throughput", "clients=2", name: "gen_server:call, 2 clients"),
            commandLine: try figures.stats(
                "cli_rpc_throughput",
                "bin/kv rpc",
                name: "bin/kv rpc (nodetool), sequential"
            ),
            commandLineErlCall: try figures.stats(
                "cli_rpc_throughput",
                "bin/kv rpc, erl_call",
                name: "bin/kv rpc (erl_call), sequential"
            )
        )
    }
}

/// Boot times, seconds per run.
struct OTPBoot {
    var foregroundPing: Stats
    var foregroundReady: Stats
    var startPing: Stats
    var startReady: Stats
}

/// One `bin/kv upgrade` or `downgrade`, per run.
struct OTPUpgradeStep {
    /// The steps `run.sh upgrade` makes, in order.
    static let steps = [("0.1.0", "0.2.0"), ("0.2.0", "0.3.0"), ("0.3.0", "0.2.0"), ("0.2.0", "0.1.0")]
    static let versions = ["0.1.0", "0.2.0", "0.3.0"]

    var from: String
    var to: String
    /// The whole command, from exec to exit (seconds), with the client calling kv.
    var command: Stats
    /// The same on a node where nothing else runs: the command, its unpack and install.
    var idleCommand: Stats
    var idleUnpackRelease: Stats
    var idleInstallRelease: Stats
    /// release_handler's steps, timed by `timer:tc` in the node (seconds). Downgrades unpack
    /// nothing: `unpackRelease` is then empty.
    var unpackRelease: Stats
    var checkInstallRelease: Stats
    var installRelease: Stats
    var makePermanent: Stats
    /// The longest time between two consecutive call completions the client saw during the
    /// command, and the longest call that overlapped install_release (seconds; calls under
    /// 50 µs are not kept, so 50 µs means "none longer").
    var maxGap: Stats
    var longestCallInInstall: Stats
    /// Calls the client completed during the command, calls that exited, replies with a value
    /// other than the one put.
    var calls: Stats
    var failedCalls: Stats
    var wrongReplies: Stats

    var isDowngrade: Bool { Self.isDowngrade(from: from, to: to) }
    var label: String { "\(isDowngrade ? "downgrade" : "upgrade") \(from) -> \(to)" }

    static func isDowngrade(from: String, to: String) -> Bool {
        (versions.firstIndex(of: to) ?? 0) < (versions.firstIndex(of: from) ?? 0)
    }

    init(from: String, to: String, figures: OTPFigures) throws {
        self.from = from
        self.to = to
        let key = "\(from)->\(to)"
        let verb = Self.isDowngrade(from: from, to: to) ? "downgrade" : "upgrade"
        command = try figures.stats("command", key, name: "bin/kv \(verb) \(to)")
        idleCommand = try figures.stats("idle_command", key, name: "bin/kv \(verb) \(to), idle node")
        idleUnpackRelease = figures.optionalStats("idle_unpack_release", key, name: "  unpack_release, idle node")
        idleInstallRelease = try figures.stats("idle_install_release", key, name: "  install_release, idle node")
        unpackRelease = figures.optionalStats("unpack_release", key, name: "  unpack_release")
        checkInstallRelease = try figures.stats("check_install_release", key, name: "  check_install_release")
        installRelease = try figures.stats("install_release", key, name: "  install_release")
        makePermanent = try figures.stats("make_permanent", key, name: "  make_permanent")
        maxGap = try figures.stats("max_gap", key, name: "longest gap between calls")
        longestCallInInstall = try figures.stats("longest_call_in_install", key, name: "longest call in install")
        calls = try figures.stats("calls", key, name: "calls during the command")
        failedCalls = try figures.stats("failed_calls", key, name: "failed calls")
        wrongReplies = try figures.stats("wrong_replies", key, name: "wrong replies")
    }
}

/// Calls per second, per run.
struct OTPThroughput {
    var oneClient: Stats
    var twoClients: Stats
    var commandLine: Stats
    var commandLineErlCall: Stats
}

/// What `bench/otp/run.sh` printed: one figure a line,
/// `{"bench":"otp","measure":M,"case":C,"run":N,"value":V,"unit":U}`.
struct OTPFigures {
    struct Figure: Decodable, Hashable {
        var bench: String
        var measure: String
        var `case`: String
        var run: Int
        var value: Double
        var unit: String
    }

    var figures: [Figure]

    init(parsing output: String) throws {
        let decoder = JSONDecoder()
        figures = try output.split(separator: "\n").map { line in
            do {
                return try decoder.decode(Figure.self, from: Data(line.utf8))
            } catch {
                throw BenchmarkError("bench/otp/run.sh printed a line that is not a figure: \(line)")
            }
        }
    }

    /// Every run's value of `measure` for `case`, in run order.
    func stats(_ measure: String, _ case: String, name: String = "") throws -> Stats {
        let found = optionalStats(measure, `case`, name: name)
        guard !found.values.isEmpty else {
            throw BenchmarkError("bench/otp/run.sh printed no '\(measure)' for '\(`case`)'")
        }
        return found
    }

    func optionalStats(_ measure: String, _ case: String, name: String = "") -> Stats {
        let values = figures.filter { $0.measure == measure && $0.case == `case` }.sorted { $0.run < $1.run }
        return Stats(name, values: values.map(\.value))
    }
}

// MARK: - The `otp` benchmark

/// `distill-bench otp`: the OTP baseline's figures alone (runs, min/median/max); the release
/// benchmarks print them next to swift-distill's.
enum OTPBenchmark {
    static func run(_ options: BenchmarkArguments) throws {
        guard OTPBaseline.isAvailable else {
            say("otp: erl, erlc and epmd are not on PATH; no baseline (install Debian's erlang-base)")
            return
        }
        let runs = try options.runs
        let keys = try options.integer("keys", default: 10_000)
        let calls = try options.integer("calls", default: 1_000_000)
        let cliCalls = try options.integer("cli-calls", default: 20)
        say("otp: the kv release on OTP \(otpRelease()) (erlc + systools, bin/kv, release_handler), \(runs) runs")

        let release = try OTPBaseline.build(runs: runs)
        say("  " + release.buildTime.summary(nameWidth: 36))
        say("  " + release.erlcTime.summary(nameWidth: 36))
        say("  " + release.systoolsTime.summary(nameWidth: 36))
        say(
            "  " + pad("tarball with ERTS", -36) + " "
                + ["0.1.0", "0.2.0", "0.3.0"].map { "\($0) \(megabytes(release.tarballBytes[$0] ?? 0))" }
                .joined(separator: ", ")
        )
        say(
            "  " + pad("unpacked", -36) + " \(megabytes(release.unpackedBytes)), \(release.unpackedFiles) files"
        )

        let boot = try release.bootToReady(runs: runs)
        for stats in [boot.foregroundPing, boot.foregroundReady, boot.startPing, boot.startReady] {
            say("  " + stats.summary(nameWidth: 36))
        }

        say("  upgrades, \(keys) keys, on an idle node and with a client calling kv in a loop:")
        for step in try release.upgrade(runs: runs, keys: keys) {
            say("  \(step.label)")
            for stats in [
                step.idleCommand, step.idleUnpackRelease, step.idleInstallRelease, step.command, step.unpackRelease,
                step.checkInstallRelease, step.installRelease, step.makePermanent,
                step.maxGap, step.longestCallInInstall,
            ] where !stats.values.isEmpty {
                say("    " + stats.summary(nameWidth: 34))
            }
            say("    " + countSummary(step.calls, width: 34))
            say("    " + countSummary(step.failedCalls, width: 34))
            say("    " + countSummary(step.wrongReplies, width: 34))
        }

        let throughput = try release.throughput(runs: runs, calls: calls, cliCalls: cliCalls)
        for stats in [
            throughput.oneClient, throughput.twoClients, throughput.commandLine, throughput.commandLineErlCall,
        ] {
            say("  " + rateSummary(stats, width: 36))
        }
    }

    /// `name  runs N  min X  median Y  max Z calls/s`.
    static func rateSummary(_ stats: Stats, width: Int) -> String {
        func rate(_ value: Double) -> String { value >= 100 ? grouped(value) : format(value, 1) }
        return pad(stats.name, -width) + " runs \(stats.values.count)  min \(rate(stats.min))  median "
            + "\(rate(stats.median))  max \(rate(stats.max)) calls/s"
    }

    static func countSummary(_ stats: Stats, width: Int) -> String {
        pad(stats.name, -width) + " runs \(stats.values.count)  min \(grouped(stats.min))  median "
            + "\(grouped(stats.median))  max \(grouped(stats.max))"
    }

    static func megabytes(_ bytes: Int) -> String { format(Double(bytes) / 1_000_000, 1) + " MB" }

    /// `25`, from `erl`.
    static func otpRelease() -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["erl", "-noshell", "-eval", "io:put_chars(erlang:system_info(otp_release)), halt()."]
        let output = Pipe()
        process.standardOutput = output
        guard (try? process.run()) != nil else { return "?" }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
