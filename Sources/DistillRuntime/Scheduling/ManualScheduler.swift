//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// Deterministic scheduling on the caller's own thread, for `EmbeddedRuntime`: processes run
/// only inside ``runUntilIdle()`` or while a call made on this thread waits, in the order
/// they became runnable.
///
/// A waiting caller runs other runnable processes (nested, on the same stack) until its reply
/// comes; when nothing is runnable and the reply has not come, the wait can never end (on one
/// thread there is nobody else): the call fails at once with a timeout instead of hanging.
final class ManualScheduler: Scheduler, Sendable {
    private let queue = Mutex(RingBuffer<LocalProcess>())

    func enqueue(_ process: LocalProcess) {
        queue.withLock { $0.append(process) }
    }

    /// Runs one slice of the next runnable process; returns `false` when none was runnable.
    func runOne() -> Bool {
        while let process = queue.withLock({ $0.popFirst() }) {
            if process.claimFromRunQueue() {
                if process.runMessages(budget: messagesPerSlice) { process.release() }
                return true
            }
        }
        return false
    }

    /// Runs processes until none is runnable; returns how many slices ran.
    @discardableResult
    func runUntilIdle() -> Int {
        var slices = 0
        while runOne() { slices += 1 }
        return slices
    }

    func waitForReply(slot: ReplySlot, tag: UInt64, callee: LocalProcess?, deadline: Deadline) -> Bool {
        runOne()
    }

    func block(on latch: Latch, until deadline: Deadline) -> Bool {
        while !latch.isOpen {
            if !runOne() { return false }
        }
        return true
    }

    func shutdown() {}
}
