//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import Foundation
import Testing

/// Listens on a free port; hands each accepted connection to a new `EchoHandler` (or echoes
/// itself with `{listen, Port, self}`), records what it sees.
struct EchoListener: Server {
    static let vsn: Term = 1
    struct State: Codable, Sendable {
        var port = 0
        var recorder = 0
        var handOff = true
    }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State {
        let (_, port) = try ctx.tcp.listen(port: 0, host: "127.0.0.1")
        let elements = args.tupleElements ?? []
        return State(port: port, recorder: elements.first?.intValue ?? 0, handOff: elements.last != "self")
    }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        .reply(.integer(state.port))
    }
    func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        Recorder.named(state.recorder)?.record(message.tupleElements?.first ?? message)
        if let accepted = message.tagged("tcp_accepted"), accepted.count == 2, state.handOff {
            let handler = try ctx.spawn(EchoHandler.self, args: .integer(state.recorder))
            try ctx.tcp.controllingProcess(accepted[1], handler)
        } else if let data = message.tagged("tcp"), data.count == 2 {
            try ctx.tcp.send(data[0], data[1].binaryValue ?? [])
        }
    }
}

/// Echoes what its socket sends, in upper case after a code change to `EchoHandlerV2`.
struct EchoHandler: Server {
    static let vsn: Term = 1
    static var moduleName: String { "EchoHandler" }
    struct State: Codable, Sendable { var recorder = 0 }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State(recorder: args.intValue ?? 0) }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        .reply("ok")
    }
    func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let data = message.tagged("tcp"), data.count == 2 {
            try ctx.tcp.send(data[0], data[1].binaryValue ?? [])
        } else {
            Recorder.named(state.recorder)?.record(message.tupleElements?.first ?? message)
            if message.tagged("tcp_closed") != nil { ctx.stop() }
        }
    }
}

struct EchoHandlerV2: Server {
    static let vsn: Term = 2
    static var moduleName: String { "EchoHandler" }
    struct State: Codable, Sendable { var recorder = 0 }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State(recorder: args.intValue ?? 0) }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        .reply("ok")
    }
    func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let data = message.tagged("tcp"), data.count == 2 {
            let upper = (data[1].binaryValue ?? []).map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }
            try ctx.tcp.send(data[0], upper)
        }
    }
}

/// Connects when called with `{connect, Port}` (replying with the socket), sends on
/// `{send, Socket, Data}`, closes on `{close, Socket}`; records every message.
struct TCPClient: Server {
    static let vsn: Term = 1
    struct State: Codable, Sendable { var recorder = 0 }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State { State(recorder: args.intValue ?? 0) }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        if let port = request.tagged("connect")?.first?.intValue {
            return .reply(try ctx.tcp.connect(host: "127.0.0.1", port: port))
        }
        if let arguments = request.tagged("send"), arguments.count == 2 {
            try ctx.tcp.send(arguments[0], arguments[1].binaryValue ?? [])
            return .reply("ok")
        }
        if let socket = request.tagged("close")?.first {
            try ctx.tcp.close(socket)
            return .reply("ok")
        }
        return .reply("badarg")
    }
    func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        Recorder.named(state.recorder)?.record(message)
    }
}

struct TCPTests {
    /// The bytes received on `socket` so far, concatenated.
    static func received(_ terms: [Term], on socket: Term) -> String {
        let bytes = terms.compactMap { term -> [UInt8]? in
            guard let data = term.tagged("tcp"), data.count == 2, data[0] == socket else { return nil }
            return data[1].binaryValue
        }.flatMap { $0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func anEchoServerAnswersOverLoopback() throws {
        try withNode { node in
            let events = Recorder()
            let listener = try node.spawn(EchoListener.self, args: .tuple([.integer(events.id), "self"]))
            let port = try node.call(.pid(listener), "port").intValue ?? 0
            #expect(port > 0)
            let received = Recorder()
            let client = try node.spawn(TCPClient.self, args: .integer(received.id))
            let socket = try node.call(.pid(client), .tuple(["connect", .integer(port)]))
            _ = try node.call(.pid(client), .tuple(["send", socket, .binary("hello")]))
            _ = try node.call(.pid(client), .tuple(["send", socket, .binary(" world")]))
            received.wait { Self.received($0, on: socket) == "hello world" }
            #expect(Self.received(received.terms, on: socket) == "hello world")
            #expect(events.terms.first == "tcp_accepted")
        }
    }

    @Test func aConnectionHandedToAnotherProcessSurvivesItsCodeChange() throws {
        try withNode { node in
            let events = Recorder()
            let listener = try node.spawn(EchoListener.self, args: .tuple([.integer(events.id), "handoff"]))
            let port = try node.call(.pid(listener), "port").intValue ?? 0
            let received = Recorder()
            let client = try node.spawn(TCPClient.self, args: .integer(received.id))
            let socket = try node.call(.pid(client), .tuple(["connect", .integer(port)]))
            _ = try node.call(.pid(client), .tuple(["send", socket, .binary("abc")]))
            received.wait { Self.received($0, on: socket) == "abc" }
            // Upgrade the connection's handler: the socket stays open and now gets upper case.
            guard let handler = node.processes(usingModule: "EchoHandler").first else {
                Issue.record("no handler process")
                return
            }
            try node.suspend(handler)
            try node.changeCode(handler, to: node.codeServer.code(of: EchoHandlerV2.self), mode: .soft).commit()
            try node.resume(handler)
            _ = try node.call(.pid(client), .tuple(["send", socket, .binary("def")]))
            received.wait { Self.received($0, on: socket) == "abcDEF" }
            #expect(Self.received(received.terms, on: socket) == "abcDEF")
        }
    }

    @Test func closingOneEndTellsTheOtherAndItsOwnerDiesWithIt() throws {
        try withNode { node in
            let events = Recorder()
            let listener = try node.spawn(EchoListener.self, args: .tuple([.integer(events.id), "handoff"]))
            let port = try node.call(.pid(listener), "port").intValue ?? 0
            let client = try node.spawn(TCPClient.self, args: .integer(Recorder().id))
            let socket = try node.call(.pid(client), .tuple(["connect", .integer(port)]))
            _ = try node.call(.pid(client), .tuple(["send", socket, .binary("x")]))
            #expect(eventually { node.processes(usingModule: "EchoHandler").count == 1 })
            _ = try node.call(.pid(client), .tuple(["close", socket]))
            #expect(events.wait { $0.contains("tcp_closed") }.contains("tcp_closed"))
            #expect(eventually { node.processes(usingModule: "EchoHandler").isEmpty })
        }
    }

    @Test func onlyTheOwnerMayUseASocket() throws {
        try withNode { node in
            let listener = try node.spawn(EchoListener.self, args: .tuple([.integer(Recorder().id), "self"]))
            let port = try node.call(.pid(listener), "port").intValue ?? 0
            let owner = try node.spawn(TCPClient.self, args: .integer(Recorder().id))
            let other = try node.spawn(TCPClient.self, args: .integer(Recorder().id))
            let socket = try node.call(.pid(owner), .tuple(["connect", .integer(port)]))
            #expect(throws: RuntimeError.self) { try node.call(.pid(other), .tuple(["send", socket, .binary("no")])) }
        }
    }
}

/// Listens with `{active, once}`: records each chunk; reads the next one only when called with `more`.
struct OnceReader: Server {
    static let vsn: Term = 1
    struct State: Codable, Sendable {
        var recorder: Int
        var port: Int
        var socket: Term?
    }
    init() {}
    func start(_ args: Term, _ ctx: ProcessContext) throws -> State {
        let (_, port) = try ctx.tcp.listen(port: 0, host: "127.0.0.1", active: .once)
        return State(recorder: args.intValue ?? 0, port: port)
    }
    func handleCall(_ request: Term, from: Caller, state: inout State, _ ctx: ProcessContext) throws -> CallReply {
        if request == "more", let socket = state.socket {
            try ctx.tcp.setActive(socket, .once)
            return .reply("ok")
        }
        return .reply(.integer(state.port))
    }
    func handleInfo(_ message: Term, state: inout State, _ ctx: ProcessContext) throws {
        if let accepted = message.tagged("tcp_accepted") { state.socket = accepted.last }
        if let data = message.tagged("tcp")?.last { Recorder.named(state.recorder)?.record(data) }
    }
}

extension TCPTests {
    @Test func activeOnceDeliversOneChunkPerRequest() throws {
        try withNode { node in
            let chunks = Recorder()
            let reader = try node.spawn(OnceReader.self, args: .integer(chunks.id))
            let port = try node.call(.pid(reader), "port").intValue ?? 0
            let client = try node.spawn(TCPClient.self, args: .integer(Recorder().id))
            let socket = try node.call(.pid(client), .tuple(["connect", .integer(port)]))
            _ = try node.call(.pid(client), .tuple(["send", socket, .binary("a")]))
            #expect(chunks.wait(count: 1) == [.binary("a")])
            _ = try node.call(.pid(client), .tuple(["send", socket, .binary("b")]))
            usleep(100_000)
            #expect(chunks.terms == [.binary("a")])
            #expect(try node.call(.pid(reader), "more") == "ok")
            #expect(chunks.wait(count: 2) == [.binary("a"), .binary("b")])
        }
    }
}
