//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Decodes `Decodable` Swift values from terms, by the mapping ``TermEncoder`` documents.
///
/// Decoding is strict about kinds (a `String` needs a binary, an `Int` an integer that
/// fits, a `Double` a float) and forgiving about shape changes that state goes through
/// between code versions:
///
/// - A field the map lacks decodes as `nil` if it is optional, and is an error otherwise:
///   adding an optional field to a struct keeps old state decodable.
/// - A key the type does not ask for is ignored (a removed field is dropped), unless
///   ``unknownKeyStrategy`` is ``UnknownKeyStrategy/reject``: the upgrade tests of a
///   server can turn that on to catch a renamed field that would otherwise lose data.
/// - A tagged tuple with fewer elements than the enum case has fields decodes the missing
///   trailing ones as `nil` if they are optional.
///
/// Errors are ``TermDecodingError``s that name the coding path:
/// `State.table["a"]: expected integer, found atom foo`.
public struct TermDecoder: Sendable {
    /// What to do with a map key that the type being decoded does not ask for.
    public enum UnknownKeyStrategy: Hashable, Sendable {
        /// Ignore it: a field removed from a struct is dropped from old state.
        case ignore
        /// Refuse it with ``TermDecodingError/Code/unknownKey``.
        case reject
    }

    /// What to do with a map key that the type does not ask for; ``UnknownKeyStrategy/ignore`` by default.
    public var unknownKeyStrategy: UnknownKeyStrategy
    /// Values for `Decoder.userInfo`, which custom `init(from:)` methods may read.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init(unknownKeyStrategy: UnknownKeyStrategy = .ignore) {
        self.unknownKeyStrategy = unknownKeyStrategy
    }

    /// The value of type `type` that `term` holds.
    public func decode<T: Decodable>(_ type: T.Type, from term: Term) throws -> T {
        let options = TermDecoderState.Options(
            root: String(describing: T.self),
            unknownKeyStrategy: unknownKeyStrategy,
            userInfo: userInfo
        )
        let state = TermDecoderState(term: term, codingPath: [], options: options, log: nil)
        do {
            return try state.decodeTerm(T.self, from: term, at: nil)
        } catch let error as DecodingError {
            throw TermDecodingError(error, root: options.root)
        }
    }
}

extension TermDecodingError {
    /// The same problem as `error`, which custom or synthesized `init(from:)` code threw.
    init(_ error: DecodingError, root: String) {
        switch error {
        case .typeMismatch(_, let context):
            self.init(
                code: .typeMismatch,
                path: TermCodingPath.render(root: root, context.codingPath),
                message: context.debugDescription
            )
        case .valueNotFound(_, let context):
            self.init(
                code: .valueNotFound,
                path: TermCodingPath.render(root: root, context.codingPath),
                message: context.debugDescription
            )
        case .keyNotFound(let key, let context):
            self.init(
                code: .keyNotFound,
                path: TermCodingPath.render(root: root, context.codingPath + [key]),
                message: context.debugDescription
            )
        case .dataCorrupted(let context):
            self.init(
                code: .dataCorrupted,
                path: TermCodingPath.render(root: root, context.codingPath),
                message: context.debugDescription
            )
        @unknown default:
            self.init(code: .dataCorrupted, path: root, message: "\(error)")
        }
    }
}

// MARK: - The decoder

/// The map keys that the containers of one value have used, for ``TermDecoder/UnknownKeyStrategy/reject``.
final class TermKeyUsageLog {
    var maps: [(map: TermMap, used: Set<String>)] = []
}

/// A `Decoder` (and single value container) for one term at one coding path.
final class TermDecoderState: Decoder, SingleValueDecodingContainer {
    struct Options {
        var root: String
        var unknownKeyStrategy: TermDecoder.UnknownKeyStrategy
        var userInfo: [CodingUserInfoKey: any Sendable]
    }

    let term: Term
    let codingPath: [any CodingKey]
    let options: Options
    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }
    /// Where keyed containers over maps record the keys they use.
    /// `nil` unless ``TermDecoder/UnknownKeyStrategy/reject`` is on.
    fileprivate let log: TermKeyUsageLog?
    /// Whether a `String` may come from an atom: set while decoding a type with `String`
    /// raw values, which ``TermEncoder`` writes as an atom when it is an enum.
    fileprivate var stringsMayBeAtoms = false
    /// The name of an atom or tagged tuple that named no case of the enum being decoded.
    fileprivate var unknownCase: String?

    init(term: Term, codingPath: [any CodingKey], options: Options, log: TermKeyUsageLog?) {
        self.term = term
        self.codingPath = codingPath
        self.options = options
        self.log = log
    }

    // MARK: Errors

    func path(appending key: (any CodingKey)?) -> [any CodingKey] {
        guard let key else { return codingPath }
        return codingPath + [key]
    }

    func error(_ code: TermDecodingError.Code, at key: (any CodingKey)?, _ message: String) -> TermDecodingError {
        TermDecodingError(
            code: code,
            path: TermCodingPath.render(root: options.root, path(appending: key)),
            message: message
        )
    }

    func mismatch(expected: String, found term: Term, at key: (any CodingKey)?) -> TermDecodingError {
        error(.typeMismatch, at: key, "expected \(expected), found \(term.briefDescription)")
    }

    // MARK: Values

    /// A decoder for `term` at `key` below this one, for a part of the same value.
    fileprivate func nested(at key: (any CodingKey)?, term: Term) -> TermDecoderState {
        TermDecoderState(term: term, codingPath: path(appending: key), options: options, log: log)
    }

    /// The value of type `T` in `term`, which sits at `key` below this decoder's term.
    func decodeTerm<T: Decodable>(_ type: T.Type, from term: Term, at key: (any CodingKey)?) throws -> T {
        if T.self == Term.self { return Self.cast(term) }
        if T.self == [UInt8].self {
            guard case .binary(let bytes) = term else { throw mismatch(expected: "binary", found: term, at: key) }
            return Self.cast(bytes)
        }
        if let optional = T.self as? any TermDecodableOptional.Type {
            return Self.cast(try optional.decodeTerm(term, with: self, at: key))
        }
        if let dictionary = T.self as? any TermDecodableDictionary.Type {
            guard case .map(let map) = term else { throw mismatch(expected: "map", found: term, at: key) }
            return Self.cast(try dictionary.decodeTerm(map, with: nested(at: key, term: term)))
        }
        let child = TermDecoderState(
            term: term,
            codingPath: path(appending: key),
            options: options,
            log: options.unknownKeyStrategy == .reject ? TermKeyUsageLog() : nil
        )
        child.stringsMayBeAtoms = T.self is any RawRepresentable<String>.Type
        let value: T
        do {
            value = try T(from: child)
        } catch is DecodingError where child.unknownCase != nil {
            throw child.error(.unknownCase, at: nil, "\(child.unknownCase ?? "") is no case of \(T.self)")
        } catch let error as DecodingError where child.stringsMayBeAtoms {
            if case .dataCorrupted = error {
                throw child.error(.unknownCase, at: nil, "\(term.briefDescription) is no case of \(T.self)")
            }
            throw error
        }
        if options.unknownKeyStrategy == .reject { try child.rejectUnknownKeys(of: T.self) }
        return value
    }

    private static func cast<T>(_ value: Any) -> T {
        guard let result = value as? T else {
            preconditionFailure("a decoder returned \(type(of: value)), not \(T.self)")
        }
        return result
    }

    private func rejectUnknownKeys<T>(of type: T.Type) throws {
        for (map, used) in log?.maps ?? [] {
            for entry in map.entries {
                if case .atom(let name) = entry.key, used.contains(name) { continue }
                throw error(
                    .unknownKey,
                    at: nil,
                    "unknown key \(entry.key.briefSpelling(budget: 40)): \(T.self) has no such field"
                )
            }
        }
    }

    // MARK: Scalars

    func bool(_ term: Term, at key: (any CodingKey)?) throws -> Bool {
        guard let value = term.boolValue else { throw mismatch(expected: "true or false", found: term, at: key) }
        return value
    }

    func string(_ term: Term, at key: (any CodingKey)?, atoms: Bool = false) throws -> String {
        switch term {
        case .binary(let bytes):
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw error(.dataCorrupted, at: key, "binary is not UTF-8 text: \(term.briefSpelling(budget: 40))")
            }
            return text
        case .atom(let name) where atoms:
            return name
        default:
            throw mismatch(expected: atoms ? "atom or binary" : "binary", found: term, at: key)
        }
    }

    func double(_ term: Term, at key: (any CodingKey)?) throws -> Double {
        guard case .float(let value) = term else { throw mismatch(expected: "float", found: term, at: key) }
        return value
    }

    func float(_ term: Term, at key: (any CodingKey)?) throws -> Float {
        let value = try double(term, at: key)
        let narrow = Float(value)
        guard narrow.isFinite else { throw error(.valueOutOfRange, at: key, "float \(value) out of range for Float") }
        return narrow
    }

    func integer<I: FixedWidthInteger>(_ type: I.Type, _ term: Term, at key: (any CodingKey)?) throws -> I {
        switch term {
        case .integer(let value):
            if let result = I(exactly: value) { return result }
        case .bigInteger(let value):
            let bytes = value.littleEndianMagnitude
            if bytes.count <= 16 {
                var magnitude: UInt128 = 0
                for (index, byte) in bytes.enumerated() { magnitude |= UInt128(byte) << (8 * index) }
                if !value.isNegative, let result = I(exactly: magnitude) { return result }
                if value.isNegative, I.isSigned, let belowMagnitude = I(exactly: magnitude - 1) {
                    return 0 - belowMagnitude - 1  // -magnitude, reaching I.min without overflow
                }
            }
        default:
            throw mismatch(expected: "integer", found: term, at: key)
        }
        throw error(.valueOutOfRange, at: key, "integer \(term.briefSpelling(budget: 60)) out of range for \(I.self)")
    }

    // MARK: Decoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch term {
        case .map(let map):
            let index = log?.maps.count
            log?.maps.append((map, []))
            return KeyedDecodingContainer(TermKeyedDecodingContainer<Key>(decoder: self, map: map, logIndex: index))
        case .atom(let name):
            return KeyedDecodingContainer(TermEnumDecodingContainer<Key>(decoder: self, caseName: name, payload: []))
        case .tuple(let elements):
            if case .atom(let name)? = elements.first {
                return KeyedDecodingContainer(
                    TermEnumDecodingContainer<Key>(decoder: self, caseName: name, payload: Array(elements.dropFirst()))
                )
            }
        default:
            break
        }
        throw mismatch(expected: "map", found: term, at: nil)
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let elements = term.listElements else { throw mismatch(expected: "list", found: term, at: nil) }
        return TermUnkeyedDecodingContainer(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    // MARK: SingleValueDecodingContainer

    func decodeNil() -> Bool { term == TermCodingConstants.undefined }
    func decode(_ type: Bool.Type) throws -> Bool { try bool(term, at: nil) }
    func decode(_ type: String.Type) throws -> String { try string(term, at: nil, atoms: stringsMayBeAtoms) }
    func decode(_ type: Double.Type) throws -> Double { try double(term, at: nil) }
    func decode(_ type: Float.Type) throws -> Float { try float(term, at: nil) }
    func decode(_ type: Int.Type) throws -> Int { try integer(type, term, at: nil) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type, term, at: nil) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type, term, at: nil) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type, term, at: nil) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type, term, at: nil) }
    func decode(_ type: Int128.Type) throws -> Int128 { try integer(type, term, at: nil) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type, term, at: nil) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type, term, at: nil) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type, term, at: nil) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type, term, at: nil) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type, term, at: nil) }
    func decode(_ type: UInt128.Type) throws -> UInt128 { try integer(type, term, at: nil) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeTerm(type, from: term, at: nil) }
}

// MARK: - Containers

/// A struct's fields: a map with atom keys.
private struct TermKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
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
private struct TermEnumDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
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
private final class TermPayloadPositions {
    var positions: [String: Int] = [:]

    func position(of key: some CodingKey) -> Int {
        if let known = positions[key.stringValue] { return known }
        var position = positions.count
        if key.stringValue.first == "_", let index = Int(key.stringValue.dropFirst()) { position = index }
        positions[key.stringValue] = position
        return position
    }
}

private struct TermPayloadDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
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
private struct TermUnkeyedDecodingContainer: UnkeyedDecodingContainer {
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
