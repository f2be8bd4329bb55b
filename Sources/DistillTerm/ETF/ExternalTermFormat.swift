//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CZlib

/// Erlang's External Term Format: what `term_to_binary/1` writes and `binary_to_term/1`
/// reads, the wire format of the runtime's control channel and of state that crosses
/// code versions.
///
/// ``encode(_:)`` writes the same bytes as OTP 25's `term_to_binary/1` for the same term
/// (the interop tests check this against `erl` on hundreds of random terms). The one
/// exception is a map of more than 32 entries whose keys contain atoms, pids or
/// references: OTP writes those in an order that depends on its atom table, which no
/// other program can know; we write them in map key order (``Term/mapKeyOrder(_:_:)``),
/// which Erlang reads back as the same map. Values
/// that Erlang cannot hold are written as they are and Erlang will refuse them: NaN and
/// infinite floats, atoms of more than 255 characters, references of more than 5 words.
///
/// `decode(_:limits:)` reads everything `term_to_binary` writes, including the legacy
/// tags (`ATOM_EXT`, `SMALL_ATOM_EXT`, `PID_EXT`, `NEW_REFERENCE_EXT`, `REFERENCE_EXT`,
/// `FLOAT_EXT`) and compressed terms, into ``Term``. Funs, exports, ports and bit strings
/// have no ``Term`` case: decoding them fails with ``ETFDecodeError/Code/unsupportedTerm``
/// naming the tag, rather than inventing a lossy representation that could not be sent
/// back. Decoding is meant for untrusted bytes (it reads the control socket): every length
/// is checked against the bytes left before anything is allocated for it, nesting depth and
/// decompressed size are bounded by ``DecodingLimits``, and every failure is a precise
/// ``ETFDecodeError``, never a trap.
public enum ExternalTermFormat {
    /// Bounds that keep a hostile input from exhausting the stack or memory.
    ///
    /// Without compression a decode allocates at most a small multiple of its input's size
    /// whatever the lengths inside claim, so the caller bounds memory by bounding the input
    /// (the runtime bounds frame sizes). A compressed term announces its decompressed size;
    /// ``maximumDecompressedSize`` caps it.
    public struct DecodingLimits: Sendable, Hashable {
        /// The deepest nesting of tuples, lists and maps accepted. Decoding recurses per
        /// level, and so do destroying, comparing, hashing and encoding a ``Term``. With the
        /// default, 512, all of them fit in a 512 KiB thread stack in release builds
        /// (measured: about 0.6 KiB per level; debug builds need about four times that).
        public var maximumDepth: Int
        /// The largest decompressed size accepted for a compressed term (tag 80), in bytes.
        public var maximumDecompressedSize: Int
        /// The widest integer accepted, in bits (rounded up to whole bytes). Printing an
        /// integer in decimal takes time quadratic in its width (hours for a few megabytes of
        /// digits), so a decoder whose terms end up in logs or error messages sets a bound;
        /// the default has none beyond the input's size.
        public var maximumIntegerBits: Int

        public init(
            maximumDepth: Int = 512,
            maximumDecompressedSize: Int = 64 << 20,
            maximumIntegerBits: Int = .max
        ) {
            self.maximumDepth = maximumDepth
            self.maximumDecompressedSize = maximumDecompressedSize
            self.maximumIntegerBits = maximumIntegerBits
        }

        /// A depth of 512 and 64 MiB of decompressed data.
        public static var `default`: Self { Self() }
    }

    /// The version byte that starts every term.
    public static let versionByte: UInt8 = 131

    // MARK: - Encoding

    /// The bytes of `term`, as `term_to_binary(Term)` writes them.
    public static func encode(_ term: Term) -> [UInt8] {
        var writer = ETFWriter()
        writer.put(versionByte)
        writer.write(term)
        return writer.bytes()
    }

    /// Appends the bytes of `term` (version byte included) to `buffer`, for framing a
    /// message without an intermediate array.
    public static func encode(_ term: Term, into buffer: inout [UInt8]) {
        var writer = ETFWriter()
        writer.put(versionByte)
        writer.write(term)
        writer.withBytes { buffer.append(contentsOf: $0) }
    }

    /// The bytes of `term`, compressed as `term_to_binary(Term, [compressed])` does when
    /// `compressed` is true (zlib level 6), or as ``encode(_:)`` otherwise.
    public static func encode(_ term: Term, compressed: Bool) -> [UInt8] {
        encode(term, compressionLevel: compressed ? 6 : 0)
    }

    /// The bytes of `term` as `term_to_binary(Term, [{compressed, Level}])` writes them:
    /// level 0 is no compression; levels 1 to 9 compress with zlib at that level, written as
    /// `COMPRESSED` (tag 80) unless compression would not make the term smaller, in which
    /// case the plain encoding is returned, exactly as erts decides it.
    ///
    /// The compressed bytes equal Erlang's when both use the same zlib (the same deflate
    /// produces the same stream); Debian's Erlang uses the system zlib, as we do.
    public static func encode(_ term: Term, compressionLevel level: Int) -> [UInt8] {
        precondition((0...9).contains(level), "compression level must be in 0...9")
        var writer = ETFWriter()
        writer.write(term)
        return writer.withBytes { plain in
            if level > 0, let compressed = compress(plain, level: Int32(level)) { return compressed }
            var bytes = [versionByte]
            bytes.append(contentsOf: plain)
            return bytes
        }
    }

    /// `131, 80, size, zlib(plain)` if zlib's output fits in `plain.count - 5` bytes (the
    /// buffer erts gives it), else `nil`.
    private static func compress(_ plain: UnsafeRawBufferPointer, level: Int32) -> [UInt8]? {
        guard plain.count > 5, let source = plain.baseAddress, let size = UInt32(exactly: plain.count) else {
            return nil
        }
        let room = plain.count - 5
        var compressedLength = uLongf(room)
        var status = Z_OK
        let result = [UInt8](unsafeUninitializedCapacity: 6 + room) { output, initialized in
            guard let start = output.baseAddress else { return }
            status = compress2(
                start + 6,
                &compressedLength,
                source.assumingMemoryBound(to: Bytef.self),
                uLong(plain.count),
                level
            )
            guard status == Z_OK else { return }
            start[0] = versionByte
            start[1] = ETFTag.compressed
            for index in 0..<4 { start[2 + index] = UInt8(truncatingIfNeeded: size >> (24 - 8 * UInt32(index))) }
            initialized = 6 + Int(compressedLength)
        }
        return status == Z_OK ? result : nil
    }

    // MARK: - Decoding

    /// The term in `bytes`, which must hold exactly one term.
    public static func decode(_ bytes: [UInt8], limits: DecodingLimits = .default) throws(ETFDecodeError) -> Term {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(ETFDecodeError) in try decode(raw, limits: limits) }
        }.get()
    }

    /// The term in `bytes`, which must hold exactly one term.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer,
        limits: DecodingLimits = .default
    )
        throws(ETFDecodeError) -> Term
    {
        let (term, used) = try decodePrefix(bytes, limits: limits)
        guard used == bytes.count else {
            let extra = bytes.count - used
            throw ETFDecodeError(
                code: .trailingBytes,
                offset: used,
                message: "trailing bytes: \(extra) byte\(extra == 1 ? "" : "s") after the end of the term"
            )
        }
        return term
    }

    /// The term at the start of `bytes` and the number of bytes it takes, like
    /// `binary_to_term(Bytes, [used])`: bytes after the term are left alone.
    public static func decodePrefix(
        _ bytes: [UInt8],
        limits: DecodingLimits = .default
    )
        throws(ETFDecodeError) -> (term: Term, byteCount: Int)
    {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(ETFDecodeError) in try decodePrefix(raw, limits: limits) }
        }.get()
    }

    /// The term at the start of `bytes` and the number of bytes it takes.
    public static func decodePrefix(
        _ bytes: UnsafeRawBufferPointer,
        limits: DecodingLimits = .default
    )
        throws(ETFDecodeError) -> (term: Term, byteCount: Int)
    {
        guard let first = bytes.first else {
            throw ETFDecodeError(code: .truncated, offset: 0, message: "truncated: no bytes, expected version byte 131")
        }
        guard first == versionByte else {
            throw ETFDecodeError(
                code: .badVersion,
                offset: 0,
                message: "bad version: first byte is \(first), expected 131"
            )
        }
        if bytes.count > 1, bytes[1] == ETFTag.compressed { return try decodeCompressed(bytes, limits: limits) }
        var reader = ETFReader(bytes, from: 1, limits: limits, inDecompressedData: false)
        let term = try reader.readTerm()
        return (term, reader.position)
    }

    private static func decodeCompressed(
        _ bytes: UnsafeRawBufferPointer,
        limits: DecodingLimits
    )
        throws(ETFDecodeError) -> (term: Term, byteCount: Int)
    {
        guard bytes.count >= 6 else {
            throw ETFDecodeError(
                code: .truncated,
                offset: 2,
                message: "truncated: COMPRESSED (tag 80) needs 4 more bytes, \(bytes.count - 2) left"
            )
        }
        let size = Int(UInt32(bytes[2]) << 24 | UInt32(bytes[3]) << 16 | UInt32(bytes[4]) << 8 | UInt32(bytes[5]))
        guard size <= limits.maximumDecompressedSize else {
            throw ETFDecodeError(
                code: .sizeLimitExceeded,
                offset: 2,
                message: "size limit exceeded: COMPRESSED (tag 80) announces \(size) bytes, "
                    + "the limit is \(limits.maximumDecompressedSize)"
            )
        }
        guard size > 0 else {
            throw ETFDecodeError(
                code: .truncated,
                offset: 0,
                message: "truncated: expected a term, found the end of the data",
                inDecompressedData: true
            )
        }
        let input = UnsafeRawBufferPointer(rebasing: bytes[6...])
        var plain = [UInt8](repeating: 0, count: size)
        var plainLength = uLongf(size)
        var inputLength = uLong(input.count)
        let status = plain.withUnsafeMutableBytes { output in
            uncompress2(
                output.baseAddress?.assumingMemoryBound(to: Bytef.self),
                &plainLength,
                input.baseAddress?.assumingMemoryBound(to: Bytef.self),
                &inputLength
            )
        }
        guard status == Z_OK, plainLength == size else {
            throw compressionError(
                status: status,
                decompressed: Int(plainLength),
                announced: size,
                input: input,
                consumedAllInput: inputLength == input.count
            )
        }
        let term = try plain.withUnsafeBytes { raw in
            Result { () throws(ETFDecodeError) -> Term in
                var reader = ETFReader(raw, from: 0, limits: limits, inDecompressedData: true)
                let term = try reader.readTerm()
                guard reader.position == size else {
                    throw ETFDecodeError(
                        code: .trailingBytes,
                        offset: reader.position,
                        message: "trailing bytes: \(size - reader.position) after the end of the compressed term",
                        inDecompressedData: true
                    )
                }
                return term
            }
        }.get()
        return (term, 6 + Int(inputLength))
    }

    @inline(never)
    private static func compressionError(
        status: Int32,
        decompressed: Int,
        announced: Int,
        input: UnsafeRawBufferPointer,
        consumedAllInput: Bool
    ) -> ETFDecodeError {
        let why: String
        switch status {
        case Z_OK:
            why = "it decompresses to \(decompressed) bytes, \(announced) announced"
        case Z_BUF_ERROR:
            // The output is full: does the stream hold more, or does it end early?
            var probe = [UInt8](repeating: 0, count: announced + 1)
            var probeLength = uLongf(probe.count)
            var inputLength = uLong(input.count)
            _ = probe.withUnsafeMutableBytes { output in
                uncompress2(
                    output.baseAddress?.assumingMemoryBound(to: Bytef.self),
                    &probeLength,
                    input.baseAddress?.assumingMemoryBound(to: Bytef.self),
                    &inputLength
                )
            }
            why =
                probeLength > announced
                ? "it decompresses to more than the \(announced) bytes announced" : "the zlib data ends early"
        case Z_DATA_ERROR where consumedAllInput:
            why = "the zlib data ends early"
        default:
            why = "zlib reports a data error"
        }
        return ETFDecodeError(code: .badCompression, offset: 6, message: "bad compression: \(why)")
    }
}
