//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillPlan
import DistillTerm

/// Small builds for the generator's tests: `code` stands for the code's fingerprint.
enum Snapshots {
    static func server(
        _ name: String,
        vsn: Term = 1,
        code: String = "1",
        references: [String] = [],
        state: [(String, String)] = [("table", "[String: Term]")]
    ) -> ModuleSnapshot {
        ModuleSnapshot(
            name: name,
            kind: .server,
            vsn: vsn,
            fingerprint: code,
            references: references,
            state: StateShape(fields: state.map { StateShape.Field(name: $0.0, type: $0.1) })
        )
    }

    static func supervisor(_ name: String, code: String = "1", references: [String] = []) -> ModuleSnapshot {
        ModuleSnapshot(name: name, kind: .supervisor, vsn: 1, fingerprint: code, references: references)
    }

    static func library(_ name: String, code: String = "1", references: [String] = []) -> ModuleSnapshot {
        ModuleSnapshot(name: name, kind: .library, fingerprint: code, references: references)
    }

    static func build(_ version: String, runtime: String = "rt1", _ modules: ModuleSnapshot...) -> BuildSnapshot {
        BuildSnapshot(application: "kv", version: version, runtimeFingerprint: runtime, modules: modules)
    }
}
