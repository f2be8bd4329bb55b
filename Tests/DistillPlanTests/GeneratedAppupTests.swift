//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillPlan
import DistillRelease
import DistillTerm
import DistillTestSupport
import Testing

/// Every generated appup compiles: random pairs of builds, their appup, and the relup
/// compiler must take it both ways without an error (DepMods name modules that have
/// instructions, no module twice, every loaded module in the `.app`).
struct GeneratedAppupTests {
    static func randomBuilds(_ random: inout SplitMix64) -> (BuildSnapshot, BuildSnapshot) {
        let names = (1...random.int(2...12)).map { "M\($0)" }
        var old: [ModuleSnapshot] = []
        var new: [ModuleSnapshot] = []
        for name in names {
            let kind = random.pick(ModuleSnapshot.Kind.allCases)
            let references = random.sample(names, upTo: random.int(0...3))
            let module = ModuleSnapshot(
                name: name,
                kind: kind,
                vsn: kind == .library ? nil : 1,
                fingerprint: "c1",
                references: references,
                state: kind == .server ? StateShape(fields: [.init(name: "count", type: "Int")]) : nil
            )
            let place = random.int(0...9)
            if place != 0 { old.append(module) }  // 0: only in new
            guard place != 1 else { continue }  // 1: only in old
            var changed = module
            if random.chance(0.4) {
                changed.fingerprint = "c2"
                changed.references = random.sample(names, upTo: random.int(0...3))
                if kind == .server, random.chance(0.5) {
                    changed.vsn = 2
                    changed.state = StateShape(fields: [
                        .init(name: "count", type: "Int"), .init(name: "hits", type: "Int"),
                    ])
                }
            }
            new.append(changed)
        }
        return (
            BuildSnapshot(application: "kv", version: "1.0", runtimeFingerprint: "rt", modules: old),
            BuildSnapshot(application: "kv", version: "1.1", runtimeFingerprint: "rt", modules: new)
        )
    }

    @Test func generatedAppupsCompileToRelups() throws {
        var random = SplitMix64(seed: 2024)
        for index in 0..<300 {
            let (old, new) = Self.randomBuilds(&random)
            let generated = try AppupGenerator().generate(from: old, to: new)
            let appup = try #require(generated.appup)
            var newRelease = try Fixtures.release(
                "2",
                [Fixtures.app("kv", "1.1", modules: new.modules.map(\.name))]
            )
            newRelease.appups["kv"] = AppupFile(path: "kv.appup", appup: appup)
            let oldRelease = try Fixtures.release("1", [Fixtures.app("kv", "1.0", modules: old.modules.map(\.name))])
            do {
                let relup = try RelupCompiler().compile(newRelease, bases: [oldRelease]).relup
                #expect(relup.upgrades.count == 1, "case \(index)")
            } catch {
                Issue.record("case \(index): \(error)\nappup: \(appup.term)")
            }
        }
    }
}
