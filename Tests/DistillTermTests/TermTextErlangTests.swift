//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import DistillTestSupport
import Foundation
import Testing

struct ErlangMissing: Error, CustomStringConvertible {
    var description: String { Erlang.missingMessage }
}

/// Our text against real Erlang/OTP, hundreds of terms per `escript` run:
/// `file:consult/1` reads what we print, and we read what Erlang prints.
struct TermTextErlangTests {
    /// Runs `body` (Erlang: the body of `main(Args)`) as an escript, with `+pc unicode`
    /// when `unicode`, so that `~tp` prints Unicode strings as strings.
    static func escript(_ body: String, unicode: Bool, arguments: [String]) throws -> String {
        guard let escript = Erlang.escript else { throw ErlangMissing() }
        let directory = try TemporaryDirectory()
        let script = directory.url.appendingPathComponent("run.escript")
        let source = """
            #!/usr/bin/env escript
            %%! -noshell\(unicode ? " +pc unicode" : "")
            main(Args) ->
                \(body).
            """
        try source.write(to: script, atomically: true, encoding: .utf8)
        return try runProcess(escript, [script.path] + arguments, timeout: .seconds(120))
    }

    /// For each term of a consult file: `~tp` followed by a `%%--` line, and `~0tp.`.
    static let printEachTerm = """
        [In, Pretty, Compact] = Args,
            case file:consult(In) of
                {ok, Terms} ->
                    ok = file:write_file(Pretty, unicode:characters_to_binary(
                        [io_lib:format("~tp~n%%--~n", [T]) || T <- Terms])),
                    ok = file:write_file(Compact, unicode:characters_to_binary(
                        [io_lib:format("~0tp.~n", [T]) || T <- Terms])),
                    io:format("~b", [length(Terms)]);
                Error ->
                    io:format(standard_error, "~tp~n", [Error]),
                    halt(1)
            end
        """

    /// Whether Erlang prints the term as we do: OTP 25 writes `maybe` and `else` bare,
    /// where we quote them (OTP 27 reserves them).
    static func printsAlike(_ term: Term) -> Bool {
        switch term {
        case .atom(let name): return name != "maybe" && name != "else"
        case .list(let elements), .tuple(let elements): return elements.allSatisfy(printsAlike)
        case .improperList(let elements, let tail): return elements.allSatisfy(printsAlike) && printsAlike(tail)
        case .map(let map): return map.entries.allSatisfy { printsAlike($0.key) && printsAlike($0.value) }
        default: return true
        }
    }

    static func randomTerms(count: Int, seed: UInt64) -> [Term] {
        var random = SplitMix64(seed: seed)
        let generator = TermGenerator(maximumDepth: 4, maximumWidth: 6)
        return (0..<count).map { _ in generator.term(using: &random) }
    }

    /// Writes `terms` with our printer, has Erlang consult them and print them back, and
    /// checks both directions.
    func checkRoundTrip(_ terms: [Term], range: TermPrinter.Options.PrintableRange) throws {
        let options = TermPrinter.Options(printableRange: range)
        let directory = try TemporaryDirectory()
        let input = directory.url.appendingPathComponent("terms.config")
        let pretty = directory.url.appendingPathComponent("pretty.txt")
        let compact = directory.url.appendingPathComponent("compact.config")
        try Data(TermPrinter.file(terms, header: "utf-8", options: options).utf8).write(to: input)

        let count = try Self.escript(
            Self.printEachTerm,
            unicode: range == .unicode,
            arguments: [input.path, pretty.path, compact.path]
        )
        #expect(count == String(terms.count), "Erlang read \(count) terms of \(terms.count)")

        // Erlang read our terms: its one-line text of each reads back, with our parser, as the term we wrote.
        let readBack = try TermParser.parseAll(bytes: try Data(contentsOf: compact), file: "compact.config")
        #expect(readBack.count == terms.count)
        var mismatches = 0
        for (index, (term, erlang)) in zip(terms, readBack).enumerated() where term != erlang && mismatches < 5 {
            mismatches += 1
            Issue.record("term \(index): wrote \(term), Erlang read \(erlang)")
        }

        // Erlang's ~tp text is ours, character for character, and reads back as the term.
        let erlangTexts = String(decoding: try Data(contentsOf: pretty), as: UTF8.self)
            .components(separatedBy: "\n%%--\n").dropLast()
        #expect(erlangTexts.count == terms.count)
        mismatches = 0
        for (index, (term, text)) in zip(terms, erlangTexts).enumerated() {
            #expect(try TermParser.parseOne(text, file: "pretty \(index)") == term)
            guard Self.printsAlike(term), mismatches < 5 else { continue }
            let ours = TermPrinter.print(term, options: options)
            if ours != text {
                mismatches += 1
                Issue.record("term \(index) prints differently.\nErlang:\n\(text)\nours:\n\(ours)")
            }
        }
    }

    @Test(.requiresErlang) func erlangReadsAndPrintsOurTermsAlikeWithUnicodeStrings() throws {
        try checkRoundTrip(Self.randomTerms(count: 500, seed: 0xD157_1117), range: .unicode)
    }

    @Test(.requiresErlang) func erlangReadsAndPrintsOurTermsAlikeWithLatin1Strings() throws {
        try checkRoundTrip(Self.randomTerms(count: 300, seed: 0x0B5E_55ED), range: .latin1)
    }

    /// Wide and long terms exercise the line breaking of `io_lib_pretty`.
    @Test(.requiresErlang) func erlangLaysOutWideTermsAsWeDo() throws {
        var random = SplitMix64(seed: 7)
        let wide = TermGenerator(maximumDepth: 3, maximumWidth: 14)
        let deep = TermGenerator(maximumDepth: 7, maximumWidth: 3)
        var terms: [Term] = (0..<150).map { _ in wide.term(using: &random) }
        terms += (0..<150).map { _ in deep.term(using: &random) }
        terms += RelupFixtures.names.compactMap {
            try? TermParser.parseAll(RelupFixtures.contents($0 + ".relup"), file: $0).first
        }
        try checkRoundTrip(terms, range: .unicode)
    }

    /// Terms Erlang makes up itself: we read its `~0tp` and `~tp` texts to the same term,
    /// and print that term as Erlang did.
    @Test(.requiresErlang) func weReadAndPrintTermsErlangMakesUp() throws {
        let directory = try TemporaryDirectory()
        let pretty = directory.url.appendingPathComponent("pretty.txt")
        let compact = directory.url.appendingPathComponent("compact.config")
        let body = """
            [Pretty, Compact] = Args,
                rand:seed(exsss, {1, 2, 3}),
                Atom = fun() -> list_to_atom([rand:uniform(300) || _ <- lists:seq(1, rand:uniform(6))]) end,
                Scalar = fun() ->
                    case rand:uniform(8) of
                        1 -> Atom();
                        2 -> rand:uniform(1 bsl 70) - (1 bsl 69);
                        3 -> rand:uniform(1000) - 500;
                        4 -> <<F:64/float>> = <<(rand:uniform(16#7FEFFFFFFFFFFFFF)):64>>, F;
                        5 -> rand:uniform() * 1000;
                        6 -> [rand:uniform(16#2FFF) || _ <- lists:seq(1, rand:uniform(8))];
                        7 -> list_to_binary([rand:uniform(256) - 1 || _ <- lists:seq(1, rand:uniform(8))]);
                        8 -> unicode:characters_to_binary([rand:uniform(16#2FF) || _ <- lists:seq(1, rand:uniform(8))])
                    end
                end,
                Term = fun Make(0) -> Scalar();
                           Make(D) ->
                               Elements = [Make(D - 1) || _ <- lists:seq(1, rand:uniform(5) - 1)],
                               case rand:uniform(5) of
                                   1 -> list_to_tuple(Elements);
                                   2 -> Elements;
                                   3 -> maps:from_list([{Make(0), E} || E <- Elements]);
                                   4 -> [Scalar() | Scalar()];
                                   5 -> Scalar()
                               end
                       end,
                Terms = [Term(rand:uniform(4)) || _ <- lists:seq(1, 400)],
                ok = file:write_file(Pretty, unicode:characters_to_binary(
                    [io_lib:format("~tp~n%%--~n", [T]) || T <- Terms])),
                ok = file:write_file(Compact, unicode:characters_to_binary(
                    [io_lib:format("~0tp.~n", [T]) || T <- Terms]))
            """
        _ = try Self.escript(body, unicode: true, arguments: [pretty.path, compact.path])
        let terms = try TermParser.parseAll(bytes: try Data(contentsOf: compact), file: "compact.config")
        let texts = String(decoding: try Data(contentsOf: pretty), as: UTF8.self)
            .components(separatedBy: "\n%%--\n").dropLast()
        #expect(terms.count == 400)
        #expect(texts.count == 400)
        var mismatches = 0
        for (index, (term, text)) in zip(terms, texts).enumerated() where mismatches < 5 {
            let parsed = try TermParser.parseOne(text, file: "pretty \(index)")
            let ours = TermPrinter.print(term)
            if parsed != term || (Self.printsAlike(term) && ours != text) {
                mismatches += 1
                Issue.record("term \(index): Erlang printed\n\(text)\nwe read \(parsed) and print\n\(ours)")
            }
        }
    }
}

/// Every form of the parser's tables, read by `file:consult/1` too.
struct TermParserErlangTests {
    /// `file:consult/1` of each text (one file each, one `escript` run): `{ok, Terms}`
    /// (`ok` without `terms`) or `error`.
    static func consultEach(_ sources: [[UInt8]], terms: Bool = true) throws -> [Term] {
        let directory = try TemporaryDirectory()
        for (index, source) in sources.enumerated() {
            try Data(source).write(to: directory.url.appendingPathComponent("\(index)"))
        }
        let output = directory.url.appendingPathComponent("results")
        let body = """
            [Directory, Count, Output, PrintTerms] = Args,
                Print = PrintTerms =:= "true",
                Results = [case file:consult(filename:join(Directory, integer_to_list(I))) of
                               {ok, Terms} when Print -> io_lib:format("~0tp.~n", [{ok, Terms}]);
                               {ok, _} -> "ok.\n";
                               {error, _} -> "error.\\n"
                           end || I <- lists:seq(0, list_to_integer(Count) - 1)],
                ok = file:write_file(Output, unicode:characters_to_binary(Results))
            """
        _ = try TermTextErlangTests.escript(
            body,
            unicode: true,
            arguments: [directory.url.path, String(sources.count), output.path, String(terms)]
        )
        return try TermParser.parseAll(bytes: try Data(contentsOf: output), file: "results")
    }

    @Test(.requiresErlang) func erlangReadsEveryFormAsWeDo() throws {
        let forms = TermParserTests.forms
        let results = try Self.consultEach(forms.map { Array($0.0.utf8) })
        #expect(results.count == forms.count)
        for ((source, _), erlang) in zip(forms, results) {
            let ours = (try? TermParser.parseAll(source, file: "t")).map { Term.tuple(["ok", .list($0)]) } ?? "error"
            #expect(ours == erlang, "\(source.debugDescription): Erlang read \(erlang)")
        }
    }

    /// Erlang refuses every malformed text we refuse, except the terms it reads but a
    /// ``Term`` cannot hold (external funs, bit strings).
    @Test(.requiresErlang) func erlangRefusesWhatWeRefuse() throws {
        let cases = TermParseErrorTests.cases
        let bytes = TermParseErrorTests.invalidUTF8.map(\.0)
        let results = try Self.consultEach(cases.map { Array($0.source.utf8) } + bytes, terms: false)
        #expect(results.count == cases.count + bytes.count)
        for (errorCase, erlang) in zip(cases, results) {
            if errorCase.code == .unsupportedTerm {
                #expect(erlang == "ok", "\(errorCase.source.debugDescription): Erlang refused it")
            } else if errorCase.code == .nestingTooDeep {
                continue
            } else {
                #expect(erlang == "error", "\(errorCase.source.debugDescription): Erlang read \(erlang)")
            }
        }
        for erlang in results.dropFirst(cases.count) { #expect(erlang == "error") }
    }

    /// Random token soup: we accept exactly the texts Erlang accepts, with the same terms.
    @Test(.requiresErlang) func weAcceptExactlyWhatErlangAccepts() throws {
        let tokens = [
            "a", "b", "'q u'", "end", "X", "_", "1", "-", "+", "2.5", "16#F", "$a", "$\\n", "$ ", "\"s\"", "\"\\x41\"",
            "[", "]", "{", "}", "(", ")", ",", "|", "#", "=>", ":=", "<<", ">>", ".", ". ", " ", " ", "\n", "%c\n",
            "1e3", "1.", ".5", "1_0", "'", "\"", "é", "\u{3042}", "\t", "$", "\\", "=", "<", ">",
        ]
        var random = SplitMix64(seed: 0xF022)
        var sources: [String] = []
        for _ in 0..<1500 {
            var text = ""
            for _ in 0..<Int.random(in: 1...10, using: &random) { text += tokens.randomElement(using: &random)! }
            if Bool.random(using: &random) { text += ".\n" }
            sources.append(text)
        }
        // Printed terms with one random edit: mostly almost right.
        let generator = TermGenerator(maximumDepth: 3, maximumWidth: 4)
        for _ in 0..<1500 {
            var text = Array(TermPrinter.file([generator.term(using: &random)]).unicodeScalars)
            let position = Int.random(in: 0..<text.count, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: text.remove(at: position)
            case 1: text.insert(contentsOf: tokens.randomElement(using: &random)!.unicodeScalars, at: position)
            default: text.insert(text[position], at: position)
            }
            var source = ""
            source.unicodeScalars.append(contentsOf: text)
            sources.append(source)
        }
        let results = try Self.consultEach(sources.map { Array($0.utf8) })
        #expect(results.count == sources.count)
        let accepted = results.filter { $0 != "error" }.count
        #expect(accepted > 400 && accepted < 2600, "Erlang accepted \(accepted) of \(sources.count) texts")
        var mismatches = 0
        for (source, erlang) in zip(sources, results) where mismatches < 10 {
            let ours = (try? TermParser.parseAll(source, file: "t")).map { Term.tuple(["ok", .list($0)]) } ?? "error"
            if ours != erlang {
                mismatches += 1
                Issue.record("\(source.debugDescription): Erlang read \(erlang), we read \(ours)")
            }
        }
    }
}
