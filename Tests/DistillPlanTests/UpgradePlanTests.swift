//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillPlan
import DistillRelease
import DistillTerm
import Foundation
import Testing

/// The whole upgrade: appups per application and the summary the build prints.
struct UpgradePlanTests {
    typealias S = Snapshots

    static func snapshot(
        _ name: String,
        _ version: String,
        runtime: String = "rt1",
        _ modules: ModuleSnapshot...
    )
        -> BuildSnapshot
    {
        BuildSnapshot(application: name, version: version, runtimeFingerprint: runtime, modules: modules)
    }

    static let old = [
        snapshot(
            "kv",
            "0.1.0",
            S.supervisor("KVSupervisor"),
            S.server("KV", references: ["KVLib"]),
            S.server("KVStats"),
            S.library("KVLib"),
            S.library("KVOld")
        ),
        snapshot("legacy", "0.3.0", S.library("Legacy")),
        snapshot("web", "1.0.0", S.server("Web")),
    ]
    static let new = [
        snapshot(
            "kv",
            "0.2.0",
            S.supervisor("KVSupervisor", code: "2"),
            S.server("KV", references: ["KVLib"]),
            S.server("KVStats", vsn: 2, code: "2", state: [("table", "[String: Term]"), ("hits", "Int")]),
            S.library("KVLib", code: "2"),
            S.library("KVCache")
        ),
        snapshot("web", "1.0.0", S.server("Web")),
        snapshot("metrics", "1.0.0", S.server("Metrics")),
    ]

    @Test func describesTheUpgrade() throws {
        let plan = try UpgradePlanner().plan(from: Self.old, to: Self.new)
        #expect(
            plan.description == """
                kv 0.1.0 -> 0.2.0 (generated appup)
                  add      KVCache
                  load     KVLib
                  update   KV (soft)
                  update   KVStats (advanced: vsn 1 -> 2; KVStats.State gained field 'hits')
                  update   KVSupervisor (supervisor)
                  delete   KVOld
                web 1.0.0 (unchanged)
                metrics 1.0.0 (new application)
                legacy 0.3.0 (removed)
                """
        )
        #expect(plan.applications.map(\.status) == [.upgraded, .unchanged, .added, .removed])
        #expect(plan.applications[0].appup != nil)
        #expect(plan.applications[1].appup == nil)
        #expect(!plan.runtimeChanged)
    }

    @Test func saysWhenTheRuntimeChanged() throws {
        let new = Self.new.map { snapshot -> BuildSnapshot in
            var changed = snapshot
            changed.runtimeFingerprint = "rt2"
            return changed
        }
        let plan = try UpgradePlanner().plan(from: Self.old, to: new)
        #expect(plan.runtimeChanged)
        #expect(plan.warnings.map(\.code) == [.runtimeChanged])
        #expect(plan.allWarnings.count == 1)
        #expect(plan.description.contains("runtime changed: the node restarts (restart_new_emulator)"))
    }

    @Test func handWrittenAppupReplacesTheGeneratedOne() throws {
        let path = "rel/appups/kv/0.1.0_to_0.2.0.appup"
        let text = """
            {"0.2.0", [{"0.1.0", [{restart_application, kv}]}], [{"0.1.0", [{restart_application, kv}]}]}.
            """
        let appup = try Appup(located: try TermParser.parseAllLocated(text, file: path)[0], file: path)
        let plan = try UpgradePlanner().plan(
            from: Self.old,
            to: Self.new,
            handWritten: ["kv": AppupFile(path: path, appup: appup)]
        )
        #expect(plan.applications[0].appup == appup)
        #expect(plan.applications[0].handWrittenAppup == path)
        #expect(plan.description.hasPrefix("kv 0.1.0 -> 0.2.0 (hand-written appup \(path))"))
        // restart_application names no module: every change is reported, up and down.
        #expect(plan.applications[0].warnings.count == 12)
    }

    @Test func encodesAsJSON() throws {
        let plan = try UpgradePlanner().plan(from: Self.old, to: Self.new)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try #require(String(data: try encoder.encode(plan), encoding: .utf8))
        #expect(json.hasPrefix(#"{"applications":[{"added":["KVCache"],"advanced_updated":["KVStats"],"appup":"#))
        #expect(
            json.contains(
                #""state_changes":[{"fields":["gained field 'hits'"],"module":"KVStats","new_vsn":"2","old_vsn":"1"}]"#
            )
        )
        #expect(json.contains(#"{"added":[],"advanced_updated":[],"deleted":[],"loaded":[],"name":"metrics","#))
        #expect(json.hasSuffix(#""runtime_changed":false,"warnings":[]}"#))
    }

    @Test func errorsNameTheApplication() {
        var new = Self.new
        new[1].modules[0].fingerprint = "changed"
        #expect(throws: PlanError.self) { try UpgradePlanner().plan(from: Self.old, to: new) }
        do {
            _ = try UpgradePlanner().plan(from: Self.old, to: new)
        } catch {
            #expect(error.code == .codeChangedWithoutVersion)
            #expect(error.application == "web")
        }
    }
}
