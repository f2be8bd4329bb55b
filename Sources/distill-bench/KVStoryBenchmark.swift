//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import DistillTestSupport
import Foundation

/// `distill-bench kv`: the key-value server's whole story beside the same server on OTP 25
/// (bench/otp), in one run, as one table and as JSON (`--json PATH`, default
/// `.build/bench/kv.json`) that a CI job can keep:
///
/// - the release: `swift-distill release --env prod` of Fixtures/kv on a no-op rebuild (OTP:
///   erlc + systools from scratch, which is all it has to do), the tarball and its unpacked
///   size (both with their runtime: ERTS, or libDistillRuntime.so and the Swift runtime);
/// - boot to ready: from the exec of `bin/kv start` to kv answering `bin/kv rpc`;
/// - calls: a gen_server call from 1 and 2 client processes in the node, and `bin/kv rpc` from
///   the command line in sequence;
/// - the hot upgrade of a server holding 10,000 keys with a client calling it without pause
///   (``UpgradeBenchmark``): the whole `bin/kv upgrade` command, the install step alone, the
///   longest pause the client saw, and failed calls.
///
/// The goals of the end-to-end issue stand beside each row: upgrade and pause better than
/// OTP's, no failed call, boot under 100 ms, a tarball smaller than OTP's.
enum KVStoryBenchmark {
    /// One row: a measure of ours beside OTP's.
    struct Row {
        var name: String
        var unit: Unit
        var ours: Stats
        var otp: Stats?
        /// The goal, as text, and whether it is met.
        var goal: (text: String, met: Bool)?

        enum Unit: String {
            case milliseconds = "ms"
            case megabytes = "MB"
            case perSecond = "calls/s"
            case count = "count"

            /// Whether a smaller value is better.
            var lowerIsBetter: Bool { self != .perSecond }
        }
    }

    static func main(_ arguments: [String]) throws {
        let options = try BenchmarkArguments(arguments)
        let runs = try options.runs
        let keys = try options.integer("keys", default: 10_000)
        let cliCalls = try options.integer("cli-calls", default: 20)
        let json = options.string("json") ?? ".build/bench/kv.json"
        guard OTPBaseline.isAvailable else {
            throw BenchmarkError("erl, erlc and epmd are needed for the OTP side (Debian's erlang-base)")
        }
        say("kv: the key-value server on swift-distill and on OTP \(OTPBenchmark.otpRelease()), \(runs) runs")

        var rows: [Row] = []
        let release = try buildRelease(runs: runs)
        let otp = try OTPBaseline.build(runs: runs)
        rows.append(
            Row(
                name: "release build (ours: no-op rebuild)",
                unit: .milliseconds,
                ours: release.build,
                otp: otp.buildTime
            )
        )
        let otpTarball = Double(otp.tarballBytes["0.1.0"] ?? 0)
        rows.append(
            Row(
                name: "tarball 0.1.0, runtime included",
                unit: .megabytes,
                ours: Stats(values: [Double(release.tarballBytes)]),
                otp: Stats(values: [otpTarball]),
                goal: ("smaller than OTP's", Double(release.tarballBytes) < otpTarball)
            )
        )
        rows.append(
            Row(
                name: "unpacked",
                unit: .megabytes,
                ours: Stats(values: [Double(release.unpackedBytes)]),
                otp: Stats(values: [Double(otp.unpackedBytes)])
            )
        )

        say("kv: booting and calling the release \(runs) times...")
        let node = try measureNode(release: release, runs: runs, cliCalls: cliCalls)
        let otpBoot = try otp.bootToReady(runs: runs)
        rows.append(
            Row(
                name: "boot to ready (bin/kv start to kv answering)",
                unit: .milliseconds,
                ours: node.boot,
                otp: otpBoot.startReady,
                goal: ("under 100 ms", node.boot.median < 0.1)
            )
        )

        say("kv: calls in the node (RuntimeBenchmark's gen_server call)...")
        var inNode = RuntimeBenchmark.Options()
        inNode.runs = runs
        inNode.calls = 1_000_000
        inNode.casts = 1
        let quiet = RuntimeBenchmark.configurations(inNode)[0]
        let ours = RuntimeBenchmark.measureSwift(inNode, label: quiet.0, configuration: quiet.1)
        let theirs = RuntimeBenchmark.measureOTP(inNode)
        for (key, name) in [
            ("call, 1 client (calls/s)", "calls in the node, 1 client"),
            ("call, 2 clients (calls/s)", "calls in the node, 2 clients"),
        ] {
            if let stats = ours[key] { rows.append(Row(name: name, unit: .perSecond, ours: stats, otp: theirs[key])) }
        }
        let otpCommandLine = try otp.throughput(runs: runs, calls: 1000, cliCalls: cliCalls).commandLine
        rows.append(
            Row(
                name: "bin/kv rpc from the shell, in sequence",
                unit: .perSecond,
                ours: node.commandLine,
                otp: otpCommandLine
            )
        )

        say("kv: hot upgrades of \(keys) keys with a client calling...")
        let upgrades = try UpgradeBenchmark.measure(runs: runs, keys: keys)
        let otpUpgrades = try otp.upgrade(runs: runs, keys: keys)
        for step in upgrades {
            let theirs = otpUpgrades.first { $0.from == step.from && $0.to == step.to }
            let kind = step.from == "0.2.0" && step.to == "0.3.0" || step.from == "0.3.0" ? "state change" : "soft"
            let label = "\(step.label) (\(kind))"
            func better(_ ours: Stats, _ other: Stats?) -> (String, Bool)? {
                other.map { ("better than OTP's", ours.median < $0.median) }
            }
            rows.append(
                Row(
                    name: "\(label): whole command",
                    unit: .milliseconds,
                    ours: step.command,
                    otp: theirs?.command,
                    goal: better(step.command, theirs?.command)
                )
            )
            rows.append(
                Row(name: "  install step alone", unit: .milliseconds, ours: step.install, otp: theirs?.installRelease)
            )
            rows.append(
                Row(
                    name: "  longest pause a client saw",
                    unit: .milliseconds,
                    ours: step.pause,
                    otp: theirs?.maxGap,
                    goal: better(step.pause, theirs?.maxGap)
                )
            )
            let otpFailed = theirs.map { Stats(values: zip($0.failedCalls.values, $0.wrongReplies.values).map(+)) }
            rows.append(
                Row(
                    name: "  failed calls",
                    unit: .count,
                    ours: step.failed,
                    otp: otpFailed,
                    goal: ("none", step.failed.max == 0)
                )
            )
        }

        print(table(rows, runs: runs, keys: keys))
        try write(rows, runs: runs, keys: keys, to: json)
        say("kv: the table as JSON in \(json)")
    }

    // MARK: - Our release

    struct Release {
        /// The tarball unpacked, as a deploy would (removed when the benchmark ends).
        var unpacked: TemporaryDirectory
        var root: String { unpacked.path }
        var tarball: String
        var build: Stats
        var tarballBytes: Int
        var unpackedBytes: Int
    }

    /// Fixtures/kv 0.1.0 released for prod in `.build-fixtures/kv-bench` (the first build may
    /// compile), then `runs` no-op rebuilds timed.
    static func buildRelease(runs: Int) throws -> Release {
        let root = FileManager.default.currentDirectoryPath
        let tool = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("swift-distill").path
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            throw BenchmarkError(
                "no swift-distill next to distill-bench: swift build -c release --product swift-distill"
            )
        }
        let work = root + "/.build-fixtures/kv-bench"
        try ReleaseBenchmark.layOut(root + "/Fixtures/kv", at: work)
        say("kv: swift-distill release --env prod in \(work) (the first build may compile for minutes)...")
        try ReleaseBenchmark.shell([tool, "release", "--env", "prod"], in: work)
        let build = try Stats("release", runs: runs) {
            try ReleaseBenchmark.shell([tool, "release", "--env", "prod"], in: work)
        }
        let releaseRoot = work + "/_build/prod/rel/kv"
        let tarball = releaseRoot + "/releases/0.1.0/kv.tar.gz"
        let unpacked = try TemporaryDirectory(prefix: "distill-bench-kv")
        try ReleaseBenchmark.shell(["tar", "-xzf", tarball, "-C", unpacked.path], in: work)
        return Release(
            unpacked: unpacked,
            tarball: tarball,
            build: build,
            tarballBytes: try size(of: tarball),
            unpackedBytes: try FileManager.default.subpathsOfDirectory(atPath: unpacked.path).reduce(0) {
                $0 + (try size(of: unpacked.path + "/" + $1))
            }
        )
    }

    static func size(of path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return attributes[.type] as? FileAttributeType == .typeRegular ? (attributes[.size] as? Int ?? 0) : 0
    }

    // MARK: - Our node

    struct NodeFigures {
        var boot = Stats()
        var commandLine = Stats()
    }

    /// `runs` times: `bin/kv start`, then `bin/kv rpc` until kv answers (boot to ready); then
    /// `cliCalls` calls through `bin/kv rpc` in sequence; then `bin/kv stop`. Each is timed by
    /// the shell that runs it (`date +%s%N`), so that this program's own process spawning
    /// (Foundation's, tens of milliseconds) stays out of the figures.
    static func measureNode(release: Release, runs: Int, cliCalls: Int) throws -> NodeFigures {
        var figures = NodeFigures()
        for _ in 1...runs {
            let boot = try UpgradeBenchmark.timedInShell(
                #"bin/kv start >/dev/null && bin/kv rpc kv '{put, a, 42}' >/dev/null"#,
                in: release.root
            )
            defer { try? ReleaseBenchmark.shell([release.root + "/bin/kv", "stop"], in: release.root) }
            figures.boot.values.append(boot.seconds)
            let calls = try UpgradeBenchmark.timedInShell(
                #"i=0; while [ $i -lt \#(cliCalls) ]; do bin/kv rpc kv '{get, a, nil}' >/dev/null || exit 1; i=$((i+1)); done"#,
                in: release.root
            )
            figures.commandLine.values.append(Double(cliCalls) / calls.seconds)
        }
        return figures
    }

    // MARK: - Reporting

    static func table(_ rows: [Row], runs: Int, keys: Int) -> String {
        func value(_ number: Double, _ unit: Row.Unit) -> String {
            switch unit {
            case .milliseconds: return format(number * 1000, number < 0.01 ? 2 : 1)
            case .megabytes: return format(number / 1_000_000, 1)
            case .perSecond: return grouped(number)
            case .count: return String(Int(number))
            }
        }
        func cell(_ stats: Stats?, _ unit: Row.Unit) -> String {
            guard let stats, !stats.values.isEmpty else { return "-" }
            let median = value(stats.median, unit) + " " + unit.rawValue
            if stats.values.count == 1 || stats.min == stats.max { return median }
            return median + " [\(value(stats.min, unit))-\(value(stats.max, unit))]"
        }
        var lines = [
            "",
            "kv on swift-distill and on OTP 25, same machine, same run: median [min-max] of \(runs) runs;",
            "upgrades on \(grouped(Double(keys))) keys with a client calling kv without pause",
            "",
            pad("measure", -48) + pad("swift-distill", -32) + pad("OTP 25", -32) + pad("ratio", -8) + "goal",
        ]
        for row in rows {
            var ratio = "-"
            if let otp = row.otp, otp.median > 0, row.ours.median > 0 {
                let times = row.unit.lowerIsBetter ? otp.median / row.ours.median : row.ours.median / otp.median
                ratio = format(times, 1) + "x"
            }
            if row.unit == .count { ratio = "" }
            let goal = row.goal.map { ($0.met ? "met: " : "NOT MET: ") + $0.text } ?? ""
            lines.append(
                pad(row.name, -48) + pad(cell(row.ours, row.unit), -32) + pad(cell(row.otp, row.unit), -32)
                    + pad(ratio, -8) + goal
            )
        }
        lines.append("(ratio: how many times better than OTP by median; > 1 is better)")
        return lines.joined(separator: "\n")
    }

    /// The rows as JSON: `{"benchmark": "kv", "runs", "keys", "cores", "rows": [{"name", "unit",
    /// "swift_distill": {"min", "median", "max", "values"}, "otp": {...} | null, "goal", "goal_met"}]}`.
    static func write(_ rows: [Row], runs: Int, keys: Int, to path: String) throws {
        func figures(_ stats: Stats?) -> Any {
            guard let stats, !stats.values.isEmpty else { return NSNull() }
            return ["min": stats.min, "median": stats.median, "max": stats.max, "values": stats.values]
        }
        let object: [String: Any] = [
            "benchmark": "kv",
            "runs": runs,
            "keys": keys,
            "cores": ProcessInfo.processInfo.activeProcessorCount,
            "unit_note": "ms rows are in seconds in the JSON; MB rows in bytes",
            "rows": rows.map { row -> [String: Any] in
                [
                    "name": row.name.trimmingCharacters(in: .whitespaces),
                    "unit": row.unit.rawValue,
                    "swift_distill": figures(row.ours),
                    "otp": figures(row.otp),
                    "goal": row.goal?.text ?? NSNull(),
                    "goal_met": row.goal.map { $0.met as Any } ?? NSNull(),
                ]
            },
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
    }
}
