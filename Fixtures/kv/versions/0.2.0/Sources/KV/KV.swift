//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime

/// A key-value store, registered as `kv`:
///
/// - `{put, Key, Value}` → `ok`
/// - `{get, Key, Default}` → the value, or `Default`
/// - `{delete, Key}` → `ok`
/// - `keys` → the keys, in term order
///
/// 0.2.0 logs every request (a soft update: the state keeps its shape).
public struct KV: Server {
    public static let vsn: Term = 1

    public struct State: Codable, Sendable {
        var table: [Term: Term] = [:]
    }

    public init() {}

    public func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }

    public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply
    {
        ctx.logger.info("request", metadata: ["request": "\(request)", "keys": "\(state.table.count)"])
        return .reply(KVRequests.handle(request, table: &state.table))
    }
}
