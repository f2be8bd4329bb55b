//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// The controls of a node that runs on the caller's thread with a manual clock
/// (``ManualScheduler``): what ``EmbeddedRuntime`` drives.
final class EmbeddedDriver: Sendable {
    let node: Node
    private let scheduler: ManualScheduler
    private final class ExitLog: Sendable {
        let entries = Mutex<[(Pid, ExitReason)]>([])
    }

    private let exits = ExitLog()

    init(name: String, logger: Logger) {
        let scheduler = ManualScheduler()
        self.scheduler = scheduler
        node = Node(name: name, logger: logger, scheduler: scheduler, manualTime: true)
        node.exitObserver = { [exits] pid, reason in exits.entries.withLock { $0.append((pid, reason)) } }
    }

    /// Runs processes until none is runnable; returns the number of slices run.
    @discardableResult
    func runUntilIdle() -> Int { scheduler.runUntilIdle() }

    /// Nanoseconds on the manual clock.
    var now: UInt64 { node.timers.now }

    /// Moves the clock forward, firing due timers in deadline order and running processes
    /// after each.
    func advanceTime(by nanoseconds: UInt64) {
        runUntilIdle()
        node.timers.advance(to: node.timers.now + nanoseconds) { runUntilIdle() }
        runUntilIdle()
    }

    /// Every process exit so far, in order.
    var exitLog: [(Pid, ExitReason)] { exits.entries.withLock { $0 } }

    /// Messages waiting in mailboxes, by process.
    var queuedMessages: [(Pid, Int)] {
        node.table.all.compactMap { process in
            let count = process.locked { $0.queue.count }
            return count > 0 ? (process.pid, count) : nil
        }
    }

    var pendingTimers: Int { node.timers.pendingCount }
}
