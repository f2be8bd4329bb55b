//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// How a code change builds the new state.
public enum CodeChangeMode: Hashable, Sendable {
    /// `{update, M}` (soft): no `codeChange` call; the old state, encoded by the old code,
    /// is decoded as the new code's `State`.
    case soft
    /// `{update, M, {advanced, Extra}}`: the new code's `codeChange(from:state:extra:)`
    /// builds the new state from the old one (for a supervisor: its spec is read again).
    case advanced(extra: Term)
}

/// Which way a code change goes: `up` passes the old code's `vsn` as `oldVsn`; `down`
/// passes `{down, Vsn}` with the newer code's `vsn`, as OTP does on a downgrade.
public enum CodeChangeDirection: Hashable, Sendable {
    case up
    case down
}

/// A code change applied to one suspended process, not yet committed: ``undo()`` puts the
/// previous code and its untouched state back.
// @unchecked: `previous` changes only in `commit()` and `undo()`, called by the one thread that
// runs the install while the process is suspended.
public final class CodeChange: @unchecked Sendable {
    let process: LocalProcess
    private var previous: ProcessBody?

    /// The process.
    public let pid: Pid
    /// The code it ran before.
    public let from: ModuleCode
    /// The code it runs now.
    public let to: ModuleCode

    init(process: LocalProcess, previous: ProcessBody, current: ProcessBody) {
        self.process = process
        self.previous = previous
        pid = process.pid
        from = previous.code
        to = current.code
    }

    /// Keeps the change; the previous state is released.
    public func commit() { previous = nil }

    /// Puts the previous code and state back (the process must still be suspended).
    public func undo() throws {
        guard let previous else { throw RuntimeError(.badArgument, "the code change of \(pid.text) was committed") }
        try process.node.withSuspended(process) { process in process.body = previous }
        self.previous = nil
    }
}

/// What ``Node/processInfo(_:)`` reports about a process.
public struct ProcessSnapshot: Sendable {
    /// What the process is doing.
    public enum Status: String, Sendable {
        /// Idle: its mailbox is empty (Erlang's `waiting`).
        case waiting
        /// It has messages and waits for a thread.
        case runnable
        /// A thread is running one of its callbacks (or it is blocked in a call).
        case running
        /// Suspended (`Node.suspend(_:timeout:)`): it takes no message until resumed.
        case suspended
    }

    public var pid: Pid
    public var module: String?
    public var vsn: Term?
    /// The image its code came from.
    public var image: String?
    public var status: Status
    public var messageQueueLength: Int
    public var registeredName: String?
    public var links: [Pid]
    public var trapExit: Bool
    /// Messages handled so far (calls, casts and infos).
    public var messagesHandled: Int
    /// The modules the process uses (child spec `modules`).
    public var modules: [String]
}

extension Node {
    // MARK: - Suspending (sys:suspend / sys:resume)

    /// Suspends `pid` (`sys:suspend/2`): waits until it finishes the message it is handling;
    /// from then on it takes no message (they queue, in order). If it does not finish in
    /// `timeout`, it is left running and this throws `suspendTimeout`.
    public func suspend(_ pid: Pid, timeout: Timeout = .seconds(5)) throws {
        guard let process = process(pid) else { throw RuntimeError(.noProcess, "no process \(pid.text) to suspend") }
        try suspend(process, deadline: .after(timeout))
    }

    /// Suspends every process of `pids`, in order; if one fails, resumes those already
    /// suspended here and rethrows.
    public func suspend(_ pids: [Pid], timeout: Timeout = .seconds(5)) throws {
        var done: [Pid] = []
        do {
            for pid in pids {
                try suspend(pid, timeout: timeout)
                done.append(pid)
            }
        } catch {
            for pid in done.reversed() { try? resume(pid) }
            throw error
        }
    }

    func suspend(_ process: LocalProcess, deadline: Deadline) throws {
        enum Outcome {
            case dead, done
            case wait(Latch)
        }
        let outcome: Outcome = process.locked { shared in
            if shared.status == .dead { return .dead }
            shared.suspended = true
            switch shared.status {
            case .running:
                process.requestInterrupt(true)
                let latch = Latch()
                shared.suspendWaiters.append(latch)
                return .wait(latch)
            case .scheduled:
                shared.status = .idle
                return .done
            default:
                return .done
            }
        }
        switch outcome {
        case .dead:
            throw RuntimeError(.noProcess, "no process \(process.pid.text) to suspend")
        case .done:
            return
        case .wait(let latch):
            if scheduler.block(on: latch, until: deadline) { return }
            let gaveUp: Bool = process.locked { shared in
                guard !latch.isOpen, shared.status == .running else { return false }
                shared.suspended = false
                shared.suspendWaiters.removeAll { $0 === latch }
                return true
            }
            if gaveUp {
                throw RuntimeError(
                    .suspendTimeout,
                    "\(process.pid.text) did not finish its current message in time to be suspended"
                )
            }
            if !process.isAlive { throw RuntimeError(.noProcess, "\(process.pid.text) exited while being suspended") }
        }
    }

    /// Resumes a suspended process (`sys:resume/1`): it handles every message that queued meanwhile, in order.
    public func resume(_ pid: Pid) throws {
        guard let process = process(pid) else { throw RuntimeError(.noProcess, "no process \(pid.text) to resume") }
        let push: Bool = process.locked { shared in
            shared.suspended = false
            guard shared.status == .idle, !shared.queue.isEmpty else { return false }
            shared.status = .scheduled
            if shared.inRunQueue { return false }
            shared.inRunQueue = true
            return true
        }
        if push { scheduler.enqueue(process) }
    }

    /// Whether `pid` is suspended.
    public func isSuspended(_ pid: Pid) -> Bool { process(pid)?.locked { $0.suspended } ?? false }

    /// Runs `body` while owning a suspended, idle process (so no exit signal or message can
    /// run it meanwhile), then gives it back, still suspended.
    func withSuspended<R>(_ process: LocalProcess, _ body: (LocalProcess) throws -> R) throws -> R {
        let claimed: Bool? = process.locked { shared in
            if shared.status == .dead { return nil }
            guard shared.suspended, shared.status == .idle else { return false }
            shared.status = .running
            return true
        }
        guard let claimed else { throw RuntimeError(.noProcess, "no process \(process.pid.text)") }
        guard claimed else { throw RuntimeError(.notSuspended, "\(process.pid.text) is not suspended") }
        defer { process.release() }
        return try body(process)
    }

    // MARK: - Changing code

    /// Switches the suspended process `pid` to `code` (OTP's `sys:change_code/4` plus the
    /// module switch): the state is encoded as a term by the old code and rebuilt by the new
    /// (``CodeChangeMode``). On any error the process keeps its old code and state. The
    /// returned change can be undone until it is committed.
    public func changeCode(
        _ pid: Pid,
        to code: ModuleCode,
        mode: CodeChangeMode,
        direction: CodeChangeDirection = .up
    ) throws -> CodeChange {
        guard let process = process(pid) else { throw RuntimeError(.noProcess, "no process \(pid.text) to change") }
        return try changeCode(process, to: code, mode: mode, direction: direction, keep: { true })
    }

    /// ``changeCode(_:to:mode:direction:)`` on a thread of its own, waited for until
    /// `deadline`: a `codeChange` that has not returned by then throws `timeout` here, and if
    /// it returns later its result is dropped (the process keeps its old code and state). The
    /// process stays claimed by that thread, handling no message, until the `codeChange` returns.
    func changeCode(
        _ pid: Pid,
        to code: ModuleCode,
        mode: CodeChangeMode,
        direction: CodeChangeDirection,
        deadline: Deadline
    ) throws -> CodeChange {
        if deadline.isNever { return try changeCode(pid, to: code, mode: mode, direction: direction) }
        guard let process = process(pid) else { throw RuntimeError(.noProcess, "no process \(pid.text) to change") }
        let attempt = AbandonableChange()
        let started = tryStartThread(name: "distill-code-change", stackSize: 8 << 20) { [self] in
            let result = Result {
                try changeCode(process, to: code, mode: mode, direction: direction) { attempt.keep() }
            }
            attempt.finish(result)
        }
        guard started == 0 else {
            throw RuntimeError(.codeChangeFailed, "cannot start a thread for the code change of \(pid.text)")
        }
        guard let result = attempt.wait(until: deadline) else {
            throw RuntimeError(
                .timeout,
                "the codeChange of \(pid.text) (module \(code.name)) did not return in time; it handles no "
                    + "message until it returns, and keeps its old code and state if it does"
            )
        }
        return try result.get()
    }

    /// The change itself; `keep` is asked, once the new code has built its state, whether to
    /// switch the process to it.
    private func changeCode(
        _ process: LocalProcess,
        to code: ModuleCode,
        mode: CodeChangeMode,
        direction: CodeChangeDirection,
        keep: () -> Bool
    ) throws -> CodeChange {
        let pid = process.pid
        return try withSuspended(process) { process in
            guard let previous = process.body else { throw RuntimeError(.noProcess, "\(pid.text) has no code") }
            let oldVsn: Term
            switch direction {
            case .up: oldVsn = previous.code.vsn
            case .down: oldVsn = .tuple([.atom("down"), previous.code.vsn])
            }
            let extra: Term
            let advanced: Bool
            switch mode {
            case .soft:
                (extra, advanced) = ([], false)
            case .advanced(let value):
                (extra, advanced) = (value, true)
            }
            let next = try code.implementation.adopt(
                code: code,
                previous: previous,
                oldVsn: oldVsn,
                extra: extra,
                advanced: advanced
            )
            guard keep() else {
                throw RuntimeError(.timeout, "the codeChange of \(pid.text) returned after its deadline")
            }
            process.body = next
            return CodeChange(process: process, previous: previous, current: next)
        }
    }

    /// The state of `pid` as its code encodes it (`sys:get_state/1`); taken between two
    /// messages (the process is briefly owned by the calling thread).
    public func state(of pid: Pid, timeout: Timeout = .seconds(5)) throws -> Term {
        try suspend(pid, timeout: timeout)
        defer { try? resume(pid) }
        guard let process = process(pid) else { throw RuntimeError(.noProcess, "no process \(pid.text)") }
        return try withSuspended(process) { process in
            guard let body = process.body else { throw RuntimeError(.noProcess, "\(pid.text) has no code") }
            return try body.encodeState()
        }
    }

    // MARK: - Inspecting

    /// The processes an upgrade of `module` concerns: those running its code and those whose
    /// child spec lists it in `modules` (what OTP's release handler finds through
    /// `supervisor:which_children` and `get_childspec`).
    public func processes(usingModule module: String) -> [Pid] {
        table.all.filter { process in
            process.locked { $0.code?.name == module } || process.modules.contains(module)
        }.map(\.pid)
    }

    /// What `erlang:process_info/1` and `sys:get_status/1` would tell, or `nil` if `pid` is dead.
    public func processInfo(_ pid: Pid) -> ProcessSnapshot? {
        guard let process = process(pid) else { return nil }
        let shared: (LocalProcess.Shared, Bool) = process.locked { ($0, $0.status == .dead) }
        guard !shared.1 else { return nil }
        let state = shared.0
        let status: ProcessSnapshot.Status
        switch state.status {
        case _ where state.suspended && state.status != .running: status = .suspended
        case .running: status = .running
        case .scheduled: status = .runnable
        default: status = .waiting
        }
        return ProcessSnapshot(
            pid: pid,
            module: state.code?.name,
            vsn: state.code?.vsn,
            image: state.code?.image,
            status: status,
            messageQueueLength: state.queue.count,
            registeredName: state.registeredName,
            links: state.links.sorted().map(self.pid(for:)),
            trapExit: state.trapExit,
            messagesHandled: state.messagesHandled,
            modules: process.modules
        )
    }
}

/// A code change run on a thread of its own that its caller may stop waiting for: whichever
/// of ``keep()`` (the change, about to switch the process) and ``wait(until:)`` (the caller,
/// at its deadline) comes first decides whether the change counts.
// @unchecked: its state is under `state`; the result it holds (a non-Sendable error) is read only
// by the waiting caller, after `done` opens.
private final class AbandonableChange: @unchecked Sendable {
    private enum State {
        case running
        /// The change switches the process now: the caller waits for it whatever the time.
        case kept
        case abandoned
        case finished(Result<CodeChange, any Error>)
    }

    private let state = Mutex(State.running)
    private let done = Latch()

    /// Whether the change may switch the process: `false` once the caller has given up.
    func keep() -> Bool {
        state.withLock { state in
            if case .abandoned = state { return false }
            state = .kept
            return true
        }
    }

    func finish(_ result: Result<CodeChange, any Error>) {
        state.withLock { state in
            if case .abandoned = state { return }
            state = .finished(result)
        }
        done.open()
    }

    /// The change's result, or `nil` if it has not reached ``keep()`` by `deadline` (it is
    /// then abandoned: ``keep()`` says no from now on).
    func wait(until deadline: Deadline) -> Result<CodeChange, any Error>? {
        _ = done.wait(until: deadline)
        let abandoned: Bool = state.withLock { state in
            guard case .running = state else { return false }
            state = .abandoned
            return true
        }
        if abandoned { return nil }
        _ = done.wait(until: .never)
        return state.withLock { state in
            if case .finished(let result) = state { return result }
            return nil
        }
    }
}
