//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Encodes `Encodable` Swift values as terms, the form in which server state crosses code
/// versions and messages cross the control channel.
///
/// The mapping (the article "Codable mapping" gives the reasons):
///
/// | Swift | Term |
/// |---|---|
/// | struct, class (keyed container) | map with atom keys: `#{name => ..., count => ...}` |
/// | array, set (unkeyed container) | list |
/// | `[UInt8]` | binary |
/// | `String` | binary (UTF-8): `<<"text">>` |
/// | `Int`, `Int8`…`Int128`, `UInt`…`UInt128` | integer (big when needed) |
/// | `Double`, `Float` | float; NaN and infinities are refused (Erlang has none) |
/// | `Bool` | atom `true` or `false` |
/// | `nil` | atom `undefined`, also for a struct's optional field (the key is kept) |
/// | enum with `String` raw values | atom of the raw value |
/// | enum case without payload | atom of the case name: `idle` |
/// | enum case with payload | tagged tuple in declaration order: `{moved, 3, 4}` |
/// | `Dictionary` | map; its keys encode by these same rules (`String` keys as binaries) |
/// | `Term` | itself, unchanged |
///
/// Encoding fails with `EncodingError.invalidValue` for a float that is NaN or infinite,
/// for two dictionary keys that encode as the same term, and for an optional whose value
/// encodes as the atom `undefined` (it would decode as `nil`): a round trip through
/// ``TermDecoder`` gives back an equal value or an error, never a different value.
public struct TermEncoder: Sendable {
    /// Values for `Encoder.userInfo`, which custom `encode(to:)` methods may read.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init() {}

    /// The term for `value`.
    public func encode<T: Encodable>(_ value: T) throws -> Term {
        try TermEncoderState(codingPath: [], userInfo: userInfo).encodeTerm(value, at: nil)
    }
}

// MARK: - The encoder

/// An `Encoder` for one value at one coding path; it encodes nested values with children.
final class TermEncoderState: Encoder {
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any]
    private let sendableUserInfo: [CodingUserInfoKey: any Sendable]
    /// What the value wrote, once it asks for a container.
    fileprivate var storage: TermEncodingSlot?
    /// Whether `String` values written to the single value container are atoms: set while
    /// encoding an enum with `String` raw values.
    fileprivate var stringsAreAtoms = false

    init(codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable]) {
        self.codingPath = codingPath
        sendableUserInfo = userInfo
        self.userInfo = userInfo
    }

    /// The coding path of a value at `key` below this one.
    func path(appending key: (any CodingKey)?) -> [any CodingKey] {
        guard let key else { return codingPath }
        return codingPath + [key]
    }

    /// An encoder for the value at `key` below this one.
    func nested(at key: (any CodingKey)?) -> TermEncoderState {
        TermEncoderState(codingPath: path(appending: key), userInfo: sendableUserInfo)
    }

    /// The term for `value`, which sits at `key` below this encoder's value.
    func encodeTerm<T: Encodable>(_ value: T, at key: (any CodingKey)?) throws -> Term {
        // Exact type tests: a dynamic cast would take an empty `[Int]` for a `[UInt8]`, and
        // unwrap a `Term?` into a `Term`.
        if T.self == Term.self, let term = value as? Term { return term }
        if T.self == [UInt8].self, let bytes = value as? [UInt8] { return .binary(bytes) }
        // The commonest leaves as their single value containers write them, without a nested
        // encoder (a map of 10,000 strings encodes about ten times faster).
        if T.self == String.self, let text = value as? String { return .binary(text) }
        if T.self == Int.self, let number = value as? Int { return .integer(number) }
        if T.self == Bool.self, let flag = value as? Bool { return .boolean(flag) }
        if let optional = value as? any TermEncodableOptional { return try optional.encodeTerm(with: self, at: key) }
        if let dictionary = value as? any TermEncodableDictionary {
            return try dictionary.encodeTerm(with: self, at: key)
        }
        let child = nested(at: key)
        if value is any RawRepresentable<String>, Mirror(reflecting: value).displayStyle == .enum {
            child.stringsAreAtoms = true
        }
        try value.encode(to: child)
        guard let slot = child.storage else { return .map(TermMap()) }
        if let tagged = try Self.enumCase(slot), Mirror(reflecting: value).displayStyle == .enum { return tagged }
        return try slot.term()
    }

    /// An enum case as Swift's synthesized `Codable` writes it, a keyed container holding
    /// one key (the case name) whose value is a keyed container of the payload in
    /// declaration order, as an atom or a tagged tuple; `nil` for any other shape.
    private static func enumCase(_ slot: TermEncodingSlot) throws -> Term? {
        guard case .keyed(let outer) = slot, outer.entries.count == 1 else { return nil }
        let (name, payloadSlot) = outer.entries[0]
        let payload: TermKeyedStorage
        switch payloadSlot {
        case .keyed(let storage):
            payload = storage
        case .encoder(let encoder):
            guard case .keyed(let storage)? = encoder.storage else { return nil }
            payload = storage
        default:
            return nil
        }
        if payload.entries.isEmpty { return .atom(name) }
        return .tuple([.atom(name)] + (try payload.entries.map { try $0.value.term() }))
    }

    // MARK: Encoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let storage: TermKeyedStorage
        switch self.storage {
        case .keyed(let existing)?:
            storage = existing
        case nil:
            storage = TermKeyedStorage()
            self.storage = .keyed(storage)
        default:
            preconditionFailure("\(codingPath): a value asked for a keyed container after another kind")
        }
        return KeyedEncodingContainer(TermKeyedEncodingContainer<Key>(encoder: self, storage: storage))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let storage: TermUnkeyedStorage
        switch self.storage {
        case .unkeyed(let existing)?:
            storage = existing
        case nil:
            storage = TermUnkeyedStorage()
            self.storage = .unkeyed(storage)
        default:
            preconditionFailure("\(codingPath): a value asked for an unkeyed container after another kind")
        }
        return TermUnkeyedEncodingContainer(encoder: self, storage: storage)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { TermSingleValueEncodingContainer(encoder: self) }

    // MARK: Scalars

    fileprivate func float(_ value: Double, at key: (any CodingKey)?) throws -> Term {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value,
                EncodingError.Context(
                    codingPath: path(appending: key),
                    debugDescription: "Erlang has no float \(value)"
                )
            )
        }
        return .float(value)
    }
}

// MARK: - Storage

/// What a value wrote: a finished term, or a container still being filled.
enum TermEncodingSlot {
    case term(Term)
    case keyed(TermKeyedStorage)
    case unkeyed(TermUnkeyedStorage)
    /// A `superEncoder`, read when the parent finishes.
    case encoder(TermEncoderState)

    func term() throws -> Term {
        switch self {
        case .term(let term):
            return term
        case .keyed(let storage):
            var entries = try storage.entries.map { TermMap.Entry(key: .atom($0.key), value: try $0.value.term()) }
            entries.sort { Term.mapKeyOrder($0.key, $1.key) < 0 }
            return .map(TermMap(uncheckedSortedEntries: entries))
        case .unkeyed(let storage):
            return .list(try storage.elements.map { try $0.term() })
        case .encoder(let encoder):
            return try encoder.storage?.term() ?? .map(TermMap())
        }
    }
}

/// The fields of a keyed container, in the order they were first written.
final class TermKeyedStorage {
    private(set) var entries: [(key: String, value: TermEncodingSlot)] = []
    private var positions: [String: Int] = [:]

    func set(_ key: String, _ value: TermEncodingSlot) {
        if let position = positions[key] {
            entries[position].value = value
        } else {
            positions[key] = entries.count
            entries.append((key, value))
        }
    }
}

final class TermUnkeyedStorage {
    var elements: [TermEncodingSlot] = []
}

// MARK: - Containers

private struct TermKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: TermEncoderState
    let storage: TermKeyedStorage
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func put(_ term: Term, _ key: Key) { storage.set(key.stringValue, .term(term)) }

    mutating func encodeNil(forKey key: Key) throws { put(TermCodingConstants.undefined, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.boolean(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.binary(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(try encoder.float(value, at: key), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(try encoder.float(Double(value), at: key), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.integer(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(.integer(Int(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(.integer(Int(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(.integer(Int(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(.integer(Int(value)), key) }
    mutating func encode(_ value: Int128, forKey key: Key) throws { put(.integer(exactly: value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(.integer(exactly: value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.integer(Int(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.integer(Int(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.integer(Int(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(.integer(exactly: value), key) }
    mutating func encode(_ value: UInt128, forKey key: Key) throws { put(.integer(exactly: value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        put(try encoder.encodeTerm(value, at: key), key)
    }

    // `nil` is `undefined`, not a missing key (Swift's default would leave the key out).
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int128?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt128?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try encodeOptional(value, key) }

    private mutating func encodeOptional<T: Encodable>(_ value: T?, _ key: Key) throws {
        put(try encoder.encodeTerm(value, at: key), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    )
        -> KeyedEncodingContainer<NestedKey>
    {
        let nested = encoder.nested(at: key)
        let container = nested.container(keyedBy: NestedKey.self)
        storage.set(key.stringValue, .encoder(nested))
        return container
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = encoder.nested(at: key)
        let container = nested.unkeyedContainer()
        storage.set(key.stringValue, .encoder(nested))
        return container
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: "super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue) }

    private func superEncoder(named name: String) -> any Encoder {
        let nested = encoder.nested(at: TermFieldKey(name))
        storage.set(name, .encoder(nested))
        return nested
    }
}

private struct TermUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let encoder: TermEncoderState
    let storage: TermUnkeyedStorage
    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { storage.elements.count }

    private func put(_ term: Term) { storage.elements.append(.term(term)) }
    private var nextKey: TermIndexKey { TermIndexKey(storage.elements.count) }

    mutating func encodeNil() throws { put(TermCodingConstants.undefined) }
    mutating func encode(_ value: Bool) throws { put(.boolean(value)) }
    mutating func encode(_ value: String) throws { put(.binary(value)) }
    mutating func encode(_ value: Double) throws { put(try encoder.float(value, at: nextKey)) }
    mutating func encode(_ value: Float) throws { put(try encoder.float(Double(value), at: nextKey)) }
    mutating func encode(_ value: Int) throws { put(.integer(value)) }
    mutating func encode(_ value: Int8) throws { put(.integer(Int(value))) }
    mutating func encode(_ value: Int16) throws { put(.integer(Int(value))) }
    mutating func encode(_ value: Int32) throws { put(.integer(Int(value))) }
    mutating func encode(_ value: Int64) throws { put(.integer(Int(value))) }
    mutating func encode(_ value: Int128) throws { put(.integer(exactly: value)) }
    mutating func encode(_ value: UInt) throws { put(.integer(exactly: value)) }
    mutating func encode(_ value: UInt8) throws { put(.integer(Int(value))) }
    mutating func encode(_ value: UInt16) throws { put(.integer(Int(value))) }
    mutating func encode(_ value: UInt32) throws { put(.integer(Int(value))) }
    mutating func encode(_ value: UInt64) throws { put(.integer(exactly: value)) }
    mutating func encode(_ value: UInt128) throws { put(.integer(exactly: value)) }

    mutating func encode<T: Encodable>(_ value: T) throws { put(try encoder.encodeTerm(value, at: nextKey)) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = encoder.nested(at: nextKey)
        let container = nested.container(keyedBy: NestedKey.self)
        storage.elements.append(.encoder(nested))
        return container
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = encoder.nested(at: nextKey)
        let container = nested.unkeyedContainer()
        storage.elements.append(.encoder(nested))
        return container
    }

    mutating func superEncoder() -> any Encoder {
        let nested = encoder.nested(at: nextKey)
        storage.elements.append(.encoder(nested))
        return nested
    }
}

private struct TermSingleValueEncodingContainer: SingleValueEncodingContainer {
    let encoder: TermEncoderState
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func put(_ term: Term) {
        if encoder.storage != nil { preconditionFailure("\(codingPath): a single value container was written twice") }
        encoder.storage = .term(term)
    }

    mutating func encodeNil() throws { put(TermCodingConstants.undefined) }
    mutating func encode(_ value: Bool) throws { put(.boolean(value)) }
    mutating func encode(_ value: String) throws { put(encoder.stringsAreAtoms ? .atom(value) : .binary(value)) }
    mutating func encode(_ value: Double) throws { put(try encoder.float(value, at: nil)) }
    mutating func encode(_ value: Float) throws { put(try encoder.float(Double(value), at: nil)) }
    mutating func encode(_ value: Int) throws { put(.integer(value)) }
    mutating func encode(_ value: Int8) throws { put(.integer(Int(value))) }
    mutating func encode(_ value: Int16) throws { put(.integer(Int(value))) }
    mutating func encode(_ value: Int32) throws { put(.integer(Int(value))) }
    mutating func encode(_ value: Int64) throws { put(.integer(Int(value))) }
    mutating func encode(_ value: Int128) throws { put(.integer(exactly: value)) }
    mutating func encode(_ value: UInt) throws { put(.integer(exactly: value)) }
    mutating func encode(_ value: UInt8) throws { put(.integer(Int(value))) }
    mutating func encode(_ value: UInt16) throws { put(.integer(Int(value))) }
    mutating func encode(_ value: UInt32) throws { put(.integer(Int(value))) }
    mutating func encode(_ value: UInt64) throws { put(.integer(exactly: value)) }
    mutating func encode(_ value: UInt128) throws { put(.integer(exactly: value)) }

    mutating func encode<T: Encodable>(_ value: T) throws { put(try encoder.encodeTerm(value, at: nil)) }
}

// MARK: - Integers of any width

extension Term {
    /// The integer `value` of any width, as `.integer(Int)` when it fits in `Int`.
    static func integer(exactly value: some BinaryInteger) -> Term {
        if let small = Int(exactly: value) { return .integer(small) }
        var bytes: [UInt8] = []
        for word in value.magnitude.words {
            for shift in stride(from: 0, to: UInt.bitWidth, by: 8) {
                bytes.append(UInt8(truncatingIfNeeded: word >> shift))
            }
        }
        return .integer(BigInteger(isNegative: value < 0, littleEndianMagnitude: bytes))
    }
}
