//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import Testing

/// Every row of the table in the "Terms in Swift" article, parsed from its Erlang column
/// and matched with its Swift columns, so the article cannot drift from the API.
struct TermsInSwiftArticleTests {
    private func parse(_ erlang: String) throws -> Term { try TermParser.parseOne(erlang) }

    @Test func scalarsBuildAndTakeApartAsTheTableSays() throws {
        #expect(try parse("ok") == "ok")
        #expect(try parse("ok").atomValue == "ok")
        #expect(try parse("42") == 42)
        #expect(try parse("42").intValue == 42)
        #expect(try parse("12345678901234567890123").integerValue?.description == "12345678901234567890123")
        #expect(try parse("12345678901234567890123").intValue == nil)
        #expect(try parse("1.5").floatValue == 1.5)
        #expect(try parse("true") == true)
        #expect(try parse("false").boolValue == false)
    }

    @Test func textIsABinaryOrAListOfCodePoints() throws {
        #expect(try parse("<<\"text\">>") == .binary("text"))
        #expect(try parse("<<\"text\">>").binaryValue == Array("text".utf8))
        #expect(try parse("\"text\"") == .string("text"))
        #expect(try parse("\"ab\"") == [97, 98])
        #expect(try parse("\"text\"").stringValue == "text")
        #expect(try parse("<<\"text\">>") != .string("text"))
    }

    @Test func containersBuildAndTakeApartAsTheTableSays() throws {
        #expect(try parse("[a, b]") == ["a", "b"])
        #expect(try parse("[a, b]").listElements == ["a", "b"])
        #expect(try parse("[]").isNil)
        #expect(try parse("{a, 1}") == .tuple(["a", 1]))
        #expect(try parse("{a, 1}").tupleElements == ["a", 1])
        #expect(try parse("{put, k, 42}").tagged("put") == ["k", 42])
        #expect(try parse("{get, k}").tagged("put") == nil)
        #expect(try parse("#{a => 1}") == ["a": 1])
        #expect(try parse("#{a => 1}").mapValue?["a"] == 1)
    }

    @Test func printingGivesErlangSyntax() throws {
        #expect("\(Term.tuple(["put", "a", 42]))" == "{put,a,42}")
    }

    @Test func switchMatchesAtomsByName() {
        func kind(_ message: Term) -> String {
            switch message {
            case .tuple(let elements) where elements.first == "tcp" && elements.count == 3: "data"
            case .atom("tick"): "tick"
            default: "other"
            }
        }
        #expect(kind(.tuple(["tcp", "socket", .binary("x")])) == "data")
        #expect(kind("tick") == "tick")
        #expect(kind(.tuple(["tcp", "socket"])) == "other")
    }
}
