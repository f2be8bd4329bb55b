//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The order in which OTP 25 writes the entries of a map.
///
/// A map of up to 32 entries is a *flatmap* in the VM, its keys sorted in map key order
/// (``Term/mapKeyOrder(_:_:)``), and `term_to_binary` writes them in that order. A bigger
/// map is a *hashmap*, a hash array mapped trie over a 32-bit hash of each key, 4 bits per
/// level from the least significant, and `term_to_binary` walks it depth first, last child
/// first: the entries come out sorted by their hash with its nibbles reversed, descending.
///
/// The hash is erts' `make_internal_hash(Key, 0)` (`erts_debug:get_internal_state({internal_hash,
/// Key})` shows it; the interop tests compare), which hashes integers, floats, binaries,
/// lists, tuples and maps from their values, reproduced here, but atoms, pids, ports and
/// references from VM-internal words (an atom by its index in the atom table, a remote pid
/// by the address of its node entry). So no encoder outside that VM can know where OTP
/// puts such a key. For a map over 32 entries whose keys contain an atom, pid or reference
/// anywhere, or where two keys have the same 32-bit hash (OTP then keeps them in a collision
/// node), this encoder writes the entries in map key order instead: a valid map that
/// `binary_to_term` reads back equal, though not byte for byte what that VM would write.
enum ETFMapOrder {
    /// The most entries a flatmap holds (erts `MAP_SMALL_MAP_LIMIT`).
    static let flatmapLimit = 32

    /// The entries of `map` in the order OTP 25 writes them, as far as it can be known.
    static func entriesInOTPOrder(_ map: TermMap) -> [TermMap.Entry] {
        if map.count <= flatmapLimit { return map.entries }
        return hashOrder(map) ?? map.entries
    }

    /// The hashmap order, or `nil` when a key's hash is unknowable or two keys collide.
    static func hashOrder(_ map: TermMap) -> [TermMap.Entry]? {
        var keyed: [(path: UInt32, entry: TermMap.Entry)] = []
        keyed.reserveCapacity(map.count)
        for entry in map.entries {
            guard let hash = OTPInternalHash.hash(entry.key) else { return nil }
            keyed.append((nibbleReversed(hash), entry))
        }
        keyed.sort { $0.path > $1.path }
        for index in keyed.indices.dropFirst() where keyed[index].path == keyed[index - 1].path { return nil }
        return keyed.map(\.entry)
    }

    /// `hash` with its eight nibbles in reverse order: the trie path as a sortable number.
    static func nibbleReversed(_ hash: UInt32) -> UInt32 {
        var value = hash
        var result: UInt32 = 0
        for _ in 0..<8 {
            result = result << 4 | value & 0xF
            value >>= 4
        }
        return result
    }
}

/// erts' `make_internal_hash(Term, 0)` of OTP 25 on a 64-bit VM, for the terms whose hash
/// does not depend on the VM's state.
///
/// It is Bob Jenkins' `mix` over 32-bit words with type constants, walking the term with
/// an explicit stack exactly as erts does (the order of mixing matters): immediates (small
/// integers, `[]`) mix their tagged machine word, binaries go through Jenkins' block hash,
/// byte elements of lists are packed four to a word, bignums mix their 64-bit digits.
enum OTPInternalHash {
    private static let salt: UInt32 = 3_432_918_353
    private static let golden: UInt32 = 0x9E37_79B9
    private static let hconst4: UInt32 = 0x78DD_E6E4
    private static let hconst9: UInt32 = 0x8FF3_4781
    private static let hconst10: UInt32 = 0x2E2A_C13A
    private static let hconst11: UInt32 = 0xCC62_3AF3
    private static let hconst12: UInt32 = 0x6A99_B4AC
    private static let hconst13: UInt32 = 0x08D1_2E65
    private static let hconst16: UInt32 = 0xE377_9B90
    private static let hconst17: UInt32 = 0x81AF_1549
    private static let hconst18: UInt32 = 0x1FE6_8F02
    private static let hconst22: UInt32 = 0x98C4_75E6
    /// The tagged word of `[]` (erts `NIL`).
    private static let nilWord: UInt64 = 0x3B
    /// Small integers have 60 bits on a 64-bit VM; others are bignums.
    private static let smallRange = -(1 << 59)...((1 << 59) - 1)

    private enum Pending {
        case term(Term)
        /// The cells of a list from `index` on, ending in `tail`.
        case listRest([Term], index: Int, tail: Term)
        /// erts' `HASH_CDR`: a list cell's tail that is not a list follows.
        case cdrMarker
    }

    /// The hash, or `nil` if `term` contains an atom, pid or reference.
    static func hash(_ term: Term) -> UInt32? {
        var state = salt
        var stack: [Pending] = []
        var current = Pending.term(term)
        while true {
            switch current {
            case .cdrMarker:
                constantHash(&state, hconst18)
            case .listRest(let elements, let index, let tail):
                if let next = hashList(&state, elements, from: index, tail: tail, stack: &stack) {
                    current = next
                    continue
                }
            case .term(let term):
                switch term {
                case .atom, .pid, .reference:
                    return nil
                case .integer, .bigInteger:
                    if let small = term.intValue, smallRange.contains(small) {
                        let word = UInt64(bitPattern: Int64(small) << 4) | 0xF
                        mix2(&state, UInt32(truncatingIfNeeded: word), UInt32(truncatingIfNeeded: word >> 32), golden)
                    } else {
                        hashBignum(&state, term.integerValue ?? 0)
                    }
                case .float(let value):
                    let bits = (value == 0 ? 0.0 : value).bitPattern
                    mix2(&state, UInt32(truncatingIfNeeded: bits), UInt32(truncatingIfNeeded: bits >> 32), hconst12)
                case .binary(let bytes):
                    let initial = hconst13 &+ state
                    state = bytes.isEmpty ? initial : blockHash(bytes, initial: initial)
                case .tuple(let elements):
                    mix2(&state, UInt32(elements.count), 0, hconst9)
                    if let first = elements.first {
                        for element in elements.dropFirst().reversed() { stack.append(.term(element)) }
                        current = .term(first)
                        continue
                    }
                case .map(let map):
                    mix2(&state, UInt32(truncatingIfNeeded: map.count), 0, hconst16)
                    let entries: [TermMap.Entry]
                    if map.count <= ETFMapOrder.flatmapLimit {
                        entries = map.entries
                    } else {
                        guard let ordered = ETFMapOrder.hashOrder(map) else { return nil }
                        entries = ordered
                    }
                    for entry in entries.reversed() {
                        stack.append(.term(entry.value))
                        stack.append(.term(entry.key))
                    }
                case .list(let elements) where elements.isEmpty:
                    mix2(&state, UInt32(nilWord), 0, golden)
                case .string(let text) where text.isEmpty:
                    mix2(&state, UInt32(nilWord), 0, golden)
                case .list(let elements):
                    current = .listRest(elements, index: 0, tail: .nil)
                    continue
                case .string:
                    current = .listRest(term.listElements ?? [], index: 0, tail: .nil)
                    continue
                case .improperList(let elements, let tail):
                    current = .listRest(elements, index: 0, tail: tail)
                    continue
                }
            }
            guard let next = stack.popLast() else { return state }
            current = next
        }
    }

    /// The list case of `make_internal_hash`: packs a run of bytes, then either returns the
    /// next thing to hash (a cell's head that is not a byte, or the tail) or `nil` when the
    /// caller should pop the stack.
    private static func hashList(
        _ state: inout UInt32,
        _ elements: [Term],
        from start: Int,
        tail: Term,
        stack: inout [Pending]
    ) -> Pending? {
        var index = start
        var packed: UInt32 = 0
        var packedCount: UInt32 = 0
        while index < elements.count, case .integer(let value) = elements[index], value & ~0xFF == 0 {
            packed = packed << 8 &+ UInt32(value)
            if packedCount == 3 {
                mix2(&state, packed, 0, hconst4)
                packed = 0
                packedCount = 0
            } else {
                packedCount += 1
            }
            index += 1
        }
        if packedCount > 0 { mix2(&state, packed, packedCount, hconst22) }
        guard index < elements.count else { return .term(tail) }
        constantHash(&state, hconst17)
        if index + 1 < elements.count {
            stack.append(.listRest(elements, index: index + 1, tail: tail))
        } else {
            stack.append(.term(tail))
            stack.append(.cdrMarker)
        }
        return .term(elements[index])
    }

    private static func hashBignum(_ state: inout UInt32, _ value: BigInteger) {
        let constant = value.isNegative ? hconst10 : hconst11
        let magnitude = value.littleEndianMagnitude
        let digitCount = max(1, (magnitude.count + 7) / 8)
        for digit in 0..<digitCount {
            var word: UInt64 = 0
            for byte in 0..<8 where digit * 8 + byte < magnitude.count {
                word |= UInt64(magnitude[digit * 8 + byte]) << (8 * UInt64(byte))
            }
            mix2(&state, UInt32(truncatingIfNeeded: word), UInt32(truncatingIfNeeded: word >> 32), constant)
        }
    }

    // MARK: - Bob Jenkins' mix, as erts uses it

    @inline(__always)
    private static func mix(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32) {
        a = a &- b &- c
        a ^= c >> 13
        b = b &- c &- a
        b ^= a << 8
        c = c &- a &- b
        c ^= b >> 13
        a = a &- b &- c
        a ^= c >> 12
        b = b &- c &- a
        b ^= a << 16
        c = c &- a &- b
        c ^= b >> 5
        a = a &- b &- c
        a ^= c >> 3
        b = b &- c &- a
        b ^= a << 10
        c = c &- a &- b
        c ^= b >> 15
    }

    /// erts `UINT32_HASH_2(x, y, constant)`.
    @inline(__always)
    private static func mix2(_ state: inout UInt32, _ x: UInt32, _ y: UInt32, _ constant: UInt32) {
        var a = constant &+ x
        var b = constant &+ y
        mix(&a, &b, &state)
    }

    /// erts `CONST_HASH`.
    @inline(__always)
    private static func constantHash(_ state: inout UInt32, _ constant: UInt32) {
        state ^= constant
        state = state << 17 ^ state >> 15
    }

    /// erts `block_hash`: Jenkins' lookup2 over 12-byte blocks, then the length and the rest.
    private static func blockHash(_ bytes: [UInt8], initial: UInt32) -> UInt32 {
        var a = golden
        var b = golden
        var c = initial
        func word(_ offset: Int) -> UInt32 {
            UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                | UInt32(bytes[offset + 3]) << 24
        }
        var offset = 0
        while bytes.count - offset >= 12 {
            a = a &+ word(offset)
            b = b &+ word(offset + 4)
            c = c &+ word(offset + 8)
            mix(&a, &b, &c)
            offset += 12
        }
        c = c &+ UInt32(truncatingIfNeeded: bytes.count)
        let rest = bytes.count - offset
        // The first byte of c is reserved for the length.
        let shiftsC: [UInt32] = [8, 16, 24]
        for index in stride(from: min(rest, 11) - 1, through: 8, by: -1) {
            c = c &+ UInt32(bytes[offset + index]) << shiftsC[index - 8]
        }
        for index in stride(from: min(rest, 8) - 1, through: 4, by: -1) {
            b = b &+ UInt32(bytes[offset + index]) << (8 * UInt32(index - 4))
        }
        for index in stride(from: min(rest, 4) - 1, through: 0, by: -1) {
            a = a &+ UInt32(bytes[offset + index]) << (8 * UInt32(index))
        }
        mix(&a, &b, &c)
        return c
    }
}
