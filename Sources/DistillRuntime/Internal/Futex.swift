//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime
import Glibc

// MARK: - Monotonic time

/// Nanoseconds on the monotonic clock (`CLOCK_MONOTONIC`).
@inline(__always)
func monotonicNow() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
}

/// Nanoseconds on the coarse monotonic clock (`CLOCK_MONOTONIC_COARSE`: a few nanoseconds
/// to read, a few milliseconds of resolution), for checking timeouts on fast paths.
@inline(__always)
func coarseNow() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC_COARSE, &spec)
    return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
}

/// A point on the monotonic clock, or never.
struct Deadline: Comparable, Sendable {
    var nanoseconds: UInt64

    static let never = Deadline(nanoseconds: .max)

    static func after(_ timeout: Timeout) -> Deadline {
        switch timeout.storage {
        case .infinity: return .never
        case .milliseconds(let ms): return Deadline(nanoseconds: monotonicNow() &+ UInt64(max(0, ms)) &* 1_000_000)
        }
    }

    var isNever: Bool { nanoseconds == .max }

    /// Nanoseconds left (0 when passed), or -1 for never.
    var remaining: Int64 {
        if isNever { return -1 }
        let now = monotonicNow()
        return now >= nanoseconds ? 0 : Int64(nanoseconds - now)
    }

    var hasPassed: Bool { !isNever && monotonicNow() >= nanoseconds }

    static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}

// MARK: - Latch

/// A one-shot event: threads wait until it opens; opening wakes them all.
final class Latch: @unchecked Sendable {
    private let word: UnsafeMutablePointer<UInt32>

    init() {
        word = .allocate(capacity: 1)
        word.initialize(to: 0)
    }

    deinit { word.deallocate() }

    var isOpen: Bool { distill_load_u32(word) != 0 }

    func open() {
        if distill_exchange_u32(word, 1) == 0 { distill_futex_wake(word, Int32.max) }
    }

    /// Waits until open or `deadline`; returns whether it opened. Does not tell the scheduler:
    /// use ``Scheduler/block(on:until:)`` on a scheduler thread.
    func wait(until deadline: Deadline) -> Bool {
        while distill_load_u32(word) == 0 {
            let remaining = deadline.remaining
            if remaining == 0 { return false }
            _ = distill_futex_wait(word, 0, remaining)
        }
        return true
    }
}

// MARK: - Thread

/// Starts a detached thread running `body`.
func startThread(name: String, stackSize: Int = 8 << 20, _ body: @escaping @Sendable () -> Void) {
    let result = tryStartThread(name: name, stackSize: stackSize, body)
    precondition(result == 0, "pthread_create failed: \(result)")
}

/// Starts a detached thread as ``startThread(name:stackSize:_:)`` does, but returns
/// `pthread_create`'s error (`EAGAIN` when the process or the system has no more threads)
/// instead of trapping; 0 if the thread runs. On an error, `body` is never run.
func tryStartThread(name: String, stackSize: Int = 8 << 20, _ body: @escaping @Sendable () -> Void) -> Int32 {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        let name: String
        init(_ body: @escaping @Sendable () -> Void, name: String) {
            self.body = body
            self.name = name
        }
    }
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setstacksize(&attributes, stackSize)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    let box = Unmanaged.passRetained(Box(body, name: name)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
        &thread,
        &attributes,
        { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            distill_set_thread_name(String(box.name.prefix(15)))
            box.body()
            return nil
        },
        box
    )
    pthread_attr_destroy(&attributes)
    if result != 0 { Unmanaged<Box>.fromOpaque(box).release() }
    return result
}
