//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// MARK: - Erlang term order
//
// number < atom < reference < fun < port < pid < tuple < map < nil < list < bit string,
// as OTP 25 compares them (checked against `erl`):
// - numbers compare by value (`1 == 1.0` in this order, though not `=:=`);
// - atoms and binaries by their bytes (UTF-8 for atoms, which is code point order);
// - tuples by size, then element by element;
// - maps by size, then their keys in map key order (exactly: `1` and `1.0` differ),
//   then their values in key order;
// - lists element by element; a list that runs out first is smaller, and a tail
//   compares like any other term, so `[1 | 2] < [1]` (a number sorts before `[]`);
// - pids by serial, then number, then node name, then node creation;
// - references by node name, then creation, then their words from the most
//   significant one, a missing high word counting as zero.

extension Term: Comparable {
    public static func < (lhs: Term, rhs: Term) -> Bool { compare(lhs, rhs) < 0 }

    /// Erlang's arithmetic term order: negative, zero or positive. An integer and a
    /// float of the same value compare as equal.
    public static func compare(_ lhs: Term, _ rhs: Term) -> Int { order(lhs, rhs, exact: false) }

    /// The order of map keys, which is also the order in which OTP writes the keys of a map
    /// of up to 32 entries: term order, except that numbers compare exactly, every integer
    /// sorting before every float (`#{2 => a, 1.5 => b}` holds `2` first), so that only
    /// exactly equal keys compare as equal.
    public static func mapKeyOrder(_ lhs: Term, _ rhs: Term) -> Int { order(lhs, rhs, exact: true) }

    private var orderClass: Int {
        switch self {
        case .integer, .bigInteger, .float: return 0
        case .atom: return 1
        case .reference: return 2
        case .pid: return 5
        case .tuple: return 6
        case .map: return 7
        case .list(let elements): return elements.isEmpty ? 8 : 9
        case .string(let text): return text.isEmpty ? 8 : 9
        case .improperList: return 9
        case .binary: return 10
        }
    }

    private static func order(_ lhs: Term, _ rhs: Term, exact: Bool) -> Int {
        // The commonest keys first, without the general switch's copies.
        if case .binary(let left) = lhs, case .binary(let right) = rhs { return compareBytes(left, right) }
        if case .atom(let left) = lhs, case .atom(let right) = rhs { return compareUTF8(left, right) }
        let (leftClass, rightClass) = (lhs.orderClass, rhs.orderClass)
        if leftClass != rightClass { return leftClass < rightClass ? -1 : 1 }
        switch (lhs, rhs) {
        case (.atom(let left), .atom(let right)):
            return compareUTF8(left, right)
        case (.binary(let left), .binary(let right)):
            return compareBytes(left, right)
        case (.tuple(let left), .tuple(let right)):
            if left.count != right.count { return left.count < right.count ? -1 : 1 }
            return compareSequences(left, right, exact: exact)
        case (.map(let left), .map(let right)):
            if left.count != right.count { return left.count < right.count ? -1 : 1 }
            for (leftEntry, rightEntry) in zip(left.entries, right.entries) {
                let result = order(leftEntry.key, rightEntry.key, exact: true)
                if result != 0 { return result }
            }
            for (leftEntry, rightEntry) in zip(left.entries, right.entries) {
                let result = order(leftEntry.value, rightEntry.value, exact: exact)
                if result != 0 { return result }
            }
            return 0
        case (.pid(let left), .pid(let right)):
            if left.serial != right.serial { return left.serial < right.serial ? -1 : 1 }
            if left.id != right.id { return left.id < right.id ? -1 : 1 }
            return compareNodes(left.node, left.creation, right.node, right.creation)
        case (.reference(let left), .reference(let right)):
            let nodes = compareNodes(left.node, left.creation, right.node, right.creation)
            if nodes != 0 { return nodes }
            for index in (0..<max(left.ids.count, right.ids.count)).reversed() {
                let leftWord = index < left.ids.count ? left.ids[index] : 0
                let rightWord = index < right.ids.count ? right.ids[index] : 0
                if leftWord != rightWord { return leftWord < rightWord ? -1 : 1 }
            }
            return 0
        case (.list([]), _), (.string(""), _):
            return 0  // both are [] (same order class)
        default:
            if leftClass == 0 { return compareNumbers(lhs, rhs, exact: exact) }
            return compareLists(lhs, rhs, exact: exact)
        }
    }

    private static func compareNodes(
        _ leftNode: String,
        _ leftCreation: UInt32,
        _ rightNode: String,
        _ rightCreation: UInt32
    ) -> Int {
        let names = compareUTF8(leftNode, rightNode)
        if names != 0 { return names }
        return leftCreation == rightCreation ? 0 : (leftCreation < rightCreation ? -1 : 1)
    }

    private static func compareUTF8(_ lhs: String, _ rhs: String) -> Int {
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let leftByte?, let rightByte?) where leftByte != rightByte: return leftByte < rightByte ? -1 : 1
            default: continue
            }
        }
    }

    private static func compareBytes(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
        for (left, right) in zip(lhs, rhs) where left != right { return left < right ? -1 : 1 }
        return lhs.count == rhs.count ? 0 : (lhs.count < rhs.count ? -1 : 1)
    }

    private static func compareSequences(_ lhs: [Term], _ rhs: [Term], exact: Bool) -> Int {
        for (left, right) in zip(lhs, rhs) {
            let result = order(left, right, exact: exact)
            if result != 0 { return result }
        }
        return lhs.count == rhs.count ? 0 : (lhs.count < rhs.count ? -1 : 1)
    }

    /// Non-empty lists, strings and improper lists, cell by cell; what is left after the
    /// common prefix (a shorter list's `[]`, an improper tail) compares in term order.
    private static func compareLists(_ lhs: Term, _ rhs: Term, exact: Bool) -> Int {
        func split(_ term: Term) -> ([Term], Term) {
            if case .improperList(let elements, let tail) = term { return (elements, tail) }
            return (term.listElements ?? [], .nil)
        }
        let (left, leftTail) = split(lhs)
        let (right, rightTail) = split(rhs)
        for (leftElement, rightElement) in zip(left, right) {
            let result = order(leftElement, rightElement, exact: exact)
            if result != 0 { return result }
        }
        let common = min(left.count, right.count)
        let leftRest: Term = left.count > common ? .list(Array(left[common...]), tail: leftTail) : leftTail
        let rightRest: Term = right.count > common ? .list(Array(right[common...]), tail: rightTail) : rightTail
        // At least one side is now a tail (`[]` or a non-list), so this cannot come back here
        // with the same pair: two non-empty lists only meet again one level shorter.
        return order(leftRest, rightRest, exact: exact)
    }

    private static func compareNumbers(_ lhs: Term, _ rhs: Term, exact: Bool) -> Int {
        switch (lhs, rhs) {
        case (.integer(let left), .integer(let right)):
            return left == right ? 0 : (left < right ? -1 : 1)
        case (.float(let left), .float(let right)):
            return left == right ? 0 : (left < right ? -1 : 1)
        case (.float, _):
            return -compareNumbers(rhs, lhs, exact: exact)
        case (_, .float(let value)):
            if exact { return -1 }  // OTP's exact order: every integer before every float
            return compareIntegerToFloat(lhs.integerValue ?? 0, value)
        default:
            let (left, right) = (lhs.integerValue ?? 0, rhs.integerValue ?? 0)
            return left == right ? 0 : (left < right ? -1 : 1)
        }
    }

    private static func compareIntegerToFloat(_ integer: BigInteger, _ float: Double) -> Int {
        if let small = integer.intValue, float >= -9.223_372_036_854_775_808e18, float < 9.223_372_036_854_775_808e18 {
            let truncated = Int(float.rounded(.towardZero))
            if small != truncated { return small < truncated ? -1 : 1 }
            let fraction = float - Double(truncated)
            return fraction == 0 ? 0 : (fraction > 0 ? -1 : 1)
        }
        let approximate = integer.doubleValue
        return approximate == float ? 0 : (approximate < float ? -1 : 1)
    }
}
