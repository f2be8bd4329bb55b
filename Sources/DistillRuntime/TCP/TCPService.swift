//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import NIOCore
import NIOPosix
import Synchronization

/// How a socket hands incoming data to its owner (`{active, true}` or `{active, once}`).
public enum ActiveMode: Hashable, Sendable {
    /// Every chunk of data arrives as `{tcp, Socket, Data}`.
    case always
    /// One `{tcp, Socket, Data}`, then nothing until ``TCP/setActive(_:_:)`` asks for more.
    case once
}

/// TCP listeners and connections, owned by the runtime (SwiftNIO on one event loop thread)
/// and delivered to their owning process as messages, so a connection outlives any version
/// of its owner's code:
///
/// - `{tcp_accepted, Listener, Socket}` to the listener's owner for each new connection
///   (which it then owns);
/// - `{tcp, Socket, Data}` (a binary), `{tcp_closed, Socket}`, `{tcp_error, Socket, Reason}`.
///
/// A socket is a reference term. When its owner exits, its sockets are closed (Erlang's port
/// link); ``TCP/controllingProcess(_:_:)`` hands a socket to another process.
final class TCPService: @unchecked Sendable {
    struct Entry {
        var channel: any Channel
        var owner: Pid
        var isListener: Bool
        var active: ActiveMode
        var closedByOwner = false
    }

    private let group: MultiThreadedEventLoopGroup
    private let entries = Mutex<[Term: Entry]>([:])
    private unowned let node: Node

    init(node: Node) {
        self.node = node
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    private func remember(_ socket: Term, _ entry: Entry) { entries.withLock { $0[socket] = entry } }

    func entry(_ socket: Term) -> Entry? { entries.withLock { $0[socket] } }

    func owner(of socket: Term) -> Pid? { entries.withLock { $0[socket]?.owner } }

    // MARK: - Opening

    func listen(owner: Pid, host: String, port: Int, backlog: Int, active: ActiveMode) throws -> (Term, Int) {
        let listener = node.makeReference()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: active == .always)
            .childChannelOption(.maxMessagesPerRead, value: active == .once ? UInt(1) : UInt(4))
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let socket = self.node.makeReference()
                    try channel.pipeline.syncOperations.addHandler(
                        SocketHandler(socket: socket, service: self, readOnceWhenActive: active == .once)
                    )
                    self.entries.withLock { entries in
                        let listenerOwner = entries[listener]?.owner ?? owner
                        entries[socket] = Entry(
                            channel: channel,
                            owner: listenerOwner,
                            isListener: false,
                            active: active
                        )
                        self.node.send(.pid(listenerOwner), .tuple([.atom("tcp_accepted"), listener, socket]))
                    }
                }
            }
        do {
            let channel = try bootstrap.bind(host: host, port: port).wait()
            remember(listener, Entry(channel: channel, owner: owner, isListener: true, active: active))
            return (listener, channel.localAddress?.port ?? port)
        } catch {
            throw RuntimeError(.socketError, "cannot listen on \(host):\(port): \(error)")
        }
    }

    func connect(owner: Pid, host: String, port: Int, active: ActiveMode) throws -> Term {
        let socket = node.makeReference()
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(.autoRead, value: active == .always)
            .channelOption(.maxMessagesPerRead, value: active == .once ? UInt(1) : UInt(4))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    self.remember(socket, Entry(channel: channel, owner: owner, isListener: false, active: active))
                    try channel.pipeline.syncOperations.addHandler(
                        SocketHandler(socket: socket, service: self, readOnceWhenActive: active == .once)
                    )
                }
            }
        do {
            _ = try bootstrap.connect(host: host, port: port).wait()
            return socket
        } catch {
            entries.withLock { _ = $0.removeValue(forKey: socket) }
            throw RuntimeError(.socketError, "cannot connect to \(host):\(port): \(error)")
        }
    }

    // MARK: - Using

    private func checkedEntry(_ socket: Term, by caller: Pid) throws -> Entry {
        guard let entry = entry(socket) else {
            throw RuntimeError(.unknownSocket, "no open socket \(TermPrinter.printCompact(socket))")
        }
        guard entry.owner == caller else {
            throw RuntimeError(.badArgument, "\(caller.text) does not own socket \(TermPrinter.printCompact(socket))")
        }
        return entry
    }

    func send(_ socket: Term, _ bytes: [UInt8], from caller: Pid) throws -> Bool {
        guard let entry = entry(socket) else { return false }
        guard entry.owner == caller else {
            throw RuntimeError(.badArgument, "\(caller.text) does not own socket \(TermPrinter.printCompact(socket))")
        }
        guard !entry.isListener else { throw RuntimeError(.badArgument, "cannot send on a listening socket") }
        var buffer = entry.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        entry.channel.writeAndFlush(buffer, promise: nil)
        return true
    }

    func close(_ socket: Term, from caller: Pid) throws {
        let entry = try checkedEntry(socket, by: caller)
        entries.withLock { $0[socket]?.closedByOwner = true }
        entry.channel.close(promise: nil)
        if entry.isListener { entries.withLock { _ = $0.removeValue(forKey: socket) } }
    }

    /// Hands `socket` to `newOwner`. Events already delivered to the caller (the old owner,
    /// running this callback) for the socket move with it, in order and before any later
    /// event: `gen_tcp:controlling_process/2`. Deliveries happen under the entries lock, so
    /// no event can slip in between.
    func setOwner(_ socket: Term, to newOwner: Pid, from caller: LocalProcess) throws {
        _ = try checkedEntry(socket, by: caller.pid)
        guard let target = node.process(newOwner) else {
            throw RuntimeError(.noProcess, "no process \(newOwner.text) to hand the socket to")
        }
        entries.withLock { entries in
            entries[socket]?.owner = newOwner
            let moved = caller.takeMessages { message in
                guard case .tuple(let elements) = message, elements.count >= 2, elements[1] == socket,
                    let tag = elements[0].atomValue
                else { return false }
                return tag == "tcp" || tag == "tcp_closed" || tag == "tcp_error"
            }
            for message in moved { target.deliver(.info(message)) }
        }
    }

    func setActive(_ socket: Term, _ mode: ActiveMode, from caller: Pid) throws {
        let entry = try checkedEntry(socket, by: caller)
        entries.withLock { $0[socket]?.active = mode }
        let channel = entry.channel
        channel.eventLoop.execute {
            channel.setOption(.autoRead, value: mode == .always).whenSuccess {
                if mode == .once { channel.read() }
            }
        }
    }

    func localPort(_ socket: Term) -> Int? { entry(socket)?.channel.localAddress?.port }

    func peer(_ socket: Term) -> (host: String, port: Int)? {
        guard let address = entry(socket)?.channel.remoteAddress else { return nil }
        return (address.ipAddress ?? "", address.port ?? 0)
    }

    // MARK: - Events from NIO

    fileprivate func received(_ socket: Term, _ bytes: [UInt8], channel: any Channel) {
        let once: Bool = entries.withLock { entries in
            guard let entry = entries[socket] else { return false }
            node.send(.pid(entry.owner), .tuple([.atom("tcp"), socket, .binary(bytes)]))
            return entry.active == .once
        }
        if once { channel.setOption(.autoRead, value: false).whenComplete { _ in } }
    }

    fileprivate func closed(_ socket: Term) {
        entries.withLock { entries in
            guard let entry = entries.removeValue(forKey: socket), !entry.closedByOwner else { return }
            node.send(.pid(entry.owner), .tuple([.atom("tcp_closed"), socket]))
        }
    }

    fileprivate func failed(_ socket: Term, _ error: any Error) {
        entries.withLock { entries in
            guard let entry = entries[socket], !entry.closedByOwner else { return }
            node.send(.pid(entry.owner), .tuple([.atom("tcp_error"), socket, .binary("\(error)")]))
        }
    }

    /// The owner died: close what it owned (Erlang closes a port when its owner exits).
    func ownerDied(_ owner: Pid) {
        let owned: [any Channel] = entries.withLock { entries in
            var channels: [any Channel] = []
            for (socket, entry) in entries where entry.owner == owner {
                entries[socket]?.closedByOwner = true
                channels.append(entry.channel)
                if entry.isListener { entries.removeValue(forKey: socket) }
            }
            return channels
        }
        for channel in owned { channel.close(promise: nil) }
    }

    func shutdown() {
        let channels = entries.withLock { entries in
            defer { entries.removeAll() }
            return entries.values.map(\.channel)
        }
        for channel in channels { channel.close(promise: nil) }
        try? group.syncShutdownGracefully()
    }
}

/// Forwards a connection's events to the service.
private final class SocketHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let socket: Term
    let service: TCPService
    /// `{active, once}` from the start: ask for the first read once the connection is up
    /// (a read requested before that is dropped).
    let readOnceWhenActive: Bool

    init(socket: Term, service: TCPService, readOnceWhenActive: Bool) {
        self.socket = socket
        self.service = service
        self.readOnceWhenActive = readOnceWhenActive
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        if readOnceWhenActive { context.read() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        service.received(socket, bytes, channel: context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        service.closed(socket)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        service.failed(socket, error)
        context.close(promise: nil)
    }
}
