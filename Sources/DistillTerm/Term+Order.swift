//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// MARK: - Erlang term order
//
// number < atom < reference < fun < port < pid < tuple < map < nil < list < bit string.
// Numbers compare by value (`1 == 1.0` in this order, though not `=:=`); tuples by size,
// then element by element; maps by size, then keys in order, then values in key order;
// lists element by element (a shorter prefix first); atoms and binaries by their bytes.

extension Term: Comparable {
    public static func < (lhs: Term, rhs: Term) -> Bool { compare(lhs, rhs) < 0 }

    /// Erlang's arithmetic term order: negative, zero or positive. An integer and a
    /// float of the same value compare as equal.
    public static func compare(_ lhs: Term, _ rhs: Term) -> Int { order(lhs, rhs, exact: false) }

    /// The order of map keys (erts' exact term order, which `maps:keys/1`, `~p` and
    /// `term_to_binary/1` follow for maps of up to 32 keys): term order, except that
    /// every integer sorts before every float, so that only exactly equal keys compare
    /// as equal: `#{2 => a, 1.0 => b}` keeps `2` first.
    public static func mapKeyOrder(_ lhs: Term, _ rhs: Term) -> Int { order(lhs, rhs, exact: true) }

    private var orderClass: Int {
        switch self {
        case .integer, .bigInteger, .float: return 0
        case .atom: return 1
        case .reference: return 2
        case .pid: return 5
        case .tuple: return 6
        case .map: return 7
        case .list, .string, .improperList: return 8
        case .binary: return 10
        }
    }

    private static func order(_ lhs: Term, _ rhs: Term, exact: Bool) -> Int {
        let (leftClass, rightClass) = (lhs.orderClass, rhs.orderClass)
        if leftClass != rightClass { return leftClass < rightClass ? -1 : 1 }
        switch (lhs, rhs) {
        case (.atom(let left), .atom(let right)):
            return compareBytes(Array(left.utf8), Array(right.utf8))
        case (.binary(let left), .binary(let right)):
            return compareBytes(left, right)
        case (.tuple(let left), .tuple(let right)):
            if left.count != right.count { return left.count < right.count ? -1 : 1 }
            return compareSequences(left, right, exact: exact)
        case (.map(let left), .map(let right)):
            if left.count != right.count { return left.count < right.count ? -1 : 1 }
            // Keys compare in map key order even arithmetically: `#{1 => a} < #{1.0 => a}`.
            let keys = compareSequences(left.entries.map(\.key), right.entries.map(\.key), exact: true)
            if keys != 0 { return keys }
            return compareSequences(left.entries.map(\.value), right.entries.map(\.value), exact: exact)
        case (.pid(let left), .pid(let right)):
            return compareTuples(
                [.atom(left.node), .integer(Int(left.serial)), .integer(Int(left.id))],
                [.atom(right.node), .integer(Int(right.serial)), .integer(Int(right.id))])
        case (.reference(let left), .reference(let right)):
            return compareTuples(
                [.atom(left.node)] + left.ids.reversed().map { .integer(Int($0)) },
                [.atom(right.node)] + right.ids.reversed().map { .integer(Int($0)) })
        default:
            if leftClass == 0 { return compareNumbers(lhs, rhs, exact: exact) }
            return compareLists(lhs, rhs, exact: exact)
        }
    }

    private static func compareTuples(_ lhs: [Term], _ rhs: [Term]) -> Int {
        order(.tuple(lhs), .tuple(rhs), exact: true)
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

    /// Lists, strings and improper lists, cell by cell; a proper list ends in `[]`,
    /// which sorts before any other list and after every non-list.
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
        if leftRest.isNil || rightRest.isNil {
            return leftRest.isNil == rightRest.isNil ? 0 : (leftRest.isNil ? -1 : 1)
        }
        return order(leftRest, rightRest, exact: exact)
    }

    private static func compareNumbers(_ lhs: Term, _ rhs: Term, exact: Bool) -> Int {
        switch (lhs, rhs) {
        case (.float(let left), .float(let right)):
            return left == right ? 0 : (left < right ? -1 : 1)
        case (.float, _):
            return -compareNumbers(rhs, lhs, exact: exact)
        case (_, .float(let value)):
            // In map key order every integer sorts before every float (erts' exact order).
            if exact { return -1 }
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
