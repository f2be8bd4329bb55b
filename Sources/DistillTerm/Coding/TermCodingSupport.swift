//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// MARK: - Coding keys of our own

/// The position of an element in a list or tuple: `[3]` in a coding path.
struct TermIndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }

    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

/// A key of a Swift dictionary, held as the term it encodes to: `["a"]` or `[42]` in a
/// coding path.
struct TermMapKey: CodingKey {
    var key: Term
    var stringValue: String { key.briefSpelling(budget: 40) }
    var intValue: Int? { key.intValue }

    init(_ key: Term) { self.key = key }
    init?(stringValue: String) { key = .binary(stringValue) }
    init?(intValue: Int) { key = .integer(intValue) }
}

/// A field name that comes from the data (an atom key, `super`), not from a `CodingKeys`.
struct TermFieldKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

// MARK: - Coding paths

enum TermCodingPath {
    /// `Root.field[2]["key"].other`: the root type's name, then `.field` for a struct field
    /// or enum case, `[n]` for a list or tuple position, `[key]` for a dictionary key (an
    /// Erlang spelling: `["a"]` for a String key, `[42]` for an integer).
    static func render(root: String, _ path: [any CodingKey]) -> String {
        var text = root
        for key in path {
            switch key {
            case let index as TermIndexKey:
                text += "[\(index.intValue ?? 0)]"
            case let mapKey as TermMapKey:
                if case .binary(let bytes) = mapKey.key, let string = String(validating: bytes, as: UTF8.self) {
                    text += "[\"\(string)\"]"
                } else {
                    text += "[\(mapKey.stringValue)]"
                }
            default:
                if let index = key.intValue, key.stringValue == "Index \(index)" {
                    text += "[\(index)]"  // a container's own index key
                } else {
                    text += ".\(key.stringValue)"
                }
            }
        }
        return text
    }
}

// MARK: - Types the coders treat specially

/// `Optional` with an encodable payload: `nil` is written as `undefined` wherever it appears.
protocol TermEncodableOptional {
    func encodeTerm(with encoder: TermEncoderState, at key: (any CodingKey)?) throws -> Term
}

extension Optional: TermEncodableOptional where Wrapped: Encodable {
    func encodeTerm(with encoder: TermEncoderState, at key: (any CodingKey)?) throws -> Term {
        guard let wrapped = self else { return TermCodingConstants.undefined }
        let term = try encoder.encodeTerm(wrapped, at: key)
        if term == TermCodingConstants.undefined {
            throw EncodingError.invalidValue(
                self as Any,
                EncodingError.Context(
                    codingPath: encoder.path(appending: key),
                    debugDescription: "\(Wrapped.self) value encodes as the atom undefined, which would decode as nil"
                )
            )
        }
        return term
    }
}

/// `Optional` with a decodable payload: `undefined` (or a missing key) decodes as `nil`.
protocol TermDecodableOptional {
    static func decodeTerm(_ term: Term, with decoder: TermDecoderState, at key: (any CodingKey)?) throws -> Self
}

extension Optional: TermDecodableOptional where Wrapped: Decodable {
    static func decodeTerm(_ term: Term, with decoder: TermDecoderState, at key: (any CodingKey)?) throws -> Self {
        if term == TermCodingConstants.undefined { return nil }
        return try decoder.decodeTerm(Wrapped.self, from: term, at: key)
    }
}

/// `Dictionary` with encodable keys and values: a map of the encoded keys and values.
protocol TermEncodableDictionary {
    func encodeTerm(with encoder: TermEncoderState, at key: (any CodingKey)?) throws -> Term
}

extension Dictionary: TermEncodableDictionary where Key: Encodable, Value: Encodable {
    func encodeTerm(with encoder: TermEncoderState, at key: (any CodingKey)?) throws -> Term {
        let inner = encoder.nested(at: key)
        var entries: [TermMap.Entry] = []
        entries.reserveCapacity(count)
        for (entryKey, entryValue) in self {
            let keyTerm = try inner.encodeTerm(entryKey, at: nil)
            let valueTerm = try inner.encodeTerm(entryValue, at: TermMapKey(keyTerm))
            entries.append(TermMap.Entry(key: keyTerm, value: valueTerm))
        }
        entries.sort { Term.mapKeyOrder($0.key, $1.key) < 0 }
        for index in entries.indices.dropFirst() where Term.mapKeyOrder(entries[index - 1].key, entries[index].key) == 0
        {
            throw EncodingError.invalidValue(
                self,
                EncodingError.Context(
                    codingPath: inner.codingPath,
                    debugDescription: "two keys encode as the same term \(entries[index].key.briefDescription)"
                )
            )
        }
        return .map(TermMap(uncheckedSortedEntries: entries))
    }
}

/// `Dictionary` with decodable keys and values, from a map of any keys.
protocol TermDecodableDictionary {
    static func decodeTerm(_ map: TermMap, with decoder: TermDecoderState) throws -> Self
}

extension Dictionary: TermDecodableDictionary where Key: Decodable, Value: Decodable {
    static func decodeTerm(_ map: TermMap, with decoder: TermDecoderState) throws -> Self {
        var dictionary: Self = [:]
        dictionary.reserveCapacity(map.count)
        for entry in map.entries {
            let key = try decoder.decodeTerm(Key.self, from: entry.key, at: TermMapKey(entry.key))
            let value = try decoder.decodeTerm(Value.self, from: entry.value, at: TermMapKey(entry.key))
            if dictionary.updateValue(value, forKey: key) != nil {
                throw decoder.error(
                    .duplicateKey,
                    at: TermMapKey(entry.key),
                    "two map keys decode as the same \(Key.self) key"
                )
            }
        }
        return dictionary
    }
}

enum TermCodingConstants {
    static let undefined = Term.atom("undefined")
}
