//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PropertyBased
import Synchronization
import Testing

@testable import DistillTerm

struct ExternalTermFormatTests {
    /// Terms and the bytes OTP 25's `term_to_binary/1` writes for them (recorded with `erl`).
    static let erlangEncodings: [(Term, [UInt8])] = [
        (.atom("a"), [131, 100, 0, 1, 97]),
        (.atom("\u{E9}"), [131, 100, 0, 1, 233]),
        (.atom("\u{400}"), [131, 119, 2, 208, 128]),
        (.float(1.5), [131, 70, 63, 248, 0, 0, 0, 0, 0, 0]),
        (.float(-0.0), [131, 70, 128, 0, 0, 0, 0, 0, 0, 0]),
        (.integer(255), [131, 97, 255]),
        (.integer(256), [131, 98, 0, 0, 1, 0]),
        (.integer(-1), [131, 98, 255, 255, 255, 255]),
        (.integer((1 << 31) - 1), [131, 98, 127, 255, 255, 255]),
        (.integer(1 << 31), [131, 110, 4, 0, 0, 0, 0, 128]),
        (.integer(-(1 << 31)), [131, 98, 128, 0, 0, 0]),
        (.integer(-(1 << 31) - 1), [131, 110, 4, 1, 1, 0, 0, 128]),
        (.integer(BigInteger("18446744073709551616")!), [131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        (.integer(BigInteger("-18446744073709551616")!), [131, 110, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        (.string("abc"), [131, 107, 0, 3, 97, 98, 99]),
        (.list([97, 98, 99]), [131, 107, 0, 3, 97, 98, 99]),
        (.string("\u{3E8}"), [131, 108, 0, 0, 0, 1, 98, 0, 0, 3, 232, 106]),
        (.string(""), [131, 106]),
        (.binary([1, 2]), [131, 109, 0, 0, 0, 2, 1, 2]),
        (.improperList(["a"], tail: "b"), [131, 108, 0, 0, 0, 1, 100, 0, 1, 97, 100, 0, 1, 98]),
        (
            .map([1: "a", .float(1.0): "b"]),
            [131, 116, 0, 0, 0, 2, 97, 1, 100, 0, 1, 97, 70, 63, 240, 0, 0, 0, 0, 0, 0, 100, 0, 1, 98]
        ),
        (
            .map(["a": 1, .binary("a"): 2, 1: 3, .string("s"): 4, .tuple(["t"]): 5]),
            [
                131, 116, 0, 0, 0, 5, 97, 1, 97, 3, 100, 0, 1, 97, 97, 1, 104, 1, 100, 0, 1, 116, 97, 5, 107, 0, 1, 115,
                97, 4, 109, 0, 0, 0, 1, 97, 97, 2,
            ]
        ),
        (
            .pid(Pid(node: "nonode@nohost", id: 9)),
            [
                131, 88, 100, 0, 13, 110, 111, 110, 111, 100, 101, 64, 110, 111, 104, 111, 115, 116, 0, 0, 0, 9, 0, 0,
                0, 0, 0, 0, 0, 0,
            ]
        ),
        (
            .reference(Reference(node: "nonode@nohost", ids: [121_172, 313_524_226, 865_582_428])),
            [
                131, 90, 0, 3, 100, 0, 13, 110, 111, 110, 111, 100, 101, 64, 110, 111, 104, 111, 115, 116, 0, 0, 0, 0,
                0, 1, 217, 84, 18, 176, 0, 2, 51, 151, 189, 92,
            ]
        ),
        (
            .map([.float(2): "a", 1: "b"]),
            [131, 116, 0, 0, 0, 2, 97, 1, 100, 0, 1, 98, 70, 64, 0, 0, 0, 0, 0, 0, 0, 100, 0, 1, 97]
        ),
    ]

    @Test(arguments: erlangEncodings)
    func encodesAsErlangDoes(term: Term, bytes: [UInt8]) throws {
        #expect(ExternalTermFormat.encode(term) == bytes)
        #expect(try ExternalTermFormat.decode(bytes) == term)
    }

    @Test func writesTagsAtTheirSizeBoundaries() {
        #expect(
            ExternalTermFormat.encode(.string(String(repeating: "a", count: 65535))).prefix(4) == [131, 107, 255, 255]
        )
        #expect(
            ExternalTermFormat.encode(.string(String(repeating: "a", count: 65536))).prefix(6) == [
                131, 108, 0, 1, 0, 0,
            ]
        )
        #expect(ExternalTermFormat.encode(.list(Array(repeating: 1, count: 65536))).prefix(2) == [131, 108])
        let twoTo2039 = BigInteger(isNegative: false, littleEndianMagnitude: Array(repeating: 0, count: 254) + [128])
        #expect(ExternalTermFormat.encode(.integer(twoTo2039)).prefix(3) == [131, 110, 255])
        let twoTo2040 = BigInteger(isNegative: false, littleEndianMagnitude: Array(repeating: 0, count: 255) + [1])
        #expect(ExternalTermFormat.encode(.integer(twoTo2040)).prefix(6) == [131, 111, 0, 0, 1, 0])
        #expect(ExternalTermFormat.encode(.tuple(Array(repeating: 0, count: 255))).prefix(3) == [131, 104, 255])
        #expect(ExternalTermFormat.encode(.tuple(Array(repeating: 0, count: 256))).prefix(6) == [131, 105, 0, 0, 1, 0])
        #expect(
            ExternalTermFormat.encode(.atom(String(repeating: "\u{3BB}", count: 127))).prefix(3) == [131, 119, 254]
        )
        #expect(
            ExternalTermFormat.encode(.atom(String(repeating: "\u{3BB}", count: 128))).prefix(4) == [131, 118, 1, 0]
        )
    }

    @Test func writesNonNormalisedTermsAsErlangHoldsThem() {
        #expect(ExternalTermFormat.encode(.bigInteger(BigInteger(7))) == [131, 97, 7])
        #expect(ExternalTermFormat.encode(.improperList([1], tail: .list([2]))) == [131, 107, 0, 2, 1, 2])
    }

    @Test func roundTripsRandomTerms() async {
        await propertyCheck(count: 300, input: ETFRandomTerms.generator()) { term in
            #expect((try? ExternalTermFormat.decode(ExternalTermFormat.encode(term))) == term)
            #expect((try? ExternalTermFormat.decode(ExternalTermFormat.encode(term, compressed: true))) == term)
        }
    }

    @Test func appendsToAnExistingBuffer() throws {
        var buffer: [UInt8] = [0, 0, 0, 0]
        ExternalTermFormat.encode(.tuple(["ok", 1]), into: &buffer)
        #expect(buffer == [0, 0, 0, 0, 131, 104, 2, 100, 0, 2, 111, 107, 97, 1])
        let (term, used) = try ExternalTermFormat.decodePrefix(Array(buffer.dropFirst(4)) + [9, 9])
        #expect(term == .tuple(["ok", 1]))
        #expect(used == 10)
    }

    // MARK: - Legacy and unusual encodings

    static let legacyEncodings: [([UInt8], Term)] = [
        ([131, 115, 4, 99, 97, 102, 233], .atom("caf\u{E9}")),
        ([131, 100, 0, 4, 99, 97, 102, 233], .atom("caf\u{E9}")),
        ([131, 118, 0, 2, 206, 187], .atom("\u{3BB}")),
        (
            [131, 103, 100, 0, 3, 97, 64, 104, 0, 0, 0, 5, 0, 0, 0, 1, 2],
            .pid(Pid(node: "a@h", id: 5, serial: 1, creation: 2))
        ),
        (
            [131, 114, 0, 2, 100, 0, 3, 97, 64, 104, 3, 0, 0, 0, 1, 0, 0, 0, 2],
            .reference(Reference(node: "a@h", creation: 3, ids: [1, 2]))
        ),
        ([131, 101, 100, 0, 3, 97, 64, 104, 0, 0, 0, 7, 1], .reference(Reference(node: "a@h", creation: 1, ids: [7]))),
        (
            [131, 90, 0, 0, 100, 0, 3, 97, 64, 104, 0, 0, 0, 1],
            .reference(Reference(node: "a@h", creation: 1, ids: []))
        ),
        (
            [131, 99] + Array("1.50000000000000000000e+00".utf8) + [0, 0, 0, 0, 0],
            .float(1.5)
        ),
        ([131, 110, 1, 1, 5], .integer(-5)),
        ([131, 110, 0, 0], .integer(0)),
        ([131, 110, 2, 0, 5, 0], .integer(5)),
        ([131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128], .integer(Int.min)),
        ([131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 106], .list([1, 2])),
        ([131, 108, 0, 0, 0, 1, 97, 1, 107, 0, 1, 2], .list([1, 2])),
        ([131, 108, 0, 0, 0, 0, 97, 1], .integer(1)),
        ([131, 108, 0, 0, 0, 2, 97, 1, 97, 2, 106], .list([1, 2])),
        ([131, 116, 0, 0, 0, 2, 100, 0, 1, 98, 97, 2, 100, 0, 1, 97, 97, 1], .map(["a": 1, "b": 2])),
        ([131, 107, 0, 2, 233, 0], .string("\u{E9}\u{0}")),
    ]

    @Test(arguments: legacyEncodings)
    func decodesEveryEncodingErlangReads(bytes: [UInt8], term: Term) throws {
        #expect(try ExternalTermFormat.decode(bytes) == term)
    }

    // MARK: - Errors

    static let badInputs: [([UInt8], ETFDecodeError)] = [
        ([], ETFDecodeError(code: .truncated, offset: 0, message: "truncated: no bytes, expected version byte 131")),
        (
            [130, 97, 1],
            ETFDecodeError(code: .badVersion, offset: 0, message: "bad version: first byte is 130, expected 131")
        ),
        (
            [131],
            ETFDecodeError(
                code: .truncated,
                offset: 1,
                message: "truncated: expected a term, found the end of the data"
            )
        ),
        (
            [131, 98, 0, 0],
            ETFDecodeError(
                code: .truncated,
                offset: 2,
                message: "truncated: INTEGER_EXT (tag 98) needs 4 more bytes, 2 left"
            )
        ),
        (
            [131, 97, 1, 0],
            ETFDecodeError(code: .trailingBytes, offset: 3, message: "trailing bytes: 1 byte after the end of the term")
        ),
        ([131, 255], ETFDecodeError(code: .unknownTag, offset: 1, message: "unknown tag 255")),
        (
            [131, 104, 1, 112],
            ETFDecodeError(
                code: .unsupportedTerm,
                offset: 3,
                message: "unsupported term: NEW_FUN_EXT (tag 112): Term has no case for funs"
            )
        ),
        (
            [131, 113, 100, 0, 1, 109],
            ETFDecodeError(
                code: .unsupportedTerm,
                offset: 1,
                message: "unsupported term: EXPORT_EXT (tag 113): Term has no case for external funs (fun M:F/A)"
            )
        ),
        (
            [131, 77, 0, 0, 0, 1, 3, 128],
            ETFDecodeError(
                code: .unsupportedTerm,
                offset: 1,
                message: "unsupported term: BIT_BINARY_EXT (tag 77): Term has no case for bit strings "
                    + "that are not whole bytes"
            )
        ),
        (
            [131, 120, 100, 0, 3, 97, 64, 104, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0],
            ETFDecodeError(
                code: .unsupportedTerm,
                offset: 1,
                message: "unsupported term: V4_PORT_EXT (tag 120): Term has no case for ports"
            )
        ),
        (
            [131, 104, 2, 97, 1, 80, 0, 0, 0, 1],
            ETFDecodeError(
                code: .unsupportedTerm,
                offset: 5,
                message: "misplaced COMPRESSED (tag 80): only valid right after the version byte"
            )
        ),
        (
            [131, 108, 255, 255, 255, 255, 106],
            ETFDecodeError(
                code: .truncated,
                offset: 6,
                message:
                    "truncated: LIST_EXT (tag 108) of 4294967295 elements needs at least 4294967296 more bytes, 1 left"
            )
        ),
        (
            [131, 109, 255, 255, 255, 255, 1],
            ETFDecodeError(
                code: .truncated,
                offset: 6,
                message: "truncated: BINARY_EXT (tag 109) needs 4294967295 more bytes, 1 left"
            )
        ),
        (
            [131, 105, 127, 255, 255, 255, 106],
            ETFDecodeError(
                code: .truncated,
                offset: 6,
                message: "truncated: LARGE_TUPLE_EXT (tag 105) of 2147483647 elements needs at least "
                    + "2147483647 more bytes, 1 left"
            )
        ),
        (
            [131, 116, 16, 0, 0, 0, 106, 106],
            ETFDecodeError(
                code: .truncated,
                offset: 6,
                message:
                    "truncated: MAP_EXT (tag 116) of 536870912 elements needs at least 536870912 more bytes, 2 left"
            )
        ),
        (
            [131, 111, 255, 255, 255, 255, 0, 1],
            ETFDecodeError(
                code: .truncated,
                offset: 6,
                message: "truncated: LARGE_BIG_EXT (tag 111) needs 4294967296 more bytes, 2 left"
            )
        ),
        (
            [131, 80, 255, 255, 255, 255, 120, 156],
            ETFDecodeError(
                code: .sizeLimitExceeded,
                offset: 2,
                message: "size limit exceeded: COMPRESSED (tag 80) announces 4294967295 bytes, the limit is 67108864"
            )
        ),
        (
            [131, 80, 0, 0, 0, 0, 120, 156, 3, 0, 0, 0, 0, 1],
            ETFDecodeError(
                code: .truncated,
                offset: 0,
                message: "truncated: expected a term, found the end of the data",
                inDecompressedData: true
            )
        ),
        (
            [131, 80, 0, 0, 0, 9, 1, 2, 3],
            ETFDecodeError(code: .badCompression, offset: 6, message: "bad compression: zlib reports a data error")
        ),
        (
            [131, 116, 0, 0, 0, 2, 97, 1, 97, 1, 97, 1, 97, 2],
            ETFDecodeError(
                code: .duplicateMapKey,
                offset: 1,
                message: "duplicate map key: MAP_EXT holds the key integer 1 twice"
            )
        ),
        (
            [131, 70, 127, 240, 0, 0, 0, 0, 0, 0],
            ETFDecodeError(
                code: .invalidFloat,
                offset: 1,
                message: "invalid float: NEW_FLOAT_EXT holds inf, which Erlang has not"
            )
        ),
        (
            [131, 119, 2, 195, 40],
            ETFDecodeError(
                code: .invalidAtom,
                offset: 1,
                message: "invalid atom: SMALL_ATOM_UTF8_EXT (tag 119) holds malformed UTF-8"
            )
        ),
        (
            [131, 119, 3, 237, 160, 128],
            ETFDecodeError(
                code: .invalidAtom,
                offset: 1,
                message: "invalid atom: SMALL_ATOM_UTF8_EXT (tag 119) holds malformed UTF-8"
            )
        ),
        (
            [131, 100, 1, 0] + Array(repeating: 97, count: 256),
            ETFDecodeError(
                code: .invalidAtom,
                offset: 1,
                message: "invalid atom: ATOM_EXT (tag 100) of 256 characters; atoms have at most 255"
            )
        ),
        (
            [131, 118, 2, 0] + Array(repeating: [206, 187], count: 256).flatMap { $0 },
            ETFDecodeError(
                code: .invalidAtom,
                offset: 1,
                message: "invalid atom: ATOM_UTF8_EXT (tag 118) of 256 characters; atoms have at most 255"
            )
        ),
        (
            [131, 110, 1, 2, 5],
            ETFDecodeError(
                code: .invalidInteger,
                offset: 1,
                message: "invalid integer: SMALL_BIG_EXT (tag 110) has sign byte 2, not 0 or 1"
            )
        ),
        (
            [131, 90, 0, 6, 100, 0, 1, 97],
            ETFDecodeError(
                code: .invalidReference,
                offset: 1,
                message: "invalid reference: NEWER_REFERENCE_EXT (tag 90) of 6 words; at most 5"
            )
        ),
        (
            [131, 88, 97, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            ETFDecodeError(
                code: .unsupportedTerm,
                offset: 2,
                message: "NEW_PID_EXT (tag 88) needs an atom for its node, found SMALL_INTEGER_EXT (tag 97)"
            )
        ),
    ]

    @Test(arguments: badInputs)
    func reportsPreciseErrors(bytes: [UInt8], expected: ETFDecodeError) {
        #expect(throws: expected) { try ExternalTermFormat.decode(bytes) }
    }

    @Test func referencesIgnoreHighZeroWordsAsErlangDoes() throws {
        // In OTP 25 these three are =:= (and one map key), though each keeps its length in ETF.
        let short = Term.reference(Reference(node: "a@h", creation: 1, ids: [1]))
        let long = Term.reference(Reference(node: "a@h", creation: 1, ids: [1, 0, 0]))
        #expect(short == long && short.hashValue == long.hashValue && Term.mapKeyOrder(short, long) == 0)
        #expect(TermMap([(short, Term.integer(1)), (long, Term.integer(2))]).count == 1)
        #expect(ExternalTermFormat.encode(long).count == ExternalTermFormat.encode(short).count + 8)
    }

    @Test func printsErrorsLikeACompiler() {
        let error = ETFDecodeError(
            code: .trailingBytes,
            offset: 3,
            message: "trailing bytes: 1 byte after the end of the term"
        )
        #expect(error.description == "offset 3: error: trailing bytes: 1 byte after the end of the term")
        let inner = ETFDecodeError(code: .unknownTag, offset: 0, message: "unknown tag 255", inDecompressedData: true)
        #expect(inner.description == "offset 0 of the decompressed data: error: unknown tag 255")
    }

    static let truncationSamples: [Term] = [
        .tuple(["ok", .integer(BigInteger("123456789012345678901234567890")!), .float(2.5), .binary([1, 2, 3])]),
        .map(["key": .list([.string("text"), .pid(Pid(node: "a@h", id: 1)), .improperList([1], tail: "t")])]),
        .reference(Reference(node: "\u{3BB}@h", creation: 7, ids: [1, 2, 3])),
        .list([.string("\u{65E5}"), .atom("caf\u{E9}"), .tuple(Array(repeating: 1, count: 300))]),
    ]

    @Test(arguments: truncationSamples)
    func rejectsEveryTruncation(term: Term) {
        let bytes = ExternalTermFormat.encode(term)
        for length in 0..<bytes.count {
            #expect(throws: ETFDecodeError.self) { try ExternalTermFormat.decode(Array(bytes.prefix(length))) }
            do {
                _ = try ExternalTermFormat.decode(Array(bytes.prefix(length)))
            } catch {
                #expect(error.code == .truncated, "prefix of \(length) bytes: \(error)")
            }
        }
    }

    @Test func rejectsCorruptionWithoutTrapping() {
        // Every single-byte change of a sample either decodes or fails with an error.
        let bytes = ExternalTermFormat.encode(Self.truncationSamples[1])
        for index in bytes.indices {
            for value: UInt8 in [0, 1, 0x7F, 0x80, 0xFF, bytes[index] &+ 1] {
                var corrupt = bytes
                corrupt[index] = value
                _ = try? ExternalTermFormat.decode(corrupt)
            }
        }
    }

    @Test func limitsNestingDepth() throws {
        let depth = 10_000
        let nested: [UInt8] =
            [131] + Array(repeating: [ETFTag.smallTuple, 1], count: depth).flatMap { $0 } + [ETFTag.nil]
        #expect(
            throws: ETFDecodeError(
                code: .tooDeep,
                offset: 1025,
                message: "SMALL_TUPLE_EXT (tag 104) nested more than 512 deep"
            )
        ) {
            try ExternalTermFormat.decode(nested)
        }
        let shallow: [UInt8] =
            [131] + Array(repeating: [ETFTag.smallTuple, 1], count: 100).flatMap { $0 } + [ETFTag.nil]
        #expect(try ExternalTermFormat.decode(shallow, limits: .init(maximumDepth: 100)) != .nil)
        #expect(throws: ETFDecodeError.self) {
            try ExternalTermFormat.decode(shallow, limits: .init(maximumDepth: 99))
        }
    }

    @Test func maximumDepthFitsInASmallThreadStack() throws {
        // Decoding, comparing, hashing, encoding and destroying recurse per level: at the
        // default limit they must fit in a small thread stack. Release builds need about
        // 0.6 KiB per level (512 levels fit in 512 KiB); this debug build gets 2 MiB.
        let depth = ExternalTermFormat.DecodingLimits.default.maximumDepth
        var bytes: [UInt8] = [131]
        for level in 0..<depth { bytes += level % 3 == 0 ? [ETFTag.list, 0, 0, 0, 1] : [ETFTag.smallTuple, 1] }
        bytes.append(ETFTag.nil)
        for level in 0..<depth where level % 3 == 0 { bytes.append(ETFTag.nil) }
        let input = bytes
        let finished = Mutex(false)
        let thread = Thread {
            let term = try? ExternalTermFormat.decode(input)
            let copy = try? ExternalTermFormat.decode(ExternalTermFormat.encode(term ?? .nil))
            let same = term == copy && term.hashValue == copy.hashValue && Term.compare(term ?? .nil, copy ?? .nil) == 0
            finished.withLock { $0 = same && term != nil }
        }
        thread.stackSize = 2 << 20
        thread.start()
        while thread.isExecuting || !thread.isFinished { Thread.sleep(forTimeInterval: 0.001) }
        #expect(finished.withLock { $0 })
    }

    @Test func splicesChainedListTailsWithoutRecursing() throws {
        // [0 | [1 | [2 | ...]]] written cell by cell, as some encoders do.
        let cells = 100_000
        var bytes: [UInt8] = [131]
        for index in 0..<cells { bytes += [ETFTag.list, 0, 0, 0, 1, ETFTag.smallInteger, UInt8(index % 256)] }
        bytes.append(ETFTag.nil)
        let term = try ExternalTermFormat.decode(bytes)
        #expect(term.listElements?.count == cells)
    }

    @Test func compressesAsErlangDoes() throws {
        // lists:seq(1, 100) does not shrink under zlib: erts keeps it uncompressed.
        let sequence = Term.list((1...100).map { .integer($0) })
        #expect(ExternalTermFormat.encode(sequence, compressed: true) == ExternalTermFormat.encode(sequence))
        #expect(
            ExternalTermFormat.encode(.map(["a": 1]), compressed: true) == [131, 116, 0, 0, 0, 1, 100, 0, 1, 97, 97, 1]
        )
        let repetitive = Term.list(Array(repeating: .tuple(["hello", .binary("world")]), count: 100))
        let compressed = ExternalTermFormat.encode(repetitive, compressed: true)
        #expect(compressed.prefix(2) == [131, 80])
        #expect(compressed.count < ExternalTermFormat.encode(repetitive).count / 10)
        #expect(try ExternalTermFormat.decode(compressed) == repetitive)
        #expect(ExternalTermFormat.encode(repetitive, compressionLevel: 0) == ExternalTermFormat.encode(repetitive))
        var withTrailing = compressed
        withTrailing.append(0)
        #expect(try ExternalTermFormat.decodePrefix(withTrailing).byteCount == compressed.count)
    }

    @Test func refusesCompressedDataThatDisagreesWithItsSize() throws {
        let compressed = ExternalTermFormat.encode(.binary(Array(repeating: 7, count: 1000)), compressed: true)
        var shorter = compressed
        shorter[5] -= 1  // announces one byte less than zlib produces
        #expect(
            throws: ETFDecodeError(
                code: .badCompression,
                offset: 6,
                message: "bad compression: it decompresses to more than the 1004 bytes announced"
            )
        ) { try ExternalTermFormat.decode(shorter) }
        var longer = compressed
        longer[5] += 1
        #expect(throws: ETFDecodeError.self) { try ExternalTermFormat.decode(longer) }
        #expect(
            throws: ETFDecodeError(
                code: .badCompression,
                offset: 6,
                message: "bad compression: the zlib data ends early"
            )
        ) {
            try ExternalTermFormat.decode(Array(compressed.dropLast(3)))
        }
        #expect(
            throws: ETFDecodeError(
                code: .sizeLimitExceeded,
                offset: 2,
                message: "size limit exceeded: COMPRESSED (tag 80) announces 1005 bytes, the limit is 1000"
            )
        ) { try ExternalTermFormat.decode(compressed, limits: .init(maximumDecompressedSize: 1000)) }
    }

    // MARK: - Map order

    @Test func writesBigMapsInHashmapOrder() {
        // term_to_binary(maps:from_list([{I, x} || I <- lists:seq(1, 40)])) in OTP 25.
        let erlangOrder = [
            33, 12, 23, 29, 30, 39, 26, 31, 11, 37, 9, 32, 34, 25, 28, 6, 38, 13, 40, 20, 15, 14, 2, 7, 1, 8, 3, 17, 22,
            21,
            4, 36, 24, 10, 35, 27, 19, 5, 18, 16,
        ]
        let map = TermMap((1...40).map { (Term.integer($0), Term.atom("x")) })
        let bytes = ExternalTermFormat.encode(.map(map))
        let keys = stride(from: 6, to: bytes.count, by: 6).map { Int(bytes[$0 + 1]) }
        #expect(keys == erlangOrder)
    }

    @Test func writesBigMapsWithAtomKeysInKeyOrder() {
        let map = TermMap((1...40).map { (Term.atom("k\($0)"), Term.integer($0)) })
        #expect(ETFMapOrder.hashOrder(map) == nil)
        #expect(ETFMapOrder.entriesInOTPOrder(map) == map.entries)
    }

    @Test func reproducesErtsInternalHash() {
        // erts_debug:get_internal_state({internal_hash, T}) in OTP 25.
        let hashes: [(Term, UInt32)] = [
            (0, 3_620_831_944), (1, 2_441_450_838), (-1, 559_702_020), (.integer(1 << 40), 1_309_661_989),
            (.float(1.0), 1_476_340_101), (.binary([]), 3_580_844_982), (.binary([1, 2, 3]), 4_177_851_886),
            (.string("abc"), 4_050_146_831), (.tuple([]), 904_478_834), (.tuple([1, 2]), 240_741_374),
            (.nil, 2_464_209_347),
            (.integer(BigInteger("18446744073709551616")!), 1_670_597_026),
        ]
        for (term, hash) in hashes { #expect(OTPInternalHash.hash(term) == hash, "\(term)") }
        #expect(OTPInternalHash.hash(.tuple(["a"])) == nil)
    }
}
