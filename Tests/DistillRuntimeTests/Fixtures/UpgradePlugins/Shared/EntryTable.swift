//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import Glibc

/// kv 0.3.0 and 0.4.0: each entry counts its writes; the state changes shape (vsn 2), and
/// 0.4.0 keeps it (a soft update from 0.3.0).
public struct KV: Server {
    public static let vsn: Term = 2
    public struct Entry: Codable, Sendable {
        var value: String
        var writes: Int
    }
    public struct State: Codable, Sendable {
        var table: [String: Entry] = [:]
        var upgradedFrom: String = ""
    }
    public init() {}
    public func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }
    public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply
    {
        func put(_ key: String, _ value: String) {
            state.table[key] = Entry(value: value, writes: (state.table[key]?.writes ?? 0) + 1)
        }
        if request == "upgraded_from" { return .reply(.binary(state.upgradedFrom)) }
        if let arguments = request.tagged("sleep"), let ms = arguments.first?.intValue {
            usleep(UInt32(ms) * 1000)
            return .reply("slept")
        }
        if let count = request.tagged("fill")?.first?.intValue {
            for index in 0..<count { put("key-\(index)", "value-\(index)-0123456789abcdef") }
            return .reply(.integer(state.table.count))
        }
        if let arguments = request.tagged("put"), arguments.count == 2, let key = text(arguments[0]),
            let value = text(arguments[1])
        {
            put(key, value)
            return .reply("ok")
        }
        if let arguments = request.tagged("delete"), let key = arguments.first.flatMap(text) {
            state.table[key] = nil
            return .reply("ok")
        }
        if let key = request.tagged("get")?.first.flatMap(text) {
            return .reply((state.table[key]?.value).map { Term.binary($0) } ?? "undefined")
        }
        switch request {
        case "count": return .reply(.integer(state.table.count))
        case "version": return .reply(.binary(kvVersion))
        default: return .reply(.tuple(["error", "badarg"]))
        }
    }

    /// From 0.1.0 or 0.2.0 (vsn 1): every value becomes an entry written once; refused while
    /// the table holds `refuse_upgrade`.
    public func codeChange(from oldVsn: Term, state: Term, extra: Term) throws -> State {
        struct Refused: Error, CustomStringConvertible { var description: String }
        guard let table = state.mapValue?["table"]?.mapValue else {
            throw Refused(
                description: "kv \(kvVersion) cannot read the state of vsn \(TermPrinter.printCompact(oldVsn))"
            )
        }
        var result = State(upgradedFrom: TermPrinter.printCompact(oldVsn))
        for entry in table {
            guard let key = text(entry.key), let value = text(entry.value) else { continue }
            if key == "refuse_upgrade" { throw Refused(description: "kv refuses to upgrade: refuse_upgrade is set") }
            result.table[key] = Entry(value: value, writes: 1)
        }
        return result
    }

    /// Down to 0.1.0 or 0.2.0 (vsn 1), as OTP's `code_change({down, 1}, ...)` in this module:
    /// entries become their values again; refused while the table holds `refuse_downgrade`.
    public func downgradeState(to oldVsn: Term, state: State, extra: Term) throws -> Term {
        struct Refused: Error, CustomStringConvertible { var description: String }
        if state.table["refuse_downgrade"] != nil {
            throw Refused(description: "kv refuses to go down: refuse_downgrade is set")
        }
        return ["table": .map(TermMap(state.table.map { (Term.binary($0.key), Term.binary($0.value.value)) }))]
    }
}
