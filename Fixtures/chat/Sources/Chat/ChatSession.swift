//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime

/// One client connection, speaking a line protocol (lines end with `\n`; a `\r` before it
/// is dropped; TCP may split or join lines, so partial lines wait in the state):
///
/// - The first line names the client: `NICK alice`. Until then any other line is refused.
/// - `/who` answers `users alice bob` (the nicks in the chat, sorted).
/// - Any other line is said to the chat: every other client reads `alice: text` (Wire.swift).
/// - Every line the client sends is answered, after whatever else it causes, by exactly one
///   `ok N` (N: the lines this session has handled, counting this one) or `error N reason`,
///   so a client can tell that each of its lines was handled.
/// - Closing the connection frees the nick.
public struct ChatSession: Server {
    public static let vsn: Term = 1

    public struct State: Codable, Sendable {
        /// The connection (the acceptor hands it over right after the start).
        var socket: Term
        /// The client's nick; empty until its `NICK` line.
        var nick = ""
        /// Lines handled.
        var handled = 0
        /// Received bytes after the last newline.
        var buffer: [UInt8] = []
    }

    public init() {}

    public func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State(socket: args) }

    public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply
    {
        switch request {
        case "nick": .reply(.binary(state.nick))
        case "handled": .reply(.integer(state.handled))
        default: .reply(.tuple(["error", .tuple(["badarg", request])]))
        }
    }

    public func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let line = message.tagged("chat_line")?.first?.binaryValue {
            try ctx.tcp.send(state.socket, line)
        } else if let data = message.tagged("tcp"), data.count == 2, let bytes = data[1].binaryValue {
            state.buffer += bytes
            var reply: [UInt8] = []
            while let end = state.buffer.firstIndex(of: 10) {
                var line = Array(state.buffer[..<end])
                state.buffer.removeSubrange(...end)
                if line.last == 13 { line.removeLast() }
                reply += try handle(line, &state, ctx)
            }
            if !reply.isEmpty { try ctx.tcp.send(state.socket, reply) }
        } else if message.tagged("tcp_closed") != nil || message.tagged("tcp_error") != nil {
            if !state.nick.isEmpty { ctx.cast("chat_registry", .tuple(["leave", .binary(state.nick)])) }
            ctx.stop()
        } else {
            ctx.logger.warning("unexpected message", metadata: ["message": "\(message)"])
        }
    }

    /// Handles one line; returns what to send back.
    private func handle(_ line: [UInt8], _ state: inout State, _ ctx: ProcessContext) throws -> [UInt8] {
        state.handled += 1
        let text = String(decoding: line, as: UTF8.self)
        if state.nick.isEmpty {
            guard text.hasPrefix("NICK ") else { return Self.error(state.handled, "say NICK <name> first") }
            let nick = String(text.dropFirst(5))
            guard !nick.isEmpty, !nick.contains(" ") else { return Self.error(state.handled, "bad nick") }
            guard try ctx.call("chat_registry", .tuple(["join", .binary(nick)])) == "ok" else {
                return Self.error(state.handled, "nick \(nick) is taken")
            }
            state.nick = nick
            return Self.ack(state.handled)
        }
        if text == "/who" {
            let nicks = try ctx.call("chat_registry", "who").listElements ?? []
            let names = nicks.compactMap { $0.binaryValue.map { String(decoding: $0, as: UTF8.self) } }
            return Array((["users"] + names).joined(separator: " ").utf8) + [10] + Self.ack(state.handled)
        }
        if text.hasPrefix("NICK ") { return Self.error(state.handled, "already named \(state.nick)") }
        ctx.cast("chat_registry", .tuple(["broadcast", .binary(state.nick), .binary(line)]))
        return Self.ack(state.handled)
    }

    /// The refusal of line `count`.
    static func error(_ count: Int, _ reason: String) -> [UInt8] { Array("error \(count) \(reason)\n".utf8) }
}
