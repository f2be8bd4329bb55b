//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// MARK: - Literal conveniences
//
// A string literal is an atom (`"kv"`, `"permanent"`: the common case in release
// files and messages); write `.string("text")` for an Erlang string and
// `.binary("text")` for a binary. `true`/`false` are the atoms.

extension Term: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .atom(value) }
}

extension Term: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .integer(value) }
}

extension Term: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .float(value) }
}

extension Term: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
}

extension Term: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: Term...) { self = .list(elements) }
}

extension Term: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (Term, Term)...) { self = .map(TermMap(elements)) }
}
