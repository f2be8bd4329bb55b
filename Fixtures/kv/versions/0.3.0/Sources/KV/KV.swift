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
/// - `{hits, Key}` → how many times `get` found `Key` (new in 0.3.0)
///
/// 0.3.0 changes the state's shape: each value carries its access count. `vsn` is 2, so the
/// generated appup is an advanced update, and ``codeChange(from:state:extra:)`` converts the
/// table of 0.1.0 and 0.2.0 (vsn 1); ``downgradeState(to:state:extra:)`` converts it back.
public struct KV: Server {
    public static let vsn: Term = 2

    public struct Entry: Codable, Sendable {
        var value: Term
        var hits = 0
    }

    public struct State: Codable, Sendable {
        var table: [Term: Entry] = [:]
    }

    /// Why a state cannot be converted.
    struct ConversionError: Error, CustomStringConvertible {
        var description: String
    }

    public init() {}

    public func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }

    public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply
    {
        if let arguments = request.tagged("put"), arguments.count == 2 {
            state.table[arguments[0], default: Entry(value: arguments[1])].value = arguments[1]
            return .reply("ok")
        }
        if let arguments = request.tagged("get"), arguments.count == 2 {
            guard state.table[arguments[0]] != nil else { return .reply(arguments[1]) }
            state.table[arguments[0]]!.hits += 1
            return .reply(state.table[arguments[0]]!.value)
        }
        if let arguments = request.tagged("hits"), arguments.count == 1 {
            return .reply(.integer(state.table[arguments[0]]?.hits ?? 0))
        }
        if let arguments = request.tagged("delete"), arguments.count == 1 {
            state.table[arguments[0]] = nil
            return .reply("ok")
        }
        if request == "keys" {
            return .reply(.list(state.table.keys.sorted()))
        }
        return .reply(.tuple(["error", .tuple(["badarg", request])]))
    }

    /// From vsn 1 (`#{table => #{Key => Value}}`): every value starts with no hits. A table
    /// holding the key `refuse_upgrade` is refused, which is how the tests make an upgrade
    /// fail half way and watch it roll back.
    public func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State {
        guard oldVsn == 1 else { return try TermDecoder().decode(State.self, from: state) }
        guard let table = state.mapValue?["table"]?.mapValue else {
            throw ConversionError(description: "kv 0.3.0 cannot read the vsn 1 state \(state)")
        }
        if table["refuse_upgrade"] != nil {
            throw ConversionError(description: "kv 0.3.0 refuses a table holding refuse_upgrade")
        }
        var converted = State()
        for entry in table { converted.table[entry.key] = Entry(value: entry.value) }
        return converted
    }

    /// To vsn 1: the values without their counts.
    public func downgradeState(to oldVsn: Term, state: State, extra: Term) throws -> Term {
        guard oldVsn == 1 else { return try TermEncoder().encode(state) }
        return .map(["table": .map(TermMap(state.table.map { ($0.key, $0.value.value) }))])
    }
}
