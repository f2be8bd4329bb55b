//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime

/// What a caller gets back.
enum ReplyOutcome: Sendable {
    case value(Term)
    case exit(ExitReason)
    case interrupted(ExitReason)
}

/// Where the reply to one outstanding call lands. Each process owns one (a process waits for
/// at most one call at a time); a call from outside any process makes its own.
///
/// The state word is `tag << 2 | phase`: arming with a fresh tag invalidates every older
/// ``Caller``, so a reply that comes after a timeout, or a second reply, fails its
/// compare-and-swap and is dropped. The owner may sleep on `parked` (a futex); a replier that
/// finds it set wakes it.
// @unchecked: `outcome` is written by the one replier that wins the compare-and-swap on `seq`
// and read by the owner only after it sees `ready`, which orders the two.
final class ReplySlot: @unchecked Sendable {
    private static let waiting: UInt64 = 0
    private static let writing: UInt64 = 1
    private static let ready: UInt64 = 2
    private static let consumed: UInt64 = 3

    private let words: UnsafeMutableRawPointer
    private var seq: UnsafeMutablePointer<UInt64> { words.assumingMemoryBound(to: UInt64.self) }
    private var parked: UnsafeMutablePointer<UInt32> { (words + 8).assumingMemoryBound(to: UInt32.self) }
    private var outcome: ReplyOutcome?
    private var lastTag: UInt64 = 0
    let ownerPid: Pid?

    init(ownerPid: Pid?) {
        self.ownerPid = ownerPid
        words = .allocate(byteCount: 16, alignment: 8)
        words.storeBytes(of: Self.consumed, as: UInt64.self)
        words.storeBytes(of: 0, toByteOffset: 8, as: UInt32.self)
    }

    deinit { words.deallocate() }

    /// The slot of callers that no longer exist: it never waits, so replies to it are dropped.
    static let gone = ReplySlot(ownerPid: nil)

    /// Starts waiting for a new reply; only the owner calls this.
    func arm() -> UInt64 {
        lastTag &+= 1
        distill_store_u64(seq, lastTag << 2 | Self.waiting)
        return lastTag
    }

    func isWaiting(tag: UInt64) -> Bool { distill_load_u64(seq) == tag << 2 | Self.waiting }

    /// The tag a reply is awaited for, if any.
    var waitingTag: UInt64? {
        let word = distill_load_u64(seq)
        return word & 3 == Self.waiting ? word >> 2 : nil
    }

    func isReady(tag: UInt64) -> Bool { distill_load_u64(seq) == tag << 2 | Self.ready }

    /// Delivers `outcome` if the owner still waits for `tag`; returns whether it did.
    @discardableResult
    func deliver(tag: UInt64, _ outcome: ReplyOutcome) -> Bool {
        guard distill_cas_u64(seq, tag << 2 | Self.waiting, tag << 2 | Self.writing) != 0 else { return false }
        self.outcome = outcome
        distill_store_u64(seq, tag << 2 | Self.ready)
        if distill_exchange_u32(parked, 0) != 0 { distill_futex_wake(parked, 1) }
        return true
    }

    /// The reply for `tag` if it has come (taking it), else `nil`.
    func take(tag: UInt64) -> ReplyOutcome? {
        var word = distill_load_u64(seq)
        while word == tag << 2 | Self.writing {
            distill_cpu_relax()
            word = distill_load_u64(seq)
        }
        guard word == tag << 2 | Self.ready else { return nil }
        let result = outcome
        outcome = nil
        distill_store_u64(seq, tag << 2 | Self.consumed)
        return result
    }

    /// Stops waiting for `tag`. Returns a reply that won the race, else `nil` (a later reply is dropped).
    func cancel(tag: UInt64) -> ReplyOutcome? {
        if distill_cas_u64(seq, tag << 2 | Self.waiting, tag << 2 | Self.consumed) != 0 { return nil }
        return take(tag: tag)
    }

    /// Sleeps until a reply for `tag` may have come, or `nanoseconds` pass (-1: no limit).
    func park(tag: UInt64, nanoseconds: Int64) {
        distill_store_u32(parked, 1)
        if distill_load_u64(seq) == tag << 2 | Self.waiting {
            _ = distill_futex_wait(parked, 1, nanoseconds)
        }
        distill_store_u32(parked, 0)
    }
}
