//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime

/// Who is in the chat, registered as `chat_registry`: nick → session process.
///
/// - call `{join, Nick}` (from the session) → `ok` or `{error, taken}`
/// - call or cast `{leave, Nick}` → `ok`
/// - call `who` → the nicks, sorted, as binaries
/// - call `broadcasts` → how many lines it has relayed
/// - cast `{broadcast, FromNick, Text}`: sends `{chat_line, Bytes}` (the line as the
///   clients read it: ``line(from:text:)`` in Wire.swift) to every session but the sender's
///
/// It monitors each session, so a session that dies without leaving frees its nick.
public struct ChatRegistry: Server {
    public static let vsn: Term = 1

    public struct State: Codable, Sendable {
        /// Nick → the session's pid.
        var sessions: [String: Term] = [:]
        /// Nick → the reference of the registry's monitor on its session.
        var monitors: [String: Term] = [:]
        /// Lines relayed.
        var broadcasts = 0
    }

    public init() {}

    public func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State() }

    public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply
    {
        if let nick = request.tagged("join")?.first.flatMap(Self.text) {
            guard let pid = from.pid else { return .reply(.tuple(["error", "not_a_session"])) }
            guard state.sessions[nick] == nil else { return .reply(.tuple(["error", "taken"])) }
            state.sessions[nick] = .pid(pid)
            state.monitors[nick] = ctx.monitor(.pid(pid))
            return .reply("ok")
        }
        if let nick = request.tagged("leave")?.first.flatMap(Self.text) {
            leave(nick, &state, ctx)
            return .reply("ok")
        }
        switch request {
        case "who": return .reply(.list(state.sessions.keys.sorted().map { Term.binary($0) }))
        case "broadcasts": return .reply(.integer(state.broadcasts))
        default: return .reply(.tuple(["error", .tuple(["badarg", request])]))
        }
    }

    public func handleCast(_ request: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let arguments = request.tagged("broadcast"), arguments.count == 2, let from = Self.text(arguments[0]),
            let text = arguments[1].binaryValue
        {
            let line = Term.tuple(["chat_line", .binary(Self.line(from: from, text: text))])
            for (nick, session) in state.sessions where nick != from {
                if case .pid(let pid) = session { ctx.send(pid, line) }
            }
            state.broadcasts += 1
        } else if let nick = request.tagged("leave")?.first.flatMap(Self.text) {
            leave(nick, &state, ctx)
        } else {
            ctx.logger.warning("unexpected cast", metadata: ["request": "\(request)"])
        }
    }

    public func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        guard let down = message.tagged("DOWN"), down.count == 4 else {
            ctx.logger.warning("unexpected message", metadata: ["message": "\(message)"])
            return
        }
        for (nick, session) in state.sessions where session == down[2] {
            state.sessions[nick] = nil
            state.monitors[nick] = nil
        }
    }

    private func leave(_ nick: String, _ state: inout State, _ ctx: ProcessContext) {
        state.sessions[nick] = nil
        if let monitor = state.monitors.removeValue(forKey: nick) { ctx.demonitor(monitor, flush: true) }
    }

    /// Text from a binary, an atom or a string.
    static func text(_ term: Term) -> String? {
        switch term {
        case .binary(let bytes): String(decoding: bytes, as: UTF8.self)
        case .atom(let name): name
        default: term.stringValue
        }
    }
}
