//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import DistillTestSupport
import PropertyBased
import Testing

/// Printing then parsing gives back the same term, for random terms.
struct TermTextRoundTripTests {
    @Test func prettyTextReadsBack() async {
        await propertyCheck(count: 300, input: TermGenerator.gen()) { term throws in
            #expect(try TermParser.parseOne(TermPrinter.print(term)) == term)
        }
    }

    @Test func compactTextReadsBack() async {
        await propertyCheck(count: 300, input: TermGenerator.gen()) { term throws in
            let text = TermPrinter.printCompact(term)
            #expect(try TermParser.parseOne(text) == term)
            #expect(!text.contains("\n"))
        }
    }

    @Test func latin1TextReadsBack() async {
        await propertyCheck(count: 200, input: TermGenerator.gen()) { term throws in
            let options = TermPrinter.Options(printableRange: .latin1)
            #expect(try TermParser.parseOne(TermPrinter.print(term, options: options)) == term)
        }
    }

    @Test func narrowLinesReadBack() async {
        await propertyCheck(count: 200, input: TermGenerator.gen(maximumDepth: 6, maximumWidth: 4)) { term throws in
            let options = TermPrinter.Options(lineLength: 20)
            #expect(try TermParser.parseOne(TermPrinter.print(term, options: options)) == term)
        }
    }

    @Test func filesOfManyTermsReadBack() throws {
        var random = SplitMix64(seed: 99)
        let generator = TermGenerator(maximumDepth: 5, maximumWidth: 8)
        let terms = (0..<400).map { _ in generator.term(using: &random) }
        let file = TermPrinter.file(terms, header: "utf-8")
        #expect(try TermParser.parseAll(file, file: "f") == terms)
        #expect(try TermParser.parseAll(bytes: Array(file.utf8), file: "f") == terms)
        #expect(try TermParser.parseAllLocated(file, file: "f").map(\.term) == terms)
    }

    @Test func printingIsStableOverARoundTrip() async {
        await propertyCheck(count: 200, input: TermGenerator.gen()) { term throws in
            let text = TermPrinter.print(term)
            #expect(TermPrinter.print(try TermParser.parseOne(text)) == text)
        }
    }

    @Test func describesTermsAsTheirCompactText() async {
        await propertyCheck(count: 100, input: TermGenerator.gen()) { term throws in
            #expect(term.description == TermPrinter.printCompact(term))
        }
    }
}
