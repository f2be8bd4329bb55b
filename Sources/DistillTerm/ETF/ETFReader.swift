//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Reads one term (after the version byte) from raw bytes, checking every length against
/// the bytes that are left before allocating anything for it, so that the memory a decode
/// uses stays proportional to its input.
struct ETFReader {
    private let base: UnsafeRawPointer
    private let end: Int
    /// The offset of the next byte to read.
    private(set) var position: Int
    private let maximumDepth: Int
    private let maximumIntegerBytes: Int
    private let inDecompressedData: Bool
    private var depth = 0

    /// A reader of `bytes` from `position`; `bytes` is not empty (callers check that first).
    init(
        _ bytes: UnsafeRawBufferPointer,
        from position: Int,
        limits: ExternalTermFormat.DecodingLimits,
        inDecompressedData: Bool
    ) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { preconditionFailure("ETFReader needs bytes") }
        self.base = base
        end = bytes.count
        self.position = position
        maximumDepth = limits.maximumDepth
        let bits = max(0, limits.maximumIntegerBits)
        maximumIntegerBytes = bits / 8 + (bits % 8 == 0 ? 0 : 1)
        self.inDecompressedData = inDecompressedData
    }

    // MARK: - Errors

    private func error(_ code: ETFDecodeError.Code, at offset: Int, _ message: String) -> ETFDecodeError {
        ETFDecodeError(code: code, offset: offset, message: message, inDecompressedData: inDecompressedData)
    }

    @inline(never)
    private func truncated(_ tag: UInt8, needs count: Int) -> ETFDecodeError {
        let bytes = count == 1 ? "1 more byte" : "\(count) more bytes"
        return error(
            .truncated,
            at: position,
            "truncated: \(ETFTag.describe(tag)) needs \(bytes), \(end - position) left"
        )
    }

    @inline(never)
    private func truncated(_ tag: UInt8, elements: Int, needs count: Int) -> ETFDecodeError {
        error(
            .truncated,
            at: position,
            "truncated: \(ETFTag.describe(tag)) of \(elements) elements needs at least \(count) more bytes, "
                + "\(end - position) left"
        )
    }

    @inline(never)
    private func tooDeep(_ tag: UInt8, at offset: Int) -> ETFDecodeError {
        error(.tooDeep, at: offset, "\(ETFTag.describe(tag)) nested more than \(maximumDepth) deep")
    }

    // MARK: - Raw input

    @inline(__always)
    private func need(_ count: Int, _ tag: UInt8) throws(ETFDecodeError) {
        if end - position < count { throw truncated(tag, needs: count) }
    }

    @inline(__always)
    private mutating func byte() -> UInt8 {
        let value = base.load(fromByteOffset: position, as: UInt8.self)
        position += 1
        return value
    }

    @inline(__always)
    private mutating func uint16() -> Int {
        let value = base.loadUnaligned(fromByteOffset: position, as: UInt16.self).bigEndian
        position += 2
        return Int(value)
    }

    @inline(__always)
    private mutating func uint32() -> UInt32 {
        let value = base.loadUnaligned(fromByteOffset: position, as: UInt32.self).bigEndian
        position += 4
        return value
    }

    @inline(__always)
    private mutating func bytes(_ count: Int) -> UnsafeBufferPointer<UInt8> {
        let buffer = UnsafeBufferPointer(start: (base + position).assumingMemoryBound(to: UInt8.self), count: count)
        position += count
        return buffer
    }

    // MARK: - Terms

    /// Reads the next term.
    ///
    /// This recurses once per nesting level, so it handles containers and the commonest
    /// scalars itself and leaves everything else to ``readScalar(_:at:)``, out of line:
    /// every throwing call site costs stack, and the frame must stay small.
    mutating func readTerm() throws(ETFDecodeError) -> Term {
        guard position < end else {
            throw error(.truncated, at: position, "truncated: expected a term, found the end of the data")
        }
        let tagOffset = position
        let tag = byte()
        switch tag {
        case ETFTag.smallInteger where position < end:
            return .integer(Int(byte()))
        case ETFTag.smallTuple where position < end:
            return .tuple(try readElements(Int(byte()), tag: tag, at: tagOffset))
        case ETFTag.largeTuple where end - position >= 4:
            return .tuple(try readElements(Int(uint32()), tag: tag, at: tagOffset))
        case ETFTag.nil:
            return .list([])
        case ETFTag.list:
            return try readList(at: tagOffset)
        case ETFTag.map:
            return try readMap(at: tagOffset)
        default:
            return try readScalar(tag, at: tagOffset)
        }
    }

    /// The term whose tag `tag` (at `tagOffset`) has just been read, other than a container.
    @inline(never)
    private mutating func readScalar(_ tag: UInt8, at tagOffset: Int) throws(ETFDecodeError) -> Term {
        switch tag {
        case ETFTag.smallInteger, ETFTag.smallTuple:
            throw truncated(tag, needs: 1)
        case ETFTag.largeTuple:
            throw truncated(tag, needs: 4)
        case ETFTag.integer:
            try need(4, tag)
            return .integer(Int(Int32(bitPattern: uint32())))
        case ETFTag.atom:
            try need(2, tag)
            return .atom(try readLatin1Atom(length: uint16(), tag: tag, at: tagOffset))
        case ETFTag.smallAtomUTF8:
            try need(1, tag)
            return .atom(try readUTF8Atom(length: Int(byte()), tag: tag, at: tagOffset))
        case ETFTag.string:
            return try readString()
        case ETFTag.binary:
            return try readBinary()
        case ETFTag.newFloat:
            return try readFloat(at: tagOffset)
        case ETFTag.smallBig:
            try need(1, tag)
            return try readBig(length: Int(byte()), tag: tag, at: tagOffset)
        case ETFTag.largeBig:
            try need(4, tag)
            return try readBig(length: Int(uint32()), tag: tag, at: tagOffset)
        case ETFTag.atomUTF8:
            try need(2, tag)
            return .atom(try readUTF8Atom(length: uint16(), tag: tag, at: tagOffset))
        case ETFTag.smallAtom:
            try need(1, tag)
            return .atom(try readLatin1Atom(length: Int(byte()), tag: tag, at: tagOffset))
        case ETFTag.newPid, ETFTag.pid:
            return .pid(try readPid(tag: tag, at: tagOffset))
        case ETFTag.newerReference, ETFTag.newReference, ETFTag.reference:
            return .reference(try readReference(tag: tag, at: tagOffset))
        case ETFTag.float:
            return try readOldFloat(at: tagOffset)
        default:
            throw unsupported(tag, at: tagOffset)
        }
    }

    @inline(never)
    private func unsupported(_ tag: UInt8, at offset: Int) -> ETFDecodeError {
        let what: String
        switch tag {
        case ETFTag.compressed:
            return error(
                .unsupportedTerm,
                at: offset,
                "misplaced COMPRESSED (tag 80): only valid right after the version byte"
            )
        case ETFTag.newFun, ETFTag.fun: what = "funs"
        case ETFTag.export: what = "external funs (fun M:F/A)"
        case ETFTag.port, ETFTag.newPort, ETFTag.v4Port: what = "ports"
        case ETFTag.bitBinary: what = "bit strings that are not whole bytes"
        case ETFTag.atomCacheReference: what = "atom cache references (distribution messages only)"
        case ETFTag.distributionHeader, ETFTag.distributionFragmentHeader: what = "distribution headers"
        case ETFTag.local: what = "node-local terms (LOCAL_EXT)"
        default:
            return error(.unknownTag, at: offset, "unknown tag \(tag)")
        }
        return error(
            .unsupportedTerm,
            at: offset,
            "unsupported term: \(ETFTag.describe(tag)): Term has no case for \(what)"
        )
    }

    // MARK: Scalars
    //
    // Everything but the smallest cases lives in functions of its own, kept out of line so
    // that `readTerm`, which recurses once per nesting level, keeps a small stack frame.

    @inline(never)
    private mutating func readFloat(at offset: Int) throws(ETFDecodeError) -> Term {
        try need(8, ETFTag.newFloat)
        let value = Double(bitPattern: base.loadUnaligned(fromByteOffset: position, as: UInt64.self).bigEndian)
        guard value.isFinite else {
            throw error(.invalidFloat, at: offset, "invalid float: NEW_FLOAT_EXT holds \(value), which Erlang has not")
        }
        position += 8
        return .float(value)
    }

    @inline(never)
    private mutating func readString() throws(ETFDecodeError) -> Term {
        try need(2, ETFTag.string)
        let length = uint16()
        try need(length, ETFTag.string)
        return .string(Self.latin1String(bytes(length)))
    }

    @inline(never)
    private mutating func readBinary() throws(ETFDecodeError) -> Term {
        try need(4, ETFTag.binary)
        let length = Int(uint32())
        try need(length, ETFTag.binary)
        return .binary(Self.array(bytes(length)))
    }

    // MARK: Containers

    @inline(__always)
    private mutating func enter(_ tag: UInt8, at offset: Int) throws(ETFDecodeError) {
        depth += 1
        if depth > maximumDepth { throw tooDeep(tag, at: offset) }
    }

    /// `count` terms, each at least one byte long.
    @inline(never)
    private mutating func readElements(_ count: Int, tag: UInt8, at offset: Int) throws(ETFDecodeError) -> [Term] {
        if count == 0 { return [] }
        if end - position < count { throw truncated(tag, elements: count, needs: count) }
        try enter(tag, at: offset)
        defer { depth -= 1 }
        return try readSequence(count)
    }

    /// `count` terms; the caller has checked that enough bytes are left.
    @inline(never)
    private mutating func readSequence(_ count: Int) throws(ETFDecodeError) -> [Term] {
        var elements: [Term] = []
        elements.reserveCapacity(count)
        for _ in 0..<count { elements.append(try readTerm()) }
        return elements
    }

    /// `LIST_EXT`: elements, then a tail.
    @inline(never)
    private mutating func readList(at offset: Int) throws(ETFDecodeError) -> Term {
        try need(4, ETFTag.list)
        let count = Int(uint32())
        if end - position < count + 1 { throw truncated(ETFTag.list, elements: count, needs: count + 1) }
        try enter(ETFTag.list, at: offset)
        defer { depth -= 1 }
        return try readListTail(after: try readSequence(count))
    }

    /// The tail of a list whose `elements` have been read. A tail that is itself a list
    /// (which `term_to_binary` never writes, but other encoders may) is spliced in a loop,
    /// not by recursion.
    @inline(never)
    private mutating func readListTail(after elements: [Term]) throws(ETFDecodeError) -> Term {
        var elements = elements
        while true {
            guard position < end else { throw truncated(ETFTag.list, needs: 1) }
            switch base.load(fromByteOffset: position, as: UInt8.self) {
            case ETFTag.nil:
                position += 1
                return .list(elements)
            case ETFTag.list:
                position += 1
                try need(4, ETFTag.list)
                let count = Int(uint32())
                if end - position < count + 1 { throw truncated(ETFTag.list, elements: count, needs: count + 1) }
                elements += try readSequence(count)
            case ETFTag.string:
                let tail = try readTerm()
                return .list(elements + (tail.listElements ?? []))
            default:
                let tail = try readTerm()
                return .list(elements, tail: tail)
            }
        }
    }

    /// `MAP_EXT`: pairs in any order (`term_to_binary` writes big maps in hash order); a
    /// repeated key is an error, as in `binary_to_term`.
    @inline(never)
    private mutating func readMap(at offset: Int) throws(ETFDecodeError) -> Term {
        try need(4, ETFTag.map)
        let count = Int(uint32())
        if end - position < 2 * count { throw truncated(ETFTag.map, elements: 2 * count, needs: 2 * count) }
        if count == 0 { return .map(TermMap()) }
        try enter(ETFTag.map, at: offset)
        defer { depth -= 1 }
        var entries = try [TermMap.Entry](unsafeUninitializedCapacity: count) {
            (buffer, initialized) throws(ETFDecodeError) in
            guard let start = buffer.baseAddress else { return }
            while initialized < count {
                let key = try readTerm()
                let value = try readTerm()
                (start + initialized).initialize(to: TermMap.Entry(key: key, value: value))
                initialized += 1
            }
        }
        var sorted = true
        for index in 1..<count where Term.mapKeyOrder(entries[index - 1].key, entries[index].key) >= 0 {
            sorted = false
            break
        }
        if !sorted {
            entries.sort { Term.mapKeyOrder($0.key, $1.key) < 0 }
            for index in 1..<count where Term.mapKeyOrder(entries[index - 1].key, entries[index].key) == 0 {
                throw error(
                    .duplicateMapKey,
                    at: offset,
                    "duplicate map key: MAP_EXT holds the key \(entries[index].key.kindName) "
                        + "\(TermPrinter.printCompact(entries[index].key, maximumBytes: 40)) twice"
                )
            }
        }
        return .map(TermMap(uncheckedSortedEntries: entries))
    }

    // MARK: Atoms and text

    @inline(never)
    private mutating func readLatin1Atom(length: Int, tag: UInt8, at offset: Int) throws(ETFDecodeError) -> String {
        try need(length, tag)
        guard length <= 255 else {
            throw error(
                .invalidAtom,
                at: offset,
                "invalid atom: \(ETFTag.describe(tag)) of \(length) characters; atoms have at most 255"
            )
        }
        return Self.latin1String(bytes(length))
    }

    @inline(never)
    private mutating func readUTF8Atom(length: Int, tag: UInt8, at offset: Int) throws(ETFDecodeError) -> String {
        try need(length, tag)
        let utf8 = bytes(length)
        guard let name = String(validating: utf8, as: UTF8.self) else {
            throw error(.invalidAtom, at: offset, "invalid atom: \(ETFTag.describe(tag)) holds malformed UTF-8")
        }
        if length > 255 {
            let characters = name.unicodeScalars.count
            guard characters <= 255 else {
                throw error(
                    .invalidAtom,
                    at: offset,
                    "invalid atom: \(ETFTag.describe(tag)) of \(characters) characters; atoms have at most 255"
                )
            }
        }
        return name
    }

    /// A copy of `bytes`.
    @inline(__always)
    private static func array(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, initialized in
            if let target = buffer.baseAddress, let source = bytes.baseAddress {
                target.initialize(from: source, count: bytes.count)
            }
            initialized = bytes.count
        }
    }

    /// Latin-1 bytes as text: each byte is the code point of the same value.
    private static func latin1String(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var highBytes = 0
        for byte in bytes where byte >= 0x80 { highBytes += 1 }
        if highBytes == 0 { return String(decoding: bytes, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: bytes.count + highBytes) { utf8 in
            var index = 0
            for byte in bytes {
                if byte < 0x80 {
                    utf8[index] = byte
                    index += 1
                } else {
                    utf8[index] = 0xC0 | byte >> 6
                    utf8[index + 1] = 0x80 | byte & 0x3F
                    index += 2
                }
            }
            return index
        }
    }

    // MARK: Numbers

    @inline(never)
    private mutating func readBig(length: Int, tag: UInt8, at offset: Int) throws(ETFDecodeError) -> Term {
        try need(length + 1, tag)
        if length > maximumIntegerBytes {
            throw error(
                .sizeLimitExceeded,
                at: offset,
                "size limit exceeded: \(ETFTag.describe(tag)) of \(length) bytes is over the limit of "
                    + "\(maximumIntegerBytes) bytes (\(maximumIntegerBytes * 8) bits) for an integer"
            )
        }
        let sign = byte()
        guard sign <= 1 else {
            throw error(
                .invalidInteger,
                at: offset,
                "invalid integer: \(ETFTag.describe(tag)) has sign byte \(sign), not 0 or 1"
            )
        }
        let digits = bytes(length)
        if length <= 8 {
            var magnitude: UInt64 = 0
            for (index, digit) in digits.enumerated() { magnitude |= UInt64(digit) << (8 * UInt64(index)) }
            if sign == 0, magnitude <= UInt64(Int.max) { return .integer(Int(magnitude)) }
            if sign == 1, magnitude <= UInt64(Int.max) + 1 { return .integer(Int(truncatingIfNeeded: 0 &- magnitude)) }
        }
        return .integer(BigInteger(isNegative: sign == 1, littleEndianMagnitude: digits))
    }

    /// `FLOAT_EXT`: 31 bytes of `%.20e` text, NUL-padded (`term_to_binary(F, [{minor_version, 0}])`).
    @inline(never)
    private mutating func readOldFloat(at offset: Int) throws(ETFDecodeError) -> Term {
        try need(31, ETFTag.float)
        let text = bytes(31)
        let significant = text.prefix { $0 != 0 }
        guard let value = Double(String(decoding: significant, as: UTF8.self)), value.isFinite else {
            throw error(.invalidFloat, at: offset, "invalid float: FLOAT_EXT text is not a finite number")
        }
        return .float(value)
    }

    // MARK: Identifiers

    /// The node of a pid or reference: an atom, read here rather than by ``readTerm()`` so
    /// that a node that is itself a pid (whose node is a pid...) is refused at once instead
    /// of recursing once per level, without a depth check, until the stack overflows.
    private mutating func readNode(for tag: UInt8) throws(ETFDecodeError) -> String {
        let offset = position
        guard position < end else { throw truncated(tag, needs: 1) }
        let atomTag = byte()
        switch atomTag {
        case ETFTag.atom:
            try need(2, atomTag)
            return try readLatin1Atom(length: uint16(), tag: atomTag, at: offset)
        case ETFTag.smallAtom:
            try need(1, atomTag)
            return try readLatin1Atom(length: Int(byte()), tag: atomTag, at: offset)
        case ETFTag.atomUTF8:
            try need(2, atomTag)
            return try readUTF8Atom(length: uint16(), tag: atomTag, at: offset)
        case ETFTag.smallAtomUTF8:
            try need(1, atomTag)
            return try readUTF8Atom(length: Int(byte()), tag: atomTag, at: offset)
        default:
            throw error(
                .unsupportedTerm,
                at: offset,
                "\(ETFTag.describe(tag)) needs an atom for its node, found \(ETFTag.describe(atomTag))"
            )
        }
    }

    @inline(never)
    private mutating func readPid(tag: UInt8, at offset: Int) throws(ETFDecodeError) -> Pid {
        let node = try readNode(for: tag)
        let isNew = tag == ETFTag.newPid
        try need(isNew ? 12 : 9, tag)
        let id = uint32()
        let serial = uint32()
        let creation = isNew ? uint32() : UInt32(byte())
        return Pid(node: node, id: id, serial: serial, creation: creation)
    }

    @inline(never)
    private mutating func readReference(tag: UInt8, at offset: Int) throws(ETFDecodeError) -> Reference {
        if tag == ETFTag.reference {
            let node = try readNode(for: tag)
            try need(5, tag)
            let id = uint32()
            return Reference(node: node, creation: UInt32(byte()), ids: [id])
        }
        try need(2, tag)
        let count = uint16()
        guard count <= 5 else {
            throw error(
                .invalidReference,
                at: offset,
                "invalid reference: \(ETFTag.describe(tag)) of \(count) words; at most 5"
            )
        }
        let node = try readNode(for: tag)
        let isNewer = tag == ETFTag.newerReference
        try need((isNewer ? 4 : 1) + 4 * count, tag)
        let creation = isNewer ? uint32() : UInt32(byte())
        var ids: [UInt32] = []
        ids.reserveCapacity(count)
        for _ in 0..<count { ids.append(uint32()) }
        return Reference(node: node, creation: creation, ids: ids)
    }
}
