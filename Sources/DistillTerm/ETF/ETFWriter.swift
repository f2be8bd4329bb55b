//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Writes a term as `term_to_binary/1` of OTP 25 does, into a growing raw buffer.
///
/// The tag choices (checked byte for byte against `erl`): integers 0...255 as
/// `SMALL_INTEGER_EXT`, other 32-bit ones as `INTEGER_EXT`, bigger ones as `SMALL_BIG_EXT`
/// (up to 255 magnitude bytes) or `LARGE_BIG_EXT`; floats as `NEW_FLOAT_EXT`; atoms whose
/// characters are all Latin-1 as `ATOM_EXT` (OTP 25 still writes Latin-1 atoms that way;
/// OTP 26 switched to the UTF-8 tags), other atoms as `SMALL_ATOM_UTF8_EXT` or
/// `ATOM_UTF8_EXT`; proper lists of 1 to 65535 integers in 0...255 as `STRING_EXT`, other
/// lists as `LIST_EXT`; tuples as `SMALL_TUPLE_EXT` up to 255 elements; maps in the order
/// ``ETFMapOrder`` gives; pids as `NEW_PID_EXT`, references as `NEWER_REFERENCE_EXT`.
struct ETFWriter: ~Copyable {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    /// The number of bytes written.
    private(set) var count: Int = 0

    init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 8)
    }

    deinit { base.deallocate() }

    /// The bytes written so far.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// The bytes written, as an array.
    func bytes() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.baseAddress?.initialize(from: base.assumingMemoryBound(to: UInt8.self), count: count)
            initialized = count
        }
    }

    // MARK: - Raw output

    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if capacity - count < extra { grow(to: count + extra) }
    }

    @inline(never)
    private mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    private mutating func put(_ tag: UInt8, _ byte: UInt8) {
        reserve(2)
        base.storeBytes(of: tag, toByteOffset: count, as: UInt8.self)
        base.storeBytes(of: byte, toByteOffset: count + 1, as: UInt8.self)
        count += 2
    }

    @inline(__always)
    private mutating func put(_ tag: UInt8, uint16 value: UInt16) {
        reserve(3)
        base.storeBytes(of: tag, toByteOffset: count, as: UInt8.self)
        base.storeBytes(of: value.bigEndian, toByteOffset: count + 1, as: UInt16.self)
        count += 3
    }

    @inline(__always)
    private mutating func put(_ tag: UInt8, uint32 value: UInt32) {
        reserve(5)
        base.storeBytes(of: tag, toByteOffset: count, as: UInt8.self)
        base.storeBytes(of: value.bigEndian, toByteOffset: count + 1, as: UInt32.self)
        count += 5
    }

    @inline(__always)
    private mutating func put(uint32 value: UInt32) {
        reserve(4)
        base.storeBytes(of: value.bigEndian, toByteOffset: count, as: UInt32.self)
        count += 4
    }

    private mutating func put(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    /// Appends raw bytes (the version byte, a compressed payload).
    mutating func append(_ bytes: UnsafeRawBufferPointer) { put(bytes) }

    // MARK: - Terms

    mutating func write(_ term: Term) {
        switch term {
        case .integer(let value):
            writeInteger(value)
        case .atom(let name):
            writeAtom(name)
        case .binary(let bytes):
            put(ETFTag.binary, uint32: Self.length32(bytes.count, "binary"))
            bytes.withUnsafeBytes { put($0) }
        case .tuple(let elements):
            if elements.count < 256 {
                put(ETFTag.smallTuple, UInt8(elements.count))
            } else {
                put(ETFTag.largeTuple, uint32: Self.length32(elements.count, "tuple"))
            }
            for element in elements { write(element) }
        case .list(let elements):
            writeList(elements)
        case .string(let text):
            writeString(text)
        case .float(let value):
            reserve(9)
            base.storeBytes(of: ETFTag.newFloat, toByteOffset: count, as: UInt8.self)
            base.storeBytes(of: value.bitPattern.bigEndian, toByteOffset: count + 1, as: UInt64.self)
            count += 9
        case .map(let map):
            put(ETFTag.map, uint32: Self.length32(map.count, "map"))
            if map.count <= ETFMapOrder.flatmapLimit {
                for entry in map.entries {
                    write(entry.key)
                    write(entry.value)
                }
            } else {
                for entry in ETFMapOrder.entriesInOTPOrder(map) {
                    write(entry.key)
                    write(entry.value)
                }
            }
        case .improperList(let elements, let tail):
            if tail.listElements != nil {
                write(.list(elements, tail: tail))  // not normalised: write what Erlang holds
                return
            }
            put(ETFTag.list, uint32: Self.length32(elements.count, "list"))
            for element in elements { write(element) }
            write(tail)
        case .bigInteger(let value):
            if let small = value.intValue {
                writeInteger(small)
            } else {
                writeBig(value)
            }
        case .pid(let pid):
            put(ETFTag.newPid)
            writeAtom(pid.node)
            put(uint32: pid.id)
            put(uint32: pid.serial)
            put(uint32: pid.creation)
        case .reference(let reference):
            precondition(reference.ids.count <= Int(UInt16.max), "a reference has at most 65535 words")
            put(ETFTag.newerReference, uint16: UInt16(reference.ids.count))
            writeAtom(reference.node)
            put(uint32: reference.creation)
            for word in reference.ids { put(uint32: word) }
        }
    }

    private static func length32(_ count: Int, _ what: StaticString) -> UInt32 {
        guard let length = UInt32(exactly: count) else {
            preconditionFailure("a \(what) of \(count) elements exceeds the External Term Format's 32-bit length")
        }
        return length
    }

    @inline(__always)
    private mutating func writeInteger(_ value: Int) {
        if value & ~0xFF == 0 {
            put(ETFTag.smallInteger, UInt8(value))
        } else if let small = Int32(exactly: value) {
            put(ETFTag.integer, uint32: UInt32(bitPattern: small))
        } else {
            // SMALL_BIG_EXT: digit count, sign, little-endian magnitude.
            let magnitude = value.magnitude
            let digits = (UInt64.bitWidth - magnitude.leadingZeroBitCount + 7) / 8
            reserve(3 + 8)
            base.storeBytes(of: ETFTag.smallBig, toByteOffset: count, as: UInt8.self)
            base.storeBytes(of: UInt8(digits), toByteOffset: count + 1, as: UInt8.self)
            base.storeBytes(of: value < 0 ? 1 : 0, toByteOffset: count + 2, as: UInt8.self)
            base.storeBytes(of: UInt64(magnitude).littleEndian, toByteOffset: count + 3, as: UInt64.self)
            count += 3 + digits
        }
    }

    private mutating func writeBig(_ value: BigInteger) {
        let magnitude = value.littleEndianMagnitude
        if magnitude.count < 256 {
            put(ETFTag.smallBig, UInt8(magnitude.count))
        } else {
            put(ETFTag.largeBig, uint32: Self.length32(magnitude.count, "big integer"))
        }
        put(value.isNegative ? 1 : 0)
        magnitude.withUnsafeBytes { put($0) }
    }

    /// `ATOM_EXT` when every character is Latin-1 (as OTP 25's `term_to_binary/1`),
    /// `SMALL_ATOM_UTF8_EXT` or `ATOM_UTF8_EXT` otherwise.
    mutating func writeAtom(_ name: String) {
        var name = name
        name.withUTF8 { utf8 in
            if let length = Self.latin1Length(utf8) {
                precondition(length <= Int(UInt16.max), "an atom's name has at most 65535 characters")
                put(ETFTag.atom, uint16: UInt16(length))
                putLatin1(utf8, length: length)
            } else if utf8.count < 256 {
                put(ETFTag.smallAtomUTF8, UInt8(utf8.count))
                put(UnsafeRawBufferPointer(utf8))
            } else {
                precondition(utf8.count <= Int(UInt16.max), "an atom's name has at most 65535 bytes")
                put(ETFTag.atomUTF8, uint16: UInt16(utf8.count))
                put(UnsafeRawBufferPointer(utf8))
            }
        }
    }

    /// The number of characters if every one of them is Latin-1 (U+0000...U+00FF), whose
    /// UTF-8 is ASCII or a two-byte sequence led by 0xC2 or 0xC3; `nil` otherwise.
    @inline(__always)
    private static func latin1Length(_ utf8: UnsafeBufferPointer<UInt8>) -> Int? {
        let count = utf8.count
        guard let start = utf8.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(start)
        var index = 0
        var length = 0
        while index < count {
            if index + 8 <= count,
                raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                index += 8
                length += 8
                continue
            }
            let byte = start[index]
            if byte < 0x80 {
                index += 1
            } else if byte == 0xC2 || byte == 0xC3 {
                index += 2  // valid UTF-8: a continuation byte follows
            } else {
                return nil
            }
            length += 1
        }
        return length
    }

    /// Writes the Latin-1 bytes of `utf8`, which holds `length` Latin-1 characters.
    @inline(__always)
    private mutating func putLatin1(_ utf8: UnsafeBufferPointer<UInt8>, length: Int) {
        if length == utf8.count {
            put(UnsafeRawBufferPointer(utf8))
            return
        }
        reserve(length)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte < 0x80 {
                base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
                index += 1
            } else {
                let latin1 = (byte & 0x03) << 6 | (utf8[index + 1] & 0x3F)
                base.storeBytes(of: latin1, toByteOffset: count, as: UInt8.self)
                index += 2
            }
            count += 1
        }
    }

    /// A proper list: `STRING_EXT` when Erlang would (1 to 65535 integers in 0...255).
    private mutating func writeList(_ elements: [Term]) {
        if elements.isEmpty {
            put(ETFTag.nil)
            return
        }
        if elements.count <= Int(UInt16.max), Self.allBytes(elements) {
            put(ETFTag.string, uint16: UInt16(elements.count))
            reserve(elements.count)
            for element in elements {
                if case .integer(let value) = element {
                    base.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: count, as: UInt8.self)
                    count += 1
                }
            }
            return
        }
        put(ETFTag.list, uint32: Self.length32(elements.count, "list"))
        for element in elements { write(element) }
        put(ETFTag.nil)
    }

    private static func allBytes(_ elements: [Term]) -> Bool {
        for element in elements {
            guard case .integer(let value) = element, value & ~0xFF == 0 else { return false }
        }
        return true
    }

    /// Text as Erlang holds it, a list of code points: `STRING_EXT` when every code point
    /// is at most 255 and there are at most 65535 of them, else `LIST_EXT` of integers.
    private mutating func writeString(_ text: String) {
        var text = text
        let written: Bool = text.withUTF8 { utf8 in
            if utf8.isEmpty {
                put(ETFTag.nil)
                return true
            }
            guard let length = Self.latin1Length(utf8), length <= Int(UInt16.max) else { return false }
            put(ETFTag.string, uint16: UInt16(length))
            putLatin1(utf8, length: length)
            return true
        }
        if written { return }
        put(ETFTag.list, uint32: Self.length32(text.unicodeScalars.count, "list"))
        for scalar in text.unicodeScalars { writeInteger(Int(scalar.value)) }
        put(ETFTag.nil)
    }
}
