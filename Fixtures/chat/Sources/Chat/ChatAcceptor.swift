//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime

/// Listens on 127.0.0.1 at the application's `port` (0: any free port) and hands each
/// connection to a new ChatSession, started from the current code. Registered as
/// `chat_acceptor`:
///
/// - `port` → the port it listens on
/// - `accepted` → how many connections it has accepted
public struct ChatAcceptor: Server {
    public static let vsn: Term = 1

    public struct State: Codable, Sendable {
        var listener: Term
        var port: Int
        var accepted = 0
    }

    public init() {}

    public func start(_ args: Term, _ ctx: ProcessContext) throws -> State {
        let wanted = ctx.environment("port")?.intValue ?? 0
        let (listener, port) = try ctx.tcp.listen(port: wanted, host: "127.0.0.1")
        ctx.logger.info("chat listening", metadata: ["port": "\(port)"])
        return State(listener: listener, port: port)
    }

    public func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply
    {
        switch request {
        case "port": .reply(.integer(state.port))
        case "accepted": .reply(.integer(state.accepted))
        default: .reply(.tuple(["error", .tuple(["badarg", request])]))
        }
    }

    public func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        guard let accepted = message.tagged("tcp_accepted"), accepted.count == 2 else {
            ctx.logger.warning("unexpected message", metadata: ["message": "\(message)"])
            return
        }
        let socket = accepted[1]
        do {
            let session = try ctx.spawn(module: "ChatSession", args: socket)
            try ctx.tcp.controllingProcess(socket, session)
            state.accepted += 1
        } catch {
            ctx.logger.error("cannot start a session", metadata: ["error": "\(error)"])
            try? ctx.tcp.close(socket)
        }
    }
}
