//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

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
