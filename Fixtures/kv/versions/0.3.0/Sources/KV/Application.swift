//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime

@_cdecl("distill_application")
public func distillApplication() -> UnsafeMutableRawPointer {
    Application(
        name: "kv",
        version: "0.3.0",
        description: "A key-value store",
        start: KVSupervisor.self,
        modules: [KV.self, KVSupervisor.self],
        registered: ["kv"]
    ).export()
}
