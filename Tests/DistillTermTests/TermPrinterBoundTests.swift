//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import Testing

/// `printCompact(_:maximumBytes:)`: text for logs and error messages about terms that came
/// from outside, bounded in bytes and in time.
struct TermPrinterBoundTests {
    @Test func aTermThatFitsPrintsAsPrintCompactPrintsIt() {
        let terms: [Term] = [
            .tuple([.atom("upgrade"), .list([.binary(Array("0.2.0".utf8)), .list([])])]),
            .bigInteger(BigInteger("123456789012345678901234567890")!),
            .map(TermMap([(.atom("a"), .string("été"))])),
        ]
        for term in terms {
            #expect(TermPrinter.printCompact(term, maximumBytes: 200) == TermPrinter.printCompact(term))
        }
    }

    @Test func aLongTermIsCutAfterTheBudget() {
        let term = Term.list((0..<1_000_000).map { .integer($0) })
        let text = TermPrinter.printCompact(term, maximumBytes: 40)
        #expect(text == "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,1...")
        let binary = Term.binary(Array(repeating: 1, count: 16 << 20))
        #expect(TermPrinter.printCompact(binary, maximumBytes: 12) == "<<1,1,1,1,1,...")
        let nested = Term.tuple([.atom("rpc"), .list([.atom("kv"), .string(String(repeating: "x", count: 1 << 20))])])
        #expect(TermPrinter.printCompact(nested, maximumBytes: 20) == "{rpc,[kv,\"xxxxxxxxxx...")
    }

    @Test func aCutNeverSplitsACharacter() {
        // "é" is two bytes: a cut after 4 bytes backs up to the start of the third "é".
        let text = TermPrinter.printCompact(.string("éééé"), maximumBytes: 4)
        #expect(text == "\"é...")
    }

    /// A 2 MB integer: its decimal digits would take hours to compute one at a time; the
    /// bounded print names its width instead, at once.
    @Test(.timeLimit(.minutes(1)))
    func aHugeIntegerPrintsAsItsWidth() {
        let huge = BigInteger(isNegative: false, littleEndianMagnitude: [UInt8](repeating: 0xFF, count: 2 << 20))
        #expect(TermPrinter.printCompact(.bigInteger(huge), maximumBytes: 100) == "<integer of 16777216 bits>")
        let negative = BigInteger(isNegative: true, littleEndianMagnitude: [UInt8](repeating: 0, count: 600) + [1])
        #expect(
            TermPrinter.printCompact(.tuple([.atom("soak"), .bigInteger(negative)]), maximumBytes: 100)
                == "{soak,<negative integer of 4801 bits>}"
        )
        // 4096 bits and less print their digits.
        let wide = BigInteger(isNegative: false, littleEndianMagnitude: [UInt8](repeating: 0xFF, count: 512))
        #expect(TermPrinter.printCompact(.bigInteger(wide), maximumBytes: 2000) == wide.toString())
    }
}
