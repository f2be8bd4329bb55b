//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// SipHash-2-4 with a 128-bit result and a fixed key: the same input hashes the same in
/// every process, on every machine, forever. (Swift's `Hasher` is seeded randomly per
/// process, so it cannot be used for fingerprints that are stored and compared later.)
///
/// Values are fed as little-endian bytes; strings and byte runs are length-prefixed, so
/// `("ab", "c")` and `("a", "bc")` hash differently.
struct StableHasher {
    private var v0: UInt64
    private var v1: UInt64
    private var v2: UInt64
    private var v3: UInt64
    private var tail: UInt64 = 0  // up to 7 pending bytes, little-endian
    private var tailCount = 0
    private var length: UInt64 = 0

    /// The fixed key: "swift-distill fp" in ASCII.
    static let key: (UInt64, UInt64) = (0x6964_2d74_6669_7773, 0x7066_206c_6c69_7473)

    init(key: (UInt64, UInt64) = StableHasher.key) {
        v0 = key.0 ^ 0x736f_6d65_7073_6575
        v1 = key.1 ^ 0x646f_7261_6e64_6f6d ^ 0xee
        v2 = key.0 ^ 0x6c79_6765_6e65_7261
        v3 = key.1 ^ 0x7465_6462_7974_6573
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ n: UInt64) -> UInt64 { (x << n) | (x >> (64 - n)) }

    @inline(__always) private mutating func round() {
        v0 &+= v1
        v1 = Self.rotl(v1, 13)
        v1 ^= v0
        v0 = Self.rotl(v0, 32)
        v2 &+= v3
        v3 = Self.rotl(v3, 16)
        v3 ^= v2
        v0 &+= v3
        v3 = Self.rotl(v3, 21)
        v3 ^= v0
        v2 &+= v1
        v1 = Self.rotl(v1, 17)
        v1 ^= v2
        v2 = Self.rotl(v2, 32)
    }

    @inline(__always) private mutating func compress(_ m: UInt64) {
        v3 ^= m
        round()
        round()
        v0 ^= m
    }

    /// Feeds raw bytes (not length-prefixed).
    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress else { return }
        var n = bytes.count
        length &+= UInt64(n)
        while tailCount > 0 && n > 0 {
            tail |= UInt64(p.load(as: UInt8.self)) << UInt64(tailCount * 8)
            tailCount += 1
            p += 1
            n -= 1
            if tailCount == 8 {
                compress(tail)
                tail = 0
                tailCount = 0
            }
        }
        while n >= 8 {
            compress(UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
            p += 8
            n -= 8
        }
        while n > 0 {
            tail |= UInt64(p.load(as: UInt8.self)) << UInt64(tailCount * 8)
            tailCount += 1
            p += 1
            n -= 1
        }
    }

    mutating func combine(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { write($0) }
    }

    mutating func combine(_ value: Int64) { combine(UInt64(bitPattern: value)) }
    mutating func combine(_ value: Int) { combine(UInt64(bitPattern: Int64(value))) }
    mutating func combine(_ value: UInt32) { combine(UInt64(value)) }
    mutating func combine(_ value: UInt8) { withUnsafeBytes(of: value) { write($0) } }

    /// Feeds a length-prefixed byte run.
    mutating func combine(bytes: UnsafeRawBufferPointer) {
        combine(bytes.count)
        write(bytes)
    }

    mutating func combine(bytes: [UInt8]) { bytes.withUnsafeBytes { combine(bytes: $0) } }

    /// Feeds a length-prefixed UTF-8 string.
    mutating func combine(_ string: String) {
        var string = string
        string.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    mutating func combine(_ fingerprint: Fingerprint) {
        combine(fingerprint.high)
        combine(fingerprint.low)
    }

    /// The 128-bit SipHash-2-4 of everything fed.
    func finalize() -> Fingerprint {
        var state = self
        let b = (length << 56) | state.tail
        state.compress(b)
        state.v2 ^= 0xee
        for _ in 0..<4 { state.round() }
        let first = state.v0 ^ state.v1 ^ state.v2 ^ state.v3
        state.v1 ^= 0xdd
        for _ in 0..<4 { state.round() }
        let second = state.v0 ^ state.v1 ^ state.v2 ^ state.v3
        return Fingerprint(high: second, low: first)
    }
}
