//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime
import Synchronization

/// Pending timers ordered by deadline, then by creation: a binary heap with lazy
/// cancellation. No clock and no thread: ``TimerService`` drives it with the monotonic clock
/// and a thread, `EmbeddedRuntime` with a manual clock.
struct TimerHeap {
    struct Entry {
        var deadline: UInt64
        var sequence: UInt64
        var reference: Term
        var target: Destination
        var message: Term
    }

    private var heap: [Entry] = []
    private var live: [Term: UInt64] = [:]
    private var sequence: UInt64 = 0

    var nextDeadline: UInt64? {
        mutating get {
            dropCancelled()
            return heap.first?.deadline
        }
    }

    var count: Int { live.count }

    mutating func add(deadline: UInt64, reference: Term, target: Destination, message: Term) {
        sequence += 1
        heap.append(
            Entry(deadline: deadline, sequence: sequence, reference: reference, target: target, message: message)
        )
        live[reference] = deadline
        siftUp(heap.count - 1)
    }

    /// Cancels the timer; returns its deadline if it was pending.
    mutating func cancel(_ reference: Term) -> UInt64? {
        live.removeValue(forKey: reference)
    }

    func deadline(of reference: Term) -> UInt64? { live[reference] }

    /// Removes and returns the earliest timer due at `now`.
    mutating func popDue(now: UInt64) -> Entry? {
        dropCancelled()
        guard let first = heap.first, first.deadline <= now else { return nil }
        removeFirst()
        live.removeValue(forKey: first.reference)
        return first
    }

    private mutating func dropCancelled() {
        while let first = heap.first, live[first.reference] != first.deadline { removeFirst() }
    }

    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        (a.deadline, a.sequence) < (b.deadline, b.sequence)
    }

    private mutating func removeFirst() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var index = 0
        while true {
            let left = 2 * index + 1
            let right = left + 1
            var smallest = index
            if left < heap.count && Self.before(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && Self.before(heap[right], heap[smallest]) { smallest = right }
            if smallest == index { return }
            heap.swapAt(index, smallest)
            index = smallest
        }
    }

    private mutating func siftUp(_ start: Int) {
        var index = start
        while index > 0 {
            let parent = (index - 1) / 2
            if !Self.before(heap[index], heap[parent]) { return }
            heap.swapAt(index, parent)
            index = parent
        }
    }
}

/// `erlang:send_after/3` and `cancel_timer/1`: a timer heap and, for a real node, a thread
/// that sleeps until the next deadline. A manual service (`EmbeddedRuntime`) has a clock that
/// only moves when told to.
// @unchecked: the heap and clock are under `state`; `deliver` is set once in `start(_:)` before the
// timer thread starts; `wakeWord` is a futex word touched only through atomic and futex calls.
final class TimerService: @unchecked Sendable {
    private struct State {
        var heap = TimerHeap()
        var manualNow: UInt64 = 0
        var stopping = false
    }

    private let state = Mutex(State())
    private let manual: Bool
    private let wakeWord: UnsafeMutablePointer<UInt32>
    private var deliver: @Sendable (Destination, Term) -> Void = { _, _ in }

    init(manual: Bool) {
        self.manual = manual
        wakeWord = .allocate(capacity: 1)
        wakeWord.initialize(to: 0)
    }

    deinit { wakeWord.deallocate() }

    /// Nanoseconds on this service's clock.
    var now: UInt64 { manual ? state.withLock { $0.manualNow } : monotonicNow() }

    /// Starts delivering due timers through `deliver` (on a thread unless manual). Called once.
    func start(_ deliver: @escaping @Sendable (Destination, Term) -> Void) {
        self.deliver = deliver
        guard !manual else { return }
        startThread(name: "distill-timers") { [self] in self.run() }
    }

    func add(after milliseconds: Int, reference: Term, target: Destination, message: Term) {
        let deadline = now + UInt64(max(0, milliseconds)) * 1_000_000
        let earliest: Bool = state.withLock { state in
            let previous = state.heap.nextDeadline
            state.heap.add(deadline: deadline, reference: reference, target: target, message: message)
            return previous.map { deadline < $0 } ?? true
        }
        if earliest && !manual {
            distill_store_u32(wakeWord, 1)
            distill_futex_wake(wakeWord, 1)
        }
    }

    /// Cancels a timer; returns the milliseconds it had left, or `nil` if it was not pending.
    func cancel(_ reference: Term) -> Int? {
        let current = now
        guard let deadline = state.withLock({ $0.heap.cancel(reference) }) else { return nil }
        return deadline > current ? Int((deadline - current) / 1_000_000) : 0
    }

    /// The milliseconds a pending timer has left (`erlang:read_timer/1`).
    func remaining(_ reference: Term) -> Int? {
        let current = now
        guard let deadline = state.withLock({ $0.heap.deadline(of: reference) }) else { return nil }
        return deadline > current ? Int((deadline - current) / 1_000_000) : 0
    }

    var pendingCount: Int { state.withLock { $0.heap.count } }

    /// Moves the manual clock to `target`, firing each timer due on the way in deadline order;
    /// `afterEach` runs after each delivery (the embedded runtime runs processes there).
    func advance(to target: UInt64, afterEach: () -> Void) {
        while true {
            let entry: TimerHeap.Entry? = state.withLock { state in
                guard let next = state.heap.nextDeadline, next <= target else { return nil }
                state.manualNow = max(state.manualNow, next)
                return state.heap.popDue(now: next)
            }
            guard let entry else { break }
            deliver(entry.target, entry.message)
            afterEach()
        }
        state.withLock { $0.manualNow = max($0.manualNow, target) }
    }

    func stop() {
        state.withLock { $0.stopping = true }
        distill_store_u32(wakeWord, 1)
        distill_futex_wake(wakeWord, 1)
    }

    private func run() {
        while true {
            var due: [TimerHeap.Entry] = []
            let (stopping, next): (Bool, UInt64?) = state.withLock { state in
                let current = monotonicNow()
                while let entry = state.heap.popDue(now: current) { due.append(entry) }
                return (state.stopping, state.heap.nextDeadline)
            }
            if stopping { return }
            for entry in due { deliver(entry.target, entry.message) }
            if !due.isEmpty { continue }
            let wait: Int64
            if let next {
                let current = monotonicNow()
                wait = next > current ? Int64(next - current) : 0
            } else {
                wait = -1
            }
            if wait != 0 {
                _ = distill_futex_wait(wakeWord, 0, wait)
            }
            distill_store_u32(wakeWord, 0)
        }
    }
}
