//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import Foundation

/// `distill-bench term-text [--runs N] [--megabytes M] [--erlang no]`: reads and writes a term file of
/// about M MB (default 10) shaped like big release files (relups, sys.config, an
/// application's data), and compares with Erlang's `file:consult/1` and `~tp` on the
/// same file in the same run.
enum TermTextBenchmark {
    static func run(_ arguments: BenchmarkArguments) throws {
        let runs = try arguments.runs
        let megabytes = try arguments.integer("megabytes", default: 10)
        let terms = makeTerms(bytes: megabytes * 1_000_000)
        let text = TermPrinter.file(terms)
        let size = text.utf8.count

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("distill-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("terms.config")
        try Data(text.utf8).write(to: file)

        print("term-text: \(terms.count) terms, \(format(Double(size) / 1_000_000, 1)) MB, \(runs) runs each")
        print("  (time per run: fastest, median, slowest; throughput in MB of text per second)")

        guard try TermParser.parseAll(bytes: try Data(contentsOf: file), file: file.path) == terms else {
            throw BenchmarkError("the parsed terms differ from the printed ones")
        }
        let parse = try Stats(runs: runs) {
            try TermParser.parseAll(bytes: try Data(contentsOf: file), file: file.path)
        }
        print(parse.line("  parse (swift)", bytes: size))
        let located = try Stats(runs: runs) {
            try TermParser.parseAllLocated(bytes: try Data(contentsOf: file), file: file.path)
        }
        print(located.line("  parse located (swift)", bytes: size))

        guard TermPrinter.file(terms) == text else { throw BenchmarkError("printing is not deterministic") }
        let printing = Stats(runs: runs) { TermPrinter.file(terms) }
        print(printing.line("  print ~tp (swift)", bytes: size))

        if arguments.string("erlang") == "no" { return }
        guard let escript = findExecutable("escript") else {
            print("  erl: 'escript' is not on PATH; no baseline (install Debian's erlang-base)")
            return
        }
        let (consult, pretty) = try erlang(escript, file: file, runs: runs, directory: directory)
        print(consult.line("  file:consult (erl)", bytes: size))
        print(pretty.line("  io_lib ~tp (erl)", bytes: size))
        print(
            "  parse: \(format(consult.median / parse.median, 1))x erl's file:consult; "
                + "print: \(format(pretty.median / printing.median, 1))x erl's ~tp (medians)"
        )
    }

    // MARK: - Erlang's baseline

    /// Times `file:consult/1` of the file, and `io_lib:format("~tp.~n")` of its terms into
    /// one binary, `runs` times each in one `erl` (after a warm-up).
    private static func erlang(_ escript: String, file: URL, runs: Int, directory: URL) throws -> (Stats, Stats) {
        let script = directory.appendingPathComponent("bench.escript")
        try """
        #!/usr/bin/env escript
        %%! -noshell +pc unicode
        main([File, Runs]) ->
            N = list_to_integer(Runs),
            {ok, Terms} = file:consult(File),
            Consult = [element(1, timer:tc(file, consult, [File])) || _ <- lists:seq(1, N)],
            Print = fun() -> unicode:characters_to_binary([io_lib:format("~tp.~n", [T]) || T <- Terms]) end,
            _ = Print(),
            Printing = [element(1, timer:tc(Print)) || _ <- lists:seq(1, N)],
            io:format("~w~n~w~n", [Consult, Printing]).
        """.write(to: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: escript)
        process.arguments = [script.path, file.path, String(runs)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchmarkError("escript exited with status \(process.terminationStatus)")
        }
        let text = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard text.count == 2, let consult = try? TermParser.parseOne(String(text[0])).listElements,
            let printing = try? TermParser.parseOne(String(text[1])).listElements
        else { throw BenchmarkError("unexpected escript output: \(String(decoding: data, as: UTF8.self))") }
        func seconds(_ microseconds: [Term]) -> Stats {
            Stats(seconds: microseconds.map { Double($0.intValue ?? 0) / 1e6 })
        }
        return (seconds(consult), seconds(printing))
    }

    private static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    // MARK: - The file

    /// Terms until their text reaches about `bytes`: relups, sys.config entries and
    /// records of data, from a fixed seed.
    static func makeTerms(bytes: Int) -> [Term] {
        var random = SplitMix64(seed: 0x7E57_7E57)
        var terms: [Term] = []
        var size = 0
        while size < bytes {
            let term: Term
            switch terms.count % 3 {
            case 0: term = relup(&random)
            case 1: term = sysConfig(&random)
            default: term = records(&random)
            }
            size += TermPrinter.print(term).utf8.count + 2
            terms.append(term)
        }
        return terms
    }

    private static func relup(_ random: inout SplitMix64) -> Term {
        func script(_ version: String) -> Term {
            var instructions: [Term] = []
            let modules = (0..<Int.random(in: 3...12, using: &random)).map { Term.atom("app_mod_\($0)") }
            instructions.append(.tuple(["load_object_code", .tuple(["app", .string(version), .list(modules)])]))
            instructions.append("point_of_no_return")
            for module in modules {
                if Bool.random(using: &random) {
                    instructions.append(.tuple(["suspend", [module]]))
                    instructions.append(.tuple(["load", .tuple([module, "brutal_purge", "brutal_purge"])]))
                    instructions.append(.tuple(["code_change", "up", [.tuple([module, .tuple(["extra", 42])])]]))
                    instructions.append(.tuple(["resume", [module]]))
                } else {
                    instructions.append(.tuple(["load", .tuple([module, "soft_purge", "soft_purge"])]))
                }
            }
            return .tuple([.string(version), [], .list(instructions)])
        }
        let count = Int.random(in: 1...3, using: &random)
        return .tuple([
            .string("2.\(count).0"),
            .list((0..<count).map { script("1.\($0).0") }),
            .list((0..<count).map { script("1.\($0).0") }),
        ])
    }

    private static let words = [
        "alpha", "beta", "gamma", "delta", "kv", "server", "worker", "pool", "timeout", "été", "日本", "naïve",
    ]

    private static func value(_ random: inout SplitMix64, depth: Int) -> Term {
        switch Int.random(in: 0..<(depth > 2 ? 8 : 11), using: &random) {
        case 0: return .integer(Int.random(in: 0...65535, using: &random))
        case 1: return .integer(Int.random(in: .min ... .max, using: &random))
        case 2: return .float(Double(Int.random(in: 0...1_000_000, using: &random)) / 1000)
        case 3: return .atom(words.randomElement(using: &random)!)
        case 4:
            return .string(
                (0..<Int.random(in: 1...8, using: &random)).map { _ in words.randomElement(using: &random)! }.joined(
                    separator: " "
                )
            )
        case 5:
            return .binary(
                Array(
                    "https://example.com/\(words.randomElement(using: &random)!)/\(Int.random(in: 0...9999, using: &random))"
                        .utf8
                )
            )
        case 6:
            return .binary(
                (0..<Int.random(in: 4...24, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            )
        case 7: return .boolean(Bool.random(using: &random))
        case 8: return .list((0..<Int.random(in: 0...6, using: &random)).map { _ in value(&random, depth: depth + 1) })
        case 9:
            return .map(
                TermMap(
                    (0..<Int.random(in: 1...5, using: &random)).map { index in
                        (Term.atom("field_\(index)"), value(&random, depth: depth + 1))
                    }
                )
            )
        default:
            return .list(
                (0..<Int.random(in: 1...5, using: &random)).map { index in
                    .tuple([.atom("opt_\(index)"), value(&random, depth: depth + 1)])
                }
            )
        }
    }

    private static func sysConfig(_ random: inout SplitMix64) -> Term {
        .list(
            (0..<Int.random(in: 2...6, using: &random)).map { app in
                .tuple([
                    .atom("application_\(app)"),
                    .list(
                        (0..<Int.random(in: 3...12, using: &random)).map { key in
                            .tuple([.atom("key_\(key)"), value(&random, depth: 0)])
                        }
                    ),
                ])
            }
        )
    }

    private static func records(_ random: inout SplitMix64) -> Term {
        .list(
            (0..<Int.random(in: 5...40, using: &random)).map { id in
                .tuple([
                    "user", .integer(id), .binary(Array(words.randomElement(using: &random)!.utf8)),
                    .string("user\(id)@example.com"), .float(Double(Int.random(in: 0...10_000, using: &random)) / 100),
                    .list(
                        (0..<Int.random(in: 0...4, using: &random)).map { _ in
                            .atom(words.randomElement(using: &random)!)
                        }
                    ),
                ])
            }
        )
    }
}
