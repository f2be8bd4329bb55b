//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// Numbers a command's steps as they start (`[3/9]`), against the total the command
/// planned once `rel/config` told it how many applications there are.
final class StepNumbering: Sendable {
    private let state = Mutex<(next: Int, total: Int)>((next: 1, total: 0))

    /// Starts counting again, for a command of `total` steps.
    func plan(total: Int) {
        state.withLock { $0 = (next: 1, total: total) }
    }

    /// The next step's number and the total (never below the number, should a command take
    /// more steps than it planned).
    func next() -> (number: Int, total: Int) {
        state.withLock { state in
            defer { state.next += 1 }
            return (state.next, max(state.total, state.next))
        }
    }

    /// The steps of ``ReleaseBuilder/prepare()`` for a release of `applications`
    /// applications: reading the configuration, a build per application and one for the
    /// launcher, a manifest and a snapshot per application, and gathering the runtime.
    static func preparing(applications: Int) -> Int { 3 * applications + 3 }
}
