//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import Testing

/// One malformed text and the exact error it gives.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    var source: String
    var code: TermParseError.Code
    var line: Int
    var column: Int
    var message: String

    init(_ source: String, _ code: TermParseError.Code, _ line: Int, _ column: Int, _ message: String) {
        self.source = source
        self.code = code
        self.line = line
        self.column = column
        self.message = message
    }

    var testDescription: String { source.debugDescription }
}

struct TermParseErrorTests {
    static let cases: [ErrorCase] = [
        ErrorCase(
            "{a, [b",
            .unexpectedEnd,
            1,
            7,
            "expected ',', '|' or ']' after a list element, found end of input; the list opened at 1:5 is not closed"
        ),
        ErrorCase(
            "{a, b",
            .unexpectedEnd,
            1,
            6,
            "expected ',' or '}' after a tuple element, found end of input; the tuple opened at 1:1 is not closed"
        ),
        ErrorCase(
            "#{a => 1",
            .unexpectedEnd,
            1,
            9,
            "expected ',' or '}' after a map value, found end of input; the map opened at 1:1 is not closed"
        ),
        ErrorCase(
            "<<1,2",
            .unexpectedEnd,
            1,
            6,
            "expected ',' or '>>' after a binary segment, found end of input; the binary opened at 1:1 is not closed"
        ),
        ErrorCase(
            "[1,2",
            .unexpectedEnd,
            1,
            5,
            "expected ',', '|' or ']' after a list element, found end of input; the list opened at 1:1 is not closed"
        ),
        ErrorCase(
            "\"abc",
            .unterminatedString,
            1,
            1,
            #"unterminated string: no closing '"' before the end of input"#
        ),
        ErrorCase(
            "'abc",
            .unterminatedQuotedAtom,
            1,
            1,
            #"unterminated quoted atom: no closing "'" before the end of input"#
        ),
        ErrorCase(
            "<<\"abc",
            .unterminatedString,
            1,
            3,
            #"unterminated string: no closing '"' before the end of input"#
        ),
        ErrorCase(
            "a",
            .missingDot,
            1,
            2,
            "expected '.' after the term, found end of input"
        ),
        ErrorCase(
            "{a}",
            .missingDot,
            1,
            4,
            "expected '.' after the term, found end of input"
        ),
        ErrorCase(
            "{a} b.",
            .missingDot,
            1,
            5,
            "expected '.' after the term, found 'b'"
        ),
        ErrorCase(
            "a b.",
            .missingDot,
            1,
            3,
            "expected '.' after the term, found 'b'"
        ),
        ErrorCase(
            "{a}.{b}.",
            .missingDot,
            1,
            5,
            "expected white space, a comment or the end of input after the '.' ending a term"
        ),
        ErrorCase(
            "\"\\x4g\".",
            .invalidEscape,
            1,
            2,
            #"expected two hexadecimal digits or '{' after '\x'"#
        ),
        ErrorCase(
            "\"\\x{}\".",
            .invalidEscape,
            1,
            2,
            #"escape '\x{}' has no hexadecimal digits"#
        ),
        ErrorCase(
            "\"\\x{110000}\".",
            .invalidEscape,
            1,
            2,
            #"escape '\x{110000}' is not an allowed Unicode code point"#
        ),
        ErrorCase(
            "\"\\x{41\".",
            .invalidEscape,
            1,
            2,
            #"expected hexadecimal digits and '}' in escape '\x{41'"#
        ),
        ErrorCase(
            "\"\\x{D800}\".",
            .invalidEscape,
            1,
            2,
            #"escape '\x{D800}' is not an allowed Unicode code point"#
        ),
        ErrorCase(
            "\"\\x\".",
            .invalidEscape,
            1,
            2,
            #"expected two hexadecimal digits or '{' after '\x'"#
        ),
        ErrorCase(
            "$",
            .invalidCharacterLiteral,
            1,
            1,
            "expected a character after '$', found end of input"
        ),
        ErrorCase(
            "$\\",
            .invalidCharacterLiteral,
            1,
            1,
            ##"expected an escape sequence after '$\', found end of input"##
        ),
        ErrorCase(
            "$\\x{FFFE}.",
            .invalidEscape,
            1,
            2,
            #"escape '\x{FFFE}' is not an allowed Unicode code point"#
        ),
        ErrorCase(
            "16#.",
            .invalidNumber,
            1,
            1,
            "expected a base-16 digit after '16#', found '.'"
        ),
        ErrorCase(
            "37#1.",
            .invalidNumber,
            1,
            1,
            "base 37 in '37#' is not between 2 and 36"
        ),
        ErrorCase(
            "1#0.",
            .invalidNumber,
            1,
            1,
            "base 1 in '1#' is not between 2 and 36"
        ),
        ErrorCase(
            "1.e5.",
            .invalidNumber,
            1,
            1,
            "a float needs digits after its '.': write '1.0e...' instead of '1.e...'"
        ),
        ErrorCase(
            "1e5.",
            .invalidNumber,
            1,
            1,
            "invalid number '1e5': integer followed by 'e'; a float needs a '.' and digits before its exponent, as in '1.0e5'"
        ),
        ErrorCase(
            ".5.",
            .invalidNumber,
            1,
            1,
            "a float needs digits before its '.': write '0.5', not '.5'"
        ),
        ErrorCase(
            "1.0e400.",
            .invalidNumber,
            1,
            1,
            "float '1.0e400' is beyond the range of a 64-bit float"
        ),
        ErrorCase(
            "1.0e.",
            .invalidNumber,
            1,
            1,
            "expected exponent digits in float '1.0e', found '.'"
        ),
        ErrorCase(
            "1.0e+a.",
            .invalidNumber,
            1,
            1,
            "expected exponent digits in float '1.0e+', found 'a'"
        ),
        ErrorCase(
            "16#FFG.",
            .invalidNumber,
            1,
            1,
            "invalid number '16#FFG': base-16 integer followed by 'G'"
        ),
        ErrorCase(
            "1_.",
            .invalidNumber,
            1,
            1,
            "invalid number '1_': integer followed by '_'"
        ),
        ErrorCase(
            "2#102.",
            .invalidNumber,
            1,
            1,
            "invalid number '2#102': base-2 integer followed by '2'"
        ),
        ErrorCase(
            "{a, b].",
            .unbalancedBracket,
            1,
            6,
            "expected ',' or '}' after a tuple element, found ']', which does not close the tuple opened at 1:1"
        ),
        ErrorCase(
            "[a, b}.",
            .unbalancedBracket,
            1,
            6,
            "expected ',', '|' or ']' after a list element, found '}', which does not close the list opened at 1:1"
        ),
        ErrorCase(
            "a].",
            .unbalancedBracket,
            1,
            2,
            "unexpected ']' after a complete term: no bracket is open"
        ),
        ErrorCase(
            "{a, (b]}.",
            .unbalancedBracket,
            1,
            7,
            "expected ')' after the parenthesised term, found ']', which does not close the parenthesis opened at 1:5"
        ),
        ErrorCase(
            "<<1, 2}.",
            .unbalancedBracket,
            1,
            7,
            "expected ',' or '>>' after a binary segment, found '}', which does not close the binary opened at 1:1"
        ),
        ErrorCase(
            "#{a => 1].",
            .unbalancedBracket,
            1,
            9,
            "expected ',' or '}' after a map value, found ']', which does not close the map opened at 1:1"
        ),
        ErrorCase(
            ")",
            .unexpectedToken,
            1,
            1,
            "expected a term, found ')'"
        ),
        ErrorCase(
            "[a,].",
            .unexpectedToken,
            1,
            4,
            "expected a term, found ']'"
        ),
        ErrorCase(
            "{a,}.",
            .unexpectedToken,
            1,
            4,
            "expected a term, found '}'"
        ),
        ErrorCase(
            "[a|b|c].",
            .unexpectedToken,
            1,
            5,
            "expected ']' after the tail of a list, found '|'"
        ),
        ErrorCase(
            "[a|].",
            .unexpectedToken,
            1,
            4,
            "expected a term, found ']'"
        ),
        ErrorCase(
            "{a => 1}.",
            .misplacedMapArrow,
            1,
            4,
            "expected ',' or '}' after a tuple element, found '=>'; '=>' is only allowed inside a map '#{...}'"
        ),
        ErrorCase(
            "[a => 1].",
            .misplacedMapArrow,
            1,
            4,
            "expected ',', '|' or ']' after a list element, found '=>'; '=>' is only allowed inside a map '#{...}'"
        ),
        ErrorCase(
            "a => b.",
            .misplacedMapArrow,
            1,
            3,
            "expected '.' after the term, found '=>'; '=>' is only allowed inside a map '#{...}'"
        ),
        ErrorCase(
            "#{a := 1}.",
            .exactMapAssociation,
            1,
            5,
            "':=' cannot build a map: it only updates an existing key; write 'Key => Value'"
        ),
        ErrorCase(
            "#{a, b}.",
            .unexpectedToken,
            1,
            4,
            "expected '=>' after a map key, found ','"
        ),
        ErrorCase(
            "#{a}.",
            .unexpectedToken,
            1,
            4,
            "expected '=>' after a map key, found '}'"
        ),
        ErrorCase(
            "#r{a = 1}.",
            .notATerm,
            1,
            2,
            "expected '{' after '#', found 'r'; records are not terms"
        ),
        ErrorCase(
            "#{a => 1}#{b => 2}.",
            .notATerm,
            1,
            10,
            "expected a term, found a map update '#{...}#{...}'"
        ),
        ErrorCase(
            "X.",
            .notATerm,
            1,
            1,
            "expected a term, found variable 'X'; a term has no variables (quote an atom: 'X')"
        ),
        ErrorCase(
            "[a, _Var].",
            .notATerm,
            1,
            5,
            "expected a term, found variable '_Var'; a term has no variables (quote an atom: '_Var')"
        ),
        ErrorCase(
            "end.",
            .reservedWord,
            1,
            1,
            "expected a term, found reserved word 'end'; write it quoted to mean the atom"
        ),
        ErrorCase(
            "{a, of}.",
            .reservedWord,
            1,
            5,
            "expected a term, found reserved word 'of'; write it quoted to mean the atom"
        ),
        ErrorCase(
            "fun lists:map/2.",
            .unsupportedTerm,
            1,
            1,
            "'fun lists:map/2' is an external fun, which Erlang reads but a term here cannot hold"
        ),
        ErrorCase(
            "fun foo/1.",
            .notATerm,
            1,
            1,
            "expected a term, found a 'fun' expression"
        ),
        ErrorCase(
            "fun() -> ok end.",
            .notATerm,
            1,
            1,
            "expected a term, found a 'fun' expression"
        ),
        ErrorCase(
            "1 + 2.",
            .missingDot,
            1,
            3,
            "expected '.' after the term, found '+'"
        ),
        ErrorCase(
            "a, b.",
            .notATerm,
            1,
            2,
            "expected '.' after the term, found ','; a file holds one term per '.'"
        ),
        ErrorCase(
            "- -5.",
            .notATerm,
            1,
            3,
            "expected a number after '-', found '-'; a sign applies to a number only"
        ),
        ErrorCase(
            "-a.",
            .notATerm,
            1,
            2,
            "expected a number after '-', found 'a'; a sign applies to a number only"
        ),
        ErrorCase(
            "--5.",
            .unexpectedToken,
            1,
            1,
            "expected a term, found '--'"
        ),
        ErrorCase(
            "-(-5).",
            .notATerm,
            1,
            3,
            "expected a number after '-', found '-'; a sign applies to a number only"
        ),
        ErrorCase(
            "<<a>>.",
            .invalidBinary,
            1,
            3,
            "a binary segment holds an integer, a float, a string or a binary, not 'a'"
        ),
        ErrorCase(
            "<<1/foo>>.",
            .invalidBinary,
            1,
            5,
            "unknown binary type specifier 'foo'"
        ),
        ErrorCase(
            "<<1:4>>.",
            .unsupportedTerm,
            1,
            1,
            "bit string of 4 bits: a term holds binaries of whole bytes only, not bit strings"
        ),
        ErrorCase(
            "<<1/unit:8>>.",
            .invalidBinary,
            1,
            3,
            "a segment with a unit needs a size, as in '1:2/unit:8'"
        ),
        ErrorCase(
            "<<1:8/utf8>>.",
            .invalidBinary,
            1,
            3,
            "a utf8 segment takes no size and no unit"
        ),
        ErrorCase(
            "<<\"a\"/binary>>.",
            .invalidBinary,
            1,
            3,
            #"a string cannot be a binary segment; write <<"text">> or <<"text"/utf8>>"#
        ),
        ErrorCase(
            "<<1/integer-float>>.",
            .invalidBinary,
            1,
            13,
            "type specifier 'float' conflicts with an earlier specifier of the segment"
        ),
        ErrorCase(
            "<<1.0:8/float>>.",
            .invalidBinary,
            1,
            3,
            "a float segment has 16, 32 or 64 bits, not 8"
        ),
        ErrorCase(
            "<<<<1,2,3>>:4/binary>>.",
            .invalidBinary,
            1,
            3,
            "segment size 32 bits is more than the 24 bits of its binary"
        ),
        ErrorCase(
            "<<1:a>>.",
            .invalidBinary,
            1,
            5,
            "expected a segment size (an integer) after ':', found 'a'"
        ),
        ErrorCase(
            "<<1:-1>>.",
            .invalidBinary,
            1,
            5,
            "expected a segment size (an integer) after ':', found '-'"
        ),
        ErrorCase(
            "<<1.5/utf8>>.",
            .invalidBinary,
            1,
            3,
            "a float cannot be a utf8 segment"
        ),
        ErrorCase(
            "<<-1/utf8>>.",
            .invalidBinary,
            1,
            3,
            "-1 is not a Unicode code point for a utf8 segment"
        ),
        ErrorCase(
            "<<1/big-little>>.",
            .invalidBinary,
            1,
            9,
            "type specifier 'little' conflicts with an earlier specifier of the segment"
        ),
        ErrorCase(
            "<<1/unit:0>>.",
            .invalidBinary,
            1,
            10,
            "a segment unit is an integer from 1 to 256, found '0'"
        ),
        ErrorCase(
            "<<1:1/unit:257>>.",
            .invalidBinary,
            1,
            12,
            "a segment unit is an integer from 1 to 256, found '257'"
        ),
        ErrorCase(
            "<<1/unit>>.",
            .invalidBinary,
            1,
            9,
            "expected ':' and a number after 'unit', found '>>'"
        ),
        ErrorCase(
            "\u{FEFF}a.",
            .illegalCharacter,
            1,
            1,
            "a byte order mark (U+FEFF) is not allowed outside quotes; only strings and quoted atoms may hold it"
        ),
        ErrorCase(
            "{a, \u{3042}}.",
            .illegalCharacter,
            1,
            5,
            "character 'あ' (U+3042) is not allowed outside quotes; only strings and quoted atoms may hold it"
        ),
        ErrorCase(
            "'\u{FFFE}'.",
            .illegalCharacter,
            1,
            2,
            "character U+FFFE is not allowed in Erlang text"
        ),
        ErrorCase(
            "\"\u{FFFF}\".",
            .illegalCharacter,
            1,
            2,
            "character U+FFFF is not allowed in Erlang text"
        ),
        ErrorCase(
            "¡.",
            .unexpectedToken,
            1,
            1,
            "expected a term, found '¡'"
        ),
        ErrorCase(
            "×.",
            .unexpectedToken,
            1,
            1,
            "expected a term, found '×'"
        ),
        ErrorCase(
            "a. b",
            .missingDot,
            1,
            5,
            "expected '.' after the term, found end of input"
        ),
        ErrorCase(
            "% c\n\n  {a,\n   [b c]}.",
            .unexpectedToken,
            4,
            7,
            "expected ',', '|' or ']' after a list element, found 'c'"
        ),
        ErrorCase(
            "{a,\t[b c]}.",
            .unexpectedToken,
            1,
            8,
            "expected ',', '|' or ']' after a list element, found 'c'"
        ),
    ]

    @Test(arguments: cases)
    func reportsExactError(_ expected: ErrorCase) {
        do {
            let terms = try TermParser.parseAll(expected.source, file: "f")
            Issue.record("parsed \(expected.source.debugDescription) as \(terms)")
        } catch {
            #expect(error.code == expected.code)
            #expect(error.message == expected.message)
            #expect(
                error.location == DistillTerm.SourceLocation(file: "f", line: expected.line, column: expected.column)
            )
        }
    }

    /// Bytes that are not UTF-8, wherever they stand, and the column of the bad sequence.
    static let invalidUTF8: [([UInt8], Int, Int, String)] = [
        ([0x61, 0x2E, 0xFF], 1, 3, "0xFF"),
        ([0x22, 0xC3, 0x28, 0x22, 0x2E], 1, 2, "0xC3"),
        ([0x25, 0x20, 0xE0, 0x80, 0x80, 0x0A, 0x61, 0x2E], 1, 3, "0xE0 0x80 0x80"),  // overlong, in a comment
        ([0x22, 0xED, 0xA0, 0x80, 0x22, 0x2E], 1, 2, "0xED 0xA0 0x80"),  // a surrogate
        ([0x0A, 0x61, 0x62, 0xF5, 0x2E], 2, 3, "0xF5"),
        ([0x27, 0xC3, 0xA9, 0xC3, 0x27, 0x2E], 1, 3, "0xC3"),  // truncated sequence in a quoted atom
        ([0x24, 0xF0, 0x9F, 0x98], 1, 2, "0xF0 0x9F 0x98"),  // truncated at the end, after $
    ]

    @Test(arguments: invalidUTF8)
    func rejectsInvalidUTF8(bytes: [UInt8], line: Int, column: Int, shown: String) {
        #expect(
            throws: TermParseError(
                code: .invalidUTF8,
                message: "invalid UTF-8 byte sequence \(shown); the text must be UTF-8",
                location: DistillTerm.SourceLocation(file: "b", line: line, column: column),
                sourceLine: String(
                    decoding: bytes.split(separator: 0x0A, omittingEmptySubsequences: false)[line - 1],
                    as: UTF8.self
                )
            )
        ) {
            try TermParser.parseAll(bytes: bytes, file: "b")
        }
    }

    @Test func rejectsNestingBeyondTheLimit() {
        let depth = TermParser.maximumNestingDepth + 1
        let source = "{" + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1) + "}."
        #expect(throws: TermParseError.self) { try TermParser.parseAll(source, file: "d") }
        do {
            _ = try TermParser.parseAll(source, file: "d")
        } catch {
            #expect(error.code == .nestingTooDeep)
            #expect(error.location.column == depth)
            #expect(error.message == "brackets nest deeper than 1000 levels")
        }
    }

    @Test func parseOneRejectsTrailingText() {
        func failure(_ source: String) -> TermParseError? {
            do {
                _ = try TermParser.parseOne(source)
                return nil
            } catch {
                return error
            }
        }
        #expect(failure("a. b")?.message == "expected the end of input after the term, found 'b'")
        #expect(failure("a. b")?.location == DistillTerm.SourceLocation(file: "<string>", line: 1, column: 4))
        #expect(failure("a b")?.code == .unexpectedToken)
        #expect(failure("")?.code == .unexpectedEnd)
        #expect(failure("   % nothing")?.message == "expected a term, found end of input")
        #expect(failure("{a,")?.code == .unexpectedEnd)
    }

    @Test func rendersLikeACompiler() {
        let source = "%% sys.config\n{kv,\n [{a, [b c]}]}.\n"
        do {
            _ = try TermParser.parseAll(source, file: "rel/config")
            Issue.record("parsed")
        } catch {
            #expect(
                error.description
                    == "rel/config:3:10: error: expected ',', '|' or ']' after a list element, found 'c'"
            )
            #expect(error.sourceLine == " [{a, [b c]}]}.")
            #expect(
                error.detailedDescription == """
                    rel/config:3:10: error: expected ',', '|' or ']' after a list element, found 'c'
                         [{a, [b c]}]}.
                                 ^
                    """
            )
        }
    }

    @Test func caretFollowsTabsAndCountsScalars() {
        do {
            _ = try TermParser.parseAll("{\"日本\",\t[x y]}.", file: "t")
            Issue.record("parsed")
        } catch {
            #expect(error.location.column == 11)
            #expect(error.detailedDescription.hasSuffix("\n    {\"日本\",\t[x y]}.\n          \t   ^"))
        }
    }

    @Test func quotesLongTokensShortened() {
        let long = String(repeating: "z", count: 60)
        do {
            _ = try TermParser.parseAll("[a \(long)].", file: "t")
            Issue.record("parsed")
        } catch {
            #expect(
                error.message
                    == "expected ',', '|' or ']' after a list element, found '\(String(repeating: "z", count: 40))...'"
            )
        }
    }
}
