//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Runs runnable processes and decides what a thread does while it waits.
///
/// The process machinery (mailboxes, the caller-runs fast path, helping a callee, exits,
/// suspension) is the same under every scheduler; a scheduler only supplies threads:
/// ``ThreadPoolScheduler`` (one worker per core, BEAM-like) for a node, ``ManualScheduler``
/// (the test's own thread, deterministic) for `EmbeddedRuntime`.
protocol Scheduler: AnyObject, Sendable {
    /// `process` became scheduled and was not in the run queue: queue it.
    func enqueue(_ process: LocalProcess)

    /// A caller waits for its reply on `slot` and cannot help `callee` right now. Returns after
    /// something may have changed (the reply came, the callee became claimable, time passed);
    /// `false` when the wait can never end (a deadlock the manual scheduler detects).
    func waitForReply(slot: ReplySlot, tag: UInt64, callee: LocalProcess?, deadline: Deadline) -> Bool

    /// Blocks until `latch` opens or `deadline` passes; returns whether it opened.
    func block(on latch: Latch, until deadline: Deadline) -> Bool

    /// Stops the worker threads (after the node has ended every process).
    func shutdown()
}

/// How many messages a process handles before it goes to the back of the run queue (BEAM
/// gives a process 4000 reductions; a gen_server message costs a few dozen).
let messagesPerSlice = 128

extension LocalProcess {
    /// Runs a slice of a process popped from a run queue.
    func runSlice() {
        guard claimFromRunQueue() else { return }
        if runMessages(budget: messagesPerSlice) { release() }
    }
}
