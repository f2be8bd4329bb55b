//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import NIOCore
import NIOPosix
import Synchronization

/// How a socket hands incoming data to its owner (`{active, true}` or `{active, once}`).
public enum ActiveMode: Hashable, Sendable {
    /// Every chunk of data arrives as `{tcp, Socket, Data}`, as long as the owner keeps up:
    /// reading pauses while the owner's mailbox holds ``TCPOptions/readAheadMessages`` or
    /// ``TCPOptions/readAheadBytes`` of the socket's data.
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
///
/// Each connection has a ``FlowControl`` (``TCPOptions``), so that no peer makes the node hold
/// more than a bounded amount for it: a send to a connection whose peer does not read waits,
/// then closes it; a connection whose owner falls behind stops being read.
// @unchecked: the socket table is under `entries`; `group` is SwiftNIO's (thread-safe); `node`
// outlives the service, which it owns.
final class TCPService: @unchecked Sendable {
    struct Entry {
        var channel: any Channel
        var owner: Pid
        var isListener: Bool
        var active: ActiveMode
        /// A connection's options; a listener's are those of the connections it accepts.
        var options: TCPOptions
        /// A connection's flow control (`nil` for a listener).
        var flow: SocketFlow?
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

    func listen(
        owner: Pid,
        host: String,
        port: Int,
        backlog: Int,
        active: ActiveMode,
        options: TCPOptions
    ) throws -> (Term, Int) {
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
                        let listening = entries[listener]
                        let owner = listening?.owner ?? owner
                        let options = listening?.options ?? options
                        entries[socket] = Entry(
                            channel: channel,
                            owner: owner,
                            isListener: false,
                            active: active,
                            options: options,
                            flow: SocketFlow(options: options)
                        )
                        self.node.send(.pid(owner), .tuple([.atom("tcp_accepted"), listener, socket]))
                    }
                }
            }
        do {
            let channel = try bootstrap.bind(host: host, port: port).wait()
            remember(
                listener,
                Entry(channel: channel, owner: owner, isListener: true, active: active, options: options)
            )
            return (listener, channel.localAddress?.port ?? port)
        } catch {
            throw RuntimeError(.socketError, "cannot listen on \(host):\(port): \(error)")
        }
    }

    func connect(owner: Pid, host: String, port: Int, active: ActiveMode, options: TCPOptions) throws -> Term {
        let socket = node.makeReference()
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(.autoRead, value: active == .always)
            .channelOption(.maxMessagesPerRead, value: active == .once ? UInt(1) : UInt(4))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    self.remember(
                        socket,
                        Entry(
                            channel: channel,
                            owner: owner,
                            isListener: false,
                            active: active,
                            options: options,
                            flow: SocketFlow(options: options)
                        )
                    )
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

    /// Queues `bytes` for the peer, first waiting (up to the send timeout) while the socket is
    /// busy; a wait that times out closes the socket. Returns whether the bytes were queued.
    func send(_ socket: Term, _ bytes: [UInt8], from caller: LocalProcess) throws -> Bool {
        guard let entry = entry(socket) else { return false }
        guard entry.owner == caller.pid else {
            throw RuntimeError(
                .badArgument,
                "\(caller.pid.text) does not own socket \(TermPrinter.printCompact(socket))"
            )
        }
        guard !entry.isListener, let flow = entry.flow else {
            throw RuntimeError(.badArgument, "cannot send on a listening socket")
        }
        switch flow.waitWhileBusy(until: .after(entry.options.sendTimeout), process: caller) {
        case .ready: break
        case .interrupted: return false
        case .timedOut:
            sendTimedOut(socket)
            return false
        }
        guard self.entry(socket) != nil else { return false }
        // Counted here rather than through NIO's `isWritable`, which sees a write only once it
        // reaches the event loop: a sender on another thread would outrun it.
        let count = bytes.count
        flow.queue(count)
        var buffer = entry.channel.allocator.buffer(capacity: count)
        buffer.writeBytes(bytes)
        let written = entry.channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenComplete { _ in flow.written(count) }
        entry.channel.writeAndFlush(buffer, promise: written)
        return true
    }

    /// A send waited for the socket's whole send timeout: tell the owner and close the
    /// socket (its `tcp_closed` follows).
    private func sendTimedOut(_ socket: Term) {
        let channel: (any Channel)? = entries.withLock { entries in
            guard let entry = entries[socket], !entry.closedByOwner else { return nil }
            node.send(.pid(entry.owner), .tuple([.atom("tcp_error"), socket, .atom("timeout")]))
            return entry.channel
        }
        channel?.close(promise: nil)
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
    /// no event can slip in between. Data messages that move stay counted against the socket's
    /// read-ahead: the new owner takes them.
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
        channel.eventLoop.execute { [self] in
            updateReading(socket, channel).whenSuccess {
                if mode == .once { channel.read() }
            }
        }
    }

    /// Changes a socket's options; a listener's apply to the connections it accepts from now on.
    func setOptions(_ socket: Term, _ options: TCPOptions, from caller: Pid) throws {
        let entry = try checkedEntry(socket, by: caller)
        entries.withLock { $0[socket]?.options = options }
        entry.flow?.setOptions(options)
    }

    /// Bytes sent on `socket` that the kernel has not taken yet (`inet:getstat/2`'s `send_pend`).
    func pendingBytes(_ socket: Term) -> Int? { entry(socket)?.flow?.queued }

    func localPort(_ socket: Term) -> Int? { entry(socket)?.channel.localAddress?.port }

    func peer(_ socket: Term) -> (host: String, port: Int)? {
        guard let address = entry(socket)?.channel.remoteAddress else { return nil }
        return (address.ipAddress ?? "", address.port ?? 0)
    }

    // MARK: - Reading

    /// Sets NIO's automatic reading as the socket's mode and flow control say: on for
    /// `{active, true}` unless paused for the owner to catch up. On the event loop.
    private func updateReading(_ socket: Term, _ channel: any Channel) -> EventLoopFuture<Void> {
        let reading = entries.withLock { entries -> Bool in
            guard let entry = entries[socket] else { return false }
            return entry.active == .always && entry.flow?.isReadingPaused != true
        }
        return channel.setOption(.autoRead, value: reading)
    }

    /// The owner took a data message of `bytes` from its mailbox (see ``Node/willHandle(_:)``).
    func taken(_ socket: Term, bytes: Int) {
        guard let entry = entry(socket), let flow = entry.flow, flow.taken(bytes) else { return }
        let channel = entry.channel
        channel.eventLoop.execute { [self] in _ = updateReading(socket, channel) }
    }

    // MARK: - Events from NIO

    fileprivate func received(_ socket: Term, _ bytes: [UInt8], channel: any Channel) {
        let stop: Bool = entries.withLock { entries in
            guard let entry = entries[socket] else { return false }
            let pause = entry.flow?.delivered(bytes.count) ?? false
            node.send(.pid(entry.owner), .tuple([.atom("tcp"), socket, .binary(bytes)]))
            return entry.active == .once || pause
        }
        if stop { channel.setOption(.autoRead, value: false).whenComplete { _ in } }
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

/// A connection's ``FlowControl`` under a lock, and the send waiting for it to stop being busy
/// (only the owner sends, so there is at most one).
final class SocketFlow: Sendable {
    private let state: Mutex<(flow: FlowControl, waiter: Latch?)>

    init(options: TCPOptions) { state = Mutex((FlowControl(options: options), nil)) }

    enum Wait {
        case ready
        case timedOut
        /// The sending process got an exit signal: it ends after this callback.
        case interrupted
    }

    /// Waits until the socket is not busy, `deadline` passes, or `process` is to exit. The
    /// scheduler knows the thread is blocked, so other processes keep running.
    func waitWhileBusy(until deadline: Deadline, process: LocalProcess) -> Wait {
        let latch: Latch? = state.withLock { state in
            guard state.flow.isBusy else { return nil }
            let latch = Latch()
            state.waiter = latch
            return latch
        }
        guard let latch else { return .ready }
        defer { state.withLock { $0.waiter = nil } }
        // Wake up now and then to see whether the process was told to exit meanwhile.
        while !latch.isOpen {
            if process.locked({ $0.pendingExit != nil }) { return .interrupted }
            if deadline.hasPassed { return .timedOut }
            let slice = Deadline.after(.milliseconds(50))
            let until = min(slice, deadline)
            // The manual scheduler gives up at once when no process can run: wait for the
            // event loop here.
            if !process.node.scheduler.block(on: latch, until: until) { _ = latch.wait(until: until) }
        }
        return .ready
    }

    func queue(_ bytes: Int) { state.withLock { $0.flow.queue(bytes) } }

    func written(_ bytes: Int) {
        let waiter: Latch? = state.withLock { state in state.flow.written(bytes) ? state.waiter : nil }
        waiter?.open()
    }

    var queued: Int { state.withLock { $0.flow.queued } }

    var isReadingPaused: Bool { state.withLock { $0.flow.isReadingPaused } }

    /// Returns whether reading must pause.
    func delivered(_ bytes: Int) -> Bool { state.withLock { $0.flow.delivered(bytes) } }

    /// Returns whether reading may resume.
    func taken(_ bytes: Int) -> Bool { state.withLock { $0.flow.taken(bytes) } }

    /// New marks and read-ahead, from the next event on (only the owner sets them, so no
    /// send of its own is waiting).
    func setOptions(_ options: TCPOptions) { state.withLock { $0.flow.options = options } }
}

extension Node {
    /// A process is about to handle `message`: if it is a socket's data, the socket may read
    /// again (its owner caught up).
    @inline(__always)
    func willHandle(_ message: Term) {
        guard case .tuple(let elements) = message, elements.count == 3, case .atom("tcp") = elements[0],
            case .binary(let data) = elements[2]
        else { return }
        tcp.taken(elements[1], bytes: data.count)
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
