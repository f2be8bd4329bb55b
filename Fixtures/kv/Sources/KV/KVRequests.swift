//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime

/// What KV does with a request, apart from the process around it.
enum KVRequests {
    static func handle(_ request: Term, table: inout [Term: Term]) -> Term {
        if let arguments = request.tagged("put"), arguments.count == 2 {
            table[arguments[0]] = arguments[1]
            return "ok"
        }
        if let arguments = request.tagged("get"), arguments.count == 2 {
            return table[arguments[0]] ?? arguments[1]
        }
        if let arguments = request.tagged("delete"), arguments.count == 1 {
            table[arguments[0]] = nil
            return "ok"
        }
        if request == "keys" {
            return .list(table.keys.sorted())
        }
        return .tuple(["error", .tuple(["badarg", request])])
    }
}
