//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime
public import Logging
import Synchronization

/// A running runtime: Erlang's node. It owns the scheduler threads, every process, the
/// timers, the code server and the sockets.
///
/// Make one with ``init(configuration:)``; everything a plugin does goes through the
/// ``ProcessContext`` its callbacks get, everything from outside (the launcher, the control
/// socket, tests) through the node's methods, which block the calling thread.
// @unchecked: every stored property is a `let`; what changes is behind a lock (`running`, `sockets`,
// the tables' own) or atomic (`counters`).
public final class Node: @unchecked Sendable {
    /// How to run a node.
    public struct Configuration: Sendable {
        /// The node's name as pids and references carry it.
        public var name: String
        /// Scheduler threads (default: one per core).
        public var schedulers: Int
        /// Where the runtime and processes log (default: swift-log's bootstrapped handler).
        public var logger: Logger
        /// Whether a call may run on the caller's thread: the callee's handler when the
        /// callee is idle (caller-runs), and the callee's queued messages while the caller waits
        /// and no other thread runs them (helping). Off, every call is a message that a
        /// scheduler thread picks up while the caller sleeps, the classic design (for
        /// comparison; it is several times slower).
        public var callerRuns: Bool
        /// How long an idle scheduler thread polls the run queue before it sleeps, in
        /// microseconds (BEAM's scheduler busy wait). Default 50.
        public var idleSpinMicroseconds: Int
        /// How long a caller whose callee runs on another thread polls for the reply before it
        /// sleeps, in microseconds. Default 0: like a BEAM process waiting in `receive`, the
        /// caller gives its core up at once (measured: with two clients calling one server,
        /// spinning 2-20 µs halves throughput, see Scheduling.md).
        public var replySpinMicroseconds: Int

        public init(
            name: String = "nonode@nohost",
            schedulers: Int? = nil,
            logger: Logger? = nil,
            callerRuns: Bool = true,
            idleSpinMicroseconds: Int = 50,
            replySpinMicroseconds: Int = 0
        ) {
            self.name = name
            self.schedulers = schedulers ?? Node.onlineProcessors
            self.logger = logger ?? Logger(label: "distill")
            self.callerRuns = callerRuns
            self.idleSpinMicroseconds = idleSpinMicroseconds
            self.replySpinMicroseconds = replySpinMicroseconds
        }
    }

    /// The node's name.
    public let name: String
    /// The node's creation (its incarnation), carried by its pids and references.
    public let creation: UInt32
    /// The node's logger; processes log through children of it.
    public let logger: Logger
    /// Loaded code: applications and modules, current and old.
    public let codeServer: CodeServer

    let scheduler: any Scheduler
    let timers: TimerService
    let table = ProcessTable()
    let names = NameRegistry()
    let applications = ApplicationController()
    private let counters: UnsafeMutablePointer<UInt64>
    private let running = Mutex(true)
    private let sockets = Mutex<TCPService?>(nil)

    /// Starts a node: its scheduler threads and timer thread.
    public convenience init(configuration: Configuration = Configuration()) {
        let scheduler = ThreadPoolScheduler(
            concurrency: max(1, configuration.schedulers),
            idleSpin: UInt64(max(0, configuration.idleSpinMicroseconds)) * 1000,
            replySpin: UInt64(max(0, configuration.replySpinMicroseconds)) * 1000
        )
        self.init(
            name: configuration.name,
            logger: configuration.logger,
            scheduler: scheduler,
            manualTime: false,
            callerRuns: configuration.callerRuns
        )
    }

    /// Running nodes by name and creation (what a decoded ``Caller`` finds its node by;
    /// embedded test nodes share a name and creation, so there may be several).
    private static let registry = Mutex<[String: [Node]]>([:])

    static func running(named name: String, creation: UInt32) -> [Node] {
        registry.withLock { $0[name + "/" + String(creation)] ?? [] }
    }

    /// Whether calls may run on the caller's thread (see ``Configuration/callerRuns``).
    let callerRuns: Bool

    init(name: String, logger: Logger, scheduler: any Scheduler, manualTime: Bool, callerRuns: Bool = true) {
        self.callerRuns = callerRuns
        self.name = name
        self.logger = logger
        self.scheduler = scheduler
        // A real node's creation tells its incarnations apart; a manual one is deterministic.
        self.creation = manualTime ? 1 : UInt32(truncatingIfNeeded: monotonicNow() / 1_000_000) | 1
        counters = .allocate(capacity: 2)
        counters.initialize(repeating: 0, count: 2)
        codeServer = CodeServer(logger: logger)
        timers = TimerService(manual: manualTime)
        timers.start { [unowned self] destination, message in self.send(destination, message) }
        Node.registry.withLock { $0[name + "/" + String(creation), default: []].append(self) }
    }

    deinit { counters.deallocate() }

    /// The number of processors this node may use.
    public static var onlineProcessors: Int { max(1, Int(distill_online_processors())) }

    // MARK: - Identifiers

    private func nextCounter(_ index: Int) -> UInt64 {
        // Both counters only grow; a compare-and-swap loop keeps them exact under contention.
        while true {
            let current = distill_load_u64(counters + index)
            if distill_cas_u64(counters + index, current, current + 1) != 0 { return current + 1 }
        }
    }

    func pid(for id: UInt64) -> Pid {
        Pid(
            node: name,
            id: UInt32(truncatingIfNeeded: id),
            serial: UInt32(truncatingIfNeeded: id >> 32),
            creation: creation
        )
    }

    /// This node's process number for `pid`, or `nil` if `pid` belongs to another node.
    func localID(of pid: Pid) -> UInt64? {
        guard pid.node == name, pid.creation == creation else { return nil }
        return UInt64(pid.serial) << 32 | UInt64(pid.id)
    }

    /// The parent of processes started from outside any process (Erlang's application
    /// master, for our purpose): exit signals the node sends come from it, so a process that
    /// traps exits still stops when the node (or `stop`) tells it to.
    public var rootPid: Pid { Pid(node: name, id: 0, serial: 0, creation: creation) }

    /// A fresh reference (`make_ref()`).
    public func makeReference() -> Term {
        let value = nextCounter(1)
        return .reference(
            Reference(
                node: name,
                creation: creation,
                ids: [UInt32(truncatingIfNeeded: value), UInt32(truncatingIfNeeded: value >> 32), 0]
            )
        )
    }

    // MARK: - Finding processes

    func process(_ pid: Pid) -> LocalProcess? {
        guard let id = localID(of: pid) else { return nil }
        return table[id]
    }

    func process(id: UInt64) -> LocalProcess? { table[id] }

    func resolve(_ destination: Destination, from sender: LocalProcess?) -> LocalProcess? {
        switch destination {
        case .pid(let pid): return sender?.resolve(pid) ?? process(pid)
        case .name(let name): return names[name]
        }
    }

    /// The pid registered as `name` (`whereis/1`).
    public func whereis(_ name: String) -> Pid? { names[name]?.pid }

    /// Whether `pid` is a live process of this node.
    public func isAlive(_ pid: Pid) -> Bool { process(pid)?.isAlive ?? false }

    /// The number of live processes.
    public var processCount: Int { table.count }

    /// Every live process.
    public var processes: [Pid] { table.all.map(\.pid) }

    func forget(_ process: LocalProcess, name: String?) {
        table.remove(process.id)
        if let name { names.remove(name, owner: process) }
    }

    /// Told of every exit (the embedded runtime records them).
    nonisolated(unsafe) var exitObserver: (@Sendable (Pid, ExitReason) -> Void)?

    func processDidExit(_ process: LocalProcess, reason: ExitReason) {
        sockets.withLock { $0 }?.ownerDied(process.pid)
        if process.parent == rootPid { applicationSupervisorExited(process.pid, reason: reason) }
        exitObserver?(process.pid, reason)
    }

    // MARK: - Spawning

    /// How to start a process.
    struct SpawnOptions {
        var link: LocalProcess?
        var registeredName: String?
        var modules: [String]?
        var trapExit = false
    }

    func spawn(_ code: ModuleCode, args: Term, options: SpawnOptions) throws -> LocalProcess {
        guard isRunning else { throw RuntimeError(.notRunning, "the node is stopped") }
        let process = LocalProcess(node: self, id: nextCounter(0))
        process.modules = options.modules ?? [code.name]
        process.locked { $0.trapExit = options.trapExit }
        table.insert(process)
        if let parent = options.link {
            process.parent = parent.pid
            _ = process.addLink(parent.id)
            _ = parent.addLink(process.id)
        } else {
            process.parent = rootPid
        }
        if let name = options.registeredName {
            do {
                try names.register(name, process)
            } catch {
                process.finish(.normal, callsTerminate: false)
                throw error
            }
        }
        do {
            process.body = try code.implementation.start(code: code, args: args, ProcessContext(process: process))
        } catch {
            let reason = ExitReason.error(error)
            process.finish(reason, callsTerminate: false)
            throw RuntimeError(
                .startFailed,
                "\(code.name) failed to start: \(reason.term.logged)",
                reason: reason
            )
        }
        if let reason = process.stopRequest {
            process.finish(reason, callsTerminate: true)
            throw RuntimeError(
                .startFailed,
                "\(code.name) stopped in start: \(reason.term.logged)",
                reason: reason
            )
        }
        process.release()
        return process
    }

    /// Starts a process running the current code of `module` (Erlang's `gen_server:start`);
    /// `start` runs before this returns.
    @discardableResult
    public func spawn(module: String, args: Term = [], registeredName: String? = nil) throws -> Pid {
        try spawn(try codeServer.currentCode(module), args: args, options: SpawnOptions(registeredName: registeredName))
            .pid
    }

    /// Starts a process running `type`, registering the type's application-less module if the
    /// code server does not know it yet.
    @discardableResult
    public func spawn<S: Server>(_ type: S.Type, args: Term = [], registeredName: String? = nil) throws -> Pid {
        let code = codeServer.code(of: type)
        return try spawn(code, args: args, options: SpawnOptions(registeredName: registeredName)).pid
    }

    /// Starts a supervisor running `type`.
    @discardableResult
    public func spawn<S: Supervisor>(_ type: S.Type, args: Term = [], registeredName: String? = nil) throws -> Pid {
        let code = codeServer.code(of: type)
        return try spawn(code, args: args, options: SpawnOptions(registeredName: registeredName, trapExit: true)).pid
    }

    // MARK: - Messages

    /// Sends `message` to `destination` (`!`); a message to a dead process or an unknown name is dropped.
    public func send(_ destination: Destination, _ message: Term) {
        resolve(destination, from: nil)?.deliver(.info(message))
    }

    /// Casts `request` (`gen_server:cast/2`).
    public func cast(_ destination: Destination, _ request: Term) {
        resolve(destination, from: nil)?.deliver(.cast(request))
    }

    /// Calls `destination` and blocks the calling thread until it replies (`gen_server:call/3`).
    public func call(_ destination: Destination, _ request: Term, timeout: Timeout = .default) throws -> Term {
        try call(from: nil, destination, request, timeout: timeout)
    }

    func call(from caller: LocalProcess?, _ destination: Destination, _ request: Term, timeout: Timeout) throws -> Term
    {
        guard let callee = resolve(destination, from: caller) else {
            throw RuntimeError(.noProcess, "no process \(destination) to call", reason: .noproc)
        }
        if callee === caller { throw RuntimeError(.callingSelf, "\(callee.pid.text) called itself") }
        let slot = caller?.replySlot ?? ReplySlot(ownerPid: nil)
        let tag = slot.arm()
        // An idle callee runs right here and cannot be interrupted: if it outlasts the timeout,
        // the caller gets the timeout it would have got (later) and the reply is dropped.
        let limit = timeout.milliseconds.map { coarseNow() &+ UInt64(max(0, $0)) &* 1_000_000 &+ 4_000_000 }
        switch callee.call(request, from: Caller(slot: slot, tag: tag)) {
        case .replied(let value):
            _ = slot.cancel(tag: tag)
            if let limit, coarseNow() > limit {
                throw RuntimeError(.timeout, "call to \(destination) timed out")
            }
            return value
        case .crashed(let reason):
            _ = slot.cancel(tag: tag)
            throw RuntimeError(.exited, "\(destination) exited while handling the call", reason: reason)
        case .dead:
            _ = slot.cancel(tag: tag)
            throw RuntimeError(.noProcess, "no process \(destination) to call", reason: .noproc)
        case .noreply, .queued:
            return try awaitReply(
                slot: slot,
                tag: tag,
                callee: callee,
                destination: destination,
                deadline: .after(timeout)
            )
        }
    }

    private func awaitReply(
        slot: ReplySlot,
        tag: UInt64,
        callee: LocalProcess,
        destination: Destination,
        deadline: Deadline
    )
        throws -> Term
    {
        while true {
            if let outcome = slot.take(tag: tag) { return try unwrap(outcome, destination) }
            if deadline.hasPassed { break }
            if callerRuns, callee.claimToHelp() {
                if callee.runMessages(budget: .max, until: { slot.isReady(tag: tag) }) { callee.release() }
                continue
            }
            if !scheduler.waitForReply(slot: slot, tag: tag, callee: callee, deadline: deadline) { break }
        }
        if let outcome = slot.cancel(tag: tag) { return try unwrap(outcome, destination) }
        throw RuntimeError(.timeout, "call to \(destination) timed out")
    }

    private func unwrap(_ outcome: ReplyOutcome, _ destination: Destination) throws -> Term {
        switch outcome {
        case .value(let value): return value
        case .exit(let reason):
            throw RuntimeError(
                .exited,
                "\(destination) exited before replying: \(reason.term.logged)",
                reason: reason
            )
        case .interrupted(let reason):
            throw RuntimeError(.interrupted, "the caller was killed while waiting", reason: reason)
        }
    }

    /// Replies to a caller (`gen_server:reply/2`); a caller that stopped waiting drops it.
    public func reply(to caller: Caller, _ value: Term) {
        caller.slot.deliver(tag: caller.tag, .value(value))
    }

    // MARK: - Exits

    /// Sends an exit signal to `pid` from outside any process (`exit/2`).
    public func exit(_ pid: Pid, _ reason: ExitReason) {
        process(pid)?.exitSignal(from: rootPid, reason: reason, viaLink: false)
    }

    /// Stops `pid` as a supervisor does: exit signal `reason`, wait up to `timeout` for it to
    /// die, then `kill`. Returns `false` if it was not alive.
    @discardableResult
    public func stop(_ pid: Pid, reason: ExitReason = .shutdown, timeout: Timeout = .seconds(5)) -> Bool {
        guard let target = process(pid) else { return false }
        terminate(target, from: rootPid, reason: reason, timeout: timeout)
        return true
    }

    /// Sends `reason` and waits for death, then kills after `timeout`.
    func terminate(_ target: LocalProcess, from sender: Pid, reason: ExitReason, timeout: Timeout) {
        let death = target.deathLatch()
        target.exitSignal(from: sender, reason: reason, viaLink: false)
        if scheduler.block(on: death, until: .after(timeout)) { return }
        target.exitSignal(from: sender, reason: .kill, viaLink: false)
        _ = scheduler.block(on: death, until: .after(.seconds(5)))
    }

    // MARK: - Timers

    /// `erlang:send_after/3`: delivers `message` to `destination` after `milliseconds`.
    @discardableResult
    public func sendAfter(_ milliseconds: Int, _ destination: Destination, _ message: Term) -> Term {
        let reference = makeReference()
        timers.add(after: milliseconds, reference: reference, target: destination, message: message)
        return reference
    }

    /// `erlang:cancel_timer/1`: the milliseconds the timer had left, or `nil` if it had fired or
    /// was cancelled.
    @discardableResult
    public func cancelTimer(_ reference: Term) -> Int? { timers.cancel(reference) }

    // MARK: - Sockets

    var tcp: TCPService {
        sockets.withLock { service in
            if let service { return service }
            let made = TCPService(node: self)
            service = made
            return made
        }
    }

    // MARK: - Stopping

    var isRunning: Bool { running.withLock { $0 } }

    /// Stops every process (newest first, `shutdown`, then `kill` after `timeout`), the
    /// sockets, the timers and the scheduler threads.
    public func shutdown(timeout: Timeout = .seconds(5)) {
        let wasRunning = running.withLock { running in
            defer { running = false }
            return running
        }
        guard wasRunning else { return }
        // Applications stop with the node: their supervisors' exits are not application exits.
        applications.state.withLock { state in
            state.running = [:]
            state.order = []
        }
        // Roots first (supervisors stop their own children in order), then anything left.
        let everyone = table.all.reversed()
        for process in everyone where process.parent == rootPid {
            terminate(process, from: rootPid, reason: .shutdown, timeout: timeout)
        }
        for process in table.all.reversed() {
            terminate(process, from: rootPid, reason: .kill, timeout: timeout)
        }
        sockets.withLock { $0 }?.shutdown()
        timers.stop()
        scheduler.shutdown()
        Node.registry.withLock { $0[name + "/" + String(creation)]?.removeAll { $0 === self } }
    }
}
