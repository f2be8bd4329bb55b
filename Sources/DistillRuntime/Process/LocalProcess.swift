//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime
import Logging

/// A message in a process's mailbox.
enum Envelope: Sendable {
    case call(Term, Caller)
    case cast(Term)
    case info(Term)
}

/// A process: a mailbox, a body (code and state), links and monitors.
///
/// **Ownership.** At most one thread runs a process at a time: the one that moved its
/// status to `.running` (a scheduler thread, a caller running an idle callee inline, a caller
/// helping its callee, or the spawner during `start`). Only that thread touches `body`,
/// `deferredCallers`, `stopRequest` and the owner-side fields; everything other threads may
/// touch is in `shared`.
///
/// **Status.** `.idle`: not queued, nothing to do (or suspended); `.scheduled`: has
/// messages and wants a thread (`inRunQueue` says whether the run queue holds it); `.running`;
/// `.dead`. A suspended process is never claimed; messages sent to it queue.
// @unchecked: what other threads touch (mailbox, status, links) is in `shared`, under the process's
// lock word; the body and owner-side fields only by the thread that claimed it, as described above.
final class LocalProcess: @unchecked Sendable {
    enum Status: UInt8 {
        case idle, scheduled, running, dead
    }

    struct PendingExit {
        var reason: ExitReason
        var callsTerminate: Bool
    }

    struct Monitor {
        var reference: Term
        var watcher: UInt64
    }

    struct Shared {
        var queue = RingBuffer<Envelope>()
        var status = Status.running
        var suspended = false
        var inRunQueue = false
        var trapExit = false
        var pendingExit: PendingExit?
        var links: Set<UInt64> = []
        var monitors: [Monitor] = []
        var suspendWaiters: [Latch] = []
        var deathWaiters: [Latch] = []
        var registeredName: String?
        var messagesHandled = 0
        /// The body, for inspection by other threads (the owner uses ``LocalProcess/body``).
        var code: ModuleCode?
        /// The reply slot, for other threads (see ``LocalProcess/replySlot``).
        var slot: ReplySlot?
    }

    let id: UInt64
    let pid: Pid
    let node: Node
    /// What other threads may touch, under ``locked(_:)``.
    @exclusivity(unchecked) private var shared = Shared()
    /// Two words: the lock over `shared`, and the interrupt flag: set (under the lock) when a
    /// suspension or an exit signal wants the owner to stop taking messages from its batch,
    /// read by the owner between messages without the lock.
    private let words: UnsafeMutablePointer<UInt32>

    /// Runs `body` on the shared state under the process's lock (held for a few instructions).
    @inline(__always)
    func locked<R>(_ body: (inout Shared) throws -> R) rethrows -> R {
        distill_lock(words)
        defer { distill_unlock(words) }
        return try body(&shared)
    }

    var interruptRequested: Bool { distill_load_flag(words + 1) != 0 }

    func requestInterrupt(_ on: Bool) { distill_store_flag(words + 1, on ? 1 : 0) }

    // MARK: Owner-side state (see the type's documentation)

    @exclusivity(unchecked) var body: ProcessBody? {
        didSet {
            let code = body?.code
            locked { $0.code = code }
        }
    }
    @exclusivity(unchecked) var parent: Pid?
    /// The modules this process uses, as its child spec lists them (OTP's `modules`).
    @exclusivity(unchecked) var modules: [String] = []
    @exclusivity(unchecked) var stopRequest: ExitReason?
    @exclusivity(unchecked) var deferredCallers: [Caller] = []
    /// Messages the owner took from the mailbox in one go and has not handled yet (empty
    /// whenever the process is not running): one lock per batch instead of per message.
    @exclusivity(unchecked) var batch = RingBuffer<Envelope>()
    @exclusivity(unchecked) var heldMonitors: [Term: UInt64] = [:]
    @exclusivity(unchecked) private var slot: ReplySlot?
    @exclusivity(unchecked) private var lastResolved: LocalProcess?

    init(node: Node, id: UInt64) {
        self.node = node
        self.id = id
        self.pid = node.pid(for: id)
        words = .allocate(capacity: 2)
        words.initialize(repeating: 0, count: 2)
    }

    deinit { words.deallocate() }

    /// The process's reply slot, made on its first call. The owner reads its own copy without
    /// the lock; other threads (an exit signal interrupting a call) read the one in `shared`.
    var replySlot: ReplySlot {
        if let slot { return slot }
        let made = ReplySlot(ownerPid: pid)
        slot = made
        locked { $0.slot = made }
        return made
    }

    var context: ProcessContext { ProcessContext(process: self) }

    /// Delivers `envelope` to `destination`, through the one-entry cache for pids.
    @inline(__always)
    func send(to destination: Destination, _ envelope: Envelope) {
        if case .pid(let target) = destination, let cached = lastResolved, cached.pid == target {
            cached.deliver(envelope)
            return
        }
        node.resolve(destination, from: self)?.deliver(envelope)
    }

    /// Resolves `pid` with a one-entry cache (a process mostly talks to the same peer).
    func resolve(_ target: Pid) -> LocalProcess? {
        if let cached = lastResolved, cached.pid == target { return cached }
        let found = node.process(target)
        lastResolved = found
        return found
    }

    var logger: Logger {
        var logger = node.logger
        logger[metadataKey: "pid"] = "\(pid.text)"
        if let body { logger[metadataKey: "module"] = "\(body.code.name)" }
        return logger
    }

    // MARK: - Delivering

    /// Appends `envelope` to the mailbox and schedules the process if it was idle. Returns
    /// `false` (and drops the envelope) when the process is dead.
    @discardableResult
    func deliver(_ envelope: Envelope) -> Bool {
        let outcome: UInt8 = locked { shared in
            if shared.status == .dead { return 0 }
            shared.queue.append(envelope)
            if shared.status == .idle && !shared.suspended {
                shared.status = .scheduled
                if !shared.inRunQueue {
                    shared.inRunQueue = true
                    return 2
                }
            }
            return 1
        }
        if outcome == 2 { node.scheduler.enqueue(self) }
        return outcome != 0
    }

    // MARK: - Claiming and releasing

    /// Claims the process for a scheduler thread that popped it from the run queue.
    func claimFromRunQueue() -> Bool {
        locked { shared in
            shared.inRunQueue = false
            guard shared.status == .scheduled, !shared.suspended else { return false }
            shared.status = .running
            return true
        }
    }

    /// Claims the process for a caller that waits for its reply and runs its mailbox meanwhile.
    func claimToHelp() -> Bool {
        locked { shared in
            guard shared.status == .scheduled, !shared.suspended else { return false }
            shared.status = .running
            return true
        }
    }

    /// Whether a waiting caller could claim the process now (a hint, without the lock held after).
    var isClaimable: Bool {
        locked { $0.status == .scheduled && !$0.suspended }
    }

    /// Gives the process up: it becomes idle, or scheduled again if messages wait (unless it is
    /// suspended); a pending exit signal ends it here.
    func release() {
        enum Action {
            case released(push: Bool, waiters: [Latch])
            case die(PendingExit)
        }
        let action: Action = locked { shared in
            if let exit = shared.pendingExit {
                shared.pendingExit = nil
                return .die(exit)
            }
            shared.status = .idle
            var waiters: [Latch] = []
            if shared.suspended {
                swap(&waiters, &shared.suspendWaiters)
                return .released(push: false, waiters: waiters)
            }
            if !shared.queue.isEmpty {
                shared.status = .scheduled
                if !shared.inRunQueue {
                    shared.inRunQueue = true
                    return .released(push: true, waiters: [])
                }
            }
            return .released(push: false, waiters: [])
        }
        switch action {
        case .released(let push, let waiters):
            for waiter in waiters { waiter.open() }
            if push { node.scheduler.enqueue(self) }
        case .die(let exit):
            finish(exit.reason, callsTerminate: exit.callsTerminate)
        }
    }

    // MARK: - Running

    /// How many messages the owner takes from the mailbox at once.
    static let batchSize = 64

    /// Handles queued messages, one at a time, while this thread owns the process: at most
    /// `budget` of them, stopping early when `done` says so, when the mailbox is empty or when
    /// a suspension is requested. Returns `false` if the process died (nothing to release).
    ///
    /// Messages are taken from the mailbox in batches under one lock; a suspension or exit
    /// signal raises ``interrupt``, and the rest of the batch goes back to the front of the
    /// mailbox, so nothing is lost or reordered.
    func runMessages(budget: Int, until done: () -> Bool = { false }) -> Bool {
        var remaining = budget
        while remaining > 0 {
            if batch.isEmpty || interruptRequested {
                enum Step {
                    case handle
                    case stop
                    case die(PendingExit)
                }
                let limit = min(remaining, Self.batchSize)
                let step: Step = locked { shared in
                    if !batch.isEmpty { Self.putBack(&batch, into: &shared.queue) }
                    requestInterrupt(false)
                    if let exit = shared.pendingExit {
                        shared.pendingExit = nil
                        return .die(exit)
                    }
                    if shared.suspended || shared.queue.isEmpty { return .stop }
                    var taken = 0
                    while taken < limit, let envelope = shared.queue.popFirst() {
                        batch.append(envelope)
                        taken += 1
                    }
                    shared.messagesHandled &+= taken
                    return .handle
                }
                switch step {
                case .stop:
                    return true
                case .die(let exit):
                    finish(exit.reason, callsTerminate: exit.callsTerminate)
                    return false
                case .handle:
                    break
                }
            }
            guard let envelope = batch.popFirst() else { continue }
            guard dispatch(envelope) else { return false }
            remaining -= 1
            if done() { break }
        }
        if !batch.isEmpty { locked { shared in Self.putBack(&batch, into: &shared.queue) } }
        return true
    }

    /// Puts the unhandled rest of a batch back in front of the mailbox.
    private static func putBack(_ batch: inout RingBuffer<Envelope>, into queue: inout RingBuffer<Envelope>) {
        var restored = batch
        batch = RingBuffer()
        while let envelope = queue.popFirst() { restored.append(envelope) }
        queue = restored
    }

    /// Runs one message's callback. Returns `false` if the process ended.
    private func dispatch(_ envelope: Envelope) -> Bool {
        guard let body else { return true }
        let ctx = ProcessContext(process: self)
        var currentCaller: Caller?
        do {
            switch envelope {
            case .call(let request, let caller):
                currentCaller = caller
                switch try body.handleCall(request, from: caller, ctx) {
                case .reply(let value): caller.slot.deliver(tag: caller.tag, .value(value))
                case .noreply: deferCaller(caller)
                }
            case .cast(let request):
                try body.handleCast(request, ctx)
            case .info(let message):
                if let reason = exitFromParent(message) {
                    finish(reason, callsTerminate: true)
                    return false
                }
                node.willHandle(message)
                try body.handleInfo(message, ctx)
            }
        } catch {
            let exit = crash(error)
            if let currentCaller { currentCaller.slot.deliver(tag: currentCaller.tag, .exit(exit.reason)) }
            finish(exit.reason, callsTerminate: exit.callsTerminate)
            return false
        }
        if let reason = stopRequest {
            finish(reason, callsTerminate: true)
            return false
        }
        return true
    }

    /// How a callback that threw ends the process: with the error, unless an exit signal
    /// arrived meanwhile (a kill that interrupted a call, say): then as that signal says.
    private func crash(_ error: any Error) -> PendingExit {
        let pending: PendingExit? = locked { shared in
            defer { shared.pendingExit = nil }
            return shared.pendingExit
        }
        return pending ?? PendingExit(reason: .error(error), callsTerminate: true)
    }

    /// gen_server's rule: a trapped `{'EXIT', Parent, Reason}` from the parent ends the
    /// process with `Reason` (calling `terminate`).
    private func exitFromParent(_ message: Term) -> ExitReason? {
        guard let parent, case .tuple(let elements) = message, elements.count == 3,
            elements[0] == .atom("EXIT"), elements[1] == .pid(parent)
        else { return nil }
        return ExitReason(elements[2])
    }

    private func deferCaller(_ caller: Caller) {
        deferredCallers.removeAll { !$0.isWaiting }
        deferredCallers.append(caller)
    }

    /// The result of running a call on the caller's thread.
    enum InlineCall {
        case replied(Term)
        case noreply
        case crashed(ExitReason)
        case queued
        case dead
    }

    /// Runs `request` right here if the process is idle with an empty mailbox and not
    /// suspended (the caller-runs fast path); otherwise queues it.
    func call(_ request: Term, from caller: Caller) -> InlineCall {
        let claim: UInt8 = locked { shared in
            if shared.status == .dead { return 0 }
            if shared.status == .idle && !shared.suspended && shared.queue.isEmpty && node.callerRuns {
                shared.status = .running
                shared.messagesHandled &+= 1
                return 1
            }
            shared.queue.append(.call(request, caller))
            if shared.status == .idle && !shared.suspended {
                shared.status = .scheduled
                if !shared.inRunQueue {
                    shared.inRunQueue = true
                    return 3
                }
            }
            return 2
        }
        switch claim {
        case 0: return .dead
        case 2: return .queued
        case 3:
            node.scheduler.enqueue(self)
            return .queued
        default: break
        }
        guard let body else {
            release()
            return .noreply
        }
        let result: InlineCall
        do {
            switch try body.handleCall(request, from: caller, ProcessContext(process: self)) {
            case .reply(let value): result = .replied(value)
            case .noreply:
                deferCaller(caller)
                result = .noreply
            }
        } catch {
            let exit = crash(error)
            finish(exit.reason, callsTerminate: exit.callsTerminate)
            return .crashed(exit.reason)
        }
        if let reason = stopRequest {
            finish(reason, callsTerminate: true)
        } else {
            release()
        }
        return result
    }

    // MARK: - Exit signals

    /// An exit signal from `sender` (a link's death when `viaLink`, else `exit/2`).
    func exitSignal(from sender: Pid, reason: ExitReason, viaLink: Bool) {
        enum Action {
            case none
            case push
            case dieNow(PendingExit)
            case interrupt(ExitReason, ReplySlot?)
        }
        let senderID = node.localID(of: sender)
        let action: Action = locked { shared in
            if shared.status == .dead { return .none }
            if viaLink, let senderID { shared.links.remove(senderID) }
            var exit: PendingExit
            if !viaLink && reason == .kill {
                exit = PendingExit(reason: .killed, callsTerminate: false)
            } else if shared.trapExit {
                let fromParent = parentIs(sender)
                if fromParent && shared.suspended {
                    exit = PendingExit(reason: reason, callsTerminate: true)
                } else {
                    shared.queue.append(.info(.tuple([.atom("EXIT"), .pid(sender), reason.term])))
                    if shared.status == .idle && !shared.suspended {
                        shared.status = .scheduled
                        if !shared.inRunQueue {
                            shared.inRunQueue = true
                            return .push
                        }
                    }
                    return .none
                }
            } else if reason == .normal {
                return .none
            } else {
                exit = PendingExit(reason: reason, callsTerminate: false)
            }
            if shared.status == .running {
                shared.pendingExit = exit
                requestInterrupt(true)
                return .interrupt(exit.reason, shared.slot)
            }
            shared.status = .running
            return .dieNow(exit)
        }
        switch action {
        case .none: break
        case .push: node.scheduler.enqueue(self)
        case .interrupt(let reason, let waiting): waiting?.interrupt(reason)
        case .dieNow(let exit): finish(exit.reason, callsTerminate: exit.callsTerminate)
        }
    }

    private func parentIs(_ sender: Pid) -> Bool { parent == sender }

    // MARK: - Ending

    /// Ends the process with `reason`; the calling thread owns it. Runs `terminate` when asked,
    /// then tells links and monitors, fails every call still waiting on it, frees its name,
    /// closes its sockets.
    func finish(_ reason: ExitReason, callsTerminate: Bool) {
        let ctx = ProcessContext(process: self)
        if callsTerminate, let body { body.terminate(reason, ctx) }
        let finalReason = reason
        let shared: Shared = locked { shared in
            shared.status = .dead
            let taken = shared
            shared.queue = RingBuffer()
            shared.links = []
            shared.monitors = []
            shared.suspendWaiters = []
            shared.deathWaiters = []
            shared.registeredName = nil
            shared.pendingExit = nil
            return taken
        }
        node.forget(self, name: shared.registeredName)
        var queue = batch
        batch = RingBuffer()
        var rest = shared.queue
        while let envelope = rest.popFirst() { queue.append(envelope) }
        while let envelope = queue.popFirst() {
            if case .call(_, let caller) = envelope { caller.slot.deliver(tag: caller.tag, .exit(finalReason)) }
        }
        for caller in deferredCallers { caller.slot.deliver(tag: caller.tag, .exit(finalReason)) }
        deferredCallers = []
        for (reference, targetID) in heldMonitors { node.process(id: targetID)?.removeMonitor(reference) }
        heldMonitors = [:]
        for linkID in shared.links.sorted() {
            node.process(id: linkID)?.exitSignal(from: pid, reason: finalReason, viaLink: true)
        }
        for monitor in shared.monitors {
            let down = Term.tuple([.atom("DOWN"), monitor.reference, .atom("process"), .pid(pid), finalReason.term])
            node.process(id: monitor.watcher)?.deliver(.info(down))
        }
        node.processDidExit(self, reason: finalReason)
        if !finalReason.isNormal && finalReason != .killed {
            logger.error("process exited", metadata: ["reason": "\(finalReason.term.logged)"])
        }
        body = nil
        for waiter in shared.suspendWaiters + shared.deathWaiters { waiter.open() }
    }

    // MARK: - Links and monitors

    /// Links to `other` (both ways). Returns `false` if `other` is dead.
    func addLink(_ otherID: UInt64) -> Bool {
        locked { shared in
            if shared.status == .dead { return false }
            shared.links.insert(otherID)
            return true
        }
    }

    func removeLink(_ otherID: UInt64) {
        _ = locked { $0.links.remove(otherID) }
    }

    /// Adds a monitor held by `watcher`; returns `false` if this process is dead.
    func addMonitor(_ reference: Term, watcher: UInt64) -> Bool {
        locked { shared in
            if shared.status == .dead { return false }
            shared.monitors.append(Monitor(reference: reference, watcher: watcher))
            return true
        }
    }

    func removeMonitor(_ reference: Term) {
        locked { shared in shared.monitors.removeAll { $0.reference == reference } }
    }

    /// A latch that opens when the process dies (already open if it is dead).
    func deathLatch() -> Latch {
        let latch = Latch()
        let dead: Bool = locked { shared in
            if shared.status == .dead { return true }
            shared.deathWaiters.append(latch)
            return false
        }
        if dead { latch.open() }
        return latch
    }

    var isAlive: Bool { locked { $0.status != .dead } }

    var trapExit: Bool {
        get { locked { $0.trapExit } }
        set { locked { $0.trapExit = newValue } }
    }
}

extension ReplySlot {
    /// Wakes the owner out of a call with `reason` (its process was killed while waiting).
    func interrupt(_ reason: ExitReason) {
        guard let tag = waitingTag else { return }
        deliver(tag: tag, .interrupted(reason))
    }
}
