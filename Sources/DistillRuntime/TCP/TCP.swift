//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A process's TCP operations (`gen_tcp`): sockets belong to the runtime, events arrive as
/// messages (see ``Server/handleInfo(_:state:_:)``), and only a socket's owner may use it.
public struct TCP {
    unowned(unsafe) let process: LocalProcess

    private var service: TCPService { process.node.tcp }

    /// Listens on `host:port` (port 0: any free port); this process owns the listener and
    /// receives `{tcp_accepted, Listener, Socket}` for each connection. Returns the listener
    /// and the port it got.
    public func listen(
        port: Int,
        host: String = "0.0.0.0",
        backlog: Int = 256,
        active: ActiveMode = .always
    ) throws -> (listener: Term, port: Int) {
        let (listener, bound) = try service.listen(
            owner: process.pid,
            host: host,
            port: port,
            backlog: backlog,
            active: active
        )
        return (listener, bound)
    }

    /// Connects to `host:port`; this process owns the socket.
    public func connect(host: String, port: Int, active: ActiveMode = .always) throws -> Term {
        try service.connect(owner: process.pid, host: host, port: port, active: active)
    }

    /// Writes `bytes`, asynchronously: a failure arrives as `{tcp_error, ...}` / `{tcp_closed, ...}`.
    /// Returns `false` if the socket is already closed (`{error, closed}`: its `tcp_closed` is
    /// on its way or in the mailbox); throws if this process does not own it.
    @discardableResult
    public func send(_ socket: Term, _ bytes: [UInt8]) throws -> Bool {
        try service.send(socket, bytes, from: process.pid)
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

    /// The local port of a socket or listener.
    public func port(_ socket: Term) -> Int? { service.localPort(socket) }

    /// The remote address of a connection (`inet:peername/1`).
    public func peer(_ socket: Term) -> (host: String, port: Int)? { service.peer(socket) }
}

extension ProcessContext {
    /// TCP listeners and connections owned by this process.
    public var tcp: TCP { TCP(process: process) }
}
