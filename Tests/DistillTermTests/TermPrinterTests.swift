//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import Testing

/// The relup files OTP 25's `systools:make_relup` wrote for /work/shared/otp-cases,
/// printed with `~p` (and `~0p` in the `.oneline` files).
enum RelupFixtures {
    static let directory: String = {
        var path = #filePath
        while let last = path.last, last != "/" { path.removeLast() }
        return path + "Fixtures/relup/"
    }()

    static let names = [
        "01-load-module", "02-update-advanced", "03-depmods-load", "04-depmods-update", "05-add-delete-module",
        "06-add-remove-app", "07-supervisor-apply", "10-erts-change", "13-vsn-only",
    ]

    static func contents(_ name: String) throws -> String {
        let path = directory + name
        guard let file = fopen(path, "rb") else { throw FixtureMissing(path: path) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    struct FixtureMissing: Error { var path: String }
}

#if canImport(Glibc)
import Glibc
#endif

struct TermPrinterTests {
    @Test(arguments: RelupFixtures.names)
    func printsRelupExactlyAsOTP(name: String) throws {
        let text = try RelupFixtures.contents(name + ".relup")
        let terms = try TermParser.parseAll(text, file: name)
        #expect(terms.count == 1)
        #expect(TermPrinter.file(terms) == text)
        let oneLine = try RelupFixtures.contents(name + ".relup.oneline")
        #expect(TermPrinter.printCompact(terms[0]) + ".\n" == oneLine)
    }

    @Test func writesRelupWithItsEncodingHeader() {
        let relup: Term = .tuple([.string("2"), [], []])
        #expect(TermPrinter.file([relup], header: "utf-8") == "%% utf-8\n{\"2\",[],[]}.\n")
        #expect(TermPrinter.file(["a", 1], header: "one\ntwo") == "%% one\n%% two\na.\n1.\n")
        #expect(TermPrinter.file([]) == "")
    }

    static let atoms: [(String, String)] = [
        ("kv", "kv"), ("node@host", "node@host"), ("a_B9", "a_B9"), ("été", "été"), ("ß", "ß"),
        ("Kv", "'Kv'"), ("_x", "'_x'"), ("", "''"), ("a b", "'a b'"), ("it's", #"'it\'s'"#), (#"a\b"#, #"'a\\b'"#),
        ("end", "'end'"), ("of", "'of'"), ("andalso", "'andalso'"), ("maybe", "'maybe'"), ("else", "'else'"),
        ("true", "true"), ("Été", "'Été'"), ("÷", "'÷'"), ("a×", "'a×'"), ("日本", "'日本'"), ("a.b", "'a.b'"),
        ("1a", "'1a'"), ("a\nb", #"'a\nb'"#), ("\u{1}", #"'\001'"#), ("\u{7F}", #"'\d'"#), ("\u{85}", #"'\205'"#),
        ("\u{A0}", "'\u{A0}'"), ("quote\"", "'quote\"'"),
    ]

    @Test(arguments: atoms)
    func quotesAtomsAsErlang(name: String, printed: String) throws {
        #expect(TermPrinter.print(.atom(name)) == printed)
        #expect(try TermParser.parseOne(printed) == .atom(name))
    }

    static let floats: [(Double, String)] = [
        (0.0, "0.0"), (-0.0, "-0.0"), (0.1, "0.1"), (1.0, "1.0"), (-1.5, "-1.5"), (100.0, "100.0"), (1000.0, "1.0e3"),
        (1.0e-5, "1.0e-5"), (0.0001, "0.0001"), (0.00005, "5.0e-5"), (0.001, "0.001"), (1.2345e-4, "1.2345e-4"),
        (0.0025, "0.0025"), (123456.0, "123456.0"), (1234567.0, "1234567.0"), (12345678.0, "12345678.0"),
        (1.0e6, "1.0e6"), (1.234e7, "1.234e7"), (1.5e10, "1.5e10"), (1.0e16, "1.0e16"),
        (123456789012345680.0, "1.2345678901234568e17"), (.leastNonzeroMagnitude, "5.0e-324"),
        (1.7976931348623157e308, "1.7976931348623157e308"), (12345.678, "12345.678"),
        (0.30000000000000004, "0.30000000000000004"),
    ]

    /// `io_lib:format("~p", [F])` in OTP 25.
    @Test(arguments: floats)
    func printsFloatsInShortestErlangForm(value: Double, printed: String) throws {
        #expect(TermPrinter.print(.float(value)) == printed)
        #expect(try TermParser.parseOne(printed) == .float(value))
    }

    @Test func printsNumbers() {
        #expect(TermPrinter.print(0) == "0")
        #expect(TermPrinter.print(-42) == "-42")
        #expect(TermPrinter.print(.integer(Int.min)) == "-9223372036854775808")
        #expect(
            TermPrinter.print(.integer(BigInteger("-123456789012345678901234567890")!))
                == "-123456789012345678901234567890"
        )
    }

    @Test func printsPrintableListsAsStrings() {
        #expect(TermPrinter.print(.string("hello")) == "\"hello\"")
        #expect(TermPrinter.print([104, 105]) == "\"hi\"")
        #expect(TermPrinter.print(.string("")) == "[]")
        #expect(TermPrinter.print(.string("a\"b\\c\n\t\u{1B}")) == #""a\"b\\c\n\t\e""#)
        #expect(TermPrinter.print(.string("it's")) == #""it's""#)
        #expect(TermPrinter.print(.string("\u{1}")) == "[1]")
        #expect(TermPrinter.print(.string("\u{7F}")) == "[127]")
        #expect(TermPrinter.print(.string("日本")) == "\"日本\"")
        #expect(TermPrinter.print(.string("日本"), options: .init(printableRange: .latin1)) == "[26085,26412]")
        #expect(TermPrinter.print(.string("é"), options: .init(printableRange: .latin1)) == "\"é\"")
        #expect(TermPrinter.print(.string("\u{FFFE}")) == "[65534]")
        #expect(
            TermPrinter.print([97, .bigInteger(BigInteger("99999999999999999999")!)]) == "[97,99999999999999999999]"
        )
        #expect(TermPrinter.print(.improperList([97], tail: 98)) == "[97|98]")
    }

    @Test func printsBinariesAsErlang() {
        #expect(TermPrinter.print(.binary([])) == "<<>>")
        #expect(TermPrinter.print(.binary("text")) == #"<<"text">>"#)
        #expect(TermPrinter.print(.binary("é")) == #"<<"é"/utf8>>"#)
        #expect(TermPrinter.print(.binary([0xE9])) == #"<<"é">>"#)
        #expect(TermPrinter.print(.binary([1, 2, 3])) == "<<1,2,3>>")
        #expect(TermPrinter.print(.binary("日本")) == #"<<"日本"/utf8>>"#)
        #expect(
            TermPrinter.print(.binary("日本"), options: .init(printableRange: .latin1)) == "<<230,151,165,230,156,172>>"
        )
        #expect(TermPrinter.print(.binary("a\n\"")) == #"<<"a\n\"">>"#)
    }

    @Test func printsMapsInErlangKeyOrder() {
        let map: Term = .map(
            TermMap([
                (Term.float(1.0), Term.atom("a")), (Term.integer(2), Term.atom("b")), (Term.atom("k"), Term.atom("c")),
                (Term.string("s"), Term.atom("d")),
            ])
        )
        #expect(TermPrinter.print(map) == #"#{2 => b,1.0 => a,k => c,"s" => d}"#)
        #expect(TermPrinter.print(.map(TermMap())) == "#{}")
    }

    @Test func printsPidsAndReferencesAsErlangPrintsLocalOnes() {
        #expect(TermPrinter.print(.pid(Pid(node: "nonode@nohost", id: 83, serial: 0))) == "<0.83.0>")
        #expect(TermPrinter.print(.reference(Reference(node: "nonode@nohost", ids: [1, 2, 3]))) == "#Ref<0.3.2.1>")
        #expect(TermPrinter.print(.tuple([.pid(Pid(node: "a@b", id: 1, serial: 2))])) == "{<0.1.2>}")
    }

    @Test func describesTermsOnOneLine() {
        let term: Term = .tuple(["kv", .string("0.1.0"), ["a", "b"], .map(["k": 1])])
        #expect(term.description == #"{kv,"0.1.0",[a,b],#{k => 1}}"#)
        #expect("\(Term.list(Array(repeating: 1000, count: 40)))".contains("\n") == false)
    }

    /// Layouts checked against `io:format("~tp~n", [T])` in OTP 25.
    static let layouts: [(Term, String)] = [
        (
            .tuple([
                .list((1...40).map { .integer($0) }), .string(String(repeating: "on and ", count: 10)),
                .map(
                    TermMap([
                        (Term.atom("a"), Term.list((1...30).map { .integer($0) })),
                        (Term.atom("b"), Term.tuple(["x", "y", "z", .list((1...20).map { .integer($0) })])),
                    ])
                ),
            ]),
            """
            {[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,
              29,30,31,32,33,34,35,36,37,38,39,40],
             "on and on and on and on and on and on and on and on and on and on and ",
             #{a =>
                   [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,
                    27,28,29,30],
               b => {x,y,z,[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}}}
            """
        ),
        (
            .list([
                .tuple(["a", 1]),
                .tuple(["b", [.tuple(["c", .string("long string number one " + String(repeating: ".", count: 54))])]]),
            ]),
            """
            [{a,1},
             {b,[{c,"long string number one ......................................................"}]}]
            """
        ),
        (
            .binary((0..<60).map { UInt8($0 * 3) }),
            """
            <<0,3,6,9,12,15,18,21,24,27,30,33,36,39,42,45,48,51,54,57,60,63,66,69,72,75,78,
              81,84,87,90,93,96,99,102,105,108,111,114,117,120,123,126,129,132,135,138,141,
              144,147,150,153,156,159,162,165,168,171,174,177>>
            """
        ),
    ]

    @Test(arguments: layouts)
    func laysOutAsErlang(term: Term, printed: String) {
        #expect(TermPrinter.print(term) == printed)
    }
}
