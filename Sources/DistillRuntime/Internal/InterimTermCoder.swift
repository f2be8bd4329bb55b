//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A small `Codable` ⇄ ``Term`` mapping used by ``StateCoding`` until DistillTerm's
/// `TermEncoder`/`TermDecoder` are merged: a keyed container is a map with atom keys, an
/// unkeyed container a list, a string a UTF-8 binary, a `Bool` an atom, `nil` the atom
/// `undefined`, integers and floats themselves.
enum InterimTermCoder {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func encode<Value: Encodable>(_ value: Value) throws -> Term {
        let encoder = TreeEncoder(codingPath: [])
        try value.encode(to: encoder)
        return encoder.storage.term
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from term: Term) throws -> Value {
        try Value(from: TreeDecoder(term: term, codingPath: []))
    }
}

// MARK: - Encoding

private final class TreeNode {
    enum Kind {
        case value(Term)
        case map([(String, TreeNode)])
        case list([TreeNode])
    }
    var kind: Kind = .value(.atom("undefined"))

    var term: Term {
        switch kind {
        case .value(let term): return term
        case .map(let entries): return .map(TermMap(entries.map { (.atom($0.0), $0.1.term) }))
        case .list(let nodes): return .list(nodes.map(\.term))
        }
    }
}

private struct TreeEncoder: Encoder {
    let storage = TreeNode()
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .map = storage.kind {} else { storage.kind = .map([]) }
        return KeyedEncodingContainer(KeyedContainer<Key>(node: storage, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .list = storage.kind {} else { storage.kind = .list([]) }
        return UnkeyedContainer(node: storage, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(node: storage, codingPath: codingPath) }
}

private func encodeValue<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> TreeNode {
    let encoder = TreeEncoder(codingPath: codingPath)
    switch value {
    case let string as String: encoder.storage.kind = .value(.binary(string))
    case let bool as Bool: encoder.storage.kind = .value(.boolean(bool))
    case let int as Int: encoder.storage.kind = .value(.integer(int))
    case let double as Double: encoder.storage.kind = .value(.float(double))
    default: try value.encode(to: encoder)
    }
    return encoder.storage
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: TreeNode
    var codingPath: [any CodingKey]

    private func append(_ key: Key, _ child: TreeNode) {
        guard case .map(var entries) = node.kind else { return }
        entries.removeAll { $0.0 == key.stringValue }
        entries.append((key.stringValue, child))
        node.kind = .map(entries)
    }

    mutating func encodeNil(forKey key: Key) throws {
        let child = TreeNode()
        append(key, child)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        append(key, try encodeValue(value, codingPath: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let child = TreeNode()
        child.kind = .map([])
        append(key, child)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = TreeNode()
        child.kind = .list([])
        append(key, child)
        return UnkeyedContainer(node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { TreeEncoder(codingPath: codingPath + [key]) }
}

private struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ index: Int) {
        stringValue = "\(index)"
        intValue = index
    }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.init(intValue) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: TreeNode
    var codingPath: [any CodingKey]
    var count: Int {
        if case .list(let nodes) = node.kind { return nodes.count }
        return 0
    }

    private func append(_ child: TreeNode) {
        guard case .list(var nodes) = node.kind else { return }
        nodes.append(child)
        node.kind = .list(nodes)
    }

    mutating func encodeNil() throws { append(TreeNode()) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        append(try encodeValue(value, codingPath: codingPath + [IndexKey(count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        let child = TreeNode()
        child.kind = .map([])
        append(child)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = TreeNode()
        child.kind = .list([])
        append(child)
        return UnkeyedContainer(node: child, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(codingPath: codingPath) }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let node: TreeNode
    var codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.kind = .value(.atom("undefined")) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        node.kind = try encodeValue(value, codingPath: codingPath).kind
    }
}

// MARK: - Decoding

private struct TreeDecoder: Decoder {
    let term: Term
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func failure(_ what: String) -> InterimTermCoder.Failure {
        let path = codingPath.map(\.stringValue).joined(separator: ".")
        return InterimTermCoder.Failure(description: "expected \(what) at '\(path)', found \(term)")
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let map = term.mapValue else { throw failure("a map") }
        var entries: [String: Term] = [:]
        for entry in map {
            if let name = entry.key.atomValue { entries[name] = entry.value }
        }
        return KeyedDecodingContainer(KeyedReader<Key>(entries: entries, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let elements = term.listElements else { throw failure("a list") }
        return UnkeyedReader(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleReader(decoder: self) }
}

private func decodeValue<T: Decodable>(_ type: T.Type, _ term: Term, codingPath: [any CodingKey]) throws -> T {
    let decoder = TreeDecoder(term: term, codingPath: codingPath)
    switch type {
    case is String.Type:
        guard let bytes = term.binaryValue else { throw decoder.failure("a binary") }
        return String(decoding: bytes, as: UTF8.self) as! T
    case is Bool.Type:
        guard let value = term.boolValue else { throw decoder.failure("true or false") }
        return value as! T
    case is Int.Type:
        guard let value = term.intValue else { throw decoder.failure("an integer") }
        return value as! T
    case is Double.Type:
        guard let value = term.floatValue else { throw decoder.failure("a float") }
        return value as! T
    default:
        return try T(from: decoder)
    }
}

private struct KeyedReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let entries: [String: Term]
    var codingPath: [any CodingKey]
    var allKeys: [Key] { entries.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { entries[key.stringValue] != nil }

    private func value(_ key: Key) throws -> Term {
        guard let term = entries[key.stringValue] else {
            throw InterimTermCoder.Failure(description: "missing key '\(key.stringValue)'")
        }
        return term
    }

    func decodeNil(forKey key: Key) throws -> Bool { entries[key.stringValue] == nil || entries[key.stringValue] == .atom("undefined") }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decodeValue(type, try value(key), codingPath: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try TreeDecoder(term: try value(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try TreeDecoder(term: try value(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { TreeDecoder(term: .map(TermMap([])), codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { TreeDecoder(term: try value(key), codingPath: codingPath) }
}

private struct UnkeyedReader: UnkeyedDecodingContainer {
    let elements: [Term]
    var codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    init(elements: [Term], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    private mutating func next() throws -> Term {
        guard !isAtEnd else { throw InterimTermCoder.Failure(description: "list ended early") }
        defer { currentIndex += 1 }
        return elements[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        if !isAtEnd, elements[currentIndex] == .atom("undefined") {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let path = codingPath + [IndexKey(currentIndex)]
        return try decodeValue(type, try next(), codingPath: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try TreeDecoder(term: try next(), codingPath: codingPath).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try TreeDecoder(term: try next(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { TreeDecoder(term: try next(), codingPath: codingPath) }
}

private struct SingleReader: SingleValueDecodingContainer {
    let decoder: TreeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.term == .atom("undefined") }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decodeValue(type, decoder.term, codingPath: codingPath)
    }
}
