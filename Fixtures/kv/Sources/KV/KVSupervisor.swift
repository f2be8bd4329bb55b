//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime

/// The application's top supervisor: keeps KV running, registered as `kv`.
public struct KVSupervisor: Supervisor {
    public static let vsn: Term = 1

    public init() {}

    public func spec(_ args: Term) throws -> SupervisorSpec {
        SupervisorSpec(
            strategy: .oneForOne,
            intensity: 3,
            period: 5,
            children: [.worker(KV.self, registeredName: "kv")]
        )
    }
}
