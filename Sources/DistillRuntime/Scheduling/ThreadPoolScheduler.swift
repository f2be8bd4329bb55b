//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime
import Synchronization

/// BEAM-style scheduling on a fixed number of worker threads (one per core by default).
///
/// A global run queue holds scheduled processes; a worker pops one and runs a slice of its
/// mailbox (``messagesPerSlice``). An idle worker spins briefly on the queue before it
/// sleeps on a futex, so a busy node never pays for a wake-up. A worker that blocks (a call
/// whose callee runs on another thread, a supervisor waiting for a child to stop) leaves
/// the pool's count of executing workers; if work is waiting, a sleeping worker is woken or
/// a new one started, so blocked callers never starve runnable processes. When the blocked
/// worker comes back the pool briefly has one worker too many, and the first worker that
/// finishes a slice goes to sleep.
// @unchecked: the run queue and counts are under `state`; `queued` is an atomic hint read without
// the lock, written only under it.
final class ThreadPoolScheduler: Scheduler, @unchecked Sendable {
    // @unchecked: `word` is a futex word, touched only through atomic and futex calls.
    final class Worker: @unchecked Sendable {
        let index: Int
        let word: UnsafeMutablePointer<UInt32>

        init(index: Int) {
            self.index = index
            word = .allocate(capacity: 1)
            word.initialize(to: 0)
        }

        deinit { word.deallocate() }
    }

    private struct State {
        var queue = RingBuffer<LocalProcess>()
        var sleepers: [Worker] = []
        var executing = 0
        var threads = 0
        var spinning = 0
        var stopping = false
        var stopped = 0
    }

    /// The number of workers meant to execute at once.
    let concurrency: Int
    /// The most threads the pool will ever start (blocked callers included).
    let maximumThreads: Int
    private let state = Mutex(State())
    private let queued: UnsafeMutablePointer<UInt64>
    private let allStopped = Latch()

    /// How long an idle worker polls the run queue before sleeping, and how long a caller
    /// spins for a reply before parking, in nanoseconds.
    let idleSpin: UInt64
    let replySpin: UInt64

    init(concurrency: Int, maximumThreads: Int = 1024, idleSpin: UInt64 = 50_000, replySpin: UInt64 = 0) {
        precondition(concurrency >= 1)
        self.concurrency = concurrency
        self.maximumThreads = maximumThreads
        self.idleSpin = idleSpin
        self.replySpin = replySpin
        queued = .allocate(capacity: 1)
        queued.initialize(to: 0)
        state.withLock { state in
            state.threads = concurrency
            state.executing = concurrency
        }
        for index in 0..<concurrency { startWorker(index: index) }
    }

    deinit { queued.deallocate() }

    /// The number of worker threads started so far (for tests and diagnostics).
    var threadCount: Int { state.withLock { $0.threads } }

    /// Starts worker `index`, counted already in `threads` and `executing`. If the system has
    /// no thread to give, the pool runs with the workers it has: the count is taken back and
    /// the queued work waits for one of them.
    private func startWorker(index: Int) {
        let worker = Worker(index: index)
        let result = tryStartThread(name: "distill-sched-\(index)") { [self] in self.workerLoop(worker) }
        guard result != 0 else { return }
        let started = state.withLock { state in
            state.threads -= 1
            state.executing -= 1
            return state.threads
        }
        // With no worker at all, nothing would ever run.
        precondition(started > 0, "cannot start a scheduler thread: pthread_create failed: \(result)")
    }

    // MARK: - Queueing

    func enqueue(_ process: LocalProcess) {
        var wake: Worker?
        var spawn: Int?
        state.withLock { state in
            state.queue.append(process)
            distill_store_u64(queued, UInt64(state.queue.count))
            guard state.spinning == 0, state.executing < concurrency, !state.stopping else { return }
            if let sleeper = state.sleepers.popLast() {
                state.executing += 1
                wake = sleeper
            } else if state.threads < maximumThreads {
                state.threads += 1
                state.executing += 1
                spawn = state.threads - 1
            }
        }
        if let wake { wakeUp(wake) }
        if let spawn { startWorker(index: spawn) }
    }

    private func wakeUp(_ worker: Worker) {
        distill_store_u32(worker.word, 1)
        distill_futex_wake(worker.word, 1)
    }

    // MARK: - Workers

    private func workerLoop(_ worker: Worker) {
        distill_set_current_worker(Unmanaged.passUnretained(worker).toOpaque())
        while let process = next(worker) {
            process.runSlice()
        }
        distill_set_current_worker(nil)
        let last: Bool = state.withLock { state in
            state.stopped += 1
            return state.stopped == state.threads
        }
        if last { allStopped.open() }
    }

    private enum Pop {
        case run(LocalProcess)
        case spin
        case sleep
        case stop
    }

    private func next(_ worker: Worker) -> LocalProcess? {
        var spinStart: UInt64 = 0
        while true {
            let spinning = spinStart != 0
            let canSpin = !spinning || monotonicNow() - spinStart < idleSpin
            let pop: Pop = state.withLock { state in
                if state.stopping { return .stop }
                if state.executing > concurrency {
                    if spinning { state.spinning -= 1 }
                    state.executing -= 1
                    distill_store_u32(worker.word, 0)
                    state.sleepers.append(worker)
                    return .sleep
                }
                if let process = state.queue.popFirst() {
                    distill_store_u64(queued, UInt64(state.queue.count))
                    if spinning { state.spinning -= 1 }
                    return .run(process)
                }
                if canSpin {
                    if !spinning { state.spinning += 1 }
                    return .spin
                }
                state.spinning -= 1
                state.executing -= 1
                distill_store_u32(worker.word, 0)
                state.sleepers.append(worker)
                return .sleep
            }
            switch pop {
            case .run(let process):
                return process
            case .stop:
                return nil
            case .spin:
                if spinStart == 0 { spinStart = monotonicNow() }
                var polls = 0
                while distill_load_u64(queued) == 0 && polls < 256 {
                    distill_cpu_relax()
                    polls += 1
                }
            case .sleep:
                spinStart = 0
                while distill_load_u32(worker.word) == 0 {
                    _ = distill_futex_wait(worker.word, 0, -1)
                }
            }
        }
    }

    // MARK: - Blocking

    private var onWorker: Bool { distill_current_worker() != nil }

    /// The calling worker stops executing: hand its place to a sleeping or new worker if work waits.
    private func willBlock() {
        var wake: Worker?
        var spawn: Int?
        state.withLock { state in
            state.executing -= 1
            guard !state.queue.isEmpty, state.spinning == 0, state.executing < concurrency, !state.stopping else {
                return
            }
            if let sleeper = state.sleepers.popLast() {
                state.executing += 1
                wake = sleeper
            } else if state.threads < maximumThreads {
                state.threads += 1
                state.executing += 1
                spawn = state.threads - 1
            }
        }
        if let wake { wakeUp(wake) }
        if let spawn { startWorker(index: spawn) }
    }

    private func didUnblock() {
        state.withLock { $0.executing += 1 }
    }

    func waitForReply(slot: ReplySlot, tag: UInt64, callee: LocalProcess?, deadline: Deadline) -> Bool {
        // Poll only our own reply slot: polling the callee (its lock) would pull its cache
        // lines away from the thread running it. A callee left runnable meanwhile is run by a
        // worker, or by its next caller (helping).
        let spinUntil = replySpin == 0 ? 0 : monotonicNow() + replySpin
        while replySpin > 0 && monotonicNow() < spinUntil {
            for _ in 0..<32 {
                if slot.isReady(tag: tag) { return true }
                distill_cpu_relax()
            }
        }
        let blocking = onWorker
        if blocking { willBlock() }
        let remaining = deadline.remaining
        slot.park(tag: tag, nanoseconds: remaining < 0 ? 50_000_000 : min(remaining, 50_000_000))
        if blocking { didUnblock() }
        return true
    }

    func block(on latch: Latch, until deadline: Deadline) -> Bool {
        if latch.isOpen { return true }
        let blocking = onWorker
        if blocking { willBlock() }
        let opened = latch.wait(until: deadline)
        if blocking { didUnblock() }
        return opened
    }

    func shutdown() {
        let sleepers: [Worker] = state.withLock { state in
            state.stopping = true
            let sleepers = state.sleepers
            state.sleepers = []
            return sleepers
        }
        for sleeper in sleepers { wakeUp(sleeper) }
        if !onWorker { _ = allStopped.wait(until: .after(.seconds(5))) }
    }
}
