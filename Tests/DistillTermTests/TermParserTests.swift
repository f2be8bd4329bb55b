//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import Testing

struct TermParserTests {
    static let big = BigInteger("123456789012345678901234567890")!

    /// Every form of the consult syntax, and the term `file:consult/1` reads (checked with OTP 25).
    static let forms: [(String, Term)] = [
        // Atoms
        ("kv.", .atom("kv")),
        ("node@host.", .atom("node@host")),
        ("a_B9@x.", .atom("a_B9@x")),
        ("été.", .atom("été")),
        ("'Hello world'.", .atom("Hello world")),
        ("'end'.", .atom("end")),
        ("''.", .atom("")),
        ("'it''s'.", .atom("it")),  // placeholder, replaced below
        (#"'a\'b\\c'."#, .atom("a'b\\c")),
        ("'日本'.", .atom("日本")),
        ("maybe.", .atom("maybe")),
        ("else.", .atom("else")),
        ("true.", true),
        // Integers
        ("0.", 0),
        ("42.", 42),
        ("1_000_000.", 1_000_000),
        ("16#FF.", 255),
        ("16#ff_ff.", 65535),
        ("2#1010.", 10),
        ("36#zz.", 1295),
        ("8#777.", 511),
        ("9223372036854775807.", .integer(Int.max)),
        ("9223372036854775808.", .integer(BigInteger("9223372036854775808")!)),
        ("-9223372036854775808.", .integer(Int.min)),
        ("123456789012345678901234567890.", .integer(big)),
        ("-123456789012345678901234567890.", .integer(BigInteger("-123456789012345678901234567890")!)),
        ("16#FFFFFFFFFFFFFFFFFFFF.", .integer(BigInteger("FFFFFFFFFFFFFFFFFFFF", radix: 16)!)),
        ("-5.", -5),
        ("- 5.", -5),
        ("+5.", 5),
        ("-(5).", -5),
        ("( - ( 5 ) ).", -5),
        ("-16#10.", -16),
        // Characters
        ("$a.", 97),
        ("$ .", 32),
        ("$\n.", 10),
        (#"$\n."#, 10),
        (#"$\s."#, 32),
        (#"$\d."#, 127),
        (#"$\e."#, 27),
        (#"$\^A."#, 1),
        (#"$\^a."#, 1),
        (#"$\x41."#, 65),
        (#"$\x{1F600}."#, 0x1F600),
        (#"$\101."#, 65),
        (#"$\7."#, 7),
        (#"$\z."#, 122),
        (#"$\\."#, 92),
        ("$é.", 233),
        ("$😀.", 0x1F600),
        ("-$a.", -97),
        // Floats
        ("1.0.", 1.0),
        ("0.5.", 0.5),
        ("1.0e-5.", 1.0e-5),
        ("1.5E10.", 1.5e10),
        ("1.0e+5.", 1.0e5),
        ("1_0.0_1e1_0.", 1.001e11),
        ("-1.5.", -1.5),
        ("1.0e-400.", 0.0),
        ("2.2250738585072014e-308.", 2.2250738585072014e-308),
        // Strings
        (#""hello"."#, .string("hello")),
        ("\"\".", .nil),
        (#""a" "b" "c"."#, .string("abc")),
        ("\"a\"\n%c\n \"b\".", .string("ab")),
        (#""\n\r\t\v\b\f\e\s\d\\\"\'"."#, .string("\n\r\t\u{0B}\u{08}\u{0C}\u{1B} \u{7F}\\\"'")),
        (#""\x41\x{1F600}\101\0\12\^C\^["."#, .string("A😀A\u{0}\n\u{3}\u{1B}")),
        (#""\777"."#, .string("\u{1FF}")),
        (#""\8\q"."#, .string("8q")),
        ("\"line\nbreak\".", .string("line\nbreak")),
        ("\"a\\\nb\".", .string("a\nb")),
        ("\"日本語 é\".", .string("日本語 é")),
        (#""\^é"."#, .string("\t")),
        // Binaries
        ("<<>>.", .binary([])),
        ("<< >>.", .binary([])),
        (#"<<"">>."#, .binary([])),
        (#"<<"text">>."#, .binary("text")),
        ("<<1,2,3>>.", .binary([1, 2, 3])),
        (#"<<"é"/utf8>>."#, .binary([0xC3, 0xA9])),
        (#"<<"é">>."#, .binary([0xE9])),
        (#"<<"€">>."#, .binary([0xAC])),
        ("<<256>>.", .binary([0])),
        ("<<-1>>.", .binary([255])),
        ("<<- $a>>.", .binary([159])),
        ("<<1:16>>.", .binary([0, 1])),
        ("<<1:16/little>>.", .binary([1, 0])),
        ("<<1:16/native>>.", .binary([1, 0])),
        ("<<16#1234:16/little>>.", .binary([0x34, 0x12])),
        ("<<1:12/little,0:4>>.", .binary([1, 0])),
        ("<<-1:12/little,0:4>>.", .binary([255, 0xF0])),
        ("<<1:4,2:4>>.", .binary([0x12])),
        ("<<1:2/unit:8>>.", .binary([0, 1])),
        ("<<1:0>>.", .binary([])),
        ("<<1.5/float>>.", .binary([63, 248, 0, 0, 0, 0, 0, 0])),
        ("<<1/float>>.", .binary([63, 240, 0, 0, 0, 0, 0, 0])),
        ("<<1.5/float-little>>.", .binary([0, 0, 0, 0, 0, 0, 248, 63])),
        ("<<1.5:32/float>>.", .binary([63, 192, 0, 0])),
        ("<<1.5:16/float>>.", .binary([62, 0])),
        ("<<1.0e300:32/float>>.", .binary([127, 128, 0, 0])),
        ("<<-1.5/float>>.", .binary([191, 248, 0, 0, 0, 0, 0, 0])),
        (#"<<"ab"/utf16-little>>."#, .binary([97, 0, 98, 0])),
        (#"<<"a"/utf16>>."#, .binary([0, 97])),
        ("<<16#1F600/utf32>>.", .binary([0, 1, 246, 0])),
        ("<<16#1F600/utf16>>.", .binary([0xD8, 0x3D, 0xDE, 0x00])),
        ("<<16#FFFE/utf8>>.", .binary([239, 191, 190])),
        (#"<<"abc":16>>."#, .binary([0, 97, 0, 98, 0, 99])),
        ("<<$a,$b>>.", .binary("ab")),
        (#"<<"a" "b", 0>>."#, .binary([97, 98, 0])),
        ("<<<<1,2,3>>/binary>>.", .binary([1, 2, 3])),
        ("<<<<1,2,3>>:2/binary>>.", .binary([1, 2])),
        ("<<<<1,2>>/bytes, 3>>.", .binary([1, 2, 3])),
        ("<<<<1:4>>/bits, 2:4>>.", .binary([0x12])),
        ("<<(1):(16)>>.", .binary([0, 1])),
        (#"<<("x")/utf8>>."#, .binary("x")),
        ("<< 1 : 8 / big - unsigned >>.", .binary([1])),
        ("<<16#FFFFFFFFFFFFFFFFFF:72>>.", .binary([255, 255, 255, 255, 255, 255, 255, 255, 255])),
        ("<<-2:72>>.", .binary([255, 255, 255, 255, 255, 255, 255, 255, 254])),
        (
            "<<-123456789012345678901234567890:104>>.",
            .binary([
                254, 113, 22, 240, 9, 60, 140, 31, 17, 177, 192, 245, 46,
            ])
        ),
        // Lists
        ("[].", .nil),
        ("[ ].", .nil),
        ("[a].", ["a"]),
        ("[a, b, c].", ["a", "b", "c"]),
        ("[a | b].", .improperList(["a"], tail: "b")),
        ("[a, b | c].", .improperList(["a", "b"], tail: "c")),
        ("[a | [b]].", ["a", "b"]),
        ("[a | []].", ["a"]),
        (#"[$a | "bc"]."#, .string("abc")),
        ("[1 | 2.5].", .improperList([1], tail: 2.5)),
        ("[[[]]].", [[[]]]),
        // Tuples
        ("{}.", .tuple([])),
        ("{a}.", .tuple(["a"])),
        ("{a, 1, \"s\"}.", .tuple(["a", 1, .string("s")])),
        ("{{}, {{}}}.", .tuple([.tuple([]), .tuple([.tuple([])])])),
        // Maps
        ("#{}.", .map(TermMap())),
        ("# { } .", .map(TermMap())),
        ("#{a => 1}.", .map(["a": 1])),
        ("#{a => 1, a => 2}.", .map(["a": 2])),
        (
            "#{1 => a, 1.0 => b}.",
            .map(TermMap([(Term.integer(1), Term.atom("a")), (Term.float(1.0), Term.atom("b"))]))
        ),
        (
            "#{[1] => #{}, {x} => <<>>}.",
            .map(TermMap([(Term.list([1]), Term.map(TermMap())), (Term.tuple(["x"]), Term.binary([]))]))
        ),
        // Parentheses
        ("(a).", "a"),
        ("{(a), ((b))}.", .tuple(["a", "b"])),
        ("([1 | (2)]).", .improperList([1], tail: 2)),
        // White space, comments, terminators
        ("  \t\r\n kv .", "kv"),
        ("kv.%comment", "kv"),
        ("kv.% comment\n", "kv"),
        ("% first\nkv. % second", "kv"),
        ("kv.\u{A0}", "kv"),
        ("\u{85}kv.", "kv"),
        ("{a,%in between\nb}.", .tuple(["a", "b"])),
    ]

    @Test(arguments: forms.indices)
    func readsEachForm(index: Int) throws {
        let (source, expected) = Self.forms[index]
        if source == "'it''s'." {
            // Two quoted atoms side by side are not one term.
            #expect(throws: TermParseError.self) { try TermParser.parseAll(source, file: "t") }
            return
        }
        let terms = try TermParser.parseAll(source, file: "t")
        #expect(terms == [expected], "\(source)")
    }

    @Test func readsSeveralTermsInOrder() throws {
        let source = """
            %% A sys.config-like file.
            {application, kv,
             [{vsn, "0.1.0"},    % the version
              {env, [{port, 8080}]}]}.
            [a|b]. "s".
            42.
            """
        let terms = try TermParser.parseAll(source, file: "kv.app")
        #expect(terms.count == 4)
        #expect(terms[0].tagged("application")?.first == "kv")
        #expect(terms[1] == .improperList(["a"], tail: "b"))
        #expect(terms[2] == .string("s"))
        #expect(terms[3] == 42)
    }

    @Test func readsEmptyTextAsNoTerms() throws {
        #expect(try TermParser.parseAll("", file: "t").isEmpty)
        #expect(try TermParser.parseAll("  % only a comment\n\n", file: "t").isEmpty)
    }

    @Test func keepsStringsAsText() throws {
        let terms = try TermParser.parseAll(#"{"a", [1, 2]}."#, file: "t")
        #expect(terms == [.tuple([.string("a"), [1, 2]])])
        guard case .tuple(let elements) = terms[0], case .string(let text) = elements[0] else {
            Issue.record("expected a string case")
            return
        }
        #expect(text == "a")
    }

    @Test func readsBytesAsUTF8() throws {
        let bytes: [UInt8] = Array(#"{"é", 'ü'}."#.utf8)
        #expect(try TermParser.parseAll(bytes: bytes, file: "t") == [.tuple([.string("é"), .atom("ü")])])
        #expect(try TermParser.parseAll(bytes: bytes[...], file: "t").count == 1)
    }

    @Test func readsBytesAsLatin1WhenACodingCommentSaysSo() throws {
        var bytes = Array("%% -*- coding: latin-1 -*-\n\"".utf8)
        bytes += [0xE9]  // é in Latin-1
        bytes += Array("\".".utf8)
        #expect(try TermParser.parseAll(bytes: bytes, file: "t") == [.string("é")])
        var second = Array("\n% coding=Latin-1\n'".utf8)
        second += [0xFC]
        second += Array("'.".utf8)
        #expect(try TermParser.parseAll(bytes: second, file: "t") == [.atom("ü")])
        // A coding comment on the third line is not read, as in epp.
        var third = Array("\n\n% coding: latin-1\n\"".utf8)
        third += [0xE9]
        third += Array("\".".utf8)
        #expect(throws: TermParseError.self) { try TermParser.parseAll(bytes: third, file: "t") }
    }

    @Test func parseOneTakesATermWithOrWithoutItsDot() throws {
        #expect(try TermParser.parseOne("{put, a, 42}") == .tuple(["put", "a", 42]))
        #expect(try TermParser.parseOne("{put, a, 42}.") == .tuple(["put", "a", 42]))
        #expect(try TermParser.parseOne("  [1,2] . % done\n") == [1, 2])
        #expect(try TermParser.parseOne("42") == 42)
        #expect(try TermParser.parseOne("-1.5") == -1.5)
    }

    @Test func locatesEveryPart() throws {
        let source = """
            {a, [1, "x"],
              #{k => v}}.
            [b | c].
            """
        let terms = try TermParser.parseAllLocated(source, file: "f.config")
        #expect(
            terms.map(\.term) == [
                .tuple(["a", [1, .string("x")], .map(["k": "v"])]), .improperList(["b"], tail: "c"),
            ]
        )
        func at(_ line: Int, _ column: Int) -> DistillTerm.SourceLocation {
            DistillTerm.SourceLocation(file: "f.config", line: line, column: column)
        }
        let tuple = terms[0]
        #expect(tuple.location == at(1, 1))
        #expect(tuple.children.map(\.location) == [at(1, 2), at(1, 5), at(2, 3)])
        #expect(tuple.children[1].children.map(\.location) == [at(1, 6), at(1, 9)])
        #expect(tuple.children[2].children.map(\.location) == [at(2, 5), at(2, 10)])
        #expect(tuple.children[2].children.map(\.term) == ["k", "v"])
        #expect(terms[1].location == at(3, 1))
        #expect(terms[1].children.map(\.location) == [at(3, 2), at(3, 6)])
    }

    @Test func locatesColumnsInUnicodeScalars() throws {
        let terms = try TermParser.parseAllLocated("{\"日本\", été, '😀', x}.", file: "u")
        #expect(terms[0].children.map(\.location.column) == [2, 8, 13, 18])
    }

    @Test func locatesSplicedListTails() throws {
        let terms = try TermParser.parseAllLocated("[a | [b, c]].", file: "t")
        #expect(terms[0].term == ["a", "b", "c"])
        #expect(terms[0].children.map(\.location.column) == [2, 7, 10])
        let text = try TermParser.parseAllLocated(#"[$a | "bc"]."#, file: "t")
        #expect(text[0].term == .string("abc"))
        #expect(text[0].children.map(\.location.column) == [2, 7, 7])
    }

    @Test func locatedAndPlainParsesAgree() throws {
        let source = #"{a, [1, 2 | 3], #{x => <<"b">>}, "s", (q)}. [z]."#
        let located = try TermParser.parseAllLocated(source, file: "t")
        #expect(located.map(\.term) == (try TermParser.parseAll(source, file: "t")))
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        let depth = TermParser.maximumNestingDepth
        let deep = String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "."
        var expected: Term = .nil
        for _ in 1..<depth { expected = [expected] }
        #expect(try TermParser.parseAll(deep, file: "t") == [expected])
    }
}
