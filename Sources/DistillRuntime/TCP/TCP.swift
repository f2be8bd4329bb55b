//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A process's TCP operations (`gen_tcp`): sockets belong to the runtime, events arrive as
/// messages (see ``Server/handleInfo(_:state:_:)``), and only a socket's owner may use it.
///
/// **Flow control.** No peer can make the node hold more than a bounded amount for its
/// connection (``TCPOptions``, per socket):
///
/// - *Writes*: bytes sent and not yet taken by the kernel count against the socket's high
///   watermark (64 KiB). Above it the socket is busy, and ``send(_:_:)`` waits, blocking the
///   sending process (the scheduler runs other processes on another thread meanwhile), until
///   the peer has read enough for the queue to drain to the low watermark (32 KiB): gen_tcp's
///   busy port. A send that waits
///   longer than the send timeout (1 s) gives up: the owner gets `{tcp_error, Socket,
///   timeout}` and the socket is closed (gen_tcp's `send_timeout` with `send_timeout_close`).
///   So a peer that stops reading costs the node at most the high watermark plus one send,
///   and is disconnected after the send timeout.
/// - *Reads*: an `{active, true}` socket stops reading from the peer while its owner's
///   mailbox holds 64 of its data messages or 256 KiB of its data, and reads again once the
///   owner has taken half of them: a peer that floods a slow owner waits in TCP's own flow
///   control (the kernel's buffers, then the peer's), not in the node's memory. At most four
///   more reads of up to 64 KiB each arrive after the pause.
public struct TCP {
    unowned(unsafe) let process: LocalProcess

    private var service: TCPService { process.node.tcp }

    /// Listens on `host:port` (port 0: any free port); this process owns the listener and
    /// receives `{tcp_accepted, Listener, Socket}` for each connection, which starts with the
    /// listener's `active` mode and `options`. Returns the listener and the port it got.
    public func listen(
        port: Int,
        host: String = "0.0.0.0",
        backlog: Int = 256,
        active: ActiveMode = .always,
        options: TCPOptions = TCPOptions()
    ) throws -> (listener: Term, port: Int) {
        let (listener, bound) = try service.listen(
            owner: process.pid,
            host: host,
            port: port,
            backlog: backlog,
            active: active,
            options: options
        )
        return (listener, bound)
    }

    /// Connects to `host:port`; this process owns the socket.
    public func connect(
        host: String,
        port: Int,
        active: ActiveMode = .always,
        options: TCPOptions = TCPOptions()
    ) throws -> Term {
        try service.connect(owner: process.pid, host: host, port: port, active: active, options: options)
    }

    /// Queues `bytes` for the peer. While the socket is busy (more than its high watermark
    /// queued, see ``TCP``) this waits, up to the socket's send timeout, for the peer to read;
    /// a failure of the connection arrives later as `{tcp_error, ...}` / `{tcp_closed, ...}`.
    /// Returns `false` if the bytes were not queued: the socket is already closed (`{error,
    /// closed}`: its `tcp_closed` is on its way or in the mailbox), the wait timed out (the
    /// socket is now closed: `{tcp_error, Socket, timeout}` and `{tcp_closed, Socket}` follow),
    /// or this process got an exit signal while waiting. Throws if this process does not own
    /// the socket.
    @discardableResult
    public func send(_ socket: Term, _ bytes: [UInt8]) throws -> Bool {
        try service.send(socket, bytes, from: process)
    }

    /// Closes the socket or listener; no `tcp_closed` follows.
    public func close(_ socket: Term) throws { try service.close(socket, from: process.pid) }

    /// Hands the socket to `newOwner` (`gen_tcp:controlling_process/2`): events for it that
    /// this process has not handled yet move to `newOwner` too, in order, and later ones go there.
    public func controllingProcess(_ socket: Term, _ newOwner: Pid) throws {
        try service.setOwner(socket, to: newOwner, from: process)
    }

    /// `inet:setopts(Socket, [{active, Mode}])`.
    public func setActive(_ socket: Term, _ mode: ActiveMode) throws {
        try service.setActive(socket, mode, from: process.pid)
    }

    /// `inet:setopts/2` for flow control: a connection's watermarks, send timeout and
    /// read-ahead; a listener's options for the connections it accepts from now on.
    public func setOptions(_ socket: Term, _ options: TCPOptions) throws {
        try service.setOptions(socket, options, from: process.pid)
    }

    /// Bytes sent on a connection that the kernel has not taken yet (`inet:getstat/2`'s
    /// `send_pend`); `nil` for a listener or a closed socket.
    public func pendingBytes(_ socket: Term) -> Int? { service.pendingBytes(socket) }

    /// The local port of a socket or listener.
    public func port(_ socket: Term) -> Int? { service.localPort(socket) }

    /// The remote address of a connection (`inet:peername/1`).
    public func peer(_ socket: Term) -> (host: String, port: Int)? { service.peer(socket) }
}

extension ProcessContext {
    /// TCP listeners and connections owned by this process.
    public var tcp: TCP { TCP(process: process) }
}
