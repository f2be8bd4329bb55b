//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Testing

/// For random models of every kind: printing, parsing and decoding gives the model
/// back, and its term back (decode(encode(x)) == x and encode(decode(t)) == t).
struct RoundTripPropertyTests {
    static let seeds: [UInt64] = Array(1...40)

    @Test(arguments: seeds)
    func instructionsRoundTripThroughText(seed: UInt64) throws {
        var random = RandomModels(seed: seed)
        for _ in 0..<50 {
            let instruction = random.appupInstruction()
            let text = TermPrinter.print(instruction.term)
            let decoded = try AppupInstruction(located: located(text), file: "seed-\(seed)")
            #expect(decoded == instruction, "seed \(seed): \(text)")
            #expect(decoded.term == instruction.term)
            #expect(try AppupInstruction(located: unlocated(instruction.term), file: "code") == instruction)
        }
    }

    @Test(arguments: seeds)
    func filesRoundTripThroughText(seed: UInt64) throws {
        var random = RandomModels(seed: seed)
        let appup = random.appup()
        #expect(try Appup(parsing: appup.fileContents, file: "a.appup") == appup, "seed \(seed)")
        let relup = random.relup()
        #expect(try Relup(parsing: relup.fileContents, file: "relup") == relup, "seed \(seed)")
        let app = random.applicationSpec()
        #expect(try ApplicationSpec(parsing: app.fileContents, file: "a.app") == app, "seed \(seed)")
        let rel = random.releaseSpec()
        #expect(try ReleaseSpec(parsing: rel.fileContents, file: "a.rel") == rel, "seed \(seed)")
        let sys = random.sysConfig()
        #expect(try SysConfig(parsing: sys.fileContents, file: "sys.config") == sys, "seed \(seed)")
    }

    @Test(arguments: seeds)
    func expansionKeepsEveryWrittenParameter(seed: UInt64) {
        var random = RandomModels(seed: seed)
        for _ in 0..<50 {
            let update = random.update()
            let full = update.expanded
            #expect(full.module == update.module)
            switch update {
            case .full(let written): #expect(full == written)
            case .timeout(_, let timeout, let change, let pre, let post, let dependencies):
                #expect(
                    full
                        == ModuleUpdate(
                            module: full.module,
                            timeout: timeout,
                            change: change,
                            prePurge: pre,
                            postPurge: post,
                            dependencies: dependencies
                        )
                )
            case .supervisor: #expect(full.moduleType == .static && full.change == .advanced(.nil))
            default: #expect(full.moduleType == .dynamic && full.timeout == .default)
            }
        }
    }
}
