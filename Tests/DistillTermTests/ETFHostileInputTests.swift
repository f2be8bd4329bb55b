//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CZlib
import Foundation
import Synchronization
import Testing

@testable import DistillTerm

/// Input built to exhaust the decoder: every path that nests counts toward the depth limit,
/// and none recurses without it. Each decode runs on a thread with the stack of a control
/// connection's thread (4 MiB), which a path that recursed per level would overflow.
struct ETFHostileInputTests {
    /// Decodes `bytes` on a thread with a 4 MiB stack and returns the outcome.
    private func decodeOnSmallStack(
        _ bytes: [UInt8],
        limits: ExternalTermFormat.DecodingLimits = .default
    ) -> Result<Term, ETFDecodeError> {
        let result = Mutex<Result<Term, ETFDecodeError>?>(nil)
        let thread = Thread {
            let outcome = Result { () throws(ETFDecodeError) in try ExternalTermFormat.decode(bytes, limits: limits) }
            result.withLock { $0 = outcome }
        }
        thread.stackSize = 4 << 20
        thread.start()
        while result.withLock({ $0 == nil }) { Thread.sleep(forTimeInterval: 0.001) }
        return result.withLock { $0! }
    }

    /// `count` times `prefix`, then `leaf`.
    private func chain(_ prefix: [UInt8], _ count: Int, then leaf: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [131]
        bytes.reserveCapacity(1 + prefix.count * count + leaf.count)
        for _ in 0..<count { bytes += prefix }
        return bytes + leaf
    }

    static let atomA: [UInt8] = [ETFTag.smallAtomUTF8, 1, UInt8(ascii: "a")]

    /// The issue's frame: `[131] + [88] * 1_000_000`, a NEW_PID_EXT whose node is a
    /// NEW_PID_EXT whose node is... It overflowed the stack (the node died); a node that is
    /// not an atom is refused where it starts.
    @Test(arguments: [ETFTag.newPid, ETFTag.pid])
    func aPidWhoseNodeIsAPidIsRefusedWithoutRecursing(tag: UInt8) {
        let bytes = chain([tag], 1_000_000, then: Self.atomA)
        let name = tag == ETFTag.newPid ? "NEW_PID_EXT (tag 88)" : "PID_EXT (tag 103)"
        #expect(
            decodeOnSmallStack(bytes)
                == .failure(
                    ETFDecodeError(
                        code: .unsupportedTerm,
                        offset: 2,
                        message: "\(name) needs an atom for its node, found \(name)"
                    )
                )
        )
    }

    @Test func referencesWhoseNodeIsAReferenceAreRefusedWithoutRecursing() {
        // NEWER_REFERENCE_EXT and NEW_REFERENCE_EXT: tag, 2-byte word count, node, ...
        for (tag, name) in [
            (ETFTag.newerReference, "NEWER_REFERENCE_EXT (tag 90)"),
            (ETFTag.newReference, "NEW_REFERENCE_EXT (tag 114)"),
        ] {
            let bytes = chain([tag, 0, 1], 500_000, then: Self.atomA)
            #expect(
                decodeOnSmallStack(bytes)
                    == .failure(
                        ETFDecodeError(
                            code: .unsupportedTerm,
                            offset: 4,
                            message: "\(name) needs an atom for its node, found \(name)"
                        )
                    )
            )
        }
        let old = chain([ETFTag.reference], 1_000_000, then: Self.atomA)
        #expect(
            decodeOnSmallStack(old)
                == .failure(
                    ETFDecodeError(
                        code: .unsupportedTerm,
                        offset: 2,
                        message: "REFERENCE_EXT (tag 101) needs an atom for its node, found REFERENCE_EXT (tag 101)"
                    )
                )
        )
    }

    @Test func aPidWhoseNodeIsAnyOtherTermIsRefused() {
        // A tuple holding the pid: the node is checked before anything is read into it.
        let bytes: [UInt8] = [131, ETFTag.newPid, ETFTag.smallTuple, 1] + Self.atomA + Array(repeating: 0, count: 12)
        #expect(
            decodeOnSmallStack(bytes)
                == .failure(
                    ETFDecodeError(
                        code: .unsupportedTerm,
                        offset: 2,
                        message: "NEW_PID_EXT (tag 88) needs an atom for its node, found SMALL_TUPLE_EXT (tag 104)"
                    )
                )
        )
        // Every atom encoding is a node, as binary_to_term reads them.
        for atom: [UInt8] in [[100, 0, 1, 97], [115, 1, 97], [118, 0, 1, 97], [119, 1, 97]] {
            let pid = [131, ETFTag.newPid] + atom + [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]
            #expect(decodeOnSmallStack(pid) == .success(.pid(Pid(node: "a", id: 1, serial: 2, creation: 3))))
        }
    }

    /// Every container, a million deep: refused at the depth limit.
    @Test(
        arguments: [
            ("tuple", [ETFTag.smallTuple, 1], [ETFTag.nil]),
            ("large tuple", [ETFTag.largeTuple, 0, 0, 0, 1], [ETFTag.nil]),
            ("list head", [ETFTag.list, 0, 0, 0, 1], [ETFTag.nil]),
            ("map value", [ETFTag.map, 0, 0, 0, 1, ETFTag.smallInteger, 1], [ETFTag.nil]),
            ("map key", [ETFTag.map, 0, 0, 0, 1], [ETFTag.nil]),
            ("list tail tuple", [ETFTag.list, 0, 0, 0, 0, ETFTag.smallTuple, 1], [ETFTag.nil]),
        ] as [(String, [UInt8], [UInt8])]
    )
    func everyNestingCountsTowardTheDepthLimit(name: String, prefix: [UInt8], leaf: [UInt8]) {
        let bytes = chain(prefix, 1_000_000, then: leaf)
        guard case .failure(let error) = decodeOnSmallStack(bytes) else {
            Issue.record("\(name): decoded a million levels")
            return
        }
        #expect(error.code == .tooDeep, "\(name): \(error)")
    }

    @Test func compressedTermsCountDepthInTheirDecompressedData() throws {
        var plain: [UInt8] = [131]
        for _ in 0..<100_000 { plain += [ETFTag.smallTuple, 1] }
        plain.append(ETFTag.nil)
        let bytes = try Self.compress(Array(plain.dropFirst()))
        guard case .failure(let error) = decodeOnSmallStack(bytes) else {
            Issue.record("decoded 100,000 compressed levels")
            return
        }
        #expect(error.code == .tooDeep)
        #expect(error.inDecompressedData)
        // A compressed term inside a term is refused, not decompressed again.
        let nested: [UInt8] = [131, ETFTag.smallTuple, 1] + Array(bytes.dropFirst())
        #expect(decodeOnSmallStack(nested).failureCode == .unsupportedTerm)
    }

    /// `131, 80, size, zlib(plain)`.
    static func compress(_ plain: [UInt8]) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(compressBound(uLong(plain.count))))
        var length = uLongf(output.count)
        let status = compress2(&output, &length, plain, uLong(plain.count), 9)
        try #require(status == Z_OK)
        let size = UInt32(plain.count)
        return [131, ETFTag.compressed, UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF)]
            + [UInt8(size & 0xFF)] + output[..<Int(length)]
    }

    @Test func funsExportsPortsAndBitStringsAreRefusedWithoutReadingInside() {
        // Their bodies would hold terms (a fun's free variables, an export's module): the
        // decoder refuses the tag and reads nothing of it.
        for tag in [
            ETFTag.newFun, ETFTag.fun, ETFTag.export, ETFTag.port, ETFTag.newPort, ETFTag.v4Port, ETFTag.bitBinary,
        ] {
            let bytes = chain([tag], 1_000_000, then: Self.atomA)
            #expect(decodeOnSmallStack(bytes).failureCode == .unsupportedTerm, "tag \(tag)")
        }
    }

    @Test func integersWiderThanTheLimitAreRefused() {
        // LARGE_BIG_EXT of 2 MB: within the input, over a limit of 64 Ki bits.
        let length = 2 << 20
        let bytes: [UInt8] =
            [131, ETFTag.largeBig, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), 0, 0]
            + Array(repeating: 0xFF, count: length)
        let limits = ExternalTermFormat.DecodingLimits(maximumIntegerBits: 1 << 16)
        #expect(
            decodeOnSmallStack(bytes, limits: limits)
                == .failure(
                    ETFDecodeError(
                        code: .sizeLimitExceeded,
                        offset: 1,
                        message: "size limit exceeded: LARGE_BIG_EXT (tag 111) of 2097152 bytes is over the limit of "
                            + "8192 bytes (65536 bits) for an integer"
                    )
                )
        )
        // At the limit it decodes; without a limit (the default) so does the 2 MB one.
        let atLimit: [UInt8] = [131, ETFTag.largeBig, 0, 0, 0x20, 0, 0] + Array(repeating: 0xFF, count: 8192)
        #expect(decodeOnSmallStack(atLimit, limits: limits).failureCode == nil)
        #expect(decodeOnSmallStack(bytes).failureCode == nil)
    }

    @Test func aDuplicateKeyErrorPrintsAHugeIntegerBriefly() {
        // Two equal keys of 64 KiB each: the message names the key in a few bytes instead of
        // printing 158,000 digits (which took seconds, and hours for megabytes).
        let length = 64 << 10
        let key: [UInt8] = [ETFTag.largeBig, 0, 1, 0, 0, 0] + Array(repeating: 0xAB, count: length)
        let bytes: [UInt8] = [131, ETFTag.map, 0, 0, 0, 2] + key + [ETFTag.nil] + key + [ETFTag.nil]
        guard case .failure(let error) = decodeOnSmallStack(bytes) else {
            Issue.record("a map with a repeated key decoded")
            return
        }
        #expect(error.code == .duplicateMapKey)
        #expect(error.message == "duplicate map key: MAP_EXT holds the key integer <integer of 524288 bits> twice")
    }
}

extension Result where Failure == ETFDecodeError {
    fileprivate var failureCode: ETFDecodeError.Code? {
        if case .failure(let error) = self { return error.code }
        return nil
    }
}
