//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// An integer of any size, as Erlang has them.
///
/// Only what terms need: exact conversion from and to text in any base from 2 to 36,
/// from and to the little-endian magnitude bytes of the External Term Format, and
/// comparison. (attaswift/BigInt would do, but it imports Foundation, which the
/// runtime must not link.)
public struct BigInteger: Sendable, Hashable {
    /// Whether the value is below zero. Zero is never negative.
    public private(set) var isNegative: Bool
    /// Little-endian 32-bit limbs without trailing zero limbs; empty for zero.
    private var limbs: [UInt32]

    private init(isNegative: Bool, limbs: [UInt32]) {
        var limbs = limbs
        while limbs.last == 0 { limbs.removeLast() }
        self.limbs = limbs
        self.isNegative = isNegative && !limbs.isEmpty
    }

    /// The integer `value`.
    public init(_ value: Int) {
        var magnitude = value.magnitude
        var limbs: [UInt32] = []
        while magnitude != 0 {
            limbs.append(UInt32(truncatingIfNeeded: magnitude))
            magnitude >>= 32
        }
        self.init(isNegative: value < 0, limbs: limbs)
    }

    /// The integer with the given sign and magnitude, the magnitude as little-endian
    /// bytes (the digits of `SMALL_BIG_EXT`/`LARGE_BIG_EXT`).
    public init(isNegative: Bool, littleEndianMagnitude bytes: some Collection<UInt8>) {
        var limbs = [UInt32](repeating: 0, count: (bytes.count + 3) / 4)
        for (index, byte) in bytes.enumerated() {
            limbs[index / 4] |= UInt32(byte) << (8 * UInt32(index % 4))
        }
        self.init(isNegative: isNegative, limbs: limbs)
    }

    /// Parses an optional sign followed by digits in `radix` (2...36, either case).
    /// Returns `nil` if `text` holds anything else or no digit.
    public init?(_ text: some StringProtocol, radix: Int = 10) {
        precondition((2...36).contains(radix), "radix must be in 2...36")
        var scalars = Substring(text).unicodeScalars[...]
        var negative = false
        if let sign = scalars.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            scalars = scalars.dropFirst()
        }
        guard !scalars.isEmpty else { return nil }
        var limbs: [UInt32] = []
        for scalar in scalars {
            guard let digit = Self.digitValue(scalar), digit < radix else { return nil }
            Self.multiplyAdd(&limbs, multiplier: UInt32(radix), addend: UInt32(digit))
        }
        self.init(isNegative: negative, limbs: limbs)
    }

    /// The value if it fits in `Int`.
    public var intValue: Int? {
        guard limbs.count <= 2 else { return nil }
        var magnitude: UInt64 = 0
        for (index, limb) in limbs.enumerated() { magnitude |= UInt64(limb) << (32 * UInt64(index)) }
        if isNegative {
            if magnitude <= UInt64(Int.max) { return -Int(magnitude) }
            return magnitude == UInt64(Int.max) + 1 ? Int.min : nil
        }
        return magnitude <= UInt64(Int.max) ? Int(magnitude) : nil
    }

    /// The magnitude as little-endian bytes, without trailing zero bytes (empty for zero).
    public var littleEndianMagnitude: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(limbs.count * 4)
        for limb in limbs {
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: limb >> shift)) }
        }
        while bytes.last == 0 { bytes.removeLast() }
        return bytes
    }

    /// The nearest `Double` (for comparing with floats in term order).
    public var doubleValue: Double {
        var result = 0.0
        for limb in limbs.reversed() { result = result * 4_294_967_296.0 + Double(limb) }
        return isNegative ? -result : result
    }

    /// The value written in `radix` (2...36), lowercase digits above 9 unless `uppercase`.
    public func toString(radix: Int = 10, uppercase: Bool = false) -> String {
        precondition((2...36).contains(radix), "radix must be in 2...36")
        if limbs.isEmpty { return "0" }
        let alphabet = Array(
            (uppercase ? "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" : "0123456789abcdefghijklmnopqrstuvwxyz").utf8
        )
        var remaining = limbs
        var digits: [UInt8] = []
        while !remaining.isEmpty {
            let remainder = Self.divide(&remaining, by: UInt32(radix))
            digits.append(alphabet[Int(remainder)])
        }
        if isNegative { digits.append(UInt8(ascii: "-")) }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }

    // MARK: - Limb arithmetic

    private static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar.value {
        case 0x30...0x39: return Int(scalar.value - 0x30)
        case 0x41...0x5A: return Int(scalar.value - 0x41 + 10)
        case 0x61...0x7A: return Int(scalar.value - 0x61 + 10)
        default: return nil
        }
    }

    /// `limbs = limbs * multiplier + addend`.
    private static func multiplyAdd(_ limbs: inout [UInt32], multiplier: UInt32, addend: UInt32) {
        var carry = UInt64(addend)
        for index in limbs.indices {
            let product = UInt64(limbs[index]) * UInt64(multiplier) + carry
            limbs[index] = UInt32(truncatingIfNeeded: product)
            carry = product >> 32
        }
        if carry != 0 { limbs.append(UInt32(carry)) }
    }

    /// `limbs /= divisor`, returning the remainder; drops leading zero limbs.
    private static func divide(_ limbs: inout [UInt32], by divisor: UInt32) -> UInt32 {
        var remainder: UInt64 = 0
        for index in limbs.indices.reversed() {
            let current = (remainder << 32) | UInt64(limbs[index])
            limbs[index] = UInt32(current / UInt64(divisor))
            remainder = current % UInt64(divisor)
        }
        while limbs.last == 0 { limbs.removeLast() }
        return UInt32(remainder)
    }
}

// MARK: - Comparable

extension BigInteger: Comparable {
    public static func < (lhs: BigInteger, rhs: BigInteger) -> Bool {
        if lhs.isNegative != rhs.isNegative { return lhs.isNegative }
        let magnitudeOrder = compareMagnitudes(lhs.limbs, rhs.limbs)
        return lhs.isNegative ? magnitudeOrder > 0 : magnitudeOrder < 0
    }

    private static func compareMagnitudes(_ lhs: [UInt32], _ rhs: [UInt32]) -> Int {
        if lhs.count != rhs.count { return lhs.count < rhs.count ? -1 : 1 }
        for index in lhs.indices.reversed() where lhs[index] != rhs[index] {
            return lhs[index] < rhs[index] ? -1 : 1
        }
        return 0
    }
}

// MARK: - Text

extension BigInteger: CustomStringConvertible, ExpressibleByIntegerLiteral {
    public var description: String { toString() }

    public init(integerLiteral value: Int) { self.init(value) }
}
