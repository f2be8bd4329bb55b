//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import Glibc

/// kv 0.1.0 and 0.2.0: a table of strings. Back from 0.3.0 the default `codeChange` decodes
/// what 0.3.0's `downgradeState` wrote.
public struct KV: Server {
    public static let vsn: Term = 1
    public struct State: Codable, Sendable { var table: [String: String] = [:] }
    public init() {}
    public func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
    public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply
    {
        if let arguments = request.tagged("sleep"), let ms = arguments.first?.intValue {
            usleep(UInt32(ms) * 1000)
            return .reply("slept")
        }
        if let count = request.tagged("fill")?.first?.intValue {
            for index in 0..<count { state.table["key-\(index)"] = "value-\(index)-0123456789abcdef" }
            return .reply(.integer(state.table.count))
        }
        if let arguments = request.tagged("put"), arguments.count == 2, let key = text(arguments[0]),
            let value = text(arguments[1])
        {
            state.table[key] = value
            return .reply("ok")
        }
        if let arguments = request.tagged("delete"), let key = arguments.first.flatMap(text) {
            state.table[key] = nil
            return .reply("ok")
        }
        if let key = request.tagged("get")?.first.flatMap(text) {
            return .reply(state.table[key].map { .binary($0) } ?? "undefined")
        }
        switch request {
        case "count": return .reply(.integer(state.table.count))
        case "version": return .reply(.binary(kvVersion))
        default: return .reply(.tuple(["error", "badarg"]))
        }
    }
}
