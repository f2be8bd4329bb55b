//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import Foundation

/// Encodes and decodes a deterministic ~10 MB term with ``ExternalTermFormat`` and, in the
/// same run, with `erl`'s `term_to_binary/1` and `binary_to_term/1` on the same term (erl
/// reads our encoding from a file and times each call with `timer:tc`), then prints
/// min/median/max and throughput for both.
struct ETFBenchmark {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var runs = 7
    /// Records in the benchmark term; 33,500 make about 10 MB.
    var records = 33_500

    init(arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--runs":
                guard let value = iterator.next().flatMap(Int.init), value > 0 else {
                    throw Failure(description: "--runs needs a positive number")
                }
                runs = value
            case "--records":
                guard let value = iterator.next().flatMap(Int.init), value > 0 else {
                    throw Failure(description: "--records needs a positive number")
                }
                records = value
            default:
                throw Failure(description: "unknown argument '\(argument)'")
            }
        }
    }

    func run() throws {
        let term = Self.makeTerm(records: records)
        let bytes = ExternalTermFormat.encode(term)
        let megabytes = Double(bytes.count) / 1_000_000
        print("etf: term of \(records) records, \(bytes.count) bytes of ETF (\(String(format: "%.1f", megabytes)) MB)")
        guard try ExternalTermFormat.decode(bytes) == term else { throw Failure(description: "round trip differs") }

        var encode = Stats("ExternalTermFormat.encode")
        var decode = Stats("ExternalTermFormat.decode")
        for _ in 0..<runs {
            let encoded = encode.measure { ExternalTermFormat.encode(term) }
            precondition(encoded.count == bytes.count)
            // The decoded term is released after the clock stops, as erl's GC runs later too.
            let decoded = try decode.measure { try ExternalTermFormat.decode(bytes) }
            withExtendedLifetime(decoded) {}
        }
        let erlang = try Self.runErlang(bytes, runs: runs)

        print(encode.summary(nameWidth: 34) + "  " + Self.throughput(encode, megabytes))
        print(erlang.encode.summary(nameWidth: 34) + "  " + Self.throughput(erlang.encode, megabytes))
        print(decode.summary(nameWidth: 34) + "  " + Self.throughput(decode, megabytes))
        print(erlang.decode.summary(nameWidth: 34) + "  " + Self.throughput(erlang.decode, megabytes))
        print("erl's term_to_binary equals our bytes: \(erlang.sameBytes)")
    }

    /// `median X MB/s (best Y MB/s)`.
    static func throughput(_ stats: Stats, _ megabytes: Double) -> String {
        let seconds = stats.sorted
        guard let best = seconds.first else { return "" }
        let median = seconds[seconds.count / 2]
        return String(format: "median %.0f MB/s (best %.0f MB/s)", megabytes / median, megabytes / best)
    }

    // MARK: - The term

    /// A list of records in the flavour of server state: tuples, atoms, integers small and
    /// big, floats, text as binaries and as strings, byte lists, small maps, nested lists.
    static func makeTerm(records: Int) -> Term {
        var random = SplitMix64(seed: 0x5EED)
        let tags: [Term] = ["admin", "user", "guest", "active", "pending", "caf\u{E9}", "\u{3BB}"]
        var list: [Term] = []
        list.reserveCapacity(records)
        for index in 0..<records {
            let payload = (0..<48).map { _ in UInt8.random(in: 0...255, using: &random) }
            let history = (0..<6).map { _ in Term.integer(Int.random(in: 0...255, using: &random)) }
            let profile: TermMap = [
                "active": .boolean(index % 3 == 0),
                "score": .float(Double.random(in: 0...1000, using: &random)),
                "visits": .integer(Int.random(in: 0...1_000_000, using: &random)),
                "balance": .integer(
                    BigInteger(isNegative: index % 2 == 0, littleEndianMagnitude: Array(payload.prefix(12)))
                ),
                "history": .list(history),
            ]
            let record: Term = .tuple([
                "user",
                .integer(index),
                .binary("user-\(index) \(String(repeating: "x", count: index % 17))"),
                .string("user\(index)@example.com"),
                .list((0..<3).map { _ in tags.randomElement(using: &random) ?? "user" }),
                .float(Double(index) * 1.000_1),
                .map(profile),
                .tuple([
                    .integer(-index * 1000), .list([.tuple(["k", .integer(index)]), .nil]), .string("nested \u{3BB}"),
                ]),
                .binary(payload),
            ])
            list.append(record)
        }
        return .tuple(["state", .integer(records), .list(list)])
    }

    // MARK: - Erlang

    struct ErlangTimings {
        var encode = Stats("erlang:term_to_binary/1 (OTP)")
        var decode = Stats("erlang:binary_to_term/1 (OTP)")
        var sameBytes = false
    }

    static func runErlang(_ bytes: [UInt8], runs: Int) throws -> ErlangTimings {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("distill-bench-etf-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("term.etf")
        try Data(bytes).write(to: input)
        let script = directory.appendingPathComponent("bench.escript")
        try """
        #!/usr/bin/env escript
        %%! -noshell
        main([File, RunsText]) ->
            Runs = list_to_integer(RunsText),
            {ok, Bytes} = file:read_file(File),
            Term = binary_to_term(Bytes),
            Same = term_to_binary(Term) =:= Bytes,
            Times = [begin
                         {E, _} = timer:tc(fun() -> term_to_binary(Term) end),
                         garbage_collect(),
                         {D, _} = timer:tc(fun() -> binary_to_term(Bytes) end),
                         garbage_collect(),
                         {E, D}
                     end || _ <- lists:seq(1, Runs)],
            io:format("same ~p~n", [Same]),
            [io:format("times ~b ~b~n", [E, D]) || {E, D} <- Times].
        """.write(to: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["escript", script.path, input.path, String(runs)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "escript exited with status \(process.terminationStatus)")
        }
        var timings = ErlangTimings()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.first == "same" { timings.sameBytes = fields.last == "true" }
            if fields.first == "times", fields.count == 3, let encode = Int64(fields[1]), let decode = Int64(fields[2])
            {
                timings.encode.append(.microseconds(encode))
                timings.decode.append(.microseconds(decode))
            }
        }
        guard timings.encode.values.count == runs else { throw Failure(description: "erl printed no timings") }
        return timings
    }
}
