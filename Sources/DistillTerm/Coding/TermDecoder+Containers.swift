//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// MARK: - Containers

/// A struct's fields: a map with atom keys.
struct TermKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: TermDecoderState
    let map: TermMap
    /// Where this container records the keys it uses, when unknown keys are rejected.
    let logIndex: Int?
    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        map.entries.compactMap { entry in
            guard case .atom(let name) = entry.key else { return nil }
            return Key(stringValue: name)
        }
    }

    func contains(_ key: Key) -> Bool { map[.atom(key.stringValue)] != nil }

    /// The value at `key`, or `nil` if the map lacks it; records the key as used.
    private func lookup(_ key: Key) -> Term? {
        if let logIndex { decoder.log?.maps[logIndex].used.insert(key.stringValue) }
        return map[.atom(key.stringValue)]
    }

    private func value(_ key: Key) throws -> Term {
        guard let value = lookup(key) else {
            let present = map.entries.map { $0.key.briefSpelling(budget: 20) }.joined(separator: ", ")
            throw decoder.error(
                .keyNotFound,
                at: key,
                "missing key (the map has \(present.isEmpty ? "no keys" : present))"
            )
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { try value(key) == TermCodingConstants.undefined }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.bool(try value(key), at: key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.string(try value(key), at: key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder.double(try value(key), at: key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decoder.float(try value(key), at: key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder.integer(type, try value(key), at: key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 {
        try decoder.integer(type, try value(key), at: key)
    }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 {
        try decoder.integer(type, try value(key), at: key)
    }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 {
        try decoder.integer(type, try value(key), at: key)
    }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
        try decoder.integer(type, try value(key), at: key)
    }
    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 {
        try decoder.integer(type, try value(key), at: key)
    }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt {
        try decoder.integer(type, try value(key), at: key)
    }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 {
        try decoder.integer(type, try value(key), at: key)
    }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 {
        try decoder.integer(type, try value(key), at: key)
    }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 {
        try decoder.integer(type, try value(key), at: key)
    }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
        try decoder.integer(type, try value(key), at: key)
    }
    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 {
        try decoder.integer(type, try value(key), at: key)
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.decodeTerm(type, from: try value(key), at: key)
    }

    // A missing key and `undefined` both decode as nil.
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try optional(type, key) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try optional(type, key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try optional(type, key) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try optional(type, key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try optional(type, key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try optional(type, key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try optional(type, key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try optional(type, key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try optional(type, key) }
    func decodeIfPresent(_ type: Int128.Type, forKey key: Key) throws -> Int128? { try optional(type, key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try optional(type, key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try optional(type, key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try optional(type, key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try optional(type, key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try optional(type, key) }
    func decodeIfPresent(_ type: UInt128.Type, forKey key: Key) throws -> UInt128? { try optional(type, key) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try optional(type, key) }

    private func optional<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        guard let value = lookup(key) else { return nil }
        return try decoder.decodeTerm(T?.self, from: value, at: key)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try decoder.nested(at: key, term: try value(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.nested(at: key, term: try value(key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        let key = TermFieldKey("super")
        if let logIndex { decoder.log?.maps[logIndex].used.insert(key.stringValue) }
        return decoder.nested(at: key, term: map[.atom(key.stringValue)] ?? .map(TermMap()))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.nested(at: key, term: lookup(key) ?? .map(TermMap()))
    }
}

/// An enum case as ``TermEncoder`` writes it: an atom, or a tagged tuple `{case, ...}`.
/// It offers the one key that Swift's synthesized `init(from:)` looks for, the case name.
struct TermEnumDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: TermDecoderState
    let caseName: String
    let payload: [Term]
    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        guard let key = Key(stringValue: caseName) else {
            decoder.unknownCase = caseName
            return []
        }
        return [key]
    }

    func contains(_ key: Key) -> Bool { key.stringValue == caseName }

    /// What a struct gets when it asks an atom or tuple for a field.
    private func notAMap() -> TermDecodingError { decoder.mismatch(expected: "map", found: decoder.term, at: nil) }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard key.stringValue == caseName else { throw notAMap() }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { throw notAMap() }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        guard key.stringValue == caseName else { throw notAMap() }
        return KeyedDecodingContainer(
            TermPayloadDecodingContainer<NestedKey>(
                decoder: decoder.nested(at: key, term: decoder.term),
                payload: payload
            )
        )
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        guard key.stringValue == caseName else { throw notAMap() }
        return TermUnkeyedDecodingContainer(decoder: decoder.nested(at: key, term: decoder.term), elements: payload)
    }

    func superDecoder() throws -> any Decoder { throw notAMap() }
    func superDecoder(forKey key: Key) throws -> any Decoder { throw notAMap() }
}

/// The payload of a tagged tuple, by position: the fields of an enum case in declaration
/// order. Swift's synthesized `init(from:)` asks for them in that order; an unlabelled
/// field `_2` is position 2, a labelled one takes the next position the first time it is
/// asked for.
final class TermPayloadPositions {
    var positions: [String: Int] = [:]

    func position(of key: some CodingKey) -> Int {
        if let known = positions[key.stringValue] { return known }
        var position = positions.count
        if key.stringValue.first == "_", let index = Int(key.stringValue.dropFirst()) { position = index }
        positions[key.stringValue] = position
        return position
    }
}

struct TermPayloadDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: TermDecoderState
    let payload: [Term]
    private let positions = TermPayloadPositions()
    var codingPath: [any CodingKey] { decoder.codingPath }

    init(decoder: TermDecoderState, payload: [Term]) {
        self.decoder = decoder
        self.payload = payload
    }

    var allKeys: [Key] { positions.positions.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { positions.position(of: key) < payload.count }

    private func element(_ key: Key) -> Term? {
        let position = positions.position(of: key)
        return position < payload.count ? payload[position] : nil
    }

    func decodeNil(forKey key: Key) throws -> Bool { element(key).map { $0 == TermCodingConstants.undefined } ?? true }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let element = element(key) else {
            let fields = payload.count == 1 ? "1 field" : "\(payload.count) fields"
            let position = positions.position(of: key) + 1
            throw decoder.error(.valueNotFound, at: key, "the tagged tuple has \(fields), this is field \(position)")
        }
        return try decoder.decodeTerm(type, from: element, at: key)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let element = element(key) else { return nil }
        return try decoder.decodeTerm(T?.self, from: element, at: key)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try decoder.nested(at: key, term: try decode(Term.self, forKey: key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.nested(at: key, term: try decode(Term.self, forKey: key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.nested(at: key, term: try decode(Term.self, forKey: key))
    }
}

/// A list's elements.
struct TermUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let decoder: TermDecoderState
    let elements: [Term]
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    init(decoder: TermDecoderState, elements: [Term]) {
        self.decoder = decoder
        self.elements = elements
    }

    private mutating func next() throws -> (Term, TermIndexKey) {
        let key = TermIndexKey(currentIndex)
        guard currentIndex < elements.count else {
            throw decoder.error(
                .valueNotFound,
                at: key,
                "the list has \(elements.count) element\(elements.count == 1 ? "" : "s")"
            )
        }
        currentIndex += 1
        return (elements[currentIndex - 1], key)
    }

    mutating func decodeNil() throws -> Bool {
        if isAtEnd { _ = try next() }  // throws: no element left
        if elements[currentIndex] == TermCodingConstants.undefined {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (element, key) = try next()
        return try decoder.decodeTerm(type, from: element, at: key)
    }

    mutating func decodeIfPresent<T: Decodable>(_ type: T.Type) throws -> T? {
        if isAtEnd { return nil }
        let (element, key) = try next()
        return try decoder.decodeTerm(T?.self, from: element, at: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        let (element, key) = try next()
        return try decoder.nested(at: key, term: element).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (element, key) = try next()
        return try decoder.nested(at: key, term: element).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (element, key) = try next()
        return decoder.nested(at: key, term: element)
    }
}
