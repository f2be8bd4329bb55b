//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import Foundation
import PropertyBased
import Testing

// MARK: - Types under test

private struct Point: Codable, Equatable {
    var x: Int
    var y: Int
}

private enum Color: String, Codable, Equatable {
    case red, green
}

private enum Status: Codable, Equatable {
    case idle
    case running(pid: Int, since: Double)
    case moved(Point)
    case pair(Int, String?)
}

private struct State: Codable, Equatable {
    var name: String
    var count: Int
    var ratio: Double
    var enabled: Bool
    var nickname: String?
    var tags: [String]
    var table: [String: Term]
    var scores: [Int: Double]
    var palette: [Color: Int]
    var color: Color
    var status: Status
    var points: [Point]
    var raw: Term
    var bytes: [UInt8]
    var big: UInt64
    var small: Int8
    var sparse: [Int?]
}

private let sampleState = State(
    name: "kv",
    count: 3,
    ratio: 0.5,
    enabled: true,
    nickname: nil,
    tags: ["a", "\u{3BB}"],
    table: ["k": .tuple(["ok", 1])],
    scores: [1: 2.5],
    palette: [.red: 7],
    color: .green,
    status: .running(pid: 42, since: 1.5),
    points: [Point(x: 1, y: 2)],
    raw: .pid(Pid(node: "a@h", id: 1)),
    bytes: [0, 255],
    big: .max,
    small: -8,
    sparse: [1, nil]
)

private let sampleStateTerm: Term = .map([
    "name": .binary("kv"),
    "count": 3,
    "ratio": 0.5,
    "enabled": true,
    "nickname": "undefined",
    "tags": [.binary("a"), .binary("\u{3BB}")],
    "table": .map([.binary("k"): .tuple(["ok", 1])]),
    "scores": .map([1: 2.5]),
    "palette": .map(["red": 7]),
    "color": "green",
    "status": .tuple(["running", 42, 1.5]),
    "points": [.map(["x": 1, "y": 2])],
    "raw": .pid(Pid(node: "a@h", id: 1)),
    "bytes": .binary([0, 255]),
    "big": .integer(BigInteger("18446744073709551615")!),
    "small": -8,
    "sparse": [1, "undefined"],
])

// MARK: - Encoding

struct TermEncoderTests {
    @Test func encodesEveryMappingRule() throws {
        #expect(try TermEncoder().encode(sampleState) == sampleStateTerm)
    }

    @Test func roundTripsThroughTermsAndETF() throws {
        let term = try TermEncoder().encode(sampleState)
        #expect(try TermDecoder().decode(State.self, from: term) == sampleState)
        let bytes = ExternalTermFormat.encode(term)
        #expect(try TermDecoder().decode(State.self, from: ExternalTermFormat.decode(bytes)) == sampleState)
    }

    static let scalars: [(any Encodable & Sendable, Term)] = [
        (true, "true"), (false, "false"), ("t\u{E9}xt", .binary("t\u{E9}xt")), (42, 42), (Int8(-1), -1),
        (UInt64.max, .integer(BigInteger("18446744073709551615")!)),
        (Int128.min, .integer(BigInteger("-170141183460469231731687303715884105728")!)),
        (UInt128.max, .integer(BigInteger("340282366920938463463374607431768211455")!)),
        (1.25, 1.25), (Float(0.5), 0.5), ([UInt8]([1, 2]), .binary([1, 2])), ([1, 2] as [Int], [1, 2]),
        (Int?.none, "undefined"), (Color.red, "red"), (Status.idle, "idle"),
        (Status.moved(Point(x: 1, y: 2)), .tuple(["moved", .map(["x": 1, "y": 2])])),
        (Status.pair(1, nil), .tuple(["pair", 1, "undefined"])),
        (Status.pair(1, "b"), .tuple(["pair", 1, .binary("b")])),
        (Term.tuple(["any", "term"]), .tuple(["any", "term"])), (Set([3]), [3]), ([Int](), .nil), ([Int?](), .nil),
        ([UInt8](), .binary([])), ([Int?]([nil]), ["undefined"]),
    ]

    @Test(arguments: 0..<scalars.count)
    func encodesValues(index: Int) throws {
        let (value, term) = Self.scalars[index]
        #expect(try TermEncoder().encode(value) == term)
    }

    @Test func encodesDictionaryKeysByTheSameRules() throws {
        #expect(try TermEncoder().encode(["a": 1, "b": 2]) == .map([.binary("a"): 1, .binary("b"): 2]))
        #expect(try TermEncoder().encode([3: "x"]) == .map([3: .binary("x")]))
        #expect(try TermEncoder().encode([Color.green: true]) == .map(["green": true]))
        #expect(try TermEncoder().encode([Point(x: 1, y: 2): 0]) == .map([.map(["x": 1, "y": 2]): 0]))
    }

    @Test func refusesValuesThatCouldNotComeBack() {
        #expect(throws: EncodingError.self) { try TermEncoder().encode(Double.nan) }
        #expect(throws: EncodingError.self) { try TermEncoder().encode([Float.infinity]) }
        #expect(throws: EncodingError.self) { try TermEncoder().encode(Optional(Term.atom("undefined"))) }
        #expect(throws: EncodingError.self) { try TermEncoder().encode([Constant(id: 1): 1, Constant(id: 2): 2]) }
    }

    @Test func keepsSuperclassFields() throws {
        let value = Child(base: 1, extra: "x")
        let term = try TermEncoder().encode(value)
        #expect(term == .map(["extra": .binary("x"), "super": .map(["base": 1])]))
        let back = try TermDecoder().decode(Child.self, from: term)
        #expect(back.base == 1 && back.extra == "x")
    }

    @Test func termOnlyCodesWithTermCoders() {
        #expect(throws: EncodingError.self) { try JSONEncoder().encode(Wrapper(term: "a")) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Wrapper.self, from: Data(#"{"term": 1}"#.utf8)) }
    }
}

extension Point: Hashable {}

/// Every instance encodes as the same term.
private struct Constant: Hashable, Encodable {
    var id: Int
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode("same")
    }
}

private struct Wrapper: Codable {
    var term: Term
}

private class Base: Codable {
    var base: Int
    init(base: Int) { self.base = base }
}

private final class Child: Base {
    var extra: String

    init(base: Int, extra: String) {
        self.extra = extra
        super.init(base: base)
    }

    private enum CodingKeys: String, CodingKey { case extra }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        extra = try container.decode(String.self, forKey: .extra)
        try super.init(from: container.superDecoder())
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(extra, forKey: .extra)
        try super.encode(to: container.superEncoder())
    }
}

// MARK: - Decoding

private struct Counter: Codable, Equatable {
    var table: [String: Int]
    var items: [Int8]
}

private struct StateV1: Codable, Equatable {
    var name: String
    var count: Int
}

private struct StateV2: Codable, Equatable {
    var name: String
    var count: Int
    var email: String?
}

private struct StateV2Required: Codable, Equatable {
    var name: String
    var count: Int
    var email: String
}

private enum EventV1: Codable, Equatable {
    case login(user: String)
}

private enum EventV2: Codable, Equatable {
    case login(user: String, at: Double?)
}

struct TermDecoderTests {
    static let failures: [(Term, TermDecodingError)] = [
        (
            .map(["table": .map([.binary("a"): "foo"]), "items": []]),
            TermDecodingError(
                code: .typeMismatch,
                path: #"Counter.table["a"]"#,
                message: "expected integer, found atom foo"
            )
        ),
        (
            .map(["table": .map([:]), "items": [1, 2, 300]]),
            TermDecodingError(
                code: .valueOutOfRange,
                path: "Counter.items[2]",
                message: "integer 300 out of range for Int8"
            )
        ),
        (
            .map(["table": .map([:]), "items": .binary("x")]),
            TermDecodingError(
                code: .typeMismatch,
                path: "Counter.items",
                message: #"expected list, found binary <<"x">>"#
            )
        ),
        (
            .map(["items": []]),
            TermDecodingError(code: .keyNotFound, path: "Counter.table", message: "missing key (the map has items)")
        ),
        (
            .map(["table": .map(["a": 1]), "items": []]),
            TermDecodingError(code: .typeMismatch, path: "Counter.table[a]", message: "expected binary, found atom a")
        ),
        (
            .tuple(["table"]),
            TermDecodingError(code: .typeMismatch, path: "Counter", message: "expected map, found tuple {table}")
        ),
        (
            .list([]),
            TermDecodingError(code: .typeMismatch, path: "Counter", message: "expected map, found list []")
        ),
    ]

    @Test(arguments: failures)
    func namesTheCodingPathOfAFailure(term: Term, expected: TermDecodingError) {
        #expect(throws: expected) { try TermDecoder().decode(Counter.self, from: term) }
    }

    @Test func printsPathThenProblem() {
        let error = TermDecodingError(
            code: .typeMismatch,
            path: #"State.table["a"]"#,
            message: "expected integer, found atom foo"
        )
        #expect(error.description == #"State.table["a"]: expected integer, found atom foo"#)
    }

    @Test func decodesEnumsFromAtomsAndTaggedTuples() throws {
        let decoder = TermDecoder()
        #expect(try decoder.decode(Color.self, from: "green") == .green)
        #expect(try decoder.decode(Color.self, from: .binary("green")) == .green)
        #expect(try decoder.decode(Status.self, from: "idle") == .idle)
        #expect(try decoder.decode(Status.self, from: .tuple(["running", 1, 2.0])) == .running(pid: 1, since: 2))
        #expect(try decoder.decode(Status.self, from: .tuple(["pair", 1])) == .pair(1, nil))
        #expect(throws: TermDecodingError(code: .unknownCase, path: "Color", message: "atom blue is no case of Color"))
        {
            try decoder.decode(Color.self, from: "blue")
        }
        #expect(throws: TermDecodingError(code: .unknownCase, path: "Status", message: "stopped is no case of Status"))
        {
            try decoder.decode(Status.self, from: .tuple(["stopped", 1]))
        }
        #expect(
            throws: TermDecodingError(
                code: .valueNotFound,
                path: "Status.running.since",
                message: "the tagged tuple has 1 field, this is field 2"
            )
        ) { try decoder.decode(Status.self, from: .tuple(["running", 1])) }
        #expect(
            throws: TermDecodingError(
                code: .typeMismatch,
                path: "Status.running.pid",
                message: "expected integer, found float 1.0"
            )
        ) { try decoder.decode(Status.self, from: .tuple(["running", 1.0, 2.0])) }
    }

    @Test func decodesScalarsStrictly() throws {
        let decoder = TermDecoder()
        #expect(try decoder.decode(UInt64.self, from: .integer(BigInteger("18446744073709551615")!)) == .max)
        #expect(try decoder.decode(Int64.self, from: .integer(Int.min)) == .min)
        #expect(
            try decoder.decode(Int128.self, from: .integer(BigInteger("-170141183460469231731687303715884105728")!))
                == .min
        )
        #expect(
            throws: TermDecodingError(
                code: .valueOutOfRange,
                path: "UInt64",
                message: "integer -1 out of range for UInt64"
            )
        ) { try decoder.decode(UInt64.self, from: -1) }
        #expect(
            throws: TermDecodingError(
                code: .valueOutOfRange,
                path: "Int",
                message: "integer 9223372036854775808 out of range for Int"
            )
        ) { try decoder.decode(Int.self, from: .integer(BigInteger("9223372036854775808")!)) }
        #expect(
            throws: TermDecodingError(code: .typeMismatch, path: "Double", message: "expected float, found integer 1")
        ) {
            try decoder.decode(Double.self, from: 1)
        }
        #expect(
            throws: TermDecodingError(
                code: .valueOutOfRange,
                path: "Float",
                message: "float 1e+300 out of range for Float"
            )
        ) {
            try decoder.decode(Float.self, from: 1e300)
        }
        #expect(
            throws: TermDecodingError(
                code: .typeMismatch,
                path: "Bool",
                message: "expected true or false, found atom yes"
            )
        ) {
            try decoder.decode(Bool.self, from: "yes")
        }
        #expect(
            throws: TermDecodingError(code: .typeMismatch, path: "String", message: "expected binary, found atom text")
        ) {
            try decoder.decode(String.self, from: "text")
        }
        #expect(
            throws: TermDecodingError(
                code: .dataCorrupted,
                path: "String",
                message: "binary is not UTF-8 text: <<255>>"
            )
        ) {
            try decoder.decode(String.self, from: .binary([255]))
        }
        #expect(try decoder.decode([Int].self, from: .string("ab")) == [97, 98])
        #expect(try decoder.decode([Int?].self, from: [1, "undefined"]) == [1, nil])
        #expect(
            try decoder.decode([Point: Int].self, from: .map([.map(["x": 1, "y": 2]): 3])) == [Point(x: 1, y: 2): 3]
        )
        #expect(
            throws: TermDecodingError(
                code: .duplicateKey,
                path: #"Dictionary<Color, Int>["red"]"#,
                message: "two map keys decode as the same Color key"
            )
        ) {
            try decoder.decode([Color: Int].self, from: .map(["red": 1, .binary("red"): 2]))
        }
    }

    // MARK: State across versions

    @Test func addedOptionalFieldDecodesAsNil() throws {
        let old = try TermEncoder().encode(StateV1(name: "kv", count: 2))
        #expect(try TermDecoder().decode(StateV2.self, from: old) == StateV2(name: "kv", count: 2, email: nil))
    }

    @Test func addedRequiredFieldIsAnError() throws {
        let old = try TermEncoder().encode(StateV1(name: "kv", count: 2))
        #expect(
            throws: TermDecodingError(
                code: .keyNotFound,
                path: "StateV2Required.email",
                message: "missing key (the map has count, name)"
            )
        ) { try TermDecoder().decode(StateV2Required.self, from: old) }
    }

    @Test func removedFieldIsIgnoredUnlessRejected() throws {
        let new = try TermEncoder().encode(StateV2(name: "kv", count: 2, email: "a@b"))
        #expect(try TermDecoder().decode(StateV1.self, from: new) == StateV1(name: "kv", count: 2))
        #expect(
            throws: TermDecodingError(
                code: .unknownKey,
                path: "StateV1",
                message: "unknown key email: StateV1 has no such field"
            )
        ) { try TermDecoder(unknownKeyStrategy: .reject).decode(StateV1.self, from: new) }
        let exact = try TermEncoder().encode(StateV1(name: "kv", count: 2))
        #expect(
            try TermDecoder(unknownKeyStrategy: .reject).decode(StateV1.self, from: exact)
                == StateV1(name: "kv", count: 2)
        )
    }

    @Test func rejectingUnknownKeysLooksIntoNestedValues() throws {
        let term: Term = .map(["points": [.map(["x": 1, "y": 2, "z": 3])]])
        #expect(
            throws: TermDecodingError(
                code: .unknownKey,
                path: "Shape.points[0]",
                message: "unknown key z: Point has no such field"
            )
        ) { try TermDecoder(unknownKeyStrategy: .reject).decode(Shape.self, from: term) }
    }

    @Test func enumCaseGainsATrailingOptionalField() throws {
        let old = try TermEncoder().encode(EventV1.login(user: "ann"))
        #expect(old == .tuple(["login", .binary("ann")]))
        #expect(try TermDecoder().decode(EventV2.self, from: old) == .login(user: "ann", at: nil))
    }

    @Test func nilIsUndefinedAndAMissingKeyIsNil() throws {
        #expect(
            try TermEncoder().encode(StateV2(name: "a", count: 1, email: nil))
                == .map(["name": .binary("a"), "count": 1, "email": "undefined"])
        )
        let decoded = try TermDecoder().decode(
            StateV2.self,
            from: .map(["name": .binary("a"), "count": 1, "email": "undefined"])
        )
        #expect(decoded.email == nil)
    }
}

private struct Shape: Codable {
    var points: [Point]
}

// MARK: - Random values

private struct Record: Codable, Equatable {
    var id: Int64
    var label: String
    var score: Double?
    var flags: [Bool]
    var attributes: [String: [Int?]]
    var status: Status
    var bytes: [UInt8]
}

struct TermCodingPropertyTests {
    fileprivate static func record(using rng: inout some RandomNumberGenerator) -> Record {
        func text(_ length: ClosedRange<Int>) -> String {
            String(
                (0..<Int.random(in: length, using: &rng)).map { _ in
                    "ab\u{E9}\u{3BB}z0 ".randomElement(using: &rng) ?? "a"
                }
            )
        }
        let id = Int64.random(in: .min ... .max, using: &rng)
        let label = text(0...12)
        let kind = Int.random(in: 0...3, using: &rng)
        let statuses: [Status] = [
            .idle, .running(pid: Int(id % 1000), since: 0.5), .moved(Point(x: 1, y: -1)), .pair(kind, label),
        ]
        var attributes: [String: [Int?]] = [:]
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            attributes[text(1...3)] = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
                Bool.random(using: &rng) ? Int.random(in: -99...99, using: &rng) : nil
            }
        }
        return Record(
            id: id,
            label: label,
            score: Bool.random(using: &rng) ? Double.random(in: -1e9...1e9, using: &rng) : nil,
            flags: (0..<Int.random(in: 0...4, using: &rng)).map { _ in Bool.random(using: &rng) },
            attributes: attributes,
            status: statuses[kind],
            bytes: (0..<Int.random(in: 0...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        )
    }

    @Test func randomValuesRoundTripThroughETF() async {
        await propertyCheck(count: 200, input: Generator { rng in Self.record(using: &rng) }) { record in
            let term = try? TermEncoder().encode(record)
            let bytes = term.map { ExternalTermFormat.encode($0) } ?? []
            do {
                let back = try TermDecoder(unknownKeyStrategy: .reject).decode(
                    Record.self,
                    from: ExternalTermFormat.decode(bytes)
                )
                #expect(back == record)
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
