//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// A node for tests: one thread (yours), a manual clock, no sockets, deterministic.
///
/// It is part of DistillRuntime itself (not a separate library) so that a plugin's tests,
/// which link the plugin and therefore libDistillRuntime.so, see the same `Server` and
/// `Term` as the plugin: a static test library would bring a second copy of the runtime.
///
/// The processes, mailboxes, supervisors and code changes are the runtime's own; only the
/// scheduling differs: processes run when you act (`spawn`,
/// `cast`, `send` and ``advanceTime(by:)`` run every process until none is
/// runnable; `call` runs them until the reply comes), in the order they became
/// runnable. Timers fire only when you move the clock, in deadline order.
///
/// ```swift
/// let runtime = EmbeddedRuntime()
/// let kv = try runtime.spawn(KV.self)
/// runtime.cast(kv, .tuple(["put", "k", 1]))
/// #expect(try runtime.call(kv, .tuple(["get", "k"])) == 1)
/// runtime.advanceTime(by: .seconds(5))
/// #expect(runtime.finish().isClean)
/// ```
///
/// A call that can never be answered on one thread (the callee waits for something only
/// another call could bring) fails at once with a `timeout` error instead of hanging.
public final class EmbeddedRuntime: Sendable {
    private let driver: EmbeddedDriver

    /// The node, for everything else (suspend, code changes, process info, registered names).
    public var node: Node { driver.node }

    public init(name: String = "nonode@nohost", logger: Logger? = nil) {
        driver = EmbeddedDriver(
            name: name,
            logger: logger ?? Logger(label: "distill.embedded") { _ in SwiftLogNoOpLogHandler() }
        )
    }

    // MARK: - Processes

    /// Starts a process running `type`; its `start` has run when this returns.
    @discardableResult
    public func spawn<S: Server>(_ type: S.Type, args: Term = [], registeredName: String? = nil) throws -> Pid {
        defer { driver.runUntilIdle() }
        return try node.spawn(type, args: args, registeredName: registeredName)
    }

    /// Starts a supervisor running `type`; its children have started when this returns.
    @discardableResult
    public func spawn<S: Supervisor>(_ type: S.Type, args: Term = [], registeredName: String? = nil) throws -> Pid {
        defer { driver.runUntilIdle() }
        return try node.spawn(type, args: args, registeredName: registeredName)
    }

    /// Registers `application` (as a plugin would export it) so that processes can be
    /// started by module name, and starts it if it has a start supervisor.
    @discardableResult
    public func start(_ application: Application) throws -> Pid? {
        try node.codeServer.register(application)
        defer { driver.runUntilIdle() }
        return try node.startApplication(application.name)
    }

    // MARK: - Messages

    /// Calls `destination` (running processes until the reply comes).
    public func call(_ destination: Destination, _ request: Term, timeout: Timeout = .default) throws -> Term {
        defer { driver.runUntilIdle() }
        return try node.call(destination, request, timeout: timeout)
    }

    /// Calls `pid`.
    public func call(_ pid: Pid, _ request: Term, timeout: Timeout = .default) throws -> Term {
        try call(.pid(pid), request, timeout: timeout)
    }

    /// Casts `request` and runs processes until none is runnable.
    public func cast(_ destination: Destination, _ request: Term) {
        node.cast(destination, request)
        driver.runUntilIdle()
    }

    /// Casts `request` to `pid`.
    public func cast(_ pid: Pid, _ request: Term) { cast(.pid(pid), request) }

    /// Sends `message` and runs processes until none is runnable.
    public func send(_ destination: Destination, _ message: Term) {
        node.send(destination, message)
        driver.runUntilIdle()
    }

    /// Sends `message` to `pid`.
    public func send(_ pid: Pid, _ message: Term) { send(.pid(pid), message) }

    /// Runs processes until none is runnable; returns how many slices ran.
    @discardableResult
    public func run() -> Int { driver.runUntilIdle() }

    // MARK: - Time

    /// The manual clock, from zero.
    public var now: Duration { .nanoseconds(Int64(driver.now)) }

    /// Moves the clock forward by `duration`, firing each timer that falls due on the way in
    /// deadline order (creation order for equal deadlines), running processes after each.
    public func advanceTime(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = max(0, seconds) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
        driver.advanceTime(by: UInt64(nanoseconds))
    }

    // MARK: - Code changes

    /// Upgrades (or downgrades) the process `pid` to `type` as the release handler does:
    /// suspend, change code (``CodeChangeMode``), resume. The state crosses as a term,
    /// encoded by the old type and rebuilt by the new. Throws, leaving the old code and state
    /// running, if the change fails.
    public func changeCode<S: Server>(
        _ pid: Pid,
        to type: S.Type,
        mode: CodeChangeMode = .soft,
        direction: CodeChangeDirection = .up
    ) throws {
        try node.suspend(pid)
        defer {
            try? node.resume(pid)
            driver.runUntilIdle()
        }
        let change = try node.changeCode(pid, to: node.codeServer.code(of: type), mode: mode, direction: direction)
        change.commit()
    }

    // MARK: - Finishing

    /// What ``finish()`` found.
    public struct Finish: Sendable {
        /// Processes alive at the end (then stopped), in pid order.
        public var liveProcesses: [Pid]
        /// Processes with messages still queued (suspended ones, say), and how many.
        public var strayMessages: [(pid: Pid, count: Int)]
        /// Processes that exited with an abnormal reason during the test, in order.
        public var crashes: [(pid: Pid, reason: ExitReason)]
        /// Timers that had not fired.
        public var pendingTimers: Int

        /// No message left unhandled and no process crashed.
        public var isClean: Bool { strayMessages.isEmpty && crashes.isEmpty }
    }

    /// Runs what is runnable, reports, then stops every process.
    @discardableResult
    public func finish() -> Finish {
        driver.runUntilIdle()
        let report = Finish(
            liveProcesses: node.processes,
            strayMessages: driver.queuedMessages.map { (pid: $0.0, count: $0.1) },
            crashes: driver.exitLog.filter { !$0.1.isNormal && $0.1 != .killed }.map { (pid: $0.0, reason: $0.1) },
            pendingTimers: driver.pendingTimers
        )
        node.shutdown(timeout: .infinity)
        return report
    }
}
