//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging
import Synchronization

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
/// touch is in `sync`.
///
/// **Status.** `.idle`: not queued, nothing to do (or suspended); `.scheduled`: has
/// messages and wants a thread (`inRunQueue` says whether the run queue holds it); `.running`;
/// `.dead`. A suspended process is never claimed; messages sent to it queue.
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
    }

    let id: UInt64
    let pid: Pid
    let node: Node
    let sync = Mutex(Shared())

    // MARK: Owner-side state (see the type's documentation)

    var body: ProcessBody? {
        didSet {
            let code = body?.code
            sync.withLock { $0.code = code }
        }
    }
    var parent: Pid?
    /// The modules this process uses, as its child spec lists them (OTP's `modules`).
    var modules: [String] = []
    var stopRequest: ExitReason?
    var deferredCallers: [Caller] = []
    var heldMonitors: [Term: UInt64] = [:]
    private var slot: ReplySlot?
    private var lastResolved: LocalProcess?

    init(node: Node, id: UInt64) {
        self.node = node
        self.id = id
        self.pid = node.pid(for: id)
    }

    var replySlot: ReplySlot {
        if let slot { return slot }
        let made = ReplySlot(ownerPid: pid)
        slot = made
        return made
    }

    var context: ProcessContext { ProcessContext(process: self) }

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
        let outcome: UInt8 = sync.withLock { shared in
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
        sync.withLock { shared in
            shared.inRunQueue = false
            guard shared.status == .scheduled, !shared.suspended else { return false }
            shared.status = .running
            return true
        }
    }

    /// Claims the process for a caller that waits for its reply and runs its mailbox meanwhile.
    func claimToHelp() -> Bool {
        sync.withLock { shared in
            guard shared.status == .scheduled, !shared.suspended else { return false }
            shared.status = .running
            return true
        }
    }

    /// Whether a waiting caller could claim the process now (a hint, without the lock held after).
    var isClaimable: Bool {
        sync.withLock { $0.status == .scheduled && !$0.suspended }
    }

    /// Gives the process up: it becomes idle, or scheduled again if messages wait (unless it is
    /// suspended); a pending exit signal ends it here.
    func release() {
        enum Action {
            case released(push: Bool, waiters: [Latch])
            case die(PendingExit)
        }
        let action: Action = sync.withLock { shared in
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

    /// Handles queued messages, one at a time, while this thread owns the process: at most
    /// `budget` of them, stopping early when `done` says so, when the mailbox is empty or when
    /// a suspension is requested. Returns `false` if the process died (nothing to release).
    func runMessages(budget: Int, until done: () -> Bool = { false }) -> Bool {
        var remaining = budget
        while remaining > 0 {
            enum Step {
                case handle(Envelope)
                case stop
                case die(PendingExit)
            }
            let step: Step = sync.withLock { shared in
                if let exit = shared.pendingExit {
                    shared.pendingExit = nil
                    return .die(exit)
                }
                if shared.suspended { return .stop }
                guard let envelope = shared.queue.popFirst() else { return .stop }
                shared.messagesHandled &+= 1
                return .handle(envelope)
            }
            switch step {
            case .stop:
                return true
            case .die(let exit):
                finish(exit.reason, callsTerminate: exit.callsTerminate)
                return false
            case .handle(let envelope):
                guard dispatch(envelope) else { return false }
            }
            remaining -= 1
            if done() { return true }
        }
        return true
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
                try body.handleInfo(message, ctx)
            }
        } catch {
            let reason = ExitReason.error(error)
            if let currentCaller { currentCaller.slot.deliver(tag: currentCaller.tag, .exit(reason)) }
            finish(reason, callsTerminate: true)
            return false
        }
        if let reason = stopRequest {
            finish(reason, callsTerminate: true)
            return false
        }
        return true
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
        let claim: UInt8 = sync.withLock { shared in
            if shared.status == .dead { return 0 }
            if shared.status == .idle && !shared.suspended && shared.queue.isEmpty {
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
            let reason = ExitReason.error(error)
            finish(reason, callsTerminate: true)
            return .crashed(reason)
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
            case interrupt(ExitReason)
        }
        let senderID = node.localID(of: sender)
        let action: Action = sync.withLock { shared in
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
                return .interrupt(exit.reason)
            }
            shared.status = .running
            return .dieNow(exit)
        }
        switch action {
        case .none: break
        case .push: node.scheduler.enqueue(self)
        case .interrupt(let reason): slot?.interrupt(reason)
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
        let shared: Shared = sync.withLock { shared in
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
        var queue = shared.queue
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
            logger.error("process exited", metadata: ["reason": "\(TermText.render(finalReason.term))"])
        }
        body = nil
        for waiter in shared.suspendWaiters + shared.deathWaiters { waiter.open() }
    }

    // MARK: - Links and monitors

    /// Links to `other` (both ways). Returns `false` if `other` is dead.
    func addLink(_ otherID: UInt64) -> Bool {
        sync.withLock { shared in
            if shared.status == .dead { return false }
            shared.links.insert(otherID)
            return true
        }
    }

    func removeLink(_ otherID: UInt64) {
        _ = sync.withLock { $0.links.remove(otherID) }
    }

    /// Adds a monitor held by `watcher`; returns `false` if this process is dead.
    func addMonitor(_ reference: Term, watcher: UInt64) -> Bool {
        sync.withLock { shared in
            if shared.status == .dead { return false }
            shared.monitors.append(Monitor(reference: reference, watcher: watcher))
            return true
        }
    }

    func removeMonitor(_ reference: Term) {
        sync.withLock { shared in shared.monitors.removeAll { $0.reference == reference } }
    }

    /// A latch that opens when the process dies (already open if it is dead).
    func deathLatch() -> Latch {
        let latch = Latch()
        let dead: Bool = sync.withLock { shared in
            if shared.status == .dead { return true }
            shared.deathWaiters.append(latch)
            return false
        }
        if dead { latch.open() }
        return latch
    }

    var isAlive: Bool { sync.withLock { $0.status != .dead } }

    var trapExit: Bool {
        get { sync.withLock { $0.trapExit } }
        set { sync.withLock { $0.trapExit = newValue } }
    }
}

extension ReplySlot {
    /// Wakes the owner out of a call with `reason` (its process was killed while waiting).
    func interrupt(_ reason: ExitReason) {
        guard let tag = waitingTag else { return }
        deliver(tag: tag, .interrupted(reason))
    }
}
