//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillRuntime
import Foundation

// Versions of one application, "store", linked into the test binary: each version is a set of
// Swift types with the same module names, as two builds of a plugin would be.

/// Store 1: a count. Calls: `get`, `version`, `{sleep, Ms}`; casts `{add, N}`.
struct StoreV1: Server {
    static let vsn: Term = 1
    static var moduleName: String { "Store" }
    struct State: Codable, Sendable { var count = 0 }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State(count: args.intValue ?? 0) }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        if let ms = request.tagged("sleep")?.first?.intValue {
            usleep(UInt32(ms) * 1000)
            return .reply("slept")
        }
        if let amount = request.tagged("add")?.first?.intValue {
            state.count += amount
            return .reply(.integer(state.count))
        }
        switch request {
        case "get": return .reply(.integer(state.count))
        case "version": return .reply(1)
        case "env": return .reply(ctx.environment("mode") ?? "undefined")
        default: return .reply(.tuple(["error", "badarg"]))
        }
    }
    func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let amount = request.tagged("add")?.first?.intValue { state.count += amount }
    }
    func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State {
        guard oldVsn == .tuple(["down", 2]), let total = state.mapValue?["total"]?.intValue else {
            throw TestFailure("Store 1 cannot convert from \(oldVsn)")
        }
        return State(count: total)
    }
}

/// Store 1.1: the same state; a soft change decodes it. Answers `version` with `"1.1"`.
struct StoreV1Soft: Server {
    static let vsn: Term = 1
    static var moduleName: String { "Store" }
    struct State: Codable, Sendable { var count = 0 }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State(count: args.intValue ?? 0) }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        if let amount = request.tagged("add")?.first?.intValue {
            state.count += amount
            return .reply(.integer(state.count))
        }
        switch request {
        case "get": return .reply(.integer(state.count))
        case "version": return .reply(.string("1.1"))
        default: return .reply(.tuple(["error", "badarg"]))
        }
    }
    func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let amount = request.tagged("add")?.first?.intValue { state.count += amount }
    }
    func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State {
        if let total = state.mapValue?["total"]?.intValue { return State(count: total) }
        return try TermDecoder().decode(State.self, from: state)
    }
}

/// Store 2: the count becomes `total` and a `label` comes from the upgrade's Extra;
/// `codeChange` throws when Extra is `refuse` and blocks for Ms when it is `{hang, Ms}`.
struct StoreV2: Server {
    static let vsn: Term = 2
    static var moduleName: String { "Store" }
    struct State: Codable, Sendable {
        var total = 0
        var label = ""
    }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State(total: args.intValue ?? 0) }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        if let ms = request.tagged("sleep")?.first?.intValue {
            usleep(UInt32(ms) * 1000)
            return .reply("slept")
        }
        if let amount = request.tagged("add")?.first?.intValue {
            state.total += amount
            return .reply(.integer(state.total))
        }
        switch request {
        case "get": return .reply(.integer(state.total))
        case "label": return .reply(.binary(state.label))
        case "version": return .reply(2)
        case "env": return .reply(ctx.environment("mode") ?? "undefined")
        default: return .reply(.tuple(["error", "badarg"]))
        }
    }
    func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let amount = request.tagged("add")?.first?.intValue { state.total += amount }
    }
    func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State {
        if extra == "refuse" { throw TestFailure("Store 2 refuses the change") }
        // {hang, Ms}: a codeChange stuck for that long (one that never returns, for a test).
        if let milliseconds = extra.tagged("hang")?.first?.intValue { usleep(UInt32(milliseconds) * 1000) }
        if oldVsn == 1, let count = state.mapValue?["count"]?.intValue {
            return State(total: count, label: extra.atomValue ?? "")
        }
        throw TestFailure("Store 2 cannot convert from \(oldVsn)")
    }
}

/// A second, independent module: a meter whose change can be told to fail.
struct MeterV1: Server {
    static let vsn: Term = 1
    static var moduleName: String { "Meter" }
    struct State: Codable, Sendable { var reading = 0 }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        switch request {
        case "version": return .reply(1)
        case "get": return .reply(.integer(state.reading))
        default: return .reply(.tuple(["error", "badarg"]))
        }
    }
}

struct MeterV2: Server {
    static let vsn: Term = 2
    static var moduleName: String { "Meter" }
    struct State: Codable, Sendable { var reading = 0 }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        switch request {
        case "version": return .reply(2)
        case "get": return .reply(.integer(state.reading))
        default: return .reply(.tuple(["error", "badarg"]))
        }
    }
    func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State {
        if extra == "refuse" { throw TestFailure("Meter 2 refuses the change") }
        return try TermDecoder().decode(State.self, from: state)
    }
}

/// The top supervisor: `store` (modules Store) and `meter` (modules Meter).
struct StoreSupervisor: Supervisor {
    static let vsn: Term = 1
    init() {}
    func spec(_ args: Term) throws -> SupervisorSpec {
        SupervisorSpec(
            strategy: .oneForOne,
            intensity: 10,
            period: 5,
            children: [
                ChildSpec(id: "store", module: "Store", args: 5, registeredName: "store"),
                ChildSpec(id: "meter", module: "Meter", registeredName: "meter"),
            ]
        )
    }
}

/// A helper application added and removed by upgrades: one process, `helper`.
struct HelperServer: Server {
    static let vsn: Term = 1
    struct State: Codable, Sendable {}
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        .reply("helping")
    }
}

struct HelperSupervisor: Supervisor {
    static let vsn: Term = 1
    init() {}
    func spec(_ args: Term) throws -> SupervisorSpec {
        SupervisorSpec(children: [ChildSpec(id: "helper", module: "HelperServer", registeredName: "helper")])
    }
}

/// A library with a function relups can `apply`.
enum StoreHooks: Library {
    static let vsn: Term = 1
    static let calls = Recorder()
    static func apply(_ function: String, _ arguments: [Term]) throws -> Term {
        switch function {
        case "note":
            calls.record(.list(arguments))
            return "ok"
        case "fail": throw TestFailure("StoreHooks:fail was called")
        default: throw TestFailure("undef StoreHooks:\(function)")
        }
    }
}

enum UpgradeApplications {
    static func store(_ version: String, store: any Server.Type, meter: any Server.Type = MeterV1.self) -> Application {
        Application(
            name: "store",
            version: version,
            start: StoreSupervisor.self,
            modules: [store, meter, StoreHooks.self],
            registered: ["store", "meter"],
            env: ["mode": .atom("default-\(version)")]
        )
    }

    static let v1 = store("1.0.0", store: StoreV1.self)
    static let v1Soft = store("1.1.0", store: StoreV1Soft.self)
    static let v2 = store("2.0.0", store: StoreV2.self)
    static let v2Meter = store("2.1.0", store: StoreV2.self, meter: MeterV2.self)
    static let helper = Application(
        name: "helper",
        version: "1.0.0",
        start: HelperSupervisor.self,
        modules: [HelperServer.self],
        registered: ["helper"]
    )
    static let all = [v1, v1Soft, v2, v2Meter, helper]
}

// MARK: - Scripts, as systools writes them for these upgrades

enum Scripts {
    static let brutal = PurgeMethod.brutalPurge

    static func up(_ version: String, extra: Term = "blue") -> [RelupInstruction] {
        [
            .loadObjectCode(application: "store", version: version, modules: ["Store"]),
            .pointOfNoReturn,
            .suspend([SuspendedModule(module: "Store")]),
            .load(module: "Store", prePurge: brutal, postPurge: brutal),
            .codeChange(.up, [ModuleCodeChange(module: "Store", extra: extra)]),
            .resume(modules: ["Store"]),
        ]
    }

    static func down(_ version: String) -> [RelupInstruction] {
        [
            .loadObjectCode(application: "store", version: version, modules: ["Store"]),
            .pointOfNoReturn,
            .suspend([SuspendedModule(module: "Store")]),
            .codeChange(.down, [ModuleCodeChange(module: "Store", extra: [])]),
            .load(module: "Store", prePurge: brutal, postPurge: brutal),
            .resume(modules: ["Store"]),
        ]
    }

    static func soft(_ version: String) -> [RelupInstruction] {
        [
            .loadObjectCode(application: "store", version: version, modules: ["Store"]),
            .pointOfNoReturn,
            .suspend([SuspendedModule(module: "Store")]),
            .load(module: "Store", prePurge: brutal, postPurge: brutal),
            .resume(modules: ["Store"]),
        ]
    }

    /// Store then Meter, as two independent groups: Store is resumed before Meter changes.
    static func twoGroups(meterExtra: Term) -> [RelupInstruction] {
        [
            .loadObjectCode(application: "store", version: "2.1.0", modules: ["Store", "Meter"]),
            .pointOfNoReturn,
            .suspend([SuspendedModule(module: "Store")]),
            .load(module: "Store", prePurge: brutal, postPurge: brutal),
            .codeChange(.up, [ModuleCodeChange(module: "Store", extra: "blue")]),
            .resume(modules: ["Store"]),
            .apply(FunctionCall(module: "StoreHooks", function: "note", arguments: ["between"])),
            .suspend([SuspendedModule(module: "Meter")]),
            .load(module: "Meter", prePurge: brutal, postPurge: brutal),
            .codeChange(.up, [ModuleCodeChange(module: "Meter", extra: meterExtra)]),
            .resume(modules: ["Meter"]),
        ]
    }
}
