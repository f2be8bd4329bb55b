//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import KVPlugin
import Testing

@Test func kvStoresWhatItIsGiven() throws {
    let runtime = EmbeddedRuntime()
    let kv = try runtime.spawn(KV.self)
    #expect(try runtime.call(kv, .tuple(["put", "k", "v"])) == "ok")
    #expect(try runtime.call(kv, .tuple(["get", "k"])) == "v")
    #expect(runtime.finish().isClean)
}
