//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime

/// A key-value store whose state has every shape the manifest describes.
public struct KV: Server {
    public static let vsn: Term = 3

    public struct Entry: Codable, Sendable {
        var value: String
        var hits: Int
    }

    public struct State: Codable, Sendable {
        var table: [String: Entry] = [:]
        var order: [String] = []
        var last: Entry?
        var limit: Int = 100
    }

    public init() {}

    public func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }

    public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply
    {
        if let arguments = request.tagged("put"), arguments.count == 2, let key = arguments[0].atomValue,
            let value = arguments[1].atomValue
        {
            state.table[key] = Entry(value: value, hits: 0)
            state.order.append(key)
            return .reply("ok")
        }
        if let key = request.tagged("get")?.first?.atomValue {
            guard var entry = state.table[key] else { return .reply("undefined") }
            entry.hits += 1
            state.table[key] = entry
            state.last = entry
            return .reply(.atom(entry.value))
        }
        if request == "env" { return .reply(ctx.environment("limit") ?? "undefined") }
        return .reply(.tuple(["error", "badarg"]))
    }
}

/// Keeps KV running, registered as `kv`.
public struct KVSupervisor: Supervisor {
    public static let vsn: Term = 1
    public init() {}
    public func spec(_ args: Term) throws -> SupervisorSpec {
        SupervisorSpec(
            strategy: .oneForOne,
            intensity: 3,
            period: 5,
            children: [
                .worker(KV.self, modules: ["KV", "KVFormat"], registeredName: "kv")
            ]
        )
    }
}

/// Helpers KV uses: a library module, named so that an upgrade can name it.
public enum KVFormat: Library {
    public static let vsn: Term = 1
}

@_cdecl("distill_application")
public func distillApplication() -> UnsafeMutableRawPointer {
    Application(
        name: "kv",
        version: "0.1.0",
        description: "A key-value store",
        start: KVSupervisor.self,
        modules: [KV.self, KVFormat.self],
        registered: ["kv"],
        applications: [],
        env: ["limit": 100, "mode": "fast"]
    ).export()
}
