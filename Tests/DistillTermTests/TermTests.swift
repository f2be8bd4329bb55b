//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import DistillTestSupport
import Testing

struct TermTests {
    @Test func stringEqualsListOfItsCodePoints() {
        #expect(Term.string("ab") == [97, 98])
        #expect(Term.string("") == Term.nil)
        #expect(Term.string("ab").hashValue == Term.list([97, 98]).hashValue)
        #expect(Term.string("ab") != [97, 99])
    }

    @Test func textIsComparedByScalarsNotCanonicalEquivalence() {
        #expect(Term.string("\u{E9}") != .string("e\u{301}"))
        #expect(Term.atom("\u{E9}") != .atom("e\u{301}"))
    }

    @Test func integersAndFloatsAreNotExactlyEqual() {
        #expect(Term.integer(1) != .float(1.0))
        #expect(Term.compare(.integer(1), .float(1.0)) == 0)
        #expect(Term.mapKeyOrder(.integer(1), .float(1.0)) < 0)
    }

    /// `maps:keys(#{{2} => a, {1.0} => b, {1} => c, -5.0 => d, 3 => e})` in OTP 25.
    @Test func mapKeysPutEveryIntegerBeforeEveryFloat() {
        let pairs: [(Term, Term)] = [
            (.tuple([2]), "a"), (.tuple([1.0]), "b"), (.tuple([1]), "c"), (.float(-5.0), "d"), (.integer(3), "e"),
        ]
        let keys: [Term] = [3, -5.0, .tuple([1]), .tuple([2]), .tuple([1.0])]
        #expect(TermMap(pairs).entries.map(\.key) == keys)
        let integerKey: Term = .map(TermMap([(Term.integer(2), Term.atom("a"))]))
        let floatKey: Term = .map(TermMap([(Term.float(1.0), Term.atom("a"))]))
        #expect(integerKey < floatKey)
    }

    @Test func integerNormalisesBigValues() {
        #expect(Term.integer(BigInteger(42)) == .integer(42))
        let big = BigInteger("123456789012345678901234567890")!
        #expect(Term.integer(big) == .bigInteger(big))
        #expect(Term.bigInteger(BigInteger(7)) == .integer(7))
    }

    @Test func listWithListTailIsSpliced() {
        #expect(Term.list([1], tail: [2, 3]) == [1, 2, 3])
        #expect(Term.list([1], tail: "a") == .improperList([1], tail: "a"))
        #expect(Term.list([], tail: "a") == "a")
    }

    /// Pairs in ascending Erlang term order.
    static let ascendingPairs: [(Term, Term)] = [
        (.integer(1), .atom("a")),
        (.atom("a"), .tuple([])),
        (.tuple([1, 2]), .tuple([1, 2, 0])),
        (.tuple([]), .map(TermMap())),
        (.map(TermMap()), .nil),
        (.nil, .list([1])),
        (.list([1]), .binary([])),
        (.float(2.5), .integer(3)),
        (.bigInteger(BigInteger("-99999999999999999999")!), .integer(Int.min)),
        (.improperList([1], tail: .atom("a")), .list([1, 2])),
        (.string("ab"), .string("b")),
    ]

    @Test(arguments: ascendingPairs)
    func followsErlangTermOrder(smaller: Term, larger: Term) {
        #expect(smaller < larger)
        #expect(!(larger < smaller))
    }

    @Test func mapKeepsEntriesSortedAndLastValueWins() {
        var map: TermMap = ["b": 2, "a": 1, 1: "x"]
        #expect(map.entries.map(\.key) == [1, "a", "b"])
        map["a"] = 3
        #expect(map["a"] == 3)
        map["a"] = nil
        #expect(map.count == 2)
        #expect(TermMap([("k", 1), ("k", 2)])["k"] == 2)
    }

    @Test func stringValueReadsListsOfScalars() {
        #expect(Term.list([104, 105]).stringValue == "hi")
        #expect(Term.list([0xD800]).stringValue == nil)
        #expect(Term.list(["a"]).stringValue == nil)
        #expect(Term.tuple(["load_module", "m"]).tagged("load_module") == ["m"])
    }
}

struct BigIntegerTests {
    @Test(arguments: [
        ("0", 10), ("-1", 10), ("9223372036854775807", 10), ("-9223372036854775808", 10),
        ("123456789012345678901234567890", 10), ("-ff00ff00ff00ff00ff00ff", 16), ("101", 2), ("zz", 36),
    ])
    func textRoundTrips(text: String, radix: Int) throws {
        let value = try #require(BigInteger(text, radix: radix))
        #expect(value.toString(radix: radix) == text)
    }

    @Test func convertsToIntOnlyWhenItFits() {
        #expect(BigInteger("9223372036854775807")?.intValue == Int.max)
        #expect(BigInteger("-9223372036854775808")?.intValue == Int.min)
        #expect(BigInteger("9223372036854775808")?.intValue == nil)
    }

    @Test func magnitudeBytesRoundTrip() {
        let value = BigInteger("-123456789012345678901234567890")!
        let bytes = value.littleEndianMagnitude
        #expect(BigInteger(isNegative: true, littleEndianMagnitude: bytes) == value)
        #expect(BigInteger(0).littleEndianMagnitude.isEmpty)
        #expect(BigInteger(256).littleEndianMagnitude == [0, 1])
    }

    @Test func rejectsMalformedText() {
        #expect(BigInteger("", radix: 10) == nil)
        #expect(BigInteger("-", radix: 10) == nil)
        #expect(BigInteger("12a", radix: 10) == nil)
        #expect(BigInteger("2", radix: 2) == nil)
    }

    @Test func ordersBySignThenMagnitude() {
        #expect(BigInteger(-5) < BigInteger(-4))
        #expect(BigInteger("-100000000000000000000")! < BigInteger(0))
        #expect(BigInteger(3) < BigInteger("100000000000000000000")!)
    }
}

struct ErlangAvailabilityTests {
    @Test(.requiresErlang) func erlangAnswers() throws {
        let output = try Erlang.run(#"io:format("~p", [lists:seq(1, 3)])"#)
        #expect(output == "[1,2,3]")
    }
}

struct TermMapConstructionTests {
    /// Built from pairs at once, a map equals the same pairs inserted one by one: sorted keys,
    /// the last value of a repeated key.
    @Test func pairsGiveTheMapThatInsertionsGive() {
        var rng = SplitMix64(seed: 7)
        let pairs: [(Term, Term)] = (0..<3000).map { index in
            let key: Term =
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: .integer(Int.random(in: 0..<500, using: &rng))
                case 1: .binary("k\(Int.random(in: 0..<500, using: &rng))")
                default: .float(Double(Int.random(in: 0..<500, using: &rng)))
                }
            return (key, .integer(index))
        }
        var inserted = TermMap()
        for (key, value) in pairs { inserted[key] = value }
        let built = TermMap(pairs)
        #expect(built == inserted)
        #expect(built.entries.map(\.key) == inserted.entries.map(\.key))
        #expect(zip(built.entries, built.entries.dropFirst()).allSatisfy { Term.mapKeyOrder($0.key, $1.key) < 0 })
    }
}
