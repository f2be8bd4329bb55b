//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillPlan
import DistillRelease
import DistillTerm
import Foundation

/// The relup compiler on a big upgrade (200 applications × 50 changed modules, each with
/// random DepMods, cycles included) against `systools:make_relup` on the same files:
/// `RelupCompiler.compile` in process (files already read), `swift-distill relup` end to
/// end (a process that reads the files and writes the relup), and `make_relup` timed by
/// `timer:tc` in one `erl` (it reads the files itself; `noexec`, so it writes nothing).
/// systools takes seconds per run, so it runs `--otp-runs` times (default: at most 3).
struct PlanBenchmark {
    var runs = 5
    var otpRuns = 3
    var applications = 200
    var modules = 50
    var systools = true
    var cli = true

    init(arguments: [String]) throws {
        let options = try BenchmarkArguments(arguments)
        runs = try options.runs
        otpRuns = try options.integer("otp-runs", default: min(runs, 3))
        applications = try options.integer("apps", default: applications)
        modules = try options.integer("modules", default: modules)
        systools = options.string("systools") != "no"
        cli = options.string("cli") != "no"
    }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("distill-bench-plan-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try writeReleases(in: directory)
        let lib = directory.appendingPathComponent("lib").path
        let new = directory.appendingPathComponent("new.rel").path
        let old = directory.appendingPathComponent("old.rel").path
        print("plan: relup of \(applications) applications × \(modules) changed modules (random DepMods), up and down")

        let loader = RelupFileLoader(libraryDirectories: [lib])
        var reading = Stats("read the files (swift)")
        let files = try reading.measure { try loader.load(release: new, withAppups: true) }
        let base = BaseRelease(try loader.load(release: old, withAppups: false))
        let compiler = RelupCompiler()
        let relup = try compiler.compile(files, upFrom: [base], downTo: [base]).relup
        let instructions = relup.upgrades[0].instructions.count + relup.downgrades[0].instructions.count
        let ours = try Stats("RelupCompiler.compile", runs: runs) {
            try compiler.compile(files, upFrom: [base], downTo: [base])
        }
        var cli = Stats("swift-distill relup (process)")
        if self.cli, let tool = Self.swiftDistill() {
            let output = directory.appendingPathComponent("relup").path
            for _ in 0...runs {
                try cli.measure {
                    try Self.execute(tool, ["relup", "--rel", new, "--from", old, "--lib", lib, "-o", output])
                }
            }
            cli.values.removeFirst()  // the first run warms the page cache
            guard try String(contentsOfFile: output, encoding: .utf8) == RelupFileWriter.text(of: relup) else {
                throw BenchmarkError("swift-distill relup wrote another relup than RelupCompiler made")
            }
        }
        print("  \(instructions) relup instructions; \(reading.summary())")
        print("  " + ours.summary(nameWidth: 32))
        if !cli.values.isEmpty { print("  " + cli.summary(nameWidth: 32)) }
        guard systools else { return }
        guard let escript = Self.findExecutable("escript") else {
            print("  systools: 'escript' is not on PATH; no baseline (install Debian's erlang-base)")
            return
        }
        let (otp, otpRelup) = try systools(escript, new: new, old: old, lib: lib, directory: directory)
        guard otpRelup == relup.term || Self.sameInstructions(otpRelup, relup.term) else {
            throw BenchmarkError("systools made another relup than RelupCompiler")
        }
        print("  " + otp.summary(nameWidth: 32))
        var ratios = "  RelupCompiler: \(format(otp.median / ours.median, 1))x faster than systools:make_relup"
        if !cli.values.isEmpty { ratios += "; swift-distill relup: \(format(otp.median / cli.median, 1))x" }
        print(ratios + " (medians)")
    }

    /// Whether two relups hold the same instructions, up to the order OTP leaves to its
    /// hash tables (module instructions that do not depend on each other).
    private static func sameInstructions(_ a: Term, _ b: Term) -> Bool {
        func bag(_ term: Term) -> [String] {
            var instructions: [String] = []
            for side in (term.tupleElements ?? []).dropFirst() {
                for entry in side.listElements ?? [] {
                    for instruction in entry.tupleElements?.last?.listElements ?? [] {
                        if let inner = instruction.tupleElements, inner.count >= 2, let list = inner.last?.listElements
                        {
                            instructions += list.map { "\(inner.dropLast()) \($0)" }
                        } else if let loc = instruction.tagged("load_object_code")?.first?.tupleElements {
                            instructions += (loc[2].listElements ?? []).map { "loc \(loc[0]) \($0)" }
                        } else {
                            instructions.append("\(instruction)")
                        }
                    }
                }
            }
            return instructions.sorted()
        }
        return bag(a) == bag(b)
    }

    // MARK: - The releases

    /// `lib/APP-1.0`, `lib/APP-1.1` (with the appup) for every application, kernel,
    /// stdlib and sasl, and the two `.rel` files.
    private func writeReleases(in directory: URL) throws {
        var random = SplitMix64(seed: 42)
        var newEntries = [Self.entry("kernel", "8.5.3"), Self.entry("stdlib", "4.2"), Self.entry("sasl", "4.2")]
        var oldEntries = newEntries
        for (name, version) in [("kernel", "8.5.3"), ("stdlib", "4.2"), ("sasl", "4.2")] {
            try Self.writeApp(name, version, modules: ["\(name)_m"], uses: [], appup: nil, in: directory)
        }
        for index in 1...applications {
            let name = "app\(index)"
            let names = (1...modules).map { "\(name)_m\($0)" }
            var up: [Term] = []
            for module in names {
                let dependencies = Term.list(
                    names.shuffled(using: &random).prefix(Int.random(in: 0...3, using: &random)).map(Term.atom)
                )
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<6: up.append(.tuple([.atom("load_module"), .atom(module), dependencies]))
                case 6..<9: up.append(.tuple([.atom("update"), .atom(module), dependencies]))
                default:
                    up.append(
                        .tuple([.atom("update"), .atom(module), .tuple([.atom("advanced"), .nil]), dependencies])
                    )
                }
            }
            let appup = Term.tuple([
                .string("1.1"), .list([.tuple([.string("1.0"), .list(up)])]),
                .list([.tuple([.string("1.0"), .list(up)])]),
            ])
            try Self.writeApp(name, "1.0", modules: names, uses: ["kernel", "stdlib"], appup: nil, in: directory)
            try Self.writeApp(name, "1.1", modules: names, uses: ["kernel", "stdlib"], appup: appup, in: directory)
            newEntries.append(Self.entry(name, "1.1"))
            oldEntries.append(Self.entry(name, "1.0"))
        }
        for (file, version, entries) in [("new.rel", "2", newEntries), ("old.rel", "1", oldEntries)] {
            let release = Term.tuple([
                .atom("release"), .tuple([.string("big"), .string(version)]),
                .tuple([.atom("erts"), .string("13.1.5")]), .list(entries),
            ])
            try TermPrinter.file([release]).write(
                to: directory.appendingPathComponent(file),
                atomically: false,
                encoding: .utf8
            )
        }
    }

    private static func entry(_ name: String, _ version: String) -> Term {
        .tuple([.atom(name), .string(version)])
    }

    private static func writeApp(
        _ name: String,
        _ version: String,
        modules: [String],
        uses: [String],
        appup: Term?,
        in directory: URL
    ) throws {
        let ebin = directory.appendingPathComponent("lib/\(name)-\(version)/ebin")
        try FileManager.default.createDirectory(at: ebin, withIntermediateDirectories: true)
        let app = Term.tuple([
            .atom("application"), .atom(name),
            .list([
                .tuple([.atom("description"), .string(name)]), .tuple([.atom("vsn"), .string(version)]),
                .tuple([.atom("modules"), .list(modules.map(Term.atom))]), .tuple([.atom("registered"), .nil]),
                .tuple([.atom("applications"), .list(uses.map(Term.atom))]),
            ]),
        ])
        try TermPrinter.file([app]).write(
            to: ebin.appendingPathComponent("\(name).app"),
            atomically: false,
            encoding: .utf8
        )
        if let appup {
            try TermPrinter.file([appup]).write(
                to: ebin.appendingPathComponent("\(name).appup"),
                atomically: false,
                encoding: .utf8
            )
        }
    }

    // MARK: - The other contestants

    /// `swift-distill` next to this executable (`make bench` builds both).
    private static func swiftDistill() -> String? {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = here.appendingPathComponent("swift-distill").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    private static func execute(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchmarkError("\(executable) exited with status \(process.terminationStatus)")
        }
    }

    /// `systools:make_relup` timed by `timer:tc` `otpRuns` times in one `erl`, after a
    /// warm-up, and the relup it made.
    private func systools(
        _ escript: String,
        new: String,
        old: String,
        lib: String,
        directory: URL
    ) throws -> (Stats, Term) {
        let script = directory.appendingPathComponent("bench.escript")
        let relupFile = directory.appendingPathComponent("otp.relup")
        try """
        #!/usr/bin/env escript
        %%! -noshell
        main([New, Old, Lib, Runs, Out]) ->
            Make = fun() -> systools:make_relup(New, [Old], [Old], [silent, noexec, {path, [Lib ++ "/*/ebin"]}]) end,
            {ok, Relup, _, _} = Make(),
            ok = file:write_file(Out, io_lib:format("~tp.~n", [Relup])),
            Times = [begin {T, {ok, _, _, _}} = timer:tc(Make), T end || _ <- lists:seq(1, list_to_integer(Runs))],
            io:format("~w~n", [Times]).
        """.write(to: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: escript)
        process.arguments = [
            script.path, String(new.dropLast(4)), String(old.dropLast(4)), lib, String(otpRuns), relupFile.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0, let times = try? TermParser.parseOne(text).listElements else {
            throw BenchmarkError("escript exited with status \(process.terminationStatus): \(text)")
        }
        let relup = try TermParser.parseAll(String(contentsOf: relupFile, encoding: .utf8), file: relupFile.path)
        var stats = Stats(seconds: times.map { Double($0.intValue ?? 0) / 1e6 })
        stats.name = "systools:make_relup (erl)"
        return (stats, relup[0])
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
