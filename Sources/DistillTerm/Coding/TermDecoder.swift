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
    let log: TermKeyUsageLog?
    /// Whether a `String` may come from an atom: set while decoding a type with `String`
    /// raw values, which ``TermEncoder`` writes as an atom when it is an enum.
    private(set) var stringsMayBeAtoms = false
    /// The name of an atom or tagged tuple that named no case of the enum being decoded.
    var unknownCase: String?

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
    func nested(at key: (any CodingKey)?, term: Term) -> TermDecoderState {
        TermDecoderState(term: term, codingPath: path(appending: key), options: options, log: log)
    }

    /// The value of type `T` in `term`, which sits at `key` below this decoder's term.
    func decodeTerm<T: Decodable>(_ type: T.Type, from term: Term, at key: (any CodingKey)?) throws -> T {
        if T.self == Term.self { return Self.cast(term) }
        // The commonest leaves without a nested decoder; anything unusual takes the long way
        // (and gets its error there).
        if T.self == String.self, case .binary(let bytes) = term, let text = String(validating: bytes, as: UTF8.self) {
            return Self.cast(text)
        }
        if T.self == Int.self, case .integer(let number) = term { return Self.cast(number) }
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
