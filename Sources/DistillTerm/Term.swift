//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// An Erlang term: the one data model of every file swift-distill reads or writes
/// and of every message a process sends.
///
/// Erlang has no separate string type: `"ab"` is the list `[97, 98]`. ``Term`` keeps
/// a ``string(_:)`` case because most strings in release files are text, but the two
/// spellings are the same term: `.string("ab") == .list([97, 98])`, `.string("") ==
/// .list([])`, and they hash alike. Likewise an integer is the same term whether it is
/// held as ``integer(_:)`` or ``bigInteger(_:)``; build integers with ``integer(_:)-swift.type.method``
/// so that ``bigInteger(_:)`` only ever holds values beyond `Int`.
///
/// Equality is Erlang's exact equality (`=:=`): `1` and `1.0` are different terms.
/// ``Term`` is `Comparable` in Erlang's term order (see `Term+Order.swift`).
///
/// Scalars and the buffers of strings, binaries, lists, tuples and maps are held inline
/// (a 24-byte stride); only the rare, larger cases (improper lists, pids, references) are
/// boxed, so building a term allocates once per container rather than once per element.
public enum Term: Sendable {
    /// An atom, by its name (at most 255 characters).
    case atom(String)
    /// An integer that fits in `Int`.
    case integer(Int)
    /// An integer beyond `Int`; normalised values only (see ``Term/integer(_:)-swift.type.method``).
    case bigInteger(BigInteger)
    /// A 64-bit IEEE float. Erlang has no NaN or infinities.
    case float(Double)
    /// A proper list of Unicode code points, spelled as text.
    case string(String)
    /// A binary (a bit string whose length is a whole number of bytes).
    case binary([UInt8])
    /// A proper list. `[]` is Erlang's nil.
    case list([Term])
    /// A list whose last tail is not `[]`: `[a, b | c]`. `elements` is never empty and
    /// `tail` is never a list.
    indirect case improperList([Term], tail: Term)
    /// A tuple.
    case tuple([Term])
    /// A map.
    case map(TermMap)
    /// A process identifier.
    indirect case pid(Pid)
    /// A reference (`make_ref()`).
    indirect case reference(Reference)
}

// MARK: - Normalising constructors

extension Term {
    /// The integer `value`, as ``integer(_:)`` when it fits in `Int`.
    public static func integer(_ value: BigInteger) -> Term {
        if let small = value.intValue { return .integer(small) }
        return .bigInteger(value)
    }

    /// `[elements | tail]`, normalised: a list tail is spliced in, so the result is a
    /// proper ``list(_:)`` when `tail` is a proper list.
    public static func list(_ elements: [Term], tail: Term) -> Term {
        if let rest = tail.listElements { return .list(elements + rest) }
        if case .improperList(let more, let last) = tail { return .improperList(elements + more, tail: last) }
        if elements.isEmpty { return tail }
        return .improperList(elements, tail: tail)
    }

    /// The binary holding `text` as UTF-8: `<<"text"/utf8>>`.
    public static func binary(_ text: String) -> Term { .binary(Array(text.utf8)) }

    /// The atoms `true` and `false`.
    public static func boolean(_ value: Bool) -> Term { .atom(value ? "true" : "false") }

    /// Erlang's empty list, `[]`.
    public static var `nil`: Term { .list([]) }
}

// MARK: - Reading a term

extension Term {
    /// The name if this is an atom.
    public var atomValue: String? {
        if case .atom(let name) = self { return name }
        return nil
    }

    /// The value if this is an integer that fits in `Int`.
    public var intValue: Int? {
        switch self {
        case .integer(let value): return value
        case .bigInteger(let value): return value.intValue
        default: return nil
        }
    }

    /// The value if this is an integer of any size.
    public var integerValue: BigInteger? {
        switch self {
        case .integer(let value): return BigInteger(value)
        case .bigInteger(let value): return value
        default: return nil
        }
    }

    /// The value if this is a float.
    public var floatValue: Double? {
        if case .float(let value) = self { return value }
        return nil
    }

    /// The text if this is a string: ``string(_:)``, or a proper list of integers that
    /// are all Unicode scalar values (the empty list is the empty string).
    public var stringValue: String? {
        switch self {
        case .string(let text):
            return text
        case .list(let elements):
            var scalars = String.UnicodeScalarView()
            for element in elements {
                guard case .integer(let code) = element, (0...0x10FFFF).contains(code),
                    let scalar = Unicode.Scalar(UInt32(code))
                else { return nil }
                scalars.append(scalar)
            }
            return String(scalars)
        default:
            return nil
        }
    }

    /// The bytes if this is a binary.
    public var binaryValue: [UInt8]? {
        if case .binary(let bytes) = self { return bytes }
        return nil
    }

    /// The elements if this is a proper list (a ``string(_:)`` gives its code points).
    public var listElements: [Term]? {
        switch self {
        case .list(let elements): return elements
        case .string(let text): return text.unicodeScalars.map { .integer(Int($0.value)) }
        default: return nil
        }
    }

    /// The elements if this is a tuple.
    public var tupleElements: [Term]? {
        if case .tuple(let elements) = self { return elements }
        return nil
    }

    /// The map if this is a map.
    public var mapValue: TermMap? {
        if case .map(let map) = self { return map }
        return nil
    }

    /// `true` or `false` if this is one of those atoms.
    public var boolValue: Bool? {
        switch self {
        case .atom("true"): return true
        case .atom("false"): return false
        default: return nil
        }
    }

    /// Whether this is the empty list `[]` (also spelled `""`).
    public var isNil: Bool {
        switch self {
        case .list(let elements): return elements.isEmpty
        case .string(let text): return text.isEmpty
        default: return false
        }
    }

    /// If this is a tuple whose first element is the atom `tag`, the other elements.
    ///
    /// `term.tagged("load_module")` gives `[M]` for `{load_module, M}`.
    public func tagged(_ tag: String) -> [Term]? {
        guard case .tuple(let elements) = self, let first = elements.first, case .atom(tag) = first else {
            return nil
        }
        return Array(elements.dropFirst())
    }
}
