//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A 128-bit content hash (SipHash-2-4 with a fixed key) of a symbol's or a type's code.
///
/// Equal fingerprints mean equal code after normalisation; the value is the same in every
/// process and on every machine, so it can be written to a build snapshot and compared
/// with the next build. It prints as 32 lowercase hexadecimal digits.
public struct Fingerprint: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The high 64 bits (the second SipHash output word).
    public var high: UInt64
    /// The low 64 bits (the first SipHash output word).
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses 32 hexadecimal digits as printed by ``description``.
    public init?(hex: String) {
        guard hex.utf8.count == 32, let high = UInt64(hex.prefix(16), radix: 16),
            let low = UInt64(hex.suffix(16), radix: 16)
        else { return nil }
        self.init(high: high, low: low)
    }

    public var description: String {
        func digits(_ value: UInt64) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: 16 - text.utf8.count) + text
        }
        return digits(high) + digits(low)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }

    /// The fingerprint of a collection of fingerprints, independent of their order.
    public static func combining<S: Sequence>(_ parts: S) -> Fingerprint where S.Element == Fingerprint {
        var hasher = StableHasher()
        let sorted = parts.sorted()
        hasher.combine(sorted.count)
        for part in sorted { hasher.combine(part) }
        return hasher.finalize()
    }
}
