//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime
import DistillTerm
import Glibc
import Logging
import Synchronization

/// The node's end of the control channel: a Unix stream socket at `var/run/NAME.sock`.
///
/// - `var/run/` is created `0700` and must belong to the node's user; the socket is `0600`.
///   Only the node's user can reach it; the node also checks each connection's peer
///   credentials (`SO_PEERCRED`) and refuses, with a log line, a uid other than its own (a
///   misconfigured directory does not let another user in).
/// - A connection carries any number of requests, one at a time: a frame in
///   (``ControlFrame``), a frame out. Each connection has its own thread (at most
///   ``maximumConnections``), so a slow command never blocks another client.
/// - Garbage, an oversized length prefix (over ``ControlFrame/smallFrameSize`` for a command
///   that takes no large argument), a frame that does not arrive within 10 seconds of its
///   first byte: the connection is logged and closed; the node carries on.
/// - A connection that sends no request for ``idleTimeout`` milliseconds (sys.config
///   `{distill, [{control_idle_timeout, Ms}]}`, default 10 s) is closed, except a remote
///   console (the `console` command). When all slots are taken, a new connection takes the
///   slot of the one that has waited longest for its next request, so connections that
///   never send a byte cannot keep `ping`, `stop` or `upgrade` out.
/// - If the system has no thread for a connection, it is refused with an error reply.
final class ControlServer: Sendable {
    /// Connections served at once; beyond that a new one takes an idle one's slot, or is
    /// refused if none is idle.
    static let maximumConnections = 64
    /// Connections whose threads may exist at once, counting those closed to make room
    /// that have not ended yet.
    static let maximumThreads = 2 * maximumConnections
    /// The default idle timeout, in milliseconds.
    static let defaultIdleTimeout = 10_000

    let paths: ReleasePaths
    let release: ReleaseNode
    let commands: ControlCommands
    /// Milliseconds a connection may wait between requests before it is closed.
    let idleTimeout: Int
    private let logger: Logger
    private let listener = Mutex<Int32>(-1)
    private let connections = Mutex(Connections())

    /// The connections being served.
    private struct Connections {
        var all: [ObjectIdentifier: ControlSession] = [:]
        /// Connections in `all` that were closed to make room and whose threads have not ended.
        var evicted = 0
        var serving: Int { all.count - evicted }
    }

    init(paths: ReleasePaths, release: ReleaseNode, commands: ControlCommands) {
        self.paths = paths
        self.release = release
        self.commands = commands
        var logger = release.node.logger
        logger[metadataKey: "subsystem"] = "control"
        self.logger = logger
        if let value = release.node.environment("distill", "control_idle_timeout") {
            if let milliseconds = value.intValue, (1...86_400_000).contains(milliseconds) {
                idleTimeout = milliseconds
            } else {
                logger.warning(
                    "sys.config: distill control_idle_timeout must be milliseconds in 1..86400000; using the default",
                    metadata: ["value": "\(TermPrinter.printCompact(value, maximumBytes: 80))"]
                )
                idleTimeout = Self.defaultIdleTimeout
            }
        } else {
            idleTimeout = Self.defaultIdleTimeout
        }
    }

    // MARK: - Setting up

    /// Makes `var/run/` (0700, owned by this user) and clears a stale socket; throws
    /// `alreadyRunning` if a node answers on the socket.
    static func prepare(_ paths: ReleasePaths) throws(BootError) {
        do {
            try Posix.makeDirectories(paths.root + "/var", mode: 0o755)
            try Posix.makeDirectories(paths.runDirectory, mode: 0o700)
        } catch {
            throw BootError(.controlSocket, "\(error)")
        }
        var info = stat()
        guard lstat(paths.runDirectory, &info) == 0 else {
            throw BootError(.controlSocket, "cannot inspect \(paths.runDirectory): \(Posix.text(errno: errno))")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw BootError(.controlSocket, "\(paths.runDirectory) must be a directory, not a symbolic link or a file")
        }
        guard info.st_uid == geteuid() else {
            throw BootError(
                .controlSocket,
                "\(paths.runDirectory) belongs to uid \(info.st_uid), not to this user (uid \(geteuid()))"
            )
        }
        if info.st_mode & 0o777 != 0o700 { chmod(paths.runDirectory, 0o700) }
        switch UnixSocket.probe(paths.socket) {
        case .listening:
            let pid = (try? Posix.readText(paths.pidFile))?.split(separator: "\n").first.map(String.init)
            throw BootError(
                .alreadyRunning,
                "\(paths.name) is already running" + (pid.map { " (pid \($0))" } ?? "")
                    + ": \(paths.relative(paths.socket)) answers"
            )
        case .stale:
            unlink(paths.socket)
        case .absent:
            break
        }
    }

    /// Binds and listens, then accepts on a thread of its own.
    func start() throws(BootError) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BootError(.controlSocket, "cannot create a socket: \(Posix.text(errno: errno))") }
        let bound = UnixSocket.withAddress(paths.socket) { distill_unix_bind(fd, $0) }
        guard bound == 0 else {
            let reason = Posix.text(errno: errno)
            close(fd)
            throw BootError(.controlSocket, "cannot bind \(paths.relative(paths.socket)): \(reason)")
        }
        chmod(paths.socket, 0o600)
        guard listen(fd, 16) == 0 else {
            let reason = Posix.text(errno: errno)
            close(fd)
            unlink(paths.socket)
            throw BootError(.controlSocket, "cannot listen on \(paths.relative(paths.socket)): \(reason)")
        }
        listener.withLock { $0 = fd }
        let result = tryStartThread(name: "distill-control", stackSize: 1 << 20) { [self] in acceptLoop(fd) }
        guard result == 0 else {
            listener.withLock { $0 = -1 }
            close(fd)
            unlink(paths.socket)
            throw BootError(.controlSocket, "cannot start the control socket's thread: \(Posix.text(errno: result))")
        }
    }

    /// Stops accepting and removes the socket file. Connections being served finish their
    /// current request; the process's exit closes them.
    func stop() {
        let fd = listener.withLock { fd in
            defer { fd = -1 }
            return fd
        }
        guard fd >= 0 else { return }
        // shutdown(2) wakes a thread blocked in accept(2) on Linux; close alone would not.
        shutdown(fd, Int32(SHUT_RDWR))
        unlink(paths.socket)
    }

    // MARK: - Serving

    private func acceptLoop(_ fd: Int32) {
        while true {
            let connection = distill_accept(fd)
            if connection < 0 {
                if errno == ECONNABORTED { continue }
                if errno == EMFILE || errno == ENFILE {
                    logger.error("control socket cannot accept", metadata: ["reason": "\(Posix.text(errno: errno))"])
                    Posix.sleep(milliseconds: 100)
                    continue
                }
                break
            }
            admit(ControlChannel(fd: connection))
        }
        close(fd)
    }

    private func admit(_ channel: ControlChannel) {
        var uid: UInt32 = 0
        var peerPid: Int32 = 0
        guard distill_peer_credentials(channel.fd, &uid, &peerPid) == 0 else {
            logger.warning("control connection without peer credentials closed")
            return
        }
        let pid = peerPid
        guard uid == geteuid() else {
            logger.warning(
                "control connection refused: not the node's user",
                metadata: ["peer.uid": "\(uid)", "peer.pid": "\(pid)", "node.uid": "\(geteuid())"]
            )
            let refusal = ControlError(.refused, "the node runs as uid \(geteuid()); uid \(uid) may not control it")
            try? channel.write(refusal.reply, until: .after(.milliseconds(200)))
            return
        }
        let session = ControlSession(channel: channel, peer: pid)
        switch takeSlot(session) {
        case .admitted:
            break
        case .madeRoom(let evicted):
            logger.notice(
                "control connection closed to make room: idle the longest",
                metadata: [
                    "peer.pid": "\(evicted.peer)", "new.peer.pid": "\(pid)", "limit": "\(Self.maximumConnections)",
                ]
            )
        case .full:
            logger.warning(
                "control connection refused: too many connections",
                metadata: ["peer.pid": "\(pid)", "limit": "\(Self.maximumConnections)"]
            )
            let refusal = ControlError(
                .refused,
                "the node serves \(Self.maximumConnections) control connections, all busy; try again"
            )
            try? channel.write(refusal.reply, until: .after(.milliseconds(200)))
            return
        }
        let result = tryStartThread(name: "distill-ctl-\(pid)", stackSize: 4 << 20) { [self] in
            serve(session)
            leave(session)
        }
        guard result == 0 else {
            leave(session)
            logger.error(
                "control connection refused: no thread for it",
                metadata: ["peer.pid": "\(pid)", "reason": "\(Posix.text(errno: result))"]
            )
            let refusal = ControlError(.refused, "the node cannot start a thread: \(Posix.text(errno: result))")
            try? channel.write(refusal.reply, until: .after(.milliseconds(200)))
            return
        }
    }

    private enum Admission {
        case admitted
        case madeRoom(evicted: ControlSession)
        case full
    }

    /// Takes a slot for `session`: a free one, or the one of the connection that has waited
    /// longest for its next request (not a console), which is closed.
    private func takeSlot(_ session: ControlSession) -> Admission {
        connections.withLock { connections in
            guard connections.all.count < Self.maximumThreads else { return .full }
            var admission = Admission.admitted
            if connections.serving >= Self.maximumConnections {
                let idle = connections.all.values.compactMap { candidate in
                    candidate.idleSince.map { (candidate, $0) }
                }
                guard let (victim, _) = idle.min(by: { $0.1 < $1.1 }) else { return .full }
                victim.evict()
                connections.evicted += 1
                admission = .madeRoom(evicted: victim)
            }
            connections.all[ObjectIdentifier(session)] = session
            return admission
        }
    }

    private func leave(_ session: ControlSession) {
        connections.withLock { connections in
            guard connections.all.removeValue(forKey: ObjectIdentifier(session)) != nil else { return }
            if session.isEvicted { connections.evicted -= 1 }
        }
    }

    /// Marks `session` busy (its request is being read and answered); `false` if it was
    /// closed to make room first.
    private func beginRequest(_ session: ControlSession) -> Bool {
        connections.withLock { _ in session.begin() }
    }

    private func endRequest(_ session: ControlSession) {
        connections.withLock { _ in session.end() }
    }

    private func serve(_ session: ControlSession) {
        let channel = session.channel
        let peer = session.peer
        while true {
            let request: Term
            do {
                if !session.isConsole {
                    do {
                        try channel.waitUntilReadable(.after(.milliseconds(idleTimeout)))
                    } catch .timeout {
                        logger.info(
                            "control connection closed: idle",
                            metadata: ["peer.pid": "\(peer)", "idle_ms": "\(idleTimeout)"]
                        )
                        return
                    }
                }
                guard beginRequest(session) else { return }
                request = try channel.read(waitUntil: .never, limit: commands.frameLimit(for:))
            } catch .closed {
                return
            } catch {
                logger.warning(
                    "control connection closed: malformed message",
                    metadata: ["peer.pid": "\(peer)", "reason": "\(error)"]
                )
                return
            }
            let effects = AfterReply()
            let reply = commands.reply(
                to: request,
                release: release,
                peer: peer,
                connection: channel.fd,
                session: session,
                effects: effects
            )
            do {
                try channel.write(reply)
            } catch {
                logger.info("control client left before its reply", metadata: ["peer.pid": "\(peer)"])
            }
            effects.run()
            endRequest(session)
        }
    }
}

/// One control connection as the server tracks it. Its state changes under the server's
/// lock.
// @unchecked: `idleSince` and `isEvicted` change only under the server's `connections` lock;
// `consoleFlag` is a lock of its own.
final class ControlSession: @unchecked Sendable {
    let channel: ControlChannel
    let peer: Int32
    /// When the connection started to wait for its next request (monotonic nanoseconds);
    /// `nil` while a request is read and answered, for a console, and once evicted.
    private(set) var idleSince: UInt64?
    private(set) var isEvicted = false
    private let consoleFlag = Mutex(false)

    init(channel: ControlChannel, peer: Int32) {
        self.channel = channel
        self.peer = peer
        idleSince = monotonicNow()
    }

    /// A remote console: it waits for a person, so it has no idle timeout and is never closed
    /// to make room.
    var isConsole: Bool { consoleFlag.withLock { $0 } }

    func markConsole() { consoleFlag.withLock { $0 = true } }

    /// Closes the connection to make room: its thread wakes from its wait and ends.
    func evict() {
        isEvicted = true
        idleSince = nil
        shutdown(channel.fd, Int32(SHUT_RDWR))
    }

    func begin() -> Bool {
        guard !isEvicted else { return false }
        idleSince = nil
        return true
    }

    func end() {
        guard !isEvicted, !isConsole else { return }
        idleSince = monotonicNow()
    }
}

/// Unix socket paths: `sun_path` holds at most 107 bytes, so a longer path is reached
/// through `/proc/self/fd/N/NAME` with `N` a descriptor of its directory.
enum UnixSocket {
    enum Probe {
        /// Nothing this user can reach at the path.
        case absent
        /// A socket file nobody listens on (a node that died).
        case stale
        /// A node answers.
        case listening
    }

    /// Runs `body` with a path that reaches `path` and fits in `sun_path`.
    static func withAddress<R>(_ path: String, _ body: (UnsafePointer<CChar>) -> R) -> R {
        guard path.utf8.count >= 108, let slash = path.lastIndex(of: "/") else { return body(path) }
        let directory = distill_open_directory_path(String(path[..<slash]))
        guard directory >= 0 else { return body(path) }
        defer { close(directory) }
        return body("/proc/self/fd/\(directory)/" + path[path.index(after: slash)...])
    }

    /// A connected socket to `path`, or `-1` with `errno` set.
    static func connect(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return -1 }
        guard withAddress(path, { distill_unix_connect(fd, $0) }) == 0 else {
            let saved = errno
            close(fd)
            errno = saved
            return -1
        }
        return fd
    }

    static func probe(_ path: String) -> Probe {
        let fd = connect(path)
        if fd >= 0 {
            close(fd)
            return .listening
        }
        // Refused: a socket file nobody listens on. Anything else (no file, no directory, no
        // access) is not a node this user can reach; binding will say more.
        return errno == ECONNREFUSED ? .stale : .absent
    }
}
