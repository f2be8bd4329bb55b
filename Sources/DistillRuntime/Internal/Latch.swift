//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime
import Glibc

/// A one-shot event: threads wait until it opens; opening wakes them all.
// @unchecked: `word` is a futex word, touched only through atomic and futex calls.
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
