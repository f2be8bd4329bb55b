//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// MARK: - Exact equality (=:=)

extension Term: Equatable {
    /// Erlang's exact equality. Text is compared by Unicode scalars, never by Swift's
    /// canonical equivalence (`"é"` and `"e\u{301}"` are different Erlang strings), a
    /// ``string(_:)`` equals the list of its code points, and `1 != 1.0`.
    public static func == (lhs: Term, rhs: Term) -> Bool {
        switch (lhs, rhs) {
        case (.atom(let left), .atom(let right)):
            return left.utf8.elementsEqual(right.utf8)
        case (.integer(let left), .integer(let right)):
            return left == right
        case (.integer, .bigInteger), (.bigInteger, .integer), (.bigInteger, .bigInteger):
            return lhs.integerValue == rhs.integerValue
        case (.float(let left), .float(let right)):
            return left == right
        case (.string(let left), .string(let right)):
            return left.utf8.elementsEqual(right.utf8)
        case (.string(let text), .list(let elements)), (.list(let elements), .string(let text)):
            return text.unicodeScalars.elementsEqual(elements) { scalar, element in
                element == .integer(Int(scalar.value))
            }
        case (.list(let left), .list(let right)):
            return left == right
        case (.improperList(let left, let leftTail), .improperList(let right, let rightTail)):
            return left == right && leftTail == rightTail
        case (.binary(let left), .binary(let right)):
            return left == right
        case (.tuple(let left), .tuple(let right)):
            return left == right
        case (.map(let left), .map(let right)):
            return left == right
        case (.pid(let left), .pid(let right)):
            return left == right
        case (.reference(let left), .reference(let right)):
            // As in erts, a missing high word counts as zero: #Ref<n.1> =:= #Ref<n.0.1>.
            return left.node.utf8.elementsEqual(right.node.utf8) && left.creation == right.creation
                && left.significantIDs.elementsEqual(right.significantIDs)
        default:
            return false
        }
    }
}

// MARK: - Hashing consistent with ==

extension Term: Hashable {
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .atom(let name):
            hasher.combine(0 as UInt8)
            for byte in name.utf8 { hasher.combine(byte) }
        case .integer(let value):
            hasher.combine(1 as UInt8)
            hasher.combine(value)
        case .bigInteger(let value):
            if let small = value.intValue {
                hasher.combine(1 as UInt8)
                hasher.combine(small)
            } else {
                hasher.combine(2 as UInt8)
                hasher.combine(value)
            }
        case .float(let value):
            hasher.combine(3 as UInt8)
            hasher.combine(value)
        case .string(let text):
            hasher.combine(4 as UInt8)
            for scalar in text.unicodeScalars { Term.integer(Int(scalar.value)).hash(into: &hasher) }
            hasher.combine(0xFF as UInt8)
        case .list(let elements):
            hasher.combine(4 as UInt8)
            for element in elements { element.hash(into: &hasher) }
            hasher.combine(0xFF as UInt8)
        case .improperList(let elements, let tail):
            hasher.combine(5 as UInt8)
            hasher.combine(elements)
            hasher.combine(tail)
        case .binary(let bytes):
            hasher.combine(6 as UInt8)
            hasher.combine(bytes)
        case .tuple(let elements):
            hasher.combine(7 as UInt8)
            hasher.combine(elements)
        case .map(let map):
            hasher.combine(8 as UInt8)
            hasher.combine(map)
        case .pid(let pid):
            hasher.combine(9 as UInt8)
            hasher.combine(pid)
        case .reference(let reference):
            hasher.combine(10 as UInt8)
            for byte in reference.node.utf8 { hasher.combine(byte) }
            hasher.combine(reference.creation)
            for word in reference.significantIDs { hasher.combine(word) }
        }
    }
}

extension Reference {
    /// The words without the high zero words, which do not change a reference's identity.
    var significantIDs: ArraySlice<UInt32> {
        var end = ids.endIndex
        while end > ids.startIndex, ids[end - 1] == 0 { end -= 1 }
        return ids[..<end]
    }
}
